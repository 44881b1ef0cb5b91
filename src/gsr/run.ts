/**
 * The GSR run (DESIGN §1): N candidates in parallel, a majority vote over their
 * answers, then one refinement that reads all candidates. The engine comes in
 * as a {@link GenerationPort}; progress goes out as {@link GsrEvent}s.
 */

import { extractFinalAnswer } from "./extract";
import { buildSolvePrompt, ContextTooLongError, fitRefinePrompt, promptTokenBound } from "./prompts";
import type {
  GenerationCallbacks,
  GenerationPort,
  GenerationRequest,
  GenerationResult,
  GsrEvent,
  RunSettings,
} from "./types";
import { clusterAnswers } from "./vote";

export interface RunGsrOptions {
  port: GenerationPort;
  problem: string;
  settings: RunSettings;
  /** Aborting ends the run after the current step with `run-done` "stopped". */
  signal: AbortSignal;
  /** Receives every event in order; it should not throw. */
  onEvent: (event: GsrEvent) => void;
  /** Tokens kept free for the refined solution; defaults to `settings.sampling.maxTokens`. */
  reserveTokens?: number;
}

/** What one generation (a candidate or the refinement) ended as. */
type Outcome = { kind: "done"; result: GenerationResult } | { kind: "error"; message: string };

interface SequenceState {
  started: boolean;
  /** Text streamed so far; what a failed sequence leaves behind. */
  text: string;
  outcome: Outcome | null;
}

/** Run-level end, thrown inside the run to stop at once; never leaves {@link runGsr}. */
class RunEnd {
  constructor(
    readonly status: "stopped" | "failed",
    readonly reason?: string,
  ) {}
}

/**
 * Runs Generative Self-Refinement on one problem. Resolves (never rejects for
 * engine errors) after emitting exactly one `run-done`, which is the last event.
 */
export async function runGsr(options: RunGsrOptions): Promise<void> {
  const { signal, onEvent } = options;
  let finished = false;
  const emit = (event: GsrEvent) => {
    if (finished) return;
    if (event.type === "run-done") finished = true;
    onEvent(event);
  };
  try {
    await runPhases(options, emit);
    emit({ type: "run-done", status: "complete" });
  } catch (error) {
    if (error instanceof RunEnd) {
      emit({
        type: "run-done",
        status: error.status,
        ...(error.reason === undefined ? {} : { reason: error.reason }),
      });
    } else if (signal.aborted) {
      emit({ type: "run-done", status: "stopped" });
    } else {
      emit({ type: "run-done", status: "failed", reason: messageOf(error) });
    }
  }
}

async function runPhases(options: RunGsrOptions, emit: (event: GsrEvent) => void): Promise<void> {
  const { port, problem, settings, signal } = options;
  const { n, sampling } = settings;
  const stopIfAborted = () => {
    if (signal.aborted) throw new RunEnd("stopped");
  };

  if (!Number.isInteger(n) || n < 1)
    throw new RunEnd(
      "failed",
      `The number of candidates must be a whole number of at least 1, not ${n}.`,
    );
  stopIfAborted();

  // Phase 1: candidates.
  const solveMessages = buildSolvePrompt(problem);
  const contextWindow = port.contextWindow();
  // Counting tokens costs the CPU engine a pass over the whole prompt before any candidate
  // starts; a prompt whose byte length already proves it fits is not counted.
  let promptTokens: number | null = null;
  if (promptTokenBound(solveMessages) + sampling.maxTokens > contextWindow) {
    promptTokens = await countOrFail(port, solveMessages, "the problem");
    stopIfAborted();
  }
  if (promptTokens !== null && promptTokens + sampling.maxTokens > contextWindow) {
    const error = new ContextTooLongError(
      promptTokens,
      sampling.maxTokens,
      contextWindow,
      "The problem prompt",
    );
    throw new RunEnd(
      "failed",
      `${error.message} Shorten the problem or lower the maximum answer length.`,
    );
  }

  emit({ type: "candidates-start", n, promptTokens });
  const requests: GenerationRequest[] = Array.from({ length: n }, (_, i) => ({
    messages: solveMessages,
    sampling: { ...sampling, seed: sampling.seed + i },
  }));
  const answers: (string | null)[] = new Array<string | null>(n).fill(null);
  const candidates = await generate(port, requests, signal, {
    start: (index) => emit({ type: "candidate-start", index }),
    delta: (index, delta) => emit({ type: "candidate-delta", index, delta }),
    done: (index, result) => {
      const answer = extractFinalAnswer(result.text);
      answers[index] = answer;
      emit({ type: "candidate-done", index, result, answer });
    },
    error: (index, message) => emit({ type: "candidate-error", index, message }),
  });
  stopIfAborted();
  if (candidates.failure !== null)
    throw new RunEnd("failed", `Generating the candidates failed: ${candidates.failure}`);

  // Phase 2: the vote.
  emit({ type: "vote", vote: clusterAnswers(answers) });

  // Phase 3: the refinement, over every candidate that wrote something.
  const texts = candidates.states
    .map((s) =>
      s.outcome?.kind === "done" && s.outcome.result.text !== "" ? s.outcome.result.text : s.text,
    )
    .filter((text) => text.trim() !== "");
  if (texts.length === 0) {
    const firstError = candidates.states.find((s) => s.outcome?.kind === "error")?.outcome;
    const detail = firstError?.kind === "error" ? ` The first error: ${firstError.message}` : "";
    throw new RunEnd(
      "failed",
      `No candidate produced any text, so there is nothing to refine.${detail}`,
    );
  }

  const reserveTokens = options.reserveTokens ?? sampling.maxTokens;
  let fitted: Awaited<ReturnType<typeof fitRefinePrompt>>;
  try {
    fitted = await fitRefinePrompt(problem, texts, port, reserveTokens);
  } catch (error) {
    stopIfAborted();
    const message =
      error instanceof ContextTooLongError
        ? error.message
        : `Could not build the refine prompt: ${messageOf(error)}`;
    emit({ type: "refine-error", message });
    throw new RunEnd("failed", message);
  }
  stopIfAborted();

  emit({ type: "refine-start", promptTokens: fitted.promptTokens, shortened: fitted.shortened });
  const refineRequest: GenerationRequest = {
    messages: fitted.messages,
    sampling: { ...sampling, seed: sampling.seed + n },
  };
  const refinement = await generate(port, [refineRequest], signal, {
    start: () => {},
    delta: (_index, delta) => emit({ type: "refine-delta", delta }),
    done: (_index, result) =>
      emit({ type: "refine-done", result, answer: extractFinalAnswer(result.text) }),
    error: (_index, message) => emit({ type: "refine-error", message }),
  });
  // `generate` gives every sequence an outcome.
  const outcome = refinement.states[0]?.outcome;
  if (outcome?.kind === "done" && outcome.result.finishReason !== "aborted") return;
  stopIfAborted();
  if (outcome?.kind === "error")
    throw new RunEnd("failed", `The refinement failed: ${outcome.message}`);
  throw new RunEnd("stopped"); // the engine stopped it without the signal
}

