/**
 * Runs out of the app: JSON files that import again, and Markdown that reads
 * on its own. Markdown keeps LaTeX as source ($…$), nothing is rendered.
 */
import { majorityAnswer } from "./convert";
import type { AnswerRelation } from "../gsr/outcome";
import type { HistoryFile, RunFile, SavedCandidate, SavedRun } from "./types";

function mark(correct: boolean | null): string {
  return correct === null ? "" : correct ? " ✓" : " ✗";
}

/** An answer as inline math source, safe on one line and inside a table cell. */
function inlineAnswer(answer: string | null): string {
  if (answer === null) return "_no final answer_";
  return `$${answer.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|")}$`;
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function seconds(ms: number | null): string {
  return ms === null ? "" : ` · ${(ms / 1000).toFixed(1)} s`;
}

const CANDIDATE_STATUS: Record<SavedCandidate["status"], string> = {
  queued: "not started",
  streaming: "cut off",
  done: "done",
  error: "error",
  stopped: "stopped",
};

function list(indices: readonly number[]): string {
  return indices.map((i) => `#${i + 1}`).join(", ");
}

/** The solution text as it was generated; an empty one says so. */
function body(text: string): string {
  return text.trim() ? text.trimEnd() : "_(no text)_";
}

const RELATION: Record<AnswerRelation, string> = {
  same: "same answer",
  different: "different answer",
  none: "no answer",
};

/** The lineage section: the outcome in words, then per candidate its answer's relation and its steps kept and dropped. */
function whatRefinementDid(saved: SavedRun): string[] {
  const lineage = saved.lineage;
  if (!lineage) return saved.refined.text.trim() ? ["## What refinement did", "", "_Not recorded for this run._", ""] : [];
  const out = ["## What refinement did", "", `**Outcome (${lineage.outcome}):** ${lineage.summary}`, ""];
  const steps = lineage.steps;
  out.push(
    steps ? "| Candidate | Answer | Relation to the refined answer | Steps kept | Steps dropped |" : "| Candidate | Answer | Relation to the refined answer |",
    steps ? "| --- | --- | --- | --- | --- |" : "| --- | --- | --- |",
  );
  saved.candidates.forEach((c, i) => {
    const row = [`#${i + 1}`, `${inlineAnswer(c.answer)}${mark(c.correct)}`, RELATION[lineage.relations[i] ?? "none"]];
    const own = steps?.candidates[i]?.filter((s) => !s.trivial);
    if (own) row.push(`${own.filter((s) => s.used).length} of ${own.length}`, String(own.filter((s) => !s.used).length));
    out.push(`| ${row.join(" | ")} |`);
  });
  out.push("");
  if (steps) {
    const traced = steps.refined.map((s, k) => ({ s, k })).filter(({ s }) => !s.trivial);
    const fresh = traced.filter(({ s }) => s.sources.length === 0).map(({ k }) => k + 1);
    out.push(
      `The refined solution has ${traced.length} step${traced.length === 1 ? "" : "s"}; ${fresh.length === 0 ? "every one is found in a candidate" : `${fresh.length} found in no candidate (new: step ${fresh.join(", ")})`}.`,
      "",
    );
  } else out.push("_Step lineage was not recorded for this run._", "");
  return out;
}

/** A run as a Markdown document: problem, settings, candidates, vote, refined solution. */
export function runToMarkdown(saved: SavedRun): string {
  const s = saved.settings;
  const out: string[] = [];
  out.push(`# Refinery run, ${isoMinute(saved.createdAt)}`, "");
  out.push(
    `**Status:** ${saved.status}${saved.reason ? ` (${saved.reason})` : ""}  `,
    `**Model:** ${saved.model || "unknown"} (${saved.engine}) · N = ${s.n} · temperature ${s.temperature} · top-p ${s.topP} · max ${s.maxTokens} tokens · seed ${s.seed} · context ${s.contextSize}`,
  );
  if (saved.problemRef)
    out.push(
      "",
      `**Source:** ${saved.problemRef.dataset} / ${saved.problemRef.id} · reference answer ${inlineAnswer(saved.problemRef.answer)}`,
    );
  out.push("", "## Problem", "", body(saved.problem), "");

  out.push("## Candidates", "");
  saved.candidates.forEach((c, i) => {
    out.push(`### Candidate ${i + 1}: ${inlineAnswer(c.answer)}${mark(c.correct)}`, "");
    out.push(
      `_${CANDIDATE_STATUS[c.status]} · ${c.tokens} tokens${seconds(c.totalMs)}${c.finishReason === "length" ? " · hit the token limit" : ""}_`,
      "",
    );
    if (c.error) out.push(`> Error: ${c.error.replace(/\n/g, " ")}`, "");
    out.push(body(c.text), "");
  });

  out.push("## Majority vote", "");
  const vote = saved.vote;
  if (!vote) out.push("_No vote: the run ended before every candidate finished._", "");
  else if (vote.clusters.length === 0) out.push("_No candidate gave a final answer._", "");
  else {
    out.push("| Answer | Votes | Candidates |", "| --- | --- | --- |");
    vote.clusters.forEach((c, i) => {
      const isMajority = i === vote.majority;
      const label = `${inlineAnswer(c.representative)}${isMajority ? ` **(majority)**${mark(saved.majorityCorrect)}` : ""}`;
      out.push(
        `| ${label} | ${c.members.length} of ${saved.candidates.length} | ${list(c.members)} |`,
      );
    });
    out.push("");
  }
  if (vote && vote.unanswered.length > 0)
    out.push(`No final answer from ${list(vote.unanswered)}.`, "");

  out.push(...whatRefinementDid(saved));

  const r = saved.refined;
  out.push(`## Refined solution: ${inlineAnswer(r.answer)}${mark(r.correct)}`, "");
  const agreement =
    r.agreesWithMajority === null
      ? ""
      : r.agreesWithMajority
        ? " · agrees with the majority"
        : ` · differs from the majority (${inlineAnswer(majorityAnswer(saved))})`;
  out.push(`_${r.status} · ${r.tokens} tokens${seconds(r.totalMs)}${agreement}_`, "");
  if (r.shortened)
    out.push(
      `The candidates were shortened to fit the context window (${r.shortened.originalTokens} → ${r.shortened.finalTokens} tokens).`,
      "",
    );
  if (r.error) out.push(`> Error: ${r.error.replace(/\n/g, " ")}`, "");
  out.push(r.status === "waiting" ? "_The refinement did not start._" : body(r.text), "");
  return out.join("\n");
}

/** One run as a file that imports again. */
export function runToJson(saved: SavedRun, exportedAt: number = Date.now()): string {
  const file: RunFile = { format: "refinery-run", version: 1, exportedAt, run: saved };
  return JSON.stringify(file, null, 2);
}

/** A history export: every given run. */
export function historyToJson(runs: readonly SavedRun[], exportedAt: number = Date.now()): string {
  const file: HistoryFile = { format: "refinery-history", version: 1, exportedAt, runs: [...runs] };
  return JSON.stringify(file);
}

/** File names: refinery-run-2026-05-01-1403-ab12cd34.md, refinery-history-2026-05-01.json. */
export function runFilename(saved: SavedRun, extension: "json" | "md"): string {
  const stamp = new Date(saved.createdAt)
    .toISOString()
    .slice(0, 16)
    .replace(/[T:]/g, "-")
    .replace(/-(\d\d)$/, "$1");
  return `refinery-run-${stamp}-${saved.id.slice(0, 8)}.${extension}`;
}

export function historyFilename(exportedAt: number = Date.now()): string {
  return `refinery-history-${new Date(exportedAt).toISOString().slice(0, 10)}.json`;
}

/** Offers text as a download: a Blob behind a temporary <a download>, its URL revoked after. */
export function downloadText(filename: string, text: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  link.style.display = "none";
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Some browsers read the URL after click() returns; give them a moment before revoking.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
