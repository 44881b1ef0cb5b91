import { describe, expect, it } from "vitest";
import { answersEquivalent } from "../gsr/equivalence";
import { clusterAnswers } from "../gsr/vote";
import {
  drilldown,
  majorityVote,
  newcombePairedDifference,
  scoreProblem,
  summarize,
  wilson,
  type JudgedAnswer,
  type ProblemOutcomeInput,
} from "./metrics";
import type { ProblemScore } from "./types";

const REF = "42";
/** An answer judged against the reference 42 with the real equivalence. */
const ans = (answer: string | null): JudgedAnswer => ({
  answer,
  correct: answer !== null && answersEquivalent(answer, REF),
});

function outcome(candidates: (string | null)[], refined: string | null, extra?: string | null): ProblemOutcomeInput {
  return {
    n: candidates.length,
    candidates: candidates.map(ans),
    extra: extra === undefined || extra === null ? null : ans(extra),
    extraSampled: extra !== undefined,
    refined: refined === undefined ? null : ans(refined),
    tokens: 100,
    timeMs: 1000,
  };
}

const score = (o: ProblemOutcomeInput): ProblemScore => scoreProblem(o, answersEquivalent);

describe("majorityVote", () => {
  it("groups by mathematical equivalence, not string equality", () => {
    const winner = majorityVote([ans("24"), ans("\\frac{84}{2}"), ans("42.0"), ans("24")], answersEquivalent);
    // {24, 24} and {84/2, 42.0} tie at 2: the group seen first wins.
    expect(winner?.answer).toBe("24");
  });

  it("picks the same majority as src/gsr/vote.ts clusterAnswers", () => {
    const tables: (string | null)[][] = [
      ["1", "2", "2", "1"],
      [null, "3", "\\frac{6}{2}", "4"],
      ["x+1", "1+x", null, "2"],
      [null, null],
      ["5", "6", "7"],
    ];
    for (const answers of tables) {
      const ours = majorityVote(answers.map((a) => ({ answer: a, correct: false })), answersEquivalent);
      expect(ours?.answer ?? null).toBe(clusterAnswers(answers).majority?.representative ?? null);
    }
  });

  it("ignores missing and blank answers and returns null when none is left", () => {
    expect(majorityVote([ans(null), { answer: "  ", correct: true }], answersEquivalent)).toBeNull();
    expect(majorityVote([ans(null), ans("24"), ans(null)], answersEquivalent)?.answer).toBe("24");
  });

  it("falls back to trimmed string equality when the equivalence throws", () => {
    const throwing = () => {
      throw new Error("parser crashed");
    };
    expect(majorityVote([ans("7"), ans(" 7"), ans("8")], throwing)?.answer).toBe("7");
  });
});