/** Where the per-sequence callbacks of one phase go, already de-duplicated and ordered. */
interface PhaseSink {
  start(index: number): void;
  delta(index: number, delta: string): void;
  done(index: number, result: GenerationResult): void;
  error(index: number, message: string): void;
}

interface PhaseResult {
  states: SequenceState[];
  /** Why the whole generation failed (it rejected), or null. */
  failure: string | null;
}

/**
 * Runs one `generateMany` call and turns its callbacks into a clean sequence per
 * index: a start before anything else, deltas, then exactly one done or error.
 * Late or duplicate callbacks, and callbacks for unknown indices, are dropped.
 * Sequences the engine never finished are closed here: as stopped when the run
 * was aborted, as failed otherwise.
 */
async function generate(
  port: GenerationPort,
  requests: GenerationRequest[],
  signal: AbortSignal,
  sink: PhaseSink,
): Promise<PhaseResult> {
  const states: SequenceState[] = requests.map(() => ({ started: false, text: "", outcome: null }));
  let open = true;
  const live = (index: number): SequenceState | null => {
    const state = open ? states[index] : undefined;
    if (!state || state.outcome !== null) return null;
    if (!state.started) {
      state.started = true;
      sink.start(index);
    }
    return state;
  };
  const callbacks: GenerationCallbacks = {
    onStart: (index) => {
      live(index);
    },
    onDelta: (index, delta) => {
      const state = live(index);
      if (!state || delta === "") return;
      state.text += delta;
      sink.delta(index, delta);
    },
    onDone: (index, result) => {
      const state = live(index);
      if (!state) return;
      state.outcome = { kind: "done", result };
      sink.done(index, result);
    },
    onError: (index, error) => {
      const state = live(index);
      if (!state) return;
      const message = messageOf(error);
      state.outcome = { kind: "error", message };
      sink.error(index, message);
    },
  };

  let failure: string | null = null;
  try {
    await port.generateMany(requests, callbacks, signal);
  } catch (error) {
    failure = messageOf(error);
  }

  states.forEach((state, index) => {
    if (state.outcome !== null) return;
    live(index);
    if (signal.aborted) {
      const result: GenerationResult = {
        text: state.text,
        tokens: 0,
        finishReason: "aborted",
        firstTokenMs: null,
        totalMs: 0,
      };
      state.outcome = { kind: "done", result };
      sink.done(index, result);
    } else {
      const message = failure ?? "The engine ended this sequence without a result.";
      state.outcome = { kind: "error", message };
      sink.error(index, message);
    }
  });
  open = false;
  return { states, failure };
}

async function countOrFail(
  port: GenerationPort,
  messages: Parameters<GenerationPort["countTokens"]>[0],
  what: string,
): Promise<number> {
  try {
    return await port.countTokens(messages);
  } catch (error) {
    throw new RunEnd("failed", `Could not count the tokens of ${what}: ${messageOf(error)}`);
  }
}

/** A readable message from whatever was thrown (errors from a worker may be plain objects or strings). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  if (
    typeof error === "object" &&
    error !== null &&
    "message" in error &&
    typeof error.message === "string"
  )
    return error.message;
  return String(error);
}
