import type { AppConfig, ChatCompletionChunk, ChatCompletionRequestStreaming, ChatOptions, InitProgressCallback } from "@mlc-ai/web-llm";
import { describe, expect, it } from "vitest";
import type { GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { toUserFacing } from "../errors";
import { createSelfTestStore, deviceKey, memoryStorage, type SelfTestReport, type SelfTestStore } from "./batched";
import { FakePipeline, hashModel, scriptedModel } from "./batched/testing/fakeTvm";
import { toChatCompletionRequest, WebLlmEngine } from "./client";
import { fakeEngineInternals, inProcessChannel, type FakeEngineInternals } from "./testing/fakeWorker";
import type { GpuAdapterSummary, WorkerModelInfo } from "./protocol";
import type { WebLlmEngineHandle, WebLlmRuntime } from "./runtime";
import type { WebLlmLoadProgress } from "./types";

const MATH_ID = "Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC";
const MATH_FOLDER = "https://huggingface.co/mlc-ai/Qwen2.5-Math-1.5B-Instruct-q4f16_1-MLC/resolve/main/";

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

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Behaves like WebWorkerMLCEngine over a loaded model, on the points the client relies on. */
class FakeEngine implements WebLlmEngineHandle {
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
const GPU = deviceKey(ADAPTER);

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

function setup(options: { engine?: FakeEngine; pipeline?: unknown; store?: SelfTestStore } = {}) {
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

const source = { kind: "webllm" as const, modelId: MATH_ID, name: "Qwen2.5-Math 1.5B" };

function request(seed: number, maxTokens = 64): GenerationRequest {
  return { messages: [{ role: "user", content: "What is 6 × 7?" }], sampling: { temperature: 0.7, topP: 0.95, maxTokens, seed } };
}

function recorder() {
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

async function loaded(options: Parameters<typeof setup>[0] = {}) {
  const s = setup(options);
  await s.engine.load(source, { contextSize: 8192 }, () => {});
  return s;
}

describe("WebLlmEngine.load", () => {
  it("loads a catalogue model with only its record, mapping WebLLM's progress", async () => {
    const { engine, fake, used } = setup();
    const progress: WebLlmLoadProgress[] = [];
    const info = await engine.load(source, { contextSize: 8192 }, (p) => progress.push(p));
    expect(fake().appConfig).toEqual({ model_list: [expect.objectContaining({ model_id: MATH_ID })], cacheBackend: "cache" });
    // Qwen2.5-Math's own limit is 4096, so the 8192 asked for is capped.
    expect(fake().reloads).toEqual([{ modelId: MATH_ID, chatOpts: { context_window_size: 4096 } }]);
    expect(progress.map((p) => [p.phase, p.webllmPhase])).toEqual([
      ["initialize", "initialize"],
      ["initialize", "initialize"],
      ["download", "download"],
      ["initialize", "initialize"],
    ]);
    expect(progress[2]).toMatchObject({ loadedBytes: 100 * 1024 * 1024, totalBytes: 200 * 1024 * 1024, fraction: 0.5 });
    expect(info).toEqual({
      name: "Qwen2.5-Math 1.5B",
      modelId: MATH_ID,
      contextWindow: 4096,
      parallelSlots: 1,
      threads: 1,
      multithreaded: false,
      fromCache: false,
      gpu: "WebGPU - Fake GPU",
    });
    expect(engine.contextWindow()).toBe(4096);
    expect(used).toEqual([MATH_FOLDER]);
  });

  it("reports a cached model as from cache, and compile as its own detail phase", async () => {
    const fakeEngine = new FakeEngine();
    fakeEngine.loadReports = [
      "Loading model from cache[1/1]: 800MB loaded. 100% completed, 2 secs elapsed.",
      "Loading GPU shader modules[5/10]: 50% completed, 1 secs elapsed.",
    ];
    const { engine } = setup({ engine: fakeEngine });
    const progress: WebLlmLoadProgress[] = [];
    const info = await engine.load(source, { contextSize: 4096 }, (p) => progress.push(p));
    expect(info.fromCache).toBe(true);
    expect(progress.map((p) => p.webllmPhase)).toEqual(["initialize", "cache", "compile"]);
    expect(progress[2]).toMatchObject({ phase: "compile", fraction: 0.5 });
  });

  it("loads a custom model from its URLs", async () => {
    const { engine, fake } = setup();
    await engine.load(
      {
        kind: "webllm",
        modelId: "custom:gsr",
        name: "GSR 1.5B",
        custom: { modelUrl: "http://lan.test/gsr", modelLibUrl: "http://lan.test/gsr-q4f16_1-webgpu.wasm" },
      },
      { contextSize: 2048 },
      () => {},
    );
    expect(fake().appConfig?.model_list).toEqual([
      { model: "http://lan.test/gsr", model_id: "custom:gsr", model_lib: "http://lan.test/gsr-q4f16_1-webgpu.wasm", required_features: ["shader-f16"] },
    ]);
    expect(fake().reloads[0]).toEqual({ modelId: "custom:gsr", chatOpts: { context_window_size: 2048 } });
  });

  it("caps a custom model's window at the one its config declares", async () => {
    const { engine, fake } = setup();
    const custom = { modelUrl: "http://lan.test/gsr", modelLibUrl: "http://lan.test/gsr-webgpu.wasm", contextWindow: 4096, quantization: "q4f32_1" };
    await engine.load({ kind: "webllm", modelId: "custom:gsr", name: "GSR", custom }, { contextSize: 16384 }, () => {});
    expect(fake().appConfig?.model_list[0]).toEqual({
      model: "http://lan.test/gsr",
      model_id: "custom:gsr",
      model_lib: "http://lan.test/gsr-webgpu.wasm",
      overrides: { context_window_size: 4096 },
    });
    expect(fake().reloads[0]?.chatOpts).toEqual({ context_window_size: 4096 });
  });

  it("refuses GGUF sources and unknown ids", async () => {
    const { engine } = setup();
    await expect(engine.load({ kind: "url", url: "http://x/m.gguf", name: "m" }, { contextSize: 4096 }, () => {})).rejects.toMatchObject({
      name: "UnsupportedModelSourceError",
    });
    await expect(engine.load({ ...source, modelId: "Nope-q4f16_1-MLC" }, { contextSize: 4096 }, () => {})).rejects.toMatchObject({
      name: "ModelNotFoundError",
    });
  });

  it("rebuilds WebLLM's string errors so they map to user-facing messages", async () => {
    const fakeEngine = new FakeEngine();
    fakeEngine.reloadError = "ShaderF16SupportError: This model requires WebGPU extension shader-f16, which is not enabled in this browser.";
    const { engine } = setup({ engine: fakeEngine });
    const error = await engine.load(source, { contextSize: 4096 }, () => {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "ShaderF16SupportError", message: expect.stringMatching(/^This model requires/) });
    expect(toUserFacing(error).code).toBe("shader-f16");
    expect(engine.model).toBeNull();
  });

  it("cancels a load through unload(), even though WebLLM's reload then resolves quietly", async () => {
    const fakeEngine = new FakeEngine();
    fakeEngine.reloadHangs = true;
    const { engine } = setup({ engine: fakeEngine });
    const controller = new AbortController();
    const loading = engine.load(source, { contextSize: 4096, signal: controller.signal }, () => {});
    await tick();
    controller.abort();
    await expect(loading).rejects.toMatchObject({ name: "AbortError" });
    expect(toUserFacing(await loading.catch((e: unknown) => e)).code).toBe("aborted");
    expect(fakeEngine.log).toContain("unload");
    expect(engine.model).toBeNull();
  });
});

describe("WebLlmEngine.generateMany", () => {
  it("generates the candidates one after another, each with its own seed", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["6", "×7=", "42"] }, { tokens: ["4", "2"], finish: "length" }];
    const { events, results, callbacks } = recorder();
    await engine.generateMany([request(10), request(11)], callbacks, new AbortController().signal);
    expect(events).toEqual([
      "start 0",
      "delta 0 6",
      "delta 0 ×7=",
      "delta 0 42",
      "done 0 stop",
      "start 1",
      "delta 1 4",
      "delta 1 2",
      "done 1 length",
    ]);
    expect(fake().requests.map((r) => r.seed)).toEqual([10, 11]);
    expect(fake().requests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true }, temperature: 0.7, top_p: 0.95, max_tokens: 64 });
    expect(fake().requests[0]).not.toHaveProperty("n");
    expect(results.get(0)).toMatchObject({ text: "6×7=42", tokens: 103, finishReason: "stop" });
    expect(results.get(0)!.firstTokenMs).toBeGreaterThan(0);
    expect(results.get(0)!.totalMs).toBeGreaterThan(results.get(0)!.firstTokenMs!);
    // The second began only after the first had ended in the worker.
    expect(fake().log).toEqual(["start 0", "end 0", "start 1", "end 1"]);
  });

  it("on abort interrupts the running candidate and ends the queued ones as aborted", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["a", "b"] }, { tokens: ["c", "d", "e", "f"] }, { tokens: ["g"] }];
    const controller = new AbortController();
    const { events, results, callbacks } = recorder();
    await engine.generateMany(
      [request(1), request(2), request(3)],
      { ...callbacks, onDelta: (i, d) => (callbacks.onDelta(i, d), d === "d" && controller.abort()) },
      controller.signal,
    );
    expect(events).toEqual(["start 0", "delta 0 a", "delta 0 b", "done 0 stop", "start 1", "delta 1 c", "delta 1 d", "done 1 aborted", "done 2 aborted"]);
    expect(results.get(1)).toMatchObject({ text: "cd", finishReason: "aborted" });
    expect(results.get(2)).toEqual({ text: "", tokens: 0, finishReason: "aborted", firstTokenMs: null, totalMs: 0 });
    expect(fake().log).toEqual(["start 0", "end 0", "start 1", "interrupt", "end 1"]);
    expect(fake().requests).toHaveLength(2);
  });

  it("sends nothing for a candidate aborted as it starts", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["x"] }];
    const controller = new AbortController();
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1)], { ...callbacks, onStart: (i) => (callbacks.onStart!(i), controller.abort()) }, controller.signal);
    expect(events).toEqual(["start 0", "done 0 aborted"]);
    expect(fake().requests).toEqual([]); // nothing reached the worker
    expect(fake().log).toEqual([]);
  });

  it("does not start a generation aborted while its stream was being set up", async () => {
    const { engine, fake } = await loaded();
    const controller = new AbortController();
    fake().scripts = [{ tokens: ["c", "d", "e"], duringInit: () => controller.abort() }];
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1), request(2)], callbacks, controller.signal);
    expect(events).toEqual(["start 0", "done 0 aborted", "done 1 aborted"]);
    expect(fake().log).toEqual(["interrupt"]); // closed before its first next(): it never ran
  });

  it("stops after one token when the interrupt reached WebLLM before its generation started", async () => {
    // WebLLM clears its interrupt flag when a generation starts, so this interrupt is lost;
    // the client notices the abort at the next chunk and closes the stream.
    const { engine, fake } = await loaded();
    const controller = new AbortController();
    fake().scripts = [{ tokens: ["c", "d", "e"], beforeStart: () => controller.abort() }];
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1), request(2)], callbacks, controller.signal);
    expect(events).toEqual(["start 0", "delta 0 c", "done 0 aborted", "done 1 aborted"]);
    expect(fake().log).toEqual(["interrupt", "start 0", "end 0"]);
  });

  it("reports per-candidate errors and goes on with the next", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [
      { tokens: ["ok"] },
      { tokens: [], prefillError: "ContextWindowSizeExceededError: Prompt tokens exceed context window size: number of prompt tokens: 5000; context window size: 4096" },
      { tokens: [], initError: "Error: something odd" },
      { tokens: ["fine"] },
    ];
    const { events, errors, callbacks } = recorder();
    await engine.generateMany([request(1), request(2), request(3), request(4)], callbacks, new AbortController().signal);
    expect(events).toEqual([
      "start 0",
      "delta 0 ok",
      "done 0 stop",
      "start 1",
      "error 1 ContextWindowSizeExceededError",
      "start 2",
      "error 2 Error",
      "start 3",
      "delta 3 fine",
      "done 3 stop",
    ]);
    expect(toUserFacing(errors.get(1)).code).toBe("context-too-long");
  });

  it("fails every candidate when no model is loaded", async () => {
    const { engine } = setup();
    const { events, callbacks } = recorder();
    await engine.generateMany([request(1), request(2)], callbacks, new AbortController().signal);
    expect(events).toEqual(["error 0 ModelNotLoadedError", "error 1 ModelNotLoadedError"]);
  });

  it("survives a worker crash: the running candidate fails, the model is gone, the next load starts a new worker", async () => {
    const { engine, fake, runtimes } = await loaded();
    fake().scripts = [{ tokens: ["a", "b", "c"] }, { tokens: ["d"] }];
    const { events, callbacks } = recorder();
    await engine.generateMany(
      [request(1), request(2)],
      { ...callbacks, onDelta: (i, d) => (callbacks.onDelta(i, d), d === "a" && runtimes[0]!.state.crash(new Error("The WebLLM worker crashed"))) },
      new AbortController().signal,
    );
    expect(events).toEqual(["start 0", "delta 0 a", "error 0 Error", "error 1 ModelNotLoadedError"]);
    expect(engine.model).toBeNull();
    expect(runtimes[0]!.state.terminated).toBe(true);
    await engine.load(source, { contextSize: 4096 }, () => {});
    expect(runtimes).toHaveLength(2);
  });

  it("generate() streams one sequence", async () => {
    const { engine, fake } = await loaded();
    fake().scripts = [{ tokens: ["\\boxed{", "42", "}"] }];
    const deltas: string[] = [];
    const result = await engine.generate(request(5), (d) => deltas.push(d), new AbortController().signal);
    expect(deltas.join("")).toBe("\\boxed{42}");
    expect(result.finishReason).toBe("stop");
  });
});

