/**
 * Types the WebLLM engine adds to the shared ones in ../types.ts. They are
 * meant to move there: `WebLlmModelSource` joins the `ModelSource` union and
 * "compile" joins `LoadPhase`.
 */
import type { LoadPhase, LoadProgress } from "../types";

/** A WebLLM model: a prebuilt catalogue id, or a custom MLC model by URL. */
export interface WebLlmModelSource {
  kind: "webllm";
  /** `model_id` in WebLLM's app config; for a custom model, any unique id (see `customModelId`). */
  modelId: string;
  name: string;
  custom?: {
    /** Folder holding mlc-chat-config.json, tensor-cache.json, the tokenizer and the weight shards. */
    modelUrl: string;
    /** The compiled model library (a *-webgpu.wasm file). */
    modelLibUrl: string;
    /** From `validateCustomModel`: the model's own context window (caps the one requested at load)… */
    contextWindow?: number | null;
    /** …and its quantisation ("q4f16_1" marks it as needing shader-f16). */
    quantization?: string | null;
  };
}

/** WebLLM compiles its WebGPU shaders after the weights are on the GPU: a phase of its own. */
export type WebLlmLoadPhase = LoadPhase | "compile";

/** What `parseWebLlmProgress` reads from one WebLLM progress report. */
export interface WebLlmProgressReport {
  phase: WebLlmLoadPhase;
  /** Bytes done and total of the phase; 0/0 when unknown (always for compile and initialize). */
  loadedBytes: number;
  totalBytes: number;
  /** 0–1 within the phase when WebLLM says so (also for the byte-less compile phase), else null. */
  fraction: number | null;
  /** WebLLM's own progress line, for a details view. */
  text: string;
}

/**
 * What `WebLlmEngine.load` reports: a shared `LoadProgress` plus the detail.
 * Until `LoadPhase` gains "compile", shader compilation is reported with
 * `phase: "initialize"` and `webllmPhase: "compile"`.
 */
export interface WebLlmLoadProgress extends LoadProgress {
  webllmPhase: WebLlmLoadPhase;
  fraction: number | null;
  text: string;
}
