import katex from "katex";
import { describe, expect, it } from "vitest";

import {
  formulaIsRenderable,
  katexOptions,
  MAX_FORMULA_NESTING,
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
