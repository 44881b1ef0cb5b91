/**
 * Bench page: wllama itself, with nothing of the app in the way, loaded with
 * the same parameters as the app's worker (src/engine/wllama/worker.ts) and
 * sent the same streamed chat requests. The reference the app is compared to.
 */
import { Wllama, type ChatCompletionChunk } from "@wllama/wllama";
import wasmUrl from "@wllama/wllama/esm/wasm/wllama.wasm?url";
import { kvPoolSize, WLLAMA_PARALLEL_SLOTS } from "../../src/engine/wllama/client";
import { buildSolvePrompt } from "../../src/gsr/prompts";
import { PERF_CONTEXT_SIZE, PERF_SAMPLING } from "./workload";

let wllama: Wllama | null = null;

window.__perfRaw = {
  async load(modelUrl, overrides = {}) {
    await wllama?.exit();
    const started = performance.now();
    wllama = new Wllama({ default: new URL(wasmUrl, location.href).href }, { suppressNativeLog: true });
    wllama.setCompat(null);
    const blob = await (await fetch(modelUrl)).blob();
    // As the app's worker does (worker.ts load()), with the app's thread count (client.ts).
    await wllama.loadModel([blob], {
      n_ctx: kvPoolSize(PERF_CONTEXT_SIZE),
      n_parallel: WLLAMA_PARALLEL_SLOTS,
      kv_unified: true,
      cache_idle_slots: false,
      n_threads: crossOriginIsolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1,
      n_gpu_layers: 0,
      ...overrides,
    });
    return { threads: wllama.getNumThreads(), multithread: wllama.isMultithread(), isolated: crossOriginIsolated, loadMs: performance.now() - started };
  },

  async unload() {
    await wllama?.exit();
    wllama = null;
  },

  async run({ problem, requests, concurrent, maxTokens, ignoreEos = true, countTokensFirst = false }) {
    const engine = wllama;
    if (!engine) throw new Error("load() first");
    const messages = buildSolvePrompt(problem);
    const one = async (i: number) => {
      let chunks = 0;
      let tokens = 0;
      let promptEvaluated = 0;
      await engine.createChatCompletion({
        messages,
        stream: true,
        temperature: PERF_SAMPLING.temperature,
        top_p: PERF_SAMPLING.topP,
        seed: PERF_SAMPLING.seed + i,
        max_tokens: maxTokens,
        ...(ignoreEos ? { ignore_eos: true } : {}),
        onData: (chunk: ChatCompletionChunk) => {
          if (chunk.choices[0]?.delta.content) chunks++;
          tokens = chunk.usage?.completion_tokens || chunk.timings?.predicted_n || tokens;
          promptEvaluated = chunk.timings?.prompt_n ?? promptEvaluated;
        },
      });
      return { tokens, chunks, promptEvaluated };
    };
    const started = performance.now();
    if (countTokensFirst) await engine.createChatCompletion({ messages, max_tokens: 1, temperature: 0 });
    const results: { tokens: number; chunks: number; promptEvaluated: number }[] = [];
    if (concurrent) results.push(...(await Promise.all(Array.from({ length: requests }, (_, i) => one(i)))));
    else for (let i = 0; i < requests; i++) results.push(await one(i));
    return {
      ms: performance.now() - started,
      tokens: results.map((r) => r.tokens),
      chunks: results.map((r) => r.chunks),
      promptEvaluated: results.map((r) => r.promptEvaluated),
    };
  },
};
