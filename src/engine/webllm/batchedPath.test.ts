/**
 * The batched path and its policy, through `WebLlmEngine` over a batch-capable
 * fake pipeline (batched/testing/fakeTvm.ts) decoded by the real worker handler.
 */
import { describe, expect, it } from "vitest";
import type { GenerationRequest } from "../../gsr/types";
import { createSelfTestStore, memoryStorage, type SelfTestReport } from "./batched";
import { FakePipeline, hashModel, scriptedModel } from "./batched/testing/fakeTvm";
import { GPU, loaded, MATH_ID, recorder, request, setup, source } from "./testing/engineHarness";
import type { FakeEngineInternals } from "./testing/fakeWorker";

function candidates(n: number, maxTokens: (i: number) => number = () => 64): GenerationRequest[] {
  return Array.from({ length: n }, (_, i) => request(10 + i, maxTokens(i)));
}

const text = (events: string[], index: number) =>
  events
    .filter((e) => e.startsWith(`delta ${index} `))
    .map((e) => e.slice(`delta ${index} `.length))
    .join("");

function passReport(): SelfTestReport {
  return { verdict: "pass", reason: "ok", n: 4, batchedMs: 100, sequentialMs: 280, speedup: 2.8, tokens: 90, mismatch: null, sampledMismatch: null };
}

/** A loaded engine over a batch-capable fake pipeline, with a stored verdict for this model and GPU. */
async function batchedSetup(pipeline: FakePipeline, verdict: SelfTestReport["verdict"] | null = "pass") {
  const store = createSelfTestStore(memoryStorage(), () => 1000);
  if (verdict) store.record(MATH_ID, GPU, { ...passReport(), verdict });
  const s = await loaded({ pipeline, store });
  const worker = () => s.runtimes.at(-1)!.state;
  const sent = (type: string) => worker().side.requests.filter((r) => r.type === type).length;
  const lock = () => (worker().internals as FakeEngineInternals).loadedModelIdToLock.get(MATH_ID)!;
  return { ...s, worker, sent, lock };
}

const bytes = (value: string) => Array.from(new TextEncoder().encode(value));

