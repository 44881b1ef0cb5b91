import { describe, expect, it } from "vitest";
import { answersEquivalent } from "../gsr/equivalence";
import type { GenerationRequest } from "../gsr/types";
import { PAUSE, runBenchmark, STOP, type LiveProgress } from "./runner";
import { isResumable, newBenchmark, recoverInterrupted } from "./state";
import { boxed, MemoryBenchmarkStorage, PROBLEMS, ScriptedPort, type ScriptedPortOptions } from "./testing/doubles";
import type { BenchmarkSettings, BenchmarkState } from "./types";

const SETTINGS: BenchmarkSettings = {
  n: 2,
  sampling: { temperature: 0.7, topP: 0.95, maxTokens: 256, seed: 10 },
  extraCandidate: true,
};

function bench(settings: BenchmarkSettings = SETTINGS): BenchmarkState {
  return newBenchmark({
    id: "bench-1",
    now: 1000,
    subset: { dataset: "test", filter: {}, pick: { kind: "first", k: 3 } },
    settings,
    problems: PROBLEMS,
    model: "tiny",
    engine: "wllama",
  });
}

/**
 * Seeds 10, 11 are the candidates, 12 the refinement, 13 the extra candidate.
 * Problem 1 (42): both candidates right. Problem 2 (24): candidates wrong (25, 26),
 * the extra says 24, the refinement rescues. Problem 3 (7): candidates 7 and 8,
 * the extra 8, the refinement breaks it (8).
 */
const script: ScriptedPortOptions = {
  solve: (problem, seed) => {
    if (problem.includes("17 + 25")) return { text: boxed(seed === 13 ? "41" : "42") };
    if (problem.includes("4 times 6")) return { text: boxed(seed === 13 ? "24" : String(15 + seed)) };
    return { text: boxed(seed === 10 ? "7" : "8") };
  },
  refine: (prompt) => {
    if (prompt.includes("17 + 25")) return { text: boxed("42", "Refined") };
    if (prompt.includes("4 times 6")) return { text: boxed("24", "Refined") };
    return { text: boxed("8", "Refined") };
  },
};

function run(state: BenchmarkState, port: ScriptedPort, storage: MemoryBenchmarkStorage, controller = new AbortController()) {
  const states: BenchmarkState[] = [];
  const progress: (LiveProgress | null)[] = [];
  let clock = 5000;
  const done = runBenchmark({
    port,
    state,
    storage,
    signal: controller.signal,
    equivalent: answersEquivalent,
    now: () => (clock += 100),
    onChange: (s) => states.push(s),
    onProgress: (p) => progress.push(p),
    progressIntervalMs: 0,
  });
  return { done, states, progress, controller };
}

