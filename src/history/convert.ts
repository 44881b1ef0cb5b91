/**
 * Between the store's run view and the saved form. A reopened run must look
 * exactly as it did, so what the view derives from (results, elapsed time,
 * the vote's majority) is saved in a form that rebuilds it.
 */
import type { AnswerCluster, VoteResult } from "../gsr/types";
import { LIMITS, PROBLEM_EXCERPT_CHARS } from "./limits";
import {
  SCHEMA_VERSION,
  type CandidateViewLike,
  type GenerationResultLike,
  type RefinedViewLike,
  type RunMeta,
  type RunViewLike,
  type SavedCandidate,
  type SavedLineage,
  type SavedRefined,
  type SavedRun,
  type SavedRunSummary,
  type SavedVote,
} from "./types";

/** Shown when a run is reopened that was cut off by the page closing. */
export const INTERRUPTED_REASON =
  "Interrupted: the page was closed or reloaded while this run was in progress.";

/** A random UUID (v4); falls back to getRandomValues where randomUUID is missing (insecure contexts). */
export function newRunId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Cuts a string to the schema's limit so every saved run can be exported and imported again. */
function fit(text: string, max: number): string {
  if (text.length <= max) return text;
  // Don't leave half a surrogate pair at the end.
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? "") ? max - 1 : max;
  return text.slice(0, end);
}

function fitOrNull(text: string | null, max: number): string | null {
  return text === null ? null : fit(text, max);
}

function duration(ms: number): number {
  return Math.min(Math.max(ms, 0), LIMITS.durationMs);
}

/** Generation time: the engine's total, else the span the text streamed over. */
function elapsed(view: {
  startedAt: number | null;
  updatedAt: number | null;
  result: GenerationResultLike | null;
}): number | null {
  if (view.result) return duration(view.result.totalMs);
  if (view.startedAt !== null && view.updatedAt !== null)
    return duration(view.updatedAt - view.startedAt);
  return null;
}

function saveCandidate(c: CandidateViewLike): SavedCandidate {
  return {
    status: c.status,
    text: fit(c.text, LIMITS.textChars),
    answer: fitOrNull(c.answer, LIMITS.answerChars),
    correct: c.correct,
    tokens: c.result?.tokens ?? c.tokens,
    finishReason: c.result?.finishReason ?? null,
    firstTokenMs: c.result?.firstTokenMs != null ? duration(c.result.firstTokenMs) : null,
    totalMs: elapsed(c),
    error: fitOrNull(c.error, LIMITS.messageChars),
  };
}

function saveRefined(r: RefinedViewLike): SavedRefined {
  return {
    status: r.status,
    text: fit(r.text, LIMITS.textChars),
    answer: fitOrNull(r.answer, LIMITS.answerChars),
    correct: r.correct,
    agreesWithMajority: r.agreesWithMajority,
    tokens: r.result?.tokens ?? r.tokens,
    finishReason: r.result?.finishReason ?? null,
    firstTokenMs: r.result?.firstTokenMs != null ? duration(r.result.firstTokenMs) : null,
    totalMs: elapsed(r),
    shortened: r.shortened ? { ...r.shortened, removedChars: [...r.shortened.removedChars] } : null,
    error: fitOrNull(r.error, LIMITS.messageChars),
  };
}

function saveVote(vote: VoteResult): SavedVote {
  const clusters = vote.clusters.map((c) => ({
    representative: fit(c.representative, LIMITS.answerChars),
    members: [...c.members],
  }));
  let majority: number | null = null;
  if (vote.majority) {
    const m = vote.majority;
    const byIdentity = vote.clusters.indexOf(m);
    majority =
      byIdentity >= 0
        ? byIdentity
        : Math.max(
            0,
            vote.clusters.findIndex((c) => c.representative === m.representative),
          );
  }
  return { clusters, majority, unanswered: [...vote.unanswered] };
}

/** The store's run as it is saved. Strings beyond the schema's limits are cut. */
export function toSavedRun(run: RunViewLike, meta: RunMeta): SavedRun {
  return {
    schemaVersion: SCHEMA_VERSION,
    id: meta.id,
    createdAt: meta.createdAt,
    updatedAt: meta.updatedAt,
    status: run.status,
    problem: fit(run.problem, LIMITS.problemChars),
    problemRef: meta.problemRef
      ? {
          id: fit(meta.problemRef.id, LIMITS.refIdChars),
          dataset: fit(meta.problemRef.dataset, LIMITS.refIdChars),
          answer: fit(meta.problemRef.answer, LIMITS.answerChars),
        }
      : null,
    settings: { ...run.settings },
    engine: meta.engine,
    model: fit(meta.model, LIMITS.modelChars),
    candidates: run.candidates.map(saveCandidate),
    vote: run.vote ? saveVote(run.vote) : null,
    majorityCorrect: run.majorityCorrect,
    refined: saveRefined(run.refined),
    reason: fitOrNull(run.reason, LIMITS.messageChars),
    ...(run.lineage ? { lineage: saveLineage(run.lineage) } : {}),
  };
}

/** A copy of the lineage, cut to the schema's limits. */
function saveLineage(lineage: SavedLineage): SavedLineage {
  const steps = lineage.steps;
  return {
    outcome: lineage.outcome,
    summary: fit(lineage.summary, LIMITS.messageChars),
    relations: [...lineage.relations],
    steps: steps
      ? {
          refined: steps.refined.slice(0, LIMITS.steps).map((s) => ({ ...s, sources: [...s.sources], matches: s.matches.map(([c, i]): [number, number] => [c, i]) })),
          candidates: steps.candidates.map((list) => list.slice(0, LIMITS.steps).map((s) => ({ ...s }))),
        }
      : null,
  };
}

