import { lazy, Suspense, useState, type ReactNode } from "react";
import { useShallow } from "zustand/react/shallow";
import { duration, fraction, interval, percent, points } from "../benchmark/format";
import { drilldown, type MetricName, type Proportion } from "../benchmark/metrics";
import type { BenchmarkProblem, GenerationRecord, ProblemResult } from "../benchmark/types";
import { useApp } from "../store/context";

// KaTeX and Markdown load only when someone opens a problem's solutions.
const MathMarkdown = lazy(() => import("./MathMarkdown").then((m) => ({ default: m.MathMarkdown })));

const LABELS: Record<MetricName, string> = {
  pass1: "pass@1",
  majN: "maj@N",
  majN1: "maj@(N+1)",
  gsr: "GSR",
  gap: "Refinement gap",
  rescue: "Rescue rate",
  regression: "Regression rate",
  tokens: "Tokens per problem",
  time: "Time per problem",
};

/** Aggregate metrics with 95% intervals; each value opens the problems behind it. */
export function BenchmarkSummaryTable({ selected, onSelect }: { selected: MetricName | null; onSelect: (m: MetricName | null) => void }) {
  const summary = useApp((s) => s.benchmarkSummary);
  const n = useApp((s) => s.benchmark?.meta.settings.n ?? 0);
  if (!summary) return null;
  const s = summary;

  const cell = (name: MetricName, value: number, text: string) => (
    <button
      type="button"
      className="metric-value"
      data-testid={`bench.metric.${name}`}
      data-value={value}
      aria-pressed={selected === name}
      onClick={() => onSelect(selected === name ? null : name)}
      title="Show the problems behind this number"
    >
      {text}
    </button>
  );
  const rate = (name: MetricName, label: ReactNode, p: Proportion, detail: ReactNode) => (
    <tr key={name}>
      <th scope="row">{label}</th>
      <td>{cell(name, p.value, percent(p.value))}</td>
      <td className="ci">{interval(p.ci)}</td>
      <td className="muted">{detail}</td>
    </tr>
  );

  return (
    <table className="bench-summary" data-testid="bench.summary">
      <caption>
        {s.problems} problem{s.problems === 1 ? "" : "s"} scored, N = {n}. Intervals: 95%, Wilson; the gap: Newcombe's paired interval.
      </caption>
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Value</th>
          <th scope="col">95% CI</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {rate("pass1", <>pass@1 <span className="muted">(mean candidate)</span></>, s.pass1, `${fraction(s.pass1)} candidates`)}
        {rate("majN", <>maj@{n} <span className="muted">(majority vote)</span></>, s.majN, fraction(s.majN))}
        {s.majN1 && rate("majN1", <>maj@{n + 1} <span className="muted">(equal compute)</span></>, s.majN1, fraction(s.majN1))}
        {rate("gsr", <>GSR <span className="muted">(refined)</span></>, s.gsr, fraction(s.gsr))}
        <tr>
          <th scope="row">
            Refinement gap <span className="muted">(GSR − maj@{n})</span>
          </th>
          <td>{cell("gap", s.gap.value, points(s.gap.value))}</td>
          <td className="ci">{interval(s.gap.ci, 1, true)}</td>
          <td className="muted">
            +{s.gap.table.firstOnly} / −{s.gap.table.secondOnly} problems
          </td>
        </tr>
        {rate("rescue", "Rescue rate", s.rescue, `${s.rescue.count} of ${s.problems} (${s.rescue.count} of ${s.allWrong} all-wrong)`)}
        {rate("regression", "Regression rate", s.regression, `${s.regression.count} of ${s.problems} (${s.regression.count} of ${s.majRight} majority-right)`)}
        <tr>
          <th scope="row">Tokens per problem</th>
          <td>{cell("tokens", s.avgTokens, Math.round(s.avgTokens).toLocaleString("en"))}</td>
          <td />
          <td className="muted">{s.totalTokens.toLocaleString("en")} in all (candidates, extra, refinement)</td>
        </tr>
        <tr>
          <th scope="row">Time per problem</th>
          <td>{cell("time", s.avgTimeMs, duration(s.avgTimeMs))}</td>
          <td />
          <td className="muted">{duration(s.totalTimeMs)} in all</td>
        </tr>
      </tbody>
    </table>
  );
}

