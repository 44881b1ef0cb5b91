/**
 * The method, pure TypeScript: answer extraction, equivalence, voting, prompts
 * and the run orchestrator. Nothing here imports an engine, React, zustand or
 * KaTeX; engines come in through {@link GenerationPort}.
 */

export type {
  AnswerCluster,
  ChatMessage,
  FinishReason,
  GenerationCallbacks,
  GenerationPort,
  GenerationRequest,
  GenerationResult,
  GsrEvent,
  RunSettings,
  SamplingSettings,
  ShorteningReport,
  VoteResult,
} from "./types";
export {
  extractBoxedAnswer,
  extractFinalAnswer,
  findBoxes,
  stripThinking,
  type BoxSpan,
} from "./extract";
export { answersEquivalent, normalizeAnswer } from "./equivalence";
export { clusterAnswers } from "./vote";
export {
  answerLineage,
  answerRelations,
  majorityTied,
  type AnswerLineage,
  type AnswerLineageInput,
  type AnswerRelation,
  type RunOutcome,
} from "./outcome";
export {
  buildRefinePrompt,
  buildSolvePrompt,
  ContextTooLongError,
  dropThinkBlocks,
  finalPartStart,
  fitRefinePrompt,
  lengthCap,
  omissionMarker,
  REFINE_SYSTEM_PROMPT,
  shortenCandidate,
  SOLVE_SYSTEM_PROMPT,
  truncateMiddle,
  type FittedRefinePrompt,
} from "./prompts";
export { messageOf, runGsr, type RunGsrOptions } from "./run";
