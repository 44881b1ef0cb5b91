/**
 * TEST ONLY. The worker side of our side channel, in the test's own thread:
 * WebLLM's engine internals as workerHandler.ts reads them (a pipeline, a chat
 * config and a lock per model), and a channel wired to the handler. Messages
 * cross as structured clones on a microtask, the way postMessage copies them
 * (later), so a non-cloneable reply fails here as it would in the browser.
 */
import type { RefineryReply, RefineryRequest } from "../protocol";
import { createRefineryChannel, type RefineryChannel } from "../runtime";
import {
  createRefineryHandler,
  type ModelLock,
  type RefineryHandler,
  type RefineryHandlerDeps,
  type WebLlmEngineInternals,
} from "../workerHandler";

/** WebLLM's `CustomLock` (lib/index.js l. 11509), with a log. */
export class FakeModelLock implements ModelLock {
  acquired = false;
  readonly log: string[] = [];
  private readonly queue: Array<() => void> = [];

  get waiting(): number {
    return this.queue.length;
  }

  async acquire(): Promise<void> {
    this.log.push("acquire");
    if (!this.acquired) {
      this.acquired = true;
      return;
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  async release(): Promise<void> {
    this.log.push("release");
    if (!this.acquired) throw Error("InternalError: expect lock is acquired upon release()");
    const next = this.queue.shift();
    if (next) next();
    else this.acquired = false;
  }
}

export interface FakeEngineInternals extends WebLlmEngineInternals {
  loadedModelIdToLock: Map<string, FakeModelLock>;
  /** Drops the model as WebLLM's `unload()` does (l. 18345). */
  unload(): void;
}

/** One loaded model, as `MLCEngine.reload` leaves it. */
export function fakeEngineInternals(
  modelId: string,
  pipeline: unknown,
  chatConfig: Record<string, unknown> = { context_window_size: 4096, prefill_chunk_size: 1024, vocab_size: 151936, conv_template: { name: "qwen2" } },
): FakeEngineInternals {
  const internals: FakeEngineInternals = {
    loadedModelIdToPipeline: new Map([[modelId, pipeline]]),
    loadedModelIdToChatConfig: new Map([[modelId, chatConfig]]),
    loadedModelIdToLock: new Map([[modelId, new FakeModelLock()]]),
    unload() {
      internals.loadedModelIdToPipeline.clear();
      internals.loadedModelIdToChatConfig.clear();
      internals.loadedModelIdToLock.clear();
    },
  };
  return internals;
}

export interface InProcessChannel {
  channel: RefineryChannel;
  handler: RefineryHandler;
  /** Every request and reply that crossed, in order. */
  requests: RefineryRequest[];
  replies: RefineryReply[];
}

export function inProcessChannel(deps: Omit<RefineryHandlerDeps, "reply">): InProcessChannel {
  const requests: RefineryRequest[] = [];
  const replies: RefineryReply[] = [];
  let channel: RefineryChannel | null = null;
  const handler = createRefineryHandler({
    ...deps,
    reply: (reply) => {
      const copy = structuredClone(reply);
      replies.push(copy);
      queueMicrotask(() => channel?.receive(copy));
    },
  });
  channel = createRefineryChannel((request) => {
    const copy = structuredClone(request);
    requests.push(copy);
    queueMicrotask(() => void handler.handle(copy));
  });
  return { channel, handler, requests, replies };
}
