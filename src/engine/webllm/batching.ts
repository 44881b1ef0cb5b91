/**
 * The pure parts of the WebLLM engine's batching policy (batchedPath.ts): when a
 * call may be batched, how requests are made acceptable to the batched decoder,
 * and how a candidate that batching left unfinished is regenerated without its
 * streamed text being shown twice. Plus the small surface the store and the
 * Settings page use, so they need not import the engine class.
 */
import type { GenerationRequest } from "../../gsr/types";
import type { Engine } from "../types";
import type { SelfTestParams } from "./protocol";
import type { SelfTestReport } from "./batched";

/** How the loaded model generates N candidates now, and why, in one line for the UI. */
export interface BatchStatus {
  mode: "batched" | "sequential";
  reason: string;
}

export interface SelfTestOptions extends SelfTestParams {
  signal?: AbortSignal;
}

/** What the WebLLM engine adds to `Engine` for batched decoding. */
export interface BatchedDecodingControls {
  batchStatus(): BatchStatus;
  /** Runs the batched-vs-sequential check on this GPU now and remembers its verdict for the model and GPU. */
  runSelfTest(options?: SelfTestOptions): Promise<SelfTestReport>;
  /** One-line notices (batching fell back, the check passed or failed); returns an unsubscribe. */
  addNoticeListener(listener: (message: string) => void): () => void;
}

/** True for the WebLLM engine; lets the store reach these controls without importing it. */
export function hasBatchedDecodingControls(engine: Engine | null | undefined): engine is Engine & BatchedDecodingControls {
  const candidate = engine as Partial<BatchedDecodingControls> | null | undefined;
  return (
    typeof candidate?.batchStatus === "function" &&
    typeof candidate.runSelfTest === "function" &&
    typeof candidate.addNoticeListener === "function"
  );
}

/** Batching needs one prompt shared by every request (GSR's candidates share theirs) and at least two of them. */
export function canShareOneBatch(requests: readonly GenerationRequest[]): boolean {
  const first = requests[0];
  if (!first || requests.length < 2) return false;
  const messages = JSON.stringify(first.messages);
  return requests.every((r) => JSON.stringify(r.messages) === messages);
}

/**
 * A request in the ranges the batched decoder accepts, the same clamps
 * `toChatCompletionRequest` applies for WebLLM: temperature ≥ 0, 0 < top_p ≤ 1,
 * integer max tokens ≥ 1, integer seed (a non-finite seed gets `fallbackSeed`,
 * where WebLLM would pick a random one).
 */
export function toBatchedRequest(request: GenerationRequest, fallbackSeed: number): GenerationRequest {
  const { temperature, topP, maxTokens, seed } = request.sampling;
  return {
    messages: request.messages,
    sampling: {
      temperature: Math.max(0, temperature),
      topP: topP > 0 && topP <= 1 ? topP : 1,
      maxTokens: Math.max(1, Math.floor(maxTokens)),
      seed: Number.isFinite(seed) ? Math.trunc(seed) : Math.trunc(fallbackSeed),
    },
  };
}

/**
 * Regenerating a candidate whose batched run broke off, after `shown` was
 * already streamed to the UI. Streams can only append, so while the new text
 * repeats `shown` nothing is passed on; once it goes past `shown`, only the new
 * part is. With the same seed the sequential path usually repeats the batched
 * tokens exactly (the self-test checks that for greedy decoding), so the
 * candidate simply pauses and continues. If the new text departs from `shown`,
 * nothing more is streamed and the final result (whose text the UI shows in
 * place of the streamed one) carries the new text.
 */
export class ReplayFilter {
  private regenerated = "";
  private passedOn: number;
  private departed = false;

  constructor(readonly shown: string) {
    this.passedOn = shown.length;
  }

  /** True once the new text differs from what was shown. */
  get diverged(): boolean {
    return this.departed;
  }

  /** The part of `delta` to stream, possibly "". */
  push(delta: string): string {
    this.regenerated += delta;
    if (this.departed) return "";
    const text = this.regenerated;
    const overlap = Math.min(text.length, this.shown.length);
    if (text.slice(0, overlap) !== this.shown.slice(0, overlap)) {
      this.departed = true;
      return "";
    }
    if (text.length <= this.passedOn) return "";
    const fresh = text.slice(this.passedOn);
    this.passedOn = text.length;
    return fresh;
  }

  /**
   * The text to report when the regeneration ends. An aborted regeneration that had
   * not yet caught up keeps the longer text that was shown (the same tokens so far).
   */
  finalText(resultText: string, aborted: boolean): string {
    if (aborted && !this.departed && resultText.length < this.shown.length && this.shown.startsWith(resultText)) return this.shown;
    return resultText;
  }
}
