/**
 * TEST ONLY (long on purpose: it mirrors every tvmjs behaviour the batched path
 * relies on, so a unit test fails where a real GPU would). A fake of the tvmjs runtime and of a loaded WebLLM `LLMChatPipeline`,
 * with the real names, argument types and tensor shapes, strict where tvmjs is:
 *
 * - objects returned by PackedFuncs, `empty`, `makeShapeTuple` and `view` are attached
 *   to the innermost scope (no open scope → throws, as tvmjs does) and freed by
 *   `endScope`; `detachFromCurrentScope` throws for an object not in that scope;
 * - a disposed object passed to a function throws ("already been disposed");
 * - integer arguments of the `vm.builtin.kv_state_*` functions must be
 *   `tvm.scalar(v, "int64")`, their shapes `tvm.makeShapeTuple`;
 * - a CPU tensor filled from a GPU tensor can be read only after `device.sync()`;
 * - the paged KV cache checks sequence ids, forward pairing, batch size and capacity.
 *
 * The "model" is a function from a sequence's token history to logits, so a KV
 * cache or row mix-up changes the output. Every call is recorded. The pipeline also
 * has a CPU implementation of WebLLM's single-sequence path (prefillStep/decodeStep)
 * as an independent reference.
 */
import type {
  BatchablePipeline,
  ConversationConfigLike,
  ConversationLike,
  PackedFunc,
  ResolvedModelAbiLike,
  SequentialGenConfig,
  SequentialPipeline,
  TokenizerLike,
  TvmArray,
  TvmDevice,
  TvmInstance,
  TvmObject,
  TvmScalar,
  TvmTensor,
  TvmVirtualMachine,
} from "../internals";

const CPU = 1;
const WEBGPU = 15;
export const HIDDEN_SIZE = 4;

// ---------------------------------------------------------------- tokenizer

export const IM_END = 256;
export const IM_START = 257;
export const END_OF_TEXT = 258;
const SPECIALS: Record<number, string> = {
  [IM_END]: "<|im_end|>",
  [IM_START]: "<|im_start|>",
  [END_OF_TEXT]: "<|endoftext|>",
};
/** Multi-character pieces after the specials, for stop strings that span tokens. */
export const PIECES = ["\\boxed{", "}", " answer", "STOP", "ST", "OP", " is"] as const;
export const PIECE_BASE = 259;
export const VOCAB_SIZE = PIECE_BASE + PIECES.length;

/** Byte-level tokenizer: ids 0–255 are bytes (so multi-byte characters split), then specials and pieces. */
export class FakeTokenizer implements TokenizerLike {
  encode(text: string): Int32Array {
    const ids: number[] = [];
    let rest = text;
    outer: while (rest.length > 0) {
      for (const [id, special] of Object.entries(SPECIALS)) {
        if (rest.startsWith(special)) {
          ids.push(Number(id));
          rest = rest.slice(special.length);
          continue outer;
        }
      }
      const char = String.fromCodePoint(rest.codePointAt(0) ?? 0);
      for (const byte of new TextEncoder().encode(char)) ids.push(byte);
      rest = rest.slice(char.length);
    }
    return Int32Array.from(ids);
  }

  decode(ids: Int32Array): string {
    const bytes: number[] = [];
    for (const id of ids) {
      if (id < 256) bytes.push(id);
      else {
        const text = SPECIALS[id] ?? PIECES[id - PIECE_BASE] ?? "";
        for (const byte of new TextEncoder().encode(text)) bytes.push(byte);
      }
    }
    return new TextDecoder("utf-8", { fatal: false }).decode(Uint8Array.from(bytes));
  }
}

export function tokenOf(piece: (typeof PIECES)[number]): number {
  return PIECE_BASE + PIECES.indexOf(piece);
}

// ---------------------------------------------------------------- conversation (ChatML)

interface FakeConversationConfig extends ConversationConfigLike {
  system_message: string;
}

export class FakeConversation implements ConversationLike {
  messages: Array<[string, string, string | undefined]> = [];
  override_system_message?: string;
  private emptyThinkingHeader = false;

  constructor(
    readonly config: FakeConversationConfig,
    readonly isTextCompletion = false,
  ) {}

  appendMessage(role: string, message: string): void {
    this.messages.push([role, role, message]);
  }

  appendReplyHeader(role: string): void {
    this.messages.push([role, role, undefined]);
  }

  appendEmptyThinkingReplyHeader(role: string, block: string): void {
    this.emptyThinkingHeader = true;
    this.messages.push([role, role, block]);
  }

  getPromptArray(): string[] {
    const out = [
      `<|im_start|>system\n${this.override_system_message ?? this.config.system_message}<|im_end|>\n`,
    ];
    this.messages.forEach(([role, , content], i) => {
      const last = i === this.messages.length - 1;
      if (content === undefined) out.push(`<|im_start|>${role}\n`);
      else if (last && this.emptyThinkingHeader) out.push(`<|im_start|>${role}\n${content}`);
      else out.push(`<|im_start|>${role}\n${content}<|im_end|>\n`);
    });
    return out;
  }
}

// ---------------------------------------------------------------- model

/** Logits for the next token given a sequence's whole history (prompt + fed tokens). */
export interface FakeModel {
  next(history: readonly number[]): Float32Array;
}

function hash(values: readonly number[], salt: number): number {
  let h = 2166136261 ^ salt;
  for (const v of values) h = Math.imul(h ^ v, 16777619) >>> 0;
  return h >>> 0;
}

/** Tokens generated after the ChatML prompt, which ends with "<|im_start|>assistant\n". */
export function generatedLength(history: readonly number[]): number {
  const start = history.lastIndexOf(IM_START);
  return start === -1 ? history.length : history.length - (start + 1 + "assistant\n".length);
}

/**
 * Pseudo-random logits that depend on the whole history. Lower-case letters and
 * spaces get a boost so text is readable; after `stopAfter` generated tokens the
 * stop token wins.
 */
