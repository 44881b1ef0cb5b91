import { describe, expect, it } from "vitest";
import type { Engine } from "../types";
import type { SelfTestReport } from "./batched";
import { renderSelfTestReport, runSelfTestForDisplay } from "./selfTestPage";

const pass: SelfTestReport = {
  verdict: "pass",
  reason: "Batched decoding matches sequential decoding. 2.8× faster than one at a time.",
  n: 4,
  batchedMs: 412.4,
  sequentialMs: 1154.9,
  speedup: 1154.9 / 412.4,
  tokens: 104,
  mismatch: null,
  sampledMismatch: { candidate: 1, position: 6, batchedToken: 123, sequentialToken: 456 },
};

describe("renderSelfTestReport", () => {
  it("lists the verdict, both timings, the speedup and the mismatches as plain lines", () => {
    expect(
      renderSelfTestReport(pass, {
        model: "Qwen2.5-Math 1.5B",
        gpu: "WebGPU - NVIDIA GeForce RTX 3060",
        status: { mode: "batched", reason: "Checked on this GPU: 2.8× faster than one at a time." },
      }).split("\n"),
    ).toEqual([
      "Batched decoding self-test: PASS",
      "Batched decoding matches sequential decoding. 2.8× faster than one at a time.",
      "Model: Qwen2.5-Math 1.5B · GPU: WebGPU - NVIDIA GeForce RTX 3060",
      "Candidates: 4 (greedy: 1, 3; sampled: 2, 4)",
      "Tokens generated in the batch: 104",
      "Batched: 412 ms · One at a time: 1155 ms · Speedup: 2.80×",
      "Greedy candidates: identical tokens",
      "Sampled candidates: first difference at candidate 2, token 7 (batched 123, one at a time 456) (not decisive)",
      "Now: batched. Checked on this GPU: 2.8× faster than one at a time.",
    ]);
  });

  it("names the first greedy mismatch of a failure, and a stream that ended", () => {
    const text = renderSelfTestReport({
      ...pass,
      verdict: "fail",
      reason: "Batched tokens differ from sequential ones (candidate 3, token 12).",
      mismatch: { candidate: 2, position: 11, batchedToken: null, sequentialToken: 99 },
      sampledMismatch: null,
      sequentialMs: 12_345,
    });
    expect(text).toContain("Batched decoding self-test: FAIL");
    expect(text).toContain("One at a time: 12.3 s");
    expect(text).toContain("Greedy candidates: first mismatch at candidate 3, token 12 (batched (ended), one at a time 99)");
  });

  it("shows only the reason when the test could not compare", () => {
    const text = renderSelfTestReport({ ...pass, verdict: "unsupported", reason: "The model keeps recurrent state.", batchedMs: 0, sequentialMs: 0, speedup: null });
    expect(text.split("\n")).toEqual(["Batched decoding self-test: NOT SUPPORTED", "The model keeps recurrent state.", "Candidates: 4 (greedy: 1, 3; sampled: 2, 4)"]);
  });
});

describe("runSelfTestForDisplay", () => {
  const controls = (runSelfTest: () => Promise<SelfTestReport>) =>
    ({
      capabilities: { kind: "webllm" },
      model: { name: "M", gpu: "G" },
      batchStatus: () => ({ mode: "batched", reason: "ok" }),
      runSelfTest,
      addNoticeListener: () => () => {},
    }) as unknown as Engine;

  it("runs the engine's self-test and renders it", async () => {
    const text = await runSelfTestForDisplay(controls(async () => pass));
    expect(text.split("\n")[0]).toBe("Batched decoding self-test: PASS");
    expect(text).toContain("Model: M · GPU: G");
  });

  it("answers in words when there is no WebLLM engine, no model, or a failure", async () => {
    expect(await runSelfTestForDisplay(null)).toBe("The batched decoding self-test needs the WebLLM engine.");
    const notLoaded = Object.assign(new Error("No model is loaded."), { name: "ModelNotLoadedError" });
    expect(await runSelfTestForDisplay(controls(() => Promise.reject(notLoaded)))).toBe("Load a WebLLM model first, then run the self-test.");
    expect(await runSelfTestForDisplay(controls(() => Promise.reject(new Error("worker crashed"))))).toBe("The self-test could not run: worker crashed");
  });
});
