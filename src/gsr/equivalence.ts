/**
 * Mathematical equivalence of final answers (DESIGN §1.6), used to group votes
 * and to score answers. Answers are normalised (spacing, `\dfrac`, units, `x =`
 * prefixes, thousands separators…), split into their structure (unordered lists
 * and sets, ordered tuples and intervals, matrices, relations), and each scalar
 * is compared as an exact rational when both sides are plain numbers, otherwise
 * by evaluating both at fixed sample points. The Compute Engine is used only as
 * the LaTeX parser; `./numeric` does the evaluation.
 */

import { ComputeEngine } from "@cortex-js/compute-engine";
import { matchingBrace } from "./extract";
import { evaluate, freeVariables, mentionsInfinity, type Complex, type MathJson } from "./numeric";

// ─── Normalisation ──────────────────────────────────────────────────────────

const TEXT_COMMANDS = "text textrm textnormal textit textbf textsf texttt mbox hbox".split(" ");
const STYLE_COMMANDS = "mathbf mathit mathsf mathnormal boldsymbol bm mathbb mathcal".split(" ");
const SEPARATOR_WORDS = /^\s*(?:or|and|,|;)\s*$/i;
/** Words that end an answer but are mathematics, not units. */
const MATH_WORDS = new Set("sin cos tan cot sec csc log ln exp sqrt pi mod or and".split(" "));
const GREEK =
  "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|rho|sigma|tau|phi|varphi|chi|psi|omega";
/** `x =`, `f(x) =`, `\theta =`, `a_1 =`, `x \in` at the start of an answer. */
const LABEL = new RegExp(
  String.raw`^((?:[A-Za-z]|\\(?:${GREEK}))(?:_\{?[A-Za-z0-9]+\}?)?(?:\([^()=]*\))?)\s*(?:=|\\in(?![A-Za-z]))\s*(?=\S)`,
);

/** Longer "answers" are derivations, not answers; they are compared as text, which keeps every check fast. */
const MAX_ANSWER_LENGTH = 1000;

/** `[regex, replacement]` pairs applied in order by {@link normalize}. */
const REWRITES: [RegExp, string][] = [
  // Unicode look-alikes.
  [/[\u2212\u2013]/g, "-"],
  [/\u00d7/g, "\\times "],
  [/[\u00b7\u22c5]/g, "\\cdot "],
  [/\u00f7/g, "\\div "],
  [/\u03c0/g, "\\pi "],
  [/\u221e/g, "\\infty "],
  [/\u2264/g, "\\le "],
  [/\u2265/g, "\\ge "],
  [/\u2260/g, "\\ne "],
  [/\u222a/g, "\\cup "],
  [/\u2205/g, "\\emptyset "],
  [/\u221a/g, "\\sqrt"],
  [/[\u00a0\u2009\u202f]/g, " "],
  // Math delimiters and dollar signs.
  [/\\\$/g, ""],
  [/\$/g, ""],
  // Sizing and style that carry no meaning.
  [/\\(?:left|right)\s*\./g, ""],
  [
    /\\(?:left|right|bigl|bigr|bigm|Bigl|Bigr|Bigm|biggl|biggr|Biggl|Biggr|bigg|Bigg|big|Big)(?![A-Za-z])/g,
    "",
  ],
  [/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![A-Za-z])/g, ""],
  [/\\[dtc]frac(?![A-Za-z])/g, "\\frac"],
  [/\\[dt]binom(?![A-Za-z])/g, "\\binom"],
  // Synonyms.
  [/\\leq(?:slant)?(?![A-Za-z])/g, "\\le"],
  [/\\geq(?:slant)?(?![A-Za-z])/g, "\\ge"],
  [/\\neq(?![A-Za-z])/g, "\\ne"],
  [/\\lt(?![A-Za-z])/g, "<"],
  [/\\gt(?![A-Za-z])/g, ">"],
  [/<=/g, "\\le "],
  [/>=/g, "\\ge "],
  [/!=/g, "\\ne "],
  [/\\varnothing(?![A-Za-z])/g, "\\emptyset"],
  [/\\inf(?:in)?(?![A-Za-z])/g, "\\infty"],
  [/(^|[([,]\s*)\+\s*\\infty/g, "$1\\infty"],
  [/\\[lr]?vert(?![A-Za-z])/g, "|"],
  [/\\lbrace(?![A-Za-z])/g, "\\{"],
  [/\\rbrace(?![A-Za-z])/g, "\\}"],
  [/\\lbrack(?![A-Za-z])/g, "["],
  [/\\rbrack(?![A-Za-z])/g, "]"],
  // Degrees and percent.
  [
    /\^\s*(?:\{\s*\\circ\s*\}|\\circ(?![A-Za-z]))(?:\s*(?:\\text\{\s*[CF]\s*\}|[CF](?![A-Za-z])))?/g,
    "",
  ],
  [/\\(?:degree|textdegree)(?![A-Za-z])/g, ""],
  [/\u00b0/g, ""],
  [/\\?%/g, ""],
  // Thin spaces inside numbers are thousands separators: 1\,000, 1{,}000.
  [/(\d)(?:\\[,!;: ]|~|\{,\})(?=\d{3}(?!\d))/g, "$1"],
  [/(?<!\\)\\[,!;: ]|~|\\q?quad(?![A-Za-z])/g, " "],
  // "1 \text{ or } 2", "x = 1 and x = 2": roots joined by words.
  [/\s+(?:or|and)\s+/gi, ", "],
];

/** Replaces each `\name{arg}` (balanced braces) with `replace(arg, name)`. */
function mapCommand(
  text: string,
  names: readonly string[],
  replace: (arg: string, name: string) => string,
): string {
  const pattern = new RegExp(String.raw`\\(${names.join("|")})(?![A-Za-z])\s*\{`, "g");
  let out = "";
  let pos = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const open = match.index + match[0].length - 1;
    const close = matchingBrace(text, open);
    if (close === null) break;
    out += text.slice(pos, match.index) + replace(text.slice(open + 1, close), match[1] ?? "");
    pos = close + 1;
    pattern.lastIndex = pos;
  }
  return out + text.slice(pos);
}

