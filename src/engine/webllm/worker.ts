/// <reference lib="webworker" />
/**
 * The WebLLM worker. WebLLM's own `WebWorkerMLCEngineHandler` owns the
 * MLCEngine and carries all of WebLLM's messages (reload, chat completions,
 * streaming chunks, interrupt, unload, progress). Our few extra operations
 * (protocol.ts, `channel: "refinery"`) are answered here, before delegating,
 * from the loaded pipeline: `handler.engine.loadedModelIdToPipeline` and
 * `loadedModelIdToChatConfig` are private in WebLLM's typings but plain
 * fields at run time (pinned 0.2.86). The batched-decoding request described
 * in protocol.ts is dispatched from the same switch.
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { serializeError } from "../errors";
import { CHANNEL, isRefineryMessage, type RefineryReply, type RefineryRequest, type WorkerModelInfo } from "./protocol";
import { countPromptTokens, type PipelineInternals } from "./tokenCount";

declare const self: DedicatedWorkerGlobalScope;

interface EngineInternals {
  loadedModelIdToPipeline: Map<string, PipelineInternals>;
  loadedModelIdToChatConfig: Map<string, Record<string, unknown>>;
}

const handler = new WebWorkerMLCEngineHandler();
const engine = handler.engine as unknown as EngineInternals;

function reply(message: RefineryReply): void {
  self.postMessage(message);
}

function requirePipeline(modelId: string): PipelineInternals {
  const pipeline = engine.loadedModelIdToPipeline.get(modelId);
  if (!pipeline) throw Object.assign(new Error(`${modelId} is not loaded.`), { name: "ModelNotLoadedError" });
  return pipeline;
}

function modelInfo(modelId: string): WorkerModelInfo {
  requirePipeline(modelId);
  const config = engine.loadedModelIdToChatConfig.get(modelId) ?? {};
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null);
  const contextWindow = num(config.context_window_size);
  const slidingWindow = num(config.sliding_window_size);
  const template = config.conv_template as { name?: unknown } | undefined;
  return {
    modelId,
    contextWindow: contextWindow ?? slidingWindow ?? 0,
    slidingWindow: contextWindow === null && slidingWindow !== null,
    prefillChunkSize: num(config.prefill_chunk_size),
    vocabSize: num(config.vocab_size),
    convTemplate: typeof template?.name === "string" ? template.name : null,
  };
}

function handle(request: RefineryRequest): void {
  try {
    switch (request.type) {
      case "model-info":
        reply({ channel: CHANNEL, type: "model-info", id: request.id, info: modelInfo(request.modelId) });
        break;
      case "count-tokens": {
        // Tokenising is plain JS on the CPU: safe beside a running generation.
        const { count, exact } = countPromptTokens(requirePipeline(request.modelId), request.messages);
        reply({ channel: CHANNEL, type: "token-count", id: request.id, count, exact });
        break;
      }
      default: {
        const unhandled: never = request;
        throw new Error(`Unknown request ${JSON.stringify(unhandled)}`);
      }
    }
  } catch (error) {
    reply({ channel: CHANNEL, type: "error", id: request.id, error: serializeError(error) });
  }
}

self.onmessage = (event: MessageEvent<unknown>) => {
  if (isRefineryMessage(event.data)) handle(event.data as RefineryRequest);
  else handler.onmessage(event);
};
