/**
 * What the e2e specs and the harness page agree on: the script the scripted
 * engine follows and the `window.__refineryTest` API. Types only, so the specs
 * (Node) can import it without pulling in any browser code.
 */

/** An error as it crosses a worker boundary: name and message only. */
export interface SerializedFault {
  name: string;
  message: string;
}

export type FaultKind =
  /**
   * The engine's worker (or GPU device) dies: every open sequence fails and the model is gone, as
   * WllamaEngine.crash does. With `error`, the sequences fail with it (e.g. a DeviceLostError).
   */
  | "crash"
  /** One sequence (`index`), or every open one, fails with `error`; the others go on. */
  | "sequence-error"
  /** generateMany itself rejects with `error`. */
  | "reject"
  /** Nothing more arrives until the run is aborted. */
  | "stall";

export interface Fault {
  phase: "candidates" | "refine";
  /** Characters a sequence has streamed when the fault strikes (0: before the first token). */
  afterChars: number;
  kind: FaultKind;
  index?: number;
  error?: SerializedFault;
}

export interface HarnessScript {
  /** Candidate i streams candidates[i % length]. */
  candidates: string[];
  refined: string;
  /** Candidates begin with the problem text, as models that restate the problem do. */
  echoProblem: boolean;
  /** Mean characters per delta (a token is 1–2×this, never half a surrogate pair). */
  chunkChars: number;
  /** Deltas per sequence between two pauses. */
  chunksPerTick: number;
  tickMs: number;
  contextWindow: number;
  load: { ms: number; error: SerializedFault | null };
  countTokens: { ms: number; error: SerializedFault | null };
  fault: Fault | null;
}

export interface HarnessStats {
  loads: number;
  generateMany: number;
  countTokens: number;
  saves: number;
  failedSaves: number;
}

export interface HarnessState {
  modelStatus: string;
  runStatus: string | null;
  runReason: string | null;
  problem: string;
  historyError: string | null;
  banner: string | null;
}

export interface RefineryTestApi {
  /** Merged into the current script (the defaults stream a short correct solution). */
  setScript(script: Partial<HarnessScript>): void;
  /** While set, every history save rejects with a DOMException of this name (e.g. QuotaExceededError). */
  failSaves(error: SerializedFault | null): void;
  stats(): HarnessStats;
  state(): HarnessState;
}

/** The address the harness preselects as its model (never fetched: the scripted engine ignores it). */
export const HARNESS_MODEL_URL = "http://127.0.0.1/harness/scripted.gguf";
