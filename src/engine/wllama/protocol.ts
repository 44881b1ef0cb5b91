/**
 * Messages between the main thread (client.ts) and the wllama worker (worker.ts).
 * Every request carries an `id`; every reply names the request it answers.
 * Only structured-cloneable data crosses: strings, numbers, Blobs, plain records.
 */
import type { ChatMessage, GenerationRequest, GenerationResult } from "../../gsr/types";
import type { SerializedError } from "../errors";
import type { LoadedModelInfo, LoadProgress } from "../types";

export interface WllamaLoadParams {
  /** Longest sequence allowed (prompt + output), in tokens. */
  contextSize: number;
  /**
   * Tokens of KV cache shared by all slots (llama.cpp's unified KV cache): the N
   * candidates together must fit in it, each one in contextSize.
   */
  kvPoolSize: number;
  parallelSlots: number;
  threads: number;
}

export type WorkerRequest =
  | { type: "load"; id: number; source: { url: string } | { blob: Blob }; name: string; params: WllamaLoadParams }
  | { type: "generate"; id: number; requests: GenerationRequest[] }
  | { type: "count-tokens"; id: number; messages: ChatMessage[] }
  /** Cancels the request `id` (a load or a generate). */
  | { type: "abort"; id: number }
  | { type: "unload"; id: number };

export type WorkerReply =
  | { type: "progress"; id: number; progress: LoadProgress }
  | { type: "loaded"; id: number; info: LoadedModelInfo }
  | { type: "seq-start"; id: number; index: number }
  /** Text of one or more tokens; the worker coalesces tokens that arrive together. */
  | { type: "seq-delta"; id: number; index: number; delta: string }
  | { type: "seq-done"; id: number; index: number; result: GenerationResult }
  | { type: "seq-error"; id: number; index: number; error: SerializedError }
  | { type: "generate-done"; id: number }
  | { type: "token-count"; id: number; count: number }
  | { type: "unloaded"; id: number }
  | { type: "error"; id: number; error: SerializedError };
