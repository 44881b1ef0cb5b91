import { describe, expect, it } from "vitest";
import type { GenerationRequest } from "../../../gsr/types";
import { FakePipeline, hashModel } from "./testing/fakeTvm";
import {
  compareTokenStreams,
  createSelfTestStore,
  DECODER_REVISION,
  decodeWithPipeline,
  deviceKey,
  memoryStorage,
  runSelfTest,
  WEBLLM_VERSION,
  type SelfTestReport,
} from "./selftest";

/** Streams recorded from a greedy run of the fake model (four candidates, shrinking max tokens). */
const RECORDED = [
  [104, 101, 108, 108, 111, 32, 119, 111],
  [104, 101, 108, 108, 111, 32],
  [104, 101, 108, 108],
  [104, 101],
];

describe("compareTokenStreams", () => {
  it("accepts identical streams and counts their tokens", () => {
    expect(
      compareTokenStreams(
        RECORDED,
        RECORDED.map((s) => [...s]),
      ),
    ).toEqual({ equal: true, tokens: 20 });
    expect(compareTokenStreams([], [])).toEqual({ equal: true, tokens: 0 });
  });

  it("reports the first differing token: lowest candidate, then position", () => {
    const sequential = RECORDED.map((s) => [...s]);
    sequential[1]![4] = 33;
    sequential[3]![0] = 1;
    expect(compareTokenStreams(RECORDED, sequential)).toEqual({
      equal: false,
      mismatch: { candidate: 1, position: 4, batchedToken: 111, sequentialToken: 33 },
    });
  });

  it("reports a stream that ends early, with null for the missing token", () => {
    const sequential = RECORDED.map((s) => [...s]);
    sequential[2] = [104, 101, 108];
    expect(compareTokenStreams(RECORDED, sequential)).toEqual({
      equal: false,
      mismatch: { candidate: 2, position: 3, batchedToken: 108, sequentialToken: null },
    });
    expect(compareTokenStreams(RECORDED, RECORDED.slice(0, 3))).toEqual({
      equal: false,
      mismatch: { candidate: 3, position: 0, batchedToken: 104, sequentialToken: null },
    });
  });
});

describe("decodeWithPipeline", () => {
  it("runs WebLLM's single-sequence path and leaves no chat state behind", async () => {
    const fake = new FakePipeline({ model: hashModel({ stopAfter: 5 }) });
    const request: GenerationRequest = {
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
      sampling: { temperature: 0, topP: 1, maxTokens: 20, seed: 3 },
    };
    const tokens = await decodeWithPipeline(fake, request, new AbortController().signal);
    expect(tokens).toHaveLength(5);
    expect(fake.tokenizer.decode(Int32Array.from(fake.lastPrompt))).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(fake.outputIds).toEqual([]);
  });
});

