/**
 * With Chromium's software WebGPU adapter (SwiftShader: a fallback adapter, no
 * shader-f16): engine choice, the device-aware WebLLM catalog, and the real
 * WebLLM library in its real worker, up to the model files.
 */
import { expect, test } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RefineryPage } from "./app";
import { MODEL_SERVER } from "./model-server";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../chromium.config";


test.use({ launchOptions: { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, "--enable-unsafe-webgpu"] } });

test.beforeAll(() => {
  // A custom MLC model whose files look right to a quick check but are broken inside:
  // the weight shard is missing and the library is not a real model library.
  const dir = join(process.cwd(), "models", "mlc-broken", "resolve", "main");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "mlc-chat-config.json"),
    JSON.stringify({
      model_type: "qwen2",
      context_window_size: 4096,
      prefill_chunk_size: 1024,
      vocab_size: 300,
      conv_template: { name: "chatml", system_template: "<|im_start|>system\n{system_message}<|im_end|>\n", system_message: "", roles: { user: "<|im_start|>user", assistant: "<|im_start|>assistant" }, seps: ["<|im_end|>\n"], role_content_sep: "\n", role_empty_sep: "\n", stop_str: ["<|im_end|>"], stop_token_ids: [2] },
      tokenizer_files: ["tokenizer.json"],
    }),
  );
  writeFileSync(join(dir, "tensor-cache.json"), JSON.stringify({ metadata: {}, records: [{ dataPath: "params_shard_0.bin", format: "raw-shard", nbytes: 1024, records: [] }] }));
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ version: "1.0", model: { type: "BPE", vocab: {}, merges: [] } }));
  writeFileSync(join(process.cwd(), "models", "mlc-broken", "lib-webgpu.wasm"), Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(64, 7)]));
});

test("a software adapter is not used for WebLLM by default; chosen by hand, only q4f32 models are offered", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await expect(app.byId("engine.name")).toHaveText("wllama");
  await expect(app.byId("engine.reason")).toContainText(/software|SwiftShader|fallback/i);

  await app.byId("settings.engine").selectOption("webllm");
  await expect(app.byId("engine.name")).toHaveText("WebLLM");
  const quantizations = await app.byId("model.select").locator("option[data-quantization]").evaluateAll((os) => os.map((o) => o.getAttribute("data-quantization")));
  expect(quantizations.length).toBeGreaterThan(0);
  expect(quantizations.every((q) => q === "q4f32_1")).toBe(true);
  await expect(app.byId("model.select")).toHaveValue(/Qwen2\.5-Math-1\.5B-Instruct-q4f32_1/);
  await expect(app.byId("model.label")).toContainText("math-tuned");
});

test("the real WebLLM library reports missing and broken model files clearly, and the app stays usable", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open("?engine=webllm");
  await expect(app.byId("engine.name")).toHaveText("WebLLM");
  await app.byId("model.select").selectOption("__webllm_custom");

  // Missing files: refused before anything downloads.
  await app.byId("model.customUrl").fill(`${MODEL_SERVER}/no-such-model/`);
  await app.byId("model.customLib").fill(`${MODEL_SERVER}/no-such-model/lib-webgpu.wasm`);
  await app.byId("model.load").click();
  await expect(app.banner).toContainText("No mlc-chat-config.json");

  // Files that pass the quick check but are broken: the real WebLLM worker fails, with a clear message.
  await app.byId("model.customUrl").fill(`${MODEL_SERVER}/mlc-broken/`);
  await app.byId("model.customLib").fill(`${MODEL_SERVER}/mlc-broken/lib-webgpu.wasm`);
  await app.byId("model.load").click();
  await expect(app.banner).toBeVisible({ timeout: 60_000 });
  await expect(app.banner).toHaveAttribute("data-code", "bad-library");
  await expect(app.banner).toContainText("not a valid WebLLM model library");
  await expect(app.byId("model.load")).toBeEnabled();

  // Still usable: switch to wllama and run.
  await app.byId("settings.engine").selectOption("wllama");
  await app.loadUrl(`${MODEL_SERVER}/tiny.gguf`);
  await app.expectReady();
  await app.setSetting("n", 2);
  await app.run("What is 17 + 25?");
  await app.expectRunFinished(2);
});
