/**
 * Comparing expressions by their values. A scalar that is not a plain number is
 * parsed once (the Compute Engine serves only as the LaTeX parser), evaluated by
 * `./numeric` at fixed sample points, and cached; two expressions are equal when
 * their samples agree to a tolerance tight enough that rounded decimals differ.
 */

import { ComputeEngine } from "@cortex-js/compute-engine";
import { evaluate, freeVariables, mentionsInfinity, type Complex, type MathJson } from "./numeric";

/** What the comparison needs from a parsed scalar; the expression itself is not kept. */
export interface Analysis {
  /** Canonical MathJSON as text, for answers that are not numbers (strings, sets…). */
  structure: string;
  /** Values at the sample points, or null when the expression cannot be evaluated. */
  samples: Complex[] | null;
}

const SAMPLE_POINTS = [
  0.5772156649015329, 1.324717957244746, 2.23606797749979, -0.6931471805599453, 3.3166247903554,
];
const MAX_PARSED_LENGTH = 400;
const CACHE_LIMIT = 2000;
const analyses = new Map<string, Analysis | null>();
let engine: ComputeEngine | null = null;

/**
 * The value variable `name` takes at sample point `k`. It depends only on the
 * name, so each side's samples can be cached on their own, and distinct names
 * get distinct values (`x + y` is not `2x`).
 */
function sampleValue(name: string, k: number): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) % 9973;
  return (SAMPLE_POINTS[k] ?? 1) * (1 + (hash % 13) * 0.0731);
}

/** Rewrites the parser reads differently from how answers mean them. */
function toParsable(s: string): string {
  return (
    s
      // Mixed numbers: 2\frac{1}{2} is 5/2, not 1.
      .replace(/(^|[^0-9.^_{}A-Za-z\\])(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}/g, "$1($2+\\frac{$3}{$4})")
      .replace(/\\binom\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "\\frac{($1)!}{($2)!(($1)-($2))!}")
      // The parser's canonical form turns \ln 3 / 2 into NaN; \log_e is read correctly.
      .replace(/\\ln(?![A-Za-z])/g, "\\log_{e}")
      // x_1 as one symbol; the parser reads it as indexing into a list x.
      .replace(
        /(^|[^\\A-Za-z])([A-Za-z])_(?:\{([A-Za-z0-9]+)\}|([A-Za-z0-9]))/g,
        "$1\\mathrm{$2_$3$4}",
      )
  );
}

/** The parsed and sampled form of a scalar, cached; null when it does not parse. */
export function analyse(scalar: string): Analysis | null {
  const text = toParsable(scalar.trim());
  const cached = analyses.get(text);
  if (cached !== undefined) return cached;
  const result =
    text.length > MAX_PARSED_LENGTH || !delimitersBalanced(text) ? null : parseAndSample(text);
  if (analyses.size >= CACHE_LIMIT) analyses.clear();
  analyses.set(text, result);
  return result;
}

const MAX_DEPTH = 24;
const OPENING_WORDS = new Set(["lfloor", "lceil", "langle"]);
const CLOSING_WORDS = new Set(["rfloor", "rceil", "rangle"]);

/**
 * Whether every bracket closes, braces apart from the rest, no deeper than
 * MAX_DEPTH, with no run of three signs. The parser backtracks exponentially
 * over unclosed delimiters and sign runs (`[[[[[[[[[[[[`, `----------------1`
 * take seconds to minutes), and nothing unbalanced is a value anyway. `[1,2)`
 * passes: any of `( [ \{ \lfloor \lceil \langle` may close with any closer.
 */
function delimitersBalanced(text: string): boolean {
  if (/[+-]\s*[+-]\s*[+-]/.test(text)) return false;
  let braces = 0;
  let brackets = 0;
  let bars = 0;
  for (let i = 0; i < text.length; i++) {
    let ch = text[i];
    if (ch === "\\") {
      const word = /^[A-Za-z]+/.exec(text.slice(i + 1, i + 12))?.[0];
      if (word) {
        i += word.length;
        if (OPENING_WORDS.has(word)) brackets++;
        else if (CLOSING_WORDS.has(word)) brackets--;
        if (brackets < 0 || brackets > MAX_DEPTH) return false;
        continue;
      }
      const next = text[++i];
      if (next !== "{" && next !== "}" && next !== "|") continue;
      ch = next === "{" ? "(" : next === "}" ? ")" : "|";
    }
    if (ch === "{") braces++;
    else if (ch === "}") braces--;
    else if (ch === "(" || ch === "[") brackets++;
    else if (ch === ")" || ch === "]") brackets--;
    else if (ch === "|") bars++;
    if (braces < 0 || brackets < 0 || braces > MAX_DEPTH || brackets > MAX_DEPTH) return false;
  }
  return braces === 0 && brackets === 0 && bars <= MAX_DEPTH;
}

