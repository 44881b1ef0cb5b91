/**
 * WebLLM reports loading as `{ progress, timeElapsed, text }`. The texts below
 * are the only ones @mlc-ai/web-llm 0.2.86 emits (tvmjs `fetchTensorCache`
 * → `reportCallback`, `asyncLoadWebGPUPipelines`, and `MLCEngine.reloadInternal`):
 *
 *   "Start to fetch params"
 *   "Fetching param cache[3/40]: 120MB fetched. 12% completed, 4 secs elapsed. It can take…"
 *   "Loading model from cache[3/40]: 120MB loaded. 12% completed, 4 secs elapsed."
 *   "Loading GPU shader modules[10/95]: 10% completed, 1 secs elapsed."
 *   "Finish loading on WebGPU - <adapter description or vendor>"
 *
 * The config, the model library (.wasm) and the tokenizer are fetched before
 * "Start to fetch params" without any report. A model already in the cache
 * skips the "Fetching" lines entirely.
 */
import type { InitProgressReport } from "@mlc-ai/web-llm";
import type { WebLlmLoadProgress, WebLlmProgressReport } from "./types";

const MiB = 1024 * 1024;

const FETCHING = /^Fetching param cache\[(\d+)\/(\d+)\]:\s*(\d+)\s*MB fetched/;
const LOADING = /^Loading model from cache\[(\d+)\/(\d+)\]:\s*(\d+)\s*MB loaded/;
const SHADERS = /shader/i;
const FINISHED = /^Finish loading on (.*)$/s;

export function parseWebLlmProgress(report: InitProgressReport): WebLlmProgressReport {
  const text = String(report.text ?? "");
  const progress = Number.isFinite(report.progress) ? Math.min(1, Math.max(0, report.progress)) : null;
  const bytes = (mb: string) => {
    // WebLLM rounds the megabytes up; the fraction is exact, so the total follows from both.
    const loadedBytes = Number(mb) * MiB;
    const totalBytes = progress && progress > 0 ? Math.round(loadedBytes / progress) : 0;
    return { loadedBytes, totalBytes: Math.max(totalBytes, loadedBytes) };
  };
  let match: RegExpExecArray | null;
  if ((match = FETCHING.exec(text))) return { phase: "download", ...bytes(match[3]!), fraction: progress, text };
  if ((match = LOADING.exec(text))) return { phase: "cache", ...bytes(match[3]!), fraction: progress, text };
  if (SHADERS.test(text)) return { phase: "compile", loadedBytes: 0, totalBytes: 0, fraction: progress, text };
  if (FINISHED.test(text)) return { phase: "initialize", loadedBytes: 0, totalBytes: 0, fraction: 1, text };
  return { phase: "initialize", loadedBytes: 0, totalBytes: 0, fraction: null, text };
}

/** The shared LoadProgress for a parsed report (see WebLlmLoadProgress on the compile phase). */
export function toLoadProgress(report: WebLlmProgressReport): WebLlmLoadProgress {
  return { ...report, webllmPhase: report.phase };
}

/** The adapter WebLLM says it loaded on ("WebGPU - NVIDIA GeForce RTX 3060"), or null. */
export function gpuLabelFromProgress(report: InitProgressReport): string | null {
  const match = FINISHED.exec(String(report.text ?? ""));
  return match ? match[1]!.trim() : null;
}
