/**
 * Hardening, part 1: hostile model output. Each payload arrives (a) streamed by
 * the engine as candidate and refined text, in token-sized deltas, on the
 * harness page (the real app and store, a scripted engine), and (b) inside a
 * history file through session.import. Nothing may run, fetch, pop up or
 * navigate; the page stays responsive; the text stays visible as text.
 */
import { expect, test, type Locator } from "@playwright/test";
import { writeFileSync } from "node:fs";
import { expectInertDom, Guards, type CspViolation } from "./fixtures/guards";
import { HarnessPage } from "./fixtures/harness";
import { renderOffscreenBlocks } from "./app";
import { historyFile, savedRun } from "./fixtures/history-file";
import { HOSTILE_PAYLOADS, IMPORTABLE_PAYLOADS, type HostilePayload } from "./fixtures/payloads";

/** Candidates per run; the refined solution carries one more payload. */
const PER_RUN = 4;

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function expectVisible(panel: Locator, payload: HostilePayload, label: string): Promise<void> {
  const solution = panel.locator(".solution");
  // The renderer works in the background (a long text may take a moment); poll until it shows.
  const shown = async () => {
    // Reasoning blocks are collapsed once finished; open them to read what they hold.
    await solution.evaluate((el) => el.querySelectorAll("details").forEach((d) => (d.open = true)));
    await renderOffscreenBlocks(panel.page());
    // KaTeX writes \text{…} spaces as no-break spaces.
    const text = (await solution.innerText()).replace(/\u00a0/g, " ");
    return payload.visible.filter((snippet) => !text.includes(snippet));
  };
  await expect.poll(shown, { message: `${label}: ${payload.id} should show these as text`, timeout: 30_000 }).toEqual([]);
}

/**
 * Violations the app itself causes, whatever it renders (see the hardening report): Vite inlines
 * KaTeX_Size3's woff2 as a data: URL (font-src 'self'), and zod 4 probes for eval on its first
 * parse. Anything else would be content the renderer let through for the CSP to stop.
 */
const KNOWN_APP_VIOLATIONS = [
  { directive: "font-src", blocked: "data" },
  { directive: "script-src", blocked: "eval" },
];

/** Records the violations seen, and fails on any the renderer should have prevented. */
function report(label: string, violations: CspViolation[]): void {
  test.info().annotations.push({ type: "csp-violations", description: `${label}: ${JSON.stringify(violations)}` });
  console.log(`[csp] ${label}: ${violations.length} violation(s) ${violations.length ? JSON.stringify(violations) : ""}`);
  const unexpected = violations.filter((v) => !KNOWN_APP_VIOLATIONS.some((k) => k.directive === v.directive && k.blocked === v.blocked));
  expect(unexpected, `${label}: the CSP had to block something the renderer let through`).toEqual([]);
}

test.describe.configure({ timeout: 240_000 });

/** Payloads this long stream alone, in bigger deltas (a model would need minutes to write them). */
const LARGE = 20_000;
const small = HOSTILE_PAYLOADS.filter((p) => p.text.length < LARGE);
const large = HOSTILE_PAYLOADS.filter((p) => p.text.length >= LARGE);

/**
 * Streams the payloads as the candidates (and the last one as the refined
 * solution) of one run, clicking throughout; checks what the page shows.
 */
async function streamRun(app: HarnessPage, guards: Guards, group: HostilePayload[], label: string, chunking: { chunkChars: number; chunksPerTick: number }) {
  const candidates = group.length > 1 ? group.slice(0, -1) : group;
  const refined = group.at(-1)!;
  await app.script({ candidates: candidates.map((p) => p.text), refined: refined.text, tickMs: 8, ...chunking });
  await app.setSetting("n", candidates.length);
  await app.run(`${label}: ${group.map((p) => p.id).join(", ")}`);
  // Click again and again while it streams: the page must answer at once every time.
  const latencies = await guards.clickLatenciesWhile(async () => (await app.state()).runStatus === "running", 150_000);
  await app.expectRunStatus("complete");
  const slowest = Math.max(...latencies);
  console.log(`[responsiveness] ${label}: ${latencies.length} clicks while streaming, slowest ${Math.round(slowest)} ms`);
  expect(slowest, `${label}: click latencies while streaming ${latencies.map(Math.round).join(", ")} ms`).toBeLessThan(1_000);

  for (const [i, payload] of candidates.entries()) await expectVisible(app.candidate(i), payload, `${label} candidate ${i}`);
  await expectVisible(app.refined, refined, `${label} refined`);
  await expectInertDom(app.page.locator(".math-markdown"), label);
  await guards.expectResponsive(`${label} after the run`);
}

