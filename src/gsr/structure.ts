/**
 * The shape of an answer: what may be reordered (lists of roots, sets, unions)
 * and what may not (tuples, intervals, vectors, matrices), and relations such as
 * `y = 2x + 1` or `-1 < x \le 2`. It splits a normalised answer at its top-level
 * separators and brackets; the scalars it leaves are compared elsewhere.
 */

import { matchingBrace } from "./extract";
import { LABEL, VARIABLE } from "./latex";

export type RelationOperator = "=" | "<" | "\\le" | "\\ne";

export type AnswerNode =
  | { kind: "scalar"; text: string; label: string | null }
  /**
   * `lhs op rhs`, written with `<` and `\le` only (`a > b` is stored as `b < a`);
   * `sides` lists every side of a chain `a = b = c` (lhs and rhs are its ends).
   */
  | {
      kind: "relation";
      op: RelationOperator;
      lhs: string;
      rhs: string;
      sides?: string[];
      label: string | null;
    }
  /** `spread`: written with `\pm`, so it joins the list around it (`0, \pm 2` is three roots). */
  | { kind: "unordered"; items: AnswerNode[]; label: string | null; spread?: boolean }
  | { kind: "ordered"; open: string; close: string; items: AnswerNode[]; label: string | null }
  /** `determinant`: `vmatrix`, a number rather than a matrix, equal only to another one. */
  | { kind: "matrix"; rows: AnswerNode[][]; determinant: boolean; label: string | null };

export type Relation = Extract<AnswerNode, { kind: "relation" }>;
export type Ordered = Extract<AnswerNode, { kind: "ordered" }>;

const OPENERS = "([{\u27e8";
const CLOSERS = ")]}\u27e9";

/** Splits at separator characters that are outside every bracket. */
export function splitTopLevel(s: string, separators: string): string[] {
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

/** Matches of a token (`\cup`, `\pm`, relation operators) outside brackets. */
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

export function hasTopLevelRelation(s: string): boolean {
  return topLevelMatches(s, RELATION).length > 0;
}

/** Parses a normalised answer into its structure. */
export function parseAnswer(normalized: string): AnswerNode {
  const s = normalized
    .replace(/\\langle(?![A-Za-z])/g, "\u27e8")
    .replace(/\\rangle(?![A-Za-z])/g, "\u27e9");
  const items = splitTopLevel(s, ",;");
  if (items.length > 1)
    return { kind: "unordered", items: spread(items.map(parseElement)), label: null };
  return parseElement(s);
}

/** Lists take the roots of their `\pm` items one by one. */
function spread(items: AnswerNode[]): AnswerNode[] {
  return items.flatMap((item) => (item.kind === "unordered" && item.spread ? item.items : [item]));
}

const MATRIX = /^\\begin\{([pbBvV]?matrix|smallmatrix|array)\}(?:\{[^}]*\})?([\s\S]*)\\end\{\1\}$/;

function parseElement(raw: string): AnswerNode {
  let s = raw.trim();
  while (s.startsWith("{") && matchingBrace(s, 0) === s.length - 1) s = s.slice(1, -1).trim();

  const labelMatch = LABEL.exec(s);
  const label = labelMatch ? (labelMatch[1] ?? "").replace(/\s+/g, "") : null;
  if (labelMatch) s = s.slice(labelMatch[0].length).trim();

  const matrix = MATRIX.exec(s);
  if (matrix) {
    const rows = (matrix[2] ?? "")
      .split(/\\\\/)
      .map((row) => row.trim())
      .filter((row) => row !== "" && !/^\\hline$/.test(row))
      .map((row) => row.split("&").map(parseElement));
    return { kind: "matrix", rows, determinant: /^[vV]/.test(matrix[1] ?? ""), label };
  }

  if (s === "\\emptyset" || /^\\\{\s*\\\}$/.test(s)) return { kind: "unordered", items: [], label };

  if (s.startsWith("\\{") && s.endsWith("\\}") && enclosedWhole(s.slice(1, -2) + "}")) {
    const inner = s.slice(2, -2);
    return {
      kind: "unordered",
      items: spread(splitTopLevel(inner, ",;").map(parseElement)),
      label,
    };
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
      spread: true,
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
    if (left !== "" && right !== "") return relation(token, left, right, label);
  }
  if (relations.length >= 2 && relations.every((m) => m[0] === "=")) {
    const sides = splitAt(s, /=/);
    if (sides.every((side) => side !== "")) {
      return {
        kind: "relation",
        op: "=",
        lhs: sides[0] ?? "",
        rhs: sides.at(-1) ?? "",
        sides,
        label,
      };
    }
  }
  if (relations.length === 2) {
    const chain = inequalityChain(s, relations);
    if (chain) return withLabel(chain, label);
  }

  return { kind: "scalar", text: s, label };
}

