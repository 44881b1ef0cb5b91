/**
 * Solutions shown step by step once their step lineage is known. The refined
 * solution's steps are focusable: hovering, focusing (Tab) or tapping one
 * highlights the candidate steps it came from; candidate steps that no refined
 * step came from are marked dropped. Before the lineage is known (and while
 * streaming) each is the ordinary one-piece rendering.
 */
import type { KeyboardEvent } from "react";
import { useApp } from "../store/context";
import { MathMarkdown } from "./MathMarkdown";
import "./Lineage.css";

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
  if (!steps || streaming) return <MathMarkdown text={text} streaming={streaming} />;
  return (
    <ol className="lineage-steps" aria-label={`Steps of candidate ${index + 1}`}>
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
