/**
 * Replaying a saved run for a demo, without the model: the candidates stream
 * side by side again, then the vote, then the refinement, at a chosen multiple
 * of the speed they were generated at. `replayFrame` is the run as it looks at
 * a moment of the replay (pure); the lineage slice drives it with a timer.
 */
import type { CandidateView, RefinedView, RunView } from "./runSlice";

/** A phase that was generated faster than this is stretched to it (at 1×), so a replay can be followed. */
export const MIN_PHASE_MS = 1500;
/** The pause between the vote and the refinement, at 1×. */
export const VOTE_PAUSE_MS = 400;
/** Pace for text whose generation time was not recorded. */
const FALLBACK_CHARS_PER_MS = 0.15;

export const REPLAY_SPEEDS = [0.5, 1, 2, 4, 8] as const;

function recordedMs(view: { text: string; result: { totalMs: number } | null; startedAt: number | null; updatedAt: number | null }): number {
  const ms = view.result?.totalMs ?? (view.startedAt !== null && view.updatedAt !== null ? view.updatedAt - view.startedAt : view.text.length / FALLBACK_CHARS_PER_MS);
  return Math.max(ms, MIN_PHASE_MS);
}

export interface ReplayPlan {
  /** When each candidate ends, in replay milliseconds at 1×. */
  candidateEnds: number[];
  refineStart: number;
  end: number;
}

export function replayPlan(run: RunView): ReplayPlan {
  const candidateEnds = run.candidates.map(recordedMs);
  const candidatesEnd = Math.max(0, ...candidateEnds);
  const refineStart = candidatesEnd + VOTE_PAUSE_MS;
  const refined = run.refined.status === "waiting" || !run.refined.text ? 0 : recordedMs(run.refined);
  return { candidateEnds, refineStart, end: refineStart + refined };
}

/** The first `share` (0–1) of a text, never ending inside a surrogate pair. */
function partOf(text: string, share: number): string {
  let end = Math.floor(text.length * Math.min(1, Math.max(0, share)));
  if (end > 0 && end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

function streamingCandidate(c: CandidateView, share: number): CandidateView {
  const text = partOf(c.text, share);
  return { ...c, status: "streaming", text, tokens: Math.round(c.tokens * (text.length / Math.max(c.text.length, 1))), answer: null, correct: null, result: null, error: null };
}

function streamingRefined(r: RefinedView, share: number | null): RefinedView {
  if (share === null) return { ...r, status: "waiting", text: "", tokens: 0, answer: null, correct: null, agreesWithMajority: null, result: null, shortened: null, error: null };
  const text = partOf(r.text, share);
  return { ...r, status: "streaming", text, tokens: Math.round(r.tokens * (text.length / Math.max(r.text.length, 1))), answer: null, correct: null, agreesWithMajority: null, result: null, error: null };
}

/**
 * The saved run `source` as it looks `elapsed` milliseconds (at 1×) into its
 * replay. At or after the plan's end it is `source` itself.
 */
export function replayFrame(source: RunView, plan: ReplayPlan, elapsed: number): RunView {
  if (elapsed >= plan.end) return source;
  const candidatesDone = elapsed >= plan.refineStart - VOTE_PAUSE_MS;
  const candidates = source.candidates.map((c, i) => {
    const end = plan.candidateEnds[i]!;
    return elapsed >= end ? c : streamingCandidate(c, elapsed / end);
  });
  const refined =
    elapsed < plan.refineStart ? streamingRefined(source.refined, null) : streamingRefined(source.refined, (elapsed - plan.refineStart) / (plan.end - plan.refineStart));
  return {
    ...source,
    status: "running",
    reason: null,
    candidates,
    vote: candidatesDone ? source.vote : null,
    majorityCorrect: candidatesDone ? source.majorityCorrect : null,
    refined,
    lineage: null,
    stepTrace: "none",
  };
}
