/**
 * The WebLLM models offered for math, chosen per device. Pure functions over a
 * `model_list` (pass `prebuiltAppConfig.model_list`, or a fixture in tests).
 *
 * In @mlc-ai/web-llm 0.2.86 the list has Qwen2.5-Math-1.5B-Instruct, Qwen3
 * 0.6B/1.7B/4B, Qwen3.5 0.8B/2B/4B, Qwen2.5 0.5B/1.5B/3B-Instruct, Llama-3.2
 * 1B/3B-Instruct, each in q4f16_1 and q4f32_1. DeepSeek-R1-Distill-Qwen is only
 * there as 7B (no 1.5B); it is offered as the one large reasoning model.
 *
 * One file on purpose (~400 lines): the labels, the device filter and the
 * default choice are one decision, "which models does this device get".
 */
import type { ModelRecord } from "@mlc-ai/web-llm";
import type { DeviceCapabilities } from "../capabilities";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface FamilyInfo {
  /** model_id without the quantisation suffix, e.g. "Qwen3-1.7B". */
  family: string;
  label: string;
  /** Parameters, for the download size estimate. */
  params: number;
  /**
   * The model's own context limit (max_position_embeddings; 32768 where we
   * know no better). WebLLM's records override the window to 4096 to keep
   * memory low; a larger window costs KV-cache memory but works.
   */
  maxContext: number;
  /** Hidden size and vocabulary: the embedding table is the largest single GPU buffer. */
  hidden?: number;
  vocab?: number;
  mathTuned: boolean;
  /** Emits a <think> block before the answer. */
  reasoning: boolean;
  note: string;
}

/** Preference order: the first that fits the device is the default. */
const FAMILIES: readonly FamilyInfo[] = [
  {
    family: "Qwen2.5-Math-1.5B-Instruct",
    label: "Qwen2.5-Math 1.5B Instruct",
    params: 1.54e9,
    maxContext: 4096,
    hidden: 1536,
    vocab: 151936,
    mathTuned: true,
    reasoning: false,
    note: "Math-tuned; the best math model of this size. English problems, \\boxed{} answers.",
  },
  {
    family: "Qwen3-1.7B",
    label: "Qwen3 1.7B",
    params: 1.72e9,
    maxContext: 40960,
    hidden: 2048,
    vocab: 151936,
    mathTuned: false,
    reasoning: true,
    note: "Reasons in a <think> block first: slower, stronger on hard problems; needs a long max-tokens budget.",
  },
  {
    family: "Qwen2.5-1.5B-Instruct",
    label: "Qwen2.5 1.5B Instruct",
    params: 1.54e9,
    maxContext: 32768,
    hidden: 1536,
    vocab: 151936,
    mathTuned: false,
    reasoning: false,
    note: "General instruct model; answers directly.",
  },
  {
    family: "Qwen3-0.6B",
    label: "Qwen3 0.6B",
    params: 0.6e9,
    maxContext: 40960,
    hidden: 1024,
    vocab: 151936,
    mathTuned: false,
    reasoning: true,
    note: "Smallest reasoning model; fast, weak on hard problems.",
  },
  {
    family: "Qwen3-4B",
    label: "Qwen3 4B",
    params: 4.02e9,
    maxContext: 40960,
    hidden: 2560,
    vocab: 151936,
    mathTuned: false,
    reasoning: true,
    note: "The strongest small model here; reasons at length and needs a capable GPU.",
  },
  {
    family: "Qwen3.5-0.8B",
    label: "Qwen3.5 0.8B",
    params: 0.8e9,
    maxContext: 32768,
    mathTuned: false,
    reasoning: true,
    note: "Hybrid (linear-attention) Qwen3.5; reasons in a <think> block.",
  },
  {
    family: "Qwen3.5-2B",
    label: "Qwen3.5 2B",
    params: 2e9,
    maxContext: 32768,
    mathTuned: false,
    reasoning: true,
    note: "Hybrid (linear-attention) Qwen3.5; reasons in a <think> block.",
  },
  {
    family: "Qwen3.5-4B",
    label: "Qwen3.5 4B",
    params: 4e9,
    maxContext: 32768,
    mathTuned: false,
    reasoning: true,
    note: "Hybrid (linear-attention) Qwen3.5; reasons in a <think> block.",
  },
  {
    family: "Qwen2.5-3B-Instruct",
    label: "Qwen2.5 3B Instruct",
    params: 3.09e9,
    maxContext: 32768,
    hidden: 2048,
    vocab: 151936,
    mathTuned: false,
    reasoning: false,
    note: "General instruct model; answers directly.",
  },
  {
    family: "Qwen2.5-0.5B-Instruct",
    label: "Qwen2.5 0.5B Instruct",
    params: 0.49e9,
    maxContext: 32768,
    hidden: 896,
    vocab: 151936,
    mathTuned: false,
    reasoning: false,
    note: "Very small and fast; fine for demonstrations on weak devices.",
  },
  {
    family: "Llama-3.2-1B-Instruct",
    label: "Llama 3.2 1B Instruct",
    params: 1.24e9,
    maxContext: 131072,
    hidden: 2048,
    vocab: 128256,
    mathTuned: false,
    reasoning: false,
    note: "General instruct model; weaker at math than Qwen of the same size.",
  },
  {
    family: "Llama-3.2-3B-Instruct",
    label: "Llama 3.2 3B Instruct",
    params: 3.21e9,
    maxContext: 131072,
    hidden: 3072,
    vocab: 128256,
    mathTuned: false,
    reasoning: false,
    note: "General instruct model.",
  },
  {
    family: "DeepSeek-R1-Distill-Qwen-7B",
    label: "DeepSeek-R1-Distill-Qwen 7B",
    params: 7.62e9,
    maxContext: 131072,
    hidden: 3584,
    vocab: 152064,
    mathTuned: true,
    reasoning: true,
    note: "Large reasoning model distilled for math; needs a desktop GPU with ≈5 GB free.",
  },
];

