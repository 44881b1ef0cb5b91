import { describe, expect, it, vi } from "vitest";
import type { GenerationRequest } from "../../gsr/types";
import { FakePipeline, hashModel, scriptedModel } from "./batched/testing/fakeTvm";
import { fakeEngineInternals } from "./testing/fakeWorker";
import { CHANNEL, type GpuAdapterSummary, type RefineryReply, type RefineryRequest } from "./protocol";
import { createRefineryHandler } from "./workerHandler";

const MODEL = "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC";
const ADAPTER: GpuAdapterSummary = { vendor: "nvidia", architecture: "ampere", device: "", description: "RTX 3060" };

type Body = RefineryRequest extends infer R ? (R extends RefineryRequest ? Omit<R, "channel"> : never) : never;
const request = (body: Body) => ({ ...body, channel: CHANNEL }) as RefineryRequest;

function candidates(n: number, maxTokens: (i: number) => number = () => 20): GenerationRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    messages: [{ role: "user" as const, content: "What is 6 × 7?" }],
    sampling: { temperature: 0.7, topP: 0.95, maxTokens: maxTokens(i), seed: 10 + i },
  }));
}

function setup(pipeline: unknown = new FakePipeline({ model: hashModel() })) {
  const engine = fakeEngineInternals(MODEL, pipeline);
  const lock = engine.loadedModelIdToLock.get(MODEL)!;
  const replies: RefineryReply[] = [];
  const adapterInfo = vi.fn(async () => ADAPTER);
  const clock = pipeline instanceof FakePipeline ? () => pipeline.runtime.clock : () => 0;
  // Every reply must survive postMessage's structured clone.
  const handler = createRefineryHandler({ engine, reply: (r) => replies.push(structuredClone(r)), now: clock, adapterInfo });
  const types = () => replies.map((r) => r.type);
  return { engine, lock, replies, handler, adapterInfo, types };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("worker handler: model info and token counts", () => {
  it("reads the chat config and names the GPU adapter, asking the adapter once", async () => {
    const { handler, replies, adapterInfo } = setup();
    await handler.handle(request({ type: "model-info", id: 1, modelId: MODEL }));
    await handler.handle(request({ type: "model-info", id: 2, modelId: MODEL }));
    expect(replies[0]).toEqual({
      channel: CHANNEL,
      type: "model-info",
      id: 1,
      info: { modelId: MODEL, contextWindow: 4096, slidingWindow: false, prefillChunkSize: 1024, vocabSize: 151936, convTemplate: "qwen2", adapter: ADAPTER },
    });
    expect(adapterInfo).toHaveBeenCalledTimes(1);
  });

  it("answers an error, by name, for a model that is not loaded", async () => {
    const { handler, replies } = setup();
    await handler.handle(request({ type: "count-tokens", id: 3, modelId: "other", messages: [] }));
    expect(replies).toEqual([{ channel: CHANNEL, type: "error", id: 3, error: { name: "ModelNotLoadedError", message: "other is not loaded." } }]);
  });
});

describe("worker handler: check-batch", () => {
  it("says yes with the library's max batch size, under the model's lock", async () => {
    const { handler, replies, lock } = setup();
    await handler.handle(request({ type: "check-batch", id: 1, modelId: MODEL, n: 8 }));
    expect(replies).toEqual([{ channel: CHANNEL, type: "batch-support", id: 1, support: { ok: true }, maxBatchSize: 80 }]);
    expect(lock.log).toEqual(["acquire", "release"]);
    expect(lock.acquired).toBe(false);
  });

  it("says no, with the reason, for a pipeline without the internals batching needs", async () => {
    const { handler, replies } = setup({ tokenizer: {} });
    await handler.handle(request({ type: "check-batch", id: 1, modelId: MODEL, n: 4 }));
    expect(replies[0]).toMatchObject({ type: "batch-support", support: { ok: false, reason: expect.stringMatching(/does not expose/) }, maxBatchSize: null });
  });
});

describe("worker handler: generate-batched", () => {
  it("streams seq-* replies and ends with generate-done, holding the model's lock throughout", async () => {
    const fake = new FakePipeline({ model: hashModel({ stopAfter: 6 }) });
    const { handler, replies, lock, types } = setup(fake);
    const lockedAtEachStep: boolean[] = [];
    fake.runtime.onSync = () => lockedAtEachStep.push(lock.acquired);
    await handler.handle(request({ type: "generate-batched", id: 7, modelId: MODEL, requests: candidates(3) }));

    expect(types().slice(0, 3)).toEqual(["seq-start", "seq-start", "seq-start"]);
    expect(types().at(-1)).toBe("generate-done");
    expect(replies.every((r) => r.id === 7)).toBe(true);
    const done = replies.filter((r) => r.type === "seq-done");
    expect(done.map((r) => r.index).sort()).toEqual([0, 1, 2]);
    for (const d of done) {
      const text = replies.filter((r) => r.type === "seq-delta" && r.index === d.index).map((r) => (r.type === "seq-delta" ? r.delta : "")).join("");
      expect(d.result).toMatchObject({ text, tokens: 6, finishReason: "stop" });
    }
    expect(lockedAtEachStep.length).toBeGreaterThan(3);
    expect(lockedAtEachStep.every(Boolean)).toBe(true);
    expect(lock.log).toEqual(["acquire", "release"]);
    expect(lock.acquired).toBe(false);
    expect(fake.runtime.liveObjects()).toEqual([]);
    expect(handler.running()).toEqual([]);
  });

  it("waits for a WebLLM generation that holds the lock, then runs", async () => {
    const fake = new FakePipeline({ model: hashModel({ stopAfter: 3 }) });
    const { handler, lock, types } = setup(fake);
    await lock.acquire(); // a chat completion is running
    const running = handler.handle(request({ type: "generate-batched", id: 1, modelId: MODEL, requests: candidates(2) }));
    await tick();
    expect(types()).toEqual([]);
    expect(fake.kvCaches).toHaveLength(0);
    expect(lock.waiting).toBe(1);
    await lock.release(); // the chat completion ends
    await running;
    expect(types().at(-1)).toBe("generate-done");
    expect(lock.acquired).toBe(false);
  });

  it("answers batched-unavailable with each candidate's text and finished results when a step fails, and releases the lock", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    fake.runtime.failOn("batch_decode", 4, new Error("GPU device lost"));
    const { handler, replies, lock, types } = setup(fake);
    await handler.handle(request({ type: "generate-batched", id: 2, modelId: MODEL, requests: candidates(3, (i) => (i === 0 ? 2 : 50)) }));

    const last = replies.at(-1)!;
    expect(last.type).toBe("batched-unavailable");
    if (last.type !== "batched-unavailable") return;
    expect(last.phase).toBe("decode");
    expect(last.reason).toMatch(/^Batched decoding failed during decode: GPU device lost/);
    const streamed = (index: number) =>
      replies.filter((r) => r.type === "seq-delta" && r.index === index).map((r) => (r.type === "seq-delta" ? r.delta : "")).join("");
    expect(last.partial.map((p) => p.text)).toEqual([streamed(0), streamed(1), streamed(2)]);
    expect(last.partial.map((p) => p.tokens)).toEqual([2, 4, 4]);
    const done0 = replies.find((r) => r.type === "seq-done");
    expect(done0).toMatchObject({ index: 0 });
    expect(last.partial[0]?.result).toEqual(done0?.type === "seq-done" ? done0.result : null);
    expect(last.partial[1]?.result).toBeNull();
    expect(types()).not.toContain("generate-done");
    expect(types()).not.toContain("error");
    expect(lock.log).toEqual(["acquire", "release"]);
    expect(lock.acquired).toBe(false);
  });

  it("answers batched-unavailable before touching the lock or the GPU when the library cannot batch N", async () => {
    const fake = new FakePipeline({ maxBatchSize: 3 });
    const { handler, replies, lock } = setup(fake);
    await handler.handle(request({ type: "generate-batched", id: 3, modelId: MODEL, requests: candidates(4) }));
    expect(replies).toEqual([
      {
        channel: CHANNEL,
        type: "batched-unavailable",
        id: 3,
        phase: "support",
        reason: "The model library was compiled for batches of at most 3; 4 candidates need 5.",
        partial: [],
      },
    ]);
    expect(lock.log).toEqual([]);
    expect(fake.kvCaches).toHaveLength(0);
  });

  it("stops on abort: every candidate ends as aborted, then generate-done", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    const { handler, replies, lock } = setup(fake);
    fake.runtime.onSync = (n) => {
      if (n === 3) void handler.handle(request({ type: "abort", id: 4 }));
    };
    await handler.handle(request({ type: "generate-batched", id: 4, modelId: MODEL, requests: candidates(3, () => 50) }));
    const done = replies.filter((r) => r.type === "seq-done");
    expect(done.map((r) => (r.type === "seq-done" ? r.result.finishReason : null))).toEqual(["aborted", "aborted", "aborted"]);
    expect(replies.at(-1)?.type).toBe("generate-done");
    expect(lock.acquired).toBe(false);
    // An abort for a run that has ended is ignored.
    await handler.handle(request({ type: "abort", id: 4 }));
    expect(replies.at(-1)?.type).toBe("generate-done");
  });

  it("fails with ModelNotLoadedError when the model is unloaded while the run waits for the lock", async () => {
    const { handler, replies, lock, engine } = setup();
    await lock.acquire();
    const running = handler.handle(request({ type: "generate-batched", id: 5, modelId: MODEL, requests: candidates(2) }));
    await tick();
    engine.unload();
    await lock.release();
    await running;
    expect(replies).toEqual([{ channel: CHANNEL, type: "error", id: 5, error: { name: "ModelNotLoadedError", message: `${MODEL} is not loaded.` } }]);
    expect(lock.acquired).toBe(false);
  });
});