describe("WebLlmEngine batched decoding", () => {
  it("says at load why a model cannot batch, and stays sequential", async () => {
    const { engine, fake } = setup();
    expect(engine.batchStatus()).toEqual({ mode: "sequential", reason: "No model is loaded." });
    await engine.load(source, { contextSize: 4096 }, () => {});
    expect(engine.batchStatus()).toEqual({ mode: "sequential", reason: expect.stringMatching(/does not expose the pipeline internals/) });
    expect(engine.capabilities).toEqual({ kind: "webllm", batchedParallel: false, maxParallel: 1 });
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    const { events, callbacks } = recorder();
    await engine.generateMany(candidates(2), callbacks, new AbortController().signal);
    expect(events).toEqual(["start 0", "delta 0 a", "done 0 stop", "start 1", "delta 1 b", "done 1 stop"]);
  });

  it("decodes candidates that share a prompt in one batch when the model passed its check on this GPU", async () => {
    const pipeline = new FakePipeline({ model: hashModel({ stopAfter: 5 }) });
    const { engine, fake, worker, sent, notices, lock } = await batchedSetup(pipeline);
    expect(engine.batchStatus()).toEqual({ mode: "batched", reason: "Checked on this GPU: 2.8× faster than one at a time." });
    expect(engine.capabilities).toEqual({ kind: "webllm", batchedParallel: true, maxParallel: 79 });

    const { events, results, errors, callbacks } = recorder();
    await engine.generateMany(candidates(3), callbacks, new AbortController().signal);
    expect(events.slice(0, 3)).toEqual(["start 0", "start 1", "start 2"]);
    for (const i of [0, 1, 2]) expect(results.get(i)).toMatchObject({ text: text(events, i), tokens: 5, finishReason: "stop" });
    expect(new Set([0, 1, 2].map((i) => results.get(i)!.text)).size).toBeGreaterThan(1); // own seeds, own texts
    expect(errors.size).toBe(0);
    expect(fake().requests).toEqual([]); // WebLLM's sequential path was not used
    expect(pipeline.kvCaches).toHaveLength(1);
    const batched = worker().side.requests.find((r) => r.type === "generate-batched");
    expect(batched?.type === "generate-batched" && batched.requests.map((r) => r.sampling.seed)).toEqual([10, 11, 12]);
    expect(sent("self-test")).toBe(0);
    expect(lock().log).toEqual(["acquire", "release", "acquire", "release"]); // load-time check, then the run
    expect(lock().acquired).toBe(false);
    expect(notices).toEqual([]);
  });

  it("never batches one request or requests with different prompts", async () => {
    const pipeline = new FakePipeline({ model: hashModel({ stopAfter: 3 }) });
    const { engine, fake, sent } = await batchedSetup(pipeline);
    fake().scripts = [{ tokens: ["x"] }, { tokens: ["y"] }, { tokens: ["z"] }];
    await engine.generate(request(1), () => {}, new AbortController().signal);
    const other = { ...request(3), messages: [{ role: "user" as const, content: "Refine these." }] };
    await engine.generateMany([request(2), other], recorder().callbacks, new AbortController().signal);
    expect(sent("generate-batched")).toBe(0);
    expect(fake().requests.map((r) => r.seed)).toEqual([1, 2, 3]);
  });

  it("checks the GPU once before the first batch, stores the verdict, and says so in one line", async () => {
    const pipeline = new FakePipeline({ model: hashModel({ stopAfter: 4 }) });
    const { engine, store, sent, notices, fake } = await batchedSetup(pipeline, null);
    expect(engine.batchStatus()).toMatchObject({ mode: "batched", reason: expect.stringMatching(/one-time check/) });

    const first = recorder();
    await engine.generateMany(candidates(2), first.callbacks, new AbortController().signal);
    expect(sent("self-test")).toBe(1);
    expect(sent("generate-batched")).toBe(1);
    expect(first.results.get(1)).toMatchObject({ tokens: 4, finishReason: "stop" });
    expect(store.get(MATH_ID, GPU)).toMatchObject({ verdict: "pass", testedAt: 1000 });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^Batched decoding checked on this GPU: same tokens as one at a time, [\d.]+× faster\. Candidates now run in one batch\.$/);

    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("self-test")).toBe(1);
    expect(sent("generate-batched")).toBe(2);
    expect(fake().requests).toEqual([]);
  });

  it("generates sequentially, and says why, when the first check fails; the fail verdict is stored", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { engine, store, sent, notices, fake } = await batchedSetup(pipeline, null);
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    const { events, callbacks } = recorder();
    await engine.generateMany(candidates(2), callbacks, new AbortController().signal);
    expect(events).toEqual(["start 0", "delta 0 a", "done 0 stop", "start 1", "delta 1 b", "done 1 stop"]);
    expect(sent("generate-batched")).toBe(0);
    expect(store.get(MATH_ID, GPU)?.verdict).toBe("fail");
    expect(notices).toEqual([expect.stringMatching(/^Batched decoding failed its check on this GPU \(Batched tokens differ .*\); candidates are generated one at a time\.$/)]);
    expect(engine.batchStatus()).toMatchObject({ mode: "sequential", reason: expect.stringMatching(/failed its check/) });
    expect(engine.capabilities.batchedParallel).toBe(false);
  });

  it("stays sequential, without testing again, when the stored verdict for this model and GPU is a fail", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    const { engine, sent, fake, notices } = await batchedSetup(pipeline, "fail");
    expect(engine.batchStatus().mode).toBe("sequential");
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("self-test") + sent("generate-batched")).toBe(0);
    expect(fake().requests).toHaveLength(2);
    expect(notices).toEqual([]);
  });

  it("falls back mid-run: finished candidates stay done, streamed text is kept and continued, one notice, sequential for the session", async () => {
    const answer = "The answer is 42";
    const pipeline = new FakePipeline({ model: scriptedModel(bytes(answer)) });
    // First token from the prefill, two decode steps, then the third step fails.
    pipeline.runtime.failOn("batch_decode", 3, new Error("GPU device lost"));
    const { engine, fake, sent, notices, store, lock } = await batchedSetup(pipeline);
    fake().scripts = [
      { tokens: ["The", " answer", " is 42"] }, // candidate 1 repeats what the batch had shown, then goes on
      { tokens: ["An", "other", " path"] }, // candidate 2 departs from it
    ];
    const { events, results, errors, callbacks } = recorder();
    await engine.generateMany(
      candidates(3, (i) => (i === 0 ? 2 : 64)),
      callbacks,
      new AbortController().signal,
    );

    // Candidate 0 finished in the batch and is not generated again.
    expect(results.get(0)).toMatchObject({ text: "Th", tokens: 2, finishReason: "length" });
    expect(events.filter((e) => e.startsWith("done 0"))).toHaveLength(1);
    // Candidate 1: "The" came from the batch; the regeneration streamed only what came after it.
    expect(text(events, 1)).toBe(answer);
    expect(results.get(1)).toMatchObject({ text: answer, finishReason: "stop" });
    // Candidate 2: its new text departed from "The", so nothing more streamed; its result carries the new text.
    expect(text(events, 2)).toBe("The");
    expect(results.get(2)).toMatchObject({ text: "Another path", finishReason: "stop" });
    expect(events.filter((e) => e.startsWith("start"))).toEqual(["start 0", "start 1", "start 2"]);
    expect(errors.size).toBe(0);
    expect(fake().requests.map((r) => r.seed)).toEqual([11, 12]); // same seeds on the sequential path
    expect(lock().acquired).toBe(false);

    expect(notices).toEqual([
      `Batched decoding failed during decode: GPU device lost. The 2 unfinished candidates continue one at a time; Qwen2.5-Math 1.5B stays on one-at-a-time generation for this session.`,
    ]);
    expect(engine.batchStatus()).toEqual({ mode: "sequential", reason: "Batched decoding failed during decode: GPU device lost" });
    expect(engine.capabilities.batchedParallel).toBe(false);
    expect(store.get(MATH_ID, GPU)?.verdict).toBe("pass"); // a session fallback, not a verdict

    // The rest of the session is sequential, without new notices.
    fake().scripts = [{ tokens: ["x"] }, { tokens: ["y"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("generate-batched")).toBe(1);
    expect(fake().requests).toHaveLength(4);
    expect(notices).toHaveLength(1);
  });

  it("falls back before any GPU work when the library cannot batch this many candidates", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), maxBatchSize: 9 }); // enough for the 8 checked at load
    const { engine, fake, notices } = await batchedSetup(pipeline);
    expect(engine.batchStatus().mode).toBe("batched");
    fake().scripts = Array.from({ length: 9 }, (_, i) => ({ tokens: [`c${i}`] }));
    const { events, results, callbacks } = recorder();
    await engine.generateMany(candidates(9), callbacks, new AbortController().signal);
    expect(events.filter((e) => e.startsWith("start"))).toHaveLength(9);
    expect(results.get(8)).toMatchObject({ text: "c8", finishReason: "stop" });
    expect(pipeline.kvCaches).toHaveLength(0);
    expect(notices).toEqual([
      "Batched decoding is not possible here: The model library was compiled for batches of at most 9; 9 candidates need 10. The candidates are generated one at a time; Qwen2.5-Math 1.5B stays on one-at-a-time generation for this session.",
    ]);
  });

  it("keeps the batch's text for candidates stopped before their regeneration caught up with it", async () => {
    const pipeline = new FakePipeline({ model: scriptedModel(bytes("Hello there")) });
    pipeline.runtime.failOn("batch_decode", 4); // each candidate had shown "Hell"
    const { engine, fake } = await batchedSetup(pipeline);
    const controller = new AbortController();
    // The stop comes as candidate 0's regeneration starts: it gets one token ("H") before it ends.
    fake().scripts = [{ tokens: ["H", "e", "l", "l", "o"], beforeStart: () => controller.abort() }];
    const { events, results, callbacks } = recorder();
    await engine.generateMany(candidates(2), callbacks, controller.signal);
    expect([text(events, 0), text(events, 1)]).toEqual(["Hell", "Hell"]);
    expect(results.get(0)).toMatchObject({ text: "Hell", tokens: 4, finishReason: "aborted" });
    expect(results.get(1)).toMatchObject({ text: "Hell", tokens: 4, finishReason: "aborted" });
    expect(fake().requests).toHaveLength(1);
  });

  it("aborting a batched run ends every candidate as aborted and releases the model", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    const { engine, fake, lock, notices } = await batchedSetup(pipeline);
    const controller = new AbortController();
    const { events, results, errors, callbacks } = recorder();
    let deltas = 0;
    await engine.generateMany(
      candidates(3, () => 200),
      { ...callbacks, onDelta: (i, d) => (callbacks.onDelta(i, d), ++deltas === 4 && controller.abort()) },
      controller.signal,
    );
    expect([0, 1, 2].map((i) => results.get(i)?.finishReason)).toEqual(["aborted", "aborted", "aborted"]);
    for (const i of [0, 1, 2]) {
      expect(results.get(i)!.text).toBe(text(events, i));
      expect(results.get(i)!.tokens).toBeLessThan(20);
    }
    expect(errors.size).toBe(0);
    expect(fake().requests).toEqual([]);
    expect(lock().acquired).toBe(false);
    expect(pipeline.runtime.liveObjects()).toEqual([]);
    expect(engine.batchStatus().mode).toBe("batched"); // stopping is not a failure
    expect(notices).toEqual([]);
  });

  it("fails the running candidates when the worker dies during a batch", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    const { engine, runtimes } = await batchedSetup(pipeline);
    const { events, callbacks } = recorder();
    let crashed = false;
    await engine.generateMany(
      candidates(2, () => 200),
      {
        ...callbacks,
        onDelta: (i, d) => {
          callbacks.onDelta(i, d);
          if (!crashed) runtimes[0]!.state.crash(new Error("The WebLLM worker crashed"));
          crashed = true;
        },
      },
      new AbortController().signal,
    );
    expect(events.filter((e) => e.startsWith("error"))).toEqual(["error 0 Error", "error 1 Error"]);
    expect(engine.model).toBeNull();
  });

  it("runSelfTest reports and stores the verdict for this model and GPU; a fail turns batching off", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { engine, store, fake, sent } = await batchedSetup(pipeline);
    expect(engine.batchStatus().mode).toBe("batched");
    const report = await engine.runSelfTest({ maxTokens: 16 });
    expect(report).toMatchObject({ verdict: "fail", n: 4, mismatch: { candidate: 0 } });
    expect(report.batchedMs).toBeGreaterThan(0);
    expect(report.sequentialMs).toBeGreaterThan(0);
    expect(store.get(MATH_ID, GPU)).toMatchObject({ verdict: "fail", mismatch: report.mismatch });
    expect(engine.batchStatus().mode).toBe("sequential");
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("generate-batched")).toBe(0);
  });

  it("a passing runSelfTest lifts a fallback made earlier in the session", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    pipeline.runtime.failOn("batch_decode", 2);
    const { engine, fake } = await batchedSetup(pipeline);
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(engine.batchStatus().mode).toBe("sequential");
    expect((await engine.runSelfTest()).verdict).toBe("pass");
    expect(engine.batchStatus().mode).toBe("batched");
  });

  it("refuses runSelfTest without a model", async () => {
    await expect(setup().engine.runSelfTest()).rejects.toMatchObject({ name: "ModelNotLoadedError" });
  });

  it("delivers notices to listeners until they unsubscribe", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { engine, fake } = await batchedSetup(pipeline, null);
    const heard: string[] = [];
    const stop = engine.addNoticeListener((m) => heard.push(m));
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(heard).toHaveLength(1);
    stop();
    expect(heard).toHaveLength(1);
  });
});