/** Bits per weight on disk: 4-bit values plus one scale per group of 32 (f16 or f32). */
const BITS_PER_WEIGHT: Record<string, number> = { q4f16_1: 4.5, q4f32_1: 5 };

export interface WebLlmCatalogEntry {
  modelId: string;
  family: string;
  label: string;
  /** "q4f16_1" or "q4f32_1". */
  quantization: string;
  /** Needs the adapter feature shader-f16. */
  needsF16: boolean;
  /** Estimated download (and cache) size. Always an estimate: show with "≈". */
  downloadBytes: number;
  /** WebLLM's own figure for GPU memory at `contextWindow`, or null. */
  vramMB: number | null;
  /** The window WebLLM's record sets (and `vramMB` assumes). */
  contextWindow: number | null;
  /** The largest window the model itself supports. */
  maxContextWindow: number;
  mathTuned: boolean;
  reasoning: boolean;
  lowResource: boolean;
  /** "≈0.9 GB download · ≈1.6 GB GPU memory · math-tuned" */
  summary: string;
  note: string;
  record: ModelRecord;
}

interface ParsedId {
  family: string;
  quantization: string;
  suffix: string;
}

/** "Qwen3-1.7B-q4f16_1-MLC" → family "Qwen3-1.7B", quantization "q4f16_1", suffix "". */
export function parseModelId(modelId: string): ParsedId | null {
  const match = /^(.+)-(q\d+f\d+(?:_\d+)?)-MLC(.*)$/.exec(modelId);
  return match ? { family: match[1]!, quantization: match[2]!, suffix: match[3]! } : null;
}

