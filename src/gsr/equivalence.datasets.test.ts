/**
 * Every reference answer the app ships (public/datasets) must equal itself and
 * the rewrites a solution may make of it, and differ from its near misses
 * (src/gsr/testing/answerFixtures). GSM8K's answers are nearly all small integers, so a
 * slice of them is enough.
 */
import { describe, expect, it } from "vitest";
import aime24 from "../../public/datasets/aime24.jsonl?raw";
import aime25 from "../../public/datasets/aime25.jsonl?raw";
import amc23 from "../../public/datasets/amc23.jsonl?raw";
import gsm8k from "../../public/datasets/gsm8k.jsonl?raw";
import math500 from "../../public/datasets/math500.jsonl?raw";
import olympiadbench from "../../public/datasets/olympiadbench.jsonl?raw";
import { equivalentRewrites, nearMisses } from "./testing/answerFixtures";
import { answersEquivalent } from "./equivalence";

function answers(jsonl: string): string[] {
  const all = jsonl
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { answer: string }).answer);
  return [...new Set(all)];
}

const gsm8kAnswers = answers(gsm8k);
const datasets: [string, string[]][] = [
  ["aime24", answers(aime24)],
  ["aime25", answers(aime25)],
  ["amc23", answers(amc23)],
  ["math500", answers(math500)],
  ["olympiadbench", answers(olympiadbench)],
  // Every answer with a thousands separator, and the first 150 others.
  ["gsm8k", [...gsm8kAnswers.filter((a) => a.includes(",")), ...gsm8kAnswers.slice(0, 150)]],
];

describe.each(datasets)("%s reference answers", (_name, references) => {
  it("each equals itself and its rewrites, both ways", () => {
    const failures: string[] = [];
    for (const reference of references) {
      for (const rewrite of [reference, ...equivalentRewrites(reference)]) {
        if (!answersEquivalent(reference, rewrite) || !answersEquivalent(rewrite, reference))
          failures.push(`${reference}  ≢  ${rewrite}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("each differs from its near misses, both ways", () => {
    const failures: string[] = [];
    for (const reference of references) {
      for (const miss of nearMisses(reference)) {
        if (answersEquivalent(reference, miss) || answersEquivalent(miss, reference))
          failures.push(`${reference}  ≡  ${miss}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("answerFixtures", () => {
  it("rewrites and near-misses a few typical answers", () => {
    expect(equivalentRewrites("12345")).toEqual(
      expect.arrayContaining(["12,345", "12{,}345", "12,\\!345", "\\$12,345", "x = 12345"]),
    );
    expect(equivalentRewrites("1, 3, 5")).toEqual(
      expect.arrayContaining(["5, 3, 1", "\\{1, 3, 5\\}"]),
    );
    expect(nearMisses("(2,-1)")).toEqual(expect.arrayContaining(["(-1,2)", "[2,-1)"]));
    expect(nearMisses("\\frac{3}{4}")).toContain("\\frac{4}{4}");
  });
});