function parseAndSample(latex: string): Analysis | null {
  if (!engine) {
    engine = new ComputeEngine();
    // The default arbitrary precision chops small products such as 3.2·10^{-19} to 0 while parsing.
    engine.precision = "machine";
    engine.tolerance = 0;
  }
  // Each parse gets its own scope: the engine infers types of symbols it sees
  // (after `x_1`, `x` is a list), and that must not leak into the next answer.
  engine.pushScope();
  let json: MathJson;
  try {
    const expr = engine.parse(latex);
    if (!expr.isValid) return null;
    json = expr.json as MathJson;
    // A NaN the answer did not write is the parser failing, not a value.
    if (JSON.stringify(json).includes('"NaN"') && !/NaN/.test(latex)) return null;
  } catch {
    return null;
  } finally {
    engine.popScope();
  }
  return { structure: JSON.stringify(json), samples: sample(json) };
}

function sample(json: MathJson): Complex[] | null {
  const variables = [...freeVariables(json)].sort();
  const infinite = mentionsInfinity(json);
  try {
    return SAMPLE_POINTS.map((_, k) => {
      const value = evaluate(json, new Map(variables.map((name) => [name, sampleValue(name, k)])));
      const finite = Number.isFinite(value.re) && Number.isFinite(value.im);
      // Overflow is not infinity: only an answer that names ∞ may be infinite.
      return finite || (infinite && value.im === 0 && Math.abs(value.re) === Infinity)
        ? value
        : { re: NaN, im: NaN };
    });
  } catch {
    return null;
  }
}

const RELATIVE_TOLERANCE = 1e-10;
const ABSOLUTE_TOLERANCE = 1e-12;

function isDefined(z: Complex): boolean {
  return !Number.isNaN(z.re) && !Number.isNaN(z.im);
}

/**
 * Tight enough that rounded decimals differ (0.33 vs 1/3, 1.414 vs √2), loose
 * enough for double rounding in the evaluation.
 */
function close(a: Complex, b: Complex): boolean {
  if (!Number.isFinite(a.re) || !Number.isFinite(b.re)) return a.re === b.re && a.im === b.im;
  const diff = Math.hypot(a.re - b.re, a.im - b.im);
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  // An absolute margin only against an exact zero: 1.6e-19 and 1.7e-19 differ,
  // but √8 − 2√2 evaluates to about 1e-15 and is 0.
  const exactZero = (a.re === 0 && a.im === 0) || (b.re === 0 && b.im === 0);
  return diff <= RELATIVE_TOLERANCE * scale || (exactZero && diff <= ABSOLUTE_TOLERANCE);
}

/** Equal wherever both are defined, at two points at least. */
export function samplesAgree(a: Complex[], b: Complex[]): boolean {
  let compared = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (!x || !y || !isDefined(x) || !isDefined(y)) continue;
    if (!close(x, y)) return false;
    compared++;
  }
  return compared >= 2;
}

/** a = c·b for one constant c ≠ 0 (c > 0 when `positive`, for inequalities). */
export function proportional(a: Complex[], b: Complex[], positive: boolean): boolean {
  let ratio: Complex | null = null;
  let compared = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (!x || !y || !isDefined(x) || !isDefined(y)) continue;
    if (!Number.isFinite(x.re) || !Number.isFinite(y.re)) continue;
    const xZero = Math.hypot(x.re, x.im) <= ABSOLUTE_TOLERANCE;
    const yZero = Math.hypot(y.re, y.im) <= ABSOLUTE_TOLERANCE;
    if (xZero !== yZero) return false;
    compared++;
    if (xZero) continue;
    const d = y.re * y.re + y.im * y.im;
    const r = { re: (x.re * y.re + x.im * y.im) / d, im: (x.im * y.re - x.re * y.im) / d };
    if (ratio === null) ratio = r;
    else if (!close(ratio, r)) return false;
  }
  if (compared < 2) return false;
  if (ratio === null) return true; // both sides vanish everywhere: the same identity
  return !positive || (Math.abs(ratio.im) <= ABSOLUTE_TOLERANCE && ratio.re > 0);
}
