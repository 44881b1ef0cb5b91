import { describe, expect, it } from "vitest";
import { DISPLAY_PROPERTY, FORMULA_PROPERTY, formulaCacheStats, rehypeFormulas, renderFormula } from "./formulas.ts";

function html(tex: string, display = false): string {
  const rendered = renderFormula(tex, display);
  if (!("html" in rendered)) throw new Error(`no HTML for ${tex}: ${rendered.error}`);
  return rendered.html;
}

describe("renderFormula", () => {
  it("renders TeX with KaTeX, inline and display apart", () => {
    expect(html("\\frac{1}{2}")).toContain('class="katex"');
    expect(html("\\frac{1}{2}")).not.toContain("katex-display");
    expect(html("\\frac{1}{2}", true)).toContain('class="katex-display"');
  });

  it("renders each formula once and hands back the same result", () => {
    const first = renderFormula("x^{2} + \\sqrt{7}", false);
    expect(renderFormula("x^{2} + \\sqrt{7}", false)).toBe(first);
    expect(renderFormula("x^{2} + \\sqrt{7}", true)).not.toBe(first);
  });

  it("shows a TeX error as KaTeX's red source, not as an exception", () => {
    const out = html("\\frac{1}{");
    expect(out).toContain("katex-error");
    expect(out).toContain("#cc0000");
  });

  it("keeps untrusted TeX inert: no links, no raw HTML, no definitions", () => {
    const out = html("\\href{javascript:alert(1)}{x} \\url{https://evil.example} \\htmlId{a}{b} <img src=x onerror=alert(1)> \\def\\a{b}");
    expect(out).not.toMatch(/<a\b|href=|<img|id="a"/);
    // The markup shows only as escaped text (in the TeX annotation and red error source).
    expect(out).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("stays bounded in size however many formulas stream by", () => {
    const long = (i: number) => `${i}+` + "x^{2}+".repeat(400) + "1";
    for (let i = 0; i < 60; i++) html(long(i));
    const { chars, entries } = formulaCacheStats();
    expect(chars).toBeLessThanOrEqual(4_000_000 + long(0).length * 200);
    expect(entries).toBeLessThan(60);
    // The latest formula is still cached; the oldest was dropped and renders anew.
    expect(renderFormula(long(59), false)).toBe(renderFormula(long(59), false));
  });
});

describe("rehypeFormulas", () => {
  const code = (classes: string[], value: string) => ({
    type: "element",
    tagName: "code",
    properties: { className: classes },
    children: [{ type: "text", value }],
  });

  it("turns remark-math's inline, display and ```math elements into formula spans", () => {
    const tree = {
      type: "root",
      children: [
        { type: "element", tagName: "p", properties: {}, children: [{ type: "text", value: "so " }, code(["language-math", "math-inline"], "x")] },
        { type: "element", tagName: "pre", properties: {}, children: [code(["language-math", "math-display"], "y^2")] },
        { type: "element", tagName: "pre", properties: {}, children: [code(["language-math"], "z")] },
      ],
    };
    rehypeFormulas()(tree);
    const spans = [tree.children[0]!.children[1], tree.children[1], tree.children[2]] as Array<{ tagName: string; properties: Record<string, unknown> }>;
    expect(spans.map((s) => s.tagName)).toEqual(["span", "span", "span"]);
    expect(spans.map((s) => s.properties[FORMULA_PROPERTY])).toEqual(["x", "y^2", "z"]);
    expect(spans.map((s) => s.properties[DISPLAY_PROPERTY])).toEqual([false, true, true]);
  });

  it("leaves code and formulas the guard refused as code", () => {
    const refused = code(["math-source"], "\\frac{");
    const plain = code(["language-js"], "let x");
    const tree = { type: "root", children: [{ type: "element", tagName: "pre", properties: {}, children: [refused] }, plain] };
    rehypeFormulas()(tree);
    expect(tree.children[0]!.children![0]).toBe(refused);
    expect(tree.children[1]).toBe(plain);
  });
});
