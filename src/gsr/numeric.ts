/**
 * A small complex-valued evaluator for canonical MathJSON (what the Compute
 * Engine's parser produces). Equivalence checks evaluate answers at fixed sample
 * points; doing it here in doubles keeps every check bounded in time (no
 * arbitrary-precision `1000000!`) and keeps tiny values such as `10^{-19}`,
 * which the engine's own `N()` rounds to 0.
 */

export interface Complex {
  re: number;
  im: number;
}

/** MathJSON as the parser hands it out: numbers, symbols, `{num}` literals, function lists. */
export type MathJson =
  number | string | { num: string } | { sym: string } | { str: string } | MathJson[];

/** Thrown for anything the evaluator does not know (sets, strings, sums, errors…). */
export class NotNumericError extends Error {
  override readonly name = "NotNumericError";
}

const CONSTANTS: Record<string, Complex> = {
  Pi: { re: Math.PI, im: 0 },
  ExponentialE: { re: Math.E, im: 0 },
  ImaginaryUnit: { re: 0, im: 1 },
  Half: { re: 0.5, im: 0 },
  GoldenRatio: { re: (1 + Math.sqrt(5)) / 2, im: 0 },
  EulerGamma: { re: 0.5772156649015329, im: 0 },
  PositiveInfinity: { re: Infinity, im: 0 },
  NegativeInfinity: { re: -Infinity, im: 0 },
  ComplexInfinity: { re: NaN, im: NaN },
  NaN: { re: NaN, im: NaN },
};

const INFINITY_SYMBOLS = new Set(["PositiveInfinity", "NegativeInfinity"]);

/** Heads that are structure, not numbers; variables never have these names. */
const NON_VARIABLE_SYMBOLS = new Set([
  ...Object.keys(CONSTANTS),
  "Nothing",
  "True",
  "False",
  "EmptySet",
]);

const real = (re: number): Complex => ({ re, im: 0 });

function add(a: Complex, b: Complex): Complex {
  return { re: a.re + b.re, im: a.im + b.im };
}

function mul(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) return real(a.re * b.re);
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}

function div(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) return real(b.re === 0 ? NaN : a.re / b.re);
  const d = b.re * b.re + b.im * b.im;
  if (d === 0) return { re: NaN, im: NaN };
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
}

function abs(a: Complex): number {
  return a.im === 0 ? Math.abs(a.re) : Math.hypot(a.re, a.im);
}

function ln(a: Complex): Complex {
  if (a.im === 0 && a.re > 0) return real(Math.log(a.re));
  if (a.im === 0 && a.re === 0) return real(NaN);
  return { re: Math.log(abs(a)), im: Math.atan2(a.im, a.re) };
}

function exp(a: Complex): Complex {
  if (a.im === 0) return real(Math.exp(a.re));
  const m = Math.exp(a.re);
  return { re: m * Math.cos(a.im), im: m * Math.sin(a.im) };
}

function sqrt(a: Complex): Complex {
  if (a.im === 0) return a.re >= 0 ? real(Math.sqrt(a.re)) : { re: 0, im: Math.sqrt(-a.re) };
  const m = abs(a);
  const re = Math.sqrt((m + a.re) / 2);
  const im = Math.sign(a.im) * Math.sqrt((m - a.re) / 2);
  return { re, im };
}

function pow(base: Complex, exponent: Complex): Complex {
  if (base.im === 0 && exponent.im === 0) {
    const r = Math.pow(base.re, exponent.re);
    if (!Number.isNaN(r)) return real(base.re === 0 && exponent.re === 0 ? NaN : r);
  }
  if (base.re === 0 && base.im === 0) return real(exponent.re > 0 ? 0 : NaN);
  if (exponent.im === 0 && Number.isInteger(exponent.re) && Math.abs(exponent.re) <= 64) {
    let result = real(1);
    for (let i = 0; i < Math.abs(exponent.re); i++) result = mul(result, base);
    return exponent.re < 0 ? div(real(1), result) : result;
  }
  return exp(mul(exponent, ln(base)));
}

