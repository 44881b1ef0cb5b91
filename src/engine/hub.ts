/**
 * Holds the one engine in use. Engines are created on first use (WebLLM's
 * library is megabytes, fetched only when chosen) and replaced when the user
 * switches engine; the old one is disposed, its worker ended.
 */
import type { Engine, EngineKind } from "./types";

export interface EngineHub {
  current(): Engine | null;
  /** The engine of this kind, created if needed; disposes a different current one. */
  use(kind: EngineKind): Promise<Engine>;
}

export function createEngineHub(factories: Record<EngineKind, () => Promise<Engine>>): EngineHub {
  let engine: Engine | null = null;
  let pending: Promise<Engine> | null = null;
  return {
    current: () => engine,
    use: async (kind) => {
      if (engine?.capabilities.kind === kind) return engine;
      if (pending) await pending.catch(() => undefined);
      if (engine?.capabilities.kind === kind) return engine;
      engine?.dispose();
      engine = null;
      pending = factories[kind]();
      try {
        engine = await pending;
        return engine;
      } finally {
        pending = null;
      }
    },
  };
}

/** A hub around one ready engine, whatever kind is asked for: for tests and benchmarks. */
export function singleEngineHub(engine: Engine): EngineHub {
  return { current: () => engine, use: async () => engine };
}

/** The app's engines, each loaded lazily with its own code chunk. */
export function defaultEngineHub(): EngineHub {
  return createEngineHub({
    wllama: async () => new (await import("./wllama/client")).WllamaEngine(),
    webllm: async () => new (await import("./webllm/client")).WebLlmEngine(),
    remote: async () => new (await import("./remote/client")).RemoteEngine(),
  });
}
