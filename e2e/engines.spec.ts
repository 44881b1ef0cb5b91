/**
 * Engine choice, the WebLLM engine as far as it can run here (real library in
 * its real worker, up to the model download), and model cache management.
 */
import { expect, test } from "@playwright/test";
import { RefineryPage } from "./app";
import { MODEL_SERVER } from "./model-server";

test("without WebGPU the app picks wllama and says why", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await expect(app.byId("engine.name")).toHaveText("wllama");
  await expect(app.byId("engine.reason")).toContainText(/wllama on the CPU: .*(WebGPU|adapter)/i);
});

test("the models page lists cached models of both engines from the real cache, and deletes them", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await app.loadUrl(`${MODEL_SERVER}/tiny.gguf`);
  await app.expectReady();
  // A WebLLM model's files, cached the way WebLLM caches them (Cache Storage, by URL).
  await page.evaluate(async () => {
    const base = "https://huggingface.co/mlc-ai/Qwen2.5-Math-1.5B-Instruct-q4f32_1-MLC/resolve/main/";
    const model = await caches.open("webllm/model");
    await model.put(`${base}params_shard_0.bin`, new Response(new Uint8Array(4096)));
    const config = await caches.open("webllm/config");
    await config.put(`${base}mlc-chat-config.json`, new Response("{}"));
  });
  await app.byId("models.open").click();
  const items = app.byId("models.item");
  await expect(items).toHaveCount(2);
  await expect(items.filter({ has: page.locator("td", { hasText: "WebLLM" }) })).toHaveCount(1);
  await expect(items.filter({ has: page.locator("td", { hasText: "wllama" }) })).toContainText("tiny.gguf");
  await expect(app.byId("models.storage")).toContainText("used of");

  await items.filter({ hasText: "WebLLM" }).getByTestId("models.delete").click();
  await expect(items).toHaveCount(1);
  expect(await page.evaluate(async () => (await (await caches.open("webllm/model")).keys()).length)).toBe(0);

  await app.byId("models.deleteAll").click();
  await app.byId("models.deleteAll.confirm").click();
  await expect(app.byId("models.empty")).toBeVisible();
  // Deleted for real: loading again downloads instead of using the cache.
  await app.loadUrl(`${MODEL_SERVER}/tiny.gguf`);
  await app.expectReady();
  await expect(app.byId("model.status")).not.toContainText("loaded from cache");
});
