import type React from "react";
import { useShallow } from "zustand/react/shallow";
import { useApp } from "../store/context";
import type { CandidateView } from "../store/runSlice";
import { AnswerMath } from "./AnswerMath";
import { CopyButton } from "./CopyButton";
import { CandidateSolution } from "./LineageSteps";
import { RelationBadge } from "./RelationBadge";
import { Verdict } from "./Verdict";

export function CandidateGrid() {
  const count = useApp((s) => s.run?.candidates.length ?? 0);
  const indices = Array.from({ length: count }, (_, i) => i);
  return (
    <section className="candidates" aria-label="Candidate solutions">
      <h2>Candidates</h2>
      <div className="candidate-grid" data-n={count} style={{ "--n": count } as React.CSSProperties}>
        {indices.map((i) => (
          <CandidatePanel key={i} index={i} />
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

function CandidatePanel({ index }: { index: number }) {
  const c = useApp((s) => s.run?.candidates[index]);
  const majority = useApp(useShallow((s) => s.run?.vote?.majority?.members ?? []));
  if (!c) return null;
  const inMajority = majority.includes(index);
  return (
    <article
      className={`panel candidate ${inMajority ? "in-majority" : ""}`}
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
