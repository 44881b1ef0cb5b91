import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import { MathMarkdown } from "./MathMarkdown.tsx";

function render(text: string, streaming = false): string {
  return renderToStaticMarkup(createElement(MathMarkdown, { text, streaming }));
}

/**
 * Render and check that no tag in the output is active: no script or other
 * loading element, no event handler, no URL other than an http(s) link.
 * (Hostile text may still appear escaped, as text.)
 */
// Rendering time is not asserted here (timed unit tests flake on shared CI machines);
// the hardening e2e checks that the page stays responsive under the same inputs.
function renderHostile(text: string): string {
  const html = render(text);
  const tags = html.match(/<[^>]*>/g) ?? [];
  for (const tag of tags) {
    expect(tag).not.toMatch(
      /^<\/?(?:script|img|iframe|frame|object|embed|link|meta|base|style|svg:?image|image|form|input|button|video|audio|source)\b/i,
    );
    expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
    expect(tag).not.toMatch(/\s(?:src|srcset|action|formaction|xlink:href|background|poster)\s*=/i);
    expect(tag).not.toMatch(/javascript:|vbscript:|data:/i);
    const href = /\shref="([^"]*)"/.exec(tag)?.[1];
    if (href !== undefined) {
      expect(href).toMatch(/^https?:\/\//);
      expect(href).not.toMatch(/^https?:\/\/evil/);
    }
  }
  return html;
}

