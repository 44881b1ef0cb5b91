import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fingerprint, similarity } from "./fingerprint";
import { matchSteps, MAX_TRACED_STEPS } from "./match";
import { splitSteps } from "./steps";

/** The first reference solutions of a shipped problem-bank file. */
function bankSolutions(file: string, count: number): { id: string; solution: string }[] {
  return readFileSync(join(process.cwd(), "public/datasets", file), "utf8")
    .split("\n")
    .filter(Boolean)
    .slice(0, count)
    .map((line) => JSON.parse(line) as { id: string; solution: string });
}

/** One reference solution from the shipped problem bank. */
function bankSolution(file: string, id: string): string {
  const found = bankSolutions(file, 1000).find((p) => p.id === id);
  if (!found) throw new Error(`no ${id} in ${file}`);
  return found.solution;
}

const steps = (text: string) => splitSteps(text).map((s) => text.slice(s.start, s.end));
const formula = (tex: string) => fingerprint(tex, "formula");
const prose = (text: string) => fingerprint(text, "text");

describe("splitSteps", () => {
  it("splits lines and keeps each display formula whole, over several lines too", () => {
    const text = "We add.\n\n$$17 + 25\n= 42$$\n\\[\n x = 1\n\\]\nSo the answer is $\\boxed{42}$.\n";
    expect(steps(text)).toEqual(["We add.", "$$17 + 25\n= 42$$", "\\[\n x = 1\n\\]", "So the answer is $\\boxed{42}$."]);
    expect(splitSteps(text).map((s) => s.kind)).toEqual(["text", "formula", "formula", "text"]);
  });
  it("keeps an aligned environment, a code fence and a table whole; an unclosed block runs to the end", () => {
    const text = "\\begin{align*}\na &= 1 \\\\\nb &= 2\n\\end{align*}\n```\ncode\n\n```\n| a | b |\n| - | - |\nEnd.\n$$x =";
    expect(steps(text)).toEqual(["\\begin{align*}\na &= 1 \\\\\nb &= 2\n\\end{align*}", "```\ncode\n\n```", "| a | b |\n| - | - |", "End.", "$$x ="]);
  });
  it("keeps reasoning whole, closed, unclosed, or opened in the prompt; it is never matched", () => {
    const text = "<think>\nLet me think.\n\n$$x = 1$$\n</think>\nWe add.\n<think>\nmore";
    expect(steps(text)).toEqual(["<think>\nLet me think.\n\n$$x = 1$$\n</think>", "We add.", "<think>\nmore"]);
    expect(splitSteps(text).map((s) => s.kind)).toEqual(["reasoning", "text", "reasoning"]);
    expect(steps("I will add.\n</think>\nThe sum is 42.")).toEqual(["I will add.\n</think>", "The sum is 42."]);
    const lineage = matchSteps(text, [text]);
    expect(lineage.refined.map((s) => s.trivial)).toEqual([true, true, true]);
    expect(lineage.candidates[0]!.map((s) => s.trivial)).toEqual([true, true, true]);
  });
  it("keeps an Asymptote drawing whole", () => {
    expect(steps("See the figure.\n[asy]\ndraw((0,0)--(1,0));\n\nlabel(\"$A$\",(0,0),W);\n[/asy]\nDone.")).toEqual([
      "See the figure.",
      '[asy]\ndraw((0,0)--(1,0));\n\nlabel("$A$",(0,0),W);\n[/asy]',
      "Done.",
    ]);
  });
  it("gives nothing for blank text", () => {
    expect(splitSteps(" \n\n \n")).toEqual([]);
  });
});

describe("similarity", () => {
  it("equal formulas written differently match", () => {
    expect(similarity(formula("$$\\dfrac{1}{2} + \\left( 3 \\right) = 3.5$$"), formula("\\[\\frac12+(3)=3.5\\]"))).toBe(1);
    expect(similarity(formula("$$\\begin{aligned} x &= 2 \\cdot 3 \\\\ &= 6 \\end{aligned}$$"), formula("$$x = 2\\cdot 3 = 6.$$"))).toBe(1);
  });
  it("renamed variables match, in formulas and in prose", () => {
    expect(similarity(formula("$$x + 3 = 7$$"), formula("$$y + 3 = 7$$"))).toBe(1);
    expect(similarity(prose("Let $x$ be the number of eggs sold per day."), prose("Let $n$ be the number of eggs sold per day."))).toBeGreaterThan(0.9);
  });
  it("formulas with different numbers never match", () => {
    expect(similarity(formula("$$17 + 25 = 42$$"), formula("$$17 + 25 = 24$$"))).toBe(0);
    expect(similarity(formula("$$x = 2$$"), formula("$$x = 3$$"))).toBe(0);
  });
  it("unrelated prose does not match, nor prose with other numbers", () => {
    expect(similarity(prose("She makes 9 * 2 = $18 every day."), prose("The robe needs half as much white fiber."))).toBe(0);
    expect(similarity(prose("Janet sells 16 - 3 - 4 = 9 eggs a day."), prose("Janet sells 12 - 5 - 1 = 6 eggs a day."))).toBe(0);
  });
  it("steps with fewer than two content words are trivial and match nothing", () => {
    expect(similarity(prose("So:"), prose("So:"))).toBe(0);
    expect(similarity(prose("---"), prose("---"))).toBe(0);
  });
});

