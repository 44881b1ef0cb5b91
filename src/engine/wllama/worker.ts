/// <reference lib="webworker" />
/**
 * The wllama worker: owns one Wllama instance (which itself runs llama.cpp in
 * its own worker threads) and turns our typed requests into OpenAI-style chat
 * completions. Concurrent sequences go to different llama.cpp slots and are
 * decoded together in one batch per step (continuous batching).
 */
import { CacheManager, Wllama, type ChatCompletionChunk } from "@wllama/wllama";
import wasmUrl from "@wllama/wllama/esm/wasm/wllama.wasm?url";
import type { GenerationRequest, GenerationResult } from "../../gsr/types";
import { serializeError } from "../errors";
import { ConcurrencyLimiter } from "../queue";
import { downloadToBlob, hasFileSystemStorage, storageThatKeepsNothing } from "./withoutFileSystem";
import type { WorkerReply, WorkerRequest } from "./protocol";

declare const self: DedicatedWorkerGlobalScope;

let wllama: Wllama | null = null;
let limiter = new ConcurrencyLimiter(1);
let contextWindow = 0;
const controllers = new Map<number, AbortController>();

function reply(message: WorkerReply): void {
  self.postMessage(message);
}

/** False on a page that is not a secure context (plain http from a LAN address): see withoutFileSystem.ts. */
const cachesModels = hasFileSystemStorage();

function newWllama(): Wllama {
  const storage = cachesModels ? {} : { cacheManager: new CacheManager([storageThatKeepsNothing()]) };
  // Assets come from the app's own origin: no CDN, so it works offline.
  const instance = new Wllama({ default: new URL(wasmUrl, self.location.href).href }, { suppressNativeLog: true, ...storage });
  instance.setCompat(null);
  return instance;
}

async function load(request: Extract<WorkerRequest, { type: "load" }>): Promise<void> {
  const controller = new AbortController();
  controllers.set(request.id, controller);
  try {
    if (wllama) await wllama.exit();
    wllama = newWllama();
    const params = {
      n_ctx: request.params.kvPoolSize,
      n_parallel: request.params.parallelSlots,
      kv_unified: true,
      // Idle slots keep their KV cells (llama.cpp purges one only when the shared pool
      // runs out). By default each slot is cleared when it takes a new request, so every
      // candidate re-read the whole prompt, system prompt included: 4 concurrent
      // candidates read 430 prompt tokens instead of 4 × 41 (bench model; 4.2 s
      // instead of 5.2 s for 4 × 64 tokens).
      cache_idle_slots: false,
      n_threads: request.params.threads,
      n_gpu_layers: 0,
    };
    let fromCache = false;
    if ("url" in request.source && !cachesModels) {
      reply({ type: "progress", id: request.id, progress: { phase: "download", loadedBytes: 0, totalBytes: 0 } });
      const blob = await downloadToBlob(request.source.url, {
        signal: controller.signal,
        onProgress: (loaded, total) => reply({ type: "progress", id: request.id, progress: { phase: "download", loadedBytes: loaded, totalBytes: total } }),
      });
      reply({ type: "progress", id: request.id, progress: { phase: "initialize", loadedBytes: 0, totalBytes: blob.size } });
      controller.signal.throwIfAborted();
      await wllama.loadModel([blob], params);
    } else if ("url" in request.source) {
      const url = request.source.url;
      const cached = (await wllama.modelManager.getModels()).find((m) => m.url === url);
      fromCache = cached !== undefined;
      reply({ type: "progress", id: request.id, progress: { phase: fromCache ? "cache" : "download", loadedBytes: 0, totalBytes: cached?.size ?? 0 } });
      const model = await wllama.modelManager.getModelOrDownload(
        { url },
        {
          signal: controller.signal,
          progressCallback: ({ loaded, total }) =>
            reply({ type: "progress", id: request.id, progress: { phase: "download", loadedBytes: loaded, totalBytes: total } }),
        },
      );
      reply({ type: "progress", id: request.id, progress: { phase: "initialize", loadedBytes: 0, totalBytes: model.size } });
      controller.signal.throwIfAborted();
      await wllama.loadModel(model, params);
    } else {
      reply({ type: "progress", id: request.id, progress: { phase: "initialize", loadedBytes: 0, totalBytes: request.source.blob.size } });
      await wllama.loadModel([request.source.blob], params);
    }
    const info = wllama.getLoadedContextInfo();
    // wllama 3.8.1 resolves loadModel even when llama.cpp refused the file (load_res.success false, n_ctx 0).
    if (!(info as { success?: boolean }).success || !(info.n_ctx > 0) || !(info.n_vocab > 0))
      throw Object.assign(new Error("llama.cpp could not load this file: it is not a complete, valid GGUF model."), { type: "load_error" });
    contextWindow = Math.min(request.params.contextSize, info.n_ctx, info.n_ctx_train || info.n_ctx);
    limiter = new ConcurrencyLimiter(request.params.parallelSlots);
    reply({
      type: "loaded",
      id: request.id,
      info: {
        name: request.name,
        contextWindow,
        parallelSlots: request.params.parallelSlots,
        threads: wllama.getNumThreads(),
        multithreaded: wllama.isMultithread(),
        fromCache,
      },
    });
  } catch (error) {
    // A download that does not load must not come back from the cache on the next Load.
    if ("url" in request.source && !controller.signal.aborted) await forgetDownload(wllama, request.source.url);
    // A failed load leaves no half-initialised engine behind.
    await wllama?.exit().catch(() => undefined);
    wllama = null;
    reply({ type: "error", id: request.id, error: serializeError(error) });
  } finally {
    controllers.delete(request.id);
  }
}