/** A relation written with `<` or `\le` only: `a > b` is `b < a`. */
function relation(token: string, left: string, right: string, label: string | null): Relation {
  if (token === ">") return { kind: "relation", op: "<", lhs: right, rhs: left, label };
  if (token === "\\ge") return { kind: "relation", op: "\\le", lhs: right, rhs: left, label };
  return { kind: "relation", op: token as RelationOperator, lhs: left, rhs: right, label };
}

const BARE_VARIABLE = new RegExp(`^${VARIABLE}$`);

/** `-1 < x \le 2` and `2 \ge x > -1`: the interval `(-1, 2]`. */
function inequalityChain(s: string, matches: RegExpExecArray[]): Ordered | null {
  const [first, second] = matches;
  if (!first || !second) return null;
  const a = s.slice(0, first.index).trim();
  const middle = s.slice(first.index + first[0].length, second.index).trim();
  const b = s.slice(second.index + second[0].length).trim();
  if (a === "" || b === "" || !BARE_VARIABLE.test(middle)) return null;
  const up = (t: string) => t === "<" || t === "\\le";
  const down = (t: string) => t === ">" || t === "\\ge";
  const strict = (t: string) => t === "<" || t === ">";
  if (up(first[0]) && up(second[0])) {
    return interval(a, !strict(first[0]), b, !strict(second[0]));
  }
  if (down(first[0]) && down(second[0])) {
    return interval(b, !strict(second[0]), a, !strict(first[0]));
  }
  return null;
}

function interval(lo: string, loClosed: boolean, hi: string, hiClosed: boolean): Ordered {
  return {
    kind: "ordered",
    open: loClosed ? "[" : "(",
    close: hiClosed ? "]" : ")",
    items: [parseElement(lo), parseElement(hi)],
    label: null,
  };
}

/** The bound of a one-variable relation (`x < 3`, `5 \le t`, `x \ne 1`) and the variable's side. */
function bound(r: Relation): { value: string; variableLeft: boolean } | null {
  const lhsVariable = BARE_VARIABLE.test(r.lhs);
  const rhsVariable = BARE_VARIABLE.test(r.rhs);
  if (lhsVariable === rhsVariable) return null;
  const variable = lhsVariable ? r.lhs : r.rhs;
  const value = lhsVariable ? r.rhs : r.lhs;
  if (new RegExp(`(?<![A-Za-z\\\\])${escape(variable)}(?![A-Za-z])`).test(value)) return null;
  return { value, variableLeft: lhsVariable };
}

/**
 * The interval a one-variable inequality describes (`x > 3` is `(3, \infty)`,
 * `t \ge 5` is `[5, \infty)`), or null when it is not one.
 */
export function relationAsInterval(r: Relation): Ordered | null {
  if (r.op !== "<" && r.op !== "\\le") return null;
  const b = bound(r);
  if (!b) return null;
  const closed = r.op === "\\le";
  return b.variableLeft
    ? interval("-\\infty", false, b.value, closed)
    : interval(b.value, closed, "\\infty", false);
}

/** `x \ne 3` as the union `(-\infty, 3) \cup (3, \infty)`, or null. */
export function relationAsUnion(r: Relation): AnswerNode | null {
  const b = r.op === "\\ne" ? bound(r) : null;
  if (!b) return null;
  return {
    kind: "unordered",
    items: [
      interval("-\\infty", false, b.value, false),
      interval(b.value, false, "\\infty", false),
    ],
    label: null,
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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