/** Candidates as GSR asks for them: one prompt, a seed each. */
function candidates(n: number, maxTokens: (i: number) => number = () => 64): GenerationRequest[] {
  return Array.from({ length: n }, (_, i) => request(10 + i, maxTokens(i)));
}

const text = (events: string[], index: number) =>
  events
    .filter((e) => e.startsWith(`delta ${index} `))
    .map((e) => e.slice(`delta ${index} `.length))
    .join("");

function passReport(): SelfTestReport {
  return { verdict: "pass", reason: "ok", n: 4, batchedMs: 100, sequentialMs: 280, speedup: 2.8, tokens: 90, mismatch: null, sampledMismatch: null };
}

/** A loaded engine over a batch-capable fake pipeline, with a stored verdict for this model and GPU. */
async function batchedSetup(pipeline: FakePipeline, verdict: SelfTestReport["verdict"] | null = "pass") {
  const store = createSelfTestStore(memoryStorage(), () => 1000);
  if (verdict) store.record(MATH_ID, GPU, { ...passReport(), verdict });
  const s = await loaded({ pipeline, store });
  const worker = () => s.runtimes.at(-1)!.state;
  const sent = (type: string) => worker().side.requests.filter((r) => r.type === type).length;
  const lock = () => (worker().internals as FakeEngineInternals).loadedModelIdToLock.get(MATH_ID)!;
  return { ...s, worker, sent, lock };
}

