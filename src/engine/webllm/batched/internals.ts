/**
 * The slice of WebLLM 0.2.86's internals that batched decoding touches, typed
 * structurally. None of it is public API: `LLMChatPipeline` declares these fields
 * `private` in `lib/llm_chat.d.ts`, so the worker reaches the pipeline with
 * `engine.loadedModelIdToPipeline.get(modelId)` and hands it over as `unknown`;
 * {@link asBatchablePipeline} (support.ts) checks its shape at run time.
 *
 * Line numbers refer to `node_modules/@mlc-ai/web-llm/lib/index.js` of 0.2.86.
 */

/** Anything tvmjs tracks for disposal (Tensor, ShapeTuple, Module, the KV cache object). */
export interface TvmObject {
  dispose(): void;
}

/** tvmjs `Scalar` (l. 7274): a typed number argument, e.g. `tvm.scalar(seqId, "int64")`. */
export interface TvmScalar {
  readonly value: number;
  readonly dtype: string;
}

/** tvmjs `DLDevice` (l. 7303). `sync()` flushes queued GPU work and waits for it (l. 7323). */
export interface TvmDevice {
  readonly deviceType: number;
  sync(): Promise<void>;
}

/** tvmjs `Tensor` (l. 7425). A WebGPU tensor can be read only through a CPU copy plus `sync()`. */
export interface TvmTensor extends TvmObject {
  readonly shape: number[];
  readonly dtype: string;
  readonly device: TvmDevice;
  /** A view with a new shape over the same storage; the view is attached to the current scope. */
  view(shape: number[], dtype?: string): TvmTensor;
  /** From a JS array (host → device write) or another tensor (device copy, e.g. GPU → CPU). */
  copyFrom(data: TvmTensor | ArrayLike<number>): TvmTensor;
  /** CPU tensors only (l. 7598): a typed-array copy of the contents. */
  toArray(): ArrayLike<number>;
}

/** tvmjs `TVMArray` (l. 7672): what VM functions that return a tuple give back. */
export interface TvmArray extends TvmObject {
  get(index: number): unknown;
  size(): number;
}

/** A tvmjs PackedFunc (l. 9056): a JS function with `dispose`. Its object results are attached to the current scope. */
export type PackedFunc = ((...args: unknown[]) => unknown) & { dispose(): void };

/** tvmjs `VirtualMachine` (l. 7713). */
export interface TvmVirtualMachine {
  getFunction(name: string): PackedFunc;
}

/**
 * tvmjs `Instance` (l. 7753). Every object a PackedFunc returns is attached to the
 * innermost `beginScope()` and freed by the matching `endScope()`;
 * `detachFromCurrentScope` keeps one alive until its own `dispose()`.
 */
export interface TvmInstance {
  beginScope(): void;
  endScope(): void;
  attachToCurrentScope<T>(obj: T): T;
  detachFromCurrentScope<T>(obj: T): T;
  /** l. 8330 */
  scalar(value: number, dtype: string): TvmScalar;
  /** l. 8543: an `ffi.Shape`, attached to the current scope (needs an open scope). */
  makeShapeTuple(shape: number[]): TvmObject;
  /** l. 8364: `runtime.TVMTensorAllocWithScope`; attached to the current scope. */
  empty(shape: number[] | number, dtype?: string, dev?: TvmDevice): TvmTensor;
  cpu(deviceId?: number): TvmDevice;
  /** l. 7979: throws "Cannot find global function" when absent; attached to the current scope. */
  getGlobalFunc(name: string): PackedFunc;
}

/** `@mlc-ai/web-tokenizers` Tokenizer as bundled (l. 14680). */
export interface TokenizerLike {
  encode(text: string): Int32Array;
  decode(ids: Int32Array): string;
}

/** WebLLM `Conversation` (l. 10374). Only the members the prompt builder calls. */
export interface ConversationLike {
  readonly config: ConversationConfigLike;
  messages: unknown[];
  override_system_message?: string;
  appendMessage(role: string, message: string, roleName?: string): void;
  appendReplyHeader(role: string): void;
  appendEmptyThinkingReplyHeader(role: string, emptyThinkingBlockStr: string): void;
  getPromptArray(config?: unknown): Array<string | unknown[]>;
}

export interface ConversationConfigLike {
  stop_str: string[];
  stop_token_ids: number[];
  system_prefix_token_ids?: number[] | null;
}