export function hashModel(options: { spread?: number; stopAfter?: number } = {}): FakeModel {
  const spread = options.spread ?? 6;
  return {
    next(history) {
      const logits = new Float32Array(VOCAB_SIZE);
      const base = hash(history, 0);
      for (let v = 0; v < VOCAB_SIZE; v++) {
        const readable = (v >= 97 && v <= 122) || v === 32 ? 2 : v >= 128 && v < 256 ? -8 : 0;
        logits[v] = (hash([base, v], v) / 2 ** 32) * spread + readable;
      }
      logits[IM_END] = -20;
      logits[IM_START] = -50;
      logits[END_OF_TEXT] = -50;
      if (options.stopAfter !== undefined && generatedLength(history) >= options.stopAfter)
        logits[IM_END] = 50;
      return logits;
    },
  };
}

/** After the prompt, emits `script` token by token, then `after` (the stop token by default). */
export function scriptedModel(script: readonly number[], after = IM_END): FakeModel {
  return {
    next(history) {
      const logits = new Float32Array(VOCAB_SIZE).fill(-10);
      logits[script[generatedLength(history)] ?? after] = 10;
      return logits;
    },
  };
}

// ---------------------------------------------------------------- sampling math shared by the fake kernels and the CPU reference

/** mlc-llm softmax_with_temperature: temperature ≤ 1e-5 gives the one-hot argmax (split on ties). */
export function softmaxRow(logits: ArrayLike<number>, temperature: number): Float32Array {
  const n = logits.length;
  const out = new Float32Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] ?? -Infinity);
  if (temperature <= 1e-5) {
    let count = 0;
    for (let i = 0; i < n; i++) if (logits[i] === max) count++;
    for (let i = 0; i < n; i++) out[i] = logits[i] === max ? 1 / count : 0;
    return out;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(((logits[i] ?? 0) - max) / temperature);
  for (let i = 0; i < n; i++) out[i] = Math.exp(((logits[i] ?? 0) - max) / temperature) / sum;
  return out;
}

/** argsort_probs: descending, stable. */
export function argsortRow(probs: ArrayLike<number>): {
  sorted: Float32Array;
  indices: Int32Array;
} {
  const indices = Array.from({ length: probs.length }, (_, i) => i).sort(
    (a, b) => (probs[b] ?? 0) - (probs[a] ?? 0) || a - b,
  );
  return {
    sorted: Float32Array.from(indices.map((i) => probs[i] ?? 0)),
    indices: Int32Array.from(indices),
  };
}

/** sample_top_p_top_k_from_sorted_prob (TVM relax nn op) with top_k = vocab size. */
export function sampleSortedRow(
  sorted: ArrayLike<number>,
  indices: ArrayLike<number>,
  topP: number,
  uniform: number,
): number {
  const n = sorted.length;
  const cumsum = new Float32Array(n);
  let acc = 0;
  for (let j = 0; j < n; j++) cumsum[j] = acc += sorted[j] ?? 0;
  const mask = (j: number) => (cumsum[j] ?? 0) < topP && j + 1 < n;
  let renorm = cumsum[0] ?? 1;
  if (mask(0)) {
    for (let j = 0; j < n; j++) {
      if (!mask(j)) continue;
      if (j + 1 === n) renorm = cumsum[j] ?? 1;
      else if (!mask(j + 1)) renorm = cumsum[j + 1] ?? 1;
    }
  }
  for (let j = 0; j < n; j++) {
    if (uniform < (cumsum[j] ?? 0) / renorm || j + 1 === n) return indices[j] ?? -1;
  }
  return -1;
}

/** apply_penalty_inplace for one row. */
export function penalizeRow(
  row: Float32Array,
  counts: ReadonlyMap<number, number>,
  presence: number,
  frequency: number,
  repetition: number,
): void {
  for (const [token, count] of counts) {
    let v = (row[token] ?? 0) - (presence + count * frequency);
    v = v < 0 ? v * repetition : v / repetition;
    row[token] = v;
  }
}

/** tvmjs LinearCongruentialGenerator, written out again as an independent reference. */
class ReferenceLcg {
  private state: number;
  constructor(seed: number) {
    this.state = seed % 2147483647 || 1;
  }
  next(): number {
    this.state = (this.state * 48271) % 2147483647;
    return this.state / 2147483647;
  }
}

// ---------------------------------------------------------------- tvmjs objects

interface Tracked {
  readonly label: string;
  readonly disposed: boolean;
  dispose(): void;
}

export class FakeScalar implements TvmScalar {
  constructor(
    readonly value: number,
    readonly dtype: string,
  ) {}
}

abstract class FakeObject implements TvmObject, Tracked {
  disposed = false;
  constructor(
    readonly runtime: FakeTvm,
    readonly label: string,
  ) {
    runtime.track(this);
  }
  dispose(): void {
    this.disposed = true;
  }
}

export class FakeShapeTuple extends FakeObject {
  constructor(
    runtime: FakeTvm,
    readonly dims: readonly number[],
  ) {
    super(runtime, `Shape(${dims.join(",")})`);
  }
}

export class FakeDevice implements TvmDevice {
  constructor(
    private readonly runtime: FakeTvm,
    readonly deviceType: number,
  ) {}
  sync(): Promise<void> {
    return this.runtime.sync();
  }
}

type TypedData = Float32Array | Int32Array;

export class FakeTensor extends FakeObject implements TvmTensor {
  /** Set on a CPU tensor filled from the GPU until the next sync. */
  stale = false;

  constructor(
    runtime: FakeTvm,
    readonly shape: number[],
    readonly dtype: string,
    readonly device: FakeDevice,
    readonly data: TypedData,
  ) {
    super(
      runtime,
      `Tensor[${shape.join(",")}] ${dtype} ${device.deviceType === CPU ? "cpu" : "webgpu"}`,
    );
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  view(shape: number[]): TvmTensor {
    this.runtime.checkAlive(this, "view");
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== this.size) throw new Error(`view [${shape}] of a tensor of shape [${this.shape}]`);
    return this.runtime.attachToCurrentScope(
      new FakeTensor(this.runtime, shape, this.dtype, this.device, this.data),
    );
  }

