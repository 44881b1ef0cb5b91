/**
 * What this browser and device can run, and which engine to use. Detection
 * never throws: every probe is optional and a failing one is recorded with its
 * reason. `chooseEngine` is pure so the choice can be tested and explained.
 *
 * WebLLM's own requirements (read from @mlc-ai/web-llm 0.2.86 `detectGPUDevice`):
 * it asks the adapter for maxBufferSize 1 GiB (else 256 MiB, else fails),
 * maxStorageBufferBindingSize 1 GiB (else 128 MiB, else fails),
 * maxComputeWorkgroupStorageSize 32 KiB and maxStorageBuffersPerShaderStage 10,
 * and enables `shader-f16` whenever the adapter has it.
 */
import type { EngineKind } from "./types";

const MiB = 1024 * 1024;

/** The minimum adapter limits below which WebLLM's device request fails. */
export const WEBLLM_MIN_LIMITS = {
  maxBufferSize: 256 * MiB,
  maxStorageBufferBindingSize: 128 * MiB,
  maxComputeWorkgroupStorageSize: 32 * 1024,
  maxStorageBuffersPerShaderStage: 10,
} as const;

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** The browser marked the adapter as a fallback (software or very limited) adapter. */
  isFallbackAdapter: boolean;
  /** Name of a software rasteriser recognised from the adapter info (SwiftShader, llvmpipe, WARP…), or null. */
  softwareRenderer: string | null;
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBuffersPerShaderStage: number;
}

export type WebGpuStatus = { available: true; adapter: GpuAdapterSummary } | { available: false; reason: string };

export interface DeviceCapabilities {
  webgpu: WebGpuStatus;
  /** From navigator.storage.estimate(), or null when unavailable. */
  storage: { usageBytes: number; quotaBytes: number } | null;
  hardwareConcurrency: number | null;
  /** navigator.deviceMemory (Chromium only; rounded and capped at 8 by the browser), or null. */
  deviceMemoryGB: number | null;
  crossOriginIsolated: boolean;
}

/** The slice of the browser that detection reads; tests pass fakes. */
export interface CapabilityEnv {
  navigator?: unknown;
  crossOriginIsolated?: boolean;
  /** Milliseconds to wait for requestAdapter before giving up (some drivers hang). */
  adapterTimeoutMs?: number;
}

interface AdapterLike {
  info?: Partial<Record<"vendor" | "architecture" | "device" | "description", unknown>> & { isFallbackAdapter?: unknown };
  isFallbackAdapter?: unknown;
  features?: { has(name: string): boolean };
  limits?: Partial<Record<keyof typeof WEBLLM_MIN_LIMITS, unknown>>;
}

export async function detectCapabilities(
  env: CapabilityEnv = {
    navigator: typeof navigator === "undefined" ? undefined : navigator,
    crossOriginIsolated: typeof crossOriginIsolated === "undefined" ? false : crossOriginIsolated,
  },
): Promise<DeviceCapabilities> {
  const nav = (env.navigator ?? {}) as {
    gpu?: { requestAdapter?: (options?: { powerPreference?: string }) => Promise<unknown> };
    storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> };
    hardwareConcurrency?: unknown;
    deviceMemory?: unknown;
  };
  const [webgpu, storage] = await Promise.all([
    detectWebGpu(nav.gpu, env.adapterTimeoutMs ?? 5000),
    estimateStorage(nav.storage),
  ]);
  return {
    webgpu,
    storage,
    hardwareConcurrency: positiveNumber(nav.hardwareConcurrency),
    deviceMemoryGB: positiveNumber(nav.deviceMemory),
    crossOriginIsolated: env.crossOriginIsolated === true,
  };
}

