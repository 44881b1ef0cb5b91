/**
 * TEST ONLY. A `WebLlmEngine` over fake runtimes, for the engine's tests
 * (client, sequentialPath and batchedPath): WebLLM's side is `FakeEngine`, our
 * side channel is the real worker handler (testing/fakeWorker.ts) over a fake
 * pipeline; plus the model, the requests and a recorder of callbacks they share.
 */
import type { AppConfig, ChatCompletionChunk, ChatCompletionRequestStreaming, ChatOptions, InitProgressCallback } from "@mlc-ai/web-llm";
import type { GenerationCallbacks, GenerationRequest, GenerationResult } from "../../../gsr/types";
import { createSelfTestStore, deviceKey, memoryStorage, type SelfTestStore } from "../batched";
import { FakePipeline } from "../batched/testing/fakeTvm";
import { WebLlmEngine } from "../client";
import { fakeEngineInternals, inProcessChannel } from "./fakeWorker";
import type { GpuAdapterSummary, WorkerModelInfo } from "../protocol";
import type { WebLlmEngineHandle, WebLlmRuntime } from "../runtime";

export const MATH_ID = "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC";
export const MATH_FOLDER = "https://huggingface.co/mlc-ai/Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC/resolve/main/";

interface Script {
  tokens: string[];
  /** How WebLLM ends it when not interrupted. */
  finish?: "stop" | "length";
  /** Rejects create() (the worker's stream init) with this, as WebLLM's client does: a string. */
  initError?: string;
  /** Rejects the first next() (prefill) with this. */
  prefillError?: string;
  /** Runs while the worker sets the stream up. */
  duringInit?: () => void;
  /** Runs when the generation begins, just before WebLLM clears its interrupt flag. */
  beforeStart?: () => void;
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Behaves like WebWorkerMLCEngine over a loaded model, on the points the client relies on. */
export class FakeEngine implements WebLlmEngineHandle {
  log: string[] = [];
  requests: ChatCompletionRequestStreaming[] = [];
  appConfig: AppConfig | null = null;
  reloads: Array<{ modelId: string; chatOpts?: ChatOptions }> = [];
  progress: InitProgressCallback | null = null;
  scripts: Script[] = [];
  /** Progress texts the next reload reports. */
  loadReports = ["Start to fetch params", "Fetching param cache[1/2]: 100MB fetched. 50% completed, 1 secs elapsed.", "Finish loading on WebGPU - Fake GPU"];
  reloadError: string | null = null;
  /** When set, reload waits for unload() and then resolves quietly, like WebLLM after an abort. */
  reloadHangs = false;
  private interruptSignal = false;
  private unloadWaiter: (() => void) | null = null;

  setInitProgressCallback(callback: InitProgressCallback) {
    this.progress = callback;
  }
  setAppConfig(appConfig: AppConfig) {
    this.appConfig = appConfig;
  }
  async reload(modelId: string, chatOpts?: ChatOptions) {
    this.reloads.push({ modelId, ...(chatOpts ? { chatOpts } : {}) });
    if (this.reloadHangs) return new Promise<void>((resolve) => (this.unloadWaiter = resolve));
    for (const text of this.loadReports) this.progress?.({ progress: 0.5, timeElapsed: 1, text });
    if (this.reloadError) throw this.reloadError;
  }
  async unload() {
    this.log.push("unload");
    this.unloadWaiter?.();
    this.unloadWaiter = null;
  }
  interruptGenerate() {
    this.log.push("interrupt");
    this.interruptSignal = true;
  }
  chat = {
    completions: {
      create: async (request: ChatCompletionRequestStreaming): Promise<AsyncIterable<ChatCompletionChunk>> => {
        this.requests.push(request);
        const script = this.scripts.shift() ?? { tokens: [] };
        script.duringInit?.();
        await tick();
        if (script.initError) throw script.initError;
        return this.stream(script);
      },
    },
  };