  copyFrom(source: TvmTensor | ArrayLike<number>): TvmTensor {
    this.runtime.checkAlive(this, "copyFrom");
    if (source instanceof FakeTensor) {
      this.runtime.checkAlive(source, "copyFrom source");
      if (source.size !== this.size) throw new Error("copyFrom: size mismatch");
      this.runtime.record("runtime.TVMTensorCopyFromTo", [source, this]);
      const snapshot = source.data.slice();
      if (this.device.deviceType === CPU && source.device.deviceType !== CPU) {
        this.stale = true;
        this.runtime.queueReadback(this, snapshot);
      } else {
        this.data.set(snapshot);
      }
      return this;
    }
    const values = source as ArrayLike<number>;
    if (values.length !== this.size)
      throw new Error(`data size and shape mismatch data.length${values.length} vs ${this.size}`);
    for (let i = 0; i < values.length; i++) this.data[i] = values[i] ?? 0;
    return this;
  }

  toArray(): ArrayLike<number> {
    this.runtime.checkAlive(this, "toArray");
    if (this.device.deviceType !== CPU)
      throw new Error(
        "Can only sync copy CPU array, use cpu_arr.copyfrom(gpu_arr) then sync instead.",
      );
    if (this.stale)
      throw new Error("Read of a CPU tensor before device.sync(): its GPU copy has not landed.");
    return this.data.slice();
  }
}

export class FakeTvmArray extends FakeObject implements TvmArray {
  constructor(
    runtime: FakeTvm,
    private readonly items: readonly unknown[],
  ) {
    super(runtime, `Array(${items.length})`);
  }
  size(): number {
    return this.items.length;
  }
  /** The array owns the tensors it was built with (refcounting, in real tvmjs). */
  override dispose(): void {
    super.dispose();
    for (const item of this.items) if (item instanceof FakeTensor) item.dispose();
  }
  get(index: number): unknown {
    this.runtime.checkAlive(this, "ArrayGetItem");
    const item = this.items[index];
    // tvmjs returns a new reference, attached to the current scope.
    if (item instanceof FakeTensor)
      return this.runtime.attachToCurrentScope(
        new FakeTensor(this.runtime, item.shape, item.dtype, item.device, item.data),
      );
    return item;
  }
}

export interface CallRecord {
  name: string;
  args: unknown[];
}

type FakePackedFunc = PackedFunc & Tracked;

/** The fake tvmjs `Instance`. */
export class FakeTvm implements TvmInstance {
  readonly calls: CallRecord[] = [];
  readonly webgpuDevice: FakeDevice = new FakeDevice(this, WEBGPU);
  readonly cpuDevice: FakeDevice = new FakeDevice(this, CPU);
  syncCount = 0;
  /** GPU → CPU copies queued so far. */
  readbackCount = 0;
  /** Fake milliseconds; kernels advance it. */
  clock = 0;
  /** Runs inside `device.sync()` before it resolves; may throw or abort a signal. */
  onSync: ((syncIndex: number) => void) | null = null;
  private readonly scopes: Tracked[][] = [];
  private readonly tracked: Tracked[] = [];
  private readonly permanent = new Set<Tracked>();
  private readonly globals = new Map<string, (...args: unknown[]) => unknown>();
  private readonly readbacks: Array<{ target: FakeTensor; data: TypedData }> = [];
  private readonly faults = new Map<string, { atCall: number; error: Error }>();
  private readonly callCounts = new Map<string, number>();

  get scopeDepth(): number {
    return this.scopes.length;
  }

  track(object: Tracked): void {
    this.tracked.push(object);
  }

  /** Objects the pipeline owns for its whole life (params, its functions): not leaks. */
  markPermanent<T extends Tracked>(object: T): T {
    this.permanent.add(object);
    return object;
  }

  /** Everything created and not disposed, pipeline-owned objects excepted. */
  liveObjects(): string[] {
    return this.tracked.filter((o) => !o.disposed && !this.permanent.has(o)).map((o) => o.label);
  }

  /** The `atCall`-th call (1-based) of function `name` throws `error`. */
  failOn(name: string, atCall: number, error: Error = new Error(`${name} failed`)): void {
    this.faults.set(name, { atCall, error });
  }

  callsNamed(name: string): CallRecord[] {
    return this.calls.filter((c) => c.name === name);
  }

  record(name: string, args: unknown[]): void {
    this.calls.push({ name, args: args.map(summarize) });
  }

  checkAlive(object: unknown, where: string): void {
    if (object instanceof FakeObject && object.disposed)
      throw new Error(`${where}: Object has already been disposed (${object.label})`);
    if (typeof object === "function" && (object as Partial<Tracked>).disposed === true)
      throw new Error(`${where}: PackedFunc has already been disposed`);
  }

  queueReadback(target: FakeTensor, data: TypedData): void {
    this.readbackCount += 1;
    this.readbacks.push({ target, data });
  }

  async sync(): Promise<void> {
    this.syncCount += 1;
    this.record("device.sync", []);
    await Promise.resolve();
    for (const { target, data } of this.readbacks.splice(0)) {
      target.data.set(data);
      target.stale = false;
    }
    this.onSync?.(this.syncCount);
  }

  // --- tvmjs Instance API

  beginScope(): void {
    this.scopes.push([]);
  }

