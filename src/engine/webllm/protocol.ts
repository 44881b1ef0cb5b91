/**
 * Our own messages between the main thread (runtime.ts) and the WebLLM worker
 * (worker.ts → workerHandler.ts). WebLLM's `WebWorkerMLCEngine` ↔
 * `WebWorkerMLCEngineHandler` carry all of WebLLM's messages ({ kind, uuid,
 * content }); ours share the same port and are told apart by
 * `channel: "refinery"`, which WebLLM never sends. Every request carries an
 * `id`; every reply names the request it answers. Only structured-cloneable
 * data crosses: strings, numbers, plain records (a `GenerationResult`, a
 * `SelfTestReport` and a `BatchSupport` are plain records).
 *
 * Most requests get exactly one reply. Two get a stream:
 *  - `generate-batched` (N requests sharing one prompt, decoded in one batch):
 *    `seq-start` / `seq-delta` / `seq-done` / `seq-error` per candidate, then one
 *    terminal reply: `generate-done`, or `batched-unavailable` (batching is not
 *    possible or failed part-way; it carries each candidate's text so far and the
 *    results of those that finished, so the client can go on sequentially), or
 *    `error` (the model is gone).
 *  - `self-test`: one `self-test-report` (or `error`).
 * `{ type: "abort", id }` names the `id` of a running generate-batched or
 * self-test and gets no reply of its own; the run ends with its usual replies.
 */
import type { ChatMessage, GenerationRequest, GenerationResult } from "../../gsr/types";
import type { SerializedError } from "../errors";
import type { BatchedPhase, BatchSupport, SelfTestReport } from "./batched";

export const CHANNEL = "refinery" as const;

/** `GPUAdapter.info` as plain data: what `deviceKey` (batched/selftest.ts) names a GPU by. */
export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

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
  /** The adapter the worker's WebGPU uses (WebLLM asks for "high-performance" too); null when unknown. */
  adapter: GpuAdapterSummary | null;
}

/** One candidate when batched decoding gave up. Its deltas and, if it finished, its seq-done already crossed. */
export interface BatchedPartial {
  index: number;
  /** The text streamed so far. */
  text: string;
  /** Output tokens committed so far. */
  tokens: number;
  /** Set when the candidate finished before the failure. */
  result: GenerationResult | null;
}

/** "support": `checkBatchSupport` said no for this request, before any GPU work. */
export type BatchedUnavailablePhase = BatchedPhase | "support";

export interface SelfTestParams {
  /** Candidates in the test batch (default 4). */
  n?: number;
  /** New tokens for the longest candidate (default 32). */
  maxTokens?: number;
}

export type RefineryRequest =
  | { channel: typeof CHANNEL; type: "model-info"; id: number; modelId: string }
  | { channel: typeof CHANNEL; type: "count-tokens"; id: number; modelId: string; messages: ChatMessage[] }
  | { channel: typeof CHANNEL; type: "check-batch"; id: number; modelId: string; n: number }
  | { channel: typeof CHANNEL; type: "generate-batched"; id: number; modelId: string; requests: GenerationRequest[] }
  | ({ channel: typeof CHANNEL; type: "self-test"; id: number; modelId: string } & SelfTestParams)
  | { channel: typeof CHANNEL; type: "abort"; id: number };

export type RefineryReply =
  | { channel: typeof CHANNEL; type: "model-info"; id: number; info: WorkerModelInfo }
  | { channel: typeof CHANNEL; type: "token-count"; id: number; count: number; exact: boolean }
  | { channel: typeof CHANNEL; type: "batch-support"; id: number; support: BatchSupport; maxBatchSize: number | null }
  | { channel: typeof CHANNEL; type: "seq-start"; id: number; index: number }
  | { channel: typeof CHANNEL; type: "seq-delta"; id: number; index: number; delta: string }
  | { channel: typeof CHANNEL; type: "seq-done"; id: number; index: number; result: GenerationResult }
  | { channel: typeof CHANNEL; type: "seq-error"; id: number; index: number; error: SerializedError }
  | { channel: typeof CHANNEL; type: "generate-done"; id: number }
  | {
      channel: typeof CHANNEL;
      type: "batched-unavailable";
      id: number;
      phase: BatchedUnavailablePhase;
      /** One line: why. */
      reason: string;
      partial: BatchedPartial[];
    }
  | { channel: typeof CHANNEL; type: "self-test-report"; id: number; report: SelfTestReport }
  | { channel: typeof CHANNEL; type: "error"; id: number; error: SerializedError };

export function isRefineryMessage(data: unknown): data is RefineryRequest | RefineryReply {
  return typeof data === "object" && data !== null && (data as { channel?: unknown }).channel === CHANNEL;
}