/** Every math-capable variant in the list (4-bit, full context), in preference order. */
export function mathModels(list: readonly ModelRecord[]): WebLlmCatalogEntry[] {
  const entries: WebLlmCatalogEntry[] = [];
  for (const info of FAMILIES) {
    for (const record of list) {
      const parsed = parseModelId(record.model_id);
      if (!parsed || parsed.family !== info.family || parsed.suffix !== "") continue;
      if (!(parsed.quantization in BITS_PER_WEIGHT)) continue; // q0 (unquantised) and q3 builds are not offered
      if (record.model_type !== undefined && record.model_type !== 0) continue; // LLMs only
      entries.push(toEntry(record, info, parsed.quantization));
    }
  }
  return entries;
}

function toEntry(record: ModelRecord, info: FamilyInfo, quantization: string): WebLlmCatalogEntry {
  const needsF16 = quantization.includes("f16") || (record.required_features ?? []).includes("shader-f16");
  const downloadBytes = Math.round((info.params * (BITS_PER_WEIGHT[quantization] ?? 5)) / 8);
  const vramMB = typeof record.vram_required_MB === "number" ? record.vram_required_MB : null;
  const contextWindow = record.overrides?.context_window_size ?? null;
  const kind = [info.mathTuned ? "math-tuned" : "general", info.reasoning ? "reasons in <think>" : null].filter(Boolean);
  const summary = [
    `≈${formatGB(downloadBytes)} download`,
    vramMB !== null ? `≈${formatGB(vramMB * MiB)} GPU memory${contextWindow ? ` at ${Math.round(contextWindow / 1024)}K context` : ""}` : null,
    ...kind,
  ]
    .filter(Boolean)
    .join(" · ");
  return {
    modelId: record.model_id,
    family: info.family,
    label: `${info.label} (${quantization.replace(/_\d+$/, "")})`,
    quantization,
    needsF16,
    downloadBytes,
    vramMB,
    contextWindow,
    maxContextWindow: info.maxContext,
    mathTuned: info.mathTuned,
    reasoning: info.reasoning,
    lowResource: record.low_resource_required === true,
    summary,
    note: info.note,
    record,
  };
}

function formatGB(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GB` : `${Math.round(bytes / MiB)} MB`;
}

/** What the catalogue needs to know about the GPU. */
export interface CatalogDevice {
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** GPU memory the models may use, in MB, when something tells us (RAM size, a user setting). */
  memoryHintMB?: number;
}

/** A budget for devices whose buffer limits mark them as phones or small integrated GPUs. */
export const LOW_END_BUDGET_MB = 3072;

/**
 * The limits WebLLM will actually get: it requests 1 GiB when the adapter
 * allows it, else the WebGPU defaults (256 MiB buffers, 128 MiB bindings), and
 * nothing in between (`detectGPUDevice`).
 */
export function effectiveLimits(device: CatalogDevice): { maxBufferSize: number; maxStorageBufferBindingSize: number } {
  const pick = (limit: number, fallback: number) => (limit >= GiB ? GiB : limit >= fallback ? fallback : 0);
  return {
    maxBufferSize: pick(device.maxBufferSize, 256 * MiB),
    maxStorageBufferBindingSize: pick(device.maxStorageBufferBindingSize, 128 * MiB),
  };
}

export interface ExcludedModel {
  modelId: string;
  reason: string;
}

/**
 * The models this device can run, one variant per model: q4f16 when the GPU
 * has shader-f16, else the q4f32 twin. Drops models whose largest buffer
 * cannot be bound or whose memory need clearly exceeds the device's.
 */
export function modelsForDevice(
  list: readonly ModelRecord[],
  device: CatalogDevice,
): { entries: WebLlmCatalogEntry[]; excluded: ExcludedModel[] } {
  const limits = effectiveLimits(device);
  const lowEnd = limits.maxBufferSize < GiB || limits.maxStorageBufferBindingSize < GiB;
  const budgetMB = device.memoryHintMB ?? (lowEnd ? LOW_END_BUDGET_MB : Infinity);
  const entries: WebLlmCatalogEntry[] = [];
  const excluded: ExcludedModel[] = [];
  const byFamily = new Map<string, WebLlmCatalogEntry[]>();
  for (const entry of mathModels(list)) byFamily.set(entry.family, [...(byFamily.get(entry.family) ?? []), entry]);

  for (const [family, variants] of byFamily) {
    const f16 = variants.find((v) => v.needsF16);
    const f32 = variants.find((v) => !v.needsF16);
    const chosen = device.shaderF16 ? (f16 ?? f32) : f32;
    for (const v of variants) if (v !== chosen) excluded.push({ modelId: v.modelId, reason: variantReason(v, device.shaderF16) });
    if (!chosen) continue;
    const info = FAMILIES.find((f) => f.family === family)!;
    const largestBuffer =
      chosen.record.buffer_size_required_bytes ??
      // The 4-bit embedding table, packed without its scales (gemma-2b's record gives exactly vocab × hidden / 2).
      (info.hidden && info.vocab ? (info.vocab * info.hidden) / 2 : 0);
    if (limits.maxStorageBufferBindingSize === 0 || limits.maxBufferSize === 0) {
      excluded.push({ modelId: chosen.modelId, reason: "the GPU's buffer limits are below WebLLM's minimum" });
    } else if (largestBuffer > limits.maxStorageBufferBindingSize) {
      excluded.push({
        modelId: chosen.modelId,
        reason: `its largest weight (${formatGB(largestBuffer)}) exceeds the GPU's ${formatGB(limits.maxStorageBufferBindingSize)} binding limit`,
      });
    } else if (chosen.vramMB !== null && chosen.vramMB > budgetMB) {
      excluded.push({
        modelId: chosen.modelId,
        reason: `it needs ≈${formatGB(chosen.vramMB * MiB)} of GPU memory; this device has about ${formatGB(budgetMB * MiB)}`,
      });
    } else {
      entries.push(chosen);
    }
  }
  return { entries, excluded };
}

