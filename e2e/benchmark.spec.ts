/**
 * Benchmark mode on the real wllama engine with the generated tiny model
 * (scripts/gguf/tiny-model.ts). Greedy decoding makes the tiny model answer 42
 * to everything, so the subset is picked by id: two GSM8K problems whose
 * reference answer is 42 (test-116, test-594) and one whose answer is 18
 * (test-0). Expected with N = 2 and the extra candidate: every candidate,
 * majority and refinement right on the first two and wrong on the third.
 */
import { expect, test, type Download } from "@playwright/test";
import { readFileSync } from "node:fs";
import { RefineryPage } from "./app";
import { MODEL_SERVER } from "./model-server";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;
const IDS = ["gsm8k:test-116", "gsm8k:test-594", "gsm8k:test-0"];

async function downloaded(download: Download): Promise<string> {
  return readFileSync((await download.path())!, "utf8");
}

test("a 3-problem benchmark fills the table, survives a reload mid-run, and exports results and training data", async ({ page }) => {
  const app = new RefineryPage(page);
  const loadModel = async () => {
    await app.open(`?engine=wllama&model=${encodeURIComponent(TINY_URL)}`);
    await app.byId("model.load").click();
    await app.expectReady();
    await app.byId("bench.open").click();
    await expect(app.byId("bench.page")).toBeVisible();
  };
  await loadModel();

  await app.byId("bench.subset.mode").selectOption("ids");
  await app.byId("bench.subset.ids").fill(IDS.join(", "));
  await expect(app.byId("bench.subset.count")).toHaveAttribute("data-count", "3");
  await app.byId("bench.n").fill("2");
  await app.byId("bench.temperature").fill("0");
  await app.byId("bench.maxTokens").fill("256");
  await app.byId("bench.start").click();

  const rows = app.byId("bench.row");
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute("data-problem", IDS[0]!);

  // Reload while the second problem is being solved: the first is saved, the second must be rerun.
  // Polled in the page every 10 ms, so a short "running" state is not missed.
  await page.waitForFunction(
    () => document.querySelector("[data-testid='bench.row'][data-index='1']")?.getAttribute("data-status") === "running",
    undefined,
    { timeout: 60_000, polling: 10 },
  );
  await page.reload();
  await expect(app.byId("run.start")).toBeVisible();
  await app.byId("model.load").click();
  await app.expectReady();
  await app.byId("bench.open").click();
  await expect(app.byId("bench.status")).toHaveAttribute("data-status", "interrupted");
  await expect(rows.nth(0)).toHaveAttribute("data-status", "done");
  await expect(rows.nth(1)).toHaveAttribute("data-status", "interrupted");
  await expect(rows.nth(2)).toHaveAttribute("data-status", "pending");

  await app.byId("bench.resume").click();
  await expect(app.byId("bench.status")).toHaveAttribute("data-status", "complete", { timeout: 90_000 });
  for (let i = 0; i < 3; i++) await expect(rows.nth(i)).toHaveAttribute("data-status", "done");

  // Aggregate cells carry numbers: 2 of 3 problems right everywhere, nothing rescued or broken.
  const value = async (name: string) => Number(await app.byId(`bench.metric.${name}`).getAttribute("data-value"));
  for (const name of ["pass1", "majN", "majN1", "gsr"]) expect(await value(name)).toBeCloseTo(2 / 3, 6);
  expect(await value("gap")).toBe(0);
  expect(await value("rescue")).toBe(0);
  expect(await value("regression")).toBe(0);
  expect(await value("tokens")).toBeGreaterThan(0);
  await expect(app.byId("bench.metric.gsr")).toHaveText("66.7%");
  await expect(app.byId("bench.chart")).toBeVisible();

  // Drill-down: the problems GSR got right.
  await app.byId("bench.metric.gsr").click();
  const items = app.byId("bench.drilldown").getByTestId("bench.drilldown.item");
  await expect(items).toHaveCount(2);
  await items.first().locator("summary").first().click();
  await expect(items.first().locator(".katex").first()).toBeAttached();

  // CSV: header + one row per problem.
  const [csv] = await Promise.all([page.waitForEvent("download"), app.byId("bench.export.csv").click()]);
  expect(csv.suggestedFilename()).toMatch(/^refinery-benchmark-gsm8k-.*\.csv$/);
  const lines = (await downloaded(csv)).trimEnd().split(/\r?\n/);
  expect(lines).toHaveLength(4);
  expect(lines[1]).toContain("gsm8k:test-116");

  // JSON: settings, model, engine, device and app version.
  const [json] = await Promise.all([page.waitForEvent("download"), app.byId("bench.export.json").click()]);
  const results = JSON.parse(await downloaded(json));
  expect(results.benchmark).toMatchObject({ engine: "wllama", settings: { n: 2, extraCandidate: true } });
  expect(results.app.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(results.device.userAgent).toContain("Chrome");
  expect(results.problems).toHaveLength(3);

  // Training data: counts first, and the file holds exactly those records.
  await app.byId("bench.export.training").click();
  const direct = Number(await app.byId("bench.training.direct").getAttribute("data-count"));
  const refine = Number(await app.byId("bench.training.refine").getAttribute("data-count"));
  // Greedy candidates of one problem are identical and written once: one direct-solve and one refine record per right problem.
  expect([direct, refine]).toEqual([2, 2]);
  const [training] = await Promise.all([page.waitForEvent("download"), app.byId("bench.training.download").click()]);
  const records = (await downloaded(training))
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as { messages: { role: string; content: string }[]; metadata: { kind: string; problemId: string } });
  expect(records.filter((r) => r.metadata.kind === "direct-solve")).toHaveLength(direct);
  expect(records.filter((r) => r.metadata.kind === "refine")).toHaveLength(refine);
  expect(records.every((r) => r.messages.at(-1)?.role === "assistant" && r.messages.at(-1)!.content.includes("\\boxed{42}"))).toBe(true);
  expect(records.some((r) => r.metadata.problemId === "gsm8k:test-0")).toBe(false);
});
