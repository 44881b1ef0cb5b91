import { useState, type CSSProperties } from "react";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "../store/context";
import type { CandidateView } from "../store/runSlice";
import { AnswerMath } from "./AnswerMath";
import { CopyButton } from "./CopyButton";
import { CandidateStrip } from "./narrow/CandidateStrip";
import { clampStep, NARROW_QUERY } from "./narrow/layout";
import { useMediaQuery } from "./narrow/useMediaQuery";
import { useSwipe } from "./narrow/useSwipe";
import { CandidateSolution } from "./LineageSteps";
import { RelationBadge } from "./RelationBadge";
import { Verdict } from "./Verdict";

const panelId = (i: number) => `candidate-panel-${i}`;

/**
 * The N candidates side by side. On a narrow screen (phones, tablets in
 * portrait) side by side cannot fit, so they become a compact comparison: the
 * strip of mini-panels stays in view and one candidate is shown in full below,
 * switched by a tap on the strip or a swipe on the panel. Every panel stays
 * mounted (the others hidden), so switching is instant and test ids stay put.
 */
export function CandidateGrid() {
  const count = useApp((s) => s.run?.candidates.length ?? 0);
  const compact = useMediaQuery(NARROW_QUERY);
  const [chosen, setChosen] = useState(0);
  const selected = Math.min(chosen, Math.max(count - 1, 0));
  const swipe = useSwipe((step) => setChosen(clampStep(selected, step, count)));
  const indices = Array.from({ length: count }, (_, i) => i);
  return (
    <section className="candidates" aria-label="Candidate solutions" data-layout={compact ? "compact" : "grid"}>
      <h2>Candidates</h2>
      {compact && <CandidateStrip count={count} selected={selected} onSelect={setChosen} panelId={panelId} />}
      <div className="candidate-grid" data-n={count} style={{ "--n": count } as CSSProperties} {...(compact ? swipe : {})}>
        {indices.map((i) => (
          <CandidatePanel key={i} index={i} hidden={compact && i !== selected} />
        ))}
      </div>
    </section>
  );
}

const STATUS_LABEL: Record<CandidateView["status"], string> = {
  queued: "queued",
  streaming: "writing…",
  done: "done",
  error: "failed",
  stopped: "stopped",
};

function CandidatePanel({ index, hidden }: { index: number; hidden: boolean }) {
  const c = useApp((s) => s.run?.candidates[index]);
  const majority = useApp(useShallow((s) => s.run?.vote?.majority?.members ?? []));
  if (!c) return null;
  const inMajority = majority.includes(index);
  return (
    <article
      className={`panel candidate ${inMajority ? "in-majority" : ""}`}
      id={panelId(index)}
      hidden={hidden}
      data-testid={`candidate.${index}`}
      data-status={c.status}
      aria-busy={c.status === "streaming"}
    >
      <header className="panel-header">
        <h3>#{index + 1}</h3>
        <span className={`status status-${c.status}`}>{STATUS_LABEL[c.status]}</span>
        <RelationBadge index={index} />
        <Stats c={c} />
        <CopyButton text={c.text} testId={`candidate.${index}.copy`} />
      </header>
      <div className="solution">
        {c.text ? <CandidateSolution index={index} text={c.text} streaming={c.status === "streaming"} /> : <p className="muted">{c.status === "queued" ? "Waiting for a slot…" : ""}</p>}
        {c.error && <p className="inline-error">{c.error}</p>}
      </div>
      {(c.status === "done" || c.status === "stopped") && (
        <footer className="answer-row" data-testid={`candidate.${index}.answer`} data-answer={c.answer ?? ""}>
          <span className="label">Answer</span>
          {c.answer !== null ? <AnswerMath answer={c.answer} /> : <span className="muted">no final answer</span>}
          <Verdict correct={c.correct} testId={`candidate.${index}.verdict`} />
        </footer>
      )}
    </article>
  );
}

function Stats({ c }: { c: CandidateView }) {
  const r = c.result;
  const seconds = r ? r.totalMs / 1000 : c.startedAt !== null && c.updatedAt !== null ? (c.updatedAt - c.startedAt) / 1000 : 0;
  const tokens = r?.tokens ?? c.tokens;
  const rate = seconds > 0 ? tokens / seconds : 0;
  return (
    <span className="stats" data-testid="candidate.stats">
      {tokens} tok · {rate.toFixed(1)} tok/s
      {r?.firstTokenMs != null && <> · first token {(r.firstTokenMs / 1000).toFixed(2)} s</>}
    </span>
  );
}
