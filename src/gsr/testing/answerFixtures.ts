/**
 * Test and benchmark fixtures for answer checking, not used by the app: the ways
 * solutions rewrite a reference answer without changing it, and near misses
 * that change it. Both are generated from real reference answers (the datasets
 * under public/datasets), so the checks cover the forms those answers take
 * rather than a hand-picked list.
 */

/** The top-level comma-separated items of an answer that is a plain list (`1, 3, 5`), else null. */
function plainList(answer: string): string[] | null {
  if (/^[([{\\]/.test(answer.trim()) || /\\begin|\\cup|\\pm/.test(answer)) return null;
  if (/^-?\d{1,3}(?:,\d{3})+$/.test(answer.trim())) return null; // 40,000 is one number
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < answer.length; i++) {
    const ch = answer[i];
    if (ch === "{" || ch === "(" || ch === "[") depth++;
    else if (ch === "}" || ch === ")" || ch === "]") depth--;
    else if (ch === "," && depth === 0 && answer[i - 1] !== "{" && answer[i + 1] !== "\\") {
      items.push(answer.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(answer.slice(start).trim());
  return items.length > 1 && items.every((item) => item !== "") ? items : null;
}

const INTEGER = /^-?\d+$/;

/** Thousands groups with a separator: `1234567` → `1,234,567`. */
function grouped(integer: string, separator: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}

/**
 * Rewrites of a reference answer that a grader accepts as the same answer:
 * boxes and math delimiters, `\dfrac`, spacing, an `x =` prefix, reordered
 * lists, thousands separators, trailing zeros, `\left`/`\right`, `p/q`.
 */
export function equivalentRewrites(answer: string): string[] {
  const a = answer.trim();
  const out = new Set<string>([`\\boxed{${a}}`, `$${a}$`, `${a}.`]);
  if (a.includes("\\frac")) out.add(a.replace(/\\frac/g, "\\dfrac"));
  if (a.includes("\\dfrac")) out.add(a.replace(/\\dfrac/g, "\\frac"));
  // Spaces go, except the one that ends a control word before a letter (`\pi r`).
  out.add(a.replace(/(?<!\\[A-Za-z]+)\s+(?![A-Za-z])/g, "").replace(/\s+/g, " "));
  const list = plainList(a);
  if (list) {
    out.add([...list].reverse().join(", "));
    out.add(`\\{${list.join(", ")}\\}`);
  } else if (!/[=<>]|\\le|\\ge|\\in|\\text|\\begin/.test(a)) {
    out.add(`x = ${a}`);
  }
  if (INTEGER.test(a)) {
    out.add(`${a}.0`);
    if (a.replace("-", "").length > 3) {
      out.add(grouped(a, ","));
      out.add(grouped(a, "{,}"));
      out.add(grouped(a, ",\\!"));
      out.add(`\\$${grouped(a, ",")}`);
    }
  }
  if (/^\(.*\)$/.test(a) && !a.includes("\\left")) out.add(`\\left${a.slice(0, -1)}\\right)`);
  const fraction = /^(-?)\\d?frac\{(\d+)\}\{(\d+)\}$/.exec(a);
  if (fraction) out.add(`${fraction[1]}${fraction[2]}/${fraction[3]}`);
  out.delete(a);
  return [...out];
}

/**
 * Near misses of a reference answer that a grader rejects: another integer, a
 * decimal point moved, a tuple's items swapped, an interval's bracket changed,
 * a list item dropped, a fraction's numerator changed.
 */
export function nearMisses(answer: string): string[] {
  const a = answer.trim();
  const out = new Set<string>();
  if (INTEGER.test(a)) {
    const n = BigInt(a);
    out.add(String(n + 1n));
    out.add(String(n * 10n));
    if (n !== 0n) out.add(String(-n));
    if (a.replace("-", "").length === 4) out.add(`${a.slice(0, -3)}.${a.slice(-3)}`);
  }
  const tuple = /^(\\left)?\(([^()]*),([^()]*)\)$/.exec(a.replace(/\\right\)$/, ")"));
  if (tuple && tuple[2]?.trim() !== tuple[3]?.trim()) out.add(`(${tuple[3]},${tuple[2]})`);
  const interval = /^(\\left)?([[(])(.*)$/.exec(a);
  if (interval && /[\])]$/.test(a) && !/\\cup/.test(a) && a.split(",").length === 2)
    out.add(`${interval[2] === "(" ? "[" : "("}${interval[3]}`);
  const list = plainList(a);
  if (list && new Set(list).size === list.length) out.add(list.slice(1).join(", "));
  const fraction = /^(-?)\\d?frac\{(\d+)\}\{(\d+)\}$/.exec(a);
  if (fraction) out.add(`${fraction[1]}\\frac{${Number(fraction[2]) + 1}}{${fraction[3]}}`);
  out.delete(a);
  return [...out];
}