describe("MathMarkdown: hostile input", () => {
  it("shows raw HTML as text", () => {
    const html = renderHostile("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("shows inline HTML inside a paragraph as text", () => {
    const html = renderHostile('a <a href="javascript:alert(1)">x</a> <svg onload=alert(1)>');
    expect(html).not.toMatch(/<a[\s>]/);
    expect(html).not.toContain("<svg");
  });

  it("drops javascript:, data: and vbscript: links but keeps the text", () => {
    const html = renderHostile(
      "[x](javascript:alert(1)) [y](data:text/html,<script>alert(1)</script>) [z](vbscript:msgbox) [w](JaVa\tScRiPt:alert(1))",
    );
    expect(html).not.toMatch(/<a[\s>]/);
    expect(html).toContain(">x</span>");
  });

  it("drops relative links and autolinks to other schemes", () => {
    const html = renderHostile("[r](/etc/passwd) <mailto:a@b.c> [q](//evil.example)");
    expect(html).not.toMatch(/<a[\s>]/);
  });

  it("opens http(s) links in a new tab without an opener", () => {
    const html = render("[site](https://example.com/a?b=1) <http://example.org>");
    expect(html).toContain(
      '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">site</a>',
    );
    expect(html).toContain('<a href="http://example.org/" target="_blank"');
  });

  it("renders images as their alt text and never loads them", () => {
    const html = renderHostile(
      "![a cat](http://evil.example/a.png) ![](http://evil.example/b.png)",
    );
    expect(html).toContain("[image: a cat]");
    expect(html).toContain("[image]");
    expect(html).not.toContain("evil.example");
  });

  it("renders reference-style images as text too", () => {
    const html = renderHostile("![pic][p]\n\n[p]: http://evil.example/p.png");
    expect(html).not.toContain("evil.example");
    // The reference resolves (the definition is in another block) and becomes alt text.
    expect(html).toContain("[image: pic]");
  });

  it("resolves reference links across blocks, with the same link rules", () => {
    const html = renderHostile(
      "See [the proof][ok] and [this][evil] and [that][vb].\n\nMore text.\n\n[ok]: https://example.com/proof\n[evil]: javascript:alert(1)\n[vb]: <vbscript:msgbox(1)> 'x'",
    );
    expect(html).toContain('<a href="https://example.com/proof" target="_blank" rel="noopener noreferrer nofollow">the proof</a>');
    expect(html).toContain('<span class="math-markdown-link">this</span>');
    expect(html).toContain('<span class="math-markdown-link">that</span>');
    expect(html).not.toContain("[this][evil]");
  });

  it("does not let KaTeX make links, images or HTML attributes", () => {
    const html = renderHostile(
      [
        "$\\href{javascript:alert(1)}{x}$",
        "$\\href{http://evil.example}{y}$",
        "$\\url{http://evil.example/u}$",
        "$\\includegraphics{http://evil.example/x.png}$",
        "$\\htmlClass{x}{a} \\htmlId{y}{b} \\htmlStyle{background:url(http://evil.example/s)}{c} \\htmlData{foo=bar}{d}$",
      ].join("\n\n"),
    );
    expect(html).not.toMatch(/<a[\s>]/);
    // The TeX source survives only as text (the MathML annotation), never in a tag.
    expect(html).not.toMatch(/<[^>]*(?:evil\.example|data-foo)/);
  });

  it("survives 500 nested \\frac quickly, showing the source", () => {
    const tex = "\\frac{".repeat(500) + "1" + "}{2}".repeat(500);
    const html = renderHostile(`$$\n${tex}\n$$\n\nand $${tex}$`);
    expect(html).toContain("math-source");
  });

  it("survives \\def macro bombs", () => {
    const bombs = [
      "$\\def\\a{\\a\\a}\\a$",
      "$\\def\\x{xxxxxxxxxx}\\def\\y{\\x\\x\\x\\x\\x\\x\\x\\x\\x\\x}\\def\\z{\\y\\y\\y\\y\\y\\y\\y\\y\\y\\y}\\z\\z\\z\\z\\z\\z\\z\\z\\z\\z$",
      "$\\gdef\\frac{BOOM}\\frac12$ then $\\frac{1}{2}$",
      "$\\newcommand{\\b}{\\b\\b}\\b$",
      "$\\let\\c\\relax \\global\\def\\d{d}$",
      "$\\edef\\e{\\e\\e}\\e$",
    ];
    for (const bomb of bombs) {
      const html = renderHostile(bomb);
      expect(html.length).toBeLessThan(200_000);
    }
  });

  it("does not let one formula define macros for the next", () => {
    const html = render("$\\gdef\\foo{SECRET}$ and $\\foo$");
    // SECRET shows once, as the (red, inert) argument of the refused \gdef.
    expect(html.match(/<mi>S<\/mi>/g)).toHaveLength(1);
  });

  it("limits huge sizes and expansion", () => {
    renderHostile("$\\rule{10000em}{10000em} \\Huge\\Huge x$");
    renderHostile("$" + "\\sqrt{".repeat(40) + "x" + "}".repeat(40) + "$");
  });

  it("shows documents nested too deeply as source", () => {
    const html = renderHostile(">".repeat(5000) + " deep");
    expect(html).toContain("math-markdown-source");
  });

  it("shows a block too long to parse (a 1 MB line) as its source", () => {
    const line = "Lorem *ipsum* $x$ <script>alert(1)</script> ".repeat(25_000);
    const html = renderHostile(line);
    expect(html).toContain('<pre class="math-markdown-source">');
    expect(html).not.toContain("katex");
    expect(html).toContain("&lt;script&gt;");
  });

  it("renders at most a budget of formulas with KaTeX; the rest stay source", () => {
    const flood = Array.from({ length: 700 }, (_, i) => `Step ${i}: $x_{${i}}$`).join("\n\n");
    const html = renderHostile(flood);
    expect(html.match(/class="katex"/g)?.length).toBe(500);
    expect(html).toContain("Step 699");
    expect(html).toContain("math-source");
  });

  it("handles many deep lists without crashing", () => {
    let text = "";
    for (let i = 0; i < 200; i++) text += "  ".repeat(i) + "- item\n";
    renderHostile(text);
  });
});

describe("MathMarkdown: math", () => {
  it("renders \\frac{1}{2} with KaTeX", () => {
    const html = render("$\\frac{1}{2}$");
    expect(html).toContain('class="katex"');
    expect(html).toContain("mfrac");
  });

  it("renders \\( x \\) as inline math and \\[ y \\] as display math", () => {
    const html = render("Inline \\( x \\) and display \\[ y \\] done.");
    expect(html).toContain('class="katex"');
    expect(html).toContain('class="katex-display"');
    expect(html).not.toContain("\\(");
    expect(html).not.toContain("\\[");
  });

  it("renders $$ blocks as display math", () => {
    expect(render("$$\nx^2\n$$")).toContain("katex-display");
    expect(render("$$ x^2 $$")).toContain("katex-display");
  });

  it("shows prices as text, not math", () => {
    const html = render("It costs $5 and $10.");
    expect(html).not.toContain("katex");
    expect(html).toContain("It costs $5 and $10.");
  });

  it("shows a half-streamed $$ formula as source, not as a KaTeX error", () => {
    const html = render("Hence\n\n$$\n\\frac{1}{", true);
    expect(html).not.toContain("katex");
    expect(html).toContain("\\frac{1}{");
    expect(html).toContain("<code");
  });

  it("shows half-streamed inline math as source", () => {
    for (const text of ["so $\\frac{1", "so \\(\\sqrt{", "so \\[x^", "so $$x_"]) {
      const html = render(text, true);
      expect(html).not.toContain("katex");
      expect(html).toContain("<code");
    }
  });

  it("never shows a KaTeX error for any prefix of a streamed solution", () => {
    const text =
      "We have \\(x^2 = 4\\), so\n\\[\nx = \\pm 2.\n\\]\nThe price is $5.\n\n$$\n\\frac{a}{b}\n$$\n\nThus $\\boxed{2}$.";
    for (let n = 0; n <= text.length; n++) {
      const html = render(text.slice(0, n), true);
      expect(html, text.slice(0, n)).not.toContain("katex-error");
    }
  });

  it("renders code verbatim", () => {
    const html = render("```\n$x$ <b>\n```");
    expect(html).toContain("$x$ &lt;b&gt;");
    expect(html).not.toContain("katex");
  });
});

describe("MathMarkdown: reasoning", () => {
  it("puts the root class on the wrapper", () => {
    expect(render("hi")).toMatch(/^<div class="math-markdown">/);
  });

  it("renders closed reasoning as a collapsed details block", () => {
    const html = render("<think>Let me think about $x$.</think>\n\nAnswer: $4$", true);
    expect(html).toContain('<details class="math-markdown-think"><summary>Reasoning</summary>');
    expect(html).toContain("Answer:");
    expect(html.match(/class="katex"/g)).toHaveLength(2);
  });

  it("keeps unclosed reasoning open while streaming", () => {
    const html = render("<think>Still thinking", true);
    expect(html).toContain('<details class="math-markdown-think" open="">');
  });

  it("closes unfinished reasoning when streaming stops", () => {
    const html = render("<think>Cut off", false);
    expect(html).toContain('<details class="math-markdown-think">');
  });
});