test(`${small.length} hostile outputs streamed by the engine run nothing, fetch nothing and stay visible as text`, async ({ page }) => {
  const guards = await Guards.arm(page);
  const app = new HarnessPage(page);
  await app.open();
  await app.loadScripted();
  const before = page.url();
  const groups = batches(small, PER_RUN + 1);
  for (const [k, group] of groups.entries()) await streamRun(app, guards, group, `batch ${k + 1}`, { chunkChars: 5, chunksPerTick: 6 });

  // Give timers, refreshes and lazy loads a moment to misbehave.
  await page.waitForTimeout(1_500);
  expect(page.url()).toBe(before);
  await expect(app.byId("run.start")).toBeVisible();
  report("engine path, small payloads", await guards.expectNothingHappened("engine path"));
  console.log(`[responsiveness] longest task ${Math.round(await guards.longestTaskMs())} ms`);
  // Every run was saved, hostile text and all.
  await expect(app.historyItems()).toHaveCount(groups.length);
});

for (const payload of large) {
  test(`a hostile output streamed by the engine: ${payload.about} (${payload.text.length} characters)`, async ({ page }) => {
    const guards = await Guards.arm(page);
    const app = new HarnessPage(page);
    await app.open();
    await app.loadScripted();
    // About 100 ticks whatever the size.
    const chunkChars = 24;
    const chunksPerTick = Math.ceil(payload.text.length / chunkChars / 100);
    await streamRun(app, guards, [payload, payload], payload.id, { chunkChars, chunksPerTick });
    report(`engine path, ${payload.id}`, await guards.expectNothingHappened(payload.id));
    console.log(`[responsiveness] ${payload.id}: longest task ${Math.round(await guards.longestTaskMs())} ms`);
    await expect(app.historyItems()).toHaveCount(1);
  });
}

test(`${IMPORTABLE_PAYLOADS.length} hostile outputs in an imported history file run nothing and stay visible as text`, async ({ page }, testInfo) => {
  const guards = await Guards.arm(page);
  const app = new HarnessPage(page);
  await app.open();
  const before = page.url();

  // Every field the app renders gets a payload: problem, candidates, refined, answers, errors, reason, model name.
  const groups = batches(IMPORTABLE_PAYLOADS, PER_RUN + 1);
  const runs = groups.map((group, k) => {
    const candidates = group.length > 1 ? group.slice(0, -1) : group;
    return savedRun(
      {
        problem: `Imported hostile batch ${k + 1} <script>window.__pwned='problem'</script> [x](javascript:alert(1))`,
        candidates: candidates.map((p) => p.text),
        refined: group.at(-1)!.text,
        answers: candidates.map((_, i) =>
          i === 0 ? `\\href{javascript:window.__pwned='answer'}{42}` : i === 1 ? `<img src=x onerror="window.__pwned='answer-img'">` : "\\htmlId{root}{7}",
        ),
        reason: `<img src=x onerror="window.__pwned='reason'"> reason`,
        candidateError: `<script>window.__pwned='error'</script> error`,
        model: `<svg onload="window.__pwned='model'"> model.gguf`,
        status: k % 2 === 0 ? "complete" : "failed",
      },
      Date.now() - (groups.length - k) * 60_000,
    );
  });
  const file = testInfo.outputPath("hostile-history.json");
  writeFileSync(file, historyFile(runs));
  await app.byId("session.import").setInputFiles(file);
  await expect(app.byId("session.import.result")).toHaveAttribute("data-imported", String(runs.length));
  const items = app.historyItems();
  await expect(items).toHaveCount(runs.length);
  await expect(items.first()).toContainText("Imported hostile batch");

  // Newest first: item j shows batch (groups.length - j).
  for (let j = 0; j < groups.length; j++) {
    const group = groups[groups.length - 1 - j]!;
    const candidates = group.length > 1 ? group.slice(0, -1) : group;
    await items.nth(j).getByTestId("history.item.open").click();
    await expect(app.byId("problem.input")).toHaveValue(/Imported hostile batch/);
    await expect(app.candidate(candidates.length - 1)).toBeVisible();
    for (const [i, payload] of candidates.entries()) await expectVisible(app.candidate(i), payload, `imported candidate ${i}`);
    await expectVisible(app.refined, group.at(-1)!, "imported refined");
    await expect(app.candidate(0)).toContainText("<script>window.__pwned='error'</script> error");
    await expect(app.byId("vote.summary")).toContainText("\\href");
    await expectInertDom(page.locator(".math-markdown"), `imported batch ${groups.length - j}`);
    await guards.expectResponsive(`imported batch ${groups.length - j}`);
  }
  await expect(items.first()).toContainText("model.gguf");

  // The 1 MB output is refused by the import schema, by name and limit, and changes nothing.
  const big = HOSTILE_PAYLOADS.find((p) => p.engineOnly)!;
  const bigFile = testInfo.outputPath("too-long.json");
  writeFileSync(bigFile, historyFile([savedRun({ problem: "too long", candidates: [big.text], refined: "" })]));
  await app.byId("session.import").setInputFiles(bigFile);
  await expect(app.byId("session.import.error")).toContainText("runs[0].candidates[0].text: too long (max 200000 characters)");
  await expect(items).toHaveCount(runs.length);

  await page.waitForTimeout(1_000);
  expect(page.url()).toBe(before);
  report("import path", await guards.expectNothingHappened("import path"));
});
