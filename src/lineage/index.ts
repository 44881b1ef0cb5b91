/**
 * Step lineage: split solutions into steps and trace the refined solution's
 * steps to the candidates' (pure, in `match.ts`), computed in a worker
 * (`client.ts`). Answer lineage, the run's outcome label, lives in src/gsr.
 */
export { computeStepLineage } from "./client";
export type { CandidateStep, RefinedStep, StepLineage } from "./match";
export { splitSteps, type StepKind, type StepRange } from "./steps";
export type { RunLineage } from "./types";
