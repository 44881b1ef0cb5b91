/**
 * The GPU side of a batched run: the extra paged KV cache with one sequence per
 * candidate (plus the shared prompt's), the TVM objects the run owns, and the
 * forward passes each step queues. Kept apart because this is the only part that
 * calls WebLLM's and TVM's internals (the line numbers are WebLLM 0.2.86's
 * lib/index.js) and it holds every GPU object the run allocates, so the step
 * loop (decoder.ts) can be read without TVM's scoping rules: it sees only
 * `BatchSession` and `OwnedObjects`.
 */
import type { Candidate } from "./candidate";
import type { RunPlan } from "./decoder";
import type { BatchablePipeline, PackedFunc, TvmArray, TvmObject, TvmTensor } from "./internals";
import { sampleFromOneRow, sampleRows, type Draw, type PendingTokens } from "./sampler";

/** WebLLM's page size for its own paged KV cache (lib/index.js l. 11923). */
export const KV_PAGE_SIZE = 16;

/** Detached TVM objects this run owns; freed on every exit path, newest first. */
export class OwnedObjects {
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
  sampleFirst(logits: TvmTensor, draws: Draw[]): PendingTokens;
  /** Queues one batched forward pass and the sampling of its B rows. */
  decodeStep(active: readonly Candidate[]): PendingTokens;
  removeSequences(seqIds: readonly number[]): void;
}

/** Creates the batch KV cache and binds the functions the steps call. */
export function openSession(
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