async function detectWebGpu(gpu: { requestAdapter?: (o?: { powerPreference?: string }) => Promise<unknown> } | undefined, timeoutMs: number): Promise<WebGpuStatus> {
  if (!gpu || typeof gpu.requestAdapter !== "function") return { available: false, reason: "this browser has no WebGPU" };
  let adapter: unknown;
  try {
    // Same preference as WebLLM, so we describe the adapter it will get.
    adapter = await withTimeout(gpu.requestAdapter({ powerPreference: "high-performance" }), timeoutMs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { available: false, reason: `the WebGPU adapter request failed (${message})` };
  }
  if (adapter === null || adapter === undefined || typeof adapter !== "object")
    return { available: false, reason: "WebGPU found no GPU adapter (it may be disabled or blocklisted)" };
  return { available: true, adapter: summarizeAdapter(adapter as AdapterLike) };
}

/** Reads what matters from a GPUAdapter; every field is optional on older browsers. */
export function summarizeAdapter(adapter: AdapterLike): GpuAdapterSummary {
  const info = adapter.info ?? {};
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const vendor = text(info.vendor);
  const architecture = text(info.architecture);
  const device = text(info.device);
  const description = text(info.description);
  const limit = (name: keyof typeof WEBLLM_MIN_LIMITS) => positiveNumber(adapter.limits?.[name]) ?? 0;
  const shaderF16 = hasFeature(adapter, "shader-f16");
  return {
    vendor,
    architecture,
    device,
    description,
    isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
    softwareRenderer: softwareRendererName([vendor, architecture, device, description].join(" ")),
    shaderF16,
    maxBufferSize: limit("maxBufferSize"),
    maxStorageBufferBindingSize: limit("maxStorageBufferBindingSize"),
    maxComputeWorkgroupStorageSize: limit("maxComputeWorkgroupStorageSize"),
    maxStorageBuffersPerShaderStage: limit("maxStorageBuffersPerShaderStage"),
  };
}

function hasFeature(adapter: AdapterLike, feature: string): boolean {
  try {
    return adapter.features?.has(feature) === true;
  } catch {
    return false;
  }
}

const SOFTWARE_RENDERERS: Array<[RegExp, string]> = [
  [/swiftshader/i, "SwiftShader"],
  [/llvmpipe/i, "llvmpipe"],
  [/lavapipe/i, "lavapipe"],
  [/microsoft basic render|\bwarp\b/i, "WARP"],
  [/softpipe/i, "softpipe"],
];

function softwareRendererName(text: string): string | null {
  for (const [pattern, name] of SOFTWARE_RENDERERS) if (pattern.test(text)) return name;
  return null;
}

async function estimateStorage(storage: { estimate?: () => Promise<{ usage?: number; quota?: number }> } | undefined) {
  if (!storage || typeof storage.estimate !== "function") return null;
  try {
    const e = await storage.estimate();
    return { usageBytes: Number(e.usage ?? 0) || 0, quotaBytes: Number(e.quota ?? 0) || 0 };
  } catch {
    return null;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)} s`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function positiveNumber(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null;
}

/** Why an adapter cannot run WebLLM, or null when it can. A software adapter is reported here too. */
export function webLlmBlocker(adapter: GpuAdapterSummary): string | null {
  if (adapter.softwareRenderer) return `only a software WebGPU adapter (${adapter.softwareRenderer}) is available`;
  if (adapter.isFallbackAdapter) return "only a fallback (software) WebGPU adapter is available";
  const short: string[] = [];
  for (const [name, min] of Object.entries(WEBLLM_MIN_LIMITS) as Array<[keyof typeof WEBLLM_MIN_LIMITS, number]>) {
    if (adapter[name] < min) short.push(`${name} ${formatLimit(adapter[name])} < ${formatLimit(min)}`);
  }
  return short.length ? `the GPU's limits are below what WebLLM needs (${short.join(", ")})` : null;
}

function formatLimit(n: number): string {
  return n >= MiB ? `${Math.round(n / MiB)} MB` : String(n);
}

const VENDOR_NAMES: Record<string, string> = {
  nvidia: "NVIDIA",
  amd: "AMD",
  ati: "AMD",
  intel: "Intel",
  apple: "Apple",
  qualcomm: "Qualcomm",
  arm: "Arm",
  "img-tec": "Imagination",
  google: "Google",
  microsoft: "Microsoft",
};

/** "NVIDIA ampere", "Apple metal-3", the description, or "unknown GPU". */
export function describeAdapter(adapter: GpuAdapterSummary): string {
  if (adapter.description) return adapter.description;
  const vendor = VENDOR_NAMES[adapter.vendor.toLowerCase()] ?? adapter.vendor;
  const name = [vendor, adapter.architecture].filter(Boolean).join(" ");
  return name || "unknown GPU";
}

export interface EngineChoice {
  kind: EngineKind;
  /** One human line saying which engine runs where, and why. */
  reason: string;
}

/**
 * WebLLM when a usable hardware adapter exists, otherwise wllama on the CPU.
 * `override` comes from Settings; a software adapter is used for WebLLM only
 * when the user asked for WebLLM explicitly.
 */
export function chooseEngine(caps: DeviceCapabilities, override: EngineKind | null = null): EngineChoice {
  if (override === "wllama") return { kind: "wllama", reason: "wllama on the CPU (chosen in Settings)" };
  if (override === "remote") return { kind: "remote", reason: "a shared server on the network runs the model (chosen in Settings)" };
  const gpu = caps.webgpu;
  if (!gpu.available) {
    const prefix = override === "webllm" ? "wllama on the CPU: WebLLM was chosen in Settings, but" : "wllama on the CPU:";
    return { kind: "wllama", reason: `${prefix} ${gpu.reason}` };
  }
  const adapter = gpu.adapter;
  const blocker = webLlmBlocker(adapter);
  const f16 = adapter.shaderF16 ? "shader-f16" : "no shader-f16, q4f32 models only";
  if (!blocker) return { kind: "webllm", reason: `WebLLM on WebGPU (${describeAdapter(adapter)}, ${f16})` };
  const software = adapter.softwareRenderer !== null || adapter.isFallbackAdapter;
  if (override === "webllm" && software)
    return {
      kind: "webllm",
      reason: `WebLLM on a software WebGPU adapter (${adapter.softwareRenderer ?? "fallback"}, chosen in Settings): expect it to be very slow`,
    };
  const prefix = override === "webllm" ? "wllama on the CPU: WebLLM was chosen in Settings, but" : "wllama on the CPU:";
  return { kind: "wllama", reason: `${prefix} ${blocker}` };
}
