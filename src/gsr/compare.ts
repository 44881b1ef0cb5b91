/**
 * Comparing answer structures: which shapes may stand for each other (a tuple
 * and a column vector, an inequality and an interval, `x = 3` and `3`), what
 * order matters, and relations equal up to rearrangement. Single values are
 * left to `./scalar`.
 */

import { analyse, proportional } from "./sampling";
import { scalarsEquivalent } from "./scalar";
import {
  relationAsInterval,
  relationAsUnion,
  type AnswerNode,
  type Ordered,
  type Relation,
} from "./structure";

export function nodesEquivalent(a: AnswerNode, b: AnswerNode): boolean {
  if (a.kind === "unordered" && a.items.length === 1 && a.items[0])
    return nodesEquivalent(a.items[0], b);
  if (b.kind === "unordered" && b.items.length === 1 && b.items[0])
    return nodesEquivalent(a, b.items[0]);

  // `\frac{5}{2} = 2.5` written as the answer is the value 2.5.
  if (a.kind === "relation" && b.kind !== "relation" && isIdentity(a))
    return nodesEquivalent({ kind: "scalar", text: a.rhs, label: null }, b);
  if (b.kind === "relation" && a.kind !== "relation" && isIdentity(b))
    return nodesEquivalent(a, { kind: "scalar", text: b.rhs, label: null });

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

  // An inequality in one variable is the interval it describes.
  if (a.kind === "relation" && b.kind === "ordered") return relationMatchesInterval(a, b);
  if (b.kind === "relation" && a.kind === "ordered") return relationMatchesInterval(b, a);
  // `x \ne 3` is the union of two open intervals.
  if (a.kind === "relation" && b.kind === "unordered") return unionMatches(a, b);
  if (b.kind === "relation" && a.kind === "unordered") return unionMatches(b, a);
  // `x > 2, x < 5` (written with "and") is an interval; `a = 1, b = 2` a tuple.
  if (a.kind === "unordered" && b.kind === "ordered") return listMatchesOrdered(a, b);
  if (b.kind === "unordered" && a.kind === "ordered") return listMatchesOrdered(b, a);
  // A vector may be written as a tuple or as a one-column (or one-row) matrix.
  if (a.kind === "matrix" && b.kind === "ordered") return vectorMatchesTuple(a, b);
  if (b.kind === "matrix" && a.kind === "ordered") return vectorMatchesTuple(b, a);

  switch (a.kind) {
    case "scalar":
      return b.kind === "scalar" && scalarsEquivalent(a.text, b.text);
    case "relation":
      return b.kind === "relation" && relationsEquivalent(a, b);
    case "ordered":
      return (
        b.kind === "ordered" &&
        bracketsAgree(a, b) &&
        a.items.length === b.items.length &&
        a.items.every((item, i) => nodesEquivalent(item, b.items[i] as AnswerNode))
      );
    case "matrix":
      return (
        b.kind === "matrix" &&
        a.determinant === b.determinant &&
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

/** An equation whose sides are all the same value: `\frac{10}{4} = \frac{5}{2} = 2.5`. */
function isIdentity(r: Relation): boolean {
  if (r.op !== "=") return false;
  const sides = r.sides ?? [r.lhs, r.rhs];
  return sides.every((side, i) => i === 0 || scalarsEquivalent(sides[i - 1] ?? "", side));
}

/**
 * Brackets must match, since they tell intervals apart (`[1,2)` is not `(1,2)`);
 * `\langle \rangle` is a tuple's `( )`, and beyond two items (no interval has
 * three ends) `[ ]` is too.
 */
function bracketsAgree(a: Ordered, b: Ordered): boolean {
  const shape = (node: Ordered) => {
    const tuple =
      (node.open === "\u27e8" && node.close === "\u27e9") ||
      (node.items.length > 2 && node.open === "[" && node.close === "]");
    return tuple ? "()" : node.open + node.close;
  };
  return shape(a) === shape(b);
}

function relationMatchesInterval(r: Relation, interval: Ordered): boolean {
  const asInterval = relationAsInterval(r);
  return (
    asInterval !== null && interval.items.length === 2 && nodesEquivalent(asInterval, interval)
  );
}

function unionMatches(r: Relation, union: Extract<AnswerNode, { kind: "unordered" }>): boolean {
  const asUnion = relationAsUnion(r);
  return asUnion !== null && nodesEquivalent(asUnion, union);
}

const isInfinite = (node: AnswerNode | undefined, text: string) =>
  node?.kind === "scalar" && node.text.replace(/\s+/g, "") === text;

/**
 * A list is an ordered answer in two cases only: a lower and an upper bound of
 * one variable (`x > 2 and x < 5` is `(2, 5)`), and assignments to distinct
 * variables in the tuple's order (`x = 2, y = 3` is `(2, 3)`, not `(3, 2)`).
 */
function listMatchesOrdered(
  list: Extract<AnswerNode, { kind: "unordered" }>,
  ordered: Ordered,
): boolean {
  const [first, second] = list.items;
  if (list.items.length === 2 && first?.kind === "relation" && second?.kind === "relation") {
    const bounds = [relationAsInterval(first), relationAsInterval(second)];
    const upper = bounds.find((i) => isInfinite(i?.items[0], "-\\infty"));
    const lower = bounds.find((i) => isInfinite(i?.items[1], "\\infty"));
    if (!upper || !lower || upper === lower) return false;
    const [from, to] = [lower.items[0], upper.items[1]] as [AnswerNode, AnswerNode];
    const intersection: Ordered = {
      ...ordered,
      open: lower.open,
      close: upper.close,
      items: [from, to],
    };
    return nodesEquivalent(intersection, ordered);
  }
  const labels = list.items.map((item) => (item.kind === "scalar" ? item.label : null));
  const assignments =
    labels.every((label) => label !== null) && new Set(labels).size === labels.length;
  return (
    assignments &&
    list.items.length === ordered.items.length &&
    bracketsAgree(ordered, { ...ordered, open: "(", close: ")" }) &&
    list.items.every((item, i) =>
      nodesEquivalent({ ...item, label: null }, ordered.items[i] as AnswerNode),
    )
  );
}

function vectorMatchesTuple(
  matrix: Extract<AnswerNode, { kind: "matrix" }>,
  tuple: Ordered,
): boolean {
  if (matrix.determinant || !bracketsAgree(tuple, { ...tuple, open: "(", close: ")" }))
    return false;
  const entries = matrix.rows.every((row) => row.length === 1)
    ? matrix.rows.map((row) => row[0] as AnswerNode)
    : matrix.rows.length === 1
      ? (matrix.rows[0] ?? [])
      : null;
  return (
    entries !== null &&
    entries.length === tuple.items.length &&
    entries.every((entry, i) => nodesEquivalent(entry, tuple.items[i] as AnswerNode))
  );
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

function relationsEquivalent(a: Relation, b: Relation): boolean {
  if (a.op !== b.op) return false;
  if (scalarsEquivalent(a.lhs, b.lhs) && scalarsEquivalent(a.rhs, b.rhs)) return true;
  const symmetric = a.op === "=" || a.op === "\\ne";
  if (symmetric && scalarsEquivalent(a.lhs, b.rhs) && scalarsEquivalent(a.rhs, b.lhs)) return true;
  // The same set of reals, whatever the variable is called: `t \ge 5` is `x \ge 5`.
  const intervalA = relationAsInterval(a);
  const intervalB = relationAsInterval(b);
  if (intervalA && intervalB && nodesEquivalent(intervalA, intervalB)) return true;
  // Otherwise the same relation up to a constant factor: y = 2x + 1 ⇔ 2x - y + 1 = 0.
  const left = analyse(`(${a.rhs})-(${a.lhs})`);
  const right = analyse(`(${b.rhs})-(${b.lhs})`);
  if (!left?.samples || !right?.samples) return false;
  return proportional(left.samples, right.samples, !symmetric);
}
