/**
 * Errors cross the worker boundary as plain `{ name, message }` records, so the
 * mapping to user-facing messages matches on those two strings only.
 */

export interface SerializedError {
  name: string;
  message: string;
  /** wllama's WllamaError.type, when present. */
  kind?: string;
}

export type ErrorCode =
  | "aborted"
  | "no-webgpu"
  | "shader-f16"
  | "device-lost"
  | "out-of-memory"
  | "context-too-long"
  | "download-failed"
  | "not-found"
  | "not-a-model"
  | "bad-library"
  | "engine-crashed"
  | "storage-full"
  | "blocked-by-policy"
  | "mixed-content"
  | "unreachable"
  | "no-cors"
  | "http-error"
  | "unknown";

export interface UserFacingError {
  code: ErrorCode;
  /** One line: what happened. */
  title: string;
  /** What to do about it. */
  action: string;
  /** The original message, for the details toggle. */
  detail: string;
  /** A help page the banner links to: "model-hosts" is the README's "Hosting models on a LAN". */
  help?: "model-hosts";
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    // wllama's errors carry `type`; EngineError (already rebuilt once) carries `kind`.
    const kind = (error as { type?: unknown }).type ?? (error as { kind?: unknown }).kind;
    return { name: error.name, message: error.message, ...(typeof kind === "string" ? { kind } : {}) };
  }
  if (typeof error === "object" && error !== null && "message" in error) {
    const e = error as { name?: unknown; message?: unknown; kind?: unknown };
    return {
      name: typeof e.name === "string" ? e.name : "Error",
      message: String(e.message),
      ...(typeof e.kind === "string" ? { kind: e.kind } : {}),
    };
  }
  return { name: "Error", message: String(error) };
}

/** An Error rebuilt on this side of a worker boundary, keeping name and kind. */
export class EngineError extends Error {
  readonly kind: string | undefined;
  constructor(serialized: SerializedError) {
    super(serialized.message);
    this.name = serialized.name;
    this.kind = serialized.kind;
  }
}

const rules: ReadonlyArray<{ code: ErrorCode; test: (e: SerializedError) => boolean; title: string; action: string }> = [
  {
    code: "aborted",
    test: (e) => e.name === "AbortError" || e.name === "WllamaAbortError",
    title: "Stopped.",
    action: "Run again when you are ready.",
  },
  {
    code: "no-webgpu",
    test: (e) => e.name === "WebGPUNotAvailableError" || e.name === "WebGPUNotFoundError",
    title: "This browser has no usable WebGPU.",
    action: "Switch the engine to wllama (CPU) in Settings, or use a browser with WebGPU enabled.",
  },
  {
    code: "shader-f16",
    test: (e) => e.name === "ShaderF16SupportError",
    title: "This GPU cannot run 16-bit (q4f16) models.",
    action: "Pick the q4f32 variant of the same model.",
  },
  {
    code: "device-lost",
    test: (e) => e.name === "DeviceLostError" || /device (was )?lost/i.test(e.message),
    title: "The GPU device was lost (often: out of GPU memory).",
    action: "Reload the model, or pick a smaller model or a shorter context. Results so far are kept.",
  },
  {
    code: "storage-full",
    test: (e) => e.name === "QuotaExceededError" || /quota/i.test(e.message),
    title: "The browser's storage is full.",
    action: "Delete cached models you no longer need, then try again.",
  },
  {
    code: "out-of-memory",
    test: (e) =>
      /out of memory|cannot allocate|failed to allocate|memory access out of bounds|Aborted\(OOM\)|RangeError: Array buffer allocation/i.test(
        e.message,
      ),
    title: "Out of memory while running the model.",
    action: "Pick a smaller model, fewer candidates or a shorter context, then reload the model.",
  },
  {
    code: "context-too-long",
    test: (e) =>
      e.name === "ContextWindowSizeExceededError" ||
      e.name === "ContextTooLongError" ||
      e.kind === "kv_cache_full" ||
      /context (window|size|length).*(exceed|too)|exceeds? the available context|kv cache is full/i.test(e.message),
    title: "The prompt does not fit the model's context window.",
    action: "Use fewer candidates, fewer max new tokens, a shorter problem, or a larger context size.",
  },
  {
    code: "bad-library",
    test: (e) => e.name === "CompileError" || e.name === "LinkError" || /WebAssembly\.(instantiate|compile)/.test(e.message),
    title: "The model library (.wasm) is not a valid WebLLM model library.",
    action: "Check the library URL: it must be the -webgpu.wasm compiled for this exact model (for WebLLM 0.2.86).",
  },
  {
    code: "engine-crashed",
    test: (e) => e.name === "WorkerCrashedError" || /worker crashed/i.test(e.message),
    title: "The engine stopped unexpectedly.",
    action: "Load the model again; the results so far are kept.",
  },
  {
    code: "not-found",
    test: (e) => e.name === "ModelNotFoundError",
    title: "That model is not in WebLLM's list.",
    action: "Pick a model from the list, or give a custom model's URLs.",
  },
  {
    code: "not-found",
    test: (e) => /\b(404|not found)\b/i.test(e.message),
    title: "The model file was not found at that address.",
    action: "Check the URL (it must point at a .gguf file) and that the server is running.",
  },
  {
    code: "not-a-model",
    test: (e) =>
      e.kind === "load_error" ||
      /gguf|invalid magic|failed to (load|read) model|not a valid model|unexpected end|tensor/i.test(e.message),
    title: "That file is not a usable GGUF model.",
    action: "Choose a complete .gguf file (a quantized llama.cpp model), or download it again.",
  },
  {
    code: "download-failed",
    test: (e) =>
      e.kind === "download_error" ||
      /failed to fetch|networkerror|network error|download|cors|load failed|err_/i.test(e.message) ||
      e.name === "TypeError",
    title: "The model could not be downloaded.",
    action: "Check the network or the server (it must allow cross-origin requests), then press Load again.",
  },
];

export function toUserFacing(error: unknown): UserFacingError {
  const e = serializeError(error);
  const rule = rules.find((r) => r.test(e));
  if (rule) return { code: rule.code, title: rule.title, action: rule.action, detail: `${e.name}: ${e.message}` };
  return {
    code: "unknown",
    title: "Something went wrong in the engine.",
    action: "Try again; if it repeats, reload the model.",
    detail: `${e.name}: ${e.message}`,
  };
}
