import type { StateCreator } from "zustand";
import type { AppState } from "./index";

export interface Settings {
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
  /** Context window requested at model load (tokens per sequence). */
  contextSize: number;
}

export const DEFAULT_SETTINGS: Settings = {
  n: 4,
  temperature: 0.7,
  topP: 0.95,
  maxTokens: 1024,
  seed: 1,
  contextSize: 4096,
};

/** Valid ranges; out-of-range input is clamped, never rejected silently. */
export const SETTING_LIMITS: Record<keyof Settings, { min: number; max: number; step: number }> = {
  n: { min: 1, max: 8, step: 1 },
  temperature: { min: 0, max: 2, step: 0.05 },
  topP: { min: 0.05, max: 1, step: 0.05 },
  maxTokens: { min: 16, max: 8192, step: 16 },
  seed: { min: 0, max: 2 ** 31 - 1, step: 1 },
  contextSize: { min: 512, max: 32768, step: 512 },
};

/** Clamps a user-entered value into range; NaN falls back to the default. */
export function clampSetting<K extends keyof Settings>(key: K, value: number): Settings[K] {
  const { min, max, step } = SETTING_LIMITS[key];
  if (!Number.isFinite(value)) return DEFAULT_SETTINGS[key];
  const clamped = Math.min(max, Math.max(min, value));
  return (step >= 1 ? Math.round(clamped) : clamped) as Settings[K];
}

export interface SettingsSlice {
  settings: Settings;
  setSetting<K extends keyof Settings>(key: K, value: number): void;
}

export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  settings: DEFAULT_SETTINGS,
  setSetting: (key, value) => set((s) => ({ settings: { ...s.settings, [key]: clampSetting(key, value) } })),
});
