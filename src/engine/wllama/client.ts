/**
 * Main-thread side of the wllama engine: implements `Engine` by messaging the
 * worker in worker.ts. Holds no model state of its own beyond what the worker
 * reported, so a crashed worker can simply be replaced.
 */
import { generateOne } from "../generateOne";
import type { ChatMessage, GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { EngineError } from "../errors";
import type { Engine, EngineCapabilities, LoadedModelInfo, LoadOptions, LoadProgress, ModelSource } from "../types";
import type { WorkerReply, WorkerRequest } from "./protocol";

/** Candidates go up to 8, so 8 llama.cpp slots are opened at load time. */
export const WLLAMA_PARALLEL_SLOTS = 8;

type ReplyHandler = (reply: WorkerReply) => void;

export class WllamaEngine implements Engine {
  readonly capabilities: EngineCapabilities = { kind: "wllama", batchedParallel: true, maxParallel: WLLAMA_PARALLEL_SLOTS };

  private worker: Worker;
  private nextId = 1;
  private readonly handlers = new Map<number, ReplyHandler>();
  private readonly crashHandlers = new Map<number, (error: Error) => void>();
  private loaded: LoadedModelInfo | null = null;

  constructor(private readonly createWorker: () => Worker = defaultWorker) {
    this.worker = this.startWorker();
  }

  get model(): LoadedModelInfo | null {
    return this.loaded;
  }

  private startWorker(): Worker {
    const worker = this.createWorker();
    worker.onmessage = (event: MessageEvent<WorkerReply>) => this.handlers.get(event.data.id)?.(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.crash(new Error(`The engine worker crashed: ${event.message || "unknown error"}`));
    };
    return worker;
  }

  /** Fails everything in flight and starts a fresh worker; the model must be loaded again. */
  crash(error: Error): void {
    this.worker.terminate();
    this.loaded = null;
    const pending = [...this.crashHandlers.values()];
    this.handlers.clear();
    this.crashHandlers.clear();
    this.worker = this.startWorker();
    for (const fail of pending) fail(error);
  }

  private send(request: WorkerRequest, onReply: ReplyHandler, onCrash: (error: Error) => void): void {
    this.handlers.set(request.id, onReply);
    this.crashHandlers.set(request.id, onCrash);
    this.worker.postMessage(request);
  }

  private settle(id: number): void {
    this.handlers.delete(id);
    this.crashHandlers.delete(id);
  }

  load(source: ModelSource, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadedModelInfo> {
    if (source.kind === "webllm" || source.kind === "remote")
      return Promise.reject(new Error(`wllama loads GGUF files; this is a ${source.kind === "webllm" ? "WebLLM model" : "server's model"}.`));
    const id = this.nextId++;
    this.loaded = null;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.worker.postMessage({ type: "abort", id } satisfies WorkerRequest);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        options.signal?.removeEventListener("abort", onAbort);
        this.settle(id);
      };
      this.send(
        {
          type: "load",
          id,
          name: source.name,
          source: source.kind === "url" ? { url: source.url } : { blob: source.file },
          params: {
            contextSize: options.contextSize,
            kvPoolSize: kvPoolSize(options.contextSize),
            parallelSlots: WLLAMA_PARALLEL_SLOTS,
            threads: availableThreads(),
          },
        },
        (reply) => {
          if (reply.type === "progress") onProgress(reply.progress);
          else if (reply.type === "loaded") {
            done();
            this.loaded = reply.info;
            resolve(reply.info);
          } else if (reply.type === "error") {
            done();
            reject(new EngineError(reply.error));
          }
        },
        (error) => {
          done();
          reject(error);
        },
      );
    });
  }

  contextWindow(): number {
    return this.loaded?.contextWindow ?? 0;
  }

  countTokens(messages: ChatMessage[]): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.send(
        { type: "count-tokens", id, messages },
        (reply) => {
          if (reply.type === "token-count") {
            this.settle(id);
            resolve(reply.count);
          } else if (reply.type === "error") {
            this.settle(id);
            reject(new EngineError(reply.error));
          }
        },
        (error) => {
          this.settle(id);
          reject(error);
        },
      );
    });
  }

  generateMany(requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onAbort = () => this.worker.postMessage({ type: "abort", id } satisfies WorkerRequest);
      signal.addEventListener("abort", onAbort, { once: true });
      const open = new Set(requests.map((_, i) => i));
      const done = () => {
        signal.removeEventListener("abort", onAbort);
        this.settle(id);
        resolve();
      };
      this.send(
        { type: "generate", id, requests },
        (reply) => {
          switch (reply.type) {
            case "seq-start":
              callbacks.onStart?.(reply.index);
              break;
            case "seq-delta":
              callbacks.onDelta(reply.index, reply.delta);
              break;
            case "seq-done":
              open.delete(reply.index);
              callbacks.onDone(reply.index, reply.result);
              break;
            case "seq-error":
              open.delete(reply.index);
              callbacks.onError(reply.index, new EngineError(reply.error));
              break;
            case "generate-done":
              done();
              break;
          }
        },
        (error) => {
          for (const index of open) callbacks.onError(index, error);
          done();
        },
      );
      if (signal.aborted) onAbort();
    });
  }

  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult> {
    return generateOne(this, request, onDelta, signal);
  }

  unload(): Promise<void> {
    const id = this.nextId++;
    this.loaded = null;
    return new Promise((resolve) => {
      const done = () => {
        this.settle(id);
        resolve();
      };
      this.send({ type: "unload", id }, (reply) => reply.type === "unloaded" && done(), done);
    });
  }

  dispose(): void {
    this.worker.terminate();
    this.handlers.clear();
    this.crashHandlers.clear();
  }
}

/**
 * The candidates share one KV cache: four times one sequence's window (at least
 * 16k tokens) lets 4–8 typical solutions run side by side, while keeping a 1.5B
 * model's cache to a few hundred MB.
 */
export function kvPoolSize(contextSize: number): number {
  return Math.max(contextSize, Math.min(contextSize * 4, 16384));
}

function defaultWorker(): Worker {
  return new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "wllama-engine" });
}

/** Threads need cross-origin isolation (SharedArrayBuffer); wllama defaults to half the cores. */
function availableThreads(): number {
  if (typeof crossOriginIsolated !== "undefined" && !crossOriginIsolated) return 1;
  return Math.max(1, navigator.hardwareConcurrency || 1);
}