/** The problems behind the selected metric, each opening to its solutions. */
export function BenchmarkDrilldown({ metric, onClose }: { metric: MetricName; onClose: () => void }) {
  const bench = useApp((s) => s.benchmark);
  if (!bench) return null;
  const scored = bench.results.flatMap((r) => (r.score ? [{ index: r.index, score: r.score }] : []));
  const items = drilldown(metric, scored);
  return (
    <section className="bench-drilldown panel" data-testid="bench.drilldown" data-metric={metric} aria-label={`Problems behind ${LABELS[metric]}`}>
      <div className="panel-header">
        <h3>
          {LABELS[metric]}: {items.length} problem{items.length === 1 ? "" : "s"}
        </h3>
        <button type="button" className="small" onClick={onClose} data-testid="bench.drilldown.close">
          Close
        </button>
      </div>
      {items.length === 0 ? (
        <p className="hint">No problems.</p>
      ) : (
        <ul>
          {items.map((item) => (
            <li key={item.index} data-testid="bench.drilldown.item" data-index={item.index}>
              <ProblemDetails problem={bench.meta.problems[item.index]!} result={bench.results[item.index]!} note={item.note} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ProblemDetails({ problem, result, note }: { problem: BenchmarkProblem; result: ProblemResult; note: string }) {
  const [open, setOpen] = useState(false);
  const o = result.outcome;
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        <span className="bank-id">{problem.id}</span> {note}
      </summary>
      {open && (
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <div className="bench-problem">
            <MathMarkdown text={problem.problem} />
            <p>
              Reference answer: <code>{problem.answer}</code>
            </p>
            {o?.failure && <p className="inline-error">{o.failure}</p>}
            {o?.candidates.map((c, i) => <Solution key={i} title={`Candidate ${i + 1}`} record={c} />)}
            {o?.extra && <Solution title="Extra candidate (maj@(N+1) only)" record={o.extra} />}
            {o?.refined && <Solution title={`Refined solution${o.refineShortened ? " (candidates shortened to fit)" : ""}`} record={o.refined} />}
          </div>
        </Suspense>
      )}
    </details>
  );
}

function Solution({ title, record }: { title: string; record: GenerationRecord }) {
  return (
    <details className="bench-solution">
      <summary>
        {title}: <Answer answer={record.answer} correct={record.correct} /> · {record.tokens} tokens
        {record.error ? ` · ${record.error}` : ""}
      </summary>
      <div className="solution">
        <MathMarkdown text={record.text || "_(no text)_"} />
      </div>
    </details>
  );
}

function Answer({ answer, correct }: { answer: string | null; correct: boolean | null }) {
  if (answer === null) return <span className="muted">no answer</span>;
  return (
    <span className={correct === null ? "" : correct ? "verdict correct" : "verdict incorrect"}>
      <code>{answer}</code>
      {correct === null ? "" : correct ? " ✓" : " ✗"}
    </span>
  );
}

const STATUS_TEXT: Record<ProblemResult["status"], string> = {
  pending: "waiting",
  running: "running",
  done: "done",
  failed: "failed",
  interrupted: "interrupted",
};

/** One row per problem of the subset, filled in as problems finish. */
export function BenchmarkTable() {
  const { problems, results, n, extra } = useApp(
    useShallow((s) => ({
      problems: s.benchmark?.meta.problems ?? [],
      results: s.benchmark?.results ?? [],
      n: s.benchmark?.meta.settings.n ?? 0,
      extra: s.benchmark?.meta.settings.extraCandidate ?? false,
    })),
  );
  const live = useApp((s) => s.benchmarkLive);
  return (
    <div className="bench-table-wrap">
      <table className="bench-table" data-testid="bench.table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Problem</th>
            <th scope="col">Reference</th>
            <th scope="col">Candidates</th>
            <th scope="col">maj@{n}</th>
            {extra && <th scope="col">maj@{n + 1}</th>}
            <th scope="col">GSR</th>
            <th scope="col">Tokens</th>
            <th scope="col">Time</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => {
            const p = problems[r.index]!;
            const s = r.score;
            const o = r.outcome;
            const running = r.status === "running" && live?.index === r.index;
            return (
              <tr key={r.index} data-testid="bench.row" data-index={r.index} data-status={r.status} data-problem={p.id}>
                <td>{r.index + 1}</td>
                <td className="bench-problem-cell" title={p.problem}>
                  <span className="bank-id">{p.id}</span> {p.problem.length > 80 ? `${p.problem.slice(0, 80)}…` : p.problem}
                </td>
                <td>
                  <code>{p.answer}</code>
                </td>
                <td>
                  <span className="bench-answers">
                    {o?.candidates.map((c, i) => (
                      <Answer key={i} answer={c.answer} correct={c.correct} />
                    ))}
                    {s && <span className="muted">({s.correctCandidates}/{s.n})</span>}
                  </span>
                </td>
                <td>{s && <Answer answer={s.majNAnswer} correct={s.majN} />}</td>
                {extra && <td>{s && <Answer answer={s.majN1Answer} correct={s.majN1} />}</td>}
                <td>{s && <Answer answer={s.refinedAnswer} correct={s.gsr} />}</td>
                <td className="num">{s ? s.tokens : running ? `~${live.tokens}` : ""}</td>
                <td className="num">{s ? duration(s.timeMs) : ""}</td>
                <td>
                  <span className={`status status-${r.status}`} title={o?.failure ?? undefined}>
                    {running ? (live.phase === "refine" ? "refining" : `candidates ${live.candidatesDone}/${n}`) : STATUS_TEXT[r.status]}
                  </span>
                  {s?.rescue && <span className="badge">rescue</span>}
                  {s?.regression && <span className="badge bad">regression</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
