import { describe, expect, it, vi } from "vitest";
import { createEngineHub } from "./hub";
import type { Engine, EngineKind } from "./types";

function fakeEngine(kind: EngineKind): Engine {
  return { capabilities: { kind, batchedParallel: false, maxParallel: 1 }, dispose: vi.fn() } as unknown as Engine;
}

describe("createEngineHub", () => {
  it("creates engines lazily, reuses the current one and disposes the old one on a switch", async () => {
    const made: Engine[] = [];
    const hub = createEngineHub({
      wllama: async () => (made.push(fakeEngine("wllama")), made.at(-1)!),
      webllm: async () => (made.push(fakeEngine("webllm")), made.at(-1)!),
      remote: async () => (made.push(fakeEngine("remote")), made.at(-1)!),
    });
    expect(hub.current()).toBeNull();
    const w = await hub.use("wllama");
    expect(await hub.use("wllama")).toBe(w);
    expect(made).toHaveLength(1);
    const g = await hub.use("webllm");
    expect(g.capabilities.kind).toBe("webllm");
    expect(w.dispose).toHaveBeenCalledOnce();
    expect(hub.current()).toBe(g);
  });

  it("does not create the same engine twice when asked concurrently", async () => {
    let count = 0;
    const hub = createEngineHub({ wllama: async () => (count++, fakeEngine("wllama")), webllm: async () => fakeEngine("webllm"), remote: async () => fakeEngine("remote") });
    const [a, b] = await Promise.all([hub.use("wllama"), hub.use("wllama")]);
    expect(a).toBe(b);
    expect(count).toBe(1);
  });
});