const REMOVED = "\u0000";

/**
 * Text in an answer is either a unit or word next to a value (`5\text{ cm}^2`,
 * `\mathrm{dollars}`), which goes, or the answer itself (`\text{(B)}`,
 * `\text{Monday}`), which stays without its command.
 */
function resolveText(text: string): string {
  // Upright letters are units (`\mathrm{m}`), except the constants e and i.
  let s = mapCommand(text, ["mathrm"], (arg) =>
    /^\s*[A-Za-z]+(?:\s+[A-Za-z]+)*\s*$/.test(arg) && !/^\s*[ei]\s*$/.test(arg)
      ? `\\text{${arg}}`
      : arg,
  );
  s = mapCommand(s, STYLE_COMMANDS, (arg) => arg);
  s = mapCommand(s, TEXT_COMMANDS, (arg) => (SEPARATOR_WORDS.test(arg) ? ", " : `\\text{${arg}}`));
  const withoutText = mapCommand(s, TEXT_COMMANDS, () => REMOVED).replace(
    new RegExp(String.raw`${REMOVED}\s*(?:\^\s*(?:\{\s*\d\s*\}|\d))?`, "g"),
    " ",
  );
  if (/[0-9A-Za-z\\]/.test(withoutText)) return withoutText;
  return mapCommand(s, TEXT_COMMANDS, (arg) => arg);
}

/** Drops trailing unit words after a number: `5 dollars`, `12 square feet`, `3 cm^2`. */
function dropTrailingWords(s: string): string {
  const tokens = s.split(" ");
  let end = tokens.length;
  const last = tokens[end - 1] ?? "";
  if (/^[A-Za-z]{2,}\^\{?\d\}?$/.test(last)) tokens[end - 1] = last.replace(/\^.*$/, "");
  while (end > 1 && /^[A-Za-z]{2,}\.?$/.test(tokens[end - 1] ?? "")) end--;
  if (end === tokens.length) return s;
  const words = tokens.slice(end).map((word) => word.replace(/\.$/, "").toLowerCase());
  const value = tokens.slice(0, end).join(" ");
  if (words.some((word) => MATH_WORDS.has(word)) || !/\d/.test(value)) return s;
  return value;
}

