/// <reference lib="webworker" />
/**
 * The WebLLM worker. WebLLM's own `WebWorkerMLCEngineHandler` owns the
 * MLCEngine and carries all of WebLLM's messages (reload, chat completions,
 * streaming chunks, interrupt, unload, progress). Our extra operations
 * (protocol.ts, `channel: "refinery"`: model info, token counts, batched
 * decoding, its self-test) are answered by workerHandler.ts from the same
 * engine's loaded pipelines, before anything is delegated.
 */
import { WebWorkerMLCEngineHandler } from "@mlc-ai/web-llm";
import { isRefineryMessage, type GpuAdapterSummary, type RefineryRequest } from "./protocol";
import { createRefineryHandler, type WebLlmEngineInternals } from "./workerHandler";

declare const self: DedicatedWorkerGlobalScope;

const handler = new WebWorkerMLCEngineHandler();

/** The adapter WebLLM's `detectGPUDevice` picks (same power preference); its info names the GPU. */
async function adapterInfo(): Promise<GpuAdapterSummary | null> {
  const adapter = await self.navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
  const info = adapter?.info;
  if (!info) return null;
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

const refinery = createRefineryHandler({
  engine: handler.engine as unknown as WebLlmEngineInternals,
  reply: (message) => self.postMessage(message),
  now: () => performance.now(),
  adapterInfo,
});

self.onmessage = (event: MessageEvent<unknown>) => {
  if (isRefineryMessage(event.data)) void refinery.handle(event.data as RefineryRequest);
  else handler.onmessage(event);
};