/** The n-th root; odd roots of negative reals are real (`\sqrt[3]{-8} = -2`). */
function root(a: Complex, n: Complex): Complex {
  if (a.im === 0 && n.im === 0 && a.re < 0 && Number.isInteger(n.re) && Math.abs(n.re) % 2 === 1) {
    return real(-Math.pow(-a.re, 1 / n.re));
  }
  return pow(a, div(real(1), n));
}

function sin(a: Complex): Complex {
  if (a.im === 0) return real(Math.sin(a.re));
  return { re: Math.sin(a.re) * Math.cosh(a.im), im: Math.cos(a.re) * Math.sinh(a.im) };
}

function cos(a: Complex): Complex {
  if (a.im === 0) return real(Math.cos(a.re));
  return { re: Math.cos(a.re) * Math.cosh(a.im), im: -Math.sin(a.re) * Math.sinh(a.im) };
}

function realOnly(f: (x: number) => number): (a: Complex) => Complex {
  return (a) => real(a.im === 0 ? f(a.re) : NaN);
}

/**
 * n! exactly for integers; Γ(n + 1) between them, so that an answer with a
 * symbolic factorial (`\frac{d!}{(d-k)!}`, `\binom{n}{2}`) can be sampled at
 * non-integer points like any other expression.
 */
function factorial(n: number, step: 1 | 2): number {
  if (n > 170 || n < -170) return NaN;
  if (!Number.isInteger(n)) return step === 1 ? gamma(n + 1) : NaN;
  if (n < 0) return NaN;
  let result = 1;
  for (let k = n; k > 1; k -= step) result *= k;
  return result;
}

/** Lanczos coefficients (g = 7, n = 9), good to about 15 significant digits. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

function gamma(x: number): number {
  if (Number.isInteger(x) && x <= 0) return NaN;
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const z = x - 1;
  let sum = LANCZOS[0] ?? 1;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * sum;
}

function gcd(a: number, b: number): number {
  if (!Number.isInteger(a) || !Number.isInteger(b)) return NaN;
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

const UNARY: Record<string, (a: Complex) => Complex> = {
  Negate: (a) => ({ re: -a.re, im: -a.im }),
  Sqrt: sqrt,
  Square: (a) => mul(a, a),
  Exp: exp,
  Ln: ln,
  Sin: sin,
  Cos: cos,
  Tan: (a) => div(sin(a), cos(a)),
  Cot: (a) => div(cos(a), sin(a)),
  Sec: (a) => div(real(1), cos(a)),
  Csc: (a) => div(real(1), sin(a)),
  Arcsin: realOnly(Math.asin),
  Arccos: realOnly(Math.acos),
  Arctan: realOnly(Math.atan),
  Arccot: realOnly((x) => Math.atan(1 / x)),
  Sinh: realOnly(Math.sinh),
  Cosh: realOnly(Math.cosh),
  Tanh: realOnly(Math.tanh),
  Abs: (a) => real(abs(a)),
  Floor: realOnly(Math.floor),
  Ceil: realOnly(Math.ceil),
  Round: realOnly(Math.round),
  Sign: realOnly(Math.sign),
  Factorial: realOnly((x) => factorial(x, 1)),
  Factorial2: realOnly((x) => factorial(x, 2)),
};

/** Evaluates canonical MathJSON with `variables` bound; throws {@link NotNumericError}. */
export function evaluate(json: MathJson, variables: ReadonlyMap<string, number>): Complex {
  if (typeof json === "number") return real(json);
  if (typeof json === "string") return symbolValue(json, variables);
  if (!Array.isArray(json)) {
    if ("num" in json) return real(Number.parseFloat(json.num.replace(/^\+/, "")));
    if ("sym" in json) return symbolValue(json.sym, variables);
    throw new NotNumericError("string literal");
  }
  const [head, ...args] = json;
  if (typeof head !== "string") throw new NotNumericError("applied expression");
  const values = () => args.map((arg) => evaluate(arg, variables));
  const unary = UNARY[head];
  if (unary && args.length === 1) return unary(evaluate(args[0] as MathJson, variables));
  switch (head) {
    case "Add":
      return values().reduce(add, real(0));
    case "Multiply":
      return values().reduce(mul, real(1));
    case "Subtract":
    case "Divide":
    case "Rational":
    case "Power":
    case "Root":
    case "Complex":
    case "Log":
    case "Mod":
    case "Binomial":
      return binary(head, args, variables);
    case "Max":
    case "Min": {
      const reals = values().map((v) => (v.im === 0 ? v.re : NaN));
      return real(head === "Max" ? Math.max(...reals) : Math.min(...reals));
    }
    case "GCD":
    case "LCM": {
      const ints = values().map((v) => (v.im === 0 ? v.re : NaN));
      if (head === "GCD") return real(ints.reduce(gcd));
      return real(ints.reduce((a, b) => Math.abs(a * b) / gcd(a, b)));
    }
    default:
      throw new NotNumericError(head);
  }
}

