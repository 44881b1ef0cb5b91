/**
 * Batched parallel decoding on WebLLM: N candidates, one forward pass per step.
 *
 * WebLLM generates `n > 1` choices one after another. The compiled model libraries
 * can do better: `batch_decode` takes a variable batch of sequences held in a paged
 * KV cache. This module drives those functions directly on a loaded pipeline.
 * It holds the run's contract (options, failure), its plan and its step loop; the
 * KV cache and the forward passes are in kvSession.ts, each candidate's tokens,
 * text and result in candidate.ts.
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
import { Candidate } from "./candidate";
import type { BatchablePipeline } from "./internals";
import { KV_PAGE_SIZE, OwnedObjects, openSession } from "./kvSession";
import { encodeChatPrompt, type EncodedPrompt } from "./prompt";
import type { Penalties } from "./sampler";

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
export interface RunPlan {
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
