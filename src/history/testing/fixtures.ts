/** Runs for the history tests: a finished run of three candidates, as the store holds it. */
import { toSavedRun } from "../convert";
import type { CandidateViewLike, RunMeta, RunViewLike, SavedRun } from "../types";

export const RUN_ID = "0b6f7f2e-4c1a-4d3e-9f00-123456789abc";

function candidate(
  answer: string | null,
  correct: boolean | null,
  text: string,
): CandidateViewLike {
  return {
    status: "done",
    text,
    tokens: 40,
    startedAt: 0,
    updatedAt: 2000,
    answer,
    correct,
    result: { text, tokens: 40, finishReason: "stop", firstTokenMs: 120, totalMs: 2000 },
    error: null,
  };
}

export function makeRunView(overrides: Partial<RunViewLike> = {}): RunViewLike {
  const clusters = [
    { representative: "18", members: [0, 1] },
    { representative: "\\frac{40}{2}", members: [2] },
  ];
  return {
    id: 1,
    problem: "Janet has $3$ ducks and buys $15$ more. How many ducks does she have?",
    reference: "18",
    settings: { n: 3, temperature: 0.7, topP: 0.95, maxTokens: 1024, seed: 1, contextSize: 4096 },
    model: "Qwen2.5 0.5B Instruct Q4",
    engine: "wllama",
    status: "complete",
    reason: null,
    candidates: [
      candidate("18", true, "She has $3 + 15 = 18$ ducks. \\boxed{18}"),
      candidate("18", true, "Adding: $3+15$. The answer is \\boxed{18}."),
      candidate("\\frac{40}{2}", false, "Miscounting gives \\boxed{\\frac{40}{2}}"),
    ],
    vote: { clusters, majority: clusters[0]!, unanswered: [] },
    majorityCorrect: true,
    refined: {
      status: "done",
      text: "Two candidates agree: $3 + 15 = 18$. \\boxed{18}",
      tokens: 30,
      startedAt: 0,
      updatedAt: 1500,
      answer: "18",
      correct: true,
      agreesWithMajority: true,
      result: {
        text: "Two candidates agree: $3 + 15 = 18$. \\boxed{18}",
        tokens: 30,
        finishReason: "stop",
        firstTokenMs: 300,
        totalMs: 1500,
      },
      shortened: null,
      error: null,
    },
    lineage: null,
    stepTrace: "none",
    ...overrides,
  };
}

export function makeMeta(overrides: Partial<RunMeta> = {}): RunMeta {
  return {
    id: RUN_ID,
    createdAt: Date.UTC(2026, 4, 1, 14, 3),
    updatedAt: Date.UTC(2026, 4, 1, 14, 4),
    problemRef: { id: "gsm8k-7", dataset: "gsm8k", answer: "18" },
    engine: "wllama",
    model: "Qwen2.5 0.5B Instruct Q4",
    ...overrides,
  };
}

export function makeSavedRun(
  overrides: Partial<SavedRun> = {},
  view: Partial<RunViewLike> = {},
): SavedRun {
  return { ...toSavedRun(makeRunView(view), makeMeta()), ...overrides };
}

/** A distinct valid UUID per number. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}
