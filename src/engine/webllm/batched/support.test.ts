import { describe, expect, it } from "vitest";
import { FakePipeline } from "./testing/fakeTvm";
import { asBatchablePipeline, checkBatchSupport, readModelMetadata } from "./support";

describe("checkBatchSupport", () => {
  it("accepts a paged-KV-cache model whose library exports the batch functions", () => {
    const fake = new FakePipeline({ maxBatchSize: 80 });
    expect(checkBatchSupport(fake, 4)).toEqual({ ok: true });
    expect(checkBatchSupport(new FakePipeline({ abi: "batch" }), 8)).toEqual({ ok: true });
  });

  it("leaves no TVM object behind", () => {
    const fake = new FakePipeline();
    checkBatchSupport(fake, 4);
    expect(fake.runtime.liveObjects()).toEqual([]);
    expect(fake.runtime.scopeDepth).toBe(0);
  });

  it("needs max_batch_size ≥ N + 1: the prompt's sequence plus one per candidate", () => {
    expect(checkBatchSupport(new FakePipeline({ maxBatchSize: 5 }), 4)).toEqual({ ok: true });
    const result = checkBatchSupport(new FakePipeline({ maxBatchSize: 4 }), 4);
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/at most 4; 4 candidates need 5/),
    });
  });

  it("names the missing library functions", () => {
    const fake = new FakePipeline();
    fake.vmFunctions.delete("batch_decode");
    fake.vmFunctions.delete("create_tir_paged_kv_cache");
    expect(checkBatchSupport(fake, 4)).toEqual({
      ok: false,
      reason: expect.stringMatching(/batch_decode, create_tir_paged_kv_cache/),
    });
  });

  it("needs batch_prefill for batch-ABI models and prefill otherwise", () => {
    const batch = new FakePipeline({ abi: "batch" });
    batch.vmFunctions.delete("batch_prefill");
    expect(checkBatchSupport(batch, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/batch_prefill/),
    });
    const single = new FakePipeline();
    single.vmFunctions.delete("prefill");
    expect(checkBatchSupport(single, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/prefill/),
    });
  });

  it("needs the runtime's KV-state builtins, fork included", () => {
    const fake = new FakePipeline();
    fake.runtime.unregisterGlobal("vm.builtin.kv_state_fork_sequence");
    expect(checkBatchSupport(fake, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/kv_state_fork_sequence/),
    });
  });

  it("excludes recurrent and hybrid models (Qwen3.5 hybrids)", () => {
    const hybrid = new FakePipeline();
    hybrid.kvStateKind = "hybrid";
    hybrid.rnnState = {};
    hybrid.resolvedModelABI = {
      ...hybrid.resolvedModelABI,
      kvStateKind: "hybrid",
      needsRNNState: true,
    };
    expect(checkBatchSupport(hybrid, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/recurrent state.*hybrid/),
    });
    const reported = new FakePipeline();
    reported.metadata.kv_state_kind = "rnn_state";
    expect(checkBatchSupport(reported, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/rnn_state/),
    });
  });

  it("excludes sliding-window models, manifest models and custom logit processors", () => {
    const sliding = new FakePipeline();
    sliding.slidingWindowSize = 4096;
    sliding.contextWindowSize = -1;
    expect(checkBatchSupport(sliding, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/sliding-window/),
    });
    const manifest = new FakePipeline();
    manifest.artifact = { program: {} };
    expect(checkBatchSupport(manifest, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/manifest/),
    });
    const processor = new FakePipeline();
    processor.logitProcessor = { processLogits: (x: unknown) => x };
    expect(checkBatchSupport(processor, 2)).toEqual({
      ok: false,
      reason: expect.stringMatching(/logit processor/),
    });
  });

  it("refuses objects that are not a WebLLM 0.2.86 pipeline, and nonsense N", () => {
    expect(checkBatchSupport(undefined, 4)).toEqual({
      ok: false,
      reason: expect.stringMatching(/internals/),
    });
    expect(checkBatchSupport({ tvm: {} }, 4).ok).toBe(false);
    expect(checkBatchSupport(new FakePipeline(), 0)).toEqual({
      ok: false,
      reason: expect.stringMatching(/positive integer/),
    });
    expect(asBatchablePipeline(null)).toBeNull();
    const fake = new FakePipeline();
    expect(asBatchablePipeline(fake)).toBe(fake);
  });

  it("reads the library's _metadata", () => {
    expect(readModelMetadata(new FakePipeline({ maxBatchSize: 96 }))).toMatchObject({
      max_batch_size: 96,
      kv_state_kind: "kv_cache",
    });
  });
});
