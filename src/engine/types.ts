/**
 * The one Engine interface. Each engine (wllama/, later webllm/) lives in its own
 * folder with a worker and a client; the rest of the app sees only this file.
 */
import type { GenerationCallbacks, GenerationPort, GenerationRequest, GenerationResult } from "../gsr/types";

/** remote: a shared OpenAI-compatible server (llama-server, vLLM, Ollama) on the school's network. */
export type EngineKind = "wllama" | "webllm" | "remote";

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


/**
 * A model on an OpenAI-compatible server. `model` empty: the first model the server
 * lists. The key stays in the engine and the browser's storage for that server; it
 * is never part of a run, an export or an error.
 */
export interface RemoteModelSource {
  kind: "remote";
  /** The server's base URL, without /v1 (e.g. http://192.168.1.10:8000). */
  baseUrl: string;
  model: string;
  apiKey: string | null;
  name: string;
  /** Milliseconds a request may go without receiving anything before it is given up. */
  timeoutMs: number;
}

/** Where a model's weights come from, as the engine sees it (url/file: wllama; webllm: WebLLM; remote: a server). */
export type ModelSource =
  | { kind: "url"; url: string; name: string }
  | { kind: "file"; file: File; name: string }
  | WebLlmModelSource
  | RemoteModelSource;

/** compile: WebLLM building its WebGPU shaders. */
export type LoadPhase = "download" | "cache" | "compile" | "initialize";

export interface LoadProgress {
  phase: LoadPhase;
  /** Bytes done and total of the current phase; 0/0 when unknown. */
  loadedBytes: number;
  totalBytes: number;
  /** 0–1 when the engine knows it without byte counts (WebLLM's shader compilation). */
  fraction?: number | null;
  /** The engine's own progress line, if any. */
  text?: string;
}

export interface LoadedModelInfo {
  name: string;
  /** Tokens per sequence. */
  contextWindow: number;
  /** How many sequences the engine decodes together. */
  parallelSlots: number;
  threads: number;
  multithreaded: boolean;
  /** True when the weights came from the local cache rather than the network. */
  fromCache: boolean;
}

export interface EngineCapabilities {
  kind: EngineKind;
  /** True when generateMany decodes sequences in one batch per step. */
  batchedParallel: boolean;
  maxParallel: number;
}

export interface LoadOptions {
  /** Context window to allocate (tokens per sequence); capped by the model's own. */
  contextSize: number;
  signal?: AbortSignal;
}

export interface Engine extends GenerationPort {
  readonly capabilities: EngineCapabilities;
  load(source: ModelSource, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadedModelInfo>;
  /** One sequence; a convenience over generateMany. */
  generate(request: GenerationRequest, onDelta: (delta: string) => void, signal: AbortSignal): Promise<GenerationResult>;
  unload(): Promise<void>;
  /** Ends the worker for good. */
  dispose(): void;
}

export type { GenerationCallbacks, GenerationRequest, GenerationResult };
