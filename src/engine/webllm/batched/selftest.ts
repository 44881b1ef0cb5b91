/**
 * The batched path checks itself on the user's GPU before it is trusted: greedy
 * decoding must give the same tokens batched as one sequence at a time. Nothing
 * here could be run on a real GPU while it was written, so this check is what
 * stands between a subtle kernel or KV-cache mismatch and wrong candidates.
 * The verdict is remembered per model and GPU (selfTestStore).
 *
 * One file on purpose (~380 lines): the run, the comparison and the stored verdict
 * are one check, read together when a GPU report comes in.
 *
 * Greedy candidates alone would all share one history, so a mix-up of rows or
 * sequences would go unseen. Every other candidate therefore samples (its own
 * seed): rows differ, and a mix-up pushes foreign tokens into the greedy rows.
 * Only the greedy rows decide the verdict; a sampled row may legitimately flip a
 * draw when batch sizes round differently, so its comparison is a diagnostic.
 */
import type { ChatMessage, GenerationCallbacks, GenerationRequest } from "../../../gsr/types";
import { runBatched, type BatchedDecodeOptions } from "./decoder";
import type { SequentialPipeline } from "./internals";
import { conversationFromHistory } from "./prompt";
import { checkBatchSupport } from "./support";

export interface TokenMismatch {
  candidate: number;
  /** Index of the first differing token in that candidate's stream. */
  position: number;
  /** null where that stream has already ended. */
  batchedToken: number | null;
  sequentialToken: number | null;
}

export type StreamComparison =
  { equal: true; tokens: number } | { equal: false; mismatch: TokenMismatch };

/** Compares per-candidate token streams; reports the first mismatch (lowest candidate, then position). */
export function compareTokenStreams(
  batched: readonly (readonly number[])[],
  sequential: readonly (readonly number[])[],
): StreamComparison {
  const candidates = Math.max(batched.length, sequential.length);
  let tokens = 0;
  for (let candidate = 0; candidate < candidates; candidate++) {
    const a = batched[candidate];
    const b = sequential[candidate];
    if (!a || !b)
      return {
        equal: false,
        mismatch: {
          candidate,
          position: 0,
          batchedToken: a?.[0] ?? null,
          sequentialToken: b?.[0] ?? null,
        },
      };
    const length = Math.max(a.length, b.length);
    for (let position = 0; position < length; position++) {
      if (a[position] !== b[position]) {
        return {
          equal: false,
          mismatch: {
            candidate,
            position,
            batchedToken: a[position] ?? null,
            sequentialToken: b[position] ?? null,
          },
        };
      }
    }
    tokens += a.length;
  }
  return { equal: true, tokens };
}

/**
 * One greedy generation through the pipeline's own single-sequence path
 * (`prefillStep` then `decodeStep` until stopped), the way WebLLM's engine runs a
 * chat completion. Returns the output token ids (WebLLM's `outputIds`: no stop token).
 * The caller must hold the engine's per-model lock; the chat state is reset afterwards.
 */
export async function decodeWithPipeline(
  pipeline: SequentialPipeline,
  request: GenerationRequest,
  signal: AbortSignal,
): Promise<number[]> {
  const last = request.messages.at(-1);
  if (last?.role !== "user") throw new Error("The last message must come from the user.");
  const { temperature, topP, maxTokens, seed } = request.sampling;
  const genConfig = { temperature, top_p: topP, max_tokens: maxTokens };
  pipeline.resetChat();
  pipeline.setConversation(conversationFromHistory(pipeline, request.messages.slice(0, -1)));
  pipeline.setSeed(seed);
  try {
    await pipeline.prefillStep(last.content, "user", undefined, genConfig);
    while (!pipeline.stopped()) {
      if (signal.aborted)
        throw Object.assign(new Error("The self-test was stopped."), { name: "AbortError" });
      await pipeline.decodeStep(genConfig);
    }
    return [...pipeline.outputIds];
  } finally {
    // As WebLLM's engine does after a seeded request: leave no chat state and no fixed seed behind.
    pipeline.resetChat();
    pipeline.setSeed(Date.now());
  }
}

export const SELF_TEST_PROMPT: ChatMessage[] = [
  { role: "system", content: "You are a careful math tutor." },
  { role: "user", content: "What is 17 × 23? Explain briefly and put the answer in \\boxed{}." },
];

