/**
 * The app's one zustand store, built from slices. The engine is created once at
 * start-up and passed in; actions are callable from outside React.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Engine } from "../engine/types";
import type { Schedule } from "./frameBatcher";
import { animationFrame } from "./frameBatcher";
import { createModelSlice, type ModelSlice } from "./modelSlice";
import { createRunSlice, type RunSlice } from "./runSlice";
import { createSettingsSlice, type SettingsSlice } from "./settingsSlice";

export interface AppDeps {
  engine: Engine;
  now: () => number;
  /** When streamed text is flushed into the store (once per animation frame). */
  schedule: Schedule;
}

export type AppState = ModelSlice & SettingsSlice & RunSlice;
export type AppStore = StoreApi<AppState>;

export function createAppStore(deps: Pick<AppDeps, "engine"> & Partial<AppDeps>): AppStore {
  const full: AppDeps = { now: () => performance.now(), schedule: animationFrame, ...deps };
  return createStore<AppState>()((...a) => ({
    ...createModelSlice(full)(...a),
    ...createSettingsSlice(...a),
    ...createRunSlice(full)(...a),
  }));
}
