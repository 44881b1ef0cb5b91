/**
 * A benchmark's state outside a run: building a fresh one, recovering one
 * stored mid-run (after a reload), and the questions the page and the exports
 * ask of it (what is left to do, can it resume, which problems are scored).
 * Separate from the runner: none of it runs a problem; it is what the runner
 * starts from and what the page, the store and the exports read. Pure.
 */
import {
  BENCH_SCHEMA_VERSION,
  type BenchmarkMeta,
  type BenchmarkProblem,
  type BenchmarkSettings,
  type BenchmarkState,
  type BenchmarkStatus,
  type ProblemResult,
  type ProblemScore,
  type SubsetSpec,
} from "./types";

export function newBenchmark(init: {
  id: string;
  now: number;
  subset: SubsetSpec;
  settings: BenchmarkSettings;
  problems: BenchmarkProblem[];
  model: string;
  engine: string;
}): BenchmarkState {
  const meta: BenchmarkMeta = {
    schemaVersion: BENCH_SCHEMA_VERSION,
    id: init.id,
    createdAt: init.now,
    updatedAt: init.now,
    status: "paused",
    reason: null,
    subset: init.subset,
    settings: init.settings,
    model: init.model,
    engine: init.engine,
    problems: init.problems,
  };
  return {
    meta,
    results: init.problems.map((p, index) => ({
      index,
      problemId: p.id,
      status: "pending",
      outcome: null,
      score: null,
      startedAt: null,
      finishedAt: null,
    })),
  };
}

/** A benchmark as loaded after a reload: what was running was interrupted. */
export function recoverInterrupted(state: BenchmarkState): BenchmarkState {
  const results = state.results.map((r) => (r.status === "running" ? { ...r, status: "interrupted" as const } : r));
  const status: BenchmarkStatus = state.meta.status === "running" ? "interrupted" : state.meta.status;
  const reason = state.meta.status === "running" ? "The page was closed or reloaded while the benchmark ran." : state.meta.reason;
  return { meta: { ...state.meta, status, reason }, results };
}

/** Whether the problem still has to be run (or run again). */
export function isToDo(result: ProblemResult): boolean {
  return result.status === "pending" || result.status === "interrupted" || result.status === "failed" || result.status === "running";
}

export function isResumable(state: BenchmarkState): boolean {
  return (state.meta.status === "paused" || state.meta.status === "interrupted") && state.results.some(isToDo);
}

/** Scored problems, for the metrics and the exports. */
export function scoredResults(state: BenchmarkState): { index: number; score: ProblemScore }[] {
  return state.results.flatMap((r) => (r.score ? [{ index: r.index, score: r.score }] : []));
}
