import { describe, expect, it } from "vitest";
import { gpuLabelFromProgress, parseWebLlmProgress, toLoadProgress } from "./progress";

const MiB = 1024 * 1024;

describe("parseWebLlmProgress", () => {
  it("reads download bytes from a Fetching line", () => {
    const p = parseWebLlmProgress({
      progress: 0.25,
      timeElapsed: 4,
      text:
        "Fetching param cache[10/40]: 200MB fetched. 25% completed, 4 secs elapsed. " +
        "It can take a while when we first visit this page to populate the cache. Later refreshes will become faster.",
    });
    expect(p).toMatchObject({ phase: "download", loadedBytes: 200 * MiB, totalBytes: 800 * MiB, fraction: 0.25 });
  });

  it("reads cache-load bytes from a Loading model from cache line", () => {
    const p = parseWebLlmProgress({
      progress: 0.5,
      timeElapsed: 2,
      text: "Loading model from cache[20/40]: 450MB loaded. 50% completed, 2 secs elapsed.",
    });
    expect(p).toMatchObject({ phase: "cache", loadedBytes: 450 * MiB, totalBytes: 900 * MiB, fraction: 0.5 });
  });

  it("maps shader loading to the compile phase with a fraction and no bytes", () => {
    const p = parseWebLlmProgress({
      progress: 10 / 95,
      timeElapsed: 1,
      text: "Loading GPU shader modules[10/95]: 10% completed, 1 secs elapsed.",
    });
    expect(p).toMatchObject({ phase: "compile", loadedBytes: 0, totalBytes: 0 });
    expect(p.fraction).toBeCloseTo(10 / 95);
  });

  it("treats the start and the finish as initialize", () => {
    expect(parseWebLlmProgress({ progress: 0, timeElapsed: 0, text: "Start to fetch params" })).toMatchObject({
      phase: "initialize",
      fraction: null,
    });
    const done = { progress: 1, timeElapsed: 9, text: "Finish loading on WebGPU - NVIDIA GeForce RTX 3060" };
    expect(parseWebLlmProgress(done)).toMatchObject({ phase: "initialize", fraction: 1 });
    expect(gpuLabelFromProgress(done)).toBe("WebGPU - NVIDIA GeForce RTX 3060");
  });

  it("survives odd reports", () => {
    expect(parseWebLlmProgress({ progress: NaN, timeElapsed: 0, text: "Fetching param cache[0/4]: 0MB fetched. " })).toMatchObject({
      phase: "download",
      loadedBytes: 0,
      totalBytes: 0,
      fraction: null,
    });
    expect(parseWebLlmProgress({ progress: 0.3, timeElapsed: 0, text: "something new" })).toMatchObject({
      phase: "initialize",
      loadedBytes: 0,
      totalBytes: 0,
    });
  });
});

describe("toLoadProgress", () => {
  it("passes the compile phase through to the shared LoadPhase", () => {
    const compile = parseWebLlmProgress({ progress: 0.5, timeElapsed: 1, text: "Loading GPU shader modules[5/10]: 50% completed, 1 secs elapsed." });
    expect(toLoadProgress(compile)).toEqual({ ...compile, phase: "compile", webllmPhase: "compile" });
    const cache = parseWebLlmProgress({ progress: 0.5, timeElapsed: 1, text: "Loading model from cache[1/2]: 10MB loaded. 50% completed, 1 secs elapsed." });
    expect(toLoadProgress(cache)).toMatchObject({ phase: "cache", webllmPhase: "cache" });
  });
});
