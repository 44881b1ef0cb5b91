/**
 * The main-thread end of the WebLLM worker: WebLLM's `WebWorkerMLCEngine`
 * for WebLLM's own operations, plus our side channel (protocol.ts) for token
 * counting, model info, batched decoding and its self-test. The client
 * (client.ts) sees only `WebLlmRuntime`, so unit tests give it a fake with the
 * same method signatures, or wire `createRefineryChannel` straight to
 * workerHandler.ts in the same thread.
 *
 * WebWorkerMLCEngine sets `onmessage` on the object it is given; we give it a
 * small port that forwards its posts to the real worker and receives only the
 * messages that are not ours.
 */
import type {
  AppConfig,
  ChatCompletionChunk,
  ChatCompletionRequestStreaming,
  ChatOptions,
  InitProgressCallback,
} from "@mlc-ai/web-llm";
import type { ChatMessage, GenerationCallbacks, GenerationRequest } from "../../gsr/types";
import { EngineError } from "../errors";
import type { BatchSupport, SelfTestReport } from "./batched";
import {
  CHANNEL,
  isRefineryMessage,
  type BatchedPartial,
  type BatchedUnavailablePhase,
  type RefineryReply,
  type RefineryRequest,
  type SelfTestParams,
  type WorkerModelInfo,
} from "./protocol";
import type { TokenCount } from "./tokenCount";

/** The subset of WebLLM's `WebWorkerMLCEngine` the client uses, with its real signatures. */
export interface WebLlmEngineHandle {
  reload(modelId: string, chatOpts?: ChatOptions): Promise<void>;
  unload(): Promise<void>;
  interruptGenerate(): void;
  setAppConfig(appConfig: AppConfig): void;
  setInitProgressCallback(callback: InitProgressCallback): void;
  chat: {
    completions: {
      create(request: ChatCompletionRequestStreaming): Promise<AsyncIterable<ChatCompletionChunk>>;
    };
  };
}

/** How a batched run ended: all candidates finished (or were aborted), or batching gave up part-way. */
export type BatchedOutcome =
  | { kind: "done" }
  | { kind: "unavailable"; phase: BatchedUnavailablePhase; reason: string; partial: BatchedPartial[] };

export interface BatchSupportInfo {
  support: BatchSupport;
  /** The model library's `max_batch_size`, when batching is supported. */
  maxBatchSize: number | null;
}

/** Our side-channel operations, answered by workerHandler.ts. */
export interface RefineryApi {
  modelInfo(modelId: string): Promise<WorkerModelInfo>;
  countTokens(modelId: string, messages: ChatMessage[]): Promise<TokenCount>;
  /** Cheap: whether the loaded model can decode `n` sequences in one batch. */
  checkBatchSupport(modelId: string, n: number): Promise<BatchSupportInfo>;
  /**
   * Decodes requests sharing one prompt in one batch, streaming to `callbacks`.
   * Aborting ends every candidate with finishReason "aborted" (through onDone);
   * rejects only when the worker answers with an error (e.g. the model is gone) or dies.
   */
  generateBatched(modelId: string, requests: GenerationRequest[], callbacks: GenerationCallbacks, signal: AbortSignal): Promise<BatchedOutcome>;
  /** Greedy batched vs sequential tokens on this GPU, with both timings. */
  runSelfTest(modelId: string, params: SelfTestParams, signal: AbortSignal): Promise<SelfTestReport>;
}

export interface WebLlmRuntime extends RefineryApi {
  engine: WebLlmEngineHandle;
  /** Never resolves; rejects once the worker has died. Race long waits against it. */
  readonly crashed: Promise<never>;
  terminate(): void;
}

export type WebLlmRuntimeFactory = () => Promise<WebLlmRuntime>;

/** A request without the fields the channel fills in. */
type RequestBody = RefineryRequest extends infer R ? (R extends RefineryRequest ? Omit<R, "channel" | "id"> : never) : never;

/** The main-thread half of the side channel: hand it replies, it resolves the waits. */
export interface RefineryChannel extends RefineryApi {
  /** A reply from the worker. Replies to requests no longer waited for are dropped. */
  receive(reply: RefineryReply): void;
  /** Fails every wait in flight (the worker died or was ended). */
  failAll(error: Error): void;
}

/**
 * Our side channel over any transport: `post` sends a request to the worker
 * (`worker.postMessage`, or workerHandler.ts directly in tests); the transport
 * hands the worker's replies to `receive`.
 */
