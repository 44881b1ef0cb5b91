import { describe, expect, it } from "vitest";
import type { BankProblem } from "../problems/bank";
import { seededRandom } from "../seededRandom";
import { parseIdList, selectProblems } from "./subset";
import type { SubsetSpec } from "./types";

const rows: BankProblem[] = Array.from({ length: 20 }, (_, i) => ({
  id: `p-${i}`,
  problem: `Problem number ${i}`,
  answer: String(i),
  source: "test",
  level: (i % 3) + 1,
  subject: i % 2 ? "Algebra" : "Geometry",
}));
const spec = (pick: SubsetSpec["pick"], filter: SubsetSpec["filter"] = {}): SubsetSpec => ({ dataset: "test", filter, pick });
const ids = (s: SubsetSpec) => selectProblems(rows, s).problems.map((p) => p.id);

describe("selectProblems", () => {
  it("first k, in dataset order, with level and subject carried over as text", () => {
    expect(ids(spec({ kind: "first", k: 3 }))).toEqual(["p-0", "p-1", "p-2"]);
    expect(selectProblems(rows, spec({ kind: "first", k: 1 })).problems[0]).toEqual({
      id: "p-0",
      dataset: "test",
      problem: "Problem number 0",
      answer: "0",
      level: "1",
      subject: "Geometry",
    });
    expect(ids(spec({ kind: "first", k: 100 }))).toHaveLength(20);
    expect(ids(spec({ kind: "first", k: 0 }))).toEqual([]);
  });

  it("filters by level and subject before picking", () => {
    expect(ids(spec({ kind: "first", k: 3 }, { level: "2", subject: "Algebra" }))).toEqual(["p-1", "p-7", "p-13"]);
  });

  it("random k: the same seed gives the same subset, in dataset order, without repeats", () => {
    const a = ids(spec({ kind: "random", k: 5, seed: 7 }));
    expect(a).toEqual(ids(spec({ kind: "random", k: 5, seed: 7 })));
    expect(new Set(a).size).toBe(5);
    expect(a).toEqual([...a].sort((x, y) => Number(x.slice(2)) - Number(y.slice(2))));
    expect(a).not.toEqual(ids(spec({ kind: "random", k: 5, seed: 8 })));
    expect(ids(spec({ kind: "random", k: 50, seed: 1 }))).toHaveLength(20);
  });

  it("ids: in the given order, duplicates once, unknown ones reported", () => {
    const picked = selectProblems(rows, spec({ kind: "ids", ids: ["p-5", "p-2", "p-5", "nope"] }));
    expect(picked.problems.map((p) => p.id)).toEqual(["p-5", "p-2"]);
    expect(picked.missing).toEqual(["nope"]);
  });
});

describe("helpers", () => {
  it("parseIdList splits on commas, spaces and lines", () => {
    expect(parseIdList(" gsm8k:test-1, gsm8k:test-2\ngsm8k:test-3 ;x ")).toEqual(["gsm8k:test-1", "gsm8k:test-2", "gsm8k:test-3", "x"]);
  });

  it("seededRandom is deterministic and in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
