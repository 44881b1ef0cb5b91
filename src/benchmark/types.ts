/**
 * Benchmark mode (DESIGN §1.4 on the user's own device): the shapes the pure
 * runner, the metrics, the storage and the exports share. `src/benchmark` imports
 * no React, zustand or engine; engines come in as a `GenerationPort`.
 */
import type { FinishReason, SamplingSettings } from "../gsr/types";

/** One problem of the benchmark's subset, frozen when the benchmark starts. */
export interface BenchmarkProblem {
  id: string;
  dataset: string;
  problem: string;
  /** Reference answer (LaTeX source). */
  answer: string;
  level?: string;
  subject?: string;
}

export interface BenchmarkSettings {
  /** Candidates that are voted on and refined, 1–8. */
  n: number;
  sampling: SamplingSettings;
  /**
   * Sample one more candidate in the candidate phase, with seed `seed + n + 1`.
   * It is hidden from the vote and the refinement and only feeds maj@(N+1),
   * the equal-compute baseline (N candidates + 1 refinement = N + 1 generations).
   */
  extraCandidate: boolean;
}

/** How the subset is picked from the (filtered) dataset. */
export type SubsetPick =
  | { kind: "first"; k: number }
  /** k problems drawn without replacement by a seeded RNG, listed in dataset order. */
  | { kind: "random"; k: number; seed: number }
  /** Exactly these problem ids, in this order. */
  | { kind: "ids"; ids: string[] };

export interface SubsetSpec {
  dataset: string;
  filter: { level?: string; subject?: string; search?: string };
  pick: SubsetPick;
}

/** What one generation (a candidate, the extra candidate or the refinement) ended as. */
export interface GenerationRecord {
  /** The full text; for a failed sequence, what streamed before the failure. */
  text: string;
  answer: string | null;
  /** Against the reference; a missing answer is wrong. */
  correct: boolean;
  tokens: number;
  totalMs: number;
  /** null when the sequence failed. */
  finishReason: FinishReason | null;
  error: string | null;
}

export interface ProblemOutcome {
  /** The N candidates given to the vote and the refinement; missing ones (never finished) are absent. */
  candidates: GenerationRecord[];
  /** The (N+1)-th candidate for maj@(N+1); null when disabled or it never finished. */
  extra: GenerationRecord | null;
  /** null when the refinement never ran (e.g. the run failed before it). */
  refined: GenerationRecord | null;
  /** The refine prompt had to be shortened to fit the context window. */
  refineShortened: boolean;
  /** Wall-clock milliseconds for the whole problem (candidates incl. the extra one, vote, refinement). */
  wallMs: number;
  /** Why the GSR run failed, or null. A failed problem is still scored: what is missing counts as wrong. */
  failure: string | null;
}

/** Per-problem scores (see metrics.ts for the definitions). */
export interface ProblemScore {
  n: number;
  correctCandidates: number;
  /** correctCandidates / n. */
  pass1: number;
  majNAnswer: string | null;
  majN: boolean;
  /** null when no extra candidate was sampled. */
  majN1Answer: string | null;
  majN1: boolean | null;
  refinedAnswer: string | null;
  gsr: boolean;
  allWrong: boolean;
  /** All N candidates wrong and the refined answer right. */
  rescue: boolean;
  /** The majority right and the refined answer wrong. */
  regression: boolean;
  /** Every generated token: N candidates + the extra candidate + the refinement. */
  tokens: number;
  timeMs: number;
}

/** 'interrupted': it was running when the page died or the benchmark was paused; rerun on resume. */
export type ProblemStatus = "pending" | "running" | "done" | "failed" | "interrupted";

export interface ProblemResult {
  index: number;
  problemId: string;
  status: ProblemStatus;
  outcome: ProblemOutcome | null;
  score: ProblemScore | null;
  /** Wall clock (Date.now()) of the last start and end. */
  startedAt: number | null;
  finishedAt: number | null;
}

/** 'interrupted': the page died while it was running; resumable like 'paused'. */
export type BenchmarkStatus = "running" | "paused" | "stopped" | "complete" | "interrupted";

export const BENCH_SCHEMA_VERSION = 1;

export interface BenchmarkMeta {
  schemaVersion: typeof BENCH_SCHEMA_VERSION;
  id: string;
  createdAt: number;
  updatedAt: number;
  status: BenchmarkStatus;
  /** Why it paused or stopped, for the user. */
  reason: string | null;
  subset: SubsetSpec;
  settings: BenchmarkSettings;
  model: string;
  engine: string;
  problems: BenchmarkProblem[];
}

export interface BenchmarkState {
  meta: BenchmarkMeta;
  /** One per problem, index-aligned with meta.problems. */
  results: ProblemResult[];
}

/** Where benchmark state lives between page loads (storage.ts: IndexedDB). */
export interface BenchmarkStorage {
  saveMeta(meta: BenchmarkMeta): Promise<void>;
  saveResult(benchId: string, result: ProblemResult): Promise<void>;
  /** The most recently updated benchmark, or null. */
  loadLatest(): Promise<BenchmarkState | null>;
  remove(benchId: string): Promise<void>;
}

/** Decides whether two final answers are mathematically equal (src/gsr answersEquivalent). */
export type Equivalence = (a: string, b: string) => boolean;