export interface SelfTestDeps {
  /** Clock in milliseconds. */
  now: () => number;
  signal?: AbortSignal;
  /** Candidates in the batch (default 4). */
  n?: number;
  /** New tokens for candidate 0; later candidates get fewer, so the batch shrinks mid-run (default 32). */
  maxTokens?: number;
  messages?: ChatMessage[];
  seed?: number;
  /** The reference; default: {@link decodeWithPipeline}, WebLLM's own single-sequence path. */
  sequential?: (request: GenerationRequest, signal: AbortSignal) => Promise<number[]>;
  /** Passed to runBatched (e.g. promptSharing). */
  batchedOptions?: Omit<BatchedDecodeOptions, "now" | "onToken">;
  /** A short untimed batched run first, so first-use allocations do not count (default true). */
  warmUp?: boolean;
  /** Test seam. */
  runBatched?: typeof runBatched;
}

export type SelfTestVerdict = "pass" | "fail" | "unsupported" | "error";

export interface SelfTestReport {
  verdict: SelfTestVerdict;
  /** One line for the UI. */
  reason: string;
  n: number;
  batchedMs: number;
  sequentialMs: number;
  /** Sequential time over batched time for the same tokens; null when not measured. */
  speedup: number | null;
  /** Tokens the batch generated. */
  tokens: number;
  /** First difference in a greedy candidate (candidate = its index in the batch): the verdict. */
  mismatch: TokenMismatch | null;
  /** First difference in a sampled candidate: reported, not decisive. */
  sampledMismatch: TokenMismatch | null;
}

/** A report with nothing measured yet (no timings, no tokens, no mismatch), plus `extra`. */
export function selfTestReport(
  n: number,
  verdict: SelfTestVerdict,
  reason: string,
  extra: Partial<SelfTestReport> = {},
): SelfTestReport {
  return {
    verdict,
    reason,
    n,
    batchedMs: 0,
    sequentialMs: 0,
    speedup: null,
    tokens: 0,
    mismatch: null,
    sampledMismatch: null,
    ...extra,
  };
}

