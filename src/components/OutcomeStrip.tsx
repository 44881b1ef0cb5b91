import { useShallow } from "zustand/react/shallow";
import type { RunOutcome } from "../gsr/outcome";
import { useApp } from "../store/context";
import type { StepTrace } from "../store/runSlice";
import { RELATION_TEXT } from "./RelationBadge";
import "./Lineage.css";

/** The outcome's short label; the sign before it keeps the states apart without colour. */
const LABEL: Record<RunOutcome, string> = {
  confirmed: "= Confirmed",
  rescued: "↑ Rescued",
  regressed: "↓ Regressed",
  changed: "⇄ Changed",
  "new-answer": "✦ New answer",
  none: "– No change",
};

const HINT: Record<StepTrace, string> = {
  none: "",
  pending: "Tracing the refined solution's steps in the candidates…",
  ready: "Point at, tap or Tab to a step of the refined solution to see the candidate steps it came from; struck-through candidate steps were dropped.",
  failed: "The refined solution's steps could not be traced in the candidates.",
};

/** Between the vote and the refined solution: what refinement did to the candidates' answers, in one line. */
export function OutcomeStrip() {
  const lineage = useApp((s) => s.run?.lineage ?? null);
  const stepTrace = useApp((s) => s.run?.stepTrace ?? "none");
  const relations = useApp(useShallow((s) => s.run?.lineage?.relations ?? []));
  if (!lineage) return null;
  return (
    <section className="panel outcome-strip" data-testid="refined.outcome" data-outcome={lineage.outcome} aria-label="What refinement did">
      <h2>What refinement did</h2>
      <span className="outcome-label">{LABEL[lineage.outcome]}</span>
      <span className="outcome-summary">{lineage.summary}</span>
      <ul className="outcome-relations" aria-label="Each candidate's answer against the refined answer">
        {relations.map((relation, i) => (
          <li key={i} className={`relation relation-${relation}`}>
            #{i + 1} {RELATION_TEXT[relation]}
          </li>
        ))}
      </ul>
      {HINT[stepTrace] && <p className="outcome-hint">{HINT[stepTrace]}</p>}
    </section>
  );
}
