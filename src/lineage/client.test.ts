import { afterEach, describe, expect, it, vi } from "vitest";
import type { LineageReply, LineageRequest } from "./protocol";

/** A stand-in Worker: answers through matchSteps, fails, or never answers. */
function stubWorker(mode: "answer" | "fail" | "silent") {
  return class {
    onmessage: ((event: { data: LineageReply }) => void) | null = null;
    onerror: ((event: { message: string; preventDefault(): void }) => void) | null = null;
    async postMessage(request: LineageRequest) {
      if (mode === "silent") return;
      const { matchSteps } = await import("./match");
      const reply: LineageReply =
        mode === "answer" ? { type: "matched", id: request.id, lineage: matchSteps(request.refined, request.candidates) } : { type: "failed", id: request.id, message: "boom" };
      this.onmessage?.({ data: reply });
    }
    terminate() {}
  };
}

async function freshClient(mode: "answer" | "fail" | "silent") {
  vi.resetModules();
  vi.stubGlobal("Worker", stubWorker(mode));
  return import("./client");
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("computeStepLineage", () => {
  it("answers each request with the worker's lineage", async () => {
    const { computeStepLineage } = await freshClient("answer");
    const [a, b] = await Promise.all([computeStepLineage("$$x = 1$$", ["$$y = 1$$"]), computeStepLineage("$$x = 2$$", ["$$y = 1$$"])]);
    expect(a.refined[0]!.sources).toEqual([0]);
    expect(b.refined[0]!.sources).toEqual([]);
  });
  it("passes the worker's failure on", async () => {
    const { computeStepLineage } = await freshClient("fail");
    await expect(computeStepLineage("a b c", ["a b c"])).rejects.toThrow("boom");
  });
  it("gives up on a worker that never answers, so the run waiting for it ends", async () => {
    vi.useFakeTimers();
    const { computeStepLineage, LINEAGE_TIMEOUT_MS } = await freshClient("silent");
    const result = computeStepLineage("a b c", ["a b c"]);
    const settled = expect(result).rejects.toThrow("did not answer");
    await vi.advanceTimersByTimeAsync(LINEAGE_TIMEOUT_MS);
    await settled;
  });
  it("runs inline where there is no Worker", async () => {
    vi.resetModules();
    vi.stubGlobal("Worker", undefined);
    const { computeStepLineage } = await import("./client");
    expect((await computeStepLineage("$$x = 1$$", ["$$x=1$$"])).refined[0]!.sources).toEqual([0]);
  });
});
