/**
 * Batched parallel decoding on WebLLM: N candidates, one forward pass per step.
 *
 * WebLLM generates `n > 1` choices one after another. The compiled model libraries
 * can do better: `batch_decode` takes a variable batch of sequences held in a paged
 * KV cache. This module drives those functions directly on a loaded pipeline.
 *
 * Algorithm
 *  1. Create a second paged KV cache, `create_tir_paged_kv_cache`, with
 *     max_num_sequence = N + 1 (the pipeline's own cache holds one sequence and is
 *     left untouched, so the engine's next ordinary request is unaffected).
 *  2. Prefill the shared prompt once, as sequence 0 (in chunks of
 *     `prefill_chunk_size`, like WebLLM), keeping the last logits row.
 *  3. Fork sequences 1..N from it (`kv_state_fork_sequence(0, i, promptLength)`): the
 *     prompt's pages are shared, not copied.
 *  4. Sample N first tokens from that one logits row, each with its candidate's
 *     temperature, top_p and seeded uniform draw.
 *  5. Each step: embed the B active candidates' last tokens ([B, H] viewed as
 *     [B, 1, H]), `kv_state_begin_forward` with exactly their sequence ids and append
 *     lengths of 1, `batch_decode` → logits [B, 1, V], `kv_state_end_forward`, sample
 *     all B rows on the GPU, copy the B token ids to the CPU, one `device.sync()`.
 *     Then detokenize, stream, and check stop conditions on the CPU. A candidate that
 *     stops leaves the batch and its sequence is removed (`kv_state_remove_sequence`);
 *     rows always follow the order of the remaining candidates.
 *  Every step runs inside `tvm.beginScope()/endScope()`, so its temporaries are freed
 *  at once; only the KV cache, a few borrowed functions and the CPU copy of the
 *  sampled ids outlive a scope, and `finally` disposes them on every exit path.
 *
 * Sampling mirrors WebLLM's single-sequence path (same kernels, same clamps, same
 * penalties from the model config, the same LCG draws per seed): with equal seeds a
 * batched candidate and a sequential request pick the same tokens up to floating-point
 * differences between batch sizes. The self-test (selftest.ts) checks that on the
 * user's GPU before batching is trusted.
 *
 * Memory. The extra KV cache holds prompt + N × (max new tokens + two pages) tokens
 * (forked prompt pages are shared), i.e. that many × layers × 2 × kv_heads × head_dim
 * × element size bytes. On top of it, the library's static memory plan sizes
 * `batch_decode`'s activation buffers for `_metadata.max_batch_size` (80–128 in the
 * prebuilt libraries), not for N: expect a few hundred MB extra, allocated on the
 * first batched step and kept by the VM's pooled allocator afterwards.
 *
 * Failure. On abort the current step finishes (its GPU work is already queued),
 * unfinished candidates end with finishReason "aborted" and the text they had.
 * Any exception disposes everything and becomes a {@link BatchedDecodeError} that
 * carries each candidate's text so far, so the caller can fall back to sequential
 * generation. Candidates that already finished got `onDone`; no `onError` is sent.
 */
import type {
  FinishReason,
  GenerationCallbacks,
  GenerationRequest,
  GenerationResult,
} from "../../../gsr/types";
import type { BatchablePipeline, PackedFunc, TvmArray, TvmObject, TvmTensor } from "./internals";
import { encodeChatPrompt, type EncodedPrompt } from "./prompt";
import { CandidateRng } from "./rng";
import {
  isNeutral,
  sampleFromOneRow,
  sampleRows,
  type Penalties,
  type PendingTokens,
} from "./sampler";
import { IncrementalDetokenizer, StopStringFilter } from "./text";

/** WebLLM's page size for its own paged KV cache (lib/index.js l. 11923). */
export const KV_PAGE_SIZE = 16;

export type BatchedPhase = "setup" | "prefill" | "decode";

export interface CandidatePartial {
  index: number;
  /** Text already streamed through `onDelta`. */
  text: string;
  /** Output tokens committed so far (no stop token, no reply prefix). */
  tokenIds: number[];
  /** The result, when this candidate finished (and got `onDone`) before the failure. */
  result: GenerationResult | null;
}

