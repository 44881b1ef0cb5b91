/**
 * Solutions shown step by step once their step lineage is known. The refined
 * solution's steps are focusable: hovering, focusing (Tab) or tapping one
 * highlights the candidate steps it came from; candidate steps that no refined
 * step came from are marked dropped. Before the lineage is known (and while
 * streaming) each is the ordinary one-piece rendering.
 *
 * Every step is its own renderer, which costs: nine panels of long solutions
 * are hundreds of them. So the step views mount a slice per task, in a
 * transition, hidden behind the one-piece rendering, and take its place only
 * when all are there (a store update renders synchronously; mounting them all
 * at once blocked the page for over a second). Each step is memoised, so
 * pointing at a step re-renders only the steps whose highlight changes.
 */
import { memo, startTransition, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import type { CandidateStep, RefinedStep } from "../lineage/match";
import { isReferenceDefinition, referenceDefinitions } from "../render/references";
import { useApp } from "../store/context";
import { MathMarkdown } from "./MathMarkdown";
import "./Lineage.css";

/** Step views mounted per task, per solution. */
const STEPS_PER_TASK = 16;

/** The one-piece rendering, kept as it is (not re-rendered) while the step views mount behind it. */
const WholeSolution = memo(MathMarkdown);

/**
 * How many of `steps` to mount now: a slice more after each commit, in a new
 * task and a transition, so input and painting go on in between. Starts over
 * when the steps change.
 */
function useRevealed(steps: readonly unknown[] | null): number {
  const [state, setState] = useState<{ steps: readonly unknown[] | null; count: number }>({ steps, count: 0 });
  const count = state.steps === steps ? state.count : 0;
  const total = steps?.length ?? 0;
  useEffect(() => {
    if (!steps || count >= total) return;
    const timer = setTimeout(() => startTransition(() => setState({ steps, count: Math.min(total, count + STEPS_PER_TASK) })));
    return () => clearTimeout(timer);
  }, [steps, count, total]);
  return count;
}

/**
 * Brings a highlighted step into view inside its candidate panel (which scrolls
 * on its own), without moving the page: the viewer is pointing at the refined
 * solution.
 */
function scrollIntoPanel(item: Element | undefined): void {
  const scroller = item?.closest<HTMLElement>(".solution");
  if (!item || !scroller) return;
  const box = scroller.getBoundingClientRect();
  const at = item.getBoundingClientRect();
  if (at.top >= box.top && at.bottom <= box.bottom) return;
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  scroller.scrollTo({ top: scroller.scrollTop + at.top - box.top - 8, behavior: still ? "auto" : "smooth" });
}

/**
 * What one step's renderer gets: the step, plus the solution's link reference
 * definitions (`[a]: url`), which Markdown resolves across the whole text and
 * a step alone would lose. A step that is only definitions shows nothing (as in
 * the whole text).
 */
function stepSource(text: string, step: { start: number; end: number }, definitions: string): { source: string; empty: boolean } {
  const own = text.slice(step.start, step.end);
  const empty = definitions !== "" && own.split("\n").every((line) => isReferenceDefinition(line.trim()));
  return { source: definitions ? `${own}\n\n${definitions}` : own, empty };
}

function sourcesText(sources: readonly number[]): string {
  return sources.length === 0 ? "new" : `from ${sources.map((c) => `#${c + 1}`).join(", ")}`;
}

/** The refined solution: its steps once traced, each pointing at its sources. */
export function RefinedSolution({ text, streaming }: { text: string; streaming: boolean }) {
  const steps = useApp((s) => (s.run?.refined.text === text && !streaming ? (s.run.lineage?.steps?.refined ?? null) : null));
  const focused = useApp((s) => s.focusedStep);
  const revealed = useRevealed(steps);
  const ready = steps !== null && revealed >= steps.length;
  const definitions = useMemo(() => (steps ? referenceDefinitions([text]) : ""), [steps, text]);
  return (
    <>
      {!ready && <WholeSolution text={text} streaming={streaming} />}
      {steps && (
        <ol className="lineage-steps" aria-label="Steps of the refined solution" hidden={!ready}>
          {steps.slice(0, revealed).map((step, k) => (
            <RefinedStepItem key={k} index={k} step={step} {...stepSource(text, step, definitions)} focused={focused === k} />
          ))}
        </ol>
      )}
    </>
  );
}

interface StepSource {
  source: string;
  empty: boolean;
}

const RefinedStepItem = memo(function RefinedStepItem({ index, step, source, empty, focused }: StepSource & { index: number; step: RefinedStep; focused: boolean }) {
  const setFocused = useApp((s) => s.setFocusedStep);
  const traced = !step.trivial;
  const label = traced ? sourcesText(step.sources) : "";
  const pointer = traced
    ? {
        tabIndex: 0,
        onMouseEnter: () => setFocused(index),
        onMouseLeave: () => setFocused(null),
        onFocus: () => setFocused(index),
        onBlur: () => setFocused(null),
        onClick: () => setFocused(index),
        onKeyDown: (event: KeyboardEvent) => {
          if (event.key === "Escape") setFocused(null);
        },
      }
    : {};
  return (
    <li
      className={`lineage-step ${traced ? "refined-step" : ""} ${focused ? "step-focused" : ""}`}
      data-testid={`refined.step.${index}`}
      data-sources={step.sources.join(",")}
      data-new={traced && step.sources.length === 0 ? "true" : "false"}
      hidden={empty}
      {...pointer}
    >
      <MathMarkdown text={source} eager />
      {traced && <span className="step-tag">{label}</span>}
    </li>
  );
});

/** A candidate's solution: its steps once traced, marked dropped or highlighted as a source of the focused refined step. */
export function CandidateSolution({ index, text, streaming }: { index: number; text: string; streaming: boolean }) {
  const steps = useApp((s) => (s.run?.candidates[index]?.text === text && !streaming ? (s.run.lineage?.steps?.candidates[index] ?? null) : null));
  // Which of this candidate's steps the focused refined step came from (-1: none).
  const highlighted = useApp((s) => {
    const k = s.focusedStep;
    const match = k === null ? undefined : s.run?.lineage?.steps?.refined[k]?.matches.find(([c]) => c === index);
    return match ? match[1] : -1;
  });
  const revealed = useRevealed(steps);
  const ready = steps !== null && revealed >= steps.length;
  const definitions = useMemo(() => (steps ? referenceDefinitions([text]) : ""), [steps, text]);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => scrollIntoPanel(list.current?.children[highlighted]), [highlighted]);
  return (
    <>
      {!ready && <WholeSolution text={text} streaming={streaming} />}
      {steps && (
        // Focusable, so a keyboard can scroll a long candidate's panel (it scrolls on its own).
        <ol ref={list} className="lineage-steps" aria-label={`Steps of candidate ${index + 1}`} tabIndex={0} hidden={!ready}>
          {steps.slice(0, revealed).map((step, s) => (
            <CandidateStepItem key={s} id={`candidate.${index}.step.${s}`} step={step} {...stepSource(text, step, definitions)} highlighted={highlighted === s} />
          ))}
        </ol>
      )}
    </>
  );
}

const CandidateStepItem = memo(function CandidateStepItem({ id, step, source, empty, highlighted }: StepSource & { id: string; step: CandidateStep; highlighted: boolean }) {
  const dropped = !step.used && !step.trivial;
  return (
    <li className="lineage-step candidate-step" data-testid={id} data-used={String(!dropped)} data-highlight={String(highlighted)} hidden={empty}>
      <MathMarkdown text={source} eager />
      {dropped && <span className="step-tag">dropped</span>}
      {highlighted && <span className="step-tag">used by the focused step</span>}
    </li>
  );
});