const bytes = (value: string) => Array.from(new TextEncoder().encode(value));

describe("WebLlmEngine batched decoding", () => {
  it("says at load why a model cannot batch, and stays sequential", async () => {
    const { engine, fake } = setup();
    expect(engine.batchStatus()).toEqual({ mode: "sequential", reason: "No model is loaded." });
    await engine.load(source, { contextSize: 4096 }, () => {});
    expect(engine.batchStatus()).toEqual({ mode: "sequential", reason: expect.stringMatching(/does not expose the pipeline internals/) });
    expect(engine.capabilities).toEqual({ kind: "webllm", batchedParallel: false, maxParallel: 1 });
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    const { events, callbacks } = recorder();
    await engine.generateMany(candidates(2), callbacks, new AbortController().signal);
    expect(events).toEqual(["start 0", "delta 0 a", "done 0 stop", "start 1", "delta 1 b", "done 1 stop"]);
  });

  it("decodes candidates that share a prompt in one batch when the model passed its check on this GPU", async () => {
    const pipeline = new FakePipeline({ model: hashModel({ stopAfter: 5 }) });
    const { engine, fake, worker, sent, notices, lock } = await batchedSetup(pipeline);
    expect(engine.batchStatus()).toEqual({ mode: "batched", reason: "Checked on this GPU: 2.8× faster than one at a time." });
    expect(engine.capabilities).toEqual({ kind: "webllm", batchedParallel: true, maxParallel: 79 });

    const { events, results, errors, callbacks } = recorder();
    await engine.generateMany(candidates(3), callbacks, new AbortController().signal);
    expect(events.slice(0, 3)).toEqual(["start 0", "start 1", "start 2"]);
    for (const i of [0, 1, 2]) expect(results.get(i)).toMatchObject({ text: text(events, i), tokens: 5, finishReason: "stop" });
    expect(new Set([0, 1, 2].map((i) => results.get(i)!.text)).size).toBeGreaterThan(1); // own seeds, own texts
    expect(errors.size).toBe(0);
    expect(fake().requests).toEqual([]); // WebLLM's sequential path was not used
    expect(pipeline.kvCaches).toHaveLength(1);
    const batched = worker().side.requests.find((r) => r.type === "generate-batched");
    expect(batched?.type === "generate-batched" && batched.requests.map((r) => r.sampling.seed)).toEqual([10, 11, 12]);
    expect(sent("self-test")).toBe(0);
    expect(lock().log).toEqual(["acquire", "release", "acquire", "release"]); // load-time check, then the run
    expect(lock().acquired).toBe(false);
    expect(notices).toEqual([]);
  });

  it("never batches one request or requests with different prompts", async () => {
    const pipeline = new FakePipeline({ model: hashModel({ stopAfter: 3 }) });
    const { engine, fake, sent } = await batchedSetup(pipeline);
    fake().scripts = [{ tokens: ["x"] }, { tokens: ["y"] }, { tokens: ["z"] }];
    await engine.generate(request(1), () => {}, new AbortController().signal);
    const other = { ...request(3), messages: [{ role: "user" as const, content: "Refine these." }] };
    await engine.generateMany([request(2), other], recorder().callbacks, new AbortController().signal);
    expect(sent("generate-batched")).toBe(0);
    expect(fake().requests.map((r) => r.seed)).toEqual([1, 2, 3]);
  });

  it("checks the GPU once before the first batch, stores the verdict, and says so in one line", async () => {
    const pipeline = new FakePipeline({ model: hashModel({ stopAfter: 4 }) });
    const { engine, store, sent, notices, fake } = await batchedSetup(pipeline, null);
    expect(engine.batchStatus()).toMatchObject({ mode: "batched", reason: expect.stringMatching(/one-time check/) });

    const first = recorder();
    await engine.generateMany(candidates(2), first.callbacks, new AbortController().signal);
    expect(sent("self-test")).toBe(1);
    expect(sent("generate-batched")).toBe(1);
    expect(first.results.get(1)).toMatchObject({ tokens: 4, finishReason: "stop" });
    expect(store.get(MATH_ID, GPU)).toMatchObject({ verdict: "pass", testedAt: 1000 });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^Batched decoding checked on this GPU: same tokens as one at a time, [\d.]+× faster\. Candidates now run in one batch\.$/);

    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("self-test")).toBe(1);
    expect(sent("generate-batched")).toBe(2);
    expect(fake().requests).toEqual([]);
  });

  it("generates sequentially, and says why, when the first check fails; the fail verdict is stored", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { engine, store, sent, notices, fake } = await batchedSetup(pipeline, null);
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    const { events, callbacks } = recorder();
    await engine.generateMany(candidates(2), callbacks, new AbortController().signal);
    expect(events).toEqual(["start 0", "delta 0 a", "done 0 stop", "start 1", "delta 1 b", "done 1 stop"]);
    expect(sent("generate-batched")).toBe(0);
    expect(store.get(MATH_ID, GPU)?.verdict).toBe("fail");
    expect(notices).toEqual([expect.stringMatching(/^Batched decoding failed its check on this GPU \(Batched tokens differ .*\); candidates are generated one at a time\.$/)]);
    expect(engine.batchStatus()).toMatchObject({ mode: "sequential", reason: expect.stringMatching(/failed its check/) });
    expect(engine.capabilities.batchedParallel).toBe(false);
  });

  it("stays sequential, without testing again, when the stored verdict for this model and GPU is a fail", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    const { engine, sent, fake, notices } = await batchedSetup(pipeline, "fail");
    expect(engine.batchStatus().mode).toBe("sequential");
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("self-test") + sent("generate-batched")).toBe(0);
    expect(fake().requests).toHaveLength(2);
    expect(notices).toEqual([]);
  });

  it("falls back mid-run: finished candidates stay done, streamed text is kept and continued, one notice, sequential for the session", async () => {
    const answer = "The answer is 42";
    const pipeline = new FakePipeline({ model: scriptedModel(bytes(answer)) });
    // First token from the prefill, two decode steps, then the third step fails.
    pipeline.runtime.failOn("batch_decode", 3, new Error("GPU device lost"));
    const { engine, fake, sent, notices, store, lock } = await batchedSetup(pipeline);
    fake().scripts = [
      { tokens: ["The", " answer", " is 42"] }, // candidate 1 repeats what the batch had shown, then goes on
      { tokens: ["An", "other", " path"] }, // candidate 2 departs from it
    ];
    const { events, results, errors, callbacks } = recorder();
    await engine.generateMany(
      candidates(3, (i) => (i === 0 ? 2 : 64)),
      callbacks,
      new AbortController().signal,
    );

    // Candidate 0 finished in the batch and is not generated again.
    expect(results.get(0)).toMatchObject({ text: "Th", tokens: 2, finishReason: "length" });
    expect(events.filter((e) => e.startsWith("done 0"))).toHaveLength(1);
    // Candidate 1: "The" came from the batch; the regeneration streamed only what came after it.
    expect(text(events, 1)).toBe(answer);
    expect(results.get(1)).toMatchObject({ text: answer, finishReason: "stop" });
    // Candidate 2: its new text departed from "The", so nothing more streamed; its result carries the new text.
    expect(text(events, 2)).toBe("The");
    expect(results.get(2)).toMatchObject({ text: "Another path", finishReason: "stop" });
    expect(events.filter((e) => e.startsWith("start"))).toEqual(["start 0", "start 1", "start 2"]);
    expect(errors.size).toBe(0);
    expect(fake().requests.map((r) => r.seed)).toEqual([11, 12]); // same seeds on the sequential path
    expect(lock().acquired).toBe(false);

    expect(notices).toEqual([
      `Batched decoding failed during decode: GPU device lost. The 2 unfinished candidates continue one at a time; Qwen2.5-Math 1.5B stays on one-at-a-time generation for this session.`,
    ]);
    expect(engine.batchStatus()).toEqual({ mode: "sequential", reason: "Batched decoding failed during decode: GPU device lost" });
    expect(engine.capabilities.batchedParallel).toBe(false);
    expect(store.get(MATH_ID, GPU)?.verdict).toBe("pass"); // a session fallback, not a verdict

    // The rest of the session is sequential, without new notices.
    fake().scripts = [{ tokens: ["x"] }, { tokens: ["y"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("generate-batched")).toBe(1);
    expect(fake().requests).toHaveLength(4);
    expect(notices).toHaveLength(1);
  });

  it("falls back before any GPU work when the library cannot batch this many candidates", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), maxBatchSize: 9 }); // enough for the 8 checked at load
    const { engine, fake, notices } = await batchedSetup(pipeline);
    expect(engine.batchStatus().mode).toBe("batched");
    fake().scripts = Array.from({ length: 9 }, (_, i) => ({ tokens: [`c${i}`] }));
    const { events, results, callbacks } = recorder();
    await engine.generateMany(candidates(9), callbacks, new AbortController().signal);
    expect(events.filter((e) => e.startsWith("start"))).toHaveLength(9);
    expect(results.get(8)).toMatchObject({ text: "c8", finishReason: "stop" });
    expect(pipeline.kvCaches).toHaveLength(0);
    expect(notices).toEqual([
      "Batched decoding is not possible here: The model library was compiled for batches of at most 9; 9 candidates need 10. The candidates are generated one at a time; Qwen2.5-Math 1.5B stays on one-at-a-time generation for this session.",
    ]);
  });

  it("keeps the batch's text for candidates stopped before their regeneration caught up with it", async () => {
    const pipeline = new FakePipeline({ model: scriptedModel(bytes("Hello there")) });
    pipeline.runtime.failOn("batch_decode", 4); // each candidate had shown "Hell"
    const { engine, fake } = await batchedSetup(pipeline);
    const controller = new AbortController();
    // The stop comes as candidate 0's regeneration starts: it gets one token ("H") before it ends.
    fake().scripts = [{ tokens: ["H", "e", "l", "l", "o"], beforeStart: () => controller.abort() }];
    const { events, results, callbacks } = recorder();
    await engine.generateMany(candidates(2), callbacks, controller.signal);
    expect([text(events, 0), text(events, 1)]).toEqual(["Hell", "Hell"]);
    expect(results.get(0)).toMatchObject({ text: "Hell", tokens: 4, finishReason: "aborted" });
    expect(results.get(1)).toMatchObject({ text: "Hell", tokens: 4, finishReason: "aborted" });
    expect(fake().requests).toHaveLength(1);
  });

  it("aborting a batched run ends every candidate as aborted and releases the model", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    const { engine, fake, lock, notices } = await batchedSetup(pipeline);
    const controller = new AbortController();
    const { events, results, errors, callbacks } = recorder();
    let deltas = 0;
    await engine.generateMany(
      candidates(3, () => 200),
      { ...callbacks, onDelta: (i, d) => (callbacks.onDelta(i, d), ++deltas === 4 && controller.abort()) },
      controller.signal,
    );
    expect([0, 1, 2].map((i) => results.get(i)?.finishReason)).toEqual(["aborted", "aborted", "aborted"]);
    for (const i of [0, 1, 2]) {
      expect(results.get(i)!.text).toBe(text(events, i));
      expect(results.get(i)!.tokens).toBeLessThan(20);
    }
    expect(errors.size).toBe(0);
    expect(fake().requests).toEqual([]);
    expect(lock().acquired).toBe(false);
    expect(pipeline.runtime.liveObjects()).toEqual([]);
    expect(engine.batchStatus().mode).toBe("batched"); // stopping is not a failure
    expect(notices).toEqual([]);
  });

  it("fails the running candidates when the worker dies during a batch", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    const { engine, runtimes } = await batchedSetup(pipeline);
    const { events, callbacks } = recorder();
    let crashed = false;
    await engine.generateMany(
      candidates(2, () => 200),
      {
        ...callbacks,
        onDelta: (i, d) => {
          callbacks.onDelta(i, d);
          if (!crashed) runtimes[0]!.state.crash(new Error("The WebLLM worker crashed"));
          crashed = true;
        },
      },
      new AbortController().signal,
    );
    expect(events.filter((e) => e.startsWith("error"))).toEqual(["error 0 Error", "error 1 Error"]);
    expect(engine.model).toBeNull();
  });

  it("runSelfTest reports and stores the verdict for this model and GPU; a fail turns batching off", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { engine, store, fake, sent } = await batchedSetup(pipeline);
    expect(engine.batchStatus().mode).toBe("batched");
    const report = await engine.runSelfTest({ maxTokens: 16 });
    expect(report).toMatchObject({ verdict: "fail", n: 4, mismatch: { candidate: 0 } });
    expect(report.batchedMs).toBeGreaterThan(0);
    expect(report.sequentialMs).toBeGreaterThan(0);
    expect(store.get(MATH_ID, GPU)).toMatchObject({ verdict: "fail", mismatch: report.mismatch });
    expect(engine.batchStatus().mode).toBe("sequential");
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(sent("generate-batched")).toBe(0);
  });

  it("a passing runSelfTest lifts a fallback made earlier in the session", async () => {
    const pipeline = new FakePipeline({ model: hashModel() });
    pipeline.runtime.failOn("batch_decode", 2);
    const { engine, fake } = await batchedSetup(pipeline);
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(engine.batchStatus().mode).toBe("sequential");
    expect((await engine.runSelfTest()).verdict).toBe("pass");
    expect(engine.batchStatus().mode).toBe("batched");
  });

  it("refuses runSelfTest without a model", async () => {
    await expect(setup().engine.runSelfTest()).rejects.toMatchObject({ name: "ModelNotLoadedError" });
  });

  it("delivers notices to listeners until they unsubscribe", async () => {
    const pipeline = new FakePipeline({ model: hashModel(), reverseBatchRows: true });
    const { engine, fake } = await batchedSetup(pipeline, null);
    const heard: string[] = [];
    const stop = engine.addNoticeListener((m) => heard.push(m));
    fake().scripts = [{ tokens: ["a"] }, { tokens: ["b"] }];
    await engine.generateMany(candidates(2), recorder().callbacks, new AbortController().signal);
    expect(heard).toHaveLength(1);
    stop();
    expect(heard).toHaveLength(1);
  });
});

