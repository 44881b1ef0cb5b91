import { prebuiltAppConfig, type ModelRecord } from "@mlc-ai/web-llm";
import { describe, expect, it } from "vitest";
import type { DeviceCapabilities } from "../capabilities";
import { catalogDevice, contextWindowFor, defaultModel, effectiveLimits, mathModels, modelsForDevice, parseModelId } from "./catalog";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function record(model_id: string, vram: number, extra: Partial<ModelRecord> = {}): ModelRecord {
  return {
    model: `https://huggingface.co/mlc-ai/${model_id}`,
    model_id,
    model_lib: `https://example.test/${model_id}-webgpu.wasm`,
    vram_required_MB: vram,
    low_resource_required: true,
    overrides: { context_window_size: 4096 },
    ...extra,
  };
}

const FIXTURE: ModelRecord[] = [
  record("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC", 1629.75),
  record("Qwen2.5-Math-1.5B-Instruct-q4f32_1-MLC", 1888.97),
  record("Qwen3-1.7B-q4f16_1-MLC", 2036.66),
  record("Qwen3-1.7B-q4f32_1-MLC", 2635.44),
  record("Qwen3-0.6B-q4f16_1-MLC", 1403.34),
  record("Qwen3-0.6B-q4f32_1-MLC", 1924.98),
  record("Qwen3-0.6B-q0f16-MLC", 2220.38),
  record("Qwen3-4B-q4f16_1-MLC", 3431.59),
  record("Qwen3-4B-q4f32_1-MLC", 4327.71),
  record("Llama-3.2-1B-Instruct-q4f16_1-MLC", 879.04),
  record("Llama-3.2-1B-Instruct-q4f32_1-MLC", 1128.82),
  record("DeepSeek-R1-Distill-Qwen-7B-q4f16_1-MLC", 5106.67, { low_resource_required: false }),
  record("Phi-3.5-mini-instruct-q4f16_1-MLC-1k", 2520.07),
  record("gemma-2b-it-q4f16_1-MLC", 1476.52, { buffer_size_required_bytes: 262144000 }),
  record("snowflake-arctic-embed-s-q0f32-MLC-b4", 238.71, { model_type: 1 }),
];

const desktop = { shaderF16: true, maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 2 * GiB };
const ids = (entries: Array<{ modelId: string }>) => entries.map((e) => e.modelId);

describe("parseModelId", () => {
  it("splits family, quantisation and suffix", () => {
    expect(parseModelId("Qwen3-1.7B-q4f16_1-MLC")).toEqual({ family: "Qwen3-1.7B", quantization: "q4f16_1", suffix: "" });
    expect(parseModelId("Phi-3.5-mini-instruct-q4f32_1-MLC-1k")).toEqual({
      family: "Phi-3.5-mini-instruct",
      quantization: "q4f32_1",
      suffix: "-1k",
    });
    expect(parseModelId("snowflake-arctic-embed-s-q0f32-MLC-b4")?.quantization).toBe("q0f32");
    expect(parseModelId("not-an-mlc-id")).toBeNull();
  });
});

describe("mathModels", () => {
  it("keeps the 4-bit math-capable LLMs in preference order, Qwen2.5-Math first", () => {
    const entries = mathModels(FIXTURE);
    expect(entries[0]!.modelId).toBe("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC");
    expect(ids(entries)).not.toContain("Qwen3-0.6B-q0f16-MLC");
    expect(ids(entries)).not.toContain("Phi-3.5-mini-instruct-q4f16_1-MLC-1k");
    expect(ids(entries)).not.toContain("gemma-2b-it-q4f16_1-MLC");
    expect(ids(entries)).not.toContain("snowflake-arctic-embed-s-q0f32-MLC-b4");
  });

  it("labels size, memory, math-tuning and reasoning", () => {
    const [math] = mathModels(FIXTURE);
    expect(math).toMatchObject({ mathTuned: true, reasoning: false, needsF16: true, vramMB: 1629.75, contextWindow: 4096 });
    expect(math!.label).toBe("Qwen2.5-Math 1.5B Instruct (q4f16)");
    expect(math!.downloadBytes).toBeGreaterThan(800 * MiB);
    expect(math!.downloadBytes).toBeLessThan(900 * MiB);
    expect(math!.summary).toBe("≈826 MB download · ≈1.6 GB GPU memory at 4K context · math-tuned");
    const qwen3 = mathModels(FIXTURE).find((e) => e.modelId === "Qwen3-1.7B-q4f32_1-MLC")!;
    expect(qwen3.summary).toMatch(/general · reasons in <think>$/);
    expect(qwen3.needsF16).toBe(false);
  });
});

