/**
 * History, import/export, share links, offline use and the view options, on the
 * real app with the real wllama engine.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { readFileSync, writeFileSync } from "node:fs";
import { RefineryPage } from "./app";
import { MODEL_SERVER } from "./model-server";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;
const LONG_URL = `${MODEL_SERVER}/tiny-long.gguf`;

test("runs are saved as they happen; a reload mid-run leaves an incomplete run that can be reopened and re-run", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await app.setSetting("n", 2);
  await app.run("What is 17 + 25?");
  await app.expectRunFinished(2);
  const answer = await app.byId("candidate.0.answer").getAttribute("data-answer");
  await expect(app.byId("history.item").first()).toHaveAttribute("data-status", "complete");

  // A second, long run interrupted by a reload.
  await app.loadUrl(LONG_URL);
  await app.expectReady();
  await app.setSetting("maxTokens", 2048);
  await app.byId("run.start").click();
  await expect.poll(async () => (await app.solutionText(app.candidate(0))).length).toBeGreaterThan(200);
  await page.waitForTimeout(700); // the recorder saves streamed text at least every 500 ms
  // The tiny model may finish a candidate within that time: check the panels that were still writing.
  const cut = await page.locator('[data-testid^="candidate."][data-status="streaming"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")!));
  await page.reload();

  const items = app.byId("history.item");
  await expect(items).toHaveCount(2);
  await expect(items.first()).toHaveAttribute("data-status", "incomplete");
  await expect(items.nth(1)).toHaveAttribute("data-status", "complete");

  // Reopen the interrupted run: its partial text is there, marked stopped.
  await items.first().getByTestId("history.item.open").click();
  await expect(app.candidate(0)).toHaveAttribute("data-status", /^(stopped|done)$/);
  if (cut.length === 0) {
    // Both candidates finished before the reload: the refinement was what the reload cut.
    await expect(app.refined).toHaveAttribute("data-status", "stopped");
  }
  for (const id of cut) {
    await expect(app.byId(id)).toHaveAttribute("data-status", "stopped");
    // The renderer shows a reopened text in the background, a slice per frame: poll.
    await expect.poll(async () => (await app.solutionText(app.byId(id))).length).toBeGreaterThan(100);
  }

  // Reopen the complete run exactly as it was.
  await items.nth(1).getByTestId("history.item.open").click();
  await expect(app.candidate(0)).toHaveAttribute("data-status", "done");
  await expect(app.byId("candidate.0.answer")).toHaveAttribute("data-answer", answer ?? "");
  await expect(app.byId("vote.summary")).toBeVisible();
  await expect(app.refined).toHaveAttribute("data-status", "done");

  // Re-run the interrupted one (needs a model again after the reload).
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await items.first().getByTestId("history.item.rerun").click();
  await app.expectRunFinished(2);
  await expect(items).toHaveCount(3);
});

test("export all, delete all, import restores; malformed and hostile files are refused and change nothing", async ({ page }, testInfo) => {
  const app = new RefineryPage(page);
  await app.open();
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await app.setSetting("n", 2);
  await app.run("What is 17 + 25?");
  await app.expectRunFinished(2);
  await app.byId("run.start").click();
  await app.expectRunFinished(2);
  await expect(app.byId("history.item")).toHaveCount(2);

  const download = page.waitForEvent("download");
  await app.byId("session.export").click();
  const file = testInfo.outputPath("history.json");
  await (await download).saveAs(file);
  const exported = JSON.parse(readFileSync(file, "utf8")) as { format: string; runs: unknown[] };
  expect(exported.format).toBe("refinery-history");
  expect(exported.runs).toHaveLength(2);

  // Refused files: nothing changes.
  const bad = [
    ["not-json.json", "{ this is not json"],
    ["wrong.json", JSON.stringify({ hello: "world" })],
    ["hostile.json", JSON.stringify({ ...exported, runs: [{ ...(exported.runs[0] as object), __proto__: { polluted: true } }] }).replace('"runs":[{', '"runs":[{"__proto__":{"polluted":true},')],
  ] as const;
  for (const [name, text] of bad) {
    const path = testInfo.outputPath(name);
    writeFileSync(path, text);
    await app.byId("session.import").setInputFiles(path);
    await expect(app.byId("session.import.error")).toBeVisible();
    await expect(app.byId("history.item")).toHaveCount(2);
  }
  expect(await page.evaluate(() => ({} as Record<string, unknown>).polluted)).toBeUndefined();

  await app.byId("history.deleteAll").click();
  await app.byId("history.deleteAll.confirm").click();
  await expect(app.byId("history.item")).toHaveCount(0);

  await app.byId("session.import").setInputFiles(file);
  await expect(app.byId("session.import.result")).toHaveAttribute("data-imported", "2");
  await expect(app.byId("history.item")).toHaveCount(2);
  await app.byId("history.item").first().getByTestId("history.item.open").click();
  await expect(app.byId("vote.summary")).toBeVisible();
  await expect(app.refined).toHaveAttribute("data-status", "done");

  // The shown run exports as Markdown with its answers, LaTeX kept as source.
  const md = page.waitForEvent("download");
  await app.byId("session.exportMarkdown").click();
  const mdPath = testInfo.outputPath("run.md");
  await (await md).saveAs(mdPath);
  const markdown = readFileSync(mdPath, "utf8");
  expect(markdown).toContain("What is 17 + 25?");
  expect(markdown).toContain("\\boxed{");
});

test("a share link fills the problem and settings without running; a damaged one says so", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open(`#problem=${encodeURIComponent("Find $x$ if $2x = 10$.")}&n=3&temperature=0.5`);
  await expect(app.byId("problem.input")).toHaveValue("Find $x$ if $2x = 10$.");
  await expect(app.byId("settings.n")).toHaveValue("3");
  await expect(app.byId("settings.temperature")).toHaveValue("0.5");
  await expect(app.candidate(0)).toHaveCount(0);

  await app.byId("problem.share").click();
  expect(new URL(page.url()).hash).toContain("problem=");

  // Pasted into the open tab: a damaged link changes nothing.
  await page.goto("/#problem=x&n=banana");
  await expect(app.banner).toContainText("not a number: n=banana");
  await expect(app.byId("settings.n")).toHaveValue("3");
  await expect(app.byId("problem.input")).toHaveValue("Find $x$ if $2x = 10$.");
  // Opened fresh: the same.
  await page.goto("/");
  await page.goto("/#problem=%20&max_tokens=-5");
  await page.reload();
  await expect(app.banner).toContainText("empty problem");
  await expect(app.byId("problem.input")).toHaveValue("");
});

test("after one online visit the app reloads and runs GSR with the network off, from the cached model", async ({ page, context }) => {
  const app = new RefineryPage(page);
  await app.open();
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await app.loadUrl(TINY_URL);
  await app.expectReady();

  await context.setOffline(true);
  await page.reload();
  await expect(app.byId("run.start")).toBeVisible();
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await expect(app.byId("model.status")).toContainText("loaded from cache");
  await app.setSetting("n", 2);
  await app.run("What is 17 + 25?");
  await app.expectRunFinished(2);
  await expect(app.refined.locator(".katex").first()).toBeVisible();
  await context.setOffline(false);
});

test("theme follows the choice and projector mode enlarges everything; both persist", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await app.byId("view.theme").selectOption("light");
  const light = await bg();
  await app.byId("view.theme").selectOption("dark");
  expect(await bg()).not.toBe(light);
  const size = () => page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  const before = await size();
  await app.byId("view.projector").click();
  expect(parseFloat(await size())).toBeGreaterThan(parseFloat(before));
  await page.reload();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  await expect(page.locator("html")).toHaveAttribute("data-projector", "");
  await page.keyboard.press("Alt+p");
  await expect(page.locator("html")).not.toHaveAttribute("data-projector", "");
});

test("accessibility: no serious or critical axe violations on the main screens", async ({ page }) => {
  const app = new RefineryPage(page);
  const check = async (label: string) => {
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${label}: ${v.id} (${v.nodes.length}) ${v.help}`)).toEqual([]);
  };
  await app.open();
  await check("start");
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await app.byId("bank.next").click();
  // The bank fetches its dataset first: Run before the problem is filled in would find no problem.
  await expect(app.byId("problem.reference")).toBeVisible();
  await app.setSetting("n", 2);
  await app.byId("run.start").click();
  await app.expectRunFinished(2);
  await check("after a run");
  for (const theme of ["dark", "light"]) {
    await app.byId("view.theme").selectOption(theme);
    await check(`${theme} theme`);
  }
  await app.byId("view.projector").click();
  await check("projector");
  await app.byId("view.help").click();
  await expect(app.byId("help.dialog")).toBeVisible();
  await check("help dialog");
});

test("the problem bank filters by level, subject and search, and shows its sources", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await app.byId("bank.dataset").selectOption("math500");
  await expect(app.byId("bank.count")).toContainText("of 500 problems");
  await app.byId("bank.level").selectOption("5");
  await app.byId("bank.subject").selectOption("Geometry");
  const count = Number((await app.byId("bank.count").innerText()).split(" ")[0]);
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(500);
  await app.byId("bank.list").getByRole("button").first().click();
  await expect(app.byId("problem.reference")).toContainText("math500:test/geometry/");
  await app.byId("bank.search").fill("zzzz-no-such-problem");
  await expect(app.byId("bank.count")).toHaveText(/^0 of 500/);
  await app.byId("bank.about").locator("summary").click();
  await expect(app.byId("bank.about")).toContainText("Licence: MIT");
});