/** Unwraps a whole-answer `\boxed{…}`/`\fbox{…}`, `\(…\)` or `\[…\]`. */
function unwrap(s: string): string {
  for (;;) {
    const box = /^\\(?:boxed|fbox)\s*\{/.exec(s);
    if (box && matchingBrace(s, box[0].length - 1) === s.length - 1) {
      s = s.slice(box[0].length, -1).trim();
      continue;
    }
    const math = /^\\\(([\s\S]*)\\\)$/.exec(s) ?? /^\\\[([\s\S]*)\\\]$/.exec(s);
    if (math) {
      s = (math[1] ?? "").trim();
      continue;
    }
    return s;
  }
}

/** Normalisation shared by display and comparison; keeps a leading `x =` label. */
function normalize(answer: string): string {
  let s = unwrap(answer.trim());
  for (const [pattern, replacement] of REWRITES) s = s.replace(pattern, replacement);
  s = resolveText(s);
  s = s.replace(/\s+/g, " ").trim();
  s = s.replace(/^=\s*/, "").replace(/[.\s]+$/, "");
  s = dropTrailingWords(s);
  // `\frac12`, `\frac1{x}`: TeX's single-token arguments, braced.
  s = s.replace(
    /\\frac\s*(\{[^{}]*\}|[0-9A-Za-z])\s*(\{[^{}]*\}|[0-9A-Za-z])/g,
    (_m, a: string, b: string) => {
      const brace = (arg: string) => (arg.startsWith("{") ? arg : `{${arg}}`);
      return `\\frac${brace(a)}${brace(b)}`;
    },
  );
  // Thousands separators only when the whole value is one number: `(1,2)` is a pair.
  const label = LABEL.exec(s);
  const prefix = label ? label[0] : "";
  const value = s.slice(prefix.length);
  if (/^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(value)) s = prefix + value.replace(/,/g, "");
  // Leading zeros (025 → 25) and bare decimals (.5 → 0.5).
  s = s.replace(/(^|[^0-9.A-Za-z_\\}])0+(?=\d)/g, "$1");
  s = s.replace(
    /(^|[^0-9A-Za-z}\\)\]])\.(\d)/g,
    (_m, before: string, digit: string) => `${before}0.${digit}`,
  );
  return s.replace(/\s+/g, " ").replace(/\s+,/g, ",").trim();
}

/**
 * The answer as it should be shown and compared as text: no `\boxed`, math
 * delimiters, sizing commands, units, degree or percent signs, thousands
 * separators, or leading `x =`; `\dfrac`/`\tfrac` become `\frac`.
 */
export function normalizeAnswer(answer: string): string {
  if (answer.length > MAX_ANSWER_LENGTH) return answer.trim();
  try {
    const s = normalize(answer);
    const label = LABEL.exec(s);
    if (!label) return s;
    const value = s.slice(label[0].length);
    return splitTopLevel(value, ",;").length === 1 && !hasTopLevelRelation(value) ? value : s;
  } catch {
    return answer.trim();
  }
}

// ─── Structure ──────────────────────────────────────────────────────────────

type RelationOperator = "=" | "<" | "\\le" | "\\ne";

/** The shape of an answer: what may be reordered, what may not. */
type AnswerNode =
  | { kind: "scalar"; text: string; label: string | null }
  | { kind: "relation"; op: RelationOperator; lhs: string; rhs: string; label: string | null }
  | { kind: "unordered"; items: AnswerNode[]; label: string | null }
  | { kind: "ordered"; open: string; close: string; items: AnswerNode[]; label: string | null }
  | { kind: "matrix"; rows: AnswerNode[][]; label: string | null };

const OPENERS = "([{\u27e8";
const CLOSERS = ")]}\u27e9";

/** Splits at separator characters that are outside every bracket. */
function splitTopLevel(s: string, separators: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? "";
    if (OPENERS.includes(ch)) depth++;
    else if (CLOSERS.includes(ch)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && separators.includes(ch) && s[i - 1] !== "\\") {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts
    .map((part) => part.trim())
    .filter((part, _i, all) => part !== "" || all.length === 1);
}

/** Whether the bracket opening at 0 closes at the very end (`(1,2)`, `[0,1)`, not `(1)(2)`). */
function enclosedWhole(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? "";
    if (OPENERS.includes(ch)) depth++;
    else if (CLOSERS.includes(ch)) {
      depth--;
      if (depth === 0) return i === s.length - 1;
    }
  }
  return false;
}