describe("modelsForDevice", () => {
  it("offers q4f16 variants on a GPU with shader-f16", () => {
    const { entries, excluded } = modelsForDevice(FIXTURE, desktop);
    expect(entries.every((e) => e.quantization === "q4f16_1")).toBe(true);
    expect(ids(entries)).toContain("DeepSeek-R1-Distill-Qwen-7B-q4f16_1-MLC");
    expect(excluded.find((x) => x.modelId === "Qwen3-1.7B-q4f32_1-MLC")?.reason).toMatch(/q4f16 variant/);
  });

  it("falls back to the q4f32 twins without shader-f16, and drops f16-only models", () => {
    const { entries, excluded } = modelsForDevice(FIXTURE, { ...desktop, shaderF16: false });
    expect(entries.every((e) => e.quantization === "q4f32_1")).toBe(true);
    expect(ids(entries)).toContain("Qwen2.5-Math-1.5B-Instruct-q4f32_1-MLC");
    expect(ids(entries)).not.toContain("DeepSeek-R1-Distill-Qwen-7B-q4f16_1-MLC");
    expect(excluded.find((x) => x.modelId === "DeepSeek-R1-Distill-Qwen-7B-q4f16_1-MLC")?.reason).toMatch(/shader-f16/);
  });

  it("drops models whose embedding table exceeds a 128 MiB binding limit", () => {
    // An adapter below 1 GiB gets only WebGPU's default 128 MiB bindings from WebLLM.
    const { entries, excluded } = modelsForDevice(FIXTURE, { shaderF16: true, maxBufferSize: 512 * MiB, maxStorageBufferBindingSize: 512 * MiB });
    expect(ids(entries)).toContain("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC"); // 151936 × 1536 / 2 ≈ 111 MiB
    expect(ids(entries)).toContain("Llama-3.2-1B-Instruct-q4f16_1-MLC"); // ≈ 125 MiB
    expect(ids(entries)).not.toContain("Qwen3-1.7B-q4f16_1-MLC"); // ≈ 148 MiB
    expect(excluded.find((x) => x.modelId === "Qwen3-4B-q4f16_1-MLC")?.reason).toMatch(/binding limit/);
  });

  it("drops models whose memory need exceeds the hint, or a low-end default budget", () => {
    const hinted = modelsForDevice(FIXTURE, { ...desktop, memoryHintMB: 2048 });
    expect(ids(hinted.entries)).toEqual([
      "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC",
      "Qwen3-1.7B-q4f16_1-MLC",
      "Qwen3-0.6B-q4f16_1-MLC",
      "Llama-3.2-1B-Instruct-q4f16_1-MLC",
    ]);
    expect(hinted.excluded.find((x) => x.modelId === "Qwen3-4B-q4f16_1-MLC")?.reason).toMatch(/needs ≈3.4 GB/);
    const phone = modelsForDevice(FIXTURE, { shaderF16: true, maxBufferSize: 256 * MiB, maxStorageBufferBindingSize: 128 * MiB });
    expect(ids(phone.entries)).not.toContain("DeepSeek-R1-Distill-Qwen-7B-q4f16_1-MLC");
    expect(ids(phone.entries)).toContain("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC");
  });

  it("offers nothing below WebLLM's minimum limits", () => {
    expect(modelsForDevice(FIXTURE, { shaderF16: true, maxBufferSize: 128 * MiB, maxStorageBufferBindingSize: 64 * MiB }).entries).toEqual([]);
  });

  it("knows the limits WebLLM actually requests", () => {
    expect(effectiveLimits({ shaderF16: true, maxBufferSize: 4 * GiB, maxStorageBufferBindingSize: 600 * MiB })).toEqual({
      maxBufferSize: GiB,
      maxStorageBufferBindingSize: 128 * MiB,
    });
  });
});

