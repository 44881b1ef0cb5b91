import { describe, expect, it } from "vitest";
import { EngineError, toUserFacing } from "../errors";
import { parseWebLlmError, webLlmError } from "./errors";

describe("parseWebLlmError", () => {
  it("rebuilds name and message from WebLLM's err.toString() strings", () => {
    expect(parseWebLlmError("DeviceLostError: The WebGPU device was lost while loading the model.")).toEqual({
      name: "DeviceLostError",
      message: "The WebGPU device was lost while loading the model.",
    });
    expect(parseWebLlmError("AbortError: signal is aborted without reason")).toEqual({ name: "AbortError", message: "signal is aborted without reason" });
    expect(parseWebLlmError("TypeError: Failed to fetch")).toEqual({ name: "TypeError", message: "Failed to fetch" });
    expect(parseWebLlmError("Error: InternalError: Chunk generator in worker should be instantiated by now.")).toEqual({
      name: "Error",
      message: "InternalError: Chunk generator in worker should be instantiated by now.",
    });
    expect(parseWebLlmError("no name here")).toEqual({ name: "Error", message: "no name here" });
  });

  it("keeps real errors, and unwraps a named string rethrown as an Error", () => {
    expect(parseWebLlmError(Object.assign(new Error("x"), { name: "QuotaExceededError" }))).toEqual({ name: "QuotaExceededError", message: "x" });
    expect(parseWebLlmError(new Error("WebGPUNotAvailableError: WebGPU is not supported"))).toEqual({
      name: "WebGPUNotAvailableError",
      message: "WebGPU is not supported",
    });
  });

  it.each([
    ["WebGPUNotAvailableError: WebGPU is not supported in your current environment", "no-webgpu"],
    ["ShaderF16SupportError: This model requires WebGPU extension shader-f16", "shader-f16"],
    ["DeviceLostError: The WebGPU device was lost while loading the model.", "device-lost"],
    ["ContextWindowSizeExceededError: Prompt tokens exceed context window size", "context-too-long"],
    ["QuotaExceededError: The quota has been exceeded.", "storage-full"],
  ])("maps %s to %s through webLlmError", (text, code) => {
    const error = webLlmError(text);
    expect(error).toBeInstanceOf(EngineError);
    expect(toUserFacing(error).code).toBe(code);
  });
});
