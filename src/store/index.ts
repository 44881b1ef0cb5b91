/**
 * The app's one zustand store, built from slices. The engine is created once at
 * start-up and passed in; actions are callable from outside React.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Engine } from "../engine/types";
import { createHistory, type RunHistory } from "../history/db";
import type { Schedule } from "./frameBatcher";
import { animationFrame } from "./frameBatcher";
import { createHistorySlice, type HistorySlice } from "./historySlice";
import { createModelSlice, type ModelSlice } from "./modelSlice";
import { createRunSlice, type RunSlice } from "./runSlice";
import { createSettingsSlice, type SettingsSlice } from "./settingsSlice";

export interface AppDeps {
  engine: Engine;
  /** Saved runs (IndexedDB). */
  history: RunHistory;
  /** Settles once runs left 'running' by a page that died are marked incomplete. */
  historyReady: Promise<unknown>;
  /** Writes the recording run's latest state now (set by the run slice). */
  flushRecording: () => Promise<void>;
  now: () => number;
  /** When streamed text is flushed into the store (once per animation frame). */
  schedule: Schedule;
}

export type AppState = ModelSlice & SettingsSlice & RunSlice & HistorySlice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(
  deps: Pick<AppDeps, "engine"> & Partial<Omit<AppDeps, "historyReady" | "flushRecording">>,
): AppStore {
  const history = deps.history ?? createHistory();
  const full: AppDeps = {
    now: () => performance.now(),
    schedule: animationFrame,
    ...deps,
    history,
    historyReady: history.markInterruptedRuns().catch(() => 0),
    flushRecording: async () => undefined,
  };
  return createStore<AppState>()((...a) => ({
    ...createModelSlice(full)(...a),
    ...createSettingsSlice(...a),
    ...createRunSlice(full)(...a),
    ...createHistorySlice(full)(...a),
  }));
}