/** Indices of a top-level token (`\cup`, `\pm`, relation operators), outside brackets. */
function topLevelMatches(s: string, pattern: RegExp): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  const global = new RegExp(pattern.source, "g");
  let match: RegExpExecArray | null;
  while ((match = global.exec(s)) !== null) {
    if (match[0] === "") {
      global.lastIndex++;
      continue;
    }
    let depth = 0;
    for (let i = 0; i < match.index; i++) {
      const ch = s[i] ?? "";
      if (OPENERS.includes(ch)) depth++;
      else if (CLOSERS.includes(ch)) depth--;
    }
    if (depth === 0) found.push(match);
  }
  return found;
}

const RELATION = /\\le(?![A-Za-z])|\\ge(?![A-Za-z])|\\ne(?![A-Za-z])|=|<|>/;

function hasTopLevelRelation(s: string): boolean {
  return topLevelMatches(s, RELATION).length > 0;
}

/** Parses a normalised answer into its structure. */
function parseAnswer(normalized: string): AnswerNode {
  const s = normalized
    .replace(/\\langle(?![A-Za-z])/g, "\u27e8")
    .replace(/\\rangle(?![A-Za-z])/g, "\u27e9");
  const items = splitTopLevel(s, ",;");
  if (items.length > 1) return { kind: "unordered", items: items.map(parseElement), label: null };
  return parseElement(s);
}

function parseElement(raw: string): AnswerNode {
  let s = raw.trim();
  while (s.startsWith("{") && matchingBrace(s, 0) === s.length - 1) s = s.slice(1, -1).trim();

  const labelMatch = LABEL.exec(s);
  const label = labelMatch ? (labelMatch[1] ?? "").replace(/\s+/g, "") : null;
  if (labelMatch) s = s.slice(labelMatch[0].length).trim();

  const matrix = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[^}]*\})?([\s\S]*)\\end\{\1\}$/.exec(s);
  if (matrix) {
    const rows = (matrix[2] ?? "")
      .split(/\\\\/)
      .map((row) => row.trim())
      .filter((row) => row !== "")
      .map((row) => row.split("&").map(parseElement));
    return { kind: "matrix", rows, label };
  }

  if (s === "\\emptyset" || s === "\\{\\}" || s === "\\{ \\}")
    return { kind: "unordered", items: [], label };

  if (s.startsWith("\\{") && s.endsWith("\\}") && enclosedWhole(s.slice(1, -2) + "}")) {
    const inner = s.slice(2, -2);
    return { kind: "unordered", items: splitTopLevel(inner, ",;").map(parseElement), label };
  }

  // One ± anywhere, even inside \frac{-1 \pm \sqrt5}{2}, stands for two answers.
  const plusMinus = [...s.matchAll(/\\(?:pm|mp)(?![A-Za-z])/g)];
  if (plusMinus.length === 1 && plusMinus[0]) {
    const { index } = plusMinus[0];
    const before = s.slice(0, index);
    const after = s.slice(index + plusMinus[0][0].length);
    return {
      kind: "unordered",
      items: [parseElement(`${before}+${after}`), parseElement(`${before}-${after}`)],
      label,
    };
  }

  if (OPENERS.includes(s[0] ?? "") && s[0] !== "{" && enclosedWhole(s)) {
    const inner = s.slice(1, -1);
    const parts = splitTopLevel(inner, ",;");
    if (parts.length > 1) {
      return {
        kind: "ordered",
        open: s[0] ?? "",
        close: s.at(-1) ?? "",
        items: parts.map(parseElement),
        label,
      };
    }
    if (parts.length === 1) return withLabel(parseElement(inner), label);
  }

  const unions = splitAt(s, /\\cup(?![A-Za-z])/);
  if (unions.length > 1) return { kind: "unordered", items: unions.map(parseElement), label };

  const relations = topLevelMatches(s, RELATION);
  if (relations.length === 1 && relations[0]) {
    const { index } = relations[0];
    const token = relations[0][0];
    const left = s.slice(0, index).trim();
    const right = s.slice(index + token.length).trim();
    if (left !== "" && right !== "") {
      // Written with `<` or `\le` only: `a > b` is `b < a`.
      if (token === ">") return { kind: "relation", op: "<", lhs: right, rhs: left, label };
      if (token === "\\ge") return { kind: "relation", op: "\\le", lhs: right, rhs: left, label };
      return { kind: "relation", op: token as RelationOperator, lhs: left, rhs: right, label };
    }
  }

  return { kind: "scalar", text: s, label };
}

