/**
 * Comparing two single values. Plain numbers (integers, decimals, fractions,
 * mixed numbers, repeating decimals, scientific notation) are compared exactly
 * as rationals; the conventions a grader applies to percent signs and number
 * bases are decided here; anything else is compared by `./sampling`.
 */

import { analyse, samplesAgree } from "./sampling";

/** Text key for exact comparison: no spaces; words (not single letters, x ≠ X) case-insensitive. */
export function compareKey(s: string): string {
  const key = s.replace(/\s+/g, "");
  return /^[A-Za-z]{2,}$/.test(key) ? key.toLowerCase() : key;
}

interface Rational {
  num: bigint;
  den: bigint;
}

const sign = (s: string | undefined): bigint => (s === "-" ? -1n : 1n);
const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** `12.5` as 125/10, `.5`, `-3`; null when not a decimal numeral. */
function decimal(text: string): Rational | null {
  const m = /^([+-]?)(\d*)\.?(\d*)$/.exec(text);
  if (!m || !(m[2] || m[3])) return null;
  const digits = `${m[2] ?? ""}${m[3] ?? ""}`;
  return { num: BigInt(digits || "0") * sign(m[1]), den: pow10((m[3] ?? "").length) };
}

/**
 * Integers, terminating decimals, `\frac{p}{q}`, `p/q`, mixed numbers,
 * repeating decimals (`0.1\overline{6}`) and `1.2\times10^{3}` / `1.2e3`, exactly.
 */
export function exactNumber(key: string): Rational | null {
  const plain = decimal(key);
  if (plain) return plain;
  let m =
    /^([+-]?)\\frac\{([+-]?\d+)\}\{([+-]?\d+)\}$/.exec(key) ?? /^([+-]?)(\d+)\/(\d+)$/.exec(key);
  if (m) {
    const den = BigInt(m[3] ?? "0");
    return den === 0n ? null : { num: BigInt(m[2] ?? "0") * sign(m[1]), den };
  }
  m = /^([+-]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$/.exec(key);
  if (m) {
    const den = BigInt(m[4] ?? "0");
    if (den === 0n) return null;
    return { num: (BigInt(m[2] ?? "0") * den + BigInt(m[3] ?? "0")) * sign(m[1]), den };
  }
  m = /^([+-]?)(\d*)\.(\d*)\\overline\{(\d+)\}$/.exec(key);
  if (m) {
    // x = I.N(R)(R)…: x·10^(n+r) − x·10^n = INR − IN.
    const [whole, fixed, repeat] = [m[2] ?? "", m[3] ?? "", m[4] ?? ""];
    const withRepeat = BigInt(`${whole}${fixed}${repeat}` || "0");
    const without = BigInt(`${whole}${fixed}` || "0");
    const den = pow10(fixed.length + repeat.length) - pow10(fixed.length);
    return { num: (withRepeat - without) * sign(m[1]), den };
  }
  m =
    /^([+-]?\d*\.?\d+)(?:\\times|\\cdot)10\^(?:\{([+-]?\d+)\}|(\d))$/.exec(key) ??
    /^([+-]?\d*\.?\d+)[eE]([+-]?\d+)()$/.exec(key);
  if (m) {
    const mantissa = decimal(m[1] ?? "");
    const exponent = Number(m[2] || m[3]);
    if (!mantissa || Math.abs(exponent) > 400) return null;
    return exponent >= 0
      ? { num: mantissa.num * pow10(exponent), den: mantissa.den }
      : { num: mantissa.num, den: mantissa.den * pow10(-exponent) };
  }
  return null;
}

const PERCENT = /\\%$/;
/** A numeral with its base, as normalised: `61_{7}`, `A3_{16}`. */
const BASED = /^([0-9A-Z]+)_\{(\d{1,2})\}$/;

/**
 * Whether two scalars are the same value. Percent: `45\%` equals `45` (the
 * number asked for was the percentage) and `0.45`/`\frac{9}{20}` (its value);
 * two percentages compare as written. Bases: `61_{7}` equals the bare numeral
 * `61` (the digits asked for), and another based numeral of the same value;
 * never the decimal value `43` written bare.
 */
export function scalarsEquivalent(a: string, b: string): boolean {
  const keyA = compareKey(a);
  const keyB = compareKey(b);
  if (keyA === keyB) return true;
  const percentA = PERCENT.test(keyA);
  const percentB = PERCENT.test(keyB);
  if (percentA || percentB) {
    const bareA = a.trim().replace(PERCENT, "");
    const bareB = b.trim().replace(PERCENT, "");
    if (percentA === percentB) return valuesEquivalent(bareA, bareB);
    const [percent, other] = percentA ? [bareA, bareB] : [bareB, bareA];
    return valuesEquivalent(percent, other) || valuesEquivalent(hundredth(percent), other);
  }
  const basedA = BASED.exec(keyA);
  const basedB = BASED.exec(keyB);
  if (basedA || basedB) return basesEquivalent(basedA, basedB, basedA ? keyB : keyA);
  return valuesEquivalent(a, b);
}

function hundredth(text: string): string {
  const exact = exactNumber(compareKey(text));
  return exact ? `\\frac{${exact.num}}{${exact.den * 100n}}` : `\\frac{${text}}{100}`;
}

function basesEquivalent(
  a: RegExpExecArray | null,
  b: RegExpExecArray | null,
  bareOther: string,
): boolean {
  const digits = (m: RegExpExecArray) => (m[1] ?? "").replace(/^0+(?=.)/, "");
  if (a && b)
    return numeralValue(digits(a), Number(a[2])) === numeralValue(digits(b), Number(b[2]));
  const based = (a ?? b) as RegExpExecArray;
  const bare = bareOther.toUpperCase().replace(/^0+(?=.)/, "");
  return /^[0-9A-Z]+$/.test(bare) && digits(based) === bare;
}

function numeralValue(digits: string, base: number): bigint {
  let value = 0n;
  for (const d of digits) value = value * BigInt(base) + BigInt(Number.parseInt(d, 36));
  return value;
}

/** Exact for plain numbers, otherwise by sampling (or parsed structure when not numeric). */
function valuesEquivalent(a: string, b: string): boolean {
  const keyA = compareKey(a);
  const keyB = compareKey(b);
  if (keyA === keyB) return true;
  const exactA = exactNumber(keyA);
  const exactB = exactNumber(keyB);
  if (exactA && exactB) return exactA.num * exactB.den === exactB.num * exactA.den;
  const left = analyse(a);
  const right = analyse(b);
  if (!left || !right) return false;
  if (left.samples && right.samples) return samplesAgree(left.samples, right.samples);
  return left.structure === right.structure;
}
