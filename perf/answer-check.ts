/**
 * How long one answer comparison takes (`npm run bench:answers`). Equivalence
 * runs for every pair of candidates when streaming ends, so its median must stay
 * under 5 ms. The pairs are the reference answers of public/datasets with the
 * rewrites and near misses of src/gsr/testing/answerFixtures, plus the written forms the
 * checker accepts or rejects. Each pair is timed on its first comparison, after
 * a warm-up on other answers, as in a run: the parse cache holds what earlier
 * pairs parsed, not this pair's result.
 */

import { readFileSync } from "node:fs";
import { equivalentRewrites, nearMisses } from "../src/gsr/testing/answerFixtures";
import { answersEquivalent, normalizeAnswer } from "../src/gsr/index";

const DATASETS = ["aime24", "aime25", "amc23", "math500", "olympiadbench", "gsm8k"];
/** GSM8K's 1319 answers are nearly all small integers; a slice of them is enough. */
const GSM8K_ANSWERS = 200;

const FORMS: [string, string][] = [
  ["12,\\!345", "12345"],
  ["1,\\! 000,\\! 000", "10^6"],
  ["12,345", "12.345"],
  ["\\$4,\\!500", "4500"],
  ["5\\text{ cm}^2", "5"],
  ["61_7", "61"],
  ["3102_{4}", "43"],
  ["45\\%", "\\dfrac{9}{20}"],
  ["45\\%", "0.45"],
  ["(1,-3,5)", "\\begin{pmatrix} 1 \\\\ -3 \\\\ 5 \\end{pmatrix}"],
  ["\\left(\\frac12, -\\frac34\\right)", "\\begin{pmatrix} 1/2 \\\\ -3/4 \\end{pmatrix}"],
  ["-1 < x \\le 2", "(-1,2]"],
  ["t \\ge 5", "[5, \\infty)"],
  ["x < -1 \\text{ or } x > 2", "(-\\infty,-1)\\cup(2,\\infty)"],
  ["2\\sqrt11", "\\sqrt{44}"],
  ["\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt3"],
  ["0.\\overline{3}", "\\frac13"],
  ["\\pi/3", "60^\\circ"],
  ["1.2\\times10^3", "1200"],
  ["x^2+2x+1", "(x+1)^2"],
  ["y = 2x + 1", "2x - y + 1 = 0"],
  ["\\frac{-1 \\pm \\sqrt{5}}{2}", "\\frac{-1-\\sqrt5}{2}, \\frac{-1+\\sqrt5}{2}"],
  ["\\text{(C)}", "C"],
  ["3.14", "\\pi"],
];

function datasetAnswers(name: string): string[] {
  const text = readFileSync(new URL(`../public/datasets/${name}.jsonl`, import.meta.url), "utf8");
  const answers = text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { answer: string }).answer);
  return [...new Set(answers)];
}

function pairsOf(answers: string[]): [string, string][] {
  return answers.flatMap((a) => [
    [a, a] as [string, string],
    ...equivalentRewrites(a).map((r): [string, string] => [r, a]),
    ...nearMisses(a).map((r): [string, string] => [r, a]),
  ]);
}

const answers = DATASETS.flatMap((name) => {
  const all = datasetAnswers(name);
  return name === "gsm8k" ? all.slice(0, GSM8K_ANSWERS) : all;
});
// Warm up on answers not timed below: the parser loads its libraries on first use.
const warmUp = datasetAnswers("gsm8k")
  .slice(GSM8K_ANSWERS, GSM8K_ANSWERS + 100)
  .concat(["\\frac{\\sqrt{2}}{2}", "(1,2)", "x^2-1", "\\ln 2", "\\sin x", "\\{1,2\\}"]);
for (const [a, b] of pairsOf(warmUp)) answersEquivalent(a, b);

const pairs = [...pairsOf(answers), ...FORMS];
const timings: { ms: number; pair: [string, string] }[] = [];
for (const pair of pairs) {
  const start = performance.now();
  answersEquivalent(pair[0], pair[1]);
  timings.push({ ms: performance.now() - start, pair });
}

const sorted = [...timings].sort((x, y) => x.ms - y.ms);
const at = (list: number[], q: number) =>
  list[Math.min(list.length - 1, Math.floor(q * list.length))] ?? 0;
const all = sorted.map((t) => t.ms);
// Pairs that reach the parser or the structure comparison: their texts differ once normalised.
const parsed = sorted
  .filter((t) => normalizeAnswer(t.pair[0]) !== normalizeAnswer(t.pair[1]))
  .map((t) => t.ms);
// The written forms come last and are mostly new to the parse cache: the cost of a first parse.
const forms = timings
  .slice(-FORMS.length)
  .map((t) => t.ms)
  .sort((x, y) => x - y);
const worst = sorted.at(-1);
const total = all.reduce((sum, ms) => sum + ms, 0);
const ms = (value: number) => `${value.toFixed(3)} ms`;

console.log(
  `answersEquivalent: ${timings.length} pairs (${answers.length} reference answers, their rewrites` +
    ` and near misses, ${FORMS.length} written forms), each timed on its first comparison`,
);
console.log(
  `all pairs: median ${ms(at(all, 0.5))}, p95 ${ms(at(all, 0.95))}, p99 ${ms(at(all, 0.99))},` +
    ` mean ${ms(total / all.length)}`,
);
console.log(
  `${parsed.length} pairs whose normalised texts differ: median ${ms(at(parsed, 0.5))},` +
    ` p95 ${ms(at(parsed, 0.95))}`,
);
console.log(
  `${FORMS.length} written forms (mostly first parses): median ${ms(at(forms, 0.5))},` +
    ` max ${ms(forms.at(-1) ?? 0)}`,
);
if (worst)
  console.log(
    `worst ${ms(worst.ms)}: ${JSON.stringify(worst.pair[0])} vs ${JSON.stringify(worst.pair[1])}`,
  );
if (at(all, 0.5) >= 5) {
  console.error("The median comparison takes 5 ms or more (target: under 5 ms).");
  process.exitCode = 1;
}