describe("WebLlmEngine other operations", () => {
  it("counts tokens in the worker for the loaded model", async () => {
    const { engine, runtimes } = await loaded();
    const messages = [{ role: "user" as const, content: "hi" }];
    expect(await engine.countTokens(messages)).toBe(42);
    expect(runtimes[0]!.state.counted).toEqual([{ modelId: MATH_ID, messages }]);
  });

  it("refuses to count without a model", async () => {
    await expect(setup().engine.countTokens([{ role: "user", content: "hi" }])).rejects.toMatchObject({ name: "ModelNotLoadedError" });
  });

  it("unloads and disposes", async () => {
    const { engine, fake, runtimes } = await loaded();
    await engine.unload();
    expect(fake().log).toContain("unload");
    expect(engine.contextWindow()).toBe(0);
    engine.dispose();
    expect(runtimes[0]!.state.terminated).toBe(true);
  });
});

describe("toChatCompletionRequest", () => {
  it("keeps WebLLM's parameter ranges", () => {
    const r = toChatCompletionRequest({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
      sampling: { temperature: -1, topP: 0, maxTokens: 0.5, seed: 7.9 },
    });
    expect(r).toEqual({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
      top_p: 1,
      max_tokens: 1,
      seed: 7,
    });
    expect(toChatCompletionRequest({ messages: [], sampling: { temperature: 0, topP: 1, maxTokens: 10, seed: NaN } })).not.toHaveProperty("seed");
  });
});
