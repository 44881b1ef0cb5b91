/** The batching benchmark's workload, shared by the raw page and perf/*.ts. */
/**
 * The problem of run `k`. Every run gets a new one, as a user's next run does: llama.cpp
 * then reuses only the shared system prompt from its prompt cache, on both sides alike.
 */
export function perfProblem(k: number): string {
  return `Problem ${k}: what is ${17 + k} + ${25 + 2 * k}? Explain each step.`;
}
/** Tokens per sequence: the app's default context (settingsSlice DEFAULT_SETTINGS). */
export const PERF_CONTEXT_SIZE = 4096;
/** Greedy, so the bench model (EOS logits zero) always writes max_tokens. */
export const PERF_SAMPLING = { temperature: 0, topP: 0.95, seed: 1 } as const;
export const PERF_NEW_TOKENS = 64;
