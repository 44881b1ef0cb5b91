import { describe, expect, it } from "vitest";
import { EngineError, serializeError, toUserFacing } from "./errors";

describe("toUserFacing", () => {
  const cases: Array<[unknown, string]> = [
    [Object.assign(new Error("aborted"), { name: "AbortError" }), "aborted"],
    [{ name: "WebGPUNotAvailableError", message: "WebGPU is not supported" }, "no-webgpu"],
    [{ name: "WebGPUNotFoundError", message: "Cannot find adapter" }, "no-webgpu"],
    [{ name: "ShaderF16SupportError", message: "f16 not supported" }, "shader-f16"],
    [{ name: "DeviceLostError", message: "device lost" }, "device-lost"],
    [{ name: "Error", message: "GPUDevice was lost: out of memory" }, "device-lost"],
    [{ name: "QuotaExceededError", message: "The quota has been exceeded." }, "storage-full"],
    [{ name: "RuntimeError", message: "memory access out of bounds" }, "out-of-memory"],
    [{ name: "Error", message: "failed to allocate buffer of size 123" }, "out-of-memory"],
    [{ name: "ContextWindowSizeExceededError", message: "Prompt tokens exceed context window size" }, "context-too-long"],
    [{ name: "ContextTooLongError", message: "The prompt is 300 tokens over" }, "context-too-long"],
    [{ name: "WllamaError", message: "kv cache full", kind: "kv_cache_full" }, "context-too-long"],
    [{ name: "WllamaError", message: "Context size has been exceeded.", kind: "inference_error" }, "context-too-long"],
    [{ name: "WllamaError", message: "request (4931 tokens) exceeds the available context size (4096 tokens)" }, "context-too-long"],
    [{ name: "Error", message: "Failed to fetch model: 404 Not Found" }, "not-found"],
    [{ name: "WllamaError", message: "llama_model_load: invalid magic", kind: "load_error" }, "not-a-model"],
    [{ name: "TypeError", message: "Failed to fetch" }, "download-failed"],
    [{ name: "WllamaError", message: "fetch error", kind: "download_error" }, "download-failed"],
    [{ name: "CompileError", message: "WebAssembly.instantiate(): expected 7 bytes, fell off end @+12" }, "bad-library"],
    [{ name: "Error", message: "The engine worker crashed: unknown error" }, "engine-crashed"],
    [{ name: "ModelNotFoundError", message: "Cannot find model record in appConfig for x" }, "not-found"],
    ["something odd", "unknown"],
  ];
  it.each(cases)("maps %j to %s", (error, code) => {
    const mapped = toUserFacing(error);
    expect(mapped.code).toBe(code);
    expect(mapped.title.length).toBeGreaterThan(5);
  });

  it("keeps the original message as detail", () => {
    expect(toUserFacing(new Error("llama_model_load: bad tensor")).detail).toContain("bad tensor");
  });
});

describe("serialization across the worker boundary", () => {
  it("round-trips name, message and wllama's error type", () => {
    const original = Object.assign(new Error("boom"), { name: "WllamaError", type: "load_error" });
    const rebuilt = new EngineError(serializeError(structuredClone(serializeError(original))));
    expect(rebuilt.name).toBe("WllamaError");
    expect(rebuilt.message).toBe("boom");
    expect(rebuilt.kind).toBe("load_error");
    expect(toUserFacing(rebuilt).code).toBe("not-a-model");
  });
});