describe("defaultModel", () => {
  it("prefers Qwen2.5-Math-1.5B-Instruct", () => {
    expect(defaultModel(modelsForDevice(FIXTURE, desktop).entries)?.modelId).toBe("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC");
    expect(defaultModel(modelsForDevice(FIXTURE, { ...desktop, shaderF16: false }).entries)?.modelId).toBe(
      "Qwen2.5-Math-1.5B-Instruct-q4f32_1-MLC",
    );
  });

  it("takes the next best when the math model does not fit, and null when nothing does", () => {
    const noMath = FIXTURE.filter((r) => !r.model_id.startsWith("Qwen2.5-Math"));
    expect(defaultModel(modelsForDevice(noMath, desktop).entries)?.modelId).toBe("Qwen3-1.7B-q4f16_1-MLC");
    expect(defaultModel([])).toBeNull();
  });
});

describe("catalogDevice", () => {
  const caps = (deviceMemoryGB: number | null): DeviceCapabilities => ({
    webgpu: {
      available: true,
      adapter: {
        vendor: "intel",
        architecture: "gen-12lp",
        device: "",
        description: "",
        isFallbackAdapter: false,
        softwareRenderer: null,
        shaderF16: true,
        maxBufferSize: 2 * GiB,
        maxStorageBufferBindingSize: 2 * GiB,
        maxComputeWorkgroupStorageSize: 32768,
        maxStorageBuffersPerShaderStage: 10,
      },
    },
    storage: null,
    hardwareConcurrency: 8,
    deviceMemoryGB,
    crossOriginIsolated: true,
  });

  it("uses three quarters of the RAM as a memory hint when the browser tells it", () => {
    expect(catalogDevice(caps(4))?.memoryHintMB).toBe(3072);
    expect(catalogDevice(caps(16))?.memoryHintMB).toBe(12288);
    expect(catalogDevice(caps(null))?.memoryHintMB).toBeUndefined();
    expect(catalogDevice({ ...caps(8), webgpu: { available: false, reason: "none" } })).toBeNull();
  });
});

describe("the real 0.2.86 catalogue", () => {
  it("offers the expected math models and defaults to Qwen2.5-Math", () => {
    const { entries } = modelsForDevice(prebuiltAppConfig.model_list, desktop);
    expect(ids(entries)).toEqual([
      "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC",
      "Qwen3-1.7B-q4f16_1-MLC",
      "Qwen2.5-1.5B-Instruct-q4f16_1-MLC",
      "Qwen3-0.6B-q4f16_1-MLC",
      "Qwen3-4B-q4f16_1-MLC",
      "Qwen3.5-0.8B-q4f16_1-MLC",
      "Qwen3.5-2B-q4f16_1-MLC",
      "Qwen3.5-4B-q4f16_1-MLC",
      "Qwen2.5-3B-Instruct-q4f16_1-MLC",
      "Qwen2.5-0.5B-Instruct-q4f16_1-MLC",
      "Llama-3.2-1B-Instruct-q4f16_1-MLC",
      "Llama-3.2-3B-Instruct-q4f16_1-MLC",
      "DeepSeek-R1-Distill-Qwen-7B-q4f16_1-MLC",
    ]);
    expect(defaultModel(entries)?.modelId).toBe("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC");
  });
});

describe("contextWindowFor", () => {
  it("caps the requested window at the model's own limit, not WebLLM's 4096 override", () => {
    const math = record("Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC", 1629.75);
    const qwen3 = record("Qwen3-1.7B-q4f16_1-MLC", 2036.66);
    expect(contextWindowFor(math, 8192)).toBe(4096);
    expect(contextWindowFor(qwen3, 8192)).toBe(8192);
    expect(contextWindowFor(qwen3, 2048)).toBe(2048);
    expect(contextWindowFor(qwen3, 100000)).toBe(40960);
  });

  it("uses the record's override for unknown models and sets nothing for sliding windows", () => {
    expect(contextWindowFor(record("Custom-q4f16_1-MLC", 1), 8192)).toBe(4096);
    expect(contextWindowFor({ model: "http://x.test/m", model_id: "custom:x", model_lib: "http://x.test/l.wasm" }, 8192)).toBe(8192);
    expect(contextWindowFor(record("Mistral-7B-Instruct-v0.3-q4f16_1-MLC", 1, { overrides: { sliding_window_size: 4096, context_window_size: -1 } }), 8192)).toBeNull();
  });
});
