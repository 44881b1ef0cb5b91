import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { boxed, PROBLEMS, scriptedEngine, ScriptedPort, type ScriptedPortOptions } from "../benchmark/testing/doubles";
import type { BenchmarkSettings, SubsetSpec } from "../benchmark/types";
import { createHistory, HistoryDb } from "../history/db";
import { makeSavedRun } from "../history/testing/fixtures";
import { createAppStore, type AppStore } from "./index";

const SUBSET: SubsetSpec = { dataset: "test", filter: {}, pick: { kind: "first", k: 3 } };
const SETTINGS: BenchmarkSettings = { n: 2, sampling: { temperature: 0, topP: 1, maxTokens: 64, seed: 1 }, extraCandidate: true };
const script: ScriptedPortOptions = {
  solve: (problem) => ({ text: boxed(problem.includes("17 + 25") ? "42" : "5") }),
  refine: (prompt) => ({ text: boxed(prompt.includes("4 times 6") ? "24" : "5") }),
};

let dbs = 0;
function appStore(options: Partial<ScriptedPortOptions> = {}, onStore?: (store: AppStore) => void): AppStore {
  let store: AppStore | null = null;
  const port = new ScriptedPort({ ...script, ...options, onCall: (r, call) => options.onCall?.(r, call) ?? onStore?.(store!) });
  const name = `bench-slice-history-${++dbs}`;
  store = createAppStore({ engine: scriptedEngine(port), history: createHistory({ openDb: () => new HistoryDb(name) }) });
  store.setState({ modelStatus: "ready", model: { name: "fake-model", contextWindow: 4096, parallelSlots: 8, threads: 1, multithreaded: false, fromCache: false } });
  return store;
}

describe("bench slice", () => {
  it("runs a benchmark, keeps a live summary, and a new page restores it from IndexedDB", async () => {
    const store = appStore();
    await store.getState().restoreBenchmark();
    await store.getState().startBenchmark({ subset: SUBSET, problems: PROBLEMS, settings: SETTINGS });
    const s = store.getState();
    expect(s.benchmarkActivity).toBe("idle");
    expect(s.benchmark!.meta.status).toBe("complete");
    expect(s.benchmark!.meta.model).toBe("fake-model");
    expect(s.benchmarkSummary).toMatchObject({ problems: 3, gsr: { count: 1 }, majN: { count: 1 }, rescue: { count: 1 }, regression: { count: 1 } });

    const reloaded = appStore();
    await reloaded.getState().restoreBenchmark();
    expect(reloaded.getState().benchmark!.meta.id).toBe(s.benchmark!.meta.id);
    expect(reloaded.getState().benchmarkSummary).toEqual(s.benchmarkSummary);
    await reloaded.getState().discardBenchmark();
    expect(reloaded.getState().benchmark).toBeNull();
  });

  it("pause aborts the problem in flight; resume finishes the rest", async () => {
    let paused = false;
    const store = appStore({}, (st) => {
      // Once, in the second problem's candidate phase.
      const oneDone = st.getState().benchmark?.results.filter((r) => r.status === "done").length === 1;
      if (!paused && oneDone) {
        paused = true;
        st.getState().pauseBenchmark();
      }
    });
    await store.getState().startBenchmark({ subset: SUBSET, problems: PROBLEMS, settings: SETTINGS });
    expect(store.getState().benchmark!.meta.status).toBe("paused");
    expect(store.getState().benchmark!.results.map((r) => r.status)).toEqual(["done", "interrupted", "pending"]);
    await store.getState().resumeBenchmark();
    expect(store.getState().benchmark!.meta.status).toBe("complete");
    await store.getState().discardBenchmark();
  });

  it("counts training records from the benchmark and from saved runs before the download", async () => {
    const store = appStore();
    await store.getState().startBenchmark({ subset: SUBSET, problems: PROBLEMS, settings: SETTINGS });
    await createAppStoreHistory(store);
    await store.getState().prepareTrainingExport({ benchmark: true, history: false });
    // p1: identical right candidates → 1 direct; p2: refinement rescues → 1 refine.
    expect(store.getState().trainingPreview!.counts).toEqual({ directSolve: 1, refine: 1, refineAllWrong: 1 });
    await store.getState().prepareTrainingExport({ benchmark: true, history: true });
    expect(store.getState().trainingPreview).toMatchObject({ counts: { directSolve: 3, refine: 2, refineAllWrong: 1 }, historyRuns: 1 });
    await store.getState().discardBenchmark();
  });

  it("refuses to start without a model, with an empty subset, or during a single run", async () => {
    const store = appStore();
    store.setState({ modelStatus: "idle" });
    await store.getState().startBenchmark({ subset: SUBSET, problems: PROBLEMS, settings: SETTINGS });
    expect(store.getState().benchmarkError).toMatch(/Load a model/);
    store.setState({ modelStatus: "ready" });
    await store.getState().startBenchmark({ subset: SUBSET, problems: [], settings: SETTINGS });
    expect(store.getState().benchmarkError).toMatch(/empty/);
    store.setState({ run: { status: "running" } as never });
    await store.getState().startBenchmark({ subset: SUBSET, problems: PROBLEMS, settings: SETTINGS });
    expect(store.getState().benchmarkError).toMatch(/single run is in progress/);
    expect(store.getState().benchmark).toBeNull();
  });
});

/** Puts one saved run of a bank problem (reference 18, two right candidates, right refinement) into the store's history. */
async function createAppStoreHistory(store: AppStore): Promise<void> {
  // The store's history is reachable through its actions only; import a run the way a user would.
  const file = new Blob([JSON.stringify({ format: "refinery-run", version: 1, run: makeSavedRun() })], { type: "application/json" });
  const report = await store.getState().importHistory(file as File);
  expect(report).toMatchObject({ imported: 1 });
}