/** Batched decoding failed; the caller should fall back to sequential generation. */
export class BatchedDecodeError extends Error {
  override name = "BatchedDecodeError";
  readonly phase: BatchedPhase;
  readonly partial: CandidatePartial[];

  constructor(
    message: string,
    phase: BatchedPhase,
    partial: CandidatePartial[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.phase = phase;
    this.partial = partial;
  }
}

export interface BatchedDecodeOptions {
  /** Clock in milliseconds (default `performance.now`). */
  now?: () => number;
  /** Prompt tokens already built; by default `encodeChatPrompt` builds them from the requests' messages. */
  prompt?: EncodedPrompt;
  /** false: WebLLM's empty thinking block starts the reply (`extra_body.enable_thinking`). */
  enableThinking?: boolean;
  /** Stop strings on top of the conversation template's. */
  stop?: readonly string[];
  /** Defaults to the model config's, as WebLLM uses them when a request sets none. */
  penalties?: Partial<Penalties>;
  /**
   * "fork" (default) prefills the prompt once and forks it; "prefill-each" prefills
   * it into every candidate's sequence instead (N prefills, no shared pages), a
   * fallback if forking misbehaves on some GPU.
   */
  promptSharing?: "fork" | "prefill-each";
  /** Refuse (BatchedDecodeError, phase "setup") when the extra KV cache would need more tokens. */
  maxKvTokens?: number;
  /** Every committed output token, in order per candidate. */
  onToken?: (index: number, tokenId: number) => void;
}

/**
 * Generates all requests in one batch. They must share their messages (GSR's N
 * candidates do); sampling settings may differ per request. Resolves with one result
 * per request, after `onDone` was called for each.
 */
export async function runBatched(
  pipeline: BatchablePipeline,
  requests: readonly GenerationRequest[],
  callbacks: GenerationCallbacks,
  signal: AbortSignal,
  opts: BatchedDecodeOptions = {},
): Promise<GenerationResult[]> {
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  const plan = planRun(pipeline, requests, opts);
  const candidates = requests.map(
    (request, index) => new Candidate(pipeline, plan, request, index, startedAt, opts),
  );
  const finish = (candidate: Candidate, reason: FinishReason) => {
    const result = candidate.finish(reason, now(), callbacks);
    callbacks.onDone(candidate.index, result);
  };

  if (signal.aborted) {
    for (const c of candidates) finish(c, "aborted");
    return candidates.map((c) => c.resultOrThrow());
  }
  for (const c of candidates) callbacks.onStart?.(c.index);

  const owned = new OwnedObjects();
  let phase: BatchedPhase = "setup";
  try {
    const session = openSession(pipeline, plan, owned);

    phase = "prefill";
    const logits = session.prefillPrompt(candidates.map((c) => c.seqId));
    const first = session.sampleFirst(
      logits,
      candidates.map((c) => c.nextDraw()),
    );
    await pipeline.device.sync();
    const firstTokens = first.read();
    owned.release(...first.tensors, logits);
    if (signal.aborted) {
      for (const c of candidates) finish(c, "aborted");
      return candidates.map((c) => c.resultOrThrow());
    }
    candidates.forEach((c, i) => {
      const reason = c.commit(firstTokens[i] ?? -1, now(), callbacks);
      if (reason) finish(c, reason);
    });
    session.removeSequences(candidates.filter((c) => c.done).map((c) => c.seqId));

    phase = "decode";
    for (;;) {
      const active = candidates.filter((c) => !c.done);
      if (active.length === 0) break;
      if (signal.aborted) {
        for (const c of active) finish(c, "aborted");
        break;
      }
      const pending = session.decodeStep(active);
      await pipeline.device.sync();
      const tokens = pending.read();
      owned.release(...pending.tensors);
      if (signal.aborted) {
        // The step's tokens arrived after the stop: drop them, keep what was shown.
        for (const c of active) finish(c, "aborted");
        break;
      }
      active.forEach((c, row) => {
        c.kvLength += 1; // the token fed this step is now in the cache
        const reason = c.commit(tokens[row] ?? -1, now(), callbacks);
        if (reason) finish(c, reason);
      });
      session.removeSequences(active.filter((c) => c.done).map((c) => c.seqId));
    }
    return candidates.map((c) => c.resultOrThrow());
  } catch (error) {
    throw new BatchedDecodeError(
      `Batched decoding failed during ${phase}: ${error instanceof Error ? error.message : String(error)}`,
      phase,
      candidates.map((c) => c.partial()),
      { cause: error },
    );
  } finally {
    owned.disposeAll();
  }
}

/** What every candidate shares, decided before any GPU work. */
interface RunPlan {
  prompt: EncodedPrompt;
  stopTokens: ReadonlySet<number>;
  stopStrings: readonly string[];
  penalties: Penalties;
  /** max_num_sequence of the batch KV cache: sequence 0 (the prompt) and one per candidate. */
  sequenceSlots: number;
  kvCapacity: number;
  sharing: "fork" | "prefill-each";
}

function planRun(
  pipeline: BatchablePipeline,
  requests: readonly GenerationRequest[],
  opts: BatchedDecodeOptions,
): RunPlan {
  const setupError = (message: string, cause?: unknown) =>
    new BatchedDecodeError(
      message,
      "setup",
      requests.map((_, index) => ({ index, text: "", tokenIds: [], result: null })),
      { cause },
    );
  const first = requests[0];
  if (!first) throw setupError("No requests to generate.");
  const sameMessages = JSON.stringify(first.messages);
  if (requests.some((r) => JSON.stringify(r.messages) !== sameMessages)) {
    throw setupError("Batched decoding needs one shared prompt; these requests differ.");
  }
  for (const { sampling } of requests) {
    if (!(sampling.temperature >= 0))
      throw setupError(`temperature must be ≥ 0, got ${sampling.temperature}.`);
    if (!(sampling.topP > 0 && sampling.topP <= 1))
      throw setupError(`top_p must be in (0, 1], got ${sampling.topP}.`);
    if (!Number.isInteger(sampling.maxTokens) || sampling.maxTokens < 1)
      throw setupError(`maxTokens must be a positive integer, got ${sampling.maxTokens}.`);
    if (!Number.isInteger(sampling.seed))
      throw setupError(`seed must be an integer, got ${sampling.seed}.`);
  }
  let prompt: EncodedPrompt;
  try {
    prompt =
      opts.prompt ??
      encodeChatPrompt(pipeline, first.messages, { enableThinking: opts.enableThinking });
  } catch (error) {
    throw setupError(
      `Cannot build the prompt: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const promptLength = prompt.tokens.length;
  if (promptLength === 0) throw setupError("The prompt is empty.");
  if (promptLength >= pipeline.contextWindowSize) {
    throw setupError(
      `The prompt (${promptLength} tokens) does not fit the context window (${pipeline.contextWindowSize}).`,
    );
  }
  const sharing = opts.promptSharing ?? "fork";
  // Pages a candidate can need: its tokens (WebLLM stops at max_tokens or a full context window),
  // plus the copy of the prompt's partial last page a fork makes, plus rounding up to whole pages.
  const room = requests.map(
    (r) =>
      Math.min(r.sampling.maxTokens, pipeline.contextWindowSize - promptLength) + 2 * KV_PAGE_SIZE,
  );
  const total = room.reduce((a, b) => a + b, 0);
  const kvCapacity =
    sharing === "fork"
      ? promptLength + total + KV_PAGE_SIZE
      : requests.length * promptLength + total + KV_PAGE_SIZE;
  if (opts.maxKvTokens !== undefined && kvCapacity > opts.maxKvTokens) {
    throw setupError(
      `The batch needs a KV cache of ${kvCapacity} tokens; the limit is ${opts.maxKvTokens}.`,
    );
  }
  const config = pipeline.config;
  return {
    prompt,
    stopTokens: new Set(pipeline.stopTokens),
    stopStrings: [...pipeline.stopStr, ...(opts.stop ?? [])],
    penalties: {
      presence: opts.penalties?.presence ?? config.presence_penalty ?? 0,
      frequency: opts.penalties?.frequency ?? config.frequency_penalty ?? 0,
      repetition: opts.penalties?.repetition ?? config.repetition_penalty ?? 1,
    },
    sequenceSlots: requests.length + 1,
    kvCapacity,
    sharing,
  };
}

/** One candidate's stream: its sequence, sampler state, text and stop conditions. */
class Candidate {
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
  nextDraw(): { temperature: number; topP: number; uniform: number } {
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

/** Detached TVM objects this run owns; freed on every exit path, newest first. */
class OwnedObjects {
  private readonly objects: TvmObject[] = [];

  own<T extends TvmObject>(object: T): T {
    this.objects.push(object);
    return object;
  }

  /** Frees objects that are no longer needed before the run ends. */
  release(...objects: TvmObject[]): void {
    for (const object of objects) {
      const at = this.objects.indexOf(object);
      if (at !== -1) this.objects.splice(at, 1);
      object.dispose();
    }
  }

  disposeAll(): void {
    while (this.objects.length > 0) {
      try {
        this.objects.pop()?.dispose();
      } catch {
        // Keep freeing the rest; a dispose failure has nothing left to clean.
      }
    }
  }
}

interface BatchSession {
  /** Prefills the prompt, leaves the candidates' sequences ready; returns detached logits [1, 1, V]. */
  prefillPrompt(candidateSeqIds: readonly number[]): TvmTensor;
  sampleFirst(logits: TvmTensor, draws: ReturnType<Candidate["nextDraw"]>[]): PendingTokens;
  /** Queues one batched forward pass and the sampling of its B rows. */
  decodeStep(active: readonly Candidate[]): PendingTokens;
  removeSequences(seqIds: readonly number[]): void;
}

/** Creates the batch KV cache and binds the functions the steps call. */
function openSession(
  pipeline: BatchablePipeline,
  plan: RunPlan,
  owned: OwnedObjects,
): BatchSession {
  const { tvm, device, params } = pipeline;
  const abi = pipeline.resolvedModelABI;
  const keep = (t: TvmTensor) => void owned.own(t);
  const int64 = (v: number) => tvm.scalar(v, "int64");
  const scoped = <T>(action: () => T): T => {
    tvm.beginScope();
    try {
      return action();
    } finally {
      tvm.endScope();
    }
  };

  const { kvCache, batchDecode, forkSequence } = scoped(() => {
    const create = pipeline.vm.getFunction("create_tir_paged_kv_cache");
    const kv = owned.own(
      tvm.detachFromCurrentScope(
        create(
          tvm.makeShapeTuple([plan.sequenceSlots]), // max_num_sequence: prompt + N candidates
          tvm.makeShapeTuple([plan.kvCapacity]), // max_total_sequence_length, shared by all sequences
          tvm.makeShapeTuple([pipeline.prefillChunkSize]), // prefill_chunk_size
          tvm.makeShapeTuple([KV_PAGE_SIZE]), // page_size
          tvm.makeShapeTuple([0]), // support_sliding_window
        ) as TvmObject,
      ),
    );
    const decode: PackedFunc =
      abi.decodeABI === "batch"
        ? pipeline.decoding
        : owned.own(tvm.detachFromCurrentScope(pipeline.vm.getFunction("batch_decode")));
    const fork = owned.own(
      tvm.detachFromCurrentScope(tvm.getGlobalFunc("vm.builtin.kv_state_fork_sequence")),
    );
    return { kvCache: kv, batchDecode: decode, forkSequence: fork };
  });

  /** One forward over `tokens` appended to `seqId`; returns logits [1, 1, V] attached to the caller's scope. */
  const forwardChunk = (seqId: number, tokens: readonly number[]): TvmTensor => {
    const length = tokens.length;
    const ids = tvm.empty([length], "int32", device).copyFrom(tokens);
    const embeddings = pipeline.embed(ids, params) as TvmTensor; // [L, H]
    const input = embeddings.view([1, length, embeddings.shape[1] ?? 0]);
    pipeline.fKVCacheBeginForward(
      kvCache,
      tvm.makeShapeTuple([seqId]),
      tvm.makeShapeTuple([length]),
    );
    let out: TvmArray;
    if (length === 1) {
      // WebLLM decodes a one-token chunk instead of prefilling it (l. 13320).
      out = batchDecode(input, kvCache, params) as TvmArray;
    } else if (abi.prefillABI === "batch") {
      const logitPositions = tvm.empty([1], "int32", device).copyFrom([length - 1]);
      out = pipeline.prefill(input, logitPositions, kvCache, params) as TvmArray;
    } else {
      out = pipeline.prefill(input, kvCache, params) as TvmArray;
    }
    pipeline.fKVCacheEndForward(kvCache);
    return out.get(0) as TvmTensor;
  };

  /** Prefills `tokens` into `seqId` in chunks of `prefill_chunk_size`; returns the last chunk's logits, detached. */
  const prefillSequence = (seqId: number, tokens: readonly number[]): TvmTensor => {
    let logits: TvmTensor | null = null;
    for (let start = 0; start < tokens.length; start += pipeline.prefillChunkSize) {
      const chunk = tokens.slice(start, start + pipeline.prefillChunkSize);
      const isLast = start + pipeline.prefillChunkSize >= tokens.length;
      // Earlier chunks' logits die with their scope; only the last row is sampled.
      const kept = scoped(() => {
        const chunkLogits = forwardChunk(seqId, chunk);
        return isLast ? owned.own(tvm.detachFromCurrentScope(chunkLogits)) : null;
      });
      if (kept) logits = kept;
    }
    if (!logits) throw new Error("The prefill produced no logits.");
    return logits;
  };

  return {
    prefillPrompt(candidateSeqIds) {
      const prompt = plan.prompt.tokens;
      if (plan.sharing === "fork") {
        scoped(() => pipeline.fKVCacheAddSequence(kvCache, int64(0)));
        const logits = prefillSequence(0, prompt);
        scoped(() => {
          for (const child of candidateSeqIds)
            forkSequence(kvCache, int64(0), int64(child), int64(prompt.length));
        });
        return logits;
      }
      let logits: TvmTensor | null = null;
      for (const seqId of candidateSeqIds) {
        scoped(() => pipeline.fKVCacheAddSequence(kvCache, int64(seqId)));
        const next = prefillSequence(seqId, prompt);
        if (logits) owned.release(logits); // identical rows: keep one
        logits = next;
      }
      if (!logits) throw new Error("No candidate to prefill.");
      return logits;
    },

    sampleFirst(logits, draws) {
      return scoped(() => sampleFromOneRow(pipeline, logits, draws, keep));
    },

    decodeStep(active) {
      return scoped(() => {
        const batch = active.length;
        const ids = tvm.empty([batch], "int32", device).copyFrom(active.map((c) => c.lastTokenId));
        const embeddings = pipeline.embed(ids, params) as TvmTensor; // [B, H]
        const input = embeddings.view([batch, 1, embeddings.shape[1] ?? 0]);
        // Row r of `input` is candidate active[r], so the ids go in the same order.
        pipeline.fKVCacheBeginForward(
          kvCache,
          tvm.makeShapeTuple(active.map((c) => c.seqId)),
          tvm.makeShapeTuple(active.map(() => 1)),
        );
        const out = batchDecode(input, kvCache, params) as TvmArray;
        pipeline.fKVCacheEndForward(kvCache);
        const logits = out.get(0) as TvmTensor; // [B, 1, V]
        return sampleRows(
          pipeline,
          logits,
          active.map((c) => c.nextRow()),
          keep,
        );
      });
    },

    removeSequences(seqIds) {
      if (seqIds.length === 0) return;
      scoped(() => {
        for (const seqId of seqIds) pipeline.fKVCacheRemoveSequence(kvCache, int64(seqId));
      });
    },
  };
}
