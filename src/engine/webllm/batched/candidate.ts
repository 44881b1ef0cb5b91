/**
 * One candidate of a batched run, on the CPU side: the tokens the GPU sampled for
 * it become text, stop checks and finally its result, mirroring what WebLLM's
 * `processNextToken` does for a single sequence. Kept apart from the step loop
 * (decoder.ts) and the KV cache (kvSession.ts) because it is plain bookkeeping
 * that must follow WebLLM's rules (stop tokens, stop strings, max_tokens, a full
 * context window) to the letter, and it touches no TVM object.
 */
import type {
  FinishReason,
  GenerationCallbacks,
  GenerationRequest,
  GenerationResult,
} from "../../../gsr/types";
import type { BatchedDecodeOptions, CandidatePartial, RunPlan } from "./decoder";
import type { BatchablePipeline } from "./internals";
import { CandidateRng } from "./rng";
import { isNeutral, type Draw } from "./sampler";
import { IncrementalDetokenizer, StopStringFilter } from "./text";

/** One candidate's stream: its sequence, sampler state, text and stop conditions. */
export class Candidate {
  readonly seqId: number;
  /** Tokens of this sequence in the batch KV cache (WebLLM's `filledKVCacheLength`). */
  kvLength: number;
  private readonly rng: CandidateRng;
  private readonly tokenIds: number[] = [];
  private readonly counts = new Map<number, number>();
  private readonly detokenizer: IncrementalDetokenizer;
  private readonly stopFilter: StopStringFilter;
  /** WebLLM's `outputIds.length`: reply prefix + committed tokens; compared with max_tokens. */
  private outputLength: number;
  private lastToken = -1;
  /** Text passed to onDelta so far. */
  private shown = "";
  /** Text ready to show with the next delta (the reply prefix waits for the first token). */
  private unshown = "";
  private stoppedByString = false;
  private firstTokenAt: number | null = null;
  private result: GenerationResult | null = null;

  constructor(
    private readonly pipeline: BatchablePipeline,
    private readonly plan: RunPlan,
    private readonly request: GenerationRequest,
    readonly index: number,
    private readonly startedAt: number,
    private readonly opts: BatchedDecodeOptions,
  ) {
    // Sequence 0 holds the shared prompt; candidate i decodes in sequence i + 1.
    this.seqId = index + 1;
    this.kvLength = plan.prompt.tokens.length;
    this.rng = new CandidateRng(request.sampling.seed);
    this.detokenizer = new IncrementalDetokenizer((ids) =>
      pipeline.tokenizer.decode(Int32Array.from(ids)),
    );
    this.stopFilter = new StopStringFilter(plan.stopStrings);
    this.outputLength = plan.prompt.replyPrefix.length;
    // The reply prefix is part of WebLLM's output text; it shows with the first delta.
    for (const id of plan.prompt.replyPrefix)
      this.unshown += this.stopFilter.push(this.detokenizer.push(id)).visible;
  }

  get done(): boolean {
    return this.result !== null;
  }

  get lastTokenId(): number {
    return this.lastToken;
  }

  /** Settings and uniform for the first token. */
  nextDraw(): Draw {
    const { temperature, topP } = this.request.sampling;
    return { temperature, topP, uniform: this.rng.next() };
  }

  /** Settings, uniform and penalty state for this candidate's row in a decode step. */
  nextRow() {
    return { ...this.nextDraw(), penalties: this.plan.penalties, counts: this.counts };
  }

  /** Mirrors WebLLM's `processNextToken` (l. 12516); returns why the candidate stops, if it does. */
  commit(token: number, at: number, callbacks: GenerationCallbacks): FinishReason | null {
    if (!Number.isInteger(token) || token < 0 || token >= this.pipeline.fullVocabSize) {
      throw new Error(`The sampler returned an invalid token id ${token}.`);
    }
    let reason: FinishReason | null = null;
    if (this.plan.stopTokens.has(token)) {
      reason = "stop"; // the stop token itself is neither shown nor counted
    } else {
      this.tokenIds.push(token);
      this.outputLength += 1;
      this.lastToken = token;
      this.firstTokenAt ??= at;
      if (!isNeutral(this.plan.penalties))
        this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
      this.opts.onToken?.(this.index, token);
      const check = this.stopFilter.push(this.detokenizer.push(token));
      this.show(check.visible, callbacks);
      if (check.stopped) {
        this.stoppedByString = true;
        reason = "stop";
      }
    }
    // As in WebLLM, the length checks come last and win.
    if (this.outputLength >= this.request.sampling.maxTokens) reason = "length";
    if (this.kvLength === this.pipeline.contextWindowSize) reason = "length";
    return reason;
  }

  finish(reason: FinishReason, at: number, callbacks: GenerationCallbacks): GenerationResult {
    if (this.result) return this.result;
    if (!this.stoppedByString) {
      // Release what was held back: a split character, a tail that looked like a stop string.
      const check = this.stopFilter.push(this.detokenizer.flush());
      this.show(check.stopped ? check.visible : check.visible + this.stopFilter.flush(), callbacks);
    } else {
      this.show("", callbacks);
    }
    this.result = {
      text: this.shown,
      tokens: this.tokenIds.length,
      finishReason: reason,
      firstTokenMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.startedAt,
      totalMs: at - this.startedAt,
    };
    return this.result;
  }

  resultOrThrow(): GenerationResult {
    if (!this.result) throw new Error(`Candidate ${this.index} has no result.`);
    return this.result;
  }

  partial(): CandidatePartial {
    return {
      index: this.index,
      text: this.shown,
      tokenIds: [...this.tokenIds],
      result: this.result,
    };
  }

  private show(text: string, callbacks: GenerationCallbacks): void {
    const delta = this.unshown + text;
    this.unshown = "";
    if (delta === "") return;
    this.shown += delta;
    callbacks.onDelta(this.index, delta);
  }
}
