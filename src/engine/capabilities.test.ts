import { describe, expect, it } from "vitest";
import { chooseEngine, detectCapabilities, type DeviceCapabilities } from "./capabilities";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

interface FakeAdapterOptions {
  vendor?: string;
  architecture?: string;
  description?: string;
  f16?: boolean;
  fallback?: "info" | "adapter";
  limits?: Partial<Record<string, number>>;
}

function fakeAdapter(o: FakeAdapterOptions = {}) {
  const features = new Set(o.f16 === false ? [] : ["shader-f16"]);
  return {
    info: {
      vendor: o.vendor ?? "nvidia",
      architecture: o.architecture ?? "ampere",
      device: "",
      description: o.description ?? "",
      ...(o.fallback === "info" ? { isFallbackAdapter: true } : {}),
    },
    ...(o.fallback === "adapter" ? { isFallbackAdapter: true } : {}),
    features,
    limits: {
      maxBufferSize: 4 * GiB,
      maxStorageBufferBindingSize: 2 * GiB,
      maxComputeWorkgroupStorageSize: 32768,
      maxStorageBuffersPerShaderStage: 10,
      ...o.limits,
    },
  };
}

function nav(requestAdapter?: () => Promise<unknown>, extra: Record<string, unknown> = {}) {
  return {
    ...(requestAdapter ? { gpu: { requestAdapter } } : {}),
    storage: { estimate: async () => ({ usage: 10 * MiB, quota: 50 * GiB }) },
    hardwareConcurrency: 8,
    deviceMemory: 8,
    ...extra,
  };
}

describe("detectCapabilities", () => {
  it("reports no WebGPU when navigator.gpu is missing", async () => {
    const caps = await detectCapabilities({ navigator: nav(), crossOriginIsolated: true });
    expect(caps.webgpu).toEqual({ available: false, reason: "this browser has no WebGPU" });
    expect(caps.hardwareConcurrency).toBe(8);
    expect(caps.deviceMemoryGB).toBe(8);
    expect(caps.crossOriginIsolated).toBe(true);
    expect(caps.storage).toEqual({ usageBytes: 10 * MiB, quotaBytes: 50 * GiB });
  });

  it("reports no adapter when requestAdapter resolves null", async () => {
    const caps = await detectCapabilities({ navigator: nav(async () => null) });
    expect(caps.webgpu.available).toBe(false);
    expect(!caps.webgpu.available && caps.webgpu.reason).toMatch(/no GPU adapter/);
  });

  it("records the reason when requestAdapter throws", async () => {
    const caps = await detectCapabilities({
      navigator: nav(async () => {
        throw new Error("GPU process crashed");
      }),
    });
    expect(!caps.webgpu.available && caps.webgpu.reason).toMatch(/request failed \(GPU process crashed\)/);
  });

  it("gives up on a requestAdapter that never answers", async () => {
    const caps = await detectCapabilities({ navigator: nav(() => new Promise(() => {})), adapterTimeoutMs: 10 });
    expect(!caps.webgpu.available && caps.webgpu.reason).toMatch(/no answer/);
  });

  it("summarises a real adapter with and without shader-f16", async () => {
    const withF16 = await detectCapabilities({ navigator: nav(async () => fakeAdapter()) });
    expect(withF16.webgpu.available && withF16.webgpu.adapter).toMatchObject({
      vendor: "nvidia",
      architecture: "ampere",
      shaderF16: true,
      isFallbackAdapter: false,
      softwareRenderer: null,
      maxBufferSize: 4 * GiB,
      maxStorageBufferBindingSize: 2 * GiB,
    });
    const noF16 = await detectCapabilities({ navigator: nav(async () => fakeAdapter({ f16: false })) });
    expect(noF16.webgpu.available && noF16.webgpu.adapter.shaderF16).toBe(false);
  });

  it("detects fallback adapters from info or the adapter, and SwiftShader by name", async () => {
    for (const fallback of ["info", "adapter"] as const) {
      const caps = await detectCapabilities({ navigator: nav(async () => fakeAdapter({ fallback })) });
      expect(caps.webgpu.available && caps.webgpu.adapter.isFallbackAdapter).toBe(true);
    }
    const swift = await detectCapabilities({
      navigator: nav(async () => fakeAdapter({ vendor: "google", architecture: "swiftshader" })),
    });
    expect(swift.webgpu.available && swift.webgpu.adapter.softwareRenderer).toBe("SwiftShader");
  });

  it("never throws on a hostile navigator", async () => {
    const caps = await detectCapabilities({
      navigator: {
        gpu: { requestAdapter: async () => ({ features: { has: () => { throw new Error("x"); } } }) },
        storage: { estimate: async () => { throw new Error("denied"); } },
        hardwareConcurrency: "lots",
      },
    });
    expect(caps.webgpu.available).toBe(true);
    expect(caps.storage).toBeNull();
    expect(caps.hardwareConcurrency).toBeNull();
  });
});

