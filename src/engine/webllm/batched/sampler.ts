/**
 * GPU sampling for several sequences at once, with the model library's own sampler
 * kernels, in the same order and with the same clamps as WebLLM's single-sequence
 * `sampleFromRawLogits` (lib/index.js l. 13561): penalties in place on the logits,
 * `softmax_with_temperature` (temperature ≥ 1e-6; at ≤ 1e-5 the kernel returns the
 * one-hot argmax, so temperature 0 is greedy), `argsort_probs`, then
 * `sample_with_top_p` (top_p ≥ 1e-5) with one caller-supplied uniform per sample.
 *
 * Results land in a detached CPU tensor: nothing here waits for the GPU. The caller
 * syncs the device once for all of them and then calls `read()`. Call these inside
 * an open tvm scope; every temporary is freed when that scope ends.
 */
import type { BatchablePipeline, TvmArray, TvmTensor } from "./internals";

export interface Penalties {
  presence: number;
  frequency: number;
  repetition: number;
}

export interface RowSampling {
  temperature: number;
  topP: number;
  /** The uniform draw in (0, 1) that picks this row's token. */
  uniform: number;
  penalties: Penalties;
  /** How often each token already appeared in this candidate's output. */
  counts: ReadonlyMap<number, number>;
}

export interface Draw {
  temperature: number;
  topP: number;
  uniform: number;
}

export interface PendingTokens {
  /** Detached CPU tensors; their contents are valid after `device.sync()`. */
  readonly tensors: readonly TvmTensor[];
  /** One token per row (or per draw), after the sync. */
  read(): number[];
}

/** Registers a detached tensor with its owner at once, so a failure later still frees it. */
export type Keep = (tensor: TvmTensor) => void;

export function isNeutral(p: Penalties): boolean {
  return p.presence === 0 && p.frequency === 0 && p.repetition === 1;
}

/** Samples one token per row of `logits` ([B, 1, V]), each row with its own settings. */
export function sampleRows(
  pipeline: BatchablePipeline,
  logits: TvmTensor,
  rows: readonly RowSampling[],
  keep: Keep,
): PendingTokens {
  const { tvm, device } = pipeline;
  const batch = rows.length;
  const vocab = pipeline.fullVocabSize;
  const logits2d = logits.view([batch, vocab]);
  applyPenalties(pipeline, logits2d, rows);
  const temperatures = tvm
    .empty([batch], "float32", device)
    .copyFrom(rows.map((r) => Math.max(1e-6, r.temperature)));
  const probs = (
    pipeline.fsoftmaxWithTemperature(logits2d.view([batch, 1, vocab]), temperatures) as TvmTensor
  ).view([batch, vocab]);
  const sorted = pipeline.fargsortProbs(probs) as TvmArray;
  const rowIndices = rows.map((_, i) => i);
  const sampled = pipeline.fsampleWithTopP(
    sorted.get(0),
    sorted.get(1),
    tvm.empty([batch], "float32", device).copyFrom(rows.map((r) => r.uniform)),
    tvm.empty([batch], "int32", device).copyFrom(rowIndices),
    tvm.empty([batch], "float32", device).copyFrom(rows.map((r) => Math.max(r.topP, 1e-5))),
  ) as TvmTensor;
  const host = copyToHost(pipeline, sampled, batch, keep);
  return { tensors: [host], read: () => Array.from(host.toArray()) };
}

/**
 * Samples many tokens from one logits row ([1, 1, V]): the first token of every
 * candidate after the shared prompt. Draws with equal temperature and top_p share
 * one softmax and one sort; `sample_with_top_p` then takes one uniform per draw.
 */
export function sampleFromOneRow(
  pipeline: BatchablePipeline,
  logits: TvmTensor,
  draws: readonly Draw[],
  keep: Keep,
): PendingTokens {
  const { tvm, device } = pipeline;
  const vocab = pipeline.fullVocabSize;
  const groups = new Map<string, number[]>();
  draws.forEach((d, i) => {
    const key = `${Math.max(1e-6, d.temperature)}|${Math.max(d.topP, 1e-5)}`;
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  const parts: Array<{ members: number[]; host: TvmTensor }> = [];
  for (const members of groups.values()) {
    const first = draws[members[0] ?? 0];
    if (!first) continue;
    const count = members.length;
    const temperature = tvm
      .empty([1], "float32", device)
      .copyFrom([Math.max(1e-6, first.temperature)]);
    const probs = (
      pipeline.fsoftmaxWithTemperature(logits.view([1, 1, vocab]), temperature) as TvmTensor
    ).view([1, vocab]);
    const sorted = pipeline.fargsortProbs(probs) as TvmArray;
    const sampled = pipeline.fsampleWithTopP(
      sorted.get(0),
      sorted.get(1),
      tvm.empty([count], "float32", device).copyFrom(members.map((i) => draws[i]?.uniform ?? 0.5)),
      tvm.empty([count], "int32", device).copyFrom(members.map(() => 0)),
      tvm.empty([1], "float32", device).copyFrom([Math.max(first.topP, 1e-5)]),
    ) as TvmTensor;
    parts.push({ members, host: copyToHost(pipeline, sampled, count, keep) });
  }
  return {
    tensors: parts.map((p) => p.host),
    read: () => {
      const tokens = new Array<number>(draws.length).fill(-1);
      for (const { members, host } of parts) {
        const values = host.toArray();
        members.forEach((drawIndex, k) => (tokens[drawIndex] = values[k] ?? -1));
      }
      return tokens;
    },
  };
}

/** Presence, frequency and repetition penalties on the GPU, for the rows that have any. */
function applyPenalties(
  pipeline: BatchablePipeline,
  logits2d: TvmTensor,
  rows: readonly RowSampling[],
): void {
  const pos2seq: number[] = [];
  const tokenIds: number[] = [];
  const tokenCounts: number[] = [];
  rows.forEach((row, r) => {
    if (isNeutral(row.penalties)) return;
    for (const [token, count] of row.counts) {
      pos2seq.push(r);
      tokenIds.push(token);
      tokenCounts.push(count);
    }
  });
  if (tokenIds.length === 0) return;
  const { tvm, device } = pipeline;
  const batch = rows.length;
  const count = tokenIds.length;
  pipeline.fapplyPenalty(
    logits2d,
    tvm.empty([batch], "int32", device).copyFrom(rows.map((_, i) => i)),
    tvm.empty([count], "int32", device).copyFrom(pos2seq),
    tvm.empty([count], "int32", device).copyFrom(tokenIds),
    tvm.empty([count], "int32", device).copyFrom(tokenCounts),
    tvm
      .empty([batch, 3], "float32", device)
      .copyFrom(
        rows.flatMap((r) => [r.penalties.presence, r.penalties.frequency, r.penalties.repetition]),
      ),
  );
}

/** Queues the GPU → CPU copy of the sampled ids; the data is there after the next sync. */
function copyToHost(
  pipeline: BatchablePipeline,
  sampled: TvmTensor,
  length: number,
  keep: Keep,
): TvmTensor {
  const { tvm } = pipeline;
  const host = tvm.detachFromCurrentScope(
    tvm.empty([length], "int32", tvm.cpu()).copyFrom(sampled),
  );
  keep(host);
  return host;
}
