/**
 * The benchmark runner: problem after problem through the same GSR loop as a
 * single run (`runGsr`), with per-problem outcomes and scores persisted as it
 * goes. Pure apart from what is passed in: the engine (a GenerationPort), the
 * storage, the clock and the abort signal.
 *
 * maj@(N+1): the candidate phase samples N + 1 sequences in one `generateMany`
 * call (the port is wrapped, see {@link withExtraCandidate}); `runGsr` only
 * ever sees the first N, so the vote and the refinement are exactly those of a
 * normal N-candidate run. The extra sequence uses seed `seed + N + 1` (the
 * candidates use seed…seed+N−1 and the refinement seed+N), runs in parallel
 * with the others, and its tokens and time count in the problem's cost.
 *
 * Pause and stop abort the signal with the reason "pause" or "stop". The
 * problem in flight is marked 'interrupted' (its partial work is dropped) and
 * is run again on resume. A reload is the same as a pause that nobody saw: the
 * stored problem is still 'running', and `recoverInterrupted` (state.ts) turns
 * it into 'interrupted'.
 */
import { extractFinalAnswer } from "../gsr/extract";
import { runGsr } from "../gsr/run";
import type { GenerationPort, GenerationResult, GsrEvent } from "../gsr/types";
import { withExtraCandidate } from "./extraCandidate";
import { scoreProblem } from "./metrics";
import { isToDo } from "./state";
import type {
  BenchmarkMeta,
  BenchmarkSettings,
  BenchmarkState,
  BenchmarkStatus,
  BenchmarkStorage,
  Equivalence,
  GenerationRecord,
  ProblemOutcome,
  ProblemResult,
  ProblemScore,
} from "./types";

/** Abort reasons understood by {@link runBenchmark}. */
export const PAUSE = "pause";
export const STOP = "stop";

/** Problems that in a row fail before the benchmark pauses itself (a dead engine fails every problem). */
export const MAX_CONSECUTIVE_FAILURES = 2;

export interface LiveProgress {
  index: number;
  phase: "candidates" | "refine";
  /** Candidates (of N) that have finished. */
  candidatesDone: number;
  /** Tokens streamed so far in this problem (approximate: one per delta). */
  tokens: number;
}

export interface RunBenchmarkOptions {
  port: GenerationPort;
  /** A fresh benchmark (`newBenchmark`, state.ts) or one to resume. */
  state: BenchmarkState;
  storage: BenchmarkStorage;
  /** Abort with reason {@link PAUSE} or {@link STOP}; any other reason pauses. */
  signal: AbortSignal;
  equivalent: Equivalence;
  /** Wall clock in ms (Date.now). */
  now: () => number;
  /** Every new state, after each change. */
  onChange: (state: BenchmarkState) => void;
  /** Live progress of the problem in flight, at most every `progressIntervalMs`; null between problems. */
  onProgress?: (progress: LiveProgress | null) => void;
  progressIntervalMs?: number;
  /** Storage failed; the run goes on in memory. */
  onStorageError?: (error: unknown) => void;
}

const emptyRecord = (text: string, error: string | null): GenerationRecord => ({
  text,
  answer: null,
  correct: false,
  tokens: 0,
  totalMs: 0,
  finishReason: null,
  error,
});

/** What `scoreProblem` needs from an outcome. */
export function scoreOutcome(outcome: ProblemOutcome, settings: BenchmarkSettings, equivalent: Equivalence): ProblemScore {
  const tokens =
    outcome.candidates.reduce((sum, c) => sum + c.tokens, 0) + (outcome.extra?.tokens ?? 0) + (outcome.refined?.tokens ?? 0);
  return scoreProblem(
    {
      n: settings.n,
      candidates: outcome.candidates,
      extra: outcome.extra,
      extraSampled: settings.extraCandidate,
      refined: outcome.refined,
      tokens,
      timeMs: outcome.wallMs,
    },
    equivalent,
  );
}

