/**
 * What refinement did: the outcome strip, each candidate's relation to the
 * refined answer, the refined steps traced to the candidates' (hover, keyboard),
 * kept in history and exports, and the replay of a saved run without the model.
 */
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { readFileSync, writeFileSync } from "node:fs";
import { RefineryPage } from "./app";
import { historyFile, savedRun } from "./fixtures/history-file";
import { MODEL_SERVER } from "./model-server";

const TINY_URL = `${MODEL_SERVER}/tiny.gguf`;

/** Lines of scratch work in #3 before its sum, so its sum starts below the fold of its panel. */
const SCRATCH = 30;

/**
 * A run saved before lineage was recorded (no `lineage` field): the majority
 * (#1, #2) is wrong, #3 is right, #4 gave no answer, and the refined solution
 * takes #3's answer with a check of its own that no candidate wrote.
 */
function olderRescuedRun() {
  const wrong = "We add the numbers.\n$$17 + 25 = 32$$\nSo the answer is $\\boxed{32}$.";
  const scratch = Array.from({ length: SCRATCH }, (_, k) => `Scratch line ${k + 1}.`).join("\n");
  const right = `Add the tens, then the ones.\n${scratch}\n$$17 + 25 = 42$$\nSo the answer is $\\boxed{42}$.`;
  const base = savedRun({
    problem: "What is 17 + 25?",
    candidates: [wrong, wrong, right, "I am not sure how to start."],
    refined: "Check the ones digit first: 7 + 5 = 12, carry 1.\n$$17 + 25 = 42$$\nSo the answer is $\\boxed{42}$.",
  });
  const answers = ["32", "32", "42", null];
  return {
    ...base,
    problemRef: { id: "custom-1", dataset: "custom", answer: "42" },
    candidates: base.candidates.map((c, i) => ({ ...c, answer: answers[i] ?? null, correct: answers[i] === "42" })),
    vote: {
      clusters: [
        { representative: "32", members: [0, 1] },
        { representative: "42", members: [2] },
      ],
      majority: 0,
      unanswered: [3],
    },
    majorityCorrect: false,
    refined: { ...base.refined, answer: "42", correct: true, agreesWithMajority: false },
  };
}

async function expectNoSeriousAxe(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).include("[data-testid='refined.outcome']").include("[data-testid='refined.solution']").include(".candidates").analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${label}: ${v.id} ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`)).toEqual([]);
}

test("an older imported run gets its lineage on open: rescued, relations, a new step, dropped steps, highlight by hover and keyboard, Markdown export", async ({ page }, testInfo) => {
  const app = new RefineryPage(page);
  await app.open();
  const file = testInfo.outputPath("older.json");
  writeFileSync(file, historyFile([olderRescuedRun()]));
  await app.byId("session.import").setInputFiles(file);
  await expect(app.byId("session.import.result")).toHaveAttribute("data-imported", "1");
  await app.byId("history.item").first().getByTestId("history.item.open").click();

  const outcome = app.byId("refined.outcome");
  await expect(outcome).toHaveAttribute("data-outcome", "rescued");
  await expect(outcome).toContainText("Rescued");
  const relations = await Promise.all([0, 1, 2, 3].map((i) => app.byId(`candidate.${i}.relation`).getAttribute("data-relation")));
  expect(relations).toEqual(["different", "different", "same", "none"]);

  // Steps: the check is new; the sum and the closing line come from #3 only (the majority's sum says 32).
  await expect(app.byId("refined.step.0")).toHaveAttribute("data-sources", "", { timeout: 30_000 });
  await expect(app.byId("refined.step.0")).toHaveAttribute("data-new", "true");
  await expect(app.byId("refined.step.0")).toContainText("new");
  await expect(app.byId("refined.step.1")).toHaveAttribute("data-sources", "2");
  await expect(app.byId("refined.step.2")).toHaveAttribute("data-sources", "2");
  await expect(app.byId("candidate.0.step.1")).toHaveAttribute("data-used", "false");
  await expect(app.byId("candidate.0.step.1")).toContainText("dropped");
  await expect(app.byId(`candidate.2.step.${SCRATCH + 1}`)).toHaveAttribute("data-used", "true");

  // Hover: the refined sum lights up #3's sum, and nothing in the majority's candidates.
  await app.byId("refined.step.1").hover();
  await expect(app.byId(`candidate.2.step.${SCRATCH + 1}`)).toHaveAttribute("data-highlight", "true");
  // #3's panel scrolled its sum into view; the page did not move.
  const scroller = app.candidate(2).locator(".solution");
  await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  await expect
    .poll(() =>
      app.byId(`candidate.2.step.${SCRATCH + 1}`).evaluate((step) => {
        const box = step.closest(".solution")!.getBoundingClientRect();
        const at = step.getBoundingClientRect();
        return at.top >= box.top - 1 && at.bottom <= box.bottom + 1;
      }),
    )
    .toBe(true);
  await expect(app.byId("candidate.0.step.1")).toHaveAttribute("data-highlight", "false");
  await page.mouse.move(0, 0);
  await expect(app.byId(`candidate.2.step.${SCRATCH + 1}`)).toHaveAttribute("data-highlight", "false");

  // Keyboard: Tab moves from step to step, the highlight follows.
  await app.byId("refined.step.0").focus();
  await expect(page.locator("[data-highlight='true']")).toHaveCount(0);
  await page.keyboard.press("Tab");
  await expect(app.byId("refined.step.1")).toBeFocused();
  await expect(app.byId(`candidate.2.step.${SCRATCH + 1}`)).toHaveAttribute("data-highlight", "true");
  await page.keyboard.press("Tab");
  await expect(app.byId(`candidate.2.step.${SCRATCH + 2}`)).toHaveAttribute("data-highlight", "true");
  await expect(app.byId(`candidate.2.step.${SCRATCH + 1}`)).toHaveAttribute("data-highlight", "false");

  for (const theme of ["dark", "light"]) {
    await app.byId("view.theme").selectOption(theme);
    await expectNoSeriousAxe(page, `${theme} theme`);
  }
  await app.byId("view.projector").click();
  await expectNoSeriousAxe(page, "projector");
  await app.byId("view.projector").click();

  // The lineage computed on open was saved: the exports carry it.
  const md = page.waitForEvent("download");
  await app.byId("session.exportMarkdown").click();
  const mdPath = testInfo.outputPath("run.md");
  await (await md).saveAs(mdPath);
  const markdown = readFileSync(mdPath, "utf8");
  expect(markdown).toContain("## What refinement did");
  expect(markdown).toContain("**Outcome (rescued):**");
  expect(markdown).toContain(`| #3 | $42$ ✓ | same answer | 2 of ${SCRATCH + 3} | ${SCRATCH + 1} |`); // its opening and scratch lines were not used
  expect(markdown).toContain("1 found in no candidate (new: step 1)");
  const json = page.waitForEvent("download");
  await app.byId("session.exportRun").click();
  const jsonPath = testInfo.outputPath("run.json");
  await (await json).saveAs(jsonPath);
  const saved = JSON.parse(readFileSync(jsonPath, "utf8")) as { run: { lineage: { outcome: string; steps: { refined: { sources: number[] }[] } } } };
  expect(saved.run.lineage.outcome).toBe("rescued");
  expect(saved.run.lineage.steps.refined.map((s) => s.sources)).toEqual([[], [2], [2]]);
});