function variantReason(v: WebLlmCatalogEntry, hasF16: boolean): string {
  if (v.needsF16 && !hasF16) return "this GPU lacks shader-f16; the q4f32 variant is offered instead";
  return "the q4f16 variant is smaller and faster on this GPU";
}

/** The best math model that fits: the first in preference order (Qwen2.5-Math-1.5B first), or null. */
export function defaultModel(entries: readonly WebLlmCatalogEntry[]): WebLlmCatalogEntry | null {
  let best: WebLlmCatalogEntry | null = null;
  let bestRank = Infinity;
  for (const entry of entries) {
    const rank = FAMILIES.findIndex((f) => f.family === entry.family);
    if (rank !== -1 && rank < bestRank) {
      best = entry;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * The catalogue's view of a detected device, or null without a WebGPU adapter.
 * With navigator.deviceMemory known (Chromium; rounded, and capped at 8 by some
 * versions) the weights must also pass through RAM, so at most three quarters
 * of it is allowed.
 */
export function catalogDevice(caps: DeviceCapabilities): CatalogDevice | null {
  if (!caps.webgpu.available) return null;
  const a = caps.webgpu.adapter;
  const ram = caps.deviceMemoryGB;
  return {
    shaderF16: a.shaderF16,
    maxBufferSize: a.maxBufferSize,
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    ...(ram !== null ? { memoryHintMB: Math.round(ram * 1024 * 0.75) } : {}),
  };
}

/**
 * The context window to ask WebLLM for: what the user asked, capped by the
 * model's own limit (from the catalogue, else the record's override). Sliding-
 * window records get none: WebLLM refuses a positive context_window_size beside
 * a positive sliding_window_size.
 */
export function contextWindowFor(record: ModelRecord, requested: number): number | null {
  if ((record.overrides?.sliding_window_size ?? -1) > 0) return null;
  const parsed = parseModelId(record.model_id);
  const known = parsed && parsed.suffix === "" ? FAMILIES.find((f) => f.family === parsed.family)?.maxContext : undefined;
  const cap = known ?? record.overrides?.context_window_size;
  const wanted = Math.floor(requested);
  if (!(wanted > 0)) return cap ?? null;
  return cap && cap > 0 ? Math.min(wanted, cap) : wanted;
}