/**
 * Runs every problem still to do, in order, and resolves with the final state:
 * 'complete', 'paused' or 'stopped'. Never rejects for engine or storage errors.
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<BenchmarkState> {
  const { storage, signal, now } = options;
  let state = options.state;
  const persist = async (what: () => Promise<void>) => {
    try {
      await what();
    } catch (error) {
      options.onStorageError?.(error);
    }
  };
  // Saved first, shown second: what the page shows as started or done is already stored when it reloads.
  const setMeta = async (change: Partial<BenchmarkMeta>) => {
    state = { ...state, meta: { ...state.meta, ...change, updatedAt: now() } };
    await persist(() => storage.saveMeta(state.meta));
    options.onChange(state);
  };
  const setResult = async (result: ProblemResult) => {
    state = {
      meta: { ...state.meta, updatedAt: now() },
      results: state.results.map((r) => (r.index === result.index ? result : r)),
    };
    await persist(() => storage.saveResult(state.meta.id, result));
    options.onChange(state);
  };
  const stopStatus = (): BenchmarkStatus => (signal.reason === STOP ? "stopped" : "paused");

  await setMeta({ status: "running", reason: null });
  let failuresInRow = 0;
  for (const todo of options.state.results.filter(isToDo)) {
    if (signal.aborted) break;
    const result = await runProblem(options, state.meta, todo, setResult);
    if (result === "aborted") break;
    failuresInRow = result.status === "failed" ? failuresInRow + 1 : 0;
    if (failuresInRow >= MAX_CONSECUTIVE_FAILURES) {
      options.onProgress?.(null);
      await setMeta({
        status: "paused",
        reason: `${failuresInRow} problems in a row failed (last: ${result.outcome?.failure ?? "unknown error"}). Check the model, then resume to retry them.`,
      });
      return state;
    }
  }
  options.onProgress?.(null);
  if (signal.aborted) {
    await setMeta({ status: stopStatus(), reason: stopStatus() === "stopped" ? "Stopped by you." : null });
  } else {
    await setMeta({ status: state.results.some(isToDo) ? "paused" : "complete", reason: null });
  }
  return state;
}

async function runProblem(
  options: RunBenchmarkOptions,
  meta: BenchmarkMeta,
  todo: ProblemResult,
  setResult: (result: ProblemResult) => Promise<void>,
): Promise<ProblemResult | "aborted"> {
  const { signal, now, equivalent } = options;
  const problem = meta.problems[todo.index]!;
  const { n, sampling, extraCandidate } = meta.settings;
  const startedAt = now();
  await setResult({ ...todo, status: "running", outcome: null, score: null, startedAt, finishedAt: null });

  const judge = (answer: string | null): boolean => {
    if (answer === null) return false;
    try {
      return equivalent(answer, problem.answer);
    } catch {
      return false;
    }
  };
  const record = (result: GenerationResult, answer: string | null): GenerationRecord => ({
    text: result.text,
    answer,
    correct: judge(answer),
    tokens: result.tokens,
    totalMs: result.totalMs,
    finishReason: result.finishReason,
    error: null,
  });

  const streamed: string[] = Array.from({ length: n }, () => "");
  const candidates: (GenerationRecord | null)[] = Array.from({ length: n }, () => null);
  let extra: GenerationRecord | null = null;
  let extraText = "";
  let refined: GenerationRecord | null = null;
  let refinedText = "";
  let refineShortened = false;
  let ended: Extract<GsrEvent, { type: "run-done" }> | null = null;

  const progress: LiveProgress = { index: todo.index, phase: "candidates", candidatesDone: 0, tokens: 0 };
  const interval = options.progressIntervalMs ?? 250;
  let lastProgress = -Infinity;
  const report = (force: boolean) => {
    if (!options.onProgress) return;
    const t = now();
    if (!force && t - lastProgress < interval) return;
    lastProgress = t;
    options.onProgress({ ...progress });
  };
  report(true);

  const port = extraCandidate
    ? withExtraCandidate(
        options.port,
        (requests) => ({ messages: requests[0]!.messages, sampling: { ...sampling, seed: sampling.seed + n + 1 } }),
        {
          delta: (text) => {
            extraText += text;
            progress.tokens++;
            report(false);
          },
          done: (result) => {
            if (result.finishReason !== "aborted") extra = record(result, extractFinalAnswer(result.text));
          },
          error: (error) => (extra = emptyRecord(extraText, error.message)),
        },
      )
    : options.port;

  await runGsr({
    port,
    problem: problem.problem,
    settings: { n, sampling },
    signal,
    onEvent: (event) => {
      switch (event.type) {
        case "candidate-delta":
          streamed[event.index] += event.delta;
          progress.tokens++;
          return report(false);
        case "refine-delta":
          refinedText += event.delta;
          progress.tokens++;
          return report(false);
        case "candidate-done":
          candidates[event.index] = { ...record(event.result, event.answer), text: event.result.text || streamed[event.index]! };
          progress.candidatesDone++;
          return report(true);
        case "candidate-error":
          candidates[event.index] = emptyRecord(streamed[event.index]!, event.message);
          progress.candidatesDone++;
          return report(true);
        case "refine-start":
          refineShortened = event.shortened !== null;
          progress.phase = "refine";
          return report(true);
        case "refine-done":
          refined = { ...record(event.result, event.answer), text: event.result.text || refinedText };
          return;
        case "refine-error":
          refined = emptyRecord(refinedText, event.message);
          return;
        case "run-done":
          ended = event;
          return;
        default:
          return;
      }
    },
  });
  const end = ended as Extract<GsrEvent, { type: "run-done" }> | null;

  if (signal.aborted || end?.status === "stopped") {
    // Partial work is dropped; the problem runs again on resume.
    await setResult({ ...todo, status: "interrupted", outcome: null, score: null, startedAt, finishedAt: null });
    return "aborted";
  }

  const failure = end?.status === "complete" ? null : (end?.reason ?? "The run ended without a result.");
  const outcome: ProblemOutcome = {
    candidates: candidates.map((c, i) => c ?? emptyRecord(streamed[i]!, failure)),
    extra,
    refined,
    refineShortened,
    wallMs: Math.max(0, now() - startedAt),
    failure,
  };
  const result: ProblemResult = {
    ...todo,
    status: failure === null ? "done" : "failed",
    outcome,
    score: scoreOutcome(outcome, meta.settings, equivalent),
    startedAt,
    finishedAt: now(),
  };
  await setResult(result);
  return result;
}
