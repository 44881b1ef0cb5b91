import { describe, expect, it } from "vitest";
import { facets, filterProblems, parseJsonl, type BankProblem } from "./bank";

describe("parseJsonl", () => {
  it("parses rows and skips blank lines", () => {
    const rows = parseJsonl('{"id":"a","problem":"1+1","answer":"2","source":"t"}\n\n{"id":"b","problem":"p","answer":"x","source":"t","level":3}\n');
    expect(rows.map((r) => r.id)).toEqual(["a", "b"]);
    expect(rows[1]!.level).toBe(3);
  });

  it("names the line that is broken", () => {
    expect(() => parseJsonl('{"id":"a","problem":"1","answer":"2"}\n{oops')).toThrow("Line 2 is not valid JSON.");
    expect(() => parseJsonl('{"id":"a","problem":"1"}')).toThrow("Line 1 lacks id, problem or answer.");
  });
});

describe("filterProblems and facets", () => {
  const rows: BankProblem[] = [
    { id: "m:1", problem: "Find the roots of $x^2-1$.", answer: "\\pm 1", source: "m", level: 2, subject: "Algebra" },
    { id: "m:2", problem: "How many primes below 20?", answer: "8", source: "m", level: 1, subject: "Number Theory" },
    { id: "m:3", problem: "Find the area of the circle.", answer: "\\pi", source: "m", level: 2, subject: "Geometry" },
  ];
  it("filters by level, subject and all search words", () => {
    expect(filterProblems(rows, { level: "2" }).map((r) => r.id)).toEqual(["m:1", "m:3"]);
    expect(filterProblems(rows, { subject: "Geometry" }).map((r) => r.id)).toEqual(["m:3"]);
    expect(filterProblems(rows, { search: "FIND roots" }).map((r) => r.id)).toEqual(["m:1"]);
    expect(filterProblems(rows, { search: "m:2" }).map((r) => r.id)).toEqual(["m:2"]);
    expect(filterProblems(rows, {})).toHaveLength(3);
  });
  it("lists the distinct levels and subjects", () => {
    expect(facets(rows)).toEqual({ levels: ["1", "2"], subjects: ["Algebra", "Geometry", "Number Theory"] });
  });
});
