/**
 * Answer lineage: how each candidate's final answer relates to the refined one,
 * and which of the paper's outcomes the run had (confirmed, rescued, regressed,
 * or a new answer). Pure; the view shows it as a strip between the vote and the
 * refined solution, and history saves it.
 */
import { answersEquivalent } from "./equivalence";
import type { VoteResult } from "./types";

/** A candidate's answer against the refined answer: equal, different, or the candidate gave none. */
export type AnswerRelation = "same" | "different" | "none";

/**
 * - confirmed: the refined answer is the majority's (with a reference: both right);
 * - rescued: majority wrong, tied or missing, refined right (needs a reference);
 * - regressed: majority right, refined wrong;
 * - changed: refined took another candidate's answer than the majority's;
 * - new-answer: refined gave an answer no candidate had (with a reference: and it is wrong);
 * - none: no label applies (no refined answer, or refined kept a wrong majority answer).
 */
export type RunOutcome = "confirmed" | "rescued" | "regressed" | "changed" | "new-answer" | "none";

export interface AnswerLineage {
  relations: AnswerRelation[];
  outcome: RunOutcome;
  /** The outcome in plain words, for the strip and the Markdown export. */
  summary: string;
}

export interface AnswerLineageInput {
  candidateAnswers: readonly (string | null)[];
  refinedAnswer: string | null;
  vote: VoteResult | null;
  /** Against the reference answer; all null when there is no reference. */
  majorityCorrect: boolean | null;
  refinedCorrect: boolean | null;
}

/** True when the top two clusters have the same size, so the "majority" is only the first seen. */
export function majorityTied(vote: VoteResult | null): boolean {
  const [first, second] = vote?.clusters ?? [];
  return first !== undefined && second !== undefined && first.members.length === second.members.length;
}

export function answerRelations(candidateAnswers: readonly (string | null)[], refinedAnswer: string | null): AnswerRelation[] {
  return candidateAnswers.map((answer) => {
    if (answer === null || answer.trim() === "") return "none";
    return refinedAnswer !== null && answersEquivalent(answer, refinedAnswer) ? "same" : "different";
  });
}

/** The run's outcome label and its plain-words summary; see {@link RunOutcome}. */
export function answerLineage(input: AnswerLineageInput): AnswerLineage {
  const relations = answerRelations(input.candidateAnswers, input.refinedAnswer);
  const majority = input.vote?.majority ?? null;
  const tied = majorityTied(input.vote);
  const withMajority = majority !== null && majority.members.some((m) => relations[m] === "same");
  const isNew = !relations.includes("same");
  const result = (outcome: RunOutcome, summary: string): AnswerLineage => ({ relations, outcome, summary });

  if (input.refinedAnswer === null || input.refinedAnswer.trim() === "")
    return result("none", "The refined solution gave no final answer.");

  if (input.refinedCorrect !== null) {
    const majorityRight = input.majorityCorrect === true && !tied;
    if (input.refinedCorrect && majorityRight) return result("confirmed", "Confirmed: the majority was right and refinement kept its answer.");
    if (input.refinedCorrect)
      return result(
        "rescued",
        majority === null
          ? "Rescued: no candidate answered, and refinement found the right answer."
          : isNew
            ? "Rescued: all candidates were wrong, and refinement found the right answer."
            : tied
              ? "Rescued: the vote was tied, and refinement chose the right answer."
              : "Rescued: the majority was wrong, and refinement took a minority's right answer.",
      );
    if (majorityRight) return result("regressed", "Regressed: the majority was right, and refinement broke it.");
    if (isNew) return result("new-answer", "All wrong: refinement found a new answer, also wrong.");
    if (!withMajority) return result("changed", "Changed the majority's answer, to another wrong one.");
    return result("none", "Not fixed: refinement kept the majority's wrong answer.");
  }

  if (isNew) return result("new-answer", "Refinement found an answer no candidate had.");
  if (tied) return result("changed", "The vote was tied; refinement picked one of the tied answers.");
  if (withMajority) return result("confirmed", "Refinement agrees with the majority.");
  return result("changed", "Refinement changed the majority's answer (to a minority's).");
}