describe("runBenchmark", () => {
  it("runs every problem through the GSR loop and scores it", async () => {
    const port = new ScriptedPort(script);
    const storage = new MemoryBenchmarkStorage();
    const { done, progress } = run(bench(), port, storage);
    const final = await done;

    expect(final.meta.status).toBe("complete");
    expect(final.results.map((r) => r.status)).toEqual(["done", "done", "done"]);
    const scores = final.results.map((r) => r.score!);
    expect(scores.map((s) => [s.correctCandidates, s.majN, s.majN1, s.gsr, s.rescue, s.regression])).toEqual([
      [2, true, true, true, false, false],
      [0, false, false, true, true, false],
      [1, true, false, false, false, true],
    ]);
    // Candidates (2 × 10) + extra (10) + refinement (10) tokens.
    expect(scores[0]!.tokens).toBe(40);
    expect(scores[0]!.timeMs).toBeGreaterThan(0);
    expect(final.results[1]!.outcome!.extra!.answer).toBe("24");
    expect(progress.some((p) => p?.phase === "refine")).toBe(true);
    expect(progress.at(-1)).toBeNull();
  });

  it("samples N+1 candidates in one call, but votes on and refines only the first N", async () => {
    const port = new ScriptedPort(script);
    await run(bench(), port, new MemoryBenchmarkStorage()).done;
    expect(port.calls).toHaveLength(6);
    const [candidatePhase, refinePhase] = port.calls as [GenerationRequest[], GenerationRequest[]];
    expect(candidatePhase.map((r) => r.sampling.seed)).toEqual([10, 11, 13]);
    expect(new Set(candidatePhase.map((r) => JSON.stringify(r.messages))).size).toBe(1);
    expect(refinePhase).toHaveLength(1);
    expect(refinePhase[0]!.sampling.seed).toBe(12);
    const prompt = refinePhase[0]!.messages[1]!.content;
    expect(prompt).toContain("Candidate solution 2 of 2");
    expect(prompt).not.toContain("41"); // the extra candidate's answer never reaches the refinement
  });

  it("without the extra candidate: N sequences, no maj@(N+1)", async () => {
    const port = new ScriptedPort(script);
    const final = await run(bench({ ...SETTINGS, extraCandidate: false }), port, new MemoryBenchmarkStorage()).done;
    expect(port.calls[0]).toHaveLength(2);
    expect(final.results.every((r) => r.score!.majN1 === null && r.outcome!.extra === null)).toBe(true);
    expect(final.results[0]!.score!.tokens).toBe(30);
  });

  it("persists each problem when it starts and when it ends", async () => {
    const storage = new MemoryBenchmarkStorage();
    await run(bench(), new ScriptedPort(script), storage).done;
    expect(storage.log).toEqual([
      "meta:running",
      "result:0:running",
      "result:0:done",
      "result:1:running",
      "result:1:done",
      "result:2:running",
      "result:2:done",
      "meta:complete",
    ]);
    const loaded = await storage.loadLatest();
    expect(loaded!.results.map((r) => r.status)).toEqual(["done", "done", "done"]);
    expect(loaded!.results[2]!.score!.regression).toBe(true);
  });

  it("pause mid-problem marks it interrupted; resume reruns it and the rest", async () => {
    const storage = new MemoryBenchmarkStorage();
    const controller = new AbortController();
    const port = new ScriptedPort({ ...script, onCall: (_r, call) => call === 3 && controller.abort(PAUSE) });
    const paused = await run(bench(), port, storage, controller).done;
    expect(paused.meta.status).toBe("paused");
    expect(paused.results.map((r) => r.status)).toEqual(["done", "interrupted", "pending"]);
    expect(paused.results[1]!.outcome).toBeNull();
    expect(isResumable(paused)).toBe(true);

    const loaded = recoverInterrupted((await storage.loadLatest())!);
    expect(loaded.results.map((r) => r.status)).toEqual(["done", "interrupted", "pending"]);
    const resumePort = new ScriptedPort(script);
    const final = await run(loaded, resumePort, storage).done;
    expect(final.meta.status).toBe("complete");
    expect(resumePort.calls).toHaveLength(4); // problems 2 and 3 only
    expect(final.results.map((r) => r.score!.gsr)).toEqual([true, true, false]);
  });

  it("a reload mid-problem leaves it 'running' in storage; recovery makes it interrupted and resumable", async () => {
    const storage = new MemoryBenchmarkStorage();
    let snapshot: BenchmarkState | null = null;
    const controller = new AbortController();
    const port = new ScriptedPort({
      ...script,
      onCall: (_r, call) => {
        if (call !== 3) return;
        // What a reload would find: the page dies here, nothing more is written.
        void storage.loadLatest().then((s) => (snapshot = s));
        controller.abort(PAUSE);
      },
    });
    await run(bench(), port, storage, controller).done;
    await Promise.resolve();
    const died = snapshot as BenchmarkState | null;
    expect(died!.meta.status).toBe("running");
    expect(died!.results[1]!.status).toBe("running");
    const recovered = recoverInterrupted(died!);
    expect(recovered.meta.status).toBe("interrupted");
    expect(recovered.meta.reason).toMatch(/reloaded/);
    expect(recovered.results.map((r) => r.status)).toEqual(["done", "interrupted", "pending"]);
    expect(isResumable(recovered)).toBe(true);
    const final = await run(recovered, new ScriptedPort(script), new MemoryBenchmarkStorage()).done;
    expect(final.meta.status).toBe("complete");
  });

  it("stop ends the benchmark for good", async () => {
    const controller = new AbortController();
    const port = new ScriptedPort({ ...script, onCall: (_r, call) => call === 1 && controller.abort(STOP) });
    const stopped = await run(bench(), port, new MemoryBenchmarkStorage(), controller).done;
    expect(stopped.meta.status).toBe("stopped");
    expect(stopped.results.map((r) => r.status)).toEqual(["interrupted", "pending", "pending"]);
    expect(isResumable(stopped)).toBe(false);
  });

  it("failed problems are scored as wrong; two failures in a row pause it; resume retries them", async () => {
    const failing = new ScriptedPort({
      solve: () => ({ text: "", error: "device lost" }),
      refine: () => ({ text: boxed("0") }),
    });
    const storage = new MemoryBenchmarkStorage();
    const paused = await run(bench(), failing, storage).done;
    expect(paused.results.map((r) => r.status)).toEqual(["failed", "failed", "pending"]);
    expect(paused.meta.status).toBe("paused");
    expect(paused.meta.reason).toMatch(/2 problems in a row failed.*device lost/);
    const s = paused.results[0]!.score!;
    expect([s.correctCandidates, s.majN, s.gsr]).toEqual([0, false, false]);
    expect(paused.results[0]!.outcome!.failure).toMatch(/device lost|No candidate/);

    const final = await run(paused, new ScriptedPort(script), storage).done;
    expect(final.results.map((r) => r.status)).toEqual(["done", "done", "done"]);
  });

  it("an extra candidate that fails counts as no answer for maj@(N+1)", async () => {
    const port = new ScriptedPort({
      ...script,
      solve: (problem, seed) => (seed === 13 ? { text: "", error: "oops" } : script.solve(problem, seed)),
    });
    const final = await run(bench(), port, new MemoryBenchmarkStorage()).done;
    expect(final.results[0]!.outcome!.extra!.error).toBe("oops");
    expect(final.results[0]!.score!.majN1).toBe(true);
    expect(final.results.every((r) => r.status === "done")).toBe(true);
  });

  it("storage errors are reported and the run goes on", async () => {
    const storage = new MemoryBenchmarkStorage();
    storage.saveResult = async () => {
      throw new Error("quota");
    };
    const errors: unknown[] = [];
    const final = await runBenchmark({
      port: new ScriptedPort(script),
      state: bench(),
      storage,
      signal: new AbortController().signal,
      equivalent: answersEquivalent,
      now: () => 0,
      onChange: () => {},
      onStorageError: (e) => errors.push(e),
    });
    expect(final.meta.status).toBe("complete");
    expect(errors).toHaveLength(6);
  });
});
