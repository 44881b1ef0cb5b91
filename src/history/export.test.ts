import { afterEach, describe, expect, it, vi } from "vitest";
import {
  downloadText,
  historyFilename,
  historyToJson,
  runFilename,
  runToJson,
  runToMarkdown,
} from "./export";
import { makeSavedRun, uuid } from "./testing/fixtures";
import { parseImportFile } from "./schema";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("runToMarkdown", () => {
  const md = runToMarkdown(makeSavedRun());

  it("has the problem, settings and model", () => {
    expect(md).toContain("# Refinery run, 2026-05-01 14:03 UTC");
    expect(md).toContain(
      "## Problem\n\nJanet has $3$ ducks and buys $15$ more. How many ducks does she have?",
    );
    expect(md).toContain(
      "**Model:** Qwen2.5 0.5B Instruct Q4 (wllama) · N = 3 · temperature 0.7 · top-p 0.95 · max 1024 tokens · seed 1",
    );
    expect(md).toContain("**Source:** gsm8k / gsm8k-7 · reference answer $18$");
  });

  it("has each candidate under a heading with its answer and verdict, LaTeX as source", () => {
    expect(md).toContain("### Candidate 1: $18$ ✓");
    expect(md).toContain("### Candidate 2: $18$ ✓");
    expect(md).toContain("### Candidate 3: $\\frac{40}{2}$ ✗");
    expect(md).toContain("She has $3 + 15 = 18$ ducks. \\boxed{18}");
  });

  it("has the vote table and the refined solution", () => {
    expect(md).toContain("| Answer | Votes | Candidates |");
    expect(md).toContain("| $18$ **(majority)** ✓ | 2 of 3 | #1, #2 |");
    expect(md).toContain("| $\\frac{40}{2}$ | 1 of 3 | #3 |");
    expect(md).toContain("## Refined solution: $18$ ✓");
    expect(md).toContain("agrees with the majority");
    expect(md).toContain("Two candidates agree: $3 + 15 = 18$. \\boxed{18}");
    // Sections come in reading order.
    const order = ["## Problem", "## Candidates", "## Majority vote", "## Refined solution"].map(
      (h) => md.indexOf(h),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("handles runs without answers, vote or references, and keeps table cells intact", () => {
    const run = makeSavedRun({
      problemRef: null,
      vote: null,
      majorityCorrect: null,
      status: "stopped",
    });
    run.candidates[0] = { ...run.candidates[0]!, answer: null, correct: null };
    run.refined = {
      ...run.refined,
      status: "waiting",
      answer: null,
      correct: null,
      agreesWithMajority: null,
      text: "",
    };
    const text = runToMarkdown(run);
    expect(text).toContain("### Candidate 1: _no final answer_");
    expect(text).toContain("_No vote: the run ended before every candidate finished._");
    expect(text).toContain("_The refinement did not start._");
    expect(text).not.toContain("**Source:**");

    const piped = makeSavedRun();
    piped.vote = {
      clusters: [{ representative: "|x|\n+1", members: [0, 1, 2] }],
      majority: 0,
      unanswered: [],
    };
    expect(runToMarkdown(piped)).toContain(
      "| $\\|x\\| +1$ **(majority)** ✓ | 3 of 3 | #1, #2, #3 |",
    );
  });
});

describe("JSON export", () => {
  it("a run file round-trips through parseImportFile", () => {
    const run = makeSavedRun();
    const text = runToJson(run, 1);
    expect(JSON.parse(text)).toMatchObject({ format: "refinery-run", version: 1, exportedAt: 1 });
    expect(parseImportFile(text, text.length)).toEqual({ ok: true, runs: [run] });
  });

  it("a history file round-trips through parseImportFile", () => {
    const runs = [
      makeSavedRun({ id: uuid(1) }),
      makeSavedRun({ id: uuid(2), status: "failed", reason: "Out of memory." }),
    ];
    const text = historyToJson(runs, 2);
    expect(JSON.parse(text)).toMatchObject({
      format: "refinery-history",
      version: 1,
      exportedAt: 2,
    });
    expect(parseImportFile(text, new TextEncoder().encode(text).length)).toEqual({
      ok: true,
      runs,
    });
  });

  it("names files by date and id", () => {
    expect(runFilename(makeSavedRun(), "md")).toBe("refinery-run-2026-05-01-1403-0b6f7f2e.md");
    expect(historyFilename(Date.UTC(2026, 0, 9))).toBe("refinery-history-2026-01-09.json");
  });
});

describe("downloadText", () => {
  it("clicks a temporary download link and revokes its URL afterwards", async () => {
    vi.useFakeTimers();
    const link = {
      href: "",
      download: "",
      rel: "",
      style: { display: "" },
      click: vi.fn(),
      remove: vi.fn(),
    };
    const append = vi.fn();
    vi.stubGlobal("document", { createElement: vi.fn(() => link), body: { append } });
    const blobs: Blob[] = [];
    const revoke = vi.fn();
    vi.stubGlobal("URL", {
      createObjectURL: (blob: Blob) => (blobs.push(blob), "blob:refinery/1"),
      revokeObjectURL: revoke,
    });

    downloadText("run.md", "# Hello", "text/markdown");

    expect(link).toMatchObject({ href: "blob:refinery/1", download: "run.md" });
    expect(append).toHaveBeenCalledWith(link);
    expect(link.click).toHaveBeenCalledOnce();
    expect(link.remove).toHaveBeenCalledOnce();
    expect(blobs[0]?.type).toBe("text/markdown");
    expect(await blobs[0]?.text()).toBe("# Hello");
    expect(revoke).not.toHaveBeenCalled();
    vi.runAllTimers();
    expect(revoke).toHaveBeenCalledWith("blob:refinery/1");
  });
});