export function createRefineryChannel(post: (request: RefineryRequest) => void): RefineryChannel {
  let nextId = 1;
  /** Per request: handles each reply; returns true when it was the last one. */
  const listeners = new Map<number, { onReply(reply: RefineryReply): boolean; fail(error: Error): void }>();

  const send = (request: RequestBody, onReply: (reply: RefineryReply) => boolean, fail: (error: Error) => void): number => {
    const id = nextId++;
    listeners.set(id, { onReply, fail });
    post({ ...request, channel: CHANNEL, id } as RefineryRequest);
    return id;
  };
  const unexpected = (reply: RefineryReply) =>
    new EngineError(reply.type === "error" ? reply.error : { name: "Error", message: `Unexpected reply ${reply.type}` });
  /** One request, one reply. */
  const ask = <T>(request: RequestBody, read: (reply: RefineryReply) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      send(
        request,
        (reply) => {
          const value = read(reply);
          if (value === undefined) reject(unexpected(reply));
          else resolve(value);
          return true;
        },
        reject,
      );
    });
  /**
   * A request with several replies that the caller may abort: `{ type: "abort", id }`
   * names it, and the worker then ends it with its usual replies. `onReply` returns
   * true for the last reply.
   */
  const stream = <T>(
    request: RequestBody,
    signal: AbortSignal,
    onReply: (reply: RefineryReply, resolve: (value: T) => void, reject: (error: Error) => void) => boolean,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let id: number | null = null;
      const onAbort = () => {
        if (id !== null) post({ channel: CHANNEL, type: "abort", id });
      };
      const detach = () => signal.removeEventListener("abort", onAbort);
      signal.addEventListener("abort", onAbort, { once: true });
      id = send(
        request,
        (reply) => {
          const last = onReply(reply, resolve, reject);
          if (last) detach();
          return last;
        },
        (error) => {
          detach();
          reject(error);
        },
      );
      if (signal.aborted) onAbort();
    });

  return {
    receive(reply) {
      const listener = listeners.get(reply.id);
      if (listener?.onReply(reply)) listeners.delete(reply.id);
    },
    failAll(error) {
      const all = [...listeners.values()];
      listeners.clear();
      for (const listener of all) listener.fail(error);
    },
    modelInfo: (modelId) => ask({ type: "model-info", modelId }, (r) => (r.type === "model-info" ? r.info : undefined)),
    countTokens: (modelId, messages) =>
      ask({ type: "count-tokens", modelId, messages }, (r) => (r.type === "token-count" ? { count: r.count, exact: r.exact } : undefined)),
    checkBatchSupport: (modelId, n) =>
      ask({ type: "check-batch", modelId, n }, (r) =>
        r.type === "batch-support" ? { support: r.support, maxBatchSize: r.maxBatchSize } : undefined,
      ),
    generateBatched: (modelId, requests, callbacks, signal) =>
      stream<BatchedOutcome>({ type: "generate-batched", modelId, requests }, signal, (reply, resolve, reject) => {
        switch (reply.type) {
          case "seq-start":
            callbacks.onStart?.(reply.index);
            return false;
          case "seq-delta":
            callbacks.onDelta(reply.index, reply.delta);
            return false;
          case "seq-done":
            callbacks.onDone(reply.index, reply.result);
            return false;
          case "seq-error":
            callbacks.onError(reply.index, new EngineError(reply.error));
            return false;
          case "generate-done":
            resolve({ kind: "done" });
            return true;
          case "batched-unavailable":
            resolve({ kind: "unavailable", phase: reply.phase, reason: reply.reason, partial: reply.partial });
            return true;
          default:
            reject(unexpected(reply));
            return true;
        }
      }),
    runSelfTest: (modelId, params, signal) =>
      stream<SelfTestReport>({ type: "self-test", modelId, ...params }, signal, (reply, resolve, reject) => {
        if (reply.type === "self-test-report") resolve(reply.report);
        else reject(unexpected(reply));
        return true;
      }),
  };
}

function defaultWorker(): Worker {
  return new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "webllm-engine" });
}

export async function createWorkerRuntime(createWorker: () => Worker = defaultWorker): Promise<WebLlmRuntime> {
  // Loaded on first use only: the package is large and the wllama path never needs it.
  const { WebWorkerMLCEngine } = await import("@mlc-ai/web-llm");
  const worker = createWorker();
  const port: { onmessage: ((event: MessageEvent) => void) | null; postMessage(message: unknown): void } = {
    onmessage: null,
    postMessage: (message) => worker.postMessage(message),
  };
  const engine = new WebWorkerMLCEngine(port);
  const handle: WebLlmEngineHandle = engine; // checks that our narrow interface matches WebLLM's class

  const channel = createRefineryChannel((request) => worker.postMessage(request));
  let rejectCrashed: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (rejectCrashed = reject));
  crashed.catch(() => {}); // observed by whoever races it

  worker.onmessage = (event: MessageEvent<unknown>) => {
    if (isRefineryMessage(event.data)) {
      channel.receive(event.data as RefineryReply);
      return;
    }
    try {
      port.onmessage?.(event);
    } catch (error) {
      // WebWorkerMLCEngine throws on replies to requests it has forgotten (after a crash or unload).
      console.warn("WebLLM worker message ignored:", error);
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new EngineError({ name: "WorkerCrashedError", message: `The WebLLM worker crashed: ${event.message || "unknown error"}` });
    channel.failAll(error);
    rejectCrashed(error);
  };

  return {
    engine: handle,
    crashed,
    modelInfo: channel.modelInfo,
    countTokens: channel.countTokens,
    checkBatchSupport: channel.checkBatchSupport,
    generateBatched: channel.generateBatched,
    runSelfTest: channel.runSelfTest,
    terminate() {
      worker.terminate();
      channel.failAll(new EngineError({ name: "AbortError", message: "The WebLLM engine was disposed." }));
    },
  };
}