  endScope(): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error("tvm.endScope called when the stack is empty.");
    for (const object of scope) object.dispose();
  }

  attachToCurrentScope<T>(object: T): T {
    const scope = this.scopes.at(-1);
    if (!scope) throw new Error("Must call beginScope to use functions that returns TVM objects");
    scope.push(object as unknown as Tracked);
    return object;
  }

  detachFromCurrentScope<T>(object: T): T {
    const scope = this.scopes.at(-1);
    const at = scope ? scope.indexOf(object as unknown as Tracked) : -1;
    if (!scope || at === -1) throw new Error("Cannot find obj in the current auto conversion pool");
    scope.splice(at, 1);
    return object;
  }

  scalar(value: number, dtype: string): TvmScalar {
    return new FakeScalar(value, dtype);
  }

  makeShapeTuple(shape: number[]): TvmObject {
    return this.attachToCurrentScope(new FakeShapeTuple(this, [...shape]));
  }

  empty(
    shape: number[] | number,
    dtype = "float32",
    device: TvmDevice = this.cpuDevice,
  ): TvmTensor {
    const dims = typeof shape === "number" ? [shape] : [...shape];
    const size = dims.reduce((a, b) => a * b, 1);
    const data = dtype === "int32" ? new Int32Array(size) : new Float32Array(size);
    return this.attachToCurrentScope(new FakeTensor(this, dims, dtype, device as FakeDevice, data));
  }

  cpu(): TvmDevice {
    return this.cpuDevice;
  }

  webgpu(): TvmDevice {
    return this.webgpuDevice;
  }

  getGlobalFunc(name: string): PackedFunc {
    const impl = this.globals.get(name);
    if (!impl) throw new Error("Cannot find global function " + name);
    return this.attachToCurrentScope(this.makeFunc(name, impl));
  }

  // --- fake plumbing

  registerGlobal(name: string, impl: (...args: unknown[]) => unknown): void {
    this.globals.set(name, impl);
  }

  unregisterGlobal(name: string): void {
    this.globals.delete(name);
  }

  /** A PackedFunc: records the call, checks liveness, attaches object results to the current scope. */
  makeFunc(name: string, impl: (...args: unknown[]) => unknown): FakePackedFunc {
    const state = { disposed: false };
    const call = (...args: unknown[]): unknown => {
      if (state.disposed) throw new Error(`${name}: PackedFunc has already been disposed`);
      for (const arg of args) this.checkAlive(arg, name);
      this.record(name, args);
      const count = (this.callCounts.get(name) ?? 0) + 1;
      this.callCounts.set(name, count);
      const fault = this.faults.get(name);
      if (fault && fault.atCall === count) throw fault.error;
      const result = impl(...args);
      if (result instanceof FakeObject) this.attachToCurrentScope(result);
      return result;
    };
    const func = Object.assign(call, {
      label: `PackedFunc ${name}`,
      dispose: () => {
        state.disposed = true;
      },
    });
    Object.defineProperty(func, "disposed", { get: () => state.disposed });
    this.track(func as unknown as Tracked);
    return func as unknown as FakePackedFunc;
  }
}

function summarize(arg: unknown): unknown {
  if (arg instanceof FakeScalar) return { scalar: arg.value, dtype: arg.dtype };
  if (arg instanceof FakeShapeTuple) return { shape: [...arg.dims] };
  if (arg instanceof FakeTensor) return { tensor: [...arg.shape], dtype: arg.dtype };
  if (arg instanceof FakeKvCache) return "kv";
  return typeof arg === "function" ? "func" : arg;
}

// ---------------------------------------------------------------- paged KV cache

export class FakeKvCache extends FakeObject {
  readonly sequences = new Map<number, number[]>();
  /** Tokens each sequence holds outside pages shared with its parent (capacity accounting). */
  private readonly ownTokens = new Map<number, number>();
  forward: { seqIds: number[]; lengths: number[]; consumed: boolean } | null = null;
  readonly forwards: Array<{ seqIds: number[]; lengths: number[] }> = [];
  readonly removed: number[] = [];

  constructor(
    runtime: FakeTvm,
    readonly maxNumSequence: number,
    readonly capacity: number,
    readonly prefillChunkSize: number,
    readonly pageSize: number,
  ) {
    super(runtime, `PagedKVCache(${maxNumSequence} seqs, ${capacity} tokens)`);
  }

  add(seqId: number): void {
    if (this.sequences.has(seqId))
      throw new Error(`The sequence "${seqId}" is already in the KV cache.`);
    if (this.sequences.size >= this.maxNumSequence)
      throw new Error(`More than max_num_sequence = ${this.maxNumSequence} sequences.`);
    this.sequences.set(seqId, []);
    this.ownTokens.set(seqId, 0);
  }

  remove(seqId: number): void {
    if (!this.sequences.delete(seqId))
      throw new Error(`The sequence "${seqId}" cannot be found in KV cache.`);
    this.ownTokens.delete(seqId);
    this.removed.push(seqId);
  }

  fork(parent: number, child: number, forkPos: number): void {
    const history = this.sequences.get(parent);
    if (!history) throw new Error(`The parent sequence "${parent}" cannot be found in KV cache.`);
    if (this.sequences.has(child))
      throw new Error(`The child sequence "${child}" is already in the KV cache.`);
    if (forkPos < -1 || forkPos > history.length) throw new Error(`Bad fork position ${forkPos}.`);
    if (this.sequences.size >= this.maxNumSequence)
      throw new Error(`More than max_num_sequence = ${this.maxNumSequence} sequences.`);
    const at = forkPos === -1 ? history.length : forkPos;
    this.sequences.set(child, history.slice(0, at));
    this.ownTokens.set(child, at % this.pageSize); // the partial last page is copied
    this.checkCapacity();
  }

  beginForward(seqIds: number[], lengths: number[]): void {
    if (this.forward) throw new Error("begin_forward while a forward is in progress.");
    if (seqIds.length !== lengths.length)
      throw new Error("The seq_ids size and append_lengths size mismatch.");
    if (seqIds.length > this.maxNumSequence) throw new Error("Batch larger than max_num_sequence.");
    for (const id of seqIds)
      if (!this.sequences.has(id))
        throw new Error(`The sequence "${id}" cannot be found in KV cache.`);
    this.forward = { seqIds, lengths, consumed: false };
    this.forwards.push({ seqIds: [...seqIds], lengths: [...lengths] });
  }

  endForward(): void {
    if (!this.forward) throw new Error("end_forward without begin_forward.");
    if (!this.forward.consumed) throw new Error("end_forward before the model function ran.");
    this.forward = null;
  }