function restoreResult(
  text: string,
  saved: Pick<SavedCandidate, "tokens" | "finishReason" | "firstTokenMs" | "totalMs">,
): GenerationResultLike | null {
  if (saved.finishReason === null) return null;
  return {
    text,
    tokens: saved.tokens,
    finishReason: saved.finishReason,
    firstTokenMs: saved.firstTokenMs,
    totalMs: saved.totalMs ?? 0,
  };
}

/**
 * A saved run as the store shows it. A reopened run is never 'running': one that
 * was cut off (saved as running or incomplete) comes back stopped, with whatever
 * was still streaming or queued marked stopped, as the store ends a run.
 */
export function fromSavedRun(saved: SavedRun, viewId = 0): RunViewLike {
  const status =
    saved.status === "running" || saved.status === "incomplete" ? "stopped" : saved.status;
  const cutOff = status !== saved.status;
  // Elapsed time is kept as a span from 0, which is all the view derives a rate from.
  const span = (totalMs: number | null) =>
    totalMs === null ? { startedAt: null, updatedAt: null } : { startedAt: 0, updatedAt: totalMs };
  const clusters: AnswerCluster[] =
    saved.vote?.clusters.map((c) => ({
      representative: c.representative,
      members: [...c.members],
    })) ?? [];
  const r = saved.refined;
  const refinedCutOff =
    r.status === "streaming" || (r.status === "waiting" && status !== "complete");
  return {
    id: viewId,
    problem: saved.problem,
    reference: saved.problemRef?.answer ?? null,
    settings: { ...saved.settings },
    model: saved.model,
    engine: saved.engine,
    status,
    reason: saved.reason ?? (cutOff ? INTERRUPTED_REASON : null),
    candidates: saved.candidates.map((c) => ({
      status: c.status === "queued" || c.status === "streaming" ? "stopped" : c.status,
      text: c.text,
      tokens: c.tokens,
      ...span(c.totalMs),
      answer: c.answer,
      correct: c.correct,
      result: restoreResult(c.text, c),
      error: c.error,
    })),
    vote: saved.vote
      ? {
          clusters,
          majority: saved.vote.majority === null ? null : (clusters[saved.vote.majority] ?? null),
          unanswered: [...saved.vote.unanswered],
        }
      : null,
    majorityCorrect: saved.majorityCorrect,
    refined: {
      status: refinedCutOff ? "stopped" : r.status,
      text: r.text,
      tokens: r.tokens,
      ...span(r.totalMs),
      answer: r.answer,
      correct: r.correct,
      agreesWithMajority: r.agreesWithMajority,
      result: restoreResult(r.text, r),
      shortened: r.shortened
        ? { ...r.shortened, removedChars: [...r.shortened.removedChars] }
        : null,
      error: r.error,
    },
    lineage: saved.lineage ? saveLineage(saved.lineage) : null,
    stepTrace: saved.lineage?.steps ? "ready" : "none",
  };
}

/** The vote's winning answer, if any. */
export function majorityAnswer(saved: SavedRun): string | null {
  const v = saved.vote;
  return v && v.majority !== null ? (v.clusters[v.majority]?.representative ?? null) : null;
}

/** What the history list shows of a run. */
export function summarize(saved: SavedRun): SavedRunSummary {
  const flat = saved.problem.replace(/\s+/g, " ").trim();
  return {
    id: saved.id,
    createdAt: saved.createdAt,
    updatedAt: saved.updatedAt,
    status: saved.status,
    problemExcerpt:
      flat.length > PROBLEM_EXCERPT_CHARS ? `${fit(flat, PROBLEM_EXCERPT_CHARS - 1)}…` : flat,
    problemRef: saved.problemRef ? { ...saved.problemRef } : null,
    n: saved.settings.n,
    engine: saved.engine,
    model: saved.model,
    majorityAnswer: majorityAnswer(saved),
    majorityCorrect: saved.majorityCorrect,
    refinedAnswer: saved.refined.answer,
    refinedCorrect: saved.refined.correct,
  };
}

/** Lower-cased text a search matches against: the problem, its source and every answer. */
export function searchText(saved: SavedRun): string {
  const parts = [
    saved.problem,
    saved.problemRef?.id ?? "",
    saved.problemRef?.answer ?? "",
    ...saved.candidates.map((c) => c.answer ?? ""),
    ...(saved.vote?.clusters.map((c) => c.representative) ?? []),
    saved.refined.answer ?? "",
  ];
  return parts.filter(Boolean).join("\n").toLowerCase();
}

/**
 * The run as it stands after the page died mid-run: 'incomplete', with whatever
 * was streaming or queued marked stopped.
 */
export function markIncomplete(saved: SavedRun): SavedRun {
  return {
    ...saved,
    status: "incomplete",
    reason: saved.reason ?? INTERRUPTED_REASON,
    candidates: saved.candidates.map((c) =>
      c.status === "queued" || c.status === "streaming" ? { ...c, status: "stopped" } : c,
    ),
    refined:
      saved.refined.status === "streaming" || saved.refined.status === "waiting"
        ? { ...saved.refined, status: "stopped" }
        : saved.refined,
  };
}
