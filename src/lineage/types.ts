/**
 * What a run records about refinement: the answer lineage (outcome label and
 * each candidate's relation to the refined answer, from src/gsr) and the step
 * lineage (from ./match). Saved with the run in history and in exports.
 */
import type { AnswerRelation, RunOutcome } from "../gsr/outcome";
import type { StepLineage } from "./match";

export interface RunLineage {
  outcome: RunOutcome;
  /** The outcome in plain words. */
  summary: string;
  /** Per candidate. */
  relations: AnswerRelation[];
  /** Null until traced (it runs in a worker after the refined solution ends) or when it could not be. */
  steps: StepLineage | null;
}
