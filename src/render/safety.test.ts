import katex from "katex";
import { describe, expect, it } from "vitest";

import {
  blockIsRenderable,
  formulaBudgets,
  formulaCountEstimate,
  formulaIsRenderable,
  katexOptions,
  MAX_BLOCK_LENGTH,
  MAX_FORMULA_NESTING,
  MAX_FORMULAS_PER_BLOCK,
  nestingEstimate,
  rehypeMathGuard,
  safeLinkHref,
  treeDepth,
} from "./safety.ts";

describe("safeLinkHref", () => {
  it("keeps absolute http(s) URLs, normalised", () => {
    expect(safeLinkHref("https://example.com/a b")).toBe("https://example.com/a%20b");
    expect(safeLinkHref(" HTTP://Example.com")).toBe("http://example.com/");
  });

  it("refuses every other scheme, however disguised", () => {
    for (const url of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      "\u0000javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "file:///etc/passwd",
      "mailto:a@b.c",
      "blob:https://example.com/x",
    ]) {
      expect(safeLinkHref(url), url).toBeNull();
    }
  });

  it("refuses relative and empty URLs", () => {
    for (const url of ["/a", "a.html", "#x", "//evil.example", "", null, undefined]) {
      expect(safeLinkHref(url)).toBeNull();
    }
  });
});

describe("formulaIsRenderable", () => {
  it("accepts ordinary formulas", () => {
    expect(formulaIsRenderable("\\frac{1}{2} + \\left( x \\right) \\{a\\}")).toBe(true);
    expect(formulaIsRenderable("\\leftarrow \\begin{pmatrix} 1 \\end{pmatrix}")).toBe(true);
  });

  it("refuses deep nesting of braces, \\left and \\begin", () => {
    const deep = MAX_FORMULA_NESTING + 1;
    expect(formulaIsRenderable("{".repeat(deep) + "}".repeat(deep))).toBe(false);
    expect(formulaIsRenderable("\\left(".repeat(deep))).toBe(false);
    expect(formulaIsRenderable("\\begin{a}".repeat(deep))).toBe(false);
  });

  it("refuses very long formulas", () => {
    expect(formulaIsRenderable("x+".repeat(10000))).toBe(false);
  });
});

describe("katexOptions", () => {
  it("hands out fresh macros for every spread, so \\gdef cannot leak", () => {
    const first = { ...katexOptions };
    const second = { ...katexOptions };
    expect(first.macros).not.toBe(second.macros);
  });

  it("refuses macro definitions and untrusted commands", () => {
    const html = katex.renderToString("\\def\\a{\\a\\a}\\a \\href{javascript:x}{y}", {
      ...katexOptions,
      throwOnError: false,
    });
    expect(html).not.toMatch(/<a[\s>]/);
    expect(html).toContain("\\def");
  });
});

describe("treeDepth", () => {
  it("measures depth without recursing", () => {
    let node = { type: "leaf", children: [] as unknown[] };
    for (let i = 0; i < 100000; i++) node = { type: "wrap", children: [node] };
    expect(treeDepth(node as Parameters<typeof treeDepth>[0])).toBe(100001);
  });
});

describe("blockIsRenderable", () => {
  it("accepts ordinary blocks", () => {
    expect(blockIsRenderable("We have $x = 1$.\n\n- a\n  - b\n    - c\n> quoted")).toBe(true);
  });

  it("refuses blocks too long to parse on every streamed frame", () => {
    expect(blockIsRenderable("word ".repeat(MAX_BLOCK_LENGTH / 5))).toBe(true);
    expect(blockIsRenderable("word ".repeat(MAX_BLOCK_LENGTH / 5 + 1))).toBe(false);
  });

  it("refuses nesting too deep to render, before parsing it", () => {
    expect(blockIsRenderable(">".repeat(5000) + " deep")).toBe(false);
    const list = Array.from({ length: 100 }, (_, i) => `${"  ".repeat(i)}- item`).join("\n");
    expect(blockIsRenderable(list)).toBe(false);
  });
});

describe("nestingEstimate", () => {
  it("counts quote markers and two columns of indentation per level", () => {
    expect(nestingEstimate("plain")).toBe(0);
    expect(nestingEstimate("> > a\n>>> b")).toBe(3);
    expect(nestingEstimate("a\n      - deep item")).toBe(3);
    expect(nestingEstimate("\t\tcode")).toBe(4);
  });
});

describe("formula budgets", () => {
  it("estimates formulas from delimiters", () => {
    expect(formulaCountEstimate("$a$ and $$b$$ and \\(c\\) and \\[d\\]")).toBe(4);
    expect(formulaCountEstimate("$$\nx\n$$\n\n$y$")).toBe(2);
    expect(formulaCountEstimate("no math")).toBe(0);
  });

  it("gives each block at most the per-block cap, and shares out the total", () => {
    const block = "$x$ ".repeat(300);
    const cap = MAX_FORMULAS_PER_BLOCK;
    expect(formulaBudgets([block, block, block], 500)).toEqual({ budgets: [cap, cap, cap], spent: 3 * cap });
    expect(formulaBudgets([block, block, "$z$"], cap + 1)).toEqual({ budgets: [cap, 1, 0], spent: cap + 1 });
    expect(formulaBudgets(["$a$", "$b$"], 0)).toEqual({ budgets: [0, 0], spent: 0 });
  });

  it("keeps earlier budgets when text is appended", () => {
    const blocks = ["$a$ $b$", "$c$"];
    expect(formulaBudgets([...blocks, "$d$"], 3).budgets.slice(0, 2)).toEqual(formulaBudgets(blocks, 3).budgets);
  });
});

describe("rehypeMathGuard", () => {
  interface Node {
    type: string;
    tagName?: string;
    properties?: { className?: unknown };
    children?: Node[];
    value?: string;
  }
  const math = (tex: string): Node => ({
    type: "element",
    tagName: "code",
    properties: { className: ["language-math", "math-inline"] },
    children: [{ type: "text", value: tex }],
  });

  it("hands KaTeX the first formulas in document order and shows the rest as source", () => {
    const first = math("a");
    const second = math("b");
    const third = math("c");
    const tree: Node = { type: "root", children: [{ type: "element", tagName: "p", children: [first, second] }, third] };
    rehypeMathGuard({ maxFormulas: 2 })(tree);
    expect(first.properties?.className).toContain("math-inline");
    expect(second.properties?.className).toContain("math-inline");
    expect(third.properties?.className).toEqual(["math-source"]);
  });
});
