import "fake-indexeddb/auto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHistory, HistoryDb, HistoryError, toHistoryError, type RunHistory } from "./db";
import { makeSavedRun, uuid } from "./testing/fixtures";
import type { SavedRun } from "./types";

let dbCount = 0;
const opened: RunHistory[] = [];

/** A history on a fresh fake-indexeddb database. */
function freshHistory(newId?: () => string): RunHistory {
  const name = `history-test-${++dbCount}`;
  const history = createHistory({ openDb: () => new HistoryDb(name), newId });
  opened.push(history);
  return history;
}

function run(n: number, overrides: Partial<SavedRun> = {}): SavedRun {
  return makeSavedRun({
    id: uuid(n),
    createdAt: 1_000_000 + n * 1000,
    updatedAt: 1_000_000 + n * 1000,
    ...overrides,
  });
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const h of opened.splice(0)) h.close();
});

describe("storage", () => {
  it("saves and reads a run back unchanged", async () => {
    const history = freshHistory();
    const saved = run(1);
    await history.saveRun(saved);
    expect(await history.getRun(saved.id)).toEqual(saved);
    expect(await history.getRun(uuid(99))).toBeUndefined();
  });

  it("upserts: saving the same id again replaces the run and its summary", async () => {
    const history = freshHistory();
    await history.saveRun(run(1, { status: "running" }));
    await history.saveRun(run(1, { status: "complete", problem: "Updated problem" }));
    const list = await history.listRuns();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: "complete", problemExcerpt: "Updated problem" });
    expect((await history.getRun(uuid(1)))?.problem).toBe("Updated problem");
  });

  it("lists newest first, with limit and offset, and counts", async () => {
    const history = freshHistory();
    for (const n of [2, 5, 1, 4, 3]) await history.saveRun(run(n));
    const ids = (await history.listRuns()).map((s) => s.id);
    expect(ids).toEqual([5, 4, 3, 2, 1].map(uuid));
    expect((await history.listRuns({ limit: 2, offset: 1 })).map((s) => s.id)).toEqual([
      uuid(4),
      uuid(3),
    ]);
    expect(await history.countRuns()).toBe(5);
    expect((await history.allRuns()).map((r) => r.id)).toEqual([1, 2, 3, 4, 5].map(uuid));
  });

  it("lists summaries without the solutions' text", async () => {
    const history = freshHistory();
    await history.saveRun(run(1));
    const [summary] = await history.listRuns();
    expect(summary).toEqual({
      id: uuid(1),
      createdAt: 1_001_000,
      updatedAt: 1_001_000,
      status: "complete",
      problemExcerpt: "Janet has $3$ ducks and buys $15$ more. How many ducks does she have?",
      problemRef: { id: "gsm8k-7", dataset: "gsm8k", answer: "18" },
      n: 3,
      engine: "wllama",
      model: "Qwen2.5 0.5B Instruct Q4",
      majorityAnswer: "18",
      majorityCorrect: true,
      refinedAnswer: "18",
      refinedCorrect: true,
    });
  });

  it("searches problem text and answers, case-insensitively", async () => {
    const history = freshHistory();
    await history.saveRun(run(1, { problem: "Find the AREA of a circle of radius 2." }));
    const other = run(2, { problem: "How many primes are below 20?" });
    other.refined = { ...other.refined, answer: "8" };
    other.candidates[2] = { ...other.candidates[2]!, answer: "\\sqrt{7}" };
    await history.saveRun(other);
    expect((await history.listRuns({ search: "area" })).map((s) => s.id)).toEqual([uuid(1)]);
    expect((await history.listRuns({ search: "  PRIMES  below " })).map((s) => s.id)).toEqual([
      uuid(2),
    ]);
    expect((await history.listRuns({ search: "\\SQRT{7}" })).map((s) => s.id)).toEqual([uuid(2)]);
    expect(await history.listRuns({ search: "primes circle" })).toEqual([]);
    expect(await history.countRuns("circle")).toBe(1);
    expect(await history.listRuns({ search: "" })).toHaveLength(2);
  });

  it("deletes one run, then all", async () => {
    const history = freshHistory();
    for (const n of [1, 2, 3]) await history.saveRun(run(n));
    await history.deleteRun(uuid(2));
    expect((await history.listRuns()).map((s) => s.id)).toEqual([uuid(3), uuid(1)]);
    expect(await history.getRun(uuid(2))).toBeUndefined();
    await history.deleteAll();
    expect(await history.listRuns()).toEqual([]);
    expect(await history.allRuns()).toEqual([]);
  });

  it("marks runs left 'running' by a dead page as incomplete, and only those", async () => {
    const history = freshHistory();
    const dead = run(1, { status: "running", reason: null });
    dead.candidates[1] = { ...dead.candidates[1]!, status: "streaming" };
    dead.refined = { ...dead.refined, status: "waiting" };
    await history.saveRun(dead);
    await history.saveRun(run(2, { status: "complete" }));
    await history.saveRun(run(3, { status: "stopped" }));
    expect(await history.markInterruptedRuns()).toBe(1);
    const marked = await history.getRun(uuid(1));
    expect(marked?.status).toBe("incomplete");
    expect(marked?.candidates[1]?.status).toBe("stopped");
    expect(marked?.refined.status).toBe("stopped");
    expect((await history.listRuns()).map((s) => s.status)).toEqual([
      "stopped",
      "complete",
      "incomplete",
    ]);
    expect(await history.markInterruptedRuns()).toBe(0);
  });
});

