/**
 * Main-thread side of the WebLLM engine: implements `Engine` over a
 * `WebLlmRuntime` (runtime.ts: WebLLM's WebWorkerMLCEngine + our side channel).
 * The runtime is created on first load and replaced after a worker crash.
 *
 * WebLLM serialises requests to a model (a per-model lock) and refuses
 * streaming with n > 1, so `generateMany` runs the candidates one after
 * another, each streamed to its index with its own seed. Batched decoding
 * (../webllm/batched/) plugs in at the top of `generateMany`; see protocol.ts.
 */
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionRequestStreaming, ChatOptions, ModelRecord } from "@mlc-ai/web-llm";
import type { ChatMessage, FinishReason, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { EngineError } from "../errors";
import { markModelUsed } from "../modelCache";
import type { Engine, EngineCapabilities, LoadedModelInfo, LoadOptions, ModelSource } from "../types";
import { contextWindowFor } from "./catalog";
import { customModelRecord, webLlmModelBaseUrl } from "./customModel";
import { abortError, webLlmError } from "./errors";
import { PREBUILT_MATH_MODELS } from "./prebuilt";
import { gpuLabelFromProgress, parseWebLlmProgress, toLoadProgress } from "./progress";
import { createWorkerRuntime, type WebLlmRuntime, type WebLlmRuntimeFactory } from "./runtime";
import type { TokenCount } from "./tokenCount";
import type { WebLlmLoadProgress, WebLlmModelSource } from "./types";

export interface WebLlmEngineOptions {
  /** Starts the worker; tests pass a fake runtime. */
  createRuntime?: WebLlmRuntimeFactory;
  /** Prebuilt records loadable by id (default: the catalogue's). */
  models?: readonly ModelRecord[];
  now?: () => number;
  /** Called with the model's folder URL after each successful load (default: modelCache's last-used record). */
  onModelUsed?: (folderUrl: string) => void;
}

export interface WebLlmLoadedModel extends LoadedModelInfo {
  modelId: string;
  /** The adapter WebLLM reported ("WebGPU - NVIDIA GeForce RTX 3060"), when it did. */
  gpu: string | null;
}

export class WebLlmEngine implements Engine {
  readonly capabilities: EngineCapabilities = { kind: "webllm", batchedParallel: false, maxParallel: 1 };

  private readonly createRuntime: WebLlmRuntimeFactory;
  private readonly models: readonly ModelRecord[];
  private readonly now: () => number;
  private readonly onModelUsed: (folderUrl: string) => void;
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
      this.loaded = loaded;
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
    // Batched decoding plugs in here: when the runtime offers it (protocol.ts, "generate-batched"),
    // run all requests in one batch and return; on "BatchedUnavailable" or a failed self-check,
    // fall through to the sequential loop below and tell the user.
    for (let index = 0; index < requests.length; index++) {
      if (signal.aborted) {
        // Still queued: it never started.
        callbacks.onDone(index, { text: "", tokens: 0, finishReason: "aborted", firstTokenMs: null, totalMs: 0 });
        continue;
      }
      const loaded = this.loaded;
      const runtime = this.runtime;
      if (!loaded || !runtime) {
        callbacks.onError(index, notLoaded());
        continue;
      }
      await this.generateOne(runtime, index, requests[index]!, callbacks, signal);
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

  async generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    let outcome: GenerationResult | Error = new Error("The engine ended the generation without a result.");
    await this.generateMany(
      [request],
      {
        onDelta: (_, delta) => onDelta(delta),
        onDone: (_, result) => (outcome = result),
        onError: (_, error) => (outcome = error),
      },
      signal,
    );
    if (outcome instanceof Error) throw outcome;
    return outcome;
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
