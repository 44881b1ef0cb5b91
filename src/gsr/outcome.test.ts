import { describe, expect, it } from "vitest";
import { answerLineage, answerRelations, majorityTied } from "./outcome";
import { clusterAnswers } from "./vote";

/** A finished run's answers, judged against `reference` when one is given (as the store does). */
function lineage(candidates: (string | null)[], refined: string | null, reference: string | null = null) {
  const vote = clusterAnswers(candidates);
  const judge = (a: string | null) => (reference === null ? null : a !== null && a === reference);
  return answerLineage({
    candidateAnswers: candidates,
    refinedAnswer: refined,
    vote,
    majorityCorrect: vote.majority ? judge(vote.majority.representative) : reference === null ? null : false,
    refinedCorrect: refined === null ? (reference === null ? null : false) : judge(refined),
  });
}

describe("answerRelations", () => {
  it("compares by equivalence, and marks a missing answer as none", () => {
    expect(answerRelations(["\\frac12", "0.5", "2", null, " "], "1/2")).toEqual(["same", "same", "different", "none", "none"]);
  });
  it("marks every answered candidate different when the refined solution has no answer", () => {
    expect(answerRelations(["1", null], null)).toEqual(["different", "none"]);
  });
});

describe("majorityTied", () => {
  it("is true only when the top two clusters have the same size", () => {
    expect(majorityTied(clusterAnswers(["1", "2"]))).toBe(true);
    expect(majorityTied(clusterAnswers(["1", "1", "2"]))).toBe(false);
    expect(majorityTied(clusterAnswers(["1"]))).toBe(false);
    expect(majorityTied(null)).toBe(false);
  });
});

describe("answerLineage with a reference answer", () => {
  it("confirmed: majority right, refined agrees", () => {
    expect(lineage(["42", "42", "24", "40"], "42", "42").outcome).toBe("confirmed");
  });
  it("rescued: majority wrong, refined takes the minority's right answer", () => {
    const l = lineage(["24", "24", "42", "40"], "42", "42");
    expect(l.outcome).toBe("rescued");
    expect(l.relations).toEqual(["different", "different", "same", "different"]);
  });
  it("rescued: a tied vote whose first answer happens to be right does not count as a right majority", () => {
    expect(lineage(["42", "24"], "42", "42").outcome).toBe("rescued");
    expect(lineage(["42", "24"], "42", "42").summary).toMatch(/tied/);
  });
  it("rescued: all candidates wrong and refined finds the right answer", () => {
    expect(lineage(["24", "40"], "42", "42").summary).toMatch(/all candidates were wrong/i);
  });
  it("regressed: majority right, refined wrong", () => {
    expect(lineage(["42", "42", "24"], "24", "42").outcome).toBe("regressed");
  });
  it("new-answer: all wrong and refined writes an answer no candidate had, also wrong", () => {
    expect(lineage(["24", "24", "40"], "41", "42").outcome).toBe("new-answer");
  });
  it("changed: a wrong majority swapped for another wrong candidate's answer", () => {
    expect(lineage(["24", "24", "40"], "40", "42").outcome).toBe("changed");
  });
  it("none: refined keeps the wrong majority answer", () => {
    expect(lineage(["24", "24", "40"], "24", "42").outcome).toBe("none");
  });
  it("none: the refined solution gave no answer", () => {
    expect(lineage(["42", "42"], null, "42").outcome).toBe("none");
  });
});

describe("answerLineage without a reference answer", () => {
  it("confirmed when refined agrees with the majority, by equivalence", () => {
    const l = lineage(["\\frac{1}{2}", "0.5", "3"], "1/2");
    expect(l.outcome).toBe("confirmed");
    expect(l.relations).toEqual(["same", "same", "different"]);
  });
  it("changed when refined takes a minority answer, never 'rescued'", () => {
    expect(lineage(["1", "1", "3"], "3").outcome).toBe("changed");
  });
  it("changed when the vote was tied", () => {
    expect(lineage(["1", "3"], "1").summary).toMatch(/tied/);
  });
  it("new-answer when no candidate had the refined answer", () => {
    expect(lineage(["1", "1", null], "7").outcome).toBe("new-answer");
    expect(lineage([null, null], "7").outcome).toBe("new-answer");
  });
});
