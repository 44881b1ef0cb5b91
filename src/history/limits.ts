/**
 * Size limits of saved runs and import files. Kept apart from the zod schema so
 * code that only records runs does not pull the validator into the bundle.
 */
export const LIMITS = {
  /** Checked before the file is read or parsed. */
  fileBytes: 20 * 1024 * 1024,
  runs: 5000,
  problemChars: 20_000,
  /** Each candidate's and the refined solution's text. */
  textChars: 200_000,
  /** A final answer, a cluster representative, a reference answer. */
  answerChars: 2_000,
  /** Error messages and the run's reason. */
  messageChars: 2_000,
  modelChars: 500,
  /** Problem ids and dataset names. */
  refIdChars: 200,
  candidates: 8,
  /** Steps of one solution in its saved step lineage. */
  steps: 20_000,
  /** Anything nested deeper than this is not a Refinery file (a saved run is about 6 deep). */
  depth: 16,
  tokens: 10_000_000,
  /** Durations in ms (about four months). */
  durationMs: 1e10,
  /** Timestamps in ms since 1970 (the largest valid Date). */
  timestampMs: 8.64e15,
} as const;

export const PROBLEM_EXCERPT_CHARS = 200;
