/**
 * Step lineage: which candidate steps each step of the refined solution came
 * from, and which candidate steps refinement left out. Each refined step is
 * compared with every candidate step (order does not matter, so reordered
 * steps still match); per candidate, the best match above the threshold is its
 * source. A refined step with no source is new; a candidate step that is no
 * refined step's source was dropped. Pure: runs in the lineage worker.
 */
import { fingerprint, isTrivial, similarity, type Fingerprint } from "./fingerprint";
import { splitSteps, type StepRange } from "./steps";

/** A step of the refined solution and where it came from. */
export interface RefinedStep extends StepRange {
  /** Candidate indices it matches, ascending; empty for a new step. */
  sources: number[];
  /** Per source, the candidate step it matches: [candidate, step index]. */
  matches: [number, number][];
  /** Too small to trace ("So:"); shown, never marked new. */
  trivial: boolean;
}

/** A candidate's step; `used` is false when refinement dropped it. */
export interface CandidateStep extends StepRange {
  used: boolean;
  trivial: boolean;
}

export interface StepLineage {
  refined: RefinedStep[];
  candidates: CandidateStep[][];
}

interface Prepared {
  range: StepRange;
  print: Fingerprint;
}

/**
 * Steps traced per solution. Beyond it the rest of the text is one untraced
 * step, which bounds both the matching (steps × steps) and the number of step
 * views a hostile or runaway output can make the page render.
 */
export const MAX_TRACED_STEPS = 400;

function prepare(text: string): Prepared[] {
  const ranges = splitSteps(text);
  const traced = ranges.slice(0, MAX_TRACED_STEPS - 1).map((range) => ({ range, print: fingerprint(text.slice(range.start, range.end), range.kind) }));
  if (ranges.length < MAX_TRACED_STEPS) return traced;
  const rest: StepRange = { start: ranges[MAX_TRACED_STEPS - 1]!.start, end: ranges.at(-1)!.end, kind: "text" };
  return [...traced, { range: rest, print: fingerprint("", "reasoning") }];
}

/** The lineage of a refined solution's steps in the candidates' steps. */
export function matchSteps(refinedText: string, candidateTexts: readonly string[]): StepLineage {
  const refined = prepare(refinedText);
  const candidates = candidateTexts.map(prepare);
  const used = candidates.map((steps) => steps.map(() => false));
  const refinedSteps = refined.map(({ range, print }): RefinedStep => {
    const trivial = isTrivial(print);
    const matches: [number, number][] = [];
    if (!trivial)
      candidates.forEach((steps, c) => {
        let best = 0;
        let bestStep = -1;
        steps.forEach((step, s) => {
          const score = similarity(print, step.print);
          if (score > best) {
            best = score;
            bestStep = s;
          }
        });
        if (bestStep >= 0) {
          matches.push([c, bestStep]);
          used[c]![bestStep] = true;
        }
      });
    return { ...range, sources: matches.map(([c]) => c), matches, trivial };
  });
  // A candidate step also counts as kept when it matches a refined step that chose another as its best.
  candidates.forEach((steps, c) =>
    steps.forEach((step, s) => {
      if (used[c]![s] || isTrivial(step.print)) return;
      used[c]![s] = refined.some((r) => similarity(r.print, step.print) > 0);
    }),
  );
  return {
    refined: refinedSteps,
    candidates: candidates.map((steps, c) =>
      steps.map(({ range, print }, s) => ({ ...range, used: used[c]![s]!, trivial: isTrivial(print) })),
    ),
  };
}
