/**
 * The main-thread end of the WebLLM worker: WebLLM's `WebWorkerMLCEngine`
 * for WebLLM's own operations, plus our side channel (protocol.ts) for token
 * counting and model info. The client (client.ts) sees only `WebLlmRuntime`,
 * so unit tests give it a fake with the same method signatures.
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
import type { ChatMessage } from "../../gsr/types";
import { EngineError } from "../errors";
import { CHANNEL, isRefineryMessage, type RefineryReply, type RefineryRequest, type WorkerModelInfo } from "./protocol";
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

export interface WebLlmRuntime {
  engine: WebLlmEngineHandle;
  modelInfo(modelId: string): Promise<WorkerModelInfo>;
  countTokens(modelId: string, messages: ChatMessage[]): Promise<TokenCount>;
  /** Never resolves; rejects once the worker has died. Race long waits against it. */
  readonly crashed: Promise<never>;
  terminate(): void;
}

export type WebLlmRuntimeFactory = () => Promise<WebLlmRuntime>;

/** A request without the fields `ask` fills in. */
type RequestBody = RefineryRequest extends infer R ? (R extends RefineryRequest ? Omit<R, "channel" | "id"> : never) : never;

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

  let nextId = 1;
  const pending = new Map<number, { resolve(reply: RefineryReply): void; reject(error: Error): void }>();
  let rejectCrashed: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (rejectCrashed = reject));
  crashed.catch(() => {}); // observed by whoever races it

  worker.onmessage = (event: MessageEvent<unknown>) => {
    if (isRefineryMessage(event.data)) {
      const reply = event.data as RefineryReply;
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      waiter?.resolve(reply);
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
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    rejectCrashed(error);
  };

  const ask = (request: RequestBody): Promise<RefineryReply> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, channel: CHANNEL, id } as RefineryRequest);
    });

  return {
    engine: handle,
    crashed,
    async modelInfo(modelId) {
      const reply = await ask({ type: "model-info", modelId });
      if (reply.type === "model-info") return reply.info;
      throw new EngineError(reply.type === "error" ? reply.error : { name: "Error", message: `Unexpected reply ${reply.type}` });
    },
    async countTokens(modelId, messages) {
      const reply = await ask({ type: "count-tokens", modelId, messages });
      if (reply.type === "token-count") return { count: reply.count, exact: reply.exact };
      throw new EngineError(reply.type === "error" ? reply.error : { name: "Error", message: `Unexpected reply ${reply.type}` });
    },
    terminate() {
      worker.terminate();
      const error = new EngineError({ name: "AbortError", message: "The WebLLM engine was disposed." });
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    },
  };
}
