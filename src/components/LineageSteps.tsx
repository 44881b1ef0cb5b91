/**
 * Solutions shown step by step once their step lineage is known. The refined
 * solution's steps are focusable: hovering, focusing (Tab) or tapping one
 * highlights the candidate steps it came from; candidate steps that no refined
 * step came from are marked dropped. Before the lineage is known (and while
 * streaming) each is the ordinary one-piece rendering.
 */
import { useEffect, useRef, type KeyboardEvent } from "react";
import { useApp } from "../store/context";
import { MathMarkdown } from "./MathMarkdown";
import "./Lineage.css";

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

function sourcesText(sources: readonly number[]): string {
  return sources.length === 0 ? "new" : `from ${sources.map((c) => `#${c + 1}`).join(", ")}`;
}

/** The refined solution: its steps once traced, each pointing at its sources. */
export function RefinedSolution({ text, streaming }: { text: string; streaming: boolean }) {
  const steps = useApp((s) => (s.run?.refined.text === text ? (s.run.lineage?.steps?.refined ?? null) : null));
  const focused = useApp((s) => s.focusedStep);
  const setFocused = useApp((s) => s.setFocusedStep);
  if (!steps || streaming) return <MathMarkdown text={text} streaming={streaming} />;
  const onKey = (k: number) => (event: KeyboardEvent) => {
    if (event.key === "Escape" && focused === k) setFocused(null);
  };
  return (
    <ol className="lineage-steps" aria-label="Steps of the refined solution">
      {steps.map((step, k) => {
        const traced = !step.trivial;
        const label = traced ? sourcesText(step.sources) : "";
        return (
          <li
            key={k}
            className={`lineage-step ${traced ? "refined-step" : ""} ${focused === k ? "step-focused" : ""}`}
            data-testid={`refined.step.${k}`}
            data-sources={step.sources.join(",")}
            data-new={traced && step.sources.length === 0 ? "true" : "false"}
            {...(traced
              ? {
                  tabIndex: 0,
                  onMouseEnter: () => setFocused(k),
                  onMouseLeave: () => setFocused(null),
                  onFocus: () => setFocused(k),
                  onBlur: () => setFocused(null),
                  onClick: () => setFocused(k),
                  onKeyDown: onKey(k),
                }
              : {})}
          >
            <MathMarkdown text={text.slice(step.start, step.end)} />
            {traced && <span className="step-tag">{label}</span>}
          </li>
        );
      })}
    </ol>
  );
}

/** A candidate's solution: its steps once traced, marked dropped or highlighted as a source of the focused refined step. */
export function CandidateSolution({ index, text, streaming }: { index: number; text: string; streaming: boolean }) {
  const steps = useApp((s) => (s.run?.candidates[index]?.text === text ? (s.run.lineage?.steps?.candidates[index] ?? null) : null));
  // Which of this candidate's steps the focused refined step came from (-1: none).
  const highlighted = useApp((s) => {
    const k = s.focusedStep;
    const match = k === null ? undefined : s.run?.lineage?.steps?.refined[k]?.matches.find(([c]) => c === index);
    return match ? match[1] : -1;
  });
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => scrollIntoPanel(list.current?.children[highlighted]), [highlighted]);
  if (!steps || streaming) return <MathMarkdown text={text} streaming={streaming} />;
  return (
    // Focusable, so a keyboard can scroll a long candidate's panel (it scrolls on its own).
    <ol ref={list} className="lineage-steps" aria-label={`Steps of candidate ${index + 1}`} tabIndex={0}>
      {steps.map((step, s) => {
        const dropped = !step.used && !step.trivial;
        return (
          <li
            key={s}
            className="lineage-step candidate-step"
            data-testid={`candidate.${index}.step.${s}`}
            data-used={String(!dropped)}
            data-highlight={String(highlighted === s)}
          >
            <MathMarkdown text={text.slice(step.start, step.end)} />
            {dropped && <span className="step-tag">dropped</span>}
            {highlighted === s && <span className="step-tag">used by the focused step</span>}
          </li>
        );
      })}
    </ol>
  );
}