describe("runSelfTest", () => {
  const clockOf = (fake: FakePipeline) => () => fake.runtime.clock;

  it("passes when batched and sequential greedy tokens agree, and reports both timings and the speedup", async () => {
    const options = {
      model: hashModel(),
      prefillChunkSize: 1024,
      cost: { prefill: () => 20, decode: (batch: number) => 10 + batch },
    };
    const fake = new FakePipeline(options);
    const report = await runSelfTest(fake, { now: clockOf(fake), maxTokens: 16 });
    // Max tokens 16, 14, 12, 10 → 52 tokens. Batched: one prefill, then steps of 4, 4…, shrinking.
    expect(report).toMatchObject({
      verdict: "pass",
      n: 4,
      tokens: 52,
      mismatch: null,
      sampledMismatch: null,
    });
    const batchedMs = 20 + 9 * 14 + 2 * 13 + 2 * 12 + 2 * 11;
    const sequentialMs = 4 * 20 + (15 + 13 + 11 + 9) * 11;
    expect(report.batchedMs).toBe(batchedMs);
    expect(report.sequentialMs).toBe(sequentialMs);
    expect(report.speedup).toBeCloseTo(sequentialMs / batchedMs);
    expect(report.reason).toMatch(/faster/);
    expect(fake.runtime.liveObjects()).toEqual([]);
  });

  it("fails, with the first mismatch, when batched rows come back wrong", async () => {
    const fake = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const report = await runSelfTest(fake, { now: clockOf(fake), maxTokens: 16, warmUp: false });
    expect(report.verdict).toBe("fail");
    // Row 0 (greedy) receives row 3's logits (a sampled row, another history) from the first step on.
    expect(report.mismatch?.candidate).toBe(0);
    expect(report.mismatch?.position).toBeGreaterThan(0);
  });

  it("can compare against runBatched with N = 1 instead of the pipeline's own path", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    const { runBatched } = await import("./decoder");
    const sequential = async (request: GenerationRequest, signal: AbortSignal) => {
      const tokens: number[] = [];
      await runBatched(
        fake,
        [request],
        { onDelta: () => {}, onDone: () => {}, onError: () => {} },
        signal,
        { onToken: (_, t) => tokens.push(t) },
      );
      return tokens;
    };
    expect((await runSelfTest(fake, { now: clockOf(fake), sequential })).verdict).toBe("pass");
  });

  it("says unsupported, without running anything, when the model cannot batch", async () => {
    const fake = new FakePipeline({ maxBatchSize: 2 });
    const report = await runSelfTest(fake, { now: clockOf(fake) });
    expect(report.verdict).toBe("unsupported");
    expect(fake.kvCaches).toHaveLength(0);
  });

  it("reports an error when the batched run throws", async () => {
    const fake = new FakePipeline({ model: hashModel() });
    fake.runtime.failOn("batch_decode", 2, new Error("device lost"));
    const report = await runSelfTest(fake, { now: clockOf(fake), warmUp: false });
    expect(report.verdict).toBe("error");
    expect(report.reason).toMatch(/device lost/);
  });
});

describe("selfTestStore", () => {
  const report = (verdict: SelfTestReport["verdict"]): SelfTestReport => ({
    verdict,
    reason: "r",
    n: 4,
    batchedMs: 100,
    sequentialMs: 300,
    speedup: 3,
    tokens: 50,
    mismatch: null,
    sampledMismatch: null,
  });

  it("remembers a verdict per model and device", () => {
    const store = createSelfTestStore(memoryStorage(), () => 1234);
    const gpu = deviceKey({ vendor: "nvidia", architecture: "ampere", description: "RTX 3060" });
    expect(store.get("Qwen3-1.7B", gpu)).toBeNull();
    store.record("Qwen3-1.7B", gpu, report("pass"));
    expect(store.get("Qwen3-1.7B", gpu)).toEqual({
      verdict: "pass",
      reason: "r",
      speedup: 3,
      batchedMs: 100,
      sequentialMs: 300,
      mismatch: null,
      testedAt: 1234,
      webllmVersion: WEBLLM_VERSION,
      decoderRevision: DECODER_REVISION,
    });
    expect(store.get("Qwen3-1.7B", deviceKey({ vendor: "intel" }))).toBeNull();
    expect(store.get("Qwen3-0.6B", gpu)).toBeNull();
    store.forget("Qwen3-1.7B", gpu);
    expect(store.get("Qwen3-1.7B", gpu)).toBeNull();
  });

  it("keeps failures, forgets nothing on errors, and ignores stale or corrupt entries", () => {
    const storage = memoryStorage();
    const store = createSelfTestStore(storage);
    store.record("m", "d", report("fail"));
    expect(store.record("m", "d", report("error"))).toBeNull();
    expect(store.get("m", "d")?.verdict).toBe("fail");
    const [key] = ["refinery.webllm.batched-selftest|m|d"];
    storage.setItem(key, JSON.stringify({ ...store.get("m", "d"), webllmVersion: "0.2.79" }));
    expect(store.get("m", "d")).toBeNull();
    storage.setItem(key, "{not json");
    expect(store.get("m", "d")).toBeNull();
  });

  it("survives a storage that refuses writes", () => {
    const store = createSelfTestStore({
      getItem: () => null,
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {},
    });
    expect(store.record("m", "d", report("pass"))?.verdict).toBe("pass");
  });
});