describe("worker handler: self-test", () => {
  it("reports both timings, the speedup and the verdict, holding the lock", async () => {
    const fake = new FakePipeline({ model: hashModel(), cost: { prefill: () => 20, decode: (b) => 10 + b } });
    const { handler, replies, lock } = setup(fake);
    const locked: boolean[] = [];
    fake.runtime.onSync = () => locked.push(lock.acquired);
    await handler.handle(request({ type: "self-test", id: 9, modelId: MODEL, maxTokens: 16 }));
    const reply = replies[0];
    expect(reply?.type).toBe("self-test-report");
    if (reply?.type !== "self-test-report") return;
    expect(reply.report).toMatchObject({ verdict: "pass", n: 4, mismatch: null });
    expect(reply.report.batchedMs).toBeGreaterThan(0);
    expect(reply.report.sequentialMs).toBeGreaterThan(reply.report.batchedMs);
    expect(reply.report.speedup).toBeCloseTo(reply.report.sequentialMs / reply.report.batchedMs);
    expect(locked.every(Boolean)).toBe(true);
    expect(lock.log).toEqual(["acquire", "release"]);
  });

  it("reports the first mismatch when batched rows come back wrong", async () => {
    const fake = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { handler, replies } = setup(fake);
    await handler.handle(request({ type: "self-test", id: 1, modelId: MODEL }));
    expect(replies[0]).toMatchObject({ type: "self-test-report", report: { verdict: "fail", mismatch: { candidate: 0 } } });
  });

  it("can be aborted: the report says it did not finish", async () => {
    const fake = new FakePipeline({ model: scriptedModel(Array.from({ length: 60 }, () => 97)) });
    const { handler, replies, lock } = setup(fake);
    fake.runtime.onSync = (n) => {
      if (n === 2) void handler.handle(request({ type: "abort", id: 6 }));
    };
    await handler.handle(request({ type: "self-test", id: 6, modelId: MODEL, maxTokens: 40 }));
    expect(replies[0]).toMatchObject({ type: "self-test-report", report: { verdict: "error" } });
    expect(lock.acquired).toBe(false);
  });

  it("says unsupported for a pipeline without WebLLM's single-sequence steps", async () => {
    const fake = new FakePipeline();
    const { handler, replies, lock } = setup(Object.assign(fake, { prefillStep: undefined }));
    await handler.handle(request({ type: "self-test", id: 1, modelId: MODEL }));
    expect(replies[0]).toMatchObject({ type: "self-test-report", report: { verdict: "unsupported", reason: expect.stringMatching(/single-sequence/) } });
    expect(lock.log).toEqual([]);
  });
});
