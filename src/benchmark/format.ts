/** How benchmark numbers read on screen. Pure. */
import type { Interval, Proportion } from "./metrics";

/** 0.6667 → "66.7%". */
export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/** A signed difference in percentage points: 0.125 → "+12.5 pp". */
export function points(value: number, digits = 1): string {
  const rounded = (value * 100).toFixed(digits);
  const sign = value > 0 && Number(rounded) !== 0 ? "+" : value < 0 && Number(rounded) !== 0 ? "−" : "±";
  return `${sign}${rounded.replace("-", "")} pp`;
}

/** "[20.8, 93.9]" in percent, or "" without an interval. */
export function interval(ci: Interval | null, digits = 1, signed = false): string {
  if (!ci) return "";
  const f = (x: number) => (signed ? (x * 100).toFixed(digits).replace("-", "−") : (x * 100).toFixed(digits));
  return `[${f(ci.low)}, ${f(ci.high)}]`;
}

/** "2/3". */
export function fraction(p: Proportion): string {
  return `${p.count}/${p.total}`;
}

/** Milliseconds as "850 ms", "12.3 s" or "4 min 05 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}