/** The part of `mlc-chat-config.json` (WebLLM `ChatConfig`) the sampler reads. */
export interface ChatConfigLike {
  vocab_size: number;
  repetition_penalty?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
}

/** `LLMChatPipeline.resolvedModelABI` (l. 13390, resolveModelABI). */
export interface ResolvedModelAbiLike {
  kvStateKind: string;
  prefillABI: "single" | "batch";
  decodeABI: "single" | "batch";
  prefillFunctionName: string;
  decodeFunctionName: string;
  needsKVCache: boolean;
  needsRNNState: boolean;
}

/**
 * The fields of `LLMChatPipeline` (l. 11636) that batched decoding reads or calls.
 * All functions are already detached by the pipeline's constructor (l. 11829–11921),
 * so borrowing them needs no scope and they must never be disposed here.
 */
export interface BatchablePipeline {
  tvm: TvmInstance;
  vm: TvmVirtualMachine;
  device: TvmDevice;
  /** Model weights, passed as the last argument of every model function. */
  params: TvmObject;
  tokenizer: TokenizerLike;
  config: ChatConfigLike;
  /** `embed(i32[L], params) → [L, H]` */
  embed: PackedFunc;
  /** `prefill` or `batch_prefill`, as `resolvedModelABI.prefillABI` says. */
  prefill: PackedFunc;
  /** `decode` or `batch_decode`, as `resolvedModelABI.decodeABI` says. */
  decoding: PackedFunc;
  resolvedModelABI: ResolvedModelAbiLike;
  kvStateKind: string;
  /** `softmax_with_temperature([B,1,V] f32, temperature f32[B]) → [B,1,V]` */
  fsoftmaxWithTemperature: PackedFunc;
  /** `argsort_probs(probs [B,V]) → (sorted_probs [B,V], sorted_indices i32[B,V])` */
  fargsortProbs: PackedFunc;
  /** `sample_with_top_p(sorted, indices, uniform f32[S], sample_indices i32[S], top_p f32[B]) → i32[S]` */
  fsampleWithTopP: PackedFunc;
  /** `apply_penalty_inplace(logits [B,V], seq_ids i32[n], pos2seq i32[T], token_ids i32[T], token_cnt i32[T], penalties f32[n,3])` */
  fapplyPenalty: PackedFunc;
  /** `vm.builtin.kv_state_add_sequence(state, int64 seq_id)` */
  fKVCacheAddSequence: PackedFunc;
  /** `vm.builtin.kv_state_remove_sequence(state, int64 seq_id)` */
  fKVCacheRemoveSequence: PackedFunc;
  /** `vm.builtin.kv_state_begin_forward(state, ShapeTuple seq_ids, ShapeTuple append_lengths)` */
  fKVCacheBeginForward: PackedFunc;
  /** `vm.builtin.kv_state_end_forward(state)` */
  fKVCacheEndForward: PackedFunc;
  fullVocabSize: number;
  prefillChunkSize: number;
  /** -1 when the model uses a sliding window instead. */
  contextWindowSize: number;
  /** -1 when the model has no sliding window. */
  slidingWindowSize: number;
  /** From the conversation template: `conv_template.stop_token_ids`. */
  stopTokens: number[];
  /** From the conversation template: `conv_template.stop_str`. */
  stopStr: string[];
  /** Present for models that ship an artifact manifest (e.g. gemma-4). */
  artifact?: unknown;
  /** Present for RNN and hybrid models (e.g. the Qwen3.5 hybrids). */
  rnnState?: unknown;
  /** A user-registered logit processor; it runs on the CPU, one sequence at a time. */
  logitProcessor?: unknown;
  getConversationObject(): ConversationLike;
}

/**
 * The single-sequence path of the same pipeline (`prefillStep`, `decodeStep`,
 * l. 12289 and 12453), used as the self-test's reference.
 */
export interface SequentialPipeline extends BatchablePipeline {
  outputIds: number[];
  resetChat(keepStats?: boolean): void;
  setConversation(conversation: ConversationLike): void;
  setSeed(seed: number): void;
  prefillStep(
    input: string,
    role: string,
    roleName: string | undefined,
    genConfig: SequentialGenConfig,
  ): Promise<void>;
  decodeStep(genConfig: SequentialGenConfig): Promise<void>;
  stopped(): boolean;
}

/** The `GenerationConfig` fields WebLLM's engine passes for a chat completion (l. 18652). */
export interface SequentialGenConfig {
  temperature: number;
  top_p: number;
  max_tokens: number;
  enable_thinking?: boolean;
}
