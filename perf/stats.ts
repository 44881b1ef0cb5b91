/**
 * Pure helpers of the benchmark: summaries of repeated measurements, targets,
 * the one printed table and the JSON shape. No I/O here (tested in stats.test.ts).
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Best and median of repeated throughputs (higher is better). */
export interface Summary {
  best: number;
  median: number;
  samples: number[];
}

export function summarize(samples: readonly number[]): Summary {
  return { best: Math.max(...samples), median: median(samples), samples: [...samples] };
}

/**
 * Ratio of two series measured side by side, round by round: the median of the
 * per-round ratios, so drift between rounds (other load on the machine) cancels.
 */
export function pairedRatio(numerator: readonly number[], denominator: readonly number[]): number {
  const n = Math.min(numerator.length, denominator.length);
  return median(Array.from({ length: n }, (_, i) => numerator[i]! / denominator[i]!));
}

export type Comparison = ">=" | "<=" | "==";

export interface Target {
  op: Comparison;
  value: number;
}

export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  switch (target.op) {
    case ">=":
      return value >= target.value;
    case "<=":
      return value <= target.value;
    case "==":
      return value === target.value;
  }
}

export interface Row {
  /** Dotted figure name (the JSON key), or a label for info rows. */
  name: string;
  value: string;
  target?: string;
  /** PASS/FAIL for figures with a target; free text (e.g. "initial", "lazy") otherwise. */
  result?: string;
  note?: string;
}

export interface Section {
  title: string;
  rows: Row[];
}

/** One plain-text table: sections of rows under one header. */
export function formatTable(sections: readonly Section[]): string {
  const header: Row = { name: "figure", value: "value", target: "target", result: "result", note: "how / notes" };
  const all = [header, ...sections.flatMap((s) => s.rows)];
  const width = (pick: (r: Row) => string | undefined) => Math.max(...all.map((r) => (pick(r) ?? "").length));
  const w = [width((r) => r.name), width((r) => r.value), width((r) => r.target), width((r) => r.result)];
  const line = (r: Row) =>
    [r.name.padEnd(w[0]!), r.value.padStart(w[1]!), (r.target ?? "").padEnd(w[2]!), (r.result ?? "").padEnd(w[3]!), r.note ?? ""]
      .join("  ")
      .trimEnd();
  const rule = "-".repeat(Math.max(...all.map((r) => line(r).length)));
  const out = [line(header), rule];
  for (const s of sections) {
    out.push(`[${s.title}]`);
    for (const r of s.rows) out.push(line(r));
  }
  out.push(rule);
  return out.join("\n");
}

export function formatTarget(t: Target, unit = ""): string {
  return `${t.op} ${t.value}${unit}`;
}

/**
 * Figures as written to the JSON file: nested by their dotted name
 * (`json.batch.app_vs_raw_n4`) and also flat (`json["batch.app_vs_raw_n4"]`).
 */
export function figuresJson(figures: Record<string, number>): Record<string, unknown> {
  const nested: Record<string, Record<string, number>> = {};
  for (const [key, value] of Object.entries(figures)) {
    const dot = key.indexOf(".");
    const group = dot < 0 ? "misc" : key.slice(0, dot);
    (nested[group] ??= {})[dot < 0 ? key : key.slice(dot + 1)] = value;
  }
  return { ...nested, ...figures };
}

/** Rounds for display: 3 significant digits, at most 3 decimals. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.min(3, Math.max(0, digits - 1 - magnitude));
  return value.toFixed(decimals);
}
