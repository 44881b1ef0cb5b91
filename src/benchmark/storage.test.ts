import "fake-indexeddb/auto";
import { afterEach, describe, expect, it } from "vitest";
import { answersEquivalent } from "../gsr/equivalence";
import { runBenchmark } from "./runner";
import { newBenchmark, recoverInterrupted } from "./state";
import { BenchmarkDb, createBenchmarkStorage, storageErrorMessage } from "./storage";
import { boxed, PROBLEMS, ScriptedPort } from "./testing/doubles";
import type { BenchmarkSettings } from "./types";

let count = 0;
const opened: { close(): void }[] = [];
function fresh() {
  const name = `bench-test-${++count}`;
  const storage = createBenchmarkStorage(() => new BenchmarkDb(name));
  opened.push(storage);
  return { storage, reopen: () => (opened.push(createBenchmarkStorage(() => new BenchmarkDb(name))), opened.at(-1) as ReturnType<typeof createBenchmarkStorage>) };
}
afterEach(() => opened.splice(0).forEach((s) => s.close()));

const settings: BenchmarkSettings = { n: 2, sampling: { temperature: 0, topP: 1, maxTokens: 64, seed: 1 }, extraCandidate: true };
const state = (id: string, now: number) =>
  newBenchmark({ id, now, subset: { dataset: "test", filter: {}, pick: { kind: "first", k: 3 } }, settings, problems: PROBLEMS, model: "m", engine: "wllama" });

describe("createBenchmarkStorage (IndexedDB)", () => {
  it("is empty at first", async () => {
    expect(await fresh().storage.loadLatest()).toBeNull();
  });

  it("saves a benchmark as it runs and reads it back in another connection, as after a reload", async () => {
    const { storage, reopen } = fresh();
    const controller = new AbortController();
    const port = new ScriptedPort({
      solve: () => ({ text: boxed("42") }),
      refine: () => ({ text: boxed("42") }),
      onCall: (_r, call) => call === 3 && controller.abort("pause"),
    });
    let t = 10;
    await runBenchmark({ port, state: state("b1", 1), storage, signal: controller.signal, equivalent: answersEquivalent, now: () => t++, onChange: () => {} });
    const loaded = await reopen().loadLatest();
    expect(loaded!.meta.id).toBe("b1");
    expect(loaded!.meta.status).toBe("paused");
    expect(loaded!.results.map((r) => r.status)).toEqual(["done", "interrupted", "pending"]);
    expect(loaded!.results[0]!.outcome!.candidates[0]!.text).toBe(boxed("42"));
    expect(loaded!.results[0]!.score!.gsr).toBe(true);
    expect(recoverInterrupted(loaded!).meta.status).toBe("paused");
  });

  it("loads the most recently updated benchmark and removes one with its results", async () => {
    const { storage } = fresh();
    const a = state("a", 1);
    const b = state("b", 2);
    await storage.saveMeta(a.meta);
    await storage.saveMeta(b.meta);
    await storage.saveResult("b", { ...b.results[0]!, status: "running" });
    expect((await storage.loadLatest())!.meta.id).toBe("b");
    expect((await storage.loadLatest())!.results.map((r) => r.status)).toEqual(["running", "pending", "pending"]);
    await storage.remove("b");
    expect((await storage.loadLatest())!.meta.id).toBe("a");
    await storage.remove("a");
    expect(await storage.loadLatest()).toBeNull();
  });

  it("ignores a benchmark written by another schema version", async () => {
    const { storage } = fresh();
    await storage.saveMeta({ ...state("x", 1).meta, schemaVersion: 99 as 1 });
    expect(await storage.loadLatest()).toBeNull();
  });

  it("explains a full disk", () => {
    expect(storageErrorMessage({ name: "QuotaExceededError" })).toMatch(/Storage full/);
    expect(storageErrorMessage({ name: "AbortError", inner: { name: "QuotaExceededError" } })).toMatch(/Storage full/);
    expect(storageErrorMessage(new Error("boom"))).toMatch(/could not be saved \(boom\)/);
  });
});
