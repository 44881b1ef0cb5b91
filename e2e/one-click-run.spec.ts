/**
 * The first run in one click, on the real wllama engine with the generated
 * model: Run loads the picker's model when none is loaded, a Run pressed
 * during a load waits for it, and a load that fails or is cancelled drops the
 * waiting run with one message. Downloads are held until the test has pressed
 * Run, so "during the load" is certain, not a race.
 */
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RefineryPage } from "./app";
import { holdDownloads } from "./fixtures/held-downloads";
import { MODEL_SERVER } from "./model-server";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;
const LONG_URL = `${MODEL_SERVER}/tiny-long.gguf`;
const MISSING_URL = `${MODEL_SERVER}/missing.gguf`;
const PROBLEM = "What is 17 + 25?";

async function chooseUrl(app: RefineryPage, url: string): Promise<void> {
  await app.byId("model.select").selectOption("__url");
  await app.byId("model.url").fill(url);
}

async function expectQueued(app: RefineryPage): Promise<void> {
  const run = app.byId("run.start");
  await expect(run).toHaveAttribute("data-state", "queued");
  await expect(run).toHaveAttribute("aria-busy", "true");
  await expect(run).toHaveText("Starts when the model is ready");
  await expect(run).toBeEnabled();
  await expect(app.byId("run.stop")).toBeEnabled();
  await expect(app.byId("run.hint")).toContainText("Your run starts as soon as the model is ready");
}

async function expectNoRun(app: RefineryPage): Promise<void> {
  await expect(app.byId("run.start")).toHaveAttribute("data-state", "idle");
  await expect(app.candidate(0)).toHaveCount(0);
  await expect(app.byId("history.empty")).toBeVisible();
}

test("deep link, Load, then Run at once: the run waits for the model, then N=4 candidates stream together", async ({ page }) => {
  const app = new RefineryPage(page);
  const downloads = await holdDownloads(page, MODEL_SERVER);
  await app.open(`?engine=wllama&model=${encodeURIComponent(TINY_URL)}`);
  await app.byId("problem.input").fill(PROBLEM);
  await app.setSetting("temperature", 0.9);
  await app.byId("model.load").click();
  await app.byId("run.start").click();

  await expectQueued(app);
  await downloads.requested;
  await expect(app.byId("model.progress")).toBeVisible();
  await expect(app.banner).toBeHidden();
  await expect(app.candidate(0)).toHaveCount(0);

  await app.recordCandidateTimeline();
  downloads.release();
  await app.expectRunFinished(4);
  const timeline = await app.timeline();
  const firsts = [0, 1, 2, 3].map((i) => timeline[`candidate.${i}`]?.firstText ?? Infinity);
  const dones = [0, 1, 2, 3].map((i) => timeline[`candidate.${i}`]?.done ?? -Infinity);
  expect(Math.max(...firsts)).toBeLessThan(Math.min(...dones));
  await expect(app.byId("model.status")).toContainText("tiny.gguf");
  await expect(app.byId("run.model")).toHaveAttribute("data-model", "tiny.gguf");
  await expect(app.byId("run.start")).toHaveAttribute("data-state", "idle");
  await expect(app.byId("history.item")).toHaveCount(1);
});

test("a fresh page with a URL model chosen and nothing loaded: Ctrl+Enter loads it, with progress, and runs", async ({ page }) => {
  const app = new RefineryPage(page);
  const downloads = await holdDownloads(page, MODEL_SERVER);
  await app.open();
  await chooseUrl(app, TINY_URL);
  await expect(app.byId("run.hint")).toHaveText("No model loaded yet: Run loads tiny.gguf first, then runs.");
  await expect(app.byId("run.start")).toHaveAttribute("title", /Load the chosen model, then run/);
  await app.setSetting("n", 2);
  await app.byId("problem.input").fill(PROBLEM);
  await page.keyboard.press("Control+Enter");

  await expectQueued(app);
  await downloads.requested;
  await expect(app.byId("model.progress")).toHaveAttribute("data-phase", "download");
  downloads.release();
  await app.expectRunFinished(2);
  await expect(app.byId("model.status")).toContainText("Ready: tiny.gguf");
  await expect(app.byId("run.hint")).toBeHidden();
  await expect(app.byId("history.item")).toHaveCount(1);
  await expect(app.byId("history.item")).toContainText("tiny.gguf");
});

