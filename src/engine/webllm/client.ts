/**
 * Main-thread side of the WebLLM engine: implements `Engine` over a
 * `WebLlmRuntime` (runtime.ts: WebLLM's WebWorkerMLCEngine + our side channel).
 * The runtime is created on first load and replaced after a worker crash
 * (runtimeSlot.ts).
 *
 * This file holds the model's lifecycle (load, unload, dispose), token counting,
 * and `generateMany`'s choice between its two paths: the batched one, with the
 * policy that decides when it may run (batchedPath.ts), and the sequential one
 * that every model can take and a failed batch falls back to (sequentialPath.ts).
 */
import { generateOne } from "../generateOne";
import type { ChatOptions, ModelRecord } from "@mlc-ai/web-llm";
import type { ChatMessage, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { EngineError } from "../errors";
import { deviceKey, selfTestStore as appSelfTestStore, type SelfTestReport, type SelfTestStore } from "./batched";
import { canShareOneBatch, type BatchedDecodingControls, type BatchStatus, type SelfTestOptions } from "./batching";
import { BatchedPath } from "./batchedPath";
import { markModelUsed } from "../modelCache";
import type { Engine, EngineCapabilities, LoadOptions, ModelSource, WebLlmModelSource } from "../types";
import { contextWindowFor } from "./catalog";
import { customModelRecord, webLlmModelBaseUrl } from "./customModel";
import { abortError, notLoaded, webLlmError } from "./errors";
import { PREBUILT_MATH_MODELS } from "./prebuilt";
import { gpuLabelFromProgress, parseWebLlmProgress, toLoadProgress } from "./progress";
import { createWorkerRuntime, type WebLlmRuntimeFactory } from "./runtime";
import { RuntimeSlot } from "./runtimeSlot";
import { replaying, SequentialPath, untouched } from "./sequentialPath";
import type { TokenCount } from "./tokenCount";
import type { WebLlmLoadedModel, WebLlmLoadProgress } from "./types";

// Still the engine module's exports, though they now live beside the code that uses them.
export { toChatCompletionRequest } from "./sequentialPath";
export type { WebLlmLoadedModel } from "./types";

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

export class WebLlmEngine implements Engine, BatchedDecodingControls {
  private readonly models: readonly ModelRecord[];
  private readonly onModelUsed: (folderUrl: string) => void;
  private readonly slot: RuntimeSlot;
  private readonly sequential: SequentialPath;
  private readonly batched: BatchedPath;
  private loaded: WebLlmLoadedModel | null = null;
  private loadGeneration = 0;

  constructor(options: WebLlmEngineOptions = {}) {
    this.models = options.models ?? PREBUILT_MATH_MODELS;
    const now = options.now ?? (() => performance.now());
    this.onModelUsed = options.onModelUsed ?? ((folder) => markModelUsed("webllm", folder));
    // A dead worker takes the model with it.
    this.slot = new RuntimeSlot(options.createRuntime ?? (() => createWorkerRuntime()), () => (this.loaded = null));
    this.sequential = new SequentialPath(this.slot, now);
    this.batched = new BatchedPath(this.slot, () => this.loaded, options.selfTestStore ?? appSelfTestStore, now);
    if (options.onNotice) this.batched.addNoticeListener(options.onNotice);
  }

  /** `batchedParallel` follows `batchStatus()`: it changes with loads, self-tests and fallbacks. */
  get capabilities(): EngineCapabilities {
    const batch = this.batched.current();
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
    const runtime = await this.slot.start();
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
      await this.slot.race(runtime, runtime.engine.reload(record.model_id, chatOpts));
      if (signal?.aborted || !current()) {
        // Shader compilation cannot be aborted, so the model may have loaded anyway.
        if (current()) await runtime.engine.unload().catch(() => undefined);
        throw abortError("Loading was cancelled.");
      }
      const info = await this.slot.race(runtime, runtime.modelInfo(record.model_id));
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
      const check = await this.slot.race(runtime, runtime.checkBatchSupport(record.model_id, LOAD_CHECK_CANDIDATES)).catch((error: unknown) => {
        if (this.slot.current !== runtime) throw error; // the worker died: the load fails
        return { support: { ok: false as const, reason: `Batched decoding could not be checked (${webLlmError(error).message}).` }, maxBatchSize: null };
      });
      if (!current()) throw abortError("Loading was cancelled.");
      this.loaded = loaded;
      this.batched.adopt({
        model: loaded,
        device: deviceKey(info.adapter ?? { description: gpu ?? "" }),
        support: check.support,
        maxBatchSize: check.maxBatchSize,
      });
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
    const runtime = this.slot.current;
    if (!loaded || !runtime) throw notLoaded();
    try {
      return await this.slot.race(runtime, runtime.countTokens(loaded.modelId, messages));
    } catch (error) {
      throw webLlmError(error);
    }
  }

  async generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    let leftovers = untouched(requests);
    const loaded = this.loaded;
    const runtime = this.slot.current;
    if (loaded && runtime && !signal.aborted && canShareOneBatch(requests) && this.batchStatus().mode === "batched") {
      leftovers = await this.batched.generate(runtime, loaded, requests, callbacks, signal);
    }
    for (const leftover of leftovers) {
      const index = leftover.index;
      if (signal.aborted) {
        // Still queued: it never started, or the batch had streamed `shown` before it stopped.
        callbacks.onDone(index, { text: leftover.shown, tokens: leftover.tokens, finishReason: "aborted", firstTokenMs: null, totalMs: 0 });
        continue;
      }
      const loadedNow = this.loaded;
      const runtimeNow = this.slot.current;
      if (!loadedNow || !runtimeNow) {
        callbacks.onError(index, notLoaded());
        continue;
      }
      const target = leftover.started ? replaying(leftover, callbacks) : callbacks;
      await this.sequential.generate(runtimeNow, index, requests[index]!, target, signal);
    }
  }

  // BatchedDecodingControls: the policy behind them is in batchedPath.ts.
  batchStatus(): BatchStatus {
    return this.batched.status();
  }

  runSelfTest(options: SelfTestOptions = {}): Promise<SelfTestReport> {
    return this.batched.runSelfTest(options);
  }

  addNoticeListener(listener: (message: string) => void): () => void {
    return this.batched.addNoticeListener(listener);
  }

  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    return generateOne(this, request, onDelta, signal);
  }

  async unload(): Promise<void> {
    this.loadGeneration++;
    this.loaded = null;
    const runtime = this.slot.current;
    if (runtime) await this.slot.race(runtime, runtime.engine.unload()).catch(() => undefined);
  }

  dispose(): void {
    this.loadGeneration++;
    this.loaded = null;
    this.slot.dispose();
  }
}
