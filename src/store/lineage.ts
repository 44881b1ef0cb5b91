/**
 * Lineage for the store's run view: the answer lineage the moment the refined
 * answer is known (cheap, needs the method module), the step lineage after the
 * refined solution ends (in the lineage worker).
 */
import type { RunLineage } from "../lineage/types";
import type { GsrModule } from "./gsrModule";
import type { RunView } from "./runSlice";

/** Whether the refinement has ended with text to trace. */
export function refinementEnded(run: RunView): boolean {
  return (run.refined.status === "done" || run.refined.status === "stopped") && run.refined.text.trim() !== "";
}

/** Outcome label and answer relations of a run whose refinement has ended; steps still to come. */
export function answerLineageOf(gsr: GsrModule, run: RunView): RunLineage {
  const answers = gsr.answerLineage({
    candidateAnswers: run.candidates.map((c) => c.answer),
    refinedAnswer: run.refined.answer,
    vote: run.vote,
    majorityCorrect: run.majorityCorrect,
    refinedCorrect: run.refined.correct,
  });
  return { ...answers, steps: null };
}

/** Traces the refined solution's steps to the candidates' (off the main thread). */
export async function stepLineageOf(run: RunView): Promise<RunLineage["steps"]> {
  const { computeStepLineage } = await import("../lineage/client");
  return computeStepLineage(
    run.refined.text,
    run.candidates.map((c) => c.text),
  );
}
