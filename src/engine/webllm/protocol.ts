/**
 * Our own messages between the main thread (runtime.ts) and the WebLLM worker
 * (worker.ts). WebLLM's `WebWorkerMLCEngine` ↔ `WebWorkerMLCEngineHandler`
 * carry all of WebLLM's messages ({ kind, uuid, content }); ours share the
 * same port and are told apart by `channel: "refinery"`, which WebLLM never
 * sends. Every request carries an `id`; every reply names the request it
 * answers. Only structured-cloneable data crosses: strings, numbers, plain records.
 *
 * Batched decoding plugs in here: a request
 *   { channel, type: "generate-batched", id, modelId, requests: GenerationRequest[] }
 * answered by per-sequence replies shaped like wllama's protocol
 *   seq-start / seq-delta / seq-done / seq-error, then generate-done (or an
 *   "error" reply with name "BatchedUnavailable" so the client falls back to
 *   sequential generation), and { type: "abort", id } to stop it.
 * worker.ts would call `runBatched(pipeline, requests, callbacks, signal)` from
 * ../webllm/batched/ with the pipeline it already looks up for count-tokens.
 */
import type { ChatMessage } from "../../gsr/types";
import type { SerializedError } from "../errors";

export const CHANNEL = "refinery" as const;

/** What the worker reads from the loaded pipeline and chat config after a load. */
export interface WorkerModelInfo {
  modelId: string;
  /** Tokens per sequence (context_window_size); for a sliding-window model, its window. */
  contextWindow: number;
  slidingWindow: boolean;
  prefillChunkSize: number | null;
  vocabSize: number | null;
  /** The conversation template's name in mlc-chat-config.json, e.g. "qwen2", "chatml". */
  convTemplate: string | null;
}

export type RefineryRequest =
  | { channel: typeof CHANNEL; type: "model-info"; id: number; modelId: string }
  | { channel: typeof CHANNEL; type: "count-tokens"; id: number; modelId: string; messages: ChatMessage[] };

export type RefineryReply =
  | { channel: typeof CHANNEL; type: "model-info"; id: number; info: WorkerModelInfo }
  | { channel: typeof CHANNEL; type: "token-count"; id: number; count: number; exact: boolean }
  | { channel: typeof CHANNEL; type: "error"; id: number; error: SerializedError };

export function isRefineryMessage(data: unknown): data is RefineryRequest | RefineryReply {
  return typeof data === "object" && data !== null && (data as { channel?: unknown }).channel === CHANNEL;
}
