import { useApp } from "../store/context";
import { AnswerMath } from "./AnswerMath";
import { Verdict } from "./Verdict";

export function VoteSummary() {
  const vote = useApp((s) => s.run?.vote ?? null);
  const n = useApp((s) => s.run?.candidates.length ?? 0);
  const majorityCorrect = useApp((s) => s.run?.majorityCorrect ?? null);
  if (!vote) return null;
  return (
    <section className="panel vote" data-testid="vote.summary" aria-label="Majority vote">
      <h2>Majority vote</h2>
      {vote.clusters.length === 0 ? (
        <p className="muted">No candidate gave a final answer.</p>
      ) : (
        <ol className="clusters">
          {vote.clusters.map((cluster, i) => (
            <li key={i} className={i === 0 ? "majority" : ""} data-testid={`vote.cluster.${i}`} data-count={cluster.members.length}>
              <AnswerMath answer={cluster.representative} />
              <span className="count">
                {cluster.members.length} of {n} (#{cluster.members.map((m) => m + 1).join(", #")})
              </span>
              {i === 0 && (
                <>
                  <span className="badge">majority</span>
                  <Verdict correct={majorityCorrect} testId="vote.verdict" />
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {vote.unanswered.length > 0 && (
        <p className="muted">
          No answer from #{vote.unanswered.map((m) => m + 1).join(", #")}.
        </p>
      )}
    </section>
  );
}
