import { describe, expect, it } from "vitest";
import { clusterAnswers } from "./vote";

describe("clusterAnswers", () => {
  it("groups equivalent answers and puts the largest cluster first", () => {
    const vote = clusterAnswers(["3", "\\frac{1}{2}", "0.5", "1/2"]);
    expect(vote.clusters).toEqual([
      { representative: "\\frac{1}{2}", members: [1, 2, 3] },
      { representative: "3", members: [0] },
    ]);
    expect(vote.majority).toEqual({ representative: "\\frac{1}{2}", members: [1, 2, 3] });
    expect(vote.unanswered).toEqual([]);
  });

  it("breaks ties by first appearance", () => {
    const vote = clusterAnswers(["7", "5", "5", "7", "9"]);
    expect(vote.clusters.map((c) => c.representative)).toEqual(["7", "5", "9"]);
    expect(vote.clusters.map((c) => c.members)).toEqual([[0, 3], [1, 2], [4]]);
    expect(vote.majority?.representative).toBe("7");
  });

  it("keeps a later larger cluster ahead of an earlier smaller one", () => {
    const vote = clusterAnswers(["1", "2", "2"]);
    expect(vote.majority).toEqual({ representative: "2", members: [1, 2] });
  });

  it("lists null and blank answers as unanswered", () => {
    const vote = clusterAnswers([null, "x = 4", "  ", "4", null]);
    expect(vote.unanswered).toEqual([0, 2, 4]);
    expect(vote.clusters).toEqual([{ representative: "x = 4", members: [1, 3] }]);
  });

  it("has no majority when nobody answered", () => {
    expect(clusterAnswers([null, null, null])).toEqual({
      clusters: [],
      majority: null,
      unanswered: [0, 1, 2],
    });
    expect(clusterAnswers([])).toEqual({ clusters: [], majority: null, unanswered: [] });
  });

  it("puts identical answers in one cluster", () => {
    const vote = clusterAnswers(["42", "42", "42", "42"]);
    expect(vote.clusters).toEqual([{ representative: "42", members: [0, 1, 2, 3] }]);
  });

  it("keeps ordered tuples apart and unordered roots together", () => {
    const vote = clusterAnswers(["(1,2)", "(2,1)", "x=1 \\text{ or } x=2", "2, 1"]);
    expect(vote.clusters.map((c) => c.members)).toEqual([[2, 3], [0], [1]]);
  });
});