test("after a run on the generated model: outcome and relations; then, with the model unloaded, a replay from history", async ({ page }) => {
  const app = new RefineryPage(page);
  await app.open();
  await app.loadUrl(TINY_URL);
  await app.expectReady();
  await app.setSetting("n", 2);
  await app.setSetting("temperature", 0); // greedy: both candidates and the refinement write the same solution
  await app.run("What is 17 + 25?");
  await app.expectRunFinished(2);

  await expect(app.byId("refined.outcome")).toHaveAttribute("data-outcome", "confirmed");
  for (const i of [0, 1]) await expect(app.byId(`candidate.${i}.relation`)).toHaveAttribute("data-relation", "same");
  // Vote, then the strip, then the refined solution.
  const order = await page.evaluate(() =>
    ["vote.summary", "refined.outcome", "refined.solution"].map((id) => document.querySelector(`[data-testid='${id}']`)!.getBoundingClientRect().top),
  );
  expect(order).toEqual([...order].sort((a, b) => a - b));
  await expect(app.byId("refined.step.1")).toHaveAttribute("data-sources", "0,1", { timeout: 30_000 });
  await app.byId("refined.step.1").hover();
  await expect(app.byId("candidate.0.step.1")).toHaveAttribute("data-highlight", "true");
  await expect(app.byId("candidate.1.step.1")).toHaveAttribute("data-highlight", "true");
  await expect(app.byId("history.item").first()).toHaveAttribute("data-status", "complete");

  // A fresh page: no model loaded. The saved run replays all the same.
  await page.reload();
  await expect(app.byId("run.start")).toBeVisible();
  await expect(app.byId("model.status")).toHaveCount(0); // shown only while a model is ready
  await app.byId("history.item").first().getByTestId("history.item.open").click();
  await expect(app.byId("refined.outcome")).toHaveAttribute("data-outcome", "confirmed");
  // At half speed each phase lasts at least 3 s, time enough to see both panels streaming at once.
  await app.byId("run.replay.speed").selectOption("0.5");
  await app.byId("run.replay").click();
  await expect(app.byId("run.replay.stop")).toBeVisible();
  await expect(app.byId("refined.outcome")).toBeHidden();
  await expect
    .poll(() =>
      page.evaluate(() =>
        [0, 1].every((i) => {
          const panel = document.querySelector<HTMLElement>(`[data-testid='candidate.${i}']`);
          return panel?.dataset.status === "streaming" && (panel.querySelector(".solution")?.textContent ?? "").trim().length > 0;
        }),
      ),
    )
    .toBe(true);
  await expect(app.refined).toHaveAttribute("data-status", "waiting");
  await expect(app.refined).toHaveAttribute("data-status", "streaming", { timeout: 30_000 });
  await expect(app.candidate(0)).toHaveAttribute("data-status", "done");
  // The candidate shown whole (no lineage yet) reads the same as shown step by step later.
  const whole = await app.solutionText(app.candidate(0));
  await expect(app.refined).toHaveAttribute("data-status", "done", { timeout: 30_000 });
  await expect(app.byId("run.replay")).toBeVisible();
  await expect(app.byId("candidate.0.step.0")).toBeVisible();
  expect(await app.solutionText(app.candidate(0))).toBe(whole);
  await expect(app.byId("refined.outcome")).toHaveAttribute("data-outcome", "confirmed");
  await expect(app.byId("refined.step.1")).toHaveAttribute("data-sources", "0,1");
  await expect(app.byId("model.status")).toHaveCount(0);
});
