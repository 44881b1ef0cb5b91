import { describe, expect, it } from "vitest";
import type { RunView } from "../store/runSlice";
import {
  fromSavedRun,
  INTERRUPTED_REASON,
  markIncomplete,
  newRunId,
  searchText,
  summarize,
  toSavedRun,
} from "./convert";
import { makeMeta, makeRunView, makeSavedRun } from "./testing/fixtures";
import { LIMITS } from "./limits";
import { savedRunSchema } from "./schema";
import type { RunViewLike } from "./types";

// Compile-time: the store's run goes in as it is, and what comes out is a RunView.
const _storeRunIn = (run: RunView): RunViewLike => run;
const _storeRunOut = (run: RunViewLike): RunView => run;
void [_storeRunIn, _storeRunOut];

describe("toSavedRun / fromSavedRun", () => {
  it("saves a run that passes the import schema", () => {
    const saved = toSavedRun(makeRunView(), makeMeta());
    expect(savedRunSchema.safeParse(saved).success).toBe(true);
    expect(saved.vote?.majority).toBe(0);
    expect(saved.candidates[0]).toMatchObject({
      answer: "18",
      correct: true,
      tokens: 40,
      finishReason: "stop",
      firstTokenMs: 120,
      totalMs: 2000,
    });
  });

  it("reopens a finished run exactly as it was", () => {
    const view = makeRunView();
    const back = fromSavedRun(toSavedRun(view, makeMeta()), view.id);
    expect(back).toEqual(view);
    // The majority is one of the clusters, as the vote produces it.
    expect(back.vote?.majority).toBe(back.vote?.clusters[0]);
  });

  it("keeps the elapsed time of a candidate cut off mid-stream, so its rate reads the same", () => {
    const view = makeRunView({ status: "stopped" });
    view.candidates[2] = {
      ...view.candidates[2]!,
      status: "stopped",
      result: null,
      answer: null,
      correct: null,
      tokens: 25,
      startedAt: 1000,
      updatedAt: 3500,
    };
    const saved = toSavedRun(view, makeMeta());
    expect(saved.candidates[2]).toMatchObject({ finishReason: null, totalMs: 2500, tokens: 25 });
    const c = fromSavedRun(saved).candidates[2]!;
    expect(c.result).toBeNull();
    expect((c.updatedAt! - c.startedAt!) / 1000).toBe(2.5);
  });

  it("reopens a run that died mid-run as stopped, never as running", () => {
    const view = makeRunView({ status: "running", vote: null, majorityCorrect: null });
    view.candidates[1] = { ...view.candidates[1]!, status: "streaming", result: null };
    view.candidates[2] = {
      ...view.candidates[2]!,
      status: "queued",
      result: null,
      startedAt: null,
      updatedAt: null,
      text: "",
    };
    view.refined = {
      ...view.refined,
      status: "waiting",
      result: null,
      text: "",
      answer: null,
      startedAt: null,
      updatedAt: null,
    };
    const back = fromSavedRun(toSavedRun(view, makeMeta()));
    expect(back.status).toBe("stopped");
    expect(back.reason).toBe(INTERRUPTED_REASON);
    expect(back.candidates.map((c) => c.status)).toEqual(["done", "stopped", "stopped"]);
    expect(back.refined.status).toBe("stopped");
  });

  it("cuts over-long text to the schema's limits so the run can be exported and imported", () => {
    const view = makeRunView({ problem: "p".repeat(LIMITS.problemChars + 10) });
    view.candidates[0] = {
      ...view.candidates[0]!,
      text: "x".repeat(LIMITS.textChars + 1),
      result: null,
    };
    const saved = toSavedRun(view, makeMeta({ model: "m".repeat(1000) }));
    expect(saved.problem).toHaveLength(LIMITS.problemChars);
    expect(saved.candidates[0]!.text).toHaveLength(LIMITS.textChars);
    expect(savedRunSchema.safeParse(saved).success).toBe(true);
  });
});

describe("summaries and helpers", () => {
  it("summarizes a run for the list", () => {
    const summary = summarize(
      makeSavedRun({ problem: `  Long\n\nproblem ${"word ".repeat(100)}` }),
    );
    expect(summary.problemExcerpt.startsWith("Long problem word")).toBe(true);
    expect(summary.problemExcerpt.length).toBeLessThanOrEqual(200);
    expect(summary.problemExcerpt.endsWith("…")).toBe(true);
    expect(summary).toMatchObject({
      n: 3,
      majorityAnswer: "18",
      majorityCorrect: true,
      refinedAnswer: "18",
      refinedCorrect: true,
    });
  });

  it("search text covers the problem and every answer, lower-cased", () => {
    const text = searchText(makeSavedRun());
    expect(text).toContain("janet has");
    expect(text).toContain("\\frac{40}{2}");
    expect(text).toContain("gsm8k-7");
  });

  it("marks an interrupted run incomplete and stops what was streaming", () => {
    const saved = makeSavedRun({ status: "running", reason: null });
    saved.candidates[0] = { ...saved.candidates[0]!, status: "streaming" };
    saved.refined = { ...saved.refined, status: "waiting" };
    const marked = markIncomplete(saved);
    expect(marked.status).toBe("incomplete");
    expect(marked.candidates[0]!.status).toBe("stopped");
    expect(marked.refined.status).toBe("stopped");
    expect(marked.reason).toBe(INTERRUPTED_REASON);
  });

  it("makes v4 UUIDs", () => {
    expect(newRunId()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
