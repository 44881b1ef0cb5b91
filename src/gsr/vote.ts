/**
 * Majority voting over final answers (maj@N, DESIGN §1.4): answers are grouped
 * by mathematical equivalence, not string equality.
 */

import { answersEquivalent } from "./equivalence";
import type { AnswerCluster, VoteResult } from "./types";

/**
 * Groups the candidates' answers into clusters of equivalent answers, largest
 * first; equal sizes keep the order in which their first answer appeared. Each
 * answer joins the first cluster whose representative it is equivalent to.
 * Null and blank answers are listed as unanswered.
 */
export function clusterAnswers(answers: readonly (string | null)[]): VoteResult {
  const clusters: AnswerCluster[] = [];
  const unanswered: number[] = [];
  answers.forEach((answer, index) => {
    if (answer === null || answer.trim() === "") {
      unanswered.push(index);
      return;
    }
    const cluster = clusters.find((c) => answersEquivalent(c.representative, answer));
    if (cluster) cluster.members.push(index);
    else clusters.push({ representative: answer, members: [index] });
  });
  // Array.prototype.sort is stable, so ties stay in first-seen order.
  clusters.sort((a, b) => b.members.length - a.members.length);
  return { clusters, majority: clusters[0] ?? null, unanswered };
}
