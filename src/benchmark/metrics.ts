/**
 * The paper's comparison (DESIGN §1.4), per problem and over a benchmark.
 * Pure: data in, data out; answer equivalence is passed in.
 *
 * Per problem, with N candidates c_1..c_N:
 * - pass@1   = (correct candidates) / N. A candidate without an answer, or one
 *              that never finished, is wrong.
 * - maj@N    = the answers of c_1..c_N are grouped by equivalence (each joins the
 *              first group whose first answer it equals, as src/gsr/vote.ts does);
 *              the largest group wins; a tie goes to the group seen first (the
 *              one whose first member has the lowest candidate index). maj@N is
 *              right only if the winning group's first answer is right. No
 *              answers at all → wrong.
 * - maj@(N+1) = the same over c_1..c_N plus the extra candidate.
 * - GSR      = the refined answer is right (missing → wrong).
 * - rescue     = all N candidates wrong and GSR right.
 * - regression = maj@N right and GSR wrong.
 * - tokens   = every generated token (N candidates + extra + refinement); time
 *              is the problem's wall clock.
 *
 * Over P problems: accuracies are means over problems; the refinement gap is
 * GSR − maj@N; rescue and regression rates are shares of all P problems (the
 * paper's ≈6% rescue rate is of this kind), and also given conditionally (of
 * the all-wrong problems, of the majority-right problems).
 *
 * 95% intervals:
 * - maj@N, maj@(N+1), GSR, rescue, regression: Wilson score intervals over the
 *   P per-problem outcomes.
 * - pass@1: Wilson over the N·P candidate judgements. This treats candidates of
 *   one problem as independent, so it is narrower than a per-problem interval
 *   when a problem's candidates tend to be all right or all wrong.
 * - gap: Newcombe's interval for a difference of paired proportions (Newcombe
 *   1998, method 10: Wilson intervals of both accuracies combined with the
 *   phi correlation of the 2×2 paired table, no continuity correction). It is
 *   deterministic, stays within [−1, 1] and behaves at 0/n and n/n, where a
 *   bootstrap of a few problems collapses to a point.
 */
import type { Equivalence, ProblemScore } from "./types";

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

export interface Proportion {
  count: number;
  total: number;
  /** count / total; 0 when total is 0. */
  value: number;
  /** null when total is 0. */
  ci: Interval | null;
}

/** A final answer and whether it matches the reference. */
export interface JudgedAnswer {
  answer: string | null;
  correct: boolean;
}

export interface ProblemOutcomeInput {
  n: number;
  /** Up to N candidates, in candidate order; missing ones count as wrong. */
  candidates: readonly JudgedAnswer[];
  /** The extra candidate for maj@(N+1), or null when none was sampled. */
  extra: JudgedAnswer | null;
  /** Whether an extra candidate was asked for (then a missing one counts as no answer). */
  extraSampled: boolean;
  refined: JudgedAnswer | null;
  tokens: number;
  timeMs: number;
}

const hasAnswer = (a: JudgedAnswer | null | undefined): a is JudgedAnswer & { answer: string } =>
  !!a && a.answer !== null && a.answer.trim() !== "";
const isRight = (a: JudgedAnswer | null | undefined): boolean => hasAnswer(a) && a.correct;

/**
 * The winning answer of a majority vote, by the rule above. Returns null when
 * no candidate has an answer.
 */
export function majorityVote(answers: readonly JudgedAnswer[], equivalent: Equivalence): JudgedAnswer | null {
  const groups: { first: JudgedAnswer & { answer: string }; size: number }[] = [];
  for (const a of answers) {
    if (!hasAnswer(a)) continue;
    const group = groups.find((g) => safeEquivalent(equivalent, g.first.answer, a.answer));
    if (group) group.size++;
    else groups.push({ first: a, size: 1 });
  }
  let best: (typeof groups)[number] | null = null;
  // Strictly larger only, so a tie keeps the group seen first.
  for (const g of groups) if (!best || g.size > best.size) best = g;
  return best ? best.first : null;
}

function safeEquivalent(equivalent: Equivalence, a: string, b: string): boolean {
  try {
    return equivalent(a, b);
  } catch {
    return a.trim() === b.trim();
  }
}

