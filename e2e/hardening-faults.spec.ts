/**
 * Hardening, part 3: injected faults. Each time the run must end marked failed
 * or stopped with a reason, keep the text streamed so far, leave history
 * intact (earlier runs untouched, this one saved as it ended), and the next
 * run must work. Engine faults are scripted on the harness page (the real app
 * and store); a real worker crash and a cut download use real wllama.
 */
import { expect, test, type Page } from "@playwright/test";
import { RefineryPage } from "./app";
import { BAD, routeBadModels, startBadServer } from "./fixtures/bad-server";
import { HarnessPage } from "./fixtures/harness";
import { MODEL_SERVER } from "./model-server";
import type { HarnessScript } from "../harness/protocol";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;
const LONG_URL = `${MODEL_SERVER}/tiny-long.gguf`;
const PROBLEM = "What is 17 + 25?";

/** About three seconds of streaming per phase. */
const SLOW: Partial<HarnessScript> = {
  candidates: [
    `Let us work carefully. ${"We add the tens and then the ones, checking each step. ".repeat(8)}So $17 + 25 = 42$ and the answer is $\\boxed{42}$.`,
    `First, $17 = 10 + 7$ and $25 = 20 + 5$. ${"Adding the parts in order gives the same total again. ".repeat(8)}Hence $\\boxed{42}$.`,
  ],
  refined: `Both candidates agree. ${"Checking once more, every step holds and the sum is right. ".repeat(8)}**Final answer:** $\\boxed{42}$`,
  chunkChars: 4,
  chunksPerTick: 1,
  tickMs: 25,
};

/** The text a panel shows. */
async function shown(app: RefineryPage, panel: "refined" | number): Promise<string> {
  return app.solutionText(panel === "refined" ? app.refined : app.candidate(panel));
}

/** One quick complete run first, so there is history to keep intact. */
async function openWithHistory(page: Page): Promise<HarnessPage> {
  const app = new HarnessPage(page);
  await app.open();
  await app.loadScripted();
  await app.setSetting("n", 2);
  await app.run("An earlier problem: 1 + 1");
  await app.expectRunStatus("complete");
  await expect(app.historyItems()).toHaveCount(1);
  await app.byId("problem.input").fill(PROBLEM);
  return app;
}

/** The earlier run is still in history, complete; the faulty one is saved with this status and its text. */
async function expectHistoryIntact(app: HarnessPage, status: string, partial: { index: number | "refined"; text: string }): Promise<void> {
  const items = app.historyItems();
  await expect(items).toHaveCount(2);
  await expect(items.first()).toHaveAttribute("data-status", status);
  await expect(items.nth(1)).toHaveAttribute("data-status", "complete");
  // Reopened from history, the partial text is all there.
  await items.first().getByTestId("history.item.open").click();
  await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
  await expect
    .poll(async () => (await shown(app, partial.index)).replace(/\s+/g, " "))
    .toContain(partial.text.replace(/\s+/g, " ").slice(0, 60));
}

/** The next run completes (loading the model again first if the fault took it). */
async function expectNextRunWorks(app: HarnessPage): Promise<void> {
  await app.script({ ...SLOW, tickMs: 2, fault: null, countTokens: { ms: 0, error: null } });
  if ((await app.state()).modelStatus !== "ready") await app.loadScripted();
  await app.byId("run.start").click();
  await app.expectRunStatus("complete");
  await app.expectRunFinished(2);
  await expect(app.banner).toBeHidden();
}