  /** Called by model functions: appends each row's tokens to its sequence. */
  append(rows: number[][]): number[][] {
    const forward = this.forward;
    if (!forward || forward.consumed)
      throw new Error("Model function called outside begin_forward/end_forward.");
    if (rows.length !== forward.seqIds.length)
      throw new Error(`Input batch ${rows.length} ≠ begin_forward batch ${forward.seqIds.length}.`);
    forward.consumed = true;
    return rows.map((tokens, r) => {
      if (tokens.length !== forward.lengths[r])
        throw new Error(
          `Row ${r} appends ${tokens.length} tokens, begin_forward said ${forward.lengths[r]}.`,
        );
      const seqId = forward.seqIds[r] ?? -1;
      const history = this.sequences.get(seqId) ?? [];
      history.push(...tokens);
      this.ownTokens.set(seqId, (this.ownTokens.get(seqId) ?? 0) + tokens.length);
      return [...history];
    });
  }

  /** As TVM's PagedAttentionKVCache: ceil(capacity / page_size) + 1 pages, shared by all sequences. */
  private checkCapacity(): void {
    let usedPages = 0;
    for (const n of this.ownTokens.values()) usedPages += Math.ceil(n / this.pageSize);
    if (usedPages > Math.ceil(this.capacity / this.pageSize) + 1)
      throw new Error("The KV cache is full. No page can be allocated.");
  }

  checkAfterAppend(): void {
    this.checkCapacity();
  }
}

// ---------------------------------------------------------------- pipeline

export interface FakePipelineOptions {
  model?: FakeModel | ((pipeline: FakePipeline) => FakeModel);
  contextWindowSize?: number;
  prefillChunkSize?: number;
  maxBatchSize?: number;
  abi?: "single" | "batch";
  repetitionPenalty?: number;
  stopStr?: string[];
  /** Simulates a broken batch kernel: rows come back in reverse order. */
  reverseBatchRows?: boolean;
  /** Fake milliseconds per forward pass. */
  cost?: { prefill(tokens: number): number; decode(batch: number): number };
}

/** A loaded `LLMChatPipeline`, as far as batched decoding and the self-test can tell. */
export class FakePipeline implements SequentialPipeline {
  readonly runtime = new FakeTvm();
  readonly tvm: TvmInstance = this.runtime;
  readonly device: TvmDevice = this.runtime.webgpuDevice;
  readonly params: TvmObject;
  readonly tokenizer = new FakeTokenizer();
  readonly config = {
    vocab_size: VOCAB_SIZE,
    repetition_penalty: 1,
    frequency_penalty: 0,
    presence_penalty: 0,
  };
  readonly fullVocabSize = VOCAB_SIZE;
  prefillChunkSize: number;
  contextWindowSize: number;
  slidingWindowSize = -1;
  kvStateKind = "kv_cache";
  resolvedModelABI: ResolvedModelAbiLike;
  stopTokens = [IM_END, END_OF_TEXT];
  stopStr: string[];
  artifact?: unknown = undefined;
  rnnState?: unknown = undefined;
  logitProcessor?: unknown = undefined;
  metadata: Record<string, unknown>;
  model: FakeModel;
  readonly vm: TvmVirtualMachine;
  embed: PackedFunc;
  prefill: PackedFunc;
  decoding: PackedFunc;
  fsoftmaxWithTemperature: PackedFunc;
  fargsortProbs: PackedFunc;
  fsampleWithTopP: PackedFunc;
  fapplyPenalty: PackedFunc;
  fKVCacheAddSequence: PackedFunc;
  fKVCacheRemoveSequence: PackedFunc;
  fKVCacheBeginForward: PackedFunc;
  fKVCacheEndForward: PackedFunc;
  /** Every KV cache the model library created. */
  readonly kvCaches: FakeKvCache[] = [];
  /** Model functions by name, as `vm.getFunction` finds them; delete one to simulate an older library. */
  readonly vmFunctions = new Map<string, (...args: unknown[]) => unknown>();
  private readonly cost: NonNullable<FakePipelineOptions["cost"]>;
  private readonly reverseBatchRows: boolean;

  // State of the CPU single-sequence reference path.
  private conversation: ConversationLike;
  outputIds: number[] = [];
  private history: number[] = [];
  private isStopped = false;
  private rng = new ReferenceLcg(1);
  /** What the last prefillStep prefilled (for tests). */
  lastPrompt: number[] = [];

  constructor(options: FakePipelineOptions = {}) {
    const rt = this.runtime;
    this.prefillChunkSize = options.prefillChunkSize ?? 64;
    this.contextWindowSize = options.contextWindowSize ?? 4096;
    this.stopStr = options.stopStr ?? ["<|im_end|>"];
    this.cost = options.cost ?? { prefill: (n) => 5 + n * 0.1, decode: (b) => 10 + b };
    this.reverseBatchRows = options.reverseBatchRows ?? false;
    this.config.repetition_penalty = options.repetitionPenalty ?? 1;
    const abi = options.abi ?? "single";
    this.resolvedModelABI = {
      kvStateKind: "kv_cache",
      prefillABI: abi,
      decodeABI: abi,
      prefillFunctionName: abi === "batch" ? "batch_prefill" : "prefill",
      decodeFunctionName: abi === "batch" ? "batch_decode" : "decode",
      needsKVCache: true,
      needsRNNState: false,
    };
    this.metadata = {
      model_type: "qwen2",
      max_batch_size: options.maxBatchSize ?? 80,
      kv_state_kind: "kv_cache",
      prefill_chunk_size: this.prefillChunkSize,
    };
    this.conversation = new FakeConversation({
      system_message: "You are helpful.",
      stop_str: this.stopStr,
      stop_token_ids: this.stopTokens,
    });
    const model = options.model ?? hashModel();
    this.model = typeof model === "function" ? model(this) : model;

    this.registerModelFunctions();
    this.registerGlobals();
    const vmFunctions = this.vmFunctions;
    this.vm = {
      getFunction: (name: string) => {
        const impl = vmFunctions.get(name);
        if (!impl) throw new Error(`Cannot find function ${name}`);
        return rt.attachToCurrentScope(rt.makeFunc(name, impl));
      },
    };
    // The pipeline's own functions and weights, detached for its whole life (l. 11829–11921).
    rt.beginScope();
    const own = <T>(f: T): T =>
      rt.markPermanent(rt.detachFromCurrentScope(f) as unknown as Tracked) as unknown as T;
    this.params = own(rt.attachToCurrentScope(new FakeTvmArray(rt, [])));
    this.embed = own(this.vm.getFunction("embed"));
    this.prefill = own(this.vm.getFunction(this.resolvedModelABI.prefillFunctionName));
    this.decoding = own(this.vm.getFunction(this.resolvedModelABI.decodeFunctionName));
    this.fsoftmaxWithTemperature = own(this.vm.getFunction("softmax_with_temperature"));
    this.fargsortProbs = own(this.vm.getFunction("argsort_probs"));
    this.fsampleWithTopP = own(this.vm.getFunction("sample_with_top_p"));
    this.fapplyPenalty = own(this.vm.getFunction("apply_penalty_inplace"));
    this.fKVCacheAddSequence = own(rt.getGlobalFunc("vm.builtin.kv_state_add_sequence"));
    this.fKVCacheRemoveSequence = own(rt.getGlobalFunc("vm.builtin.kv_state_remove_sequence"));
    this.fKVCacheBeginForward = own(rt.getGlobalFunc("vm.builtin.kv_state_begin_forward"));
    this.fKVCacheEndForward = own(rt.getGlobalFunc("vm.builtin.kv_state_end_forward"));
    rt.endScope();
    rt.calls.length = 0;
  }