/** Scores one problem. */
export function scoreProblem(input: ProblemOutcomeInput, equivalent: Equivalence): ProblemScore {
  const n = Math.max(1, input.n);
  const candidates = input.candidates.slice(0, n);
  const correctCandidates = candidates.filter(isRight).length;
  const majority = majorityVote(candidates, equivalent);
  const majN = isRight(majority);
  let majN1: boolean | null = null;
  let majN1Answer: string | null = null;
  if (input.extraSampled) {
    const plus = majorityVote(input.extra ? [...candidates, input.extra] : candidates, equivalent);
    majN1 = isRight(plus);
    majN1Answer = plus?.answer ?? null;
  }
  const gsr = isRight(input.refined);
  const allWrong = correctCandidates === 0;
  return {
    n,
    correctCandidates,
    pass1: correctCandidates / n,
    majNAnswer: majority?.answer ?? null,
    majN,
    majN1Answer,
    majN1,
    refinedAnswer: hasAnswer(input.refined) ? input.refined.answer : null,
    gsr,
    allWrong,
    rescue: allWrong && gsr,
    regression: majN && !gsr,
    tokens: input.tokens,
    timeMs: input.timeMs,
  };
}

/** Wilson score interval for `count` successes in `total` trials; null for total 0. */
export function wilson(count: number, total: number, z: number = Z95): Interval | null {
  if (total <= 0) return null;
  const p = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denominator;
  // At 0/n and n/n the bound is exactly 0 or 1; rounding must not push it past.
  return {
    low: count === 0 ? 0 : Math.max(0, centre - half),
    high: count === total ? 1 : Math.min(1, centre + half),
  };
}

export function proportion(count: number, total: number): Proportion {
  return { count, total, value: total > 0 ? count / total : 0, ci: wilson(count, total) };
}

/** The 2×2 table of paired outcomes: first method (GSR) vs second (maj@N). */
export interface PairedTable {
  /** Both right. */
  both: number;
  /** Only the first right. */
  firstOnly: number;
  /** Only the second right. */
  secondOnly: number;
  /** Both wrong. */
  neither: number;
}

/**
 * 95% interval for p(first) − p(second) on paired data: Newcombe (1998),
 * method 10. null when there are no pairs.
 */
