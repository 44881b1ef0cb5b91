/**
 * Whether a loaded WebLLM pipeline can decode N candidates in one batch. Cheap:
 * it looks functions up and reads the library's `_metadata`, it runs no kernel.
 * A "no" comes with a reason the UI can show next to "generating one by one".
 */
import type { BatchablePipeline, PackedFunc } from "./internals";

export type BatchSupport = { ok: true } | { ok: false; reason: string };

/** Functions exported by the compiled model library (`vm.getFunction`). */
const REQUIRED_MODEL_FUNCTIONS = [
  "embed",
  "batch_decode",
  "create_tir_paged_kv_cache",
  "softmax_with_temperature",
  "argsort_probs",
  "sample_with_top_p",
  "apply_penalty_inplace",
] as const;

/** KV-state builtins registered by the TVM runtime linked into the library (`tvm.getGlobalFunc`). */
const REQUIRED_GLOBALS = [
  "vm.builtin.kv_state_add_sequence",
  "vm.builtin.kv_state_remove_sequence",
  "vm.builtin.kv_state_fork_sequence",
  "vm.builtin.kv_state_begin_forward",
  "vm.builtin.kv_state_end_forward",
] as const;

/** The pipeline fields the batched decoder uses; a WebLLM upgrade that renames one shows up here. */
const REQUIRED_FIELDS = [
  "tvm",
  "vm",
  "device",
  "params",
  "tokenizer",
  "config",
  "embed",
  "prefill",
  "decoding",
  "resolvedModelABI",
  "fsoftmaxWithTemperature",
  "fargsortProbs",
  "fsampleWithTopP",
  "fapplyPenalty",
  "fKVCacheAddSequence",
  "fKVCacheRemoveSequence",
  "fKVCacheBeginForward",
  "fKVCacheEndForward",
  "fullVocabSize",
  "prefillChunkSize",
  "contextWindowSize",
  "slidingWindowSize",
  "stopTokens",
  "stopStr",
  "getConversationObject",
] as const;

/**
 * The pipeline as the decoder sees it, or null when the object lacks a field (a
 * different WebLLM version). For the worker:
 * `asBatchablePipeline(handler.engine.loadedModelIdToPipeline.get(modelId))`.
 */
export function asBatchablePipeline(value: unknown): BatchablePipeline | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  return REQUIRED_FIELDS.every((field) => record[field] !== undefined && record[field] !== null)
    ? (value as BatchablePipeline)
    : null;
}

/** The library's `_metadata` JSON (what mlc-llm's compiler records: max_batch_size, kv_state_kind, …). */
export interface ModelLibraryMetadata {
  model_type?: string;
  max_batch_size?: number;
  kv_state_kind?: string;
  sliding_window_size?: number;
  prefill_chunk_size?: number;
  /** Bytes of planned temporary memory per function, when the library records it. */
  memory_usage?: Record<string, number>;
}

export function readModelMetadata(pipeline: BatchablePipeline): ModelLibraryMetadata {
  return withScope(pipeline, () => {
    const raw = pipeline.vm.getFunction("_metadata")();
    return JSON.parse(String(raw)) as ModelLibraryMetadata;
  });
}

export function checkBatchSupport(pipeline: unknown, n: number): BatchSupport {
  if (!Number.isInteger(n) || n < 1) return no(`N must be a positive integer, got ${n}.`);
  const p = asBatchablePipeline(pipeline);
  if (!p)
    return no("This WebLLM build does not expose the pipeline internals batched decoding needs.");
  if (p.artifact !== undefined)
    return no(
      "The model ships an artifact manifest (e.g. gemma-4); its functions take other arguments.",
    );
  if (
    p.rnnState !== undefined ||
    p.resolvedModelABI.needsRNNState ||
    p.kvStateKind !== "kv_cache"
  ) {
    return no(
      `The model keeps recurrent state (kv_state_kind "${p.kvStateKind}", e.g. the Qwen3.5 hybrids); only a pure paged KV cache can be forked.`,
    );
  }
  if (!p.resolvedModelABI.needsKVCache) return no("The model has no paged KV cache.");
  if (p.slidingWindowSize !== -1)
    return no("The model uses a sliding-window KV cache, whose sequences cannot be forked.");
  if (p.logitProcessor !== undefined)
    return no("A custom logit processor is registered; it runs on one sequence at a time.");
  if (p.contextWindowSize <= 0) return no("The model's context window size is unknown.");

  const missingFunctions = [
    ...REQUIRED_MODEL_FUNCTIONS,
    p.resolvedModelABI.prefillABI === "batch" ? "batch_prefill" : "prefill",
  ].filter((name) => !hasModelFunction(p, name));
  if (missingFunctions.length > 0)
    return no(`The model library does not export ${missingFunctions.join(", ")}.`);
  const missingGlobals = REQUIRED_GLOBALS.filter((name) => !hasGlobal(p, name));
  if (missingGlobals.length > 0)
    return no(`The WebGPU runtime lacks ${missingGlobals.join(", ")}.`);

  let metadata: ModelLibraryMetadata;
  try {
    metadata = readModelMetadata(p);
  } catch (error) {
    return no(
      `The model library's metadata is unreadable (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  if (metadata.kv_state_kind !== undefined && metadata.kv_state_kind !== "kv_cache") {
    return no(`The model library reports kv_state_kind "${metadata.kv_state_kind}".`);
  }
  const maxBatch = metadata.max_batch_size ?? 1;
  // Sequence 0 holds the shared prompt, 1..N the candidates: N + 1 slots in the KV cache.
  if (maxBatch < n + 1)
    return no(
      `The model library was compiled for batches of at most ${maxBatch}; ${n} candidates need ${n + 1}.`,
    );
  return { ok: true };
}

function no(reason: string): BatchSupport {
  return { ok: false, reason };
}

function withScope<T>(pipeline: BatchablePipeline, action: () => T): T {
  pipeline.tvm.beginScope();
  try {
    return action();
  } finally {
    pipeline.tvm.endScope();
  }
}

/** WebLLM's own lookup (`loadVMFunctionRegistry`, l. 13337) treats both a throw and a non-function as absent. */
function hasModelFunction(pipeline: BatchablePipeline, name: string): boolean {
  try {
    return withScope(
      pipeline,
      () => typeof (pipeline.vm.getFunction(name) as PackedFunc | null | undefined) === "function",
    );
  } catch {
    return false;
  }
}

function hasGlobal(pipeline: BatchablePipeline, name: string): boolean {
  try {
    return withScope(pipeline, () => typeof pipeline.tvm.getGlobalFunc(name) === "function");
  } catch {
    return false;
  }
}
