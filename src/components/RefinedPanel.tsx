import { useApp } from "../store/context";
import { AnswerMath } from "./AnswerMath";
import { CopyButton } from "./CopyButton";
import { RefinedSolution } from "./LineageSteps";
import { Verdict } from "./Verdict";

export function RefinedPanel() {
  const r = useApp((s) => s.run?.refined);
  const reason = useApp((s) => (s.run?.status === "failed" ? s.run.reason : null));
  if (!r) return null;
  const label =
    r.status === "waiting" ? "waits for the candidates" : r.status === "streaming" ? "writing…" : r.status === "error" ? "failed" : r.status;
  return (
    <section className="panel refined" data-testid="refined.solution" data-status={r.status} aria-label="Refined solution" aria-busy={r.status === "streaming"}>
      <header className="panel-header">
        <h2>Refined solution</h2>
        <span className={`status status-${r.status}`}>{label}</span>
        {r.result && (
          <span className="stats">
            {r.result.tokens} tok · {(r.result.tokens / Math.max(r.result.totalMs / 1000, 1e-3)).toFixed(1)} tok/s
          </span>
        )}
        <CopyButton text={r.text} testId="refined.copy" />
      </header>
      {r.shortened && (
        <p className="notice" data-testid="refined.shortened">
          The candidates were shortened to fit the model's context window ({r.shortened.originalTokens} → {r.shortened.finalTokens} tokens
          {r.shortened.thinkBlocksDropped ? "; reasoning blocks dropped" : ""}). Final answers were kept.
        </p>
      )}
      <div className="solution">
        {r.text ? <RefinedSolution text={r.text} streaming={r.status === "streaming"} /> : null}
        {r.error && <p className="inline-error">{r.error}</p>}
        {r.status === "stopped" && !r.text && reason === null && <p className="muted">Stopped before the refinement began.</p>}
      </div>
      {(r.status === "done" || r.status === "stopped") && r.text && (
        <footer className="answer-row" data-testid="refined.answer" data-answer={r.answer ?? ""}>
          <span className="label">Answer</span>
          {r.answer !== null ? <AnswerMath answer={r.answer} /> : <span className="muted">no final answer</span>}
          {r.agreesWithMajority !== null && (
            <span className="badge" data-testid="refined.agreement">
              {r.agreesWithMajority ? "agrees with the majority" : "differs from the majority"}
            </span>
          )}
          <Verdict correct={r.correct} testId="refined.verdict" />
        </footer>
      )}
    </section>
  );
}