describe("scoreProblem", () => {
  it("scores a mixed problem", () => {
    const s = score(outcome(["42", "24", "42", "40"], "42", "24"));
    expect(s).toMatchObject({
      n: 4,
      correctCandidates: 2,
      pass1: 0.5,
      majNAnswer: "42",
      majN: true,
      majN1Answer: "42",
      majN1: true,
      gsr: true,
      allWrong: false,
      rescue: false,
      regression: false,
    });
  });

  it("tie: the first-seen group wins, and maj is right only if that group is right", () => {
    expect(score(outcome(["24", "42"], "42")).majN).toBe(false);
    expect(score(outcome(["42", "24"], "42")).majN).toBe(true);
    // 2-2 tie with equivalent forms: {84/2, 42} seen first.
    expect(score(outcome(["\\frac{84}{2}", "24", "42", "24"], "42")).majN).toBe(true);
    // The extra candidate breaks the tie for maj@(N+1).
    const s = score(outcome(["42", "24", "24", "42"], "42", "24"));
    expect([s.majN, s.majN1, s.majN1Answer]).toEqual([true, false, "24"]);
  });

  it("missing answers count as wrong, even when marked correct", () => {
    const o = outcome([null, null, "24"], null, null);
    o.candidates = [{ answer: null, correct: true }, ...o.candidates.slice(1)];
    const s = score(o);
    expect(s.correctCandidates).toBe(0);
    expect(s.majNAnswer).toBe("24");
    expect(s.majN).toBe(false);
    expect(s.majN1).toBe(false); // extra sampled but missing: no vote of its own
    expect(s.gsr).toBe(false);
    expect(s.refinedAnswer).toBeNull();
  });

  it("candidates that never finished count as wrong against N", () => {
    const o = outcome(["42"], "42");
    o.n = 4;
    const s = score(o);
    expect(s.pass1).toBe(0.25);
    expect(s.majN).toBe(true); // the only answer is the majority
  });

  it("all wrong: a right refinement is a rescue", () => {
    const s = score(outcome(["24", "40", "24", "40"], "42"));
    expect([s.allWrong, s.rescue, s.majN, s.gsr, s.regression]).toEqual([true, true, false, true, false]);
    expect(score(outcome(["24", "40"], "24")).rescue).toBe(false);
  });

  it("all right: a wrong refinement is a regression", () => {
    const s = score(outcome(["42", "42"], "40"));
    expect([s.pass1, s.majN, s.gsr, s.regression, s.rescue]).toEqual([1, true, false, true, false]);
    expect(score(outcome(["42", "42"], "42")).regression).toBe(false);
  });

  it("maj@(N+1) is null when no extra candidate was sampled", () => {
    const s = score(outcome(["42"], "42"));
    expect(s.majN1).toBeNull();
    expect(s.majN1Answer).toBeNull();
  });
});

describe("wilson", () => {
  it("matches the published interval for 81/263", () => {
    const ci = wilson(81, 263)!;
    expect(ci.low).toBeCloseTo(0.2553, 4);
    expect(ci.high).toBeCloseTo(0.3662, 4);
  });

  it("0/n and n/n touch 0 and 1 exactly and are not degenerate", () => {
    expect(wilson(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) });
    expect(wilson(10, 10)).toEqual({ low: expect.closeTo(0.7225, 4), high: 1 });
    expect(wilson(0, 1)!.high).toBeCloseTo(0.7935, 4);
    expect(wilson(1, 1)!.low).toBeCloseTo(0.2065, 4);
  });

  it("no trials: no interval", () => {
    expect(wilson(0, 0)).toBeNull();
  });
});

describe("newcombePairedDifference", () => {
  it("matches Newcombe (1998) example (a): 36/12/2/0 → 0.0569 to 0.3404", () => {
    const ci = newcombePairedDifference({ both: 36, firstOnly: 12, secondOnly: 2, neither: 0 })!;
    expect(ci.low).toBeCloseTo(0.0569, 4);
    expect(ci.high).toBeCloseTo(0.3404, 4);
  });

  it("identical methods give a symmetric interval around 0, narrower with more problems", () => {
    const small = newcombePairedDifference({ both: 0, firstOnly: 0, secondOnly: 0, neither: 10 })!;
    expect(small.low).toBeCloseTo(-small.high, 12);
    expect(small.high).toBeGreaterThan(0);
    const allRight = newcombePairedDifference({ both: 100, firstOnly: 0, secondOnly: 0, neither: 0 })!;
    expect(allRight.high).toBeLessThan(small.high);
  });

  it("stays within [-1, 1] and contains the estimate at the extremes", () => {
    const up = newcombePairedDifference({ both: 0, firstOnly: 5, secondOnly: 0, neither: 0 })!;
    expect(up.high).toBe(1);
    expect(up.low).toBeGreaterThan(0);
    const down = newcombePairedDifference({ both: 0, firstOnly: 0, secondOnly: 1, neither: 0 })!;
    expect(down.low).toBe(-1);
    expect(down.high).toBeLessThan(0.5);
    expect(newcombePairedDifference({ both: 0, firstOnly: 0, secondOnly: 0, neither: 0 })).toBeNull();
  });
});

