/**
 * WebLLM's worker handler sends errors as `err.toString()` — a plain string
 * such as "ShaderF16SupportError: This model requires…" — and the main-thread
 * engine rejects with that string (`WebWorkerMLCEngineHandler.handleTask`,
 * `WebWorkerMLCEngine.getPromise`). Rebuilding `{ name, message }` from it
 * lets ../errors.ts map WebLLM's errors by name.
 */
import { EngineError, serializeError, type SerializedError } from "../errors";

const NAMED = /^([A-Za-z_$][\w$]*(?:Error|Exception)|Error): ([\s\S]*)$/;

export function parseWebLlmError(error: unknown): SerializedError {
  if (typeof error === "string") {
    const match = NAMED.exec(error.trim());
    return match ? { name: match[1]!, message: match[2]! } : { name: "Error", message: error };
  }
  const serialized = serializeError(error);
  // An Error whose message itself is "Name: message" (a string rethrown as an Error).
  if (serialized.name === "Error") {
    const match = NAMED.exec(serialized.message.trim());
    if (match && match[1] !== "Error") return { ...serialized, name: match[1]!, message: match[2]! };
  }
  return serialized;
}

export function webLlmError(error: unknown): EngineError {
  return error instanceof EngineError ? error : new EngineError(parseWebLlmError(error));
}

export function abortError(message = "The operation was aborted."): EngineError {
  return new EngineError({ name: "AbortError", message });
}

export function notLoaded(): EngineError {
  return new EngineError({ name: "ModelNotLoadedError", message: "No model is loaded." });
}
