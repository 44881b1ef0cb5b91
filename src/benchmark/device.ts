/**
 * What the benchmark export records about the device. Reads browser APIs, so
 * it sits apart from the pure modules; the WebGPU adapter is asked for with a
 * time limit because some drivers never answer.
 */
import type { DeviceInfo } from "./export";

export async function collectDeviceInfo(timeoutMs = 1500): Promise<DeviceInfo> {
  const nav: Partial<Navigator> = typeof navigator === "undefined" ? {} : navigator;
  return {
    userAgent: nav.userAgent ?? "",
    hardwareConcurrency: nav.hardwareConcurrency ?? null,
    adapter: await adapterInfo(nav, timeoutMs),
  };
}

async function adapterInfo(nav: Partial<Navigator>, timeoutMs: number): Promise<DeviceInfo["adapter"]> {
  if (!nav.gpu) return null;
  try {
    const adapter = await Promise.race([
      nav.gpu.requestAdapter(),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs)),
    ]);
    const info = adapter?.info;
    if (!info) return null;
    return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
  } catch {
    return null;
  }
}
