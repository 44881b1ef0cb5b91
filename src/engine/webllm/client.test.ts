import type { AppConfig, ChatCompletionChunk, ChatCompletionRequestStreaming, ChatOptions, InitProgressCallback } from "@mlc-ai/web-llm";
import { describe, expect, it } from "vitest";
import type { GenerationCallbacks, GenerationRequest, GenerationResult } from "../../gsr/types";
import { toUserFacing } from "../errors";
import { toChatCompletionRequest, WebLlmEngine } from "./client";
import type { WorkerModelInfo } from "./protocol";
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

function fakeRuntime(engine = new FakeEngine()) {
  let crash: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (crash = reject));
  crashed.catch(() => {});
  const info: WorkerModelInfo = { modelId: MATH_ID, contextWindow: 4096, slidingWindow: false, prefillChunkSize: 1024, vocabSize: 151936, convTemplate: "qwen2" };
  const state = {
    engine,
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
    terminate: () => void (state.terminated = true),
  };
  return { runtime, state };
}

function setup(options: { engine?: FakeEngine } = {}) {
  const runtimes: Array<ReturnType<typeof fakeRuntime>> = [];
  const used: string[] = [];
  let clock = 0;
  const engine = new WebLlmEngine({
    createRuntime: async () => {
      const r = fakeRuntime(runtimes.length === 0 ? (options.engine ?? new FakeEngine()) : new FakeEngine());
      runtimes.push(r);
      return r.runtime;
    },
    now: () => (clock += 10),
    onModelUsed: (folder) => used.push(folder),
  });
  return { engine, runtimes, used, fake: () => runtimes.at(-1)!.state.engine };
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

async function loaded(options: { engine?: FakeEngine } = {}) {
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