export async function runSelfTest(
  pipeline: SequentialPipeline,
  deps: SelfTestDeps,
): Promise<SelfTestReport> {
  const n = deps.n ?? 4;
  const maxTokens = deps.maxTokens ?? 32;
  const signal = deps.signal ?? new AbortController().signal;
  const run = deps.runBatched ?? runBatched;
  const sequential = deps.sequential ?? ((request, s) => decodeWithPipeline(pipeline, request, s));
  const report = (verdict: SelfTestVerdict, reason: string, extra: Partial<SelfTestReport> = {}) =>
    selfTestReport(n, verdict, reason, extra);

  const support = checkBatchSupport(pipeline, n);
  if (!support.ok) return report("unsupported", support.reason);

  const step = Math.max(1, Math.floor(maxTokens / (2 * n)));
  const isGreedy = (i: number) => i % 2 === 0;
  const requests: GenerationRequest[] = Array.from({ length: n }, (_, i) => ({
    messages: deps.messages ?? SELF_TEST_PROMPT,
    sampling: {
      temperature: isGreedy(i) ? 0 : 0.8,
      topP: isGreedy(i) ? 1 : 0.95,
      // Fewer tokens for later candidates: the batch shrinks during the run.
      maxTokens: Math.max(1, maxTokens - i * step),
      seed: (deps.seed ?? 1) + i,
    },
  }));
  const silent: GenerationCallbacks = { onDelta: () => {}, onDone: () => {}, onError: () => {} };

  try {
    if (deps.warmUp ?? true) {
      const short = requests.map((r) => ({ ...r, sampling: { ...r.sampling, maxTokens: 2 } }));
      await run(pipeline, short, silent, signal, { ...deps.batchedOptions, now: deps.now });
    }

    const batchedStreams: number[][] = requests.map(() => []);
    const batchedStart = deps.now();
    await run(pipeline, requests, silent, signal, {
      ...deps.batchedOptions,
      now: deps.now,
      onToken: (index, token) => batchedStreams[index]?.push(token),
    });
    const batchedMs = deps.now() - batchedStart;

    const sequentialStreams: number[][] = [];
    const sequentialStart = deps.now();
    for (const request of requests) sequentialStreams.push(await sequential(request, signal));
    const sequentialMs = deps.now() - sequentialStart;

    const timing = {
      batchedMs,
      sequentialMs,
      speedup: batchedMs > 0 ? sequentialMs / batchedMs : null,
      tokens: batchedStreams.reduce((sum, s) => sum + s.length, 0),
    };
    const compareWhere = (keep: (i: number) => boolean): TokenMismatch | null => {
      const indices = requests.map((_, i) => i).filter(keep);
      const comparison = compareTokenStreams(
        indices.map((i) => batchedStreams[i] ?? []),
        indices.map((i) => sequentialStreams[i] ?? []),
      );
      if (comparison.equal) return null;
      return { ...comparison.mismatch, candidate: indices[comparison.mismatch.candidate] ?? -1 };
    };
    const mismatch = compareWhere(isGreedy);
    const sampledMismatch = compareWhere((i) => !isGreedy(i));
    if (mismatch) {
      return report(
        "fail",
        `Batched tokens differ from sequential ones (candidate ${mismatch.candidate + 1}, token ${mismatch.position + 1}).`,
        {
          ...timing,
          mismatch,
          sampledMismatch,
        },
      );
    }
    const speed =
      timing.speedup === null ? "" : ` ${timing.speedup.toFixed(1)}× faster than one at a time.`;
    return report("pass", `Batched decoding matches sequential decoding.${speed}`, {
      ...timing,
      sampledMismatch,
    });
  } catch (error) {
    return report(
      "error",
      `The self-test failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

// ---------------------------------------------------------------- remembering verdicts

/** The part of the Web Storage API the store needs (localStorage in the browser). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A stored verdict is void when WebLLM or this decoder changes. */
export const WEBLLM_VERSION = "0.2.86";
export const DECODER_REVISION = 1;
const KEY_PREFIX = "refinery.webllm.batched-selftest";

export interface StoredVerdict {
  verdict: Exclude<SelfTestVerdict, "error">;
  reason: string;
  speedup: number | null;
  batchedMs: number;
  sequentialMs: number;
  mismatch: TokenMismatch | null;
  /** Epoch milliseconds. */
  testedAt: number;
  webllmVersion: string;
  decoderRevision: number;
}

export interface SelfTestStore {
  get(modelId: string, device: string): StoredVerdict | null;
  /** Remembers a verdict; an "error" (aborted, crashed) is not a verdict and is not kept. */
  record(modelId: string, device: string, report: SelfTestReport): StoredVerdict | null;
  forget(modelId: string, device: string): void;
}

/** A stable name for the GPU, from `GPUAdapter.info`: a different GPU or driver family tests again. */
export function deviceKey(info: {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}): string {
  return [info.vendor, info.architecture, info.device, info.description]
    .map((part) => part ?? "")
    .join("/");
}

export function createSelfTestStore(
  storage: StorageLike,
  clock: () => number = () => Date.now(),
): SelfTestStore {
  const key = (modelId: string, device: string) => `${KEY_PREFIX}|${modelId}|${device}`;
  return {
    get(modelId, device) {
      let stored: Partial<StoredVerdict> | null;
      try {
        stored = JSON.parse(
          storage.getItem(key(modelId, device)) ?? "null",
        ) as Partial<StoredVerdict> | null;
      } catch {
        return null;
      }
      if (
        !stored ||
        stored.webllmVersion !== WEBLLM_VERSION ||
        stored.decoderRevision !== DECODER_REVISION
      )
        return null;
      if (
        stored.verdict !== "pass" &&
        stored.verdict !== "fail" &&
        stored.verdict !== "unsupported"
      )
        return null;
      return stored as StoredVerdict;
    },
    record(modelId, device, report) {
      if (report.verdict === "error") return null;
      const stored: StoredVerdict = {
        verdict: report.verdict,
        reason: report.reason,
        speedup: report.speedup,
        batchedMs: report.batchedMs,
        sequentialMs: report.sequentialMs,
        mismatch: report.mismatch,
        testedAt: clock(),
        webllmVersion: WEBLLM_VERSION,
        decoderRevision: DECODER_REVISION,
      };
      try {
        storage.setItem(key(modelId, device), JSON.stringify(stored));
      } catch {
        // Storage full or blocked: the test simply runs again next time.
      }
      return stored;
    },
    forget(modelId, device) {
      storage.removeItem(key(modelId, device));
    },
  };
}

/** In-memory storage for where localStorage is missing (workers, some sandboxes). */
export function memoryStorage(): StorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

function defaultStorage(): StorageLike {
  try {
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (storage) return storage;
  } catch {
    // Access denied (sandboxed frame).
  }
  return memoryStorage();
}

/** The app's store: localStorage on the main thread (a worker has none; keep verdicts on the main thread). */
export const selfTestStore: SelfTestStore = createSelfTestStore(defaultStorage());
