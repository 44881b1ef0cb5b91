import { describe, expect, it } from "vitest";
import { toUserFacing } from "../errors";
import { FakeEngine, loaded, MATH_FOLDER, MATH_ID, setup, source, tick } from "./testing/engineHarness";
import type { WebLlmLoadProgress } from "./types";

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