test.describe("engine faults (harness)", () => {
  test("the engine worker crashes mid-candidates: candidates fail with the reason, partial text kept", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, fault: { phase: "candidates", afterChars: 120, kind: "crash" } });
    await app.byId("run.start").click();
    await app.expectRunStatus("failed");
    const partial = await shown(app, 0);
    expect(partial.length).toBeGreaterThan(100);
    for (const i of [0, 1]) {
      await expect(app.candidate(i)).toHaveAttribute("data-status", "error");
      await expect(app.candidate(i).locator(".inline-error")).toContainText("The engine stopped unexpectedly. Load the model again; the results so far are kept.");
    }
    await expect(app.banner).toBeVisible();
    expect((await app.state()).runReason).toBeTruthy();
    console.log(`[crash] run reason: ${(await app.state()).runReason}`);
    await expectHistoryIntact(app, "failed", { index: 0, text: partial });
    await app.loadScripted();
    await expectNextRunWorks(app);
  });

  test("after an engine crash the app asks for the model to be loaded again instead of showing it ready", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, fault: { phase: "candidates", afterChars: 60, kind: "crash" } });
    await app.byId("run.start").click();
    await app.expectRunStatus("failed");
    await expect(app.byId("model.status")).toBeHidden({ timeout: 2_000 });
    await expect(app.banner).toContainText("Load the model again");
  });

  test("an engine error mid-refinement: the refinement fails with the reason, candidates and partial text kept", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, fault: { phase: "refine", afterChars: 80, kind: "sequence-error", error: { name: "Error", message: "llama_decode failed (simulated)" } } });
    await app.byId("run.start").click();
    await app.expectRunStatus("failed");
    for (const i of [0, 1]) await expect(app.candidate(i)).toHaveAttribute("data-status", "done");
    await expect(app.byId("vote.summary")).toBeVisible();
    await expect(app.refined).toHaveAttribute("data-status", "error");
    await expect(app.refined.locator(".inline-error")).toContainText("llama_decode failed (simulated)");
    const partial = (await shown(app, "refined")).replace(/llama_decode failed \(simulated\)/, "");
    expect(partial.length).toBeGreaterThan(60);
    await expect(app.banner).toContainText("The refinement failed: llama_decode failed (simulated)");
    await expectHistoryIntact(app, "failed", { index: "refined", text: partial });
    await expectNextRunWorks(app);
  });

  test("Stop while the model loads: loading is cancelled without an error, and Load works again", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.script({ load: { ms: 5_000, error: null } });
    await app.byId("model.load").click();
    await expect(app.byId("model.progress")).toBeVisible();
    await app.byId("model.cancel").click();
    await expect(app.byId("model.progress")).toBeHidden({ timeout: 1_000 });
    await expect(app.byId("model.load")).toBeVisible();
    await expect(app.banner).toBeHidden();
    expect((await app.state()).modelStatus).toBe("idle");
    await app.script({ load: { ms: 50, error: null } });
    await app.byId("problem.input").fill(PROBLEM);
    await expectNextRunWorks(app);
  });

  test("Stop before the first token (while the prompt is prepared): the run stops, nothing is lost", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, countTokens: { ms: 3_000, error: null } });
    await app.byId("run.start").click();
    await expect(app.byId("run.stop")).toBeEnabled();
    await page.waitForTimeout(300);
    await app.byId("run.stop").click();
    await app.expectRunStatus("stopped", 5_000);
    for (const i of [0, 1]) await expect(app.candidate(i)).toHaveAttribute("data-status", "stopped");
    await expect(app.refined).toHaveAttribute("data-status", "stopped");
    await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
    await expect(app.historyItems().first()).toHaveAttribute("data-status", "stopped");
    await expect(app.historyItems().nth(1)).toHaveAttribute("data-status", "complete");
    await expectNextRunWorks(app);
  });

  test("Stop mid-candidates: every candidate stops at once with its text; nothing streams after", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script(SLOW);
    await app.byId("run.start").click();
    await expect.poll(() => shown(app, 0).then((t) => t.length)).toBeGreaterThan(40);
    const stopAt = Date.now();
    await app.byId("run.stop").click();
    for (const i of [0, 1]) await expect(app.candidate(i)).toHaveAttribute("data-status", "stopped", { timeout: 1_000 });
    expect(Date.now() - stopAt).toBeLessThan(1_500);
    await expect(app.refined).toHaveAttribute("data-status", "stopped");
    const kept = await shown(app, 0);
    await page.waitForTimeout(500);
    expect(await shown(app, 0)).toBe(kept);
    expect((await app.state()).runStatus).toBe("stopped");
    await expectHistoryIntact(app, "stopped", { index: 0, text: kept });
    await expectNextRunWorks(app);
  });

  test("Stop (Esc) mid-refinement: the refinement stops with its text, the candidates stay done", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, candidates: ["Quick: $\\boxed{42}$", "Also $\\boxed{42}$"] });
    await app.byId("run.start").click();
    await expect(app.refined).toHaveAttribute("data-status", "streaming");
    await expect.poll(() => shown(app, "refined").then((t) => t.length)).toBeGreaterThan(40);
    await page.keyboard.press("Escape");
    await expect(app.refined).toHaveAttribute("data-status", "stopped", { timeout: 1_000 });
    const kept = await shown(app, "refined");
    for (const i of [0, 1]) await expect(app.candidate(i)).toHaveAttribute("data-status", "done");
    await app.expectRunStatus("stopped");
    await expectHistoryIntact(app, "stopped", { index: "refined", text: kept });
    await expectNextRunWorks(app);
  });

  test("a reload mid-run leaves the run in history as incomplete, with its text; the next run works", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script(SLOW);
    await app.byId("run.start").click();
    await expect.poll(() => shown(app, 0).then((t) => t.length)).toBeGreaterThan(80);
    await page.waitForTimeout(700); // the recorder saves streamed text at least every 500 ms
    const before = await shown(app, 0);
    await page.reload();
    await expect(app.byId("run.start")).toBeVisible();
    await page.waitForFunction(() => "__refineryTest" in window);
    await expect(app.historyItems().first()).toHaveAttribute("data-status", "incomplete");
    await expectHistoryIntact(app, "incomplete", { index: 0, text: before.slice(0, 60) });
    await expect(app.candidate(0)).toHaveAttribute("data-status", "stopped");
    await expectNextRunWorks(app);
    await expect(app.historyItems()).toHaveCount(3);
  });

  test("storage quota exceeded while saving history: the run goes on, history says why, earlier runs are intact", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, tickMs: 5 });
    await app.failSaves({ name: "QuotaExceededError", message: "The quota has been exceeded." });
    await app.byId("run.start").click();
    await expect(app.byId("history.error")).toContainText("Storage full: the browser refused to save more history.");
    await app.expectRunStatus("complete");
    await app.expectRunFinished(2);
    expect((await app.stats()).failedSaves).toBeGreaterThan(0);
    await expect(app.historyItems()).toHaveCount(1);
    await expect(app.historyItems().first()).toHaveAttribute("data-status", "complete");
    // Space again: the next run is saved and the message goes.
    await app.failSaves(null);
    await expectNextRunWorks(app);
    await expect(app.byId("history.error")).toBeHidden();
    await expect(app.historyItems()).toHaveCount(2);
  });

  test("a run that could not be saved (storage full) can still be exported from the screen", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, tickMs: 2 });
    await app.failSaves({ name: "QuotaExceededError", message: "The quota has been exceeded." });
    await app.byId("run.start").click();
    await app.expectRunStatus("complete");
    const download = page.waitForEvent("download", { timeout: 3_000 });
    await app.byId("session.exportRun").click();
    expect((await download).suggestedFilename()).toMatch(/\.json$/);
  });

  test("the GPU device is lost mid-candidates: a clear reason, partial text kept, the model must be loaded again", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, fault: { phase: "candidates", afterChars: 100, kind: "crash", error: { name: "DeviceLostError", message: "Device was lost. This can happen due to insufficient memory or other GPU constraints." } } });
    await app.byId("run.start").click();
    await app.expectRunStatus("failed");
    const partial = await shown(app, 0);
    expect(partial.length).toBeGreaterThan(80);
    await expect(app.candidate(0).locator(".inline-error")).toContainText("The GPU device was lost (often: out of GPU memory).");
    await expectHistoryIntact(app, "failed", { index: 0, text: partial });
    await app.loadScripted();
    await expectNextRunWorks(app);
  });

  test("out of memory from the engine: the run fails saying so, partial text kept", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, fault: { phase: "candidates", afterChars: 100, kind: "reject", error: { name: "RuntimeError", message: "Aborted(OOM): out of memory" } } });
    await app.byId("run.start").click();
    await app.expectRunStatus("failed");
    await expect(app.banner).toContainText("out of memory");
    await expect(app.candidate(0).locator(".inline-error")).toContainText("Out of memory while running the model.");
    const partial = await shown(app, 0);
    expect(partial.length).toBeGreaterThan(80);
    await expectHistoryIntact(app, "failed", { index: 0, text: partial });
    await expectNextRunWorks(app);
  });

  test("out of memory while loading the model: a clear message, no model, Load works again", async ({ page }) => {
    const app = new HarnessPage(page);
    await app.open();
    await app.script({ load: { ms: 50, error: { name: "RuntimeError", message: "Aborted(OOM): failed to allocate 1.5 GB" } } });
    await app.byId("model.load").click();
    await expect(app.banner).toHaveAttribute("data-code", "out-of-memory");
    await expect(app.banner).toContainText("Out of memory while running the model.");
    await expect(app.byId("model.status")).toBeHidden();
    await app.script({ load: { ms: 50, error: null } });
    await app.byId("problem.input").fill(PROBLEM);
    await expectNextRunWorks(app);
  });

  test("the engine fails to count tokens: the run fails with the reason before any candidate starts", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, countTokens: { ms: 0, error: { name: "Error", message: "tokenizer failed (simulated)" } } });
    // Long enough that its byte length cannot prove it fits the 4,096-token window, so the app counts.
    await app.byId("problem.input").fill(`${PROBLEM} ${"Show each step of the working. ".repeat(100)}`);
    await app.byId("run.start").click();
    await app.expectRunStatus("failed");
    await expect(app.banner).toContainText("Could not count the tokens of the problem: tokenizer failed (simulated)");
    await expect(app.historyItems().first()).toHaveAttribute("data-status", "failed");
    await expect(app.historyItems().nth(1)).toHaveAttribute("data-status", "complete");
    await expectNextRunWorks(app);
  });

  test("two Runs pressed quickly start one run", async ({ page }) => {
    const app = await openWithHistory(page);
    await app.script({ ...SLOW, tickMs: 5 });
    const before = await app.stats();
    // Two clicks in the same task (faster than any re-render), then Ctrl+Enter.
    await page.evaluate(() => {
      const run = document.querySelector<HTMLButtonElement>("[data-testid='run.start']")!;
      run.click();
      run.click();
    });
    await page.keyboard.press("Control+Enter");
    await app.expectRunStatus("complete");
    const after = await app.stats();
    // One run: one call for the candidates and one for the refinement.
    expect(after.generateMany - before.generateMany).toBe(2);
    await expect(app.historyItems()).toHaveCount(2);
    await expect(page.locator("[data-testid^='candidate.'][data-status]")).toHaveCount(2);
  });
});

