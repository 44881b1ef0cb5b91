import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { scriptedEngine, ScriptedPort } from "../benchmark/testing/doubles";
import type { Engine } from "../engine/types";
import { toSavedRun } from "../history/convert";
import { createHistory, HistoryDb } from "../history/db";
import type { SavedRun } from "../history/types";
import { createAppStore, type AppStore } from "./index";
import { replayFrame, replayPlan } from "./replay";

const STEP_ADD = "We add the tens and the ones: 10 + 20 and 7 + 5.";
const STEP_SUM = "$$17 + 25 = 42$$";
/** Candidate i's text: seeds 1 and 2 solve it, seed 3 slips. */
const candidate = (seed: number) =>
  seed === 3 ? `${STEP_ADD}\n$$17 + 25 = 32$$\nSo the answer is $\\boxed{32}$.` : `${STEP_ADD}\n${STEP_SUM}\nSo the answer is $\\boxed{42}$.`;
const REFINED = `$$\\frac{84}{2} = 42$$\n${STEP_SUM}\nThe answer is $\\boxed{42}$.`;

function engine(): Engine {
  return scriptedEngine(new ScriptedPort({ solve: (_p, seed) => ({ text: candidate(seed) }), refine: () => ({ text: REFINED }) }));
}

let dbs = 0;
let clock = 0;
function appStore(): AppStore {
  const store = createAppStore({
    engine: engine(),
    history: createHistory({ openDb: () => new HistoryDb(`lineage-slice-${++dbs}`) }),
    schedule: (flush) => setTimeout(flush, 0),
    now: () => clock,
  });
  store.setState({ modelStatus: "ready", model: { name: "fake", contextWindow: 4096, parallelSlots: 8, threads: 1, multithreaded: false, fromCache: false } });
  store.getState().setProblem("What is 17 + 25?");
  store.getState().setSetting("n", 3);
  store.getState().setSetting("seed", 1);
  return store;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The run as saved in the latest test's history, once `ready` holds (the recorder's last write ends after the run). */
async function savedWhen(id: string, ready: (run: SavedRun) => boolean): Promise<SavedRun> {
  const history = createHistory({ openDb: () => new HistoryDb(`lineage-slice-${dbs}`) });
  for (let i = 0; i < 2000; i++) {
    const saved = await history.getRun(id);
    if (saved && ready(saved)) return saved;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("timed out waiting for history");
}

describe("lineage of a run", () => {
  it("labels the outcome, relates each answer, traces the steps, and saves all of it in history", async () => {
    const store = appStore();
    await store.getState().startRun();
    const run = store.getState().run!;
    expect(run.status).toBe("complete");
    expect(run.lineage).toMatchObject({ outcome: "confirmed", relations: ["same", "same", "different"] });
    expect(run.stepTrace).toBe("ready");
    // The refined steps: a formula no candidate wrote (new), then the sum and the closing line of the two right candidates.
    expect(run.lineage!.steps!.refined.map((s) => s.sources)).toEqual([[], [0, 1], [0, 1]]);
    // Refinement dropped the adding step everyone wrote, and all of the slipped candidate's (its 32 matches no 42).
    expect(run.lineage!.steps!.candidates[0]!.map((s) => s.used)).toEqual([false, true, true]);
    expect(run.lineage!.steps!.candidates[2]!.map((s) => s.used)).toEqual([false, false, false]);

    const saved = await savedWhen(store.getState().shownRunId!, (r) => r.status === "complete");
    expect(saved.lineage?.outcome).toBe("confirmed");
    expect(saved.lineage?.steps?.refined).toHaveLength(3);
  });

  it("an older saved run without lineage gets it when opened, on screen and in history", async () => {
    const store = appStore();
    await store.getState().startRun();
    const id = store.getState().shownRunId!;
    const history = createHistory({ openDb: () => new HistoryDb(`lineage-slice-${dbs}`) });
    const { lineage: _dropped, ...old } = await savedWhen(id, (r) => r.lineage?.steps != null);
    await history.saveRun(old);
    store.setState({ run: null });
    await store.getState().openRun(id);
    expect(store.getState().run?.lineage?.outcome).toBe("confirmed");
    expect(store.getState().run?.stepTrace).toBe("ready");
    expect((await history.getRun(id))?.lineage?.steps?.refined).toHaveLength(3);
  });
});

describe("replay", () => {
  it("streams the candidates side by side, then the vote, then the refinement, and ends as saved", async () => {
    const store = appStore();
    await store.getState().startRun();
    const source = store.getState().run!;
    const plan = replayPlan(source);
    const early = replayFrame(source, plan, plan.candidateEnds[0]! / 2);
    expect(early.status).toBe("running");
    expect(early.candidates.every((c) => c.status === "streaming" && c.text.length > 0 && c.text.length < source.candidates[0]!.text.length)).toBe(true);
    expect(early.vote).toBeNull();
    expect(early.refined.status).toBe("waiting");
    const refining = replayFrame(source, plan, (plan.refineStart + plan.end) / 2);
    expect(refining.vote).toBe(source.vote);
    expect(refining.candidates.every((c) => c.status === "done")).toBe(true);
    expect(refining.refined.status).toBe("streaming");
    expect(refining.lineage).toBeNull();
    expect(replayFrame(source, plan, plan.end)).toBe(source);

    // Driven by the store at 8×: it replays without touching the engine or history, and ends on the saved run.
    clock = 0;
    store.getState().replayRun(8);
    expect(store.getState().replaySpeed).toBe(8);
    await until(() => store.getState().run?.candidates[0]?.status === "streaming");
    clock = plan.end / 8;
    await until(() => store.getState().replaySpeed === null);
    expect(store.getState().run).toBe(source);
  });

  it("Stop ends a replay at once, on the saved run", async () => {
    const store = appStore();
    await store.getState().startRun();
    const source = store.getState().run!;
    clock = 0;
    store.getState().replayRun(1);
    expect(store.getState().run?.status).toBe("running");
    store.getState().stopRun();
    expect(store.getState().run).toBe(source);
    expect(store.getState().replaySpeed).toBeNull();
    expect(toSavedRun(source, { id: "x", createdAt: 0, updatedAt: 0, problemRef: null, engine: "wllama", model: "" }).lineage?.outcome).toBe("confirmed");
  });
});
