/** Lineage in saved runs: kept through save and reopen, in both exports, optional for older runs, checked on import. */
import { describe, expect, it } from "vitest";
import { answerLineage } from "../gsr/outcome";
import { matchSteps } from "../lineage/match";
import { fromSavedRun, toSavedRun } from "./convert";
import { runToJson, runToMarkdown } from "./export";
import { parseImportFile } from "./schema";
import { makeMeta, makeRunView } from "./testing/fixtures";
import type { RunViewLike, SavedRun } from "./types";

/** The fixture run with the lineage the app computes for it. */
function viewWithLineage(): RunViewLike {
  const view = makeRunView();
  const answers = answerLineage({
    candidateAnswers: view.candidates.map((c) => c.answer),
    refinedAnswer: view.refined.answer,
    vote: view.vote,
    majorityCorrect: view.majorityCorrect,
    refinedCorrect: view.refined.correct,
  });
  const steps = matchSteps(
    view.refined.text,
    view.candidates.map((c) => c.text),
  );
  return { ...view, lineage: { ...answers, steps }, stepTrace: "ready" };
}

const parse = (saved: SavedRun) => {
  const json = runToJson(saved);
  return parseImportFile(json, json.length);
};

describe("lineage in history", () => {
  it("is saved, reopened as it was, and round-trips through a JSON export", () => {
    const view = viewWithLineage();
    const saved = toSavedRun(view, makeMeta());
    expect(saved.lineage?.outcome).toBe("confirmed");
    expect(saved.lineage?.relations).toEqual(["same", "same", "different"]);
    expect(fromSavedRun(saved, view.id)).toEqual(view);
    const parsed = parse(saved);
    expect(parsed.ok && parsed.runs[0]!.lineage).toEqual(saved.lineage);
  });

  it("an older run without lineage still imports and reopens, with none", () => {
    const saved = toSavedRun(makeRunView(), makeMeta());
    expect("lineage" in saved).toBe(false);
    expect(parse(saved).ok).toBe(true);
    expect(fromSavedRun(saved)).toMatchObject({ lineage: null, stepTrace: "none" });
  });

  it("an import whose lineage does not fit the run is refused with the field named", () => {
    const saved = toSavedRun(viewWithLineage(), makeMeta());
    const bad = parse({ ...saved, lineage: { ...saved.lineage!, relations: ["same"] } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/lineage\.relations/);
    const steps = saved.lineage!.steps!;
    const outside = parse({
      ...saved,
      lineage: { ...saved.lineage!, steps: { ...steps, refined: [{ ...steps.refined[0]!, end: 99_999 }] } },
    });
    expect(!outside.ok && outside.message).toMatch(/lineage\.steps\.refined\[0\].*outside its text/);
    const badOutcome = parse({ ...saved, lineage: { ...saved.lineage!, outcome: "<script>" as never } });
    expect(badOutcome.ok).toBe(false);
  });

  it("the Markdown export says what refinement did, per candidate", () => {
    const md = runToMarkdown(toSavedRun(viewWithLineage(), makeMeta()));
    expect(md).toContain("## What refinement did");
    expect(md).toContain("**Outcome (confirmed):** Confirmed: the majority was right");
    expect(md).toMatch(/\| #3 \| \$\\frac\{40\}\{2\}\$ ✗ \| different answer \| 0 of 1 \| 1 \|/);
    expect(md).toContain("The refined solution has 1 step; every one is found in a candidate.");
    expect(md.indexOf("## What refinement did")).toBeLessThan(md.indexOf("## Refined solution"));
  });

  it("the Markdown export of an older run says lineage was not recorded", () => {
    expect(runToMarkdown(toSavedRun(makeRunView(), makeMeta()))).toContain("_Not recorded for this run._");
  });
});
