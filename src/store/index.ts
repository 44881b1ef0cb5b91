/**
 * The app's one zustand store, built from slices. The engine is created once at
 * start-up and passed in; actions are callable from outside React.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import { singleEngineHub, type EngineHub } from "../engine/hub";
import type { Engine } from "../engine/types";
import { createHistory, type RunHistory } from "../history/db";
import type { Schedule } from "./frameBatcher";
import { animationFrame } from "./frameBatcher";
import { createBenchSlice, type BenchmarkSlice } from "./benchmarkSlice";
import { createHistorySlice, type HistorySlice } from "./historySlice";
import { createLineageSlice, type LineageSlice } from "./lineageSlice";
import { createModelSlice, type ModelSlice } from "./modelSlice";
import { createRunSlice, type RunSlice } from "./runSlice";
import { createServerSlice, type ServerSlice } from "./serverSlice";
import { createSettingsSlice, type SettingsSlice } from "./settingsSlice";

export interface AppDeps {
  /** The engine in use; created at start-up, replaced only when the user switches engine. */
  engines: EngineHub;
  /** Saved runs (IndexedDB). */
  history: RunHistory;
  /** Settles once runs left 'running' by a page that died are marked incomplete. */
  historyReady: Promise<unknown>;
  /** Writes the recording run's latest state now (set by the run slice). */
  flushRecording: () => Promise<void>;
  now: () => number;
  /** When streamed text is flushed into the store (on an animation frame, paced by frameBatcher's streamPause). */
  schedule: Schedule;
}

export type AppState = ModelSlice & SettingsSlice & ServerSlice & RunSlice & HistorySlice & BenchmarkSlice & LineageSlice;
export type AppStore = StoreApi<AppState>;

/** `engine` (one ready engine, for tests and benchmarks) or `engines` (the app's hub). */
export function createAppStore(
  deps: ({ engine: Engine } | { engines: EngineHub }) & Partial<Omit<AppDeps, "engines" | "historyReady" | "flushRecording">>,
): AppStore {
  const history = deps.history ?? createHistory();
  const { engine: _single, engines: _hub, ...rest } = deps as Partial<{ engine: Engine; engines: EngineHub }> & typeof deps;
  const full: AppDeps = {
    now: () => performance.now(),
    schedule: animationFrame,
    ...rest,
    engines: "engines" in deps ? deps.engines : singleEngineHub(deps.engine),
    history,
    historyReady: history.markInterruptedRuns().catch(() => 0),
    flushRecording: async () => undefined,
  };
  return createStore<AppState>()((...a) => ({
    ...createModelSlice(full)(...a),
    ...createSettingsSlice(...a),
    ...createServerSlice(...a),
    ...createRunSlice(full)(...a),
    ...createHistorySlice(full)(...a),
    ...createBenchSlice(full)(...a),
    ...createLineageSlice(full)(...a),
  }));
}
