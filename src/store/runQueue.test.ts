import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { boxed, ScriptedPort } from "../benchmark/testing/doubles";
import type { Engine, LoadedModelInfo, LoadOptions, ModelSource } from "../engine/types";
import { createHistory, HistoryDb } from "../history/db";
import { createAppStore, type AppStore } from "./index";
import { continueSentence, runNotStarted } from "./runQueue";

const GOOD_URL = "http://192.168.1.10:8080/tiny.gguf";
const OTHER_URL = "http://192.168.1.10:8080/other.gguf";

/** An engine whose loads wait until the test ends them, so a Run can be pressed mid-load. */
class HeldLoadEngine implements Engine {
  readonly capabilities = { kind: "wllama" as const, batchedParallel: true, maxParallel: 8 };
  readonly loads: ModelSource[] = [];
  private held: { finish(): void; fail(error: Error): void } | null = null;
  private readonly port = new ScriptedPort({ solve: () => ({ text: boxed("42") }), refine: () => ({ text: boxed("42") }) });

  load(source: ModelSource, options: LoadOptions): Promise<LoadedModelInfo> {
    this.loads.push(source);
    return new Promise((resolve, reject) => {
      options.signal?.addEventListener("abort", () => reject(new DOMException("The load was aborted.", "AbortError")));
      this.held = {
        finish: () => resolve({ name: source.name, contextWindow: 4096, parallelSlots: 8, threads: 1, multithreaded: false, fromCache: false }),
        fail: reject,
      };
    });
  }
  /** Resolves once a load is waiting, then ends it. */
  async finishLoad(): Promise<void> {
    await until(() => this.held !== null);
    this.held!.finish();
    this.held = null;
  }
  async failLoad(error: Error): Promise<void> {
    await until(() => this.held !== null);
    this.held!.fail(error);
    this.held = null;
  }
  contextWindow = () => this.port.contextWindow();
  countTokens: Engine["countTokens"] = (m) => this.port.countTokens(m);
  generateMany: Engine["generateMany"] = (r, c, s) => this.port.generateMany(r, c, s);
  generate = async (): Promise<never> => {
    throw new Error("unused");
  };
  unload = async () => {};
  dispose = () => {};
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 1));
  }
}

let dbs = 0;
function setup(): { store: AppStore; engine: HeldLoadEngine } {
  const engine = new HeldLoadEngine();
  const store = createAppStore({
    engine,
    history: createHistory({ openDb: () => new HistoryDb(`run-queue-${++dbs}`) }),
    schedule: (flush) => setTimeout(flush, 0),
  });
  store.getState().setModelChoice({ kind: "url", url: GOOD_URL });
  store.getState().setProblem("What is 17 + 25?");
  store.getState().setSetting("n", 2);
  return { store, engine };
}

const runEnded = (store: AppStore) => until(() => store.getState().run?.status === "complete");