describe("import", () => {
  it("adds every run of a file", async () => {
    const history = freshHistory();
    const report = await history.importRuns([run(1), run(2)]);
    expect(report).toEqual({ imported: 2, renamed: 0 });
    expect(await history.countRuns()).toBe(2);
  });

  it("gives colliding ids new ids instead of overwriting", async () => {
    let next = 100;
    const history = freshHistory(() => uuid(next++));
    const original = run(1, { problem: "The original" });
    await history.saveRun(original);
    const report = await history.importRuns([
      run(1, { problem: "The import" }),
      run(2),
      run(2, { problem: "Same id twice in one file" }),
    ]);
    expect(report).toEqual({ imported: 3, renamed: 2 });
    expect(await history.getRun(uuid(1))).toEqual(original);
    expect((await history.getRun(uuid(100)))?.problem).toBe("The import");
    expect((await history.getRun(uuid(101)))?.problem).toBe("Same id twice in one file");
    expect(await history.countRuns()).toBe(4);
  });

  it("imports runs that were still going as incomplete", async () => {
    const history = freshHistory();
    await history.importRuns([run(1, { status: "running" })]);
    expect((await history.getRun(uuid(1)))?.status).toBe("incomplete");
  });

  it("is all or nothing: a write failing mid-import leaves history as it was", async () => {
    const history = freshHistory();
    await history.saveRun(run(1));
    await history.saveRun(run(2));
    const before = await history.allRuns();

    const add = IDBObjectStore.prototype.add;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, "add").mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (++calls === 3) throw new DOMException("The disk said no.", "UnknownError");
      return add.apply(this, args);
    });
    const error = await history
      .importRuns([run(3), run(4), run(5), run(6)])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryError);
    expect(calls).toBeGreaterThanOrEqual(3);
    vi.restoreAllMocks();

    expect(await history.allRuns()).toEqual(before);
    expect(await history.listRuns()).toHaveLength(2);
    for (const n of [3, 4, 5, 6]) expect(await history.getRun(uuid(n))).toBeUndefined();
  });
});

describe("errors", () => {
  it("maps a quota error from IndexedDB to 'storage full'", async () => {
    const history = freshHistory();
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(() => {
      throw new DOMException("Quota exceeded.", "QuotaExceededError");
    });
    const error = await history.saveRun(run(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryError);
    expect((error as HistoryError).code).toBe("storage-full");
    expect((error as HistoryError).message).toMatch(/^Storage full/);
  });

  it("finds quota errors inside Dexie's wrappers", () => {
    const quota = { name: "QuotaExceededError", message: "quota" };
    expect(toHistoryError({ name: "AbortError", inner: quota }).code).toBe("storage-full");
    expect(toHistoryError({ name: "BulkError", failures: [quota] }).code).toBe("storage-full");
    expect(toHistoryError({ name: "BulkError", failures: { 3: quota } }).code).toBe("storage-full");
    expect(toHistoryError(new Error("wrapped", { cause: quota })).code).toBe("storage-full");
    expect(toHistoryError({ name: "Error", code: 22 }).code).toBe("storage-full");
  });

  it("maps a blocked database to 'unavailable' and anything else to 'failed'", () => {
    expect(toHistoryError({ name: "MissingAPIError", message: "IndexedDB API missing" }).code).toBe(
      "unavailable",
    );
    const other = toHistoryError(new Error("something odd"));
    expect(other.code).toBe("failed");
    expect(other.message).toBe("History could not be updated: something odd");
  });
});