  getConversationObject(): ConversationLike {
    return this.conversation;
  }

  /** Calls of a function during the runs so far. */
  calls(name: string): CallRecord[] {
    return this.runtime.callsNamed(name);
  }

  /** The batch KV cache of the latest run. */
  get lastKv(): FakeKvCache {
    const kv = this.kvCaches.at(-1);
    if (!kv) throw new Error("No KV cache was created.");
    return kv;
  }

  // --- CPU reference for WebLLM's single-sequence path

  resetChat(): void {
    this.conversation = new FakeConversation(this.conversation.config as FakeConversationConfig);
    this.outputIds = [];
    this.history = [];
    this.isStopped = false;
  }

  setConversation(conversation: ConversationLike): void {
    this.conversation = conversation;
  }

  setSeed(seed: number): void {
    this.rng = new ReferenceLcg(seed);
  }

  stopped(): boolean {
    return this.isStopped;
  }

  async prefillStep(
    input: string,
    role: string,
    _roleName: string | undefined,
    genConfig: SequentialGenConfig,
  ): Promise<void> {
    this.conversation.appendMessage(role, input);
    this.conversation.appendReplyHeader("assistant");
    const prompt: number[] = [];
    for (const piece of this.conversation.getPromptArray())
      if (typeof piece === "string") prompt.push(...this.tokenizer.encode(piece));
    this.lastPrompt = prompt;
    this.history = [...prompt];
    this.outputIds = [];
    this.isStopped = false;
    this.runtime.clock += this.cost.prefill(prompt.length);
    await Promise.resolve();
    this.processNextToken(this.sampleCpu(this.model.next(this.history), genConfig), genConfig);
  }

  async decodeStep(genConfig: SequentialGenConfig): Promise<void> {
    if (this.isStopped) throw new Error("Cannot run decode when stopped");
    const last = this.outputIds.at(-1);
    if (last === undefined) throw new Error("Internal Error: missing decode token.");
    this.history.push(last);
    this.runtime.clock += this.cost.decode(1);
    await Promise.resolve();
    this.processNextToken(this.sampleCpu(this.model.next(this.history), genConfig), genConfig);
  }

