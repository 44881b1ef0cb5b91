import "fake-indexeddb/auto";
import { beforeEach, describe, expect, it } from "vitest";
import { applyDeepLink } from "../deepLink";
import type { Engine } from "../engine/types";
import { createHistory, HistoryDb } from "../history/db";
import { createAppStore } from "./index";
import { remoteSource } from "./serverSlice";

/** Node has no localStorage; a Map-backed one is enough for these tests. */
class MemoryStorage {
  private items = new Map<string, string>();
  getItem = (k: string) => this.items.get(k) ?? null;
  setItem = (k: string, v: string) => void this.items.set(k, v);
  removeItem = (k: string) => void this.items.delete(k);
  entries = () => [...this.items.entries()];
}

let storage: MemoryStorage;
let dbs = 0;
beforeEach(() => {
  storage = new MemoryStorage();
  (globalThis as { localStorage?: unknown }).localStorage = storage;
});

function store() {
  const engine = {
    capabilities: { kind: "remote", batchedParallel: true, maxParallel: 8 },
  } as unknown as Engine;
  return createAppStore({
    engine,
    history: createHistory({ openDb: () => new HistoryDb(`server-slice-${++dbs}`) }),
  });
}

describe("serverSlice", () => {
  it("keeps a key per server origin, so a key typed for one server is never sent to another", () => {
    const s = store();
    s.getState().setServerUrl("http://10.0.0.5:8000");
    s.getState().setServerKey("key-a");
    s.getState().setServerUrl("http://10.0.0.6:8000/v1");
    expect(s.getState().serverKey).toBe("");
    s.getState().setServerUrl("http://10.0.0.5:8000/other/path");
    expect(s.getState().serverKey).toBe("key-a");
    expect(storage.entries()).toEqual([["refinery.serverKey http://10.0.0.5:8000", "key-a"]]);
    s.getState().setServerKey("");
    expect(storage.entries()).toEqual([]);
  });

  it("builds the engine's source from the address, key and time limit, or says what is missing", async () => {
    expect(
      await remoteSource({ serverUrl: "", serverKey: "", serverTimeoutS: 60 }, ""),
    ).toHaveProperty("error");
    expect(
      await remoteSource({ serverUrl: "gopher://x", serverKey: "", serverTimeoutS: 60 }, ""),
    ).toHaveProperty("error");
    expect(
      await remoteSource(
        { serverUrl: "http://10.0.0.5:8000/v1/", serverKey: " k ", serverTimeoutS: 5 },
        "m",
      ),
    ).toEqual({
      kind: "remote",
      baseUrl: "http://10.0.0.5:8000",
      model: "m",
      apiKey: "k",
      name: "m",
      timeoutMs: 5_000,
    });
  });

  it("clamps the time limit", () => {
    const s = store();
    s.getState().setServerTimeout(0.5);
    expect(s.getState().serverTimeoutS).toBe(2);
    s.getState().setServerTimeout(Number.NaN);
    expect(s.getState().serverTimeoutS).toBe(60);
  });
});

describe("a teacher's server link", () => {
  it("preselects the Server engine and the address, sends nothing, and refuses a key in the link", async () => {
    const s = store();
    applyDeepLink(
      { search: "?engine=remote&server=http%3A%2F%2F192.168.1.10%3A8000&key=leaked", hash: "" },
      s,
    );
    await Promise.resolve();
    expect(s.getState().engineKind).toBe("remote");
    expect(s.getState().serverUrl).toBe("http://192.168.1.10:8000");
    expect(s.getState().modelChoice).toEqual({ kind: "remote", model: "" });
    expect(s.getState().serverKey).toBe("");
    expect(s.getState().serverCheck.state).toBe("idle");
    expect(s.getState().banner?.title).toMatch(/does not take from links/);
    expect(JSON.stringify(s.getState().banner)).not.toContain("leaked");
  });
});
