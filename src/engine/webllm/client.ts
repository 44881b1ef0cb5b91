/**
 * Main-thread side of the WebLLM engine: implements `Engine` over a
 * `WebLlmRuntime` (runtime.ts: WebLLM's WebWorkerMLCEngine + our side channel).
 * The runtime is created on first load and replaced after a worker crash.
 *
 * WebLLM serialises requests to a model (a per-model lock) and refuses
 * streaming with n > 1, so by itself it runs the candidates one after another,
 * each streamed to its index with its own seed (the sequential path). Where the
 * model allows it, `generateMany` decodes them in one batch instead
 * (./batched/, run in the worker). The policy:
 *
 * - At load, a cheap check (function lookups, the library's metadata) says
 *   whether the model can batch at all; `batchStatus()` reports the outcome.
 * - A call is batched when its requests share one prompt, there are at least two,
 *   the model can batch, and no self-test verdict for this model and GPU says
 *   otherwise (a stored "fail" or "unsupported", or a failure earlier in this
 *   session).
 * - Batching is never trusted unchecked: when this model and GPU have no verdict
 *   yet, the first batched-eligible call first runs the self-test (greedy batched
 *   tokens must equal WebLLM's own sequential tokens; a few seconds) and stores
 *   the verdict; only a "pass" lets the call batch. `runSelfTest()` runs it on demand.
 * - If a batched run fails part-way, candidates that had finished stay finished;
 *   the others are regenerated on the sequential path with the same seed. Their
 *   streamed text stays on screen and is not repeated: the regeneration streams
 *   only what goes beyond it (see `ReplayFilter`), and its final result carries the
 *   complete text. The model then stays sequential for the rest of the session,
 *   and one notice line says so.
 */