describe("summarize", () => {
  // A hand-made table of four problems (N = 2, one extra candidate):
  //   p0: 42 42 | extra 24 | refined 42 → all right (maj@3 right)
  //   p1: 24 40 | extra 42 | refined 42 → rescue; maj@3 a three-way tie, 24 seen first: wrong
  //   p2: 42 24 | extra 24 | refined 40 → maj right (tie, first seen), regression; maj@3 wrong
  //   p3: –  –  | extra –  | refined –  → nothing answered
  const table = [
    outcome(["42", "42"], "42", "24"),
    outcome(["24", "40"], "42", "42"),
    outcome(["42", "24"], "40", "24"),
    outcome([null, null], null, null),
  ];
  const scores = table.map(score);
  const s = summarize(scores);

  it("computes every rate", () => {
    expect(s.problems).toBe(4);
    expect(s.n).toBe(2);
    expect(s.pass1).toMatchObject({ count: 3, total: 8, value: 3 / 8 });
    expect(s.majN).toMatchObject({ count: 2, total: 4, value: 0.5 });
    expect(s.majN1).toMatchObject({ count: 1, total: 4, value: 0.25 });
    expect(s.gsr).toMatchObject({ count: 2, total: 4, value: 0.5 });
    expect(s.gap.value).toBe(0);
    expect(s.gap.table).toEqual({ both: 1, firstOnly: 1, secondOnly: 1, neither: 1 });
    expect(s.allWrong).toBe(2);
    expect(s.rescue).toMatchObject({ count: 1, total: 4, value: 0.25 });
    expect(s.rescueOfAllWrong).toMatchObject({ count: 1, total: 2, value: 0.5 });
    expect(s.regression).toMatchObject({ count: 1, total: 4 });
    expect(s.regressionOfMajRight).toMatchObject({ count: 1, total: 2 });
    expect(s.avgTokens).toBe(100);
    expect(s.avgTimeMs).toBe(1000);
    expect(s.totalTokens).toBe(400);
  });

  it("every interval contains its estimate", () => {
    for (const p of [s.pass1, s.majN, s.majN1!, s.gsr, s.rescue, s.regression]) {
      expect(p.ci!.low).toBeLessThanOrEqual(p.value);
      expect(p.ci!.high).toBeGreaterThanOrEqual(p.value);
    }
    expect(s.gap.ci!.low).toBeLessThanOrEqual(0);
    expect(s.gap.ci!.high).toBeGreaterThanOrEqual(0);
  });

  it("one problem", () => {
    const one = summarize([scores[1]!]);
    expect(one.problems).toBe(1);
    expect(one.gsr.value).toBe(1);
    expect(one.gsr.ci).toEqual({ low: expect.closeTo(0.2065, 4), high: 1 });
    expect(one.majN.ci).toEqual({ low: 0, high: expect.closeTo(0.7935, 4) });
    expect(one.gap.value).toBe(1);
    expect(one.gap.ci!.high).toBe(1);
    expect(one.rescue.value).toBe(1);
  });

  it("no problems: zeros and no intervals; no extra candidate: no maj@(N+1)", () => {
    const none = summarize([]);
    expect(none.problems).toBe(0);
    expect(none.gsr).toEqual({ count: 0, total: 0, value: 0, ci: null });
    expect(none.gap.ci).toBeNull();
    expect(none.majN1).toBeNull();
    expect(none.rescueOfAllWrong.ci).toBeNull();
    expect(summarize([score(outcome(["42"], "42"))]).majN1).toBeNull();
  });

  it("drilldown lists the problems behind each cell", () => {
    const scored = scores.map((score, index) => ({ index, score }));
    const indices = (m: Parameters<typeof drilldown>[0]) => drilldown(m, scored).map((d) => d.index);
    expect(indices("pass1")).toEqual([0, 2]);
    expect(indices("majN")).toEqual([0, 2]);
    expect(indices("majN1")).toEqual([0]);
    expect(indices("gsr")).toEqual([0, 1]);
    expect(indices("gap")).toEqual([1, 2]);
    expect(drilldown("gap", scored).map((d) => d.note[0])).toEqual(["+", "−"]);
    expect(indices("rescue")).toEqual([1]);
    expect(indices("regression")).toEqual([2]);
    expect(indices("tokens")).toHaveLength(4);
    expect(drilldown("pass1", scored)[1]!.note).toBe("1 of 2 candidates right");
  });
});