export function newcombePairedDifference(table: PairedTable, z: number = Z95): Interval | null {
  const { both: a, firstOnly: b, secondOnly: c, neither: d } = table;
  const n = a + b + c + d;
  if (n === 0) return null;
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const diff = p1 - p2;
  const w1 = wilson(a + b, n, z)!;
  const w2 = wilson(a + c, n, z)!;
  const marginals = (a + b) * (c + d) * (a + c) * (b + d);
  const phi = marginals === 0 ? 0 : (a * d - b * c) / Math.sqrt(marginals);
  const dl1 = p1 - w1.low;
  const du1 = w1.high - p1;
  const dl2 = p2 - w2.low;
  const du2 = w2.high - p2;
  const lowHalf = Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const highHalf = Math.sqrt(Math.max(0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  return { low: Math.max(-1, diff - lowHalf), high: Math.min(1, diff + highHalf) };
}

export interface Gap {
  /** GSR accuracy − maj@N accuracy. */
  value: number;
  ci: Interval | null;
  /** The paired table behind it. */
  table: PairedTable;
}

export interface BenchmarkSummary {
  /** Problems scored (done or failed). */
  problems: number;
  /** Candidates per problem (the largest N seen). */
  n: number;
  pass1: Proportion;
  majN: Proportion;
  /** null when no extra candidate was sampled. */
  majN1: Proportion | null;
  gsr: Proportion;
  gap: Gap;
  /** Problems whose N candidates were all wrong. */
  allWrong: number;
  /** Problems whose majority was right. */
  majRight: number;
  /** Rescued problems of all problems. */
  rescue: Proportion;
  /** Rescued problems of the all-wrong problems. */
  rescueOfAllWrong: Proportion;
  /** Regressed problems of all problems. */
  regression: Proportion;
  /** Regressed problems of the majority-right problems. */
  regressionOfMajRight: Proportion;
  avgTokens: number;
  avgTimeMs: number;
  totalTokens: number;
  totalTimeMs: number;
}

/** Aggregates per-problem scores. */
export function summarize(scores: readonly ProblemScore[]): BenchmarkSummary {
  const p = scores.length;
  const count = (f: (s: ProblemScore) => boolean) => scores.filter(f).length;
  const candidates = scores.reduce((sum, s) => sum + s.n, 0);
  const correctCandidates = scores.reduce((sum, s) => sum + s.correctCandidates, 0);
  const withExtra = scores.filter((s) => s.majN1 !== null);
  const table: PairedTable = {
    both: count((s) => s.gsr && s.majN),
    firstOnly: count((s) => s.gsr && !s.majN),
    secondOnly: count((s) => !s.gsr && s.majN),
    neither: count((s) => !s.gsr && !s.majN),
  };
  const gsr = proportion(count((s) => s.gsr), p);
  const majN = proportion(count((s) => s.majN), p);
  const allWrong = count((s) => s.allWrong);
  const majRight = count((s) => s.majN);
  const rescues = count((s) => s.rescue);
  const regressions = count((s) => s.regression);
  const totalTokens = scores.reduce((sum, s) => sum + s.tokens, 0);
  const totalTimeMs = scores.reduce((sum, s) => sum + s.timeMs, 0);
  return {
    problems: p,
    n: scores.reduce((max, s) => Math.max(max, s.n), 0),
    pass1: proportion(correctCandidates, candidates),
    majN,
    majN1: withExtra.length > 0 ? proportion(withExtra.filter((s) => s.majN1).length, withExtra.length) : null,
    gsr,
    gap: { value: gsr.value - majN.value, ci: newcombePairedDifference(table), table },
    allWrong,
    majRight,
    rescue: proportion(rescues, p),
    rescueOfAllWrong: proportion(rescues, allWrong),
    regression: proportion(regressions, p),
    regressionOfMajRight: proportion(regressions, majRight),
    avgTokens: p > 0 ? totalTokens / p : 0,
    avgTimeMs: p > 0 ? totalTimeMs / p : 0,
    totalTokens,
    totalTimeMs,
  };
}

/** The aggregate cells a user can open to see the problems behind them. */
export const METRIC_NAMES = ["pass1", "majN", "majN1", "gsr", "gap", "rescue", "regression", "tokens", "time"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface DrilldownItem {
  /** Index into the benchmark's problems. */
  index: number;
  note: string;
}

/**
 * The problems behind an aggregate cell: for an accuracy, the problems it
 * counts as right; for the gap, the problems where GSR and maj@N disagree;
 * for rescue/regression, those problems; for tokens/time, every problem,
 * costliest first.
 */
export function drilldown(metric: MetricName, scored: readonly { index: number; score: ProblemScore }[]): DrilldownItem[] {
  const pick = (f: (s: ProblemScore) => boolean, note: (s: ProblemScore) => string) =>
    scored.filter(({ score }) => f(score)).map(({ index, score }) => ({ index, note: note(score) }));
  switch (metric) {
    case "pass1":
      return pick(
        (s) => s.correctCandidates > 0,
        (s) => `${s.correctCandidates} of ${s.n} candidates right`,
      );
    case "majN":
      return pick((s) => s.majN, () => "majority of N right");
    case "majN1":
      return pick((s) => s.majN1 === true, () => "majority of N+1 right");
    case "gsr":
      return pick((s) => s.gsr, () => "refined answer right");
    case "gap":
      return pick(
        (s) => s.gsr !== s.majN,
        (s) => (s.gsr ? "+1: refined right, majority wrong" : "−1: majority right, refined wrong"),
      );
    case "rescue":
      return pick((s) => s.rescue, () => "all candidates wrong, refined right");
    case "regression":
      return pick((s) => s.regression, () => "majority right, refined wrong");
    case "tokens":
      return [...scored]
        .sort((x, y) => y.score.tokens - x.score.tokens)
        .map(({ index, score }) => ({ index, note: `${score.tokens} tokens` }));
    case "time":
      return [...scored]
        .sort((x, y) => y.score.timeMs - x.score.timeMs)
        .map(({ index, score }) => ({ index, note: `${(score.timeMs / 1000).toFixed(1)} s` }));
  }
}
