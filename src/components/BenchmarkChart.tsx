import type { BenchmarkSummary, Interval } from "../benchmark/metrics";
import { interval, percent } from "../benchmark/format";

/**
 * Two small SVG charts: accuracy by method with 95% intervals, and rescued vs
 * regressed problems. Hand-drawn: a handful of bars does not need a charting
 * library's weight in the bundle.
 */
export function BenchmarkChart({ summary, n }: { summary: BenchmarkSummary; n: number }) {
  const bars: { key: string; label: string; value: number; ci: Interval | null; tone: string }[] = [
    { key: "pass1", label: "pass@1", value: summary.pass1.value, ci: summary.pass1.ci, tone: "muted" },
    { key: "majN", label: `maj@${n}`, value: summary.majN.value, ci: summary.majN.ci, tone: "base" },
    ...(summary.majN1 ? [{ key: "majN1", label: `maj@${n + 1}`, value: summary.majN1.value, ci: summary.majN1.ci, tone: "base" }] : []),
    { key: "gsr", label: "GSR", value: summary.gsr.value, ci: summary.gsr.ci, tone: "accent" },
  ];
  const rowH = 28;
  const labelW = 72;
  const plotW = 320;
  const x = (v: number) => labelW + v * plotW;
  const height = bars.length * rowH + 24;
  const description = bars.map((b) => `${b.label} ${percent(b.value)} ${interval(b.ci)}`).join("; ");

  const maxCount = Math.max(1, summary.rescue.count, summary.regression.count);
  const counts = [
    { key: "rescue", label: "rescued", value: summary.rescue.count, of: `of ${summary.allWrong} all-wrong`, tone: "good" },
    { key: "regression", label: "regressed", value: summary.regression.count, of: `of ${summary.majRight} majority-right`, tone: "bad" },
  ];
  const countW = 200;

  return (
    <div className="bench-charts" data-testid="bench.chart">
      <figure>
        <svg viewBox={`0 0 ${labelW + plotW + 90} ${height}`} role="img" aria-label={`Accuracy by method: ${description}`}>
          {[0, 0.25, 0.5, 0.75, 1].map((t) => (
            <g key={t} className="grid">
              <line x1={x(t)} x2={x(t)} y1={0} y2={bars.length * rowH} />
              <text x={x(t)} y={bars.length * rowH + 16} textAnchor="middle">
                {t * 100}%
              </text>
            </g>
          ))}
          {bars.map((b, i) => {
            const y = i * rowH + 6;
            return (
              <g key={b.key} className={`bar ${b.tone}`} data-testid={`bench.chart.${b.key}`} data-value={b.value}>
                <title>{`${b.label}: ${percent(b.value)} ${interval(b.ci)}`}</title>
                <text x={labelW - 8} y={y + 12} textAnchor="end">
                  {b.label}
                </text>
                <rect x={labelW} y={y} width={Math.max(0, b.value * plotW)} height={rowH - 12} />
                {b.ci && (
                  <g className="whisker">
                    <line x1={x(b.ci.low)} x2={x(b.ci.high)} y1={y + 8} y2={y + 8} />
                    <line x1={x(b.ci.low)} x2={x(b.ci.low)} y1={y + 3} y2={y + 13} />
                    <line x1={x(b.ci.high)} x2={x(b.ci.high)} y1={y + 3} y2={y + 13} />
                  </g>
                )}
                <text x={labelW + plotW + 8} y={y + 12}>
                  {percent(b.value)}
                </text>
              </g>
            );
          })}
        </svg>
        <figcaption>Accuracy by method, with 95% intervals.</figcaption>
      </figure>
      <figure>
        <svg
          viewBox={`0 0 ${labelW + countW + 150} ${counts.length * rowH + 8}`}
          role="img"
          aria-label={counts.map((c) => `${c.value} ${c.label} ${c.of}`).join("; ")}
        >
          {counts.map((c, i) => {
            const y = i * rowH + 6;
            return (
              <g key={c.key} className={`bar ${c.tone}`} data-testid={`bench.chart.${c.key}`} data-value={c.value}>
                <text x={labelW - 8} y={y + 12} textAnchor="end">
                  {c.label}
                </text>
                <rect x={labelW} y={y} width={(c.value / maxCount) * countW} height={rowH - 12} />
                <text x={labelW + (c.value / maxCount) * countW + 8} y={y + 12}>
                  {c.value} {c.of}
                </text>
              </g>
            );
          })}
        </svg>
        <figcaption>What refinement changed: problems rescued (all candidates wrong, refined right) and regressed (majority right, refined wrong).</figcaption>
      </figure>
    </div>
  );
}