  private async *stream(script: Script): AsyncGenerator<ChatCompletionChunk> {
    const n = this.requests.length - 1;
    script.beforeStart?.();
    // WebLLM resets the interrupt flag when the generation starts (asyncGenerate).
    this.interruptSignal = false;
    this.log.push(`start ${n}`);
    try {
      await tick();
      if (script.prefillError) throw script.prefillError;
      let finish: "stop" | "length" | "abort" = script.finish ?? "stop";
      let produced = 0;
      for (const token of script.tokens) {
        if (this.interruptSignal) {
          finish = "abort";
          break;
        }
        await tick();
        produced++;
        yield chunk({ choices: [{ index: 0, delta: { content: token, role: "assistant" }, finish_reason: null, logprobs: null }] });
      }
      yield chunk({ choices: [{ index: 0, delta: {}, finish_reason: finish }] });
      yield chunk({
        choices: [],
        usage: {
          completion_tokens: produced + 100, // distinguishable from the chunk count
          prompt_tokens: 20,
          total_tokens: produced + 120,
          extra: { e2e_latency_s: 1, prefill_tokens_per_s: 500, decode_tokens_per_s: 40, time_to_first_token_s: 0.1, time_per_output_token_s: 0.025 },
        },
      });
    } finally {
      this.log.push(`end ${n}`);
    }
  }
}

function chunk(partial: Partial<ChatCompletionChunk>): ChatCompletionChunk {
  return { id: "x", created: 0, model: MATH_ID, object: "chat.completion.chunk", choices: [], ...partial };
}

const ADAPTER: GpuAdapterSummary = { vendor: "nvidia", architecture: "ampere", device: "", description: "NVIDIA GeForce RTX 3060" };
export const GPU = deviceKey(ADAPTER);

/**
 * WebLLM's side is FakeEngine; our side channel's batched operations go to the real
 * worker handler over `pipeline` (by default an object without WebLLM's internals,
 * so the model cannot batch and every test outside "batched" runs sequentially).
 */
function fakeRuntime(engine = new FakeEngine(), pipeline: unknown = {}) {
  let crash: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => {});
  const info: WorkerModelInfo = { modelId: MATH_ID, contextWindow: 4096, slidingWindow: false, prefillChunkSize: 1024, vocabSize: 151936, convTemplate: "qwen2", adapter: ADAPTER };
  const internals = fakeEngineInternals(MATH_ID, pipeline);
  const clock = pipeline instanceof FakePipeline ? () => pipeline.runtime.clock : () => 0;
  const side = inProcessChannel({ engine: internals, now: clock });
  const state = {
    engine,
    internals,
    side,
    terminated: false,
    counted: [] as unknown[],
    crash: (error: Error) => crash(error),
  };
  const runtime: WebLlmRuntime = {
    engine,
    crashed,
    modelInfo: async (modelId) => ({ ...info, modelId }),
    countTokens: async (modelId, messages) => {
      state.counted.push({ modelId, messages });
      return { count: 42, exact: true };
    },
    checkBatchSupport: side.channel.checkBatchSupport,
    generateBatched: side.channel.generateBatched,
    runSelfTest: side.channel.runSelfTest,
    terminate: () => void (state.terminated = true),
  };
  return { runtime, state };
}

export function setup(options: { engine?: FakeEngine; pipeline?: unknown; store?: SelfTestStore } = {}) {
  const runtimes: Array<ReturnType<typeof fakeRuntime>> = [];
  const used: string[] = [];
  const notices: string[] = [];
  const store = options.store ?? createSelfTestStore(memoryStorage(), () => 1000);
  let clock = 0;
  const engine = new WebLlmEngine({
    createRuntime: async () => {
      const r = fakeRuntime(runtimes.length === 0 ? (options.engine ?? new FakeEngine()) : new FakeEngine(), options.pipeline);
      runtimes.push(r);
      return r.runtime;
    },
    now: () => (clock += 10),
    onModelUsed: (folder) => used.push(folder),
    selfTestStore: store,
    onNotice: (message) => notices.push(message),
  });
  return { engine, runtimes, used, notices, store, fake: () => runtimes.at(-1)!.state.engine };
}

export const source = { kind: "webllm" as const, modelId: MATH_ID, name: "Qwen2.5-Math 1.5B" };

export function request(seed: number, maxTokens = 64): GenerationRequest {
  return { messages: [{ role: "user", content: "What is 6 × 7?" }], sampling: { temperature: 0.7, topP: 0.95, maxTokens, seed } };
}

export function recorder() {
  const events: string[] = [];
  const results = new Map<number, GenerationResult>();
  const errors = new Map<number, Error>();
  const callbacks: GenerationCallbacks = {
    onStart: (i) => events.push(`start ${i}`),
    onDelta: (i, d) => events.push(`delta ${i} ${d}`),
    onDone: (i, r) => {
      events.push(`done ${i} ${r.finishReason}`);
      results.set(i, r);
    },
    onError: (i, e) => {
      events.push(`error ${i} ${e.name}`);
      errors.set(i, e);
    },
  };
  return { events, results, errors, callbacks };
}

export async function loaded(options: Parameters<typeof setup>[0] = {}) {
  const s = setup(options);
  await s.engine.load(source, { contextSize: 8192 }, () => {});
  return s;
}