async function capsWith(adapter: ReturnType<typeof fakeAdapter> | null): Promise<DeviceCapabilities> {
  return detectCapabilities({ navigator: adapter ? nav(async () => adapter) : nav() });
}

describe("chooseEngine", () => {
  it("picks WebLLM on a hardware adapter and says which GPU", async () => {
    const choice = chooseEngine(await capsWith(fakeAdapter()));
    expect(choice).toEqual({ kind: "webllm", reason: "WebLLM on WebGPU (NVIDIA ampere, shader-f16)" });
  });

  it("mentions q4f32 when the adapter lacks shader-f16", async () => {
    const choice = chooseEngine(await capsWith(fakeAdapter({ f16: false, description: "Intel(R) UHD Graphics 620" })));
    expect(choice.kind).toBe("webllm");
    expect(choice.reason).toBe("WebLLM on WebGPU (Intel(R) UHD Graphics 620, no shader-f16, q4f32 models only)");
  });

  it("falls back to wllama without WebGPU", async () => {
    expect(chooseEngine(await capsWith(null))).toEqual({
      kind: "wllama",
      reason: "wllama on the CPU: this browser has no WebGPU",
    });
  });

  it("does not use a software adapter unless WebLLM is chosen explicitly", async () => {
    const caps = await capsWith(fakeAdapter({ vendor: "google", architecture: "swiftshader" }));
    expect(chooseEngine(caps)).toEqual({
      kind: "wllama",
      reason: "wllama on the CPU: only a software WebGPU adapter (SwiftShader) is available",
    });
    const forced = chooseEngine(caps, "webllm");
    expect(forced.kind).toBe("webllm");
    expect(forced.reason).toMatch(/software WebGPU adapter \(SwiftShader, chosen in Settings\)/);
    const fallback = await capsWith(fakeAdapter({ fallback: "info" }));
    expect(chooseEngine(fallback).reason).toMatch(/fallback \(software\) WebGPU adapter/);
  });

  it("refuses adapters whose limits are below WebLLM's minimum", async () => {
    const caps = await capsWith(fakeAdapter({ limits: { maxStorageBufferBindingSize: 64 * MiB } }));
    const choice = chooseEngine(caps);
    expect(choice.kind).toBe("wllama");
    expect(choice.reason).toMatch(/maxStorageBufferBindingSize 64 MB < 128 MB/);
  });

  it("honours a wllama override and explains an impossible WebLLM override", async () => {
    expect(chooseEngine(await capsWith(fakeAdapter()), "wllama")).toEqual({
      kind: "wllama",
      reason: "wllama on the CPU (chosen in Settings)",
    });
    expect(chooseEngine(await capsWith(null), "webllm").reason).toBe(
      "wllama on the CPU: WebLLM was chosen in Settings, but this browser has no WebGPU",
    );
  });
});