test.describe("real wllama faults", () => {
  test("the real engine worker crashes mid-candidates: partial text kept, run failed; after reloading the model the next run works", async ({ page }) => {
    const app = new RefineryPage(page);
    await app.open();
    await app.loadUrl(LONG_URL);
    await app.expectReady();
    await app.setSetting("n", 2);
    await app.setSetting("maxTokens", 2048);
    await app.run(PROBLEM);
    await expect.poll(async () => (await app.solutionText(app.candidate(0))).length).toBeGreaterThan(60);

    // An uncaught error inside the engine's worker, as a crash in llama.cpp's glue would throw.
    const engineWorker = await findWorker(page, "wllama-engine");
    await engineWorker.evaluate(() => {
      setTimeout(() => {
        throw new Error("injected crash (hardening test)");
      });
    });
    for (const i of [0, 1]) await expect(app.candidate(i)).toHaveAttribute("data-status", "error", { timeout: 10_000 });
    await expect(app.candidate(0).locator(".inline-error")).toContainText("The engine stopped unexpectedly.");
    expect((await app.solutionText(app.candidate(0))).length).toBeGreaterThan(60);
    await expect(app.banner).toBeVisible();
    const items = app.byId("history.item");
    await expect(items.first()).toHaveAttribute("data-status", "failed");

    await app.loadUrl(TINY_URL);
    await app.expectReady();
    await app.setSetting("maxTokens", 64);
    await app.byId("run.start").click();
    await app.expectRunFinished(2);
    await expect(items).toHaveCount(2);
  });

  test.describe("downloads", () => {
    let server: Awaited<ReturnType<typeof startBadServer>>;
    test.beforeAll(async () => {
      server = await startBadServer();
    });
    test.afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    test("the model download is cut halfway: a clear message; Load again downloads it whole and runs", async ({ page }) => {
      await routeBadModels(page);
      const app = new RefineryPage(page);
      await app.open();
      await app.byId("problem.input").fill(PROBLEM);
      await app.loadUrl(BAD.cutOnce);
      await expect(app.banner).toHaveAttribute("data-code", "download-failed", { timeout: 30_000 });
      await expect(app.banner).toContainText("The model could not be downloaded.");
      expect(server.cuts).toBe(1);
      await expect(app.byId("model.status")).toBeHidden();
      await app.byId("model.load").click();
      await app.expectReady();
      await expect(app.byId("model.status")).not.toContainText("loaded from cache");
      await expect(app.byId("model.status")).not.toContainText("context 0 tokens");
      await app.setSetting("n", 1);
      await app.setSetting("maxTokens", 64);
      await app.byId("run.start").click();
      await app.expectRunFinished(1);
      await expect(app.byId("problem.input")).toHaveValue(PROBLEM);
    });

    test("Cancel mid-download: no error, nothing half-cached; Load again works", async ({ page }) => {
      await routeBadModels(page);
      const app = new RefineryPage(page);
      await app.open();
      await app.loadUrl(BAD.slow);
      await expect(app.byId("model.progress")).toContainText("Downloading");
      await page.waitForTimeout(1_000);
      await app.byId("model.cancel").click();
      await expect(app.byId("model.load")).toBeVisible({ timeout: 5_000 });
      await expect(app.banner).toBeHidden();
      await app.loadUrl(TINY_URL);
      await app.expectReady();
      await app.setSetting("n", 1);
      await app.setSetting("maxTokens", 64);
      await app.run(PROBLEM);
      await app.expectRunFinished(1);
    });
  });
});

/** The page's dedicated worker with this name (the engine's is "wllama-engine"). */
async function findWorker(page: Page, name: string) {
  for (const worker of page.workers()) {
    const workerName = await worker.evaluate(() => (self as unknown as { name: string }).name).catch(() => "");
    if (workerName === name) return worker;
  }
  throw new Error(`no worker named ${name}`);
}
