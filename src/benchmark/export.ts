/**
 * Benchmark results out of the app: a CSV of one row per scored problem and a
 * JSON file with everything (settings, model, device, summary, every text).
 * The GSR training-data export, which turns the same results into chat
 * records, is in `training.ts`.
 */
import { version as packageVersion } from "../../package.json";
import type { BenchmarkSummary } from "./metrics";
import type { BenchmarkState } from "./types";

export const APP_NAME = "refinery";
export const APP_VERSION: string = packageVersion;

export interface DeviceInfo {
  userAgent: string;
  hardwareConcurrency: number | null;
  /** WebGPU adapter info when the browser has an adapter. */
  adapter: { vendor: string; architecture: string; device: string; description: string } | null;
}

export interface ExportEnvironment {
  exportedAt: number;
  device: DeviceInfo;
}

export const CSV_COLUMNS = [
  "index",
  "problem_id",
  "dataset",
  "level",
  "subject",
  "reference",
  "status",
  "n",
  "candidate_answers",
  "candidates_correct",
  "pass1",
  "majN_answer",
  "majN_correct",
  "majN1_answer",
  "majN1_correct",
  "refined_answer",
  "gsr_correct",
  "all_wrong",
  "rescue",
  "regression",
  "tokens_candidates",
  "tokens_extra",
  "tokens_refine",
  "tokens_total",
  "time_ms",
  "refine_shortened",
  "failure",
] as const;

type Cell = string | number | boolean | null | undefined;

/**
 * One RFC 4180 field. A cell starting with `=`, `@`, tab or CR gets a leading
 * apostrophe so spreadsheets do not run it as a formula; `+` and `-` are left
 * alone because math answers start with them.
 */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
  if (/^[=@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per scored problem (done or failed), in subset order, after a header. */
export function resultsToCsv(state: BenchmarkState): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of state.results) {
    const o = r.outcome;
    const s = r.score;
    if (!o || !s) continue;
    const p = state.meta.problems[r.index]!;
    const cells: Record<(typeof CSV_COLUMNS)[number], Cell> = {
      index: r.index + 1,
      problem_id: p.id,
      dataset: p.dataset,
      level: p.level,
      subject: p.subject,
      reference: p.answer,
      status: r.status,
      n: s.n,
      candidate_answers: o.candidates.map((c) => c.answer ?? "").join(" | "),
      candidates_correct: s.correctCandidates,
      pass1: round(s.pass1),
      majN_answer: s.majNAnswer,
      majN_correct: s.majN,
      majN1_answer: s.majN1Answer,
      majN1_correct: s.majN1,
      refined_answer: s.refinedAnswer,
      gsr_correct: s.gsr,
      all_wrong: s.allWrong,
      rescue: s.rescue,
      regression: s.regression,
      tokens_candidates: o.candidates.reduce((sum, c) => sum + c.tokens, 0),
      tokens_extra: o.extra?.tokens ?? (state.meta.settings.extraCandidate ? 0 : null),
      tokens_refine: o.refined?.tokens ?? 0,
      tokens_total: s.tokens,
      time_ms: Math.round(s.timeMs),
      refine_shortened: o.refineShortened,
      failure: o.failure,
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(cells[c])).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Everything: settings, model, engine, device, app version, the summary and every problem with its texts. */
export function resultsToJson(state: BenchmarkState, summary: BenchmarkSummary, env: ExportEnvironment): string {
  const { meta } = state;
  return JSON.stringify(
    {
      format: "refinery-benchmark",
      version: 1,
      exportedAt: env.exportedAt,
      app: { name: APP_NAME, version: APP_VERSION },
      device: env.device,
      benchmark: {
        id: meta.id,
        createdAt: meta.createdAt,
        updatedAt: meta.updatedAt,
        status: meta.status,
        reason: meta.reason,
        model: meta.model,
        engine: meta.engine,
        dataset: meta.subset.dataset,
        subset: meta.subset,
        settings: meta.settings,
      },
      summary,
      problems: state.results.map((r) => {
        const p = meta.problems[r.index]!;
        return {
          index: r.index,
          id: p.id,
          dataset: p.dataset,
          level: p.level ?? null,
          subject: p.subject ?? null,
          problem: p.problem,
          reference: p.answer,
          status: r.status,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          score: r.score,
          outcome: r.outcome,
        };
      }),
    },
    null,
    2,
  );
}

export function benchmarkFilename(state: BenchmarkState, extension: "csv" | "json"): string {
  const day = new Date(state.meta.createdAt).toISOString().slice(0, 10);
  return `refinery-benchmark-${state.meta.subset.dataset}-${day}-${state.meta.id.slice(0, 8)}.${extension}`;
}