describe("Run with no model loaded", () => {
  it("loads the picker's choice, shows the run as queued while it loads, then runs on it", async () => {
    const { store, engine } = setup();
    const running = store.getState().startRun();
    await until(() => store.getState().modelStatus === "loading");
    expect(store.getState().runQueued).toBe(true);
    expect(store.getState().run).toBeNull();
    expect(engine.loads).toEqual([{ kind: "url", url: GOOD_URL, name: "tiny.gguf" }]);

    await engine.finishLoad();
    await running;
    await runEnded(store);
    const s = store.getState();
    expect(s.runQueued).toBe(false);
    expect(s.run).toMatchObject({ model: "tiny.gguf", engine: "wllama", problem: "What is 17 + 25?" });
    expect(s.run!.candidates).toHaveLength(2);
    expect(s.banner).toBeNull();
  });

  it("a Run pressed during a load started by Load joins that load instead of starting another", async () => {
    const { store, engine } = setup();
    const loading = store.getState().loadModel();
    // Pressed twice while the choice is still being resolved and then while loading: one load, one run.
    const running = store.getState().startRun();
    void store.getState().startRun();
    await until(() => store.getState().modelStatus === "loading");
    void store.getState().startRun();
    await engine.finishLoad();
    expect(await loading).toBe("loaded");
    await running;
    await runEnded(store);
    expect(engine.loads).toHaveLength(1);
    expect(store.getState().run!.id).toBe(1);
  });

  it("runs the problem and settings as they are when the model is ready", async () => {
    const { store, engine } = setup();
    const running = store.getState().startRun();
    store.getState().setProblem("What is 2 + 2?");
    store.getState().setSetting("n", 3);
    await engine.finishLoad();
    await running;
    await runEnded(store);
    expect(store.getState().run).toMatchObject({ problem: "What is 2 + 2?" });
    expect(store.getState().run!.candidates).toHaveLength(3);
  });

  it("a failed load drops the run with the load's reason; the problem and settings stay; the next Run loads again", async () => {
    const { store, engine } = setup();
    const running = store.getState().startRun();
    await engine.failLoad(new Error("HTTP 404 Not Found"));
    await running;
    let s = store.getState();
    expect(s.run).toBeNull();
    expect(s.runQueued).toBe(false);
    expect(s.banner).toMatchObject({ code: "not-found", title: "The run did not start: the model file was not found at that address." });
    expect(s.banner!.action).toMatch(/Check the URL/);
    expect(s.problem).toBe("What is 17 + 25?");
    expect(s.settings.n).toBe(2);

    store.getState().setModelChoice({ kind: "url", url: OTHER_URL });
    const again = store.getState().startRun();
    await engine.finishLoad();
    await again;
    await runEnded(store);
    s = store.getState();
    expect(s.banner).toBeNull();
    expect(s.run!.model).toBe("other.gguf");
    expect(engine.loads.map((l) => l.name)).toEqual(["tiny.gguf", "other.gguf"]);
  });

  it("an incomplete choice says exactly what is missing and loads nothing", async () => {
    const { store, engine } = setup();
    store.getState().setModelChoice({ kind: "url", url: "  " });
    await store.getState().startRun();
    expect(store.getState().banner?.title).toBe(
      "The run did not start: no model URL entered. Type the address of a .gguf file under Model URL, e.g. http://192.168.1.10:8080/model.gguf",
    );
    store.getState().setModelChoice({ kind: "file", file: null });
    await store.getState().startRun();
    expect(store.getState().banner?.title).toBe("The run did not start: choose a .gguf file first.");
    expect(engine.loads).toHaveLength(0);
    expect(store.getState().runQueued).toBe(false);
  });

  it("Stop drops the queued run and leaves the model loading; the model still becomes ready", async () => {
    const { store, engine } = setup();
    const running = store.getState().startRun();
    await until(() => store.getState().modelStatus === "loading");
    store.getState().stopRun();
    expect(store.getState().runQueued).toBe(false);
    expect(store.getState().modelStatus).toBe("loading");
    await engine.finishLoad();
    await running;
    expect(store.getState().modelStatus).toBe("ready");
    expect(store.getState().run).toBeNull();
    expect(store.getState().banner).toBeNull();
  });

  it("a Run pressed again after Stop waits for the same load and starts once", async () => {
    const { store, engine } = setup();
    const first = store.getState().startRun();
    await until(() => store.getState().modelStatus === "loading");
    store.getState().stopRun();
    const second = store.getState().startRun();
    expect(store.getState().runQueued).toBe(true);
    await engine.finishLoad();
    await Promise.all([first, second]);
    await runEnded(store);
    expect(engine.loads).toHaveLength(1);
    expect(store.getState().run!.id).toBe(1);
  });

  it("cancelling the load drops the queued run with one message", async () => {
    const { store } = setup();
    const running = store.getState().startRun();
    await until(() => store.getState().modelStatus === "loading");
    store.getState().cancelLoad();
    await running;
    const s = store.getState();
    expect(s.modelStatus).toBe("idle");
    expect(s.modelError).toBeNull();
    expect(s.run).toBeNull();
    expect(s.banner).toMatchObject({ code: "aborted", title: "Loading was cancelled, so the run did not start." });
  });

  it("a problem cleared while the model loads is reported when it is ready, and nothing runs", async () => {
    const { store, engine } = setup();
    const running = store.getState().startRun();
    store.getState().setProblem("");
    await engine.finishLoad();
    await running;
    expect(store.getState().run).toBeNull();
    expect(store.getState().banner?.title).toBe("Type or pick a math problem first.");
  });

  it("an empty problem is refused before anything loads", async () => {
    const { store, engine } = setup();
    store.getState().setProblem("   ");
    await store.getState().startRun();
    expect(store.getState().banner?.title).toBe("Type or pick a math problem first.");
    expect(store.getState().runQueued).toBe(false);
    expect(engine.loads).toHaveLength(0);
  });
});

describe("Run with a model loaded", () => {
  it("runs on the loaded model, without loading, when the picker shows another", async () => {
    const { store, engine } = setup();
    const loading = store.getState().loadModel();
    await engine.finishLoad();
    await loading;
    expect(store.getState().loadedChoice).toEqual({ kind: "url", url: GOOD_URL });
    store.getState().setModelChoice({ kind: "url", url: OTHER_URL });
    await store.getState().startRun();
    await runEnded(store);
    expect(engine.loads).toHaveLength(1);
    expect(store.getState().run!.model).toBe("tiny.gguf");
  });
});

describe("runNotStarted", () => {
  it("keeps the load error's code and action and says the run did not start", () => {
    const message = runNotStarted("failed", { code: "download-failed", title: "The model could not be downloaded.", action: "Check the network.", detail: "TypeError" });
    expect(message).toEqual({ code: "download-failed", title: "The run did not start: the model could not be downloaded.", action: "Check the network.", detail: "TypeError" });
  });
  it("leaves the storage warning to speak for itself", () => {
    expect(runNotStarted("storage-warning", null)).toBeNull();
  });
  it("continues a sentence without breaking acronyms or quoted names", () => {
    expect(continueSentence("That file is not a usable GGUF model.")).toBe("that file is not a usable GGUF model.");
    expect(continueSentence("CSP blocked the request.")).toBe("CSP blocked the request.");
    expect(continueSentence('"a.gguf" is empty.')).toBe('"a.gguf" is empty.');
  });
});