import { generateOne } from "../generateOne";
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionRequestStreaming, ChatOptions, ModelRecord } from "@mlc-ai/web-llm";
import type { ChatMessage, FinishReason, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { EngineError } from "../errors";
import { deviceKey, selfTestStore as appSelfTestStore, type BatchSupport, type SelfTestReport, type SelfTestStore } from "./batched";
import { canShareOneBatch, ReplayFilter, toBatchedRequest, type BatchedDecodingControls, type BatchStatus, type SelfTestOptions } from "./batching";
import { markModelUsed } from "../modelCache";
import type { Engine, EngineCapabilities, LoadedModelInfo, LoadOptions, ModelSource, WebLlmModelSource } from "../types";
import { contextWindowFor } from "./catalog";
import { customModelRecord, webLlmModelBaseUrl } from "./customModel";
import { abortError, webLlmError } from "./errors";
import { PREBUILT_MATH_MODELS } from "./prebuilt";
import { gpuLabelFromProgress, parseWebLlmProgress, toLoadProgress } from "./progress";
import { createWorkerRuntime, type BatchedOutcome, type WebLlmRuntime, type WebLlmRuntimeFactory } from "./runtime";
import type { TokenCount } from "./tokenCount";
import type { WebLlmLoadProgress } from "./types";

export interface WebLlmEngineOptions {
  /** Starts the worker; tests pass a fake runtime. */
  createRuntime?: WebLlmRuntimeFactory;
  /** Prebuilt records loadable by id (default: the catalogue's). */
  models?: readonly ModelRecord[];
  now?: () => number;
  /** Called with the model's folder URL after each successful load (default: modelCache's last-used record). */
  onModelUsed?: (folderUrl: string) => void;
  /** Self-test verdicts per model and GPU (default: the app's, in localStorage). */
  selfTestStore?: SelfTestStore;
  /** One-line notices for the user: batching fell back, or its check passed or failed. See also `addNoticeListener`. */
  onNotice?: (message: string) => void;
}

/** The UI offers 1–8 candidates; the load-time check asks for the most. */
const LOAD_CHECK_CANDIDATES = 8;

/** What the load-time check found, for one load of one model. */
interface BatchState {
  /** The load it belongs to: stale once `loaded` is another object. */
  model: WebLlmLoadedModel;
  /** `deviceKey` of the GPU, the second half of a verdict's key. */
  device: string;
  support: BatchSupport;
  maxBatchSize: number | null;
}

/** A candidate the batched path left to the sequential one. */
interface Leftover {
  index: number;
  /** Text already streamed for it. */
  shown: string;
  tokens: number;
  started: boolean;
}

export interface WebLlmLoadedModel extends LoadedModelInfo {
  modelId: string;
  /** The adapter WebLLM reported ("WebGPU - NVIDIA GeForce RTX 3060"), when it did. */
  gpu: string | null;
}

export class WebLlmEngine implements Engine, BatchedDecodingControls {

  private readonly createRuntime: WebLlmRuntimeFactory;
  private readonly models: readonly ModelRecord[];
  private readonly now: () => number;
  private readonly onModelUsed: (folderUrl: string) => void;
  private readonly verdicts: SelfTestStore;
  private readonly noticeListeners = new Set<(message: string) => void>();
  private batch: BatchState | null = null;
  /** Model + GPU keys that fell back during this session, with the reason. */
  private readonly sequentialThisSession = new Map<string, string>();
  private runtimePromise: Promise<WebLlmRuntime> | null = null;
  private runtime: WebLlmRuntime | null = null;
  /** Rejecters of the waits in flight on each runtime, failed together when its worker dies. */
  private readonly crashWaiters = new WeakMap<WebLlmRuntime, { failure: Error | null; waiters: Set<(error: Error) => void> }>();
  private loaded: WebLlmLoadedModel | null = null;
  private loadGeneration = 0;

  constructor(options: WebLlmEngineOptions = {}) {
    this.createRuntime = options.createRuntime ?? (() => createWorkerRuntime());
    this.models = options.models ?? PREBUILT_MATH_MODELS;
    this.now = options.now ?? (() => performance.now());
    this.onModelUsed = options.onModelUsed ?? ((folder) => markModelUsed("webllm", folder));
    this.verdicts = options.selfTestStore ?? appSelfTestStore;
    if (options.onNotice) this.noticeListeners.add(options.onNotice);
  }

  /** `batchedParallel` follows `batchStatus()`: it changes with loads, self-tests and fallbacks. */
  get capabilities(): EngineCapabilities {
    const batch = this.currentBatch();
    const batched = this.batchStatus().mode === "batched";
    return {
      kind: "webllm",
      batchedParallel: batched,
      // Sequence 0 of the batch KV cache holds the shared prompt.
      maxParallel: batched && batch?.maxBatchSize ? Math.max(1, batch.maxBatchSize - 1) : 1,
    };
  }

  get model(): WebLlmLoadedModel | null {
    return this.loaded;
  }

  private getRuntime(): Promise<WebLlmRuntime> {
    if (!this.runtimePromise) {
      const promise = this.createRuntime().then((runtime) => {
        if (this.runtimePromise !== promise) {
          runtime.terminate(); // disposed while starting
          throw abortError("The WebLLM engine was disposed.");
        }
        this.runtime = runtime;
        const crash = { failure: null as Error | null, waiters: new Set<(error: Error) => void>() };
        this.crashWaiters.set(runtime, crash);
        runtime.crashed.catch((error: unknown) => {
          crash.failure = error instanceof Error ? error : new Error(String(error));
          for (const fail of crash.waiters) fail(crash.failure);
          crash.waiters.clear();
          // A dead worker takes the model with it; the next load starts a fresh one.
          if (this.runtime !== runtime) return;
          runtime.terminate();
          this.runtime = null;
          this.runtimePromise = null;
          this.loaded = null;
        });
        return runtime;
      });
      promise.catch(() => {
        if (this.runtimePromise === promise) this.runtimePromise = null;
      });
      this.runtimePromise = promise;
    }
    return this.runtimePromise;
  }

  /**
   * A wait that also ends when the worker dies. (Not Promise.race with
   * `runtime.crashed`: that would pin one reaction per streamed chunk on a
   * promise that lives as long as the worker.)
   */
  private race<T>(runtime: WebLlmRuntime, promise: Promise<T>): Promise<T> {
    const crash = this.crashWaiters.get(runtime);
    if (!crash) return promise;
    if (crash.failure) return Promise.reject(crash.failure);
    return new Promise<T>((resolve, reject) => {
      crash.waiters.add(reject);
      promise.then(resolve, reject).finally(() => crash.waiters.delete(reject));
    });
  }

  private recordFor(source: WebLlmModelSource): ModelRecord {
    const custom = source.custom;
    if (custom)
      return customModelRecord(source.modelId, custom.modelUrl, custom.modelLibUrl, {
        contextWindow: custom.contextWindow ?? null,
        quantization: custom.quantization ?? null,
      });
    const record = this.models.find((r) => r.model_id === source.modelId);
    if (!record)
      throw new EngineError({ name: "ModelNotFoundError", message: `"${source.modelId}" is not a WebLLM model this app knows.` });
    return record;
  }

  async load(
    source: ModelSource | WebLlmModelSource,
    options: LoadOptions,
    onProgress: (progress: WebLlmLoadProgress) => void,
  ): Promise<WebLlmLoadedModel> {
    if (source.kind !== "webllm")
      throw new EngineError({
        name: "UnsupportedModelSourceError",
        message: "WebLLM loads MLC models (a catalogue id or a custom model URL); GGUF files need the wllama engine.",
      });
    const generation = ++this.loadGeneration;
    this.loaded = null;
    const signal = options.signal;
    if (signal?.aborted) throw abortError("Loading was cancelled.");
    const record = this.recordFor(source);
    const runtime = await this.getRuntime();
    const contextWindow = contextWindowFor(record, options.contextSize);
    const chatOpts: ChatOptions | undefined = contextWindow ? { context_window_size: contextWindow } : undefined;
    const current = () => generation === this.loadGeneration;

    let downloaded = false;
    let gpu: string | null = null;
    runtime.engine.setInitProgressCallback((report) => {
      if (!current()) return;
      const progress = parseWebLlmProgress(report);
      if (progress.phase === "download") downloaded = true;
      gpu = gpuLabelFromProgress(report) ?? gpu;
      onProgress(toLoadProgress(progress));
    });
    // Only the record being loaded: WebLLM finds it by model_id, and the main thread never holds the full list.
    runtime.engine.setAppConfig({ model_list: [record], cacheBackend: "cache" });
    onProgress(
      toLoadProgress({ phase: "initialize", loadedBytes: 0, totalBytes: 0, fraction: null, text: "Fetching the model's configuration, library and tokenizer" }),
    );

    // WebLLM aborts a reload from unload(): its reload() then resolves quietly (it catches the AbortError).
    const onAbort = () => void runtime.engine.unload().catch(() => undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await this.race(runtime, runtime.engine.reload(record.model_id, chatOpts));
      if (signal?.aborted || !current()) {
        // Shader compilation cannot be aborted, so the model may have loaded anyway.
        if (current()) await runtime.engine.unload().catch(() => undefined);
        throw abortError("Loading was cancelled.");
      }
      const info = await this.race(runtime, runtime.modelInfo(record.model_id));
      if (!current()) throw abortError("Loading was cancelled.");
      const loaded: WebLlmLoadedModel = {
        name: source.name,
        modelId: record.model_id,
        contextWindow: info.contextWindow,
        parallelSlots: 1,
        threads: 1,
        multithreaded: false,
        fromCache: !downloaded,
        gpu,
      };
      const check = await this.race(runtime, runtime.checkBatchSupport(record.model_id, LOAD_CHECK_CANDIDATES)).catch((error: unknown) => {
        if (this.runtime !== runtime) throw error; // the worker died: the load fails
        return { support: { ok: false as const, reason: `Batched decoding could not be checked (${webLlmError(error).message}).` }, maxBatchSize: null };
      });
      if (!current()) throw abortError("Loading was cancelled.");
      this.loaded = loaded;
      this.batch = {
        model: loaded,
        device: deviceKey(info.adapter ?? { description: gpu ?? "" }),
        support: check.support,
        maxBatchSize: check.maxBatchSize,
      };
      try {
        this.onModelUsed(webLlmModelBaseUrl(record.model));
      } catch {
        // last-used is a nicety
      }
      return loaded;
    } catch (error) {
      if (signal?.aborted || !current()) throw abortError("Loading was cancelled.");
      throw webLlmError(error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  contextWindow(): number {
    return this.loaded?.contextWindow ?? 0;
  }

  async countTokens(messages: ChatMessage[]): Promise<number> {
    return (await this.countTokensDetailed(messages)).count;
  }

  /** The count, and whether it is exact (it is unless WebLLM's internals changed shape). */
  async countTokensDetailed(messages: ChatMessage[]): Promise<TokenCount> {
    const loaded = this.loaded;
    const runtime = this.runtime;
    if (!loaded || !runtime) throw notLoaded();
    try {
      return await this.race(runtime, runtime.countTokens(loaded.modelId, messages));
    } catch (error) {
      throw webLlmError(error);
    }
  }

  async generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    let leftovers: Leftover[] = requests.map((_, index) => ({ index, shown: "", tokens: 0, started: false }));
    const loaded = this.loaded;
    const runtime = this.runtime;
    if (loaded && runtime && !signal.aborted && canShareOneBatch(requests) && this.batchStatus().mode === "batched") {
      leftovers = await this.generateBatched(runtime, loaded, requests, callbacks, signal);
    }
    for (const leftover of leftovers) {
      const index = leftover.index;
      if (signal.aborted) {
        // Still queued: it never started, or the batch had streamed `shown` before it stopped.
        callbacks.onDone(index, { text: leftover.shown, tokens: leftover.tokens, finishReason: "aborted", firstTokenMs: null, totalMs: 0 });
        continue;
      }
      const loadedNow = this.loaded;
      const runtimeNow = this.runtime;
      if (!loadedNow || !runtimeNow) {
        callbacks.onError(index, notLoaded());
        continue;
      }
      const target = leftover.started ? replaying(leftover, callbacks) : callbacks;
      await this.generateOne(runtimeNow, index, requests[index]!, target, signal);
    }
  }

  /** How `generateMany` will run N candidates on the loaded model, and why. */
  batchStatus(): BatchStatus {
    const loaded = this.loaded;
    const batch = this.currentBatch();
    if (!loaded || !batch) return { mode: "sequential", reason: "No model is loaded." };
    if (!batch.support.ok) return { mode: "sequential", reason: batch.support.reason };
    const failedThisSession = this.sequentialThisSession.get(this.verdictKey(batch));
    if (failedThisSession) return { mode: "sequential", reason: failedThisSession };
    const stored = this.verdicts.get(loaded.modelId, batch.device);
    switch (stored?.verdict) {
      case "fail":
        return { mode: "sequential", reason: `Batched decoding failed its check on this GPU: ${stored.reason}` };
      case "unsupported":
        return { mode: "sequential", reason: stored.reason };
      case "pass":
        return { mode: "batched", reason: `Checked on this GPU${stored.speedup ? `: ${stored.speedup.toFixed(1)}× faster than one at a time` : ""}.` };
      default:
        return { mode: "batched", reason: "This model can batch; a one-time check on this GPU runs before the first batched run." };
    }
  }

  /**
   * Runs the self-test on the loaded model now (holding the model, so after any
   * running generation) and stores its verdict for this model and GPU. A pass
   * also lifts a fallback made earlier in this session; a failure makes
   * `generateMany` sequential for this model on this GPU from now on.
   */
  async runSelfTest(options: SelfTestOptions = {}): Promise<SelfTestReport> {
    const loaded = this.loaded;
    const runtime = this.runtime;
    const batch = this.currentBatch();
    if (!loaded || !runtime || !batch) throw notLoaded();
    const { signal = new AbortController().signal, ...params } = options;
    let report: SelfTestReport;
    try {
      report = await this.race(runtime, runtime.runSelfTest(loaded.modelId, params, signal));
    } catch (error) {
      throw webLlmError(error);
    }
    if (this.loaded === loaded && !signal.aborted) {
      this.verdicts.record(loaded.modelId, batch.device, report);
      if (report.verdict === "pass") this.sequentialThisSession.delete(this.verdictKey(batch));
    }
    return report;
  }

  addNoticeListener(listener: (message: string) => void): () => void {
    this.noticeListeners.add(listener);
    return () => void this.noticeListeners.delete(listener);
  }

  private notify(message: string): void {
    for (const listener of [...this.noticeListeners]) {
      try {
        listener(message);
      } catch {
        // a listener's failure is not the run's
      }
    }
  }

  private currentBatch(): BatchState | null {
    return this.batch && this.batch.model === this.loaded ? this.batch : null;
  }

  private verdictKey(batch: BatchState): string {
    return `${batch.model.modelId}|${batch.device}`;
  }

  private fallBackForSession(batch: BatchState, reason: string): void {
    this.sequentialThisSession.set(this.verdictKey(batch), reason);
  }

  /**
   * The batched path of `generateMany`. Returns the candidates it did not finish,
   * for the sequential path: none when the batch ran (or failed for good), all of
   * them when the check before the first batch said no.
   */
  private async generateBatched(
    runtime: WebLlmRuntime,
    loaded: WebLlmLoadedModel,
    requests: GenerationRequest[],
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<Leftover[]> {
    const untouched = () => requests.map((_, index) => ({ index, shown: "", tokens: 0, started: false }));
    const batch = this.currentBatch();
    if (!batch) return untouched();
    if (!this.verdicts.get(loaded.modelId, batch.device)) {
      const passed = await this.checkBeforeFirstBatch(runtime, loaded, batch, signal);
      if (!passed) return untouched();
    }

    // What reached the caller, so that every candidate ends exactly once.
    const seen = requests.map(() => ({ started: false, shown: "", ended: false }));
    const forward: GenerationCallbacks = {
      onStart: (index) => {
        const s = seen[index];
        if (!s || s.started || s.ended) return;
        s.started = true;
        callbacks.onStart?.(index);
      },
      onDelta: (index, delta) => {
        const s = seen[index];
        if (!s || s.ended) return;
        s.shown += delta;
        callbacks.onDelta(index, delta);
      },
      onDone: (index, result) => {
        const s = seen[index];
        if (!s || s.ended) return;
        s.ended = true;
        callbacks.onDone(index, result);
      },
      onError: (index, error) => {
        const s = seen[index];
        if (!s || s.ended) return;
        s.ended = true;
        callbacks.onError(index, error);
      },
    };
    // Distinct seeds where a request has none, as WebLLM would draw a random one per request.
    const seedBase = Math.trunc(this.now() * 1000) % 2 ** 31;
    let outcome: BatchedOutcome;
    try {
      outcome = await this.race(
        runtime,
        runtime.generateBatched(
          loaded.modelId,
          requests.map((request, index) => toBatchedRequest(request, seedBase + index)),
          forward,
          signal,
        ),
      );
    } catch (error) {
      // The worker died or the model is gone: as on the sequential path, the running candidates fail.
      const failure = webLlmError(error);
      seen.forEach((_, index) => forward.onError(index, failure));
      return [];
    }
    if (outcome.kind === "done") {
      seen.forEach((_, index) =>
        forward.onError(index, new EngineError({ name: "Error", message: "The batched run ended without this candidate's result." })),
      );
      return [];
    }
    // Candidates that finished before the failure keep their result (its seq-done came first; this is a safeguard).
    for (const partial of outcome.partial) if (partial.result) forward.onDone(partial.index, partial.result);
    const tokensOf = new Map(outcome.partial.map((p) => [p.index, p.tokens]));
    const leftovers = seen.flatMap((s, index) =>
      s.ended ? [] : [{ index, shown: s.shown, tokens: tokensOf.get(index) ?? 0, started: s.started }],
    );
    if (this.loaded === loaded) {
      // Not when the model was unloaded or replaced meanwhile: that broke the run, not batching.
      const reason = outcome.phase === "support" ? `Batched decoding is not possible here: ${outcome.reason}` : outcome.reason;
      this.fallBackForSession(batch, reason);
      const unfinished = leftovers.filter((l) => l.started).length;
      const rest =
        leftovers.length === 0
          ? ""
          : unfinished === 0
            ? " The candidates are generated one at a time;"
            : ` The ${unfinished === 1 ? "unfinished candidate continues" : `${unfinished} unfinished candidates continue`} one at a time;`;
      this.notify(`${reason}${/[.!?]$/.test(reason) ? "" : "."}${rest} ${loaded.name} stays on one-at-a-time generation for this session.`);
    }
    return leftovers;
  }

  /** The self-test before the first batch of a model on a GPU. True when it passed (and batching may go ahead). */
  private async checkBeforeFirstBatch(
    runtime: WebLlmRuntime,
    loaded: WebLlmLoadedModel,
    batch: BatchState,
    signal: AbortSignal,
  ): Promise<boolean> {
    let report: SelfTestReport;
    try {
      report = await this.race(runtime, runtime.runSelfTest(loaded.modelId, {}, signal));
    } catch (error) {
      if (signal.aborted || this.loaded !== loaded || this.runtime !== runtime) return false;
      const reason = `The batched decoding check could not run (${webLlmError(error).message}).`;
      this.fallBackForSession(batch, reason);
      this.notify(`${reason} Candidates are generated one at a time this session.`);
      return false;
    }
    // A stopped check is no verdict: the next run checks again.
    if (signal.aborted || this.loaded !== loaded) return false;
    this.verdicts.record(loaded.modelId, batch.device, report);
    switch (report.verdict) {
      case "pass": {
        const faster = report.speedup ? `, ${report.speedup.toFixed(1)}× faster` : "";
        this.notify(`Batched decoding checked on this GPU: same tokens as one at a time${faster}. Candidates now run in one batch.`);
        return true;
      }
      case "fail":
        this.notify(`Batched decoding failed its check on this GPU (${report.reason}); candidates are generated one at a time.`);
        return false;
      case "unsupported":
        this.notify(`Batched decoding is not available for this model (${report.reason}); candidates are generated one at a time.`);
        return false;
      case "error":
        this.fallBackForSession(batch, report.reason);
        this.notify(`${report.reason} Candidates are generated one at a time this session.`);
        return false;
    }
  }

  private async generateOne(
    runtime: WebLlmRuntime,
    index: number,
    request: GenerationRequest,
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<void> {
    const started = this.now();
    let text = "";
    let chunks = 0;
    let reportedTokens: number | null = null;
    let firstTokenMs: number | null = null;
    let finishReason: FinishReason = "stop";
    const result = (): GenerationResult => ({
      text,
      tokens: reportedTokens ?? chunks,
      finishReason: signal.aborted ? "aborted" : finishReason,
      firstTokenMs,
      totalMs: this.now() - started,
    });

    callbacks.onStart?.(index);
    if (signal.aborted) {
      callbacks.onDone(index, result());
      return;
    }
    // interruptGenerate() stops WebLLM's decode loop; WebLLM resets the flag when a generation
    // starts, so an interrupt that arrives before that is caught by the checks below instead.
    const interrupt = () => runtime.engine.interruptGenerate();
    signal.addEventListener("abort", interrupt, { once: true });
    let iterator: AsyncIterator<ChatCompletionChunk> | null = null;
    try {
      const stream = await this.race(runtime, runtime.engine.chat.completions.create(toChatCompletionRequest(request)));
      iterator = stream[Symbol.asyncIterator]();
      while (!signal.aborted) {
        const step = await this.race(runtime, iterator.next());
        if (step.done) {
          iterator = null;
          break;
        }
        const chunk = step.value;
        const choice = chunk.choices[0];
        const delta = choice?.delta.content ?? "";
        if (delta) {
          chunks++;
          firstTokenMs ??= this.now() - started;
          text += delta;
          callbacks.onDelta(index, delta);
        }
        if (choice?.finish_reason) finishReason = toFinishReason(choice.finish_reason);
        if (chunk.usage) reportedTokens = chunk.usage.completion_tokens;
      }
      callbacks.onDone(index, result());
    } catch (error) {
      if (signal.aborted) callbacks.onDone(index, result());
      else callbacks.onError(index, webLlmError(error));
    } finally {
      signal.removeEventListener("abort", interrupt);
      // Leaving a stream early: return() ends WebLLM's generator in the worker, which releases the model's lock.
      if (iterator?.return) await this.race(runtime, iterator.return()).catch(() => undefined);
    }
  }

  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    return generateOne(this, request, onDelta, signal);
  }

  async unload(): Promise<void> {
    this.loadGeneration++;
    this.loaded = null;
    const runtime = this.runtime;
    if (runtime) await this.race(runtime, runtime.engine.unload()).catch(() => undefined);
  }

  dispose(): void {
    this.loadGeneration++;
    this.loaded = null;
    this.runtime?.terminate();
    this.runtime = null;
    this.runtimePromise = null;
  }
}

/** Callbacks for regenerating a candidate the batch left unfinished, after `leftover.shown` was streamed. */
function replaying(leftover: Leftover, callbacks: GenerationCallbacks): GenerationCallbacks {
  const filter = new ReplayFilter(leftover.shown);
  return {
    // It already started, in the batch.
    onStart: () => {},
    onDelta: (index, delta) => {
      const fresh = filter.push(delta);
      if (fresh) callbacks.onDelta(index, fresh);
    },
    onDone: (index, result) => {
      const text = filter.finalText(result.text, result.finishReason === "aborted");
      callbacks.onDone(index, text === result.text ? result : { ...result, text, tokens: Math.max(result.tokens, leftover.tokens) });
    },
    onError: (index, error) => callbacks.onError(index, error),
  };
}

function notLoaded(): EngineError {
  return new EngineError({ name: "ModelNotLoadedError", message: "No model is loaded." });
}

function toFinishReason(reason: string): FinishReason {
  if (reason === "length") return "length";
  if (reason === "abort") return "aborted";
  return "stop"; // "stop", "tool_calls"
}

/** One streamed chat completion with usage, as WebLLM's OpenAI-style API takes it. */
export function toChatCompletionRequest(request: GenerationRequest): ChatCompletionRequestStreaming {
  const { temperature, topP, maxTokens, seed } = request.sampling;
  return {
    messages: request.messages.map((m) => ({ role: m.role, content: m.content }) as ChatCompletionMessageParam),
    stream: true,
    stream_options: { include_usage: true },
    temperature: Math.max(0, temperature),
    // WebLLM requires 0 < top_p <= 1.
    top_p: topP > 0 && topP <= 1 ? topP : 1,
    max_tokens: Math.max(1, Math.floor(maxTokens)),
    // WebLLM requires an integer seed; it applies it for this request only.
    ...(Number.isFinite(seed) ? { seed: Math.trunc(seed) } : {}),
  };
}