test("with nothing chosen, Run loads the default catalog model", async ({ page }) => {
  const app = new RefineryPage(page);
  // No network here: the catalog host answers with the generated model, so this checks which file Run asks for.
  const asked: string[] = [];
  const tiny = readFileSync(join(process.cwd(), "models", "tiny.gguf"));
  await page.route("https://huggingface.co/**", (route) => {
    asked.push(route.request().url());
    return route.fulfill({
      status: 200,
      headers: { "Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin", "Content-Type": "application/octet-stream" },
      body: tiny,
    });
  });
  await app.open();
  const label = await app.byId("model.select").locator("option:checked").innerText();
  expect(label).toContain("Qwen2.5-Math 1.5B Instruct");
  await expect(app.byId("run.hint")).toHaveText("No model loaded yet: Run loads Qwen2.5-Math 1.5B Instruct (Q4_K_M) first, then runs.");
  await app.setSetting("n", 1);
  await app.run(PROBLEM);
  await app.expectRunFinished(1);
  await expect(app.byId("model.status")).toContainText("Ready: Qwen2.5-Math 1.5B Instruct (Q4_K_M)");
  expect(asked.some((url) => url.endsWith("/Qwen2.5-Math-1.5B-Instruct-Q4_K_M.gguf"))).toBe(true);
});

test("Run during a load that fails (404): the load's error, no run, problem and settings kept; Run after choosing a good model works", async ({ page }) => {
  const app = new RefineryPage(page);
  const downloads = await holdDownloads(page, MODEL_SERVER);
  await app.open();
  await app.setSetting("n", 2);
  await app.byId("problem.input").fill(PROBLEM);
  await chooseUrl(app, MISSING_URL);
  await app.byId("model.load").click();
  await app.byId("run.start").click();
  await expectQueued(app);
  await downloads.requested;
  downloads.release();

  await expect(app.banner).toHaveAttribute("data-code", /not-found|download-failed/);
  await expect(app.banner).toContainText("The run did not start:");
  await expect(app.banner).not.toContainText("Load a model first");
  await expect(app.banner.locator("strong")).toHaveCount(1); // one message
  await expectNoRun(app);
  await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
  await expect(app.byId("settings.n")).toHaveValue("2");

  await app.byId("model.url").fill(TINY_URL);
  await app.byId("run.start").click();
  await app.expectRunFinished(2);
  await expect(app.banner).toBeHidden();
  await expect(app.byId("history.item")).toHaveCount(1);
});

test("Stop or Esc drops a waiting run and the model keeps loading; Cancel drops it with one message", async ({ page }) => {
  const app = new RefineryPage(page);
  const downloads = await holdDownloads(page, MODEL_SERVER);
  await app.open();
  await chooseUrl(app, TINY_URL);
  await app.setSetting("n", 1);
  await app.byId("problem.input").fill(PROBLEM);

  // Cancel (under Model) stops the load, so the waiting run cannot start: one message says so.
  await app.byId("run.start").click();
  await expectQueued(app);
  await downloads.requested;
  await app.byId("model.cancel").click();
  await expect(app.banner).toHaveAttribute("data-code", "aborted");
  await expect(app.banner).toContainText("Loading was cancelled, so the run did not start.");
  await expect(app.byId("model.load")).toBeVisible();
  await expectNoRun(app);

  // Stop drops the waiting run; the model goes on loading.
  await app.byId("run.start").click();
  await expectQueued(app);
  await expect(app.banner).toBeHidden();
  await app.byId("run.stop").click();
  await expect(app.byId("run.start")).toHaveText("Run");
  await expect(app.byId("run.stop")).toBeDisabled();
  await expect(app.byId("model.progress")).toBeVisible();
  // Esc does the same to a Run pressed again during that load.
  await app.byId("run.start").click();
  await expectQueued(app);
  await page.keyboard.press("Escape");
  await expect(app.byId("run.start")).toHaveAttribute("data-state", "idle");

  downloads.release();
  await app.expectReady();
  await page.waitForTimeout(500);
  await expectNoRun(app);
  await expect(app.banner).toBeHidden();
});

test("Run with another model chosen than the loaded one runs on the loaded one and says so", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await app.byId("model.url").fill(LONG_URL);
  await expect(app.byId("run.hint")).toHaveText("Run uses the loaded model, tiny.gguf. Press Load to switch to tiny-long.gguf.");
  await app.setSetting("n", 1);
  await app.run(PROBLEM);
  await app.expectRunFinished(1);
  await expect(app.byId("run.model")).toHaveAttribute("data-model", "tiny.gguf");
  await expect(app.byId("run.model")).toContainText("the loaded model");
  await expect(app.byId("model.status")).toContainText("Ready: tiny.gguf");
  await expect(app.byId("history.item")).toContainText("tiny.gguf");
  await expect(app.byId("model.url")).toHaveValue(LONG_URL);
});