function binary(head: string, args: MathJson[], variables: ReadonlyMap<string, number>): Complex {
  const [first, second] = args;
  if (first === undefined) throw new NotNumericError(head);
  const a = evaluate(first, variables);
  if (head === "Log" && second === undefined) return div(ln(a), real(Math.LN10));
  if (second === undefined || args.length > 2) throw new NotNumericError(head);
  const b = evaluate(second, variables);
  switch (head) {
    case "Subtract":
      return add(a, { re: -b.re, im: -b.im });
    case "Divide":
    case "Rational":
      return div(a, b);
    case "Power":
      return powerOf(a, second, b);
    case "Root":
      return root(a, b);
    case "Complex":
      return { re: a.re, im: b.re };
    case "Log":
      return div(ln(a), ln(b));
    case "Mod":
      return real(a.im === 0 && b.im === 0 ? a.re - b.re * Math.floor(a.re / b.re) : NaN);
    case "Binomial":
      return real(factorial(a.re, 1) / (factorial(b.re, 1) * factorial(a.re - b.re, 1)));
    default:
      throw new NotNumericError(head);
  }
}

/** `(-8)^{1/3}` and `(-8)^{2/3}` are real, as with `\sqrt[3]{}`: odd denominators keep negative bases real. */
function powerOf(base: Complex, exponentJson: MathJson, exponent: Complex): Complex {
  if (
    base.im === 0 &&
    base.re < 0 &&
    Array.isArray(exponentJson) &&
    exponentJson[0] === "Rational"
  ) {
    const [, p, q] = exponentJson;
    if (typeof p === "number" && typeof q === "number" && Math.abs(q) % 2 === 1) {
      const magnitude = Math.pow(-base.re, p / q);
      return real(Math.abs(p) % 2 === 1 ? -magnitude : magnitude);
    }
  }
  return pow(base, exponent);
}

function symbolValue(symbol: string, variables: ReadonlyMap<string, number>): Complex {
  const constant = CONSTANTS[symbol];
  if (constant) return constant;
  const value = variables.get(symbol);
  if (value === undefined) throw new NotNumericError(symbol);
  return real(value);
}

/** Free variables of an expression: symbols that are neither constants nor string literals. */
export function freeVariables(json: MathJson, found: Set<string> = new Set()): Set<string> {
  if (typeof json === "string") {
    if (!json.startsWith("'") && !NON_VARIABLE_SYMBOLS.has(json)) found.add(json);
  } else if (Array.isArray(json)) {
    json.slice(1).forEach((arg) => freeVariables(arg, found));
  } else if (typeof json === "object" && "sym" in json) {
    freeVariables(json.sym, found);
  }
  return found;
}

/** Whether the expression names an infinity, so that an infinite value is meant and not an overflow. */
export function mentionsInfinity(json: MathJson): boolean {
  if (typeof json === "string") return INFINITY_SYMBOLS.has(json);
  if (Array.isArray(json)) return json.some(mentionsInfinity);
  return typeof json === "object" && "num" in json && /inf/i.test(json.num);
}