describe("matchSteps on a bank solution (GSM8K test-0) and crafted candidates", () => {
  const reference = bankSolution("gsm8k.jsonl", "gsm8k:test-0");
  // Candidate 0: the reference's steps, reordered and reworded a little.
  const reordered = "She makes 9 * 2 = $18 every day at the farmers market.\nJanet sells 16 - 3 - 4 = 9 duck eggs each day.";
  // Candidate 1: a wrong derivation that shares the first step only.
  const wrong = "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\nShe makes 9 + 2 = 11 dollars.\nThe answer is $\\boxed{11}$.";
  // Candidate 2: unrelated text.
  const unrelated = "The robe takes 2 bolts of blue fiber.\n$$2 / 2 = 1$$\nSo the total is $\\boxed{3}$.";

  const lineage = matchSteps(reference, [reordered, wrong, unrelated]);

  it("traces each reference step to the candidates that have it, whatever their order", () => {
    expect(steps(reference)).toHaveLength(2);
    expect(lineage.refined[0]!.sources).toEqual([0, 1]);
    expect(lineage.refined[0]!.matches).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(lineage.refined[1]!.sources).toEqual([0]);
    expect(lineage.refined[1]!.matches).toEqual([[0, 0]]);
  });
  it("marks the candidates' other steps as dropped, and finds nothing in the unrelated candidate", () => {
    expect(lineage.candidates[0]!.map((s) => s.used)).toEqual([true, true]);
    expect(lineage.candidates[1]!.map((s) => s.used)).toEqual([true, false, false]);
    expect(lineage.candidates[2]!.map((s) => s.used)).toEqual([false, false, false]);
  });
  it("a refined step found in no candidate has no sources (new)", () => {
    const withNew = matchSteps(`${reference}\nWe check: 9 eggs at two dollars each are eighteen dollars.`, [wrong]);
    expect(withNew.refined.map((s) => s.sources)).toEqual([[0], [], []]);
  });
});

describe("matchSteps on a MATH-500 solution", () => {
  const reference = bankSolution("math500.jsonl", "math500:test/precalculus/807.json");
  it("matches the same solution with a displayed formula written differently, and nothing in another problem's solution", () => {
    const rewritten = reference.replace("$r = \\sqrt{0^2 + 3^2} = 3.$", "$r = \\sqrt{0^{2} + 3^{2}} = 3$.");
    const other = bankSolution("gsm8k.jsonl", "gsm8k:test-1");
    const lineage = matchSteps(reference, [rewritten, other]);
    const traced = lineage.refined.filter((s) => !s.trivial);
    // The sentence with the rewritten formula, the drawing (one step), the conclusion.
    expect(traced).toHaveLength(3);
    for (const step of traced) expect(step.sources).toEqual([0]);
    expect(lineage.candidates[1]!.every((s) => !s.used)).toBe(true);
  });
});

describe("matchSteps on runaway output", () => {
  it("traces at most MAX_TRACED_STEPS steps per solution; the rest is one untraced step", () => {
    const long = Array.from({ length: 5000 }, (_, i) => `Line ${i}: the value is ${i * 7}.`).join("\n");
    const lineage = matchSteps(long, [long]);
    expect(lineage.refined).toHaveLength(MAX_TRACED_STEPS);
    expect(lineage.refined[0]!.sources).toEqual([0]);
    const rest = lineage.refined.at(-1)!;
    expect(rest).toMatchObject({ trivial: true, sources: [], end: long.length });
    expect(long.slice(rest.start, rest.start + 9)).toBe(`Line ${MAX_TRACED_STEPS - 1}:`);
    expect(lineage.candidates[0]).toHaveLength(MAX_TRACED_STEPS);
  });
});

describe("no false matches between unrelated solutions", () => {
  it.each(["gsm8k.jsonl", "math500.jsonl"])("no step of one %s reference solution matches a step of another", (file) => {
    const solutions = bankSolutions(file, 50).map(({ solution }) =>
      splitSteps(solution).map((r) => ({ text: solution.slice(r.start, r.end), print: fingerprint(solution.slice(r.start, r.end), r.kind) })),
    );
    const matches: string[] = [];
    solutions.forEach((a, i) =>
      solutions.slice(i + 1).forEach((b) => {
        for (const x of a) for (const y of b) if (similarity(x.print, y.print) > 0) matches.push(`${x.text} ~ ${y.text}`);
      }),
    );
    expect(matches).toEqual([]);
  });
});