  private sampleCpu(logits: Float32Array, genConfig: SequentialGenConfig): number {
    const counts = new Map<number, number>();
    for (const id of this.outputIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const repetition = this.config.repetition_penalty;
    if (repetition !== 1) penalizeRow(logits, counts, 0, 0, repetition);
    const probs = softmaxRow(logits, Math.max(1e-6, genConfig.temperature));
    const { sorted, indices } = argsortRow(probs);
    return sampleSortedRow(sorted, indices, Math.max(genConfig.top_p, 1e-5), this.rng.next());
  }

  private processNextToken(token: number, genConfig: SequentialGenConfig): void {
    if (this.stopTokens.includes(token)) this.isStopped = true;
    else this.outputIds.push(token);
    const text = this.tokenizer.decode(Int32Array.from(this.outputIds));
    if (this.stopStr.some((s) => text.includes(s))) this.isStopped = true;
    if (this.outputIds.length >= genConfig.max_tokens) this.isStopped = true;
    if (this.history.length === this.contextWindowSize) this.isStopped = true;
  }

  // --- the model library

  private registerModelFunctions(): void {
    const rt = this.runtime;
    const gpu = this.runtime.webgpuDevice;
    const fns = this.vmFunctions;
    const tensor = (shape: number[], dtype: "float32" | "int32", data?: ArrayLike<number>) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const t = new FakeTensor(
        rt,
        shape,
        dtype,
        gpu,
        dtype === "int32" ? new Int32Array(size) : new Float32Array(size),
      );
      if (data) t.data.set(data);
      return t;
    };
    const expectTensor = (
      value: unknown,
      what: string,
      rank: number,
      dtype?: string,
    ): FakeTensor => {
      if (!(value instanceof FakeTensor)) throw new TypeError(`${what}: expected a Tensor`);
      if (value.shape.length !== rank)
        throw new TypeError(`${what}: expected rank ${rank}, got [${value.shape}]`);
      if (dtype && value.dtype !== dtype)
        throw new TypeError(`${what}: expected ${dtype}, got ${value.dtype}`);
      if (value.device.deviceType !== WEBGPU)
        throw new TypeError(`${what}: expected a WebGPU tensor`);
      return value;
    };
    const expectKv = (value: unknown, what: string): FakeKvCache => {
      if (!(value instanceof FakeKvCache))
        throw new TypeError(`${what}: expected the paged KV cache`);
      return value;
    };
    const expectParams = (value: unknown, what: string) => {
      if (value !== this.params) throw new TypeError(`${what}: expected the model params last`);
    };
    const tokensOf = (embeddings: FakeTensor, rows: number, perRow: number): number[][] =>
      Array.from({ length: rows }, (_, r) =>
        Array.from(
          { length: perRow },
          (_, j) => embeddings.data[(r * perRow + j) * HIDDEN_SIZE] ?? -1,
        ),
      );
    const logitsFor = (histories: number[][]): Float32Array => {
      const out = new Float32Array(histories.length * VOCAB_SIZE);
      histories.forEach((h, r) => out.set(this.model.next(h), r * VOCAB_SIZE));
      return out;
    };

    fns.set("_metadata", () => JSON.stringify(this.metadata));
    fns.set("embed", (ids, params) => {
      const input = expectTensor(ids, "embed input_ids", 1, "int32");
      expectParams(params, "embed");
      const length = input.shape[0] ?? 0;
      if (length > this.prefillChunkSize)
        throw new Error("embed: more tokens than prefill_chunk_size");
      const out = tensor([length, HIDDEN_SIZE], "float32");
      for (let i = 0; i < length; i++) out.data[i * HIDDEN_SIZE] = input.data[i] ?? -1;
      return out;
    });
    fns.set("create_tir_paged_kv_cache", (...args) => {
      if (args.length !== 5)
        throw new TypeError(
          `create_tir_paged_kv_cache takes 5 ShapeTuples, got ${args.length} arguments`,
        );
      const dims = args.map((a, i) => {
        if (!(a instanceof FakeShapeTuple) || a.dims.length !== 1)
          throw new TypeError(`create_tir_paged_kv_cache arg ${i}: expected a 1-d ShapeTuple`);
        return a.dims[0] ?? 0;
      });
      const [maxNumSequence = 0, capacity = 0, chunk = 0, page = 0, slidingWindow = 0] = dims;
      if (slidingWindow !== 0) throw new Error("This fake has no sliding window.");
      const kv = new FakeKvCache(rt, maxNumSequence, capacity, chunk, page);
      this.kvCaches.push(kv);
      return kv;
    });
    const prefillImpl = (embeds: unknown, kvArg: unknown, params: unknown, name: string) => {
      const input = expectTensor(embeds, `${name} input_embeds`, 3, "float32");
      const kv = expectKv(kvArg, name);
      expectParams(params, name);
      if (input.shape[0] !== 1)
        throw new TypeError(`${name}: input_embeds must be [1, L, H], got [${input.shape}]`);
      const length = input.shape[1] ?? 0;
      const histories = kv.append(tokensOf(input, 1, length));
      kv.checkAfterAppend();
      rt.clock += this.cost.prefill(length);
      return histories;
    };
    fns.set("prefill", (embeds, kv, params) => {
      const histories = prefillImpl(embeds, kv, params, "prefill");
      return new FakeTvmArray(rt, [
        tensor([1, 1, VOCAB_SIZE], "float32", logitsFor(histories)),
        kv,
      ]);
    });
    fns.set("batch_prefill", (embeds, positions, kv, params) => {
      const pos = expectTensor(positions, "batch_prefill logit_positions", 1, "int32");
      const length = (embeds as FakeTensor).shape?.[1] ?? 0;
      if (pos.shape[0] !== 1 || pos.data[0] !== length - 1)
        throw new Error(`batch_prefill: logit_positions must be [${length - 1}]`);
      const histories = prefillImpl(embeds, kv, params, "batch_prefill");
      return new FakeTvmArray(rt, [
        tensor([1, 1, VOCAB_SIZE], "float32", logitsFor(histories)),
        kv,
      ]);
    });
    const decodeImpl = (embeds: unknown, kvArg: unknown, params: unknown, name: string) => {
      const input = expectTensor(embeds, `${name} input_embeds`, 3, "float32");
      const kv = expectKv(kvArg, name);
      expectParams(params, name);
      if (input.shape[1] !== 1 || input.shape[2] !== HIDDEN_SIZE)
        throw new TypeError(`${name}: input_embeds must be [B, 1, H], got [${input.shape}]`);
      const batch = input.shape[0] ?? 0;
      const histories = kv.append(tokensOf(input, batch, 1));
      kv.checkAfterAppend();
      rt.clock += this.cost.decode(batch);
      const logits = logitsFor(histories);
      if (this.reverseBatchRows && batch > 1) {
        const rows = Array.from({ length: batch }, (_, r) =>
          logits.slice(r * VOCAB_SIZE, (r + 1) * VOCAB_SIZE),
        ).reverse();
        rows.forEach((row, r) => logits.set(row, r * VOCAB_SIZE));
      }
      return new FakeTvmArray(rt, [tensor([batch, 1, VOCAB_SIZE], "float32", logits), kv]);
    };
    fns.set("batch_decode", (embeds, kv, params) => decodeImpl(embeds, kv, params, "batch_decode"));
    fns.set("decode", (embeds, kv, params) => {
      if ((embeds as FakeTensor).shape?.[0] !== 1) throw new TypeError("decode: batch must be 1");
      return decodeImpl(embeds, kv, params, "decode");
    });
    fns.set("softmax_with_temperature", (logitsArg, temperatureArg) => {
      const logits = expectTensor(logitsArg, "softmax_with_temperature logits", 3, "float32");
      const temperature = expectTensor(
        temperatureArg,
        "softmax_with_temperature temperature",
        1,
        "float32",
      );
      const [batch = 0, one, vocab = 0] = logits.shape;
      if (one !== 1 || vocab !== VOCAB_SIZE || temperature.shape[0] !== batch)
        throw new TypeError(
          `softmax_with_temperature: logits [B,1,V] and temperature [B], got [${logits.shape}] and [${temperature.shape}]`,
        );
      const out = tensor([batch, 1, vocab], "float32");
      for (let r = 0; r < batch; r++)
        out.data.set(
          softmaxRow(logits.data.subarray(r * vocab, (r + 1) * vocab), temperature.data[r] ?? 1),
          r * vocab,
        );
      return out;
    });
    fns.set("argsort_probs", (probsArg) => {
      const probs = expectTensor(probsArg, "argsort_probs probs", 2, "float32");
      const [batch = 0, vocab = 0] = probs.shape;
      const sorted = tensor([batch, vocab], "float32");
      const indices = tensor([batch, vocab], "int32");
      for (let r = 0; r < batch; r++) {
        const row = argsortRow(probs.data.subarray(r * vocab, (r + 1) * vocab));
        sorted.data.set(row.sorted, r * vocab);
        indices.data.set(row.indices, r * vocab);
      }
      return new FakeTvmArray(rt, [sorted, indices]);
    });
    fns.set("sample_with_top_p", (sortedArg, indicesArg, uniformArg, sampleIndicesArg, topPArg) => {
      const sorted = expectTensor(sortedArg, "sample_with_top_p sorted_probs", 2, "float32");
      const indices = expectTensor(indicesArg, "sample_with_top_p sorted_indices", 2, "int32");
      const uniform = expectTensor(uniformArg, "sample_with_top_p uniform_samples", 1, "float32");
      const sampleIndices = expectTensor(
        sampleIndicesArg,
        "sample_with_top_p sample_indices",
        1,
        "int32",
      );
      const topP = expectTensor(topPArg, "sample_with_top_p top_p", 1, "float32");
      const [batch = 0, vocab = 0] = sorted.shape;
      const samples = uniform.shape[0] ?? 0;
      if (sampleIndices.shape[0] !== samples || topP.shape[0] !== batch)
        throw new TypeError("sample_with_top_p: uniform/sample_indices must be [S], top_p [B]");
      const out = tensor([samples], "int32");
      for (let s = 0; s < samples; s++) {
        const row = sampleIndices.data[s] ?? -1;
        if (row < 0 || row >= batch)
          throw new Error(`sample_with_top_p: sample index ${row} out of range`);
        out.data[s] = sampleSortedRow(
          sorted.data.subarray(row * vocab, (row + 1) * vocab),
          indices.data.subarray(row * vocab, (row + 1) * vocab),
          topP.data[row] ?? 1,
          uniform.data[s] ?? 0,
        );
      }
      return out;
    });
    fns.set(
      "apply_penalty_inplace",
      (logitsArg, seqIdsArg, pos2seqArg, tokenIdsArg, countsArg, penaltiesArg) => {
        const logits = expectTensor(logitsArg, "apply_penalty_inplace logits", 2, "float32");
        const seqIds = expectTensor(seqIdsArg, "apply_penalty_inplace seq_ids", 1, "int32");
        const pos2seq = expectTensor(pos2seqArg, "apply_penalty_inplace pos2seq_id", 1, "int32");
        const tokenIds = expectTensor(tokenIdsArg, "apply_penalty_inplace token_ids", 1, "int32");
        const counts = expectTensor(countsArg, "apply_penalty_inplace token_cnt", 1, "int32");
        const penalties = expectTensor(
          penaltiesArg,
          "apply_penalty_inplace penalties",
          2,
          "float32",
        );
        const vocab = logits.shape[1] ?? 0;
        for (let k = 0; k < (tokenIds.shape[0] ?? 0); k++) {
          const seq = pos2seq.data[k] ?? 0;
          const row = seqIds.data[seq] ?? 0;
          const view = logits.data.subarray(row * vocab, (row + 1) * vocab) as Float32Array;
          penalizeRow(
            view,
            new Map([[tokenIds.data[k] ?? 0, counts.data[k] ?? 0]]),
            penalties.data[seq * 3] ?? 0,
            penalties.data[seq * 3 + 1] ?? 0,
            penalties.data[seq * 3 + 2] ?? 1,
          );
        }
        return undefined;
      },
    );
  }