function withLabel(node: AnswerNode, label: string | null): AnswerNode {
  return label === null || node.label !== null ? node : { ...node, label };
}

function splitAt(s: string, pattern: RegExp): string[] {
  const matches = topLevelMatches(s, pattern);
  if (matches.length === 0) return [s];
  const parts: string[] = [];
  let start = 0;
  for (const match of matches) {
    parts.push(s.slice(start, match.index).trim());
    start = match.index + match[0].length;
  }
  parts.push(s.slice(start).trim());
  return parts;
}

// ─── Comparison ─────────────────────────────────────────────────────────────

function nodesEquivalent(a: AnswerNode, b: AnswerNode): boolean {
  if (a.kind === "unordered" && a.items.length === 1 && a.items[0])
    return nodesEquivalent(a.items[0], b);
  if (b.kind === "unordered" && b.items.length === 1 && b.items[0])
    return nodesEquivalent(a, b.items[0]);

  if (a.kind === "relation" && b.kind === "scalar" && b.label !== null) {
    return nodesEquivalent(a, {
      kind: "relation",
      op: "=",
      lhs: b.label,
      rhs: b.text,
      label: null,
    });
  }
  if (b.kind === "relation" && a.kind === "scalar" && a.label !== null)
    return nodesEquivalent(b, a);

  switch (a.kind) {
    case "scalar":
      return b.kind === "scalar" && scalarsEquivalent(a.text, b.text);
    case "relation":
      return b.kind === "relation" && relationsEquivalent(a, b);
    case "ordered":
      return (
        b.kind === "ordered" &&
        a.open === b.open &&
        a.close === b.close &&
        a.items.length === b.items.length &&
        a.items.every((item, i) => nodesEquivalent(item, b.items[i] as AnswerNode))
      );
    case "matrix":
      return (
        b.kind === "matrix" &&
        a.rows.length === b.rows.length &&
        a.rows.every((row, i) => {
          const other = b.rows[i] ?? [];
          return (
            row.length === other.length &&
            row.every((cell, j) => nodesEquivalent(cell, other[j] as AnswerNode))
          );
        })
      );
    case "unordered":
      return b.kind === "unordered" && multisetsEquivalent(a.items, b.items);
  }
}

/**
 * Every item matched to a distinct equivalent item. Labels count only when a
 * side names several variables (`x = 1, y = 2` is not `x = 2, y = 1`), not for
 * roots of one variable (`x = 1 or x = 2` is `2, 1`).
 */
function multisetsEquivalent(a: AnswerNode[], b: AnswerNode[]): boolean {
  if (a.length !== b.length) return false;
  const distinctLabels = (items: AnswerNode[]) =>
    new Set(items.map((item) => item.label).filter((l) => l !== null)).size;
  const labelsCount = distinctLabels(a) > 1 || distinctLabels(b) > 1;
  const used = new Array<boolean>(b.length).fill(false);
  return a.every((item) => {
    const match = b.findIndex(
      (other, j) =>
        !used[j] &&
        (!labelsCount ||
          item.label === null ||
          other.label === null ||
          item.label === other.label) &&
        nodesEquivalent(item, other),
    );
    if (match === -1) return false;
    used[match] = true;
    return true;
  });
}

/** Text key for exact comparison: no spaces; words (not single letters, x ≠ X) case-insensitive. */
function compareKey(s: string): string {
  const key = s.replace(/\s+/g, "");
  return /^[A-Za-z]{2,}$/.test(key) ? key.toLowerCase() : key;
}

interface ExactRational {
  num: bigint;
  den: bigint;
}

