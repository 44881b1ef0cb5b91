/**
 * Types shared by the method module. `src/gsr` is pure: it never imports an
 * engine, React, zustand or KaTeX. Engines implement {@link GenerationPort},
 * the small slice of the engine interface the method needs.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface SamplingSettings {
  /** 0 means greedy decoding. */
  temperature: number;
  topP: number;
  /** Upper bound on new tokens for each generation. */
  maxTokens: number;
  /** Seed of candidate 0; candidate i uses seed + i. The refinement uses seed + N. */
  seed: number;
}

export interface RunSettings {
  /** Number of candidates, 1–8. */
  n: number;
  sampling: SamplingSettings;
}

export interface GenerationRequest {
  messages: ChatMessage[];
  sampling: SamplingSettings;
}

export type FinishReason = "stop" | "length" | "aborted";

export interface GenerationResult {
  text: string;
  /** New tokens generated. */
  tokens: number;
  finishReason: FinishReason;
  /** Milliseconds from the request to its first token (null if none came). */
  firstTokenMs: number | null;
  /** Milliseconds from the request to its end. */
  totalMs: number;
}

/** Per-sequence callbacks of a parallel generation. */
export interface GenerationCallbacks {
  onStart?(index: number): void;
  onDelta(index: number, delta: string): void;
  onDone(index: number, result: GenerationResult): void;
  onError(index: number, error: Error): void;
}

/**
 * What the GSR loop needs from an engine. The full `Engine` interface in
 * `src/engine/types.ts` extends it with loading, unloading and capabilities.
 */
export interface GenerationPort {
  /** Context window of the loaded model, in tokens (per sequence). */
  contextWindow(): number;
  /** Exact token count of a chat prompt after the model's chat template. */
  countTokens(messages: ChatMessage[]): Promise<number>;
  /**
   * Generates all requests, in parallel where the engine can. Resolves when every
   * sequence has finished, failed or been aborted; per-sequence outcomes arrive
   * through the callbacks. Aborting the signal ends every sequence (finishReason "aborted").
   */
  generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void>;
}

/** One group of mathematically equivalent final answers. */
export interface AnswerCluster {
  /** The answer as first seen, used for display. */
  representative: string;
  /** Indices of the candidates whose answer is in this cluster. */
  members: number[];
}

export interface VoteResult {
  clusters: AnswerCluster[]; // largest first; ties keep first-seen order
  /** The majority cluster, or null when no candidate has an answer. */
  majority: AnswerCluster | null;
  /** Candidates without an extractable answer. */
  unanswered: number[];
}

/** Events the run orchestrator emits, in order. */
export type GsrEvent =
  /** `promptTokens`: null when not counted (the prompt's byte length proved it fits). */
  | { type: "candidates-start"; n: number; promptTokens: number | null }
  | { type: "candidate-start"; index: number }
  | { type: "candidate-delta"; index: number; delta: string }
  | { type: "candidate-done"; index: number; result: GenerationResult; answer: string | null }
  | { type: "candidate-error"; index: number; message: string }
  | { type: "vote"; vote: VoteResult }
  | { type: "refine-start"; promptTokens: number; shortened: ShorteningReport | null }
  | { type: "refine-delta"; delta: string }
  | { type: "refine-done"; result: GenerationResult; answer: string | null }
  | { type: "refine-error"; message: string }
  | { type: "run-done"; status: "complete" | "stopped" | "failed"; reason?: string };

/** What the context-budget step did to fit the refine prompt. */
export interface ShorteningReport {
  originalTokens: number;
  finalTokens: number;
  /** Per candidate: characters removed. */
  removedChars: number[];
  thinkBlocksDropped: boolean;
}