  private registerGlobals(): void {
    const rt = this.runtime;
    const int64 = (value: unknown, what: string): number => {
      if (!(value instanceof FakeScalar) || value.dtype !== "int64")
        throw new TypeError(
          `${what}: expected tvm.scalar(v, "int64"), got ${JSON.stringify(summarize(value))}`,
        );
      return value.value;
    };
    const shape = (value: unknown, what: string): number[] => {
      if (!(value instanceof FakeShapeTuple)) throw new TypeError(`${what}: expected a ShapeTuple`);
      return [...value.dims];
    };
    const kv = (value: unknown, what: string): FakeKvCache => {
      if (!(value instanceof FakeKvCache)) throw new TypeError(`${what}: expected a KV state`);
      return value;
    };
    rt.registerGlobal("vm.builtin.kv_state_add_sequence", (state, seqId) =>
      kv(state, "add").add(int64(seqId, "kv_state_add_sequence seq_id")),
    );
    rt.registerGlobal("vm.builtin.kv_state_remove_sequence", (state, seqId) =>
      kv(state, "remove").remove(int64(seqId, "kv_state_remove_sequence seq_id")),
    );
    rt.registerGlobal("vm.builtin.kv_state_fork_sequence", (...args) => {
      if (args.length !== 4)
        throw new TypeError("kv_state_fork_sequence(state, parent, child, fork_pos)");
      kv(args[0], "fork").fork(
        int64(args[1], "fork parent"),
        int64(args[2], "fork child"),
        int64(args[3], "fork_pos"),
      );
    });
    rt.registerGlobal("vm.builtin.kv_state_begin_forward", (...args) => {
      if (args.length !== 3 && args.length !== 4)
        throw new TypeError("KVState BeginForward only accepts 3 or 4 arguments");
      kv(args[0], "begin_forward").beginForward(
        shape(args[1], "begin_forward seq_ids"),
        shape(args[2], "begin_forward append_lengths"),
      );
    });
    rt.registerGlobal("vm.builtin.kv_state_end_forward", (state) =>
      kv(state, "end_forward").endForward(),
    );
    rt.registerGlobal("vm.builtin.kv_state_clear", () => undefined);
  }
}

/** For tests that need the structural type only. */
export function asPipeline(fake: FakePipeline): BatchablePipeline {
  return fake;
}
