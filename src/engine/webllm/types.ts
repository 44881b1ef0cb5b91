/**
 * Types of the WebLLM engine only: its load progress and its loaded model, which
 * the engine's files share. Shared types (the model source, `LoadPhase` with its
 * "compile" phase) live in ../types.ts; imports go one way, from here to there.
 */
import type { LoadedModelInfo, LoadPhase, LoadProgress } from "../types";

/** What `parseWebLlmProgress` reads from one WebLLM progress report. */
export interface WebLlmProgressReport {
  phase: LoadPhase;
  /** Bytes done and total of the phase; 0/0 when unknown (always for compile and initialize). */
  loadedBytes: number;
  totalBytes: number;
  /** 0–1 within the phase when WebLLM says so (also for the byte-less compile phase), else null. */
  fraction: number | null;
  /** WebLLM's own progress line, for a details view. */
  text: string;
}

/**
 * What `WebLlmEngine.load` reports: a shared `LoadProgress` whose fraction and
 * text are always present; `webllmPhase` is WebLLM's own phase for that report.
 */
export interface WebLlmLoadProgress extends LoadProgress {
  webllmPhase: LoadPhase;
  fraction: number | null;
  text: string;
}

export interface WebLlmLoadedModel extends LoadedModelInfo {
  modelId: string;
  /** The adapter WebLLM reported ("WebGPU - NVIDIA GeForce RTX 3060"), when it did. */
  gpu: string | null;
}
