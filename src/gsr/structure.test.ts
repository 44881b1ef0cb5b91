import { describe, expect, it } from "vitest";
import { parseAnswer, relationAsInterval, splitTopLevel, type AnswerNode } from "./structure";

/** A compact picture of a node: `{a, b}` unordered, `(a, b]` ordered, `[[a b][c d]]` a matrix. */
function shape(node: AnswerNode): string {
  switch (node.kind) {
    case "scalar":
      return node.text;
    case "relation":
      return `${node.lhs} ${node.op} ${node.rhs}`;
    case "unordered":
      return `{${node.items.map(shape).join(", ")}}`;
    case "ordered":
      return `${node.open}${node.items.map(shape).join(", ")}${node.close}`;
    case "matrix":
      return `${node.determinant ? "det" : ""}[${node.rows.map((r) => `[${r.map(shape).join(" ")}]`).join("")}]`;
  }
}

describe("parseAnswer", () => {
  it.each([
    ["1, 2", "{1, 2}"],
    ["\\{1, 2\\}", "{1, 2}"],
    ["(1,2]", "(1, 2]"],
    ["\\langle 1,2\\rangle", "\u27e81, 2\u27e9"],
    ["(5)", "5"],
    ["\\emptyset", "{}"],
    // ± gives two roots, which join the list around them.
    ["\\pm2", "{+2, -2}"],
    ["0, \\pm2", "{0, +2, -2}"],
    ["\\{1\\pm\\sqrt{5},-2\\}", "{1+\\sqrt{5}, 1-\\sqrt{5}, -2}"],
    ["(0,1) \\cup (2,3)", "{(0, 1), (2, 3)}"],
    // Relations use < and \le only; inequality chains in one variable are intervals.
    ["x > 3", "3 < x"],
    ["t \\ge 5", "5 \\le t"],
    ["-1 < x \\le 2", "(-1, 2]"],
    ["2 \\ge x > -1", "(-1, 2]"],
    ["1 < x > 2", "1 < x > 2"],
    ["\\frac{10}{4} = \\frac52 = 2.5", "\\frac{10}{4} = 2.5"],
    ["\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}", "[[1 2][3 4]]"],
    ["\\begin{vmatrix}1 & 2\\\\3 & 4\\end{vmatrix}", "det[[1 2][3 4]]"],
    ["\\begin{array}{c}1\\\\2\\end{array}", "[[1][2]]"],
  ])("%s → %s", (input, expected) => {
    expect(shape(parseAnswer(input))).toBe(expected);
  });

  it("keeps labels: x = 1, y = 2 names each item", () => {
    const node = parseAnswer("x = 1, y = 2");
    expect(node.kind === "unordered" && node.items.map((item) => item.label)).toEqual(["x", "y"]);
  });
});

describe("relationAsInterval", () => {
  const interval = (s: string) => {
    const node = parseAnswer(s);
    if (node.kind !== "relation") throw new Error(`${s} is not a relation`);
    const result = relationAsInterval(node);
    return result === null ? null : shape(result);
  };

  it.each([
    ["x > 3", "(3, \\infty)"],
    ["x \\le 3", "(-\\infty, 3]"],
    ["t \\ge 5", "[5, \\infty)"],
    ["3 < \\theta", "(3, \\infty)"],
  ])("%s is %s", (input, expected) => {
    expect(interval(input)).toBe(expected);
  });

  it.each(["2y = 4x", "x < y + x", "2x < 6", "x + 1 < 3"])("%s is not an interval", (input) => {
    expect(interval(input)).toBeNull();
  });
});

describe("splitTopLevel", () => {
  it("splits outside brackets only, dropping empty parts of lists", () => {
    expect(splitTopLevel("(1,2), [3,4), \\{5,6\\}", ",")).toEqual(["(1,2)", "[3,4)", "\\{5,6\\}"]);
    expect(splitTopLevel("1, 2,, 3,", ",")).toEqual(["1", "2", "3"]);
    expect(splitTopLevel("", ",")).toEqual([""]);
  });
});
