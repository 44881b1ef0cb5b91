/**
 * What a saved run looks like. `src/history` keeps runs in IndexedDB and moves
 * them in and out of files; it never imports the store or React. The store's
 * `RunView` is matched structurally by {@link RunViewLike} (a type test keeps
 * the two compatible), so the store can hand its run over as it is.
 */
import type { FinishReason, ShorteningReport, VoteResult } from "../gsr/types";
import type { RunLineage } from "../lineage/types";

export const SCHEMA_VERSION = 1;

/** 'incomplete': the run was still going when the page was closed or reloaded. */
export type SavedRunStatus = "running" | "complete" | "stopped" | "failed" | "incomplete";
export type SavedCandidateStatus = "queued" | "streaming" | "done" | "error" | "stopped";
export type SavedRefinedStatus = "waiting" | "streaming" | "done" | "error" | "stopped";
export type EngineName = "wllama" | "webllm" | "remote";

export interface SavedProblemRef {
  id: string;
  dataset: string;
  answer: string;
}

export interface SavedSettings {
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
  contextSize: number;
}

export interface SavedCandidate {
  status: SavedCandidateStatus;
  text: string;
  answer: string | null;
  correct: boolean | null;
  tokens: number;
  /** How the generation ended; null when it never reported an end (cut off mid-stream). */
  finishReason: FinishReason | null;
  firstTokenMs: number | null;
  /** Time spent generating: the engine's total, or the streamed span when it never finished. */
  totalMs: number | null;
  error: string | null;
}

export interface SavedCluster {
  representative: string;
  /** Candidate indices. */
  members: number[];
}

export interface SavedVote {
  clusters: SavedCluster[];
  /** Index into clusters, or null when no candidate had an answer. */
  majority: number | null;
  unanswered: number[];
}

export interface SavedRefined {
  status: SavedRefinedStatus;
  text: string;
  answer: string | null;
  correct: boolean | null;
  agreesWithMajority: boolean | null;
  tokens: number;
  finishReason: FinishReason | null;
  firstTokenMs: number | null;
  totalMs: number | null;
  shortened: ShorteningReport | null;
  error: string | null;
}

export interface SavedRun {
  schemaVersion: typeof SCHEMA_VERSION;
  /** A UUID; survives export and import (unless it collides on import). */
  id: string;
  /** Wall-clock milliseconds (Date.now()). */
  createdAt: number;
  updatedAt: number;
  status: SavedRunStatus;
  problem: string;
  problemRef: SavedProblemRef | null;
  settings: SavedSettings;
  engine: EngineName;
  /** The model's display name; "" when unknown. */
  model: string;
  candidates: SavedCandidate[];
  vote: SavedVote | null;
  majorityCorrect: boolean | null;
  refined: SavedRefined;
  reason: string | null;
  /**
   * What refinement kept, fixed and dropped (added after version 1 shipped, so
   * optional: older runs have none and get it computed when reopened).
   */
  lineage?: SavedLineage;
}

/** The run's outcome label, answer relations and step lineage, as the view holds them. */
export type SavedLineage = RunLineage;

/** A history file: every run the user chose to export. */
export interface HistoryFile {
  format: "refinery-history";
  version: 1;
  exportedAt: number;
  runs: SavedRun[];
}

/** A file holding one run. */
export interface RunFile {
  format: "refinery-run";
  version: 1;
  exportedAt?: number;
  run: SavedRun;
}

/** What the history list shows; small enough to list thousands of runs. */
export interface SavedRunSummary {
  id: string;
  createdAt: number;
  updatedAt: number;
  status: SavedRunStatus;
  /** The problem's first characters, whitespace collapsed. */
  problemExcerpt: string;
  problemRef: SavedProblemRef | null;
  n: number;
  engine: EngineName;
  model: string;
  majorityAnswer: string | null;
  majorityCorrect: boolean | null;
  refinedAnswer: string | null;
  refinedCorrect: boolean | null;
}

// ---- The store's run, structurally (compatible with RunView in src/store/runSlice.ts) ----

export interface GenerationResultLike {
  text: string;
  tokens: number;
  finishReason: FinishReason;
  firstTokenMs: number | null;
  totalMs: number;
}

export interface CandidateViewLike {
  status: SavedCandidateStatus;
  text: string;
  tokens: number;
  startedAt: number | null;
  updatedAt: number | null;
  answer: string | null;
  correct: boolean | null;
  result: GenerationResultLike | null;
  error: string | null;
}

export interface RefinedViewLike {
  status: SavedRefinedStatus;
  text: string;
  tokens: number;
  startedAt: number | null;
  updatedAt: number | null;
  answer: string | null;
  correct: boolean | null;
  agreesWithMajority: boolean | null;
  result: GenerationResultLike | null;
  shortened: ShorteningReport | null;
  error: string | null;
}

export type RunViewStatus = "running" | "complete" | "stopped" | "failed";

export interface RunViewLike {
  id: number;
  problem: string;
  reference: string | null;
  settings: SavedSettings;
  /** The model the run used and its engine (saved from RunMeta). */
  model: string;
  engine: EngineName;
  status: RunViewStatus;
  reason: string | null;
  candidates: CandidateViewLike[];
  vote: VoteResult | null;
  majorityCorrect: boolean | null;
  refined: RefinedViewLike;
  lineage: RunLineage | null;
  /** Whether the steps have been traced ("ready"), are being traced, or could not be. */
  stepTrace: "none" | "pending" | "ready" | "failed";
}

/** What a run view does not carry but a saved run needs. */
export interface RunMeta {
  id: string;
  createdAt: number;
  updatedAt: number;
  problemRef: SavedProblemRef | null;
  engine: EngineName;
  model: string;
}