/** Integers, terminating decimals, `\frac{p}{q}`, `p/q` and mixed numbers, exactly. */
function exactNumber(key: string): ExactRational | null {
  let m = /^([+-]?)(\d*)\.?(\d*)$/.exec(key);
  if (m && (m[2] || m[3])) {
    const digits = `${m[2] ?? ""}${m[3] ?? ""}`;
    const num = BigInt(digits || "0") * (m[1] === "-" ? -1n : 1n);
    return { num, den: 10n ** BigInt((m[3] ?? "").length) };
  }
  m = /^([+-]?)\\frac\{([+-]?\d+)\}\{([+-]?\d+)\}$/.exec(key) ?? /^([+-]?)(\d+)\/(\d+)$/.exec(key);
  if (m) {
    const den = BigInt(m[3] ?? "0");
    if (den === 0n) return null;
    return { num: BigInt(m[2] ?? "0") * (m[1] === "-" ? -1n : 1n), den };
  }
  m = /^([+-]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$/.exec(key);
  if (m) {
    const den = BigInt(m[4] ?? "0");
    if (den === 0n) return null;
    const num = BigInt(m[2] ?? "0") * den + BigInt(m[3] ?? "0");
    return { num: num * (m[1] === "-" ? -1n : 1n), den };
  }
  return null;
}

function scalarsEquivalent(a: string, b: string): boolean {
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

function relationsEquivalent(
  a: Extract<AnswerNode, { kind: "relation" }>,
  b: Extract<AnswerNode, { kind: "relation" }>,
): boolean {
  if (a.op !== b.op) return false;
  if (scalarsEquivalent(a.lhs, b.lhs) && scalarsEquivalent(a.rhs, b.rhs)) return true;
  const symmetric = a.op === "=" || a.op === "\\ne";
  if (symmetric && scalarsEquivalent(a.lhs, b.rhs) && scalarsEquivalent(a.rhs, b.lhs)) return true;
  // Otherwise the same relation up to a constant factor: y = 2x + 1 ⇔ 2x - y + 1 = 0.
  const left = analyse(`(${a.rhs})-(${a.lhs})`);
  const right = analyse(`(${b.rhs})-(${b.lhs})`);
  if (!left?.samples || !right?.samples) return false;
  return proportional(left.samples, right.samples, !symmetric);
}

// ─── Parsing and sampling ───────────────────────────────────────────────────

/** What the comparison needs from a parsed scalar; the expression itself is not kept. */
interface Analysis {
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
      // x_1 as one symbol; the parser reads it as indexing into a list x.
      .replace(
        /(^|[^\\A-Za-z])([A-Za-z])_(?:\{([A-Za-z0-9]+)\}|([A-Za-z0-9]))/g,
        "$1\\mathrm{$2_$3$4}",
      )
  );
}

function analyse(scalar: string): Analysis | null {
  const text = toParsable(scalar.trim());
  const cached = analyses.get(text);
  if (cached !== undefined) return cached;
  const result = text.length > MAX_PARSED_LENGTH ? null : parseAndSample(text);
  if (analyses.size >= CACHE_LIMIT) analyses.clear();
  analyses.set(text, result);
  return result;
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
function samplesAgree(a: Complex[], b: Complex[]): boolean {
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
function proportional(a: Complex[], b: Complex[], positive: boolean): boolean {
  let ratio: Complex | null = null;
  let compared = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (
      !x ||
      !y ||
      !isDefined(x) ||
      !isDefined(y) ||
      !Number.isFinite(x.re) ||
      !Number.isFinite(y.re)
    )
      continue;
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

// ─── Public entry point ─────────────────────────────────────────────────────

/**
 * Whether two final answers are mathematically the same (DESIGN §1.6). Equal:
 * `\frac12`/`0.5`/`1/2`, `2\frac12`/`5/2`, `2(x+1)`/`2x+2`, `\sqrt8`/`2\sqrt2`,
 * `x = 1 or x = 2`/`2, 1`, `\{1,2\}`/`\{2,1\}`, `30^\circ`/`30`, `\$1,000`/`1000`.
 * Different: `0.33`/`\frac13`, `(1,2)`/`(2,1)`, `[1,2)`/`(1,2)`. Never throws.
 */
export function answersEquivalent(a: string, b: string): boolean {
  if (a.length > MAX_ANSWER_LENGTH || b.length > MAX_ANSWER_LENGTH) {
    return a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
  }
  try {
    const left = normalize(a);
    const right = normalize(b);
    if (left === "" || right === "") return false;
    if (compareKey(left) === compareKey(right)) return true;
    return nodesEquivalent(parseAnswer(left), parseAnswer(right));
  } catch {
    try {
      return compareKey(normalizeAnswer(a)) === compareKey(normalizeAnswer(b));
    } catch {
      return false;
    }
  }
}