/** Removes a cached download (also one wllama considers invalid), so the next Load fetches it again. */
async function forgetDownload(instance: Wllama | null, url: string): Promise<void> {
  const models = (await instance?.modelManager.getModels({ includeInvalid: true }).catch(() => [])) ?? [];
  await Promise.all(models.filter((m) => m.url === url).map((m) => m.remove().catch(() => undefined)));
}

function requireModel(): Wllama {
  if (!wllama || !wllama.isModelLoaded()) throw Object.assign(new Error("No model is loaded."), { name: "ModelNotLoadedError" });
  return wllama;
}

async function generateOne(id: number, index: number, request: GenerationRequest, signal: AbortSignal): Promise<void> {
  const engine = requireModel();
  const started = performance.now();
  let text = "";
  let chunks = 0;
  let firstTokenMs: number | null = null;
  let reportedTokens: number | null = null;
  let finishReason: GenerationResult["finishReason"] = "stop";
  const finish = (): GenerationResult => ({
    text,
    tokens: reportedTokens ?? chunks,
    finishReason: signal.aborted ? "aborted" : finishReason,
    firstTokenMs,
    totalMs: performance.now() - started,
  });
  if (signal.aborted) {
    reply({ type: "seq-done", id, index, result: finish() });
    return;
  }
  reply({ type: "seq-start", id, index });
  try {
    await engine.createChatCompletion({
      messages: request.messages,
      stream: true,
      abortSignal: signal,
      temperature: request.sampling.temperature,
      top_p: request.sampling.topP,
      max_tokens: request.sampling.maxTokens,
      seed: request.sampling.seed,
      onData: (chunk: ChatCompletionChunk) => {
        const choice = chunk.choices[0];
        const delta = choice?.delta.content ?? "";
        if (delta) {
          chunks++;
          firstTokenMs ??= performance.now() - started;
          text += delta;
          reply({ type: "seq-delta", id, index, delta });
        }
        if (choice?.finish_reason === "length") finishReason = "length";
        if (chunk.usage?.completion_tokens) reportedTokens = chunk.usage.completion_tokens;
        else if (chunk.timings?.predicted_n) reportedTokens = chunk.timings.predicted_n;
      },
    });
    reply({ type: "seq-done", id, index, result: finish() });
  } catch (error) {
    if (signal.aborted) reply({ type: "seq-done", id, index, result: finish() });
    else reply({ type: "seq-error", id, index, error: serializeError(error) });
  }
}

async function generate(request: Extract<WorkerRequest, { type: "generate" }>): Promise<void> {
  const controller = new AbortController();
  controllers.set(request.id, controller);
  try {
    await Promise.all(
      request.requests.map((r, index) => limiter.run(() => generateOne(request.id, index, r, controller.signal))),
    );
    reply({ type: "generate-done", id: request.id });
  } finally {
    controllers.delete(request.id);
  }
}

async function countTokens(request: Extract<WorkerRequest, { type: "count-tokens" }>): Promise<void> {
  try {
    const engine = requireModel();
    // wllama 3 has no tokenize call; the usage record of a one-token
    // completion gives the exact templated prompt length.
    const response = await limiter.run(() =>
      engine.createChatCompletion({ messages: request.messages, max_tokens: 1, temperature: 0 }),
    );
    reply({ type: "token-count", id: request.id, count: response.usage.prompt_tokens });
  } catch (error) {
    // A prompt over the context window is refused before prefill, and the
    // refusal names its length: that is still an exact count.
    const over = /request \((\d+) tokens\) exceeds/.exec(serializeError(error).message);
    if (over) reply({ type: "token-count", id: request.id, count: Number(over[1]) });
    else reply({ type: "error", id: request.id, error: serializeError(error) });
  }
}

async function unload(id: number): Promise<void> {
  for (const c of controllers.values()) c.abort();
  await wllama?.exit().catch(() => undefined);
  wllama = null;
  reply({ type: "unloaded", id });
}

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "load":
      void load(request);
      break;
    case "generate":
      void generate(request);
      break;
    case "count-tokens":
      void countTokens(request);
      break;
    case "abort":
      controllers.get(request.id)?.abort();
      break;
    case "unload":
      void unload(request.id);
      break;
    default: {
      const unhandled: never = request;
      throw new Error(`Unknown request ${JSON.stringify(unhandled)}`);
    }
  }
};
