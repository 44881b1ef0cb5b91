import { describe, expect, it } from "vitest";

import { closeIncompleteMath, normalizeMath } from "./normalizeMath.ts";
import { looksLikeInlineMath } from "./prose.ts";

describe("normalizeMath: LaTeX delimiters", () => {
  it("rewrites \\( .. \\) to inline dollars, trimming the body", () => {
    expect(normalizeMath("so \\( x^2 \\) holds")).toBe("so $x^2$ holds");
  });

  it("rewrites several inline formulas on one line", () => {
    expect(normalizeMath("\\(a\\) and \\(b\\)")).toBe("$a$ and $b$");
  });

  it("uses a longer dollar run when the body contains a dollar", () => {
    expect(normalizeMath("\\(\\$5\\)")).toBe("$$\\$5$$");
  });

  it("puts \\[ .. \\] on lines of its own", () => {
    expect(normalizeMath("We get \\[x = 1\\] so done.")).toBe("We get\n$$\nx = 1\n$$\nso done.");
  });

  it("keeps a multi-line \\[ block as a $$ block", () => {
    expect(normalizeMath("\\[\n  x = 1 \\\\\n  y = 2\n\\]\nnext")).toBe(
      "$$\nx = 1 \\\\\ny = 2\n$$\nnext",
    );
  });

  it("keeps display math inside a list item by indenting it", () => {
    expect(normalizeMath("1. First \\[x\\]\n2. Second")).toBe(
      "1. First\n   $$\n   x\n   $$\n2. Second",
    );
  });

  it("does not pair delimiters across a blank line", () => {
    expect(normalizeMath("\\( a\n\nb \\)")).toBe("\\( a\n\nb \\)");
  });

  it("leaves an escaped backslash before a parenthesis alone", () => {
    expect(normalizeMath("a \\\\(b\\\\) c")).toBe("a \\\\(b\\\\) c");
  });
});

describe("normalizeMath: $$ display lines", () => {
  it("turns $$ x $$ alone on a line into a display block", () => {
    expect(normalizeMath("text\n$$ x + 1 $$\nmore")).toBe("text\n$$\nx + 1\n$$\nmore");
  });

  it("moves a formula written after the opening $$ onto its own line", () => {
    expect(normalizeMath("$$x = 1\ny = 2$$")).toBe("$$\nx = 1\ny = 2\n$$");
  });

  it("moves text after a closing $$ out of the block", () => {
    expect(normalizeMath("$$\nx\n$$ so $5 left")).toBe("$$\nx\n$$\nso \\$5 left");
  });

  it("leaves canonical display blocks and inline $$ untouched", () => {
    const text = "a $$x$$ b\n\n$$\n\\$5 and $10\n$$";
    expect(normalizeMath(text)).toBe(text);
  });
});

describe("normalizeMath: currency", () => {
  it("escapes prices", () => {
    expect(normalizeMath("It costs $5 and $10.")).toBe("It costs \\$5 and \\$10.");
  });

  it("escapes a lone price", () => {
    expect(normalizeMath("Total: $1,250.50")).toBe("Total: \\$1,250.50");
  });

  it("keeps math that starts with a digit", () => {
    for (const text of ["$5x$", "$5$", "$2^{10}$", "$3 \\times 4 = 12$", "$2 + 2$", "$10\\%$"]) {
      expect(normalizeMath(text)).toBe(text);
    }
  });

  it("escapes a price whose 'closing' dollar starts the next price", () => {
    expect(normalizeMath("$5-$3=$2")).toBe("\\$5-\\$3=\\$2");
  });

  it("escapes a price but keeps the math after it", () => {
    expect(normalizeMath("He paid $3.50 for $2$ items and $x$ more")).toBe(
      "He paid \\$3.50 for $2$ items and $x$ more",
    );
  });

  it("treats a body with words as prose", () => {
    expect(normalizeMath("between $5 and 10$ today")).toBe("between \\$5 and 10$ today");
  });

  it("does not pair a price with a dollar on a later line", () => {
    expect(normalizeMath("costs $5.\nThen $x$ is")).toBe("costs \\$5.\nThen $x$ is");
  });

  it("keeps inline math that does not start with a digit", () => {
    expect(normalizeMath("Let $x = 5$ and $y$.")).toBe("Let $x = 5$ and $y$.");
  });

  it("leaves already escaped dollars alone (idempotent)", () => {
    const once = normalizeMath("It costs $5 and \\(x\\) is \\[y\\]");
    expect(normalizeMath(once)).toBe(once);
  });

  it("documents the rule through looksLikeInlineMath", () => {
    expect(looksLikeInlineMath("5x")).toBe(true);
    expect(looksLikeInlineMath("5 \\text{ apples}")).toBe(true);
    expect(looksLikeInlineMath("5 and ")).toBe(false);
    expect(looksLikeInlineMath("5 and 10")).toBe(false);
    expect(looksLikeInlineMath("")).toBe(false);
  });
});

describe("normalizeMath: code is never touched", () => {
  it("leaves fenced code alone", () => {
    const text = "```\n$5 and \\(x\\) $$ y $$\n```\nafter $5";
    expect(normalizeMath(text)).toBe("```\n$5 and \\(x\\) $$ y $$\n```\nafter \\$5");
  });

  it("leaves tilde fences and fences in list items alone", () => {
    const text = "- item\n  ~~~\n  cost $5 \\(x\\)\n  ~~~";
    expect(normalizeMath(text)).toBe(text);
  });

  it("leaves inline code spans alone", () => {
    expect(normalizeMath("run `echo $5 \\(x\\)` for $5")).toBe("run `echo $5 \\(x\\)` for \\$5");
  });

  it("leaves double-backtick spans alone", () => {
    expect(normalizeMath("``a ` $5 ``")).toBe("``a ` $5 ``");
  });

  it("does not stream-close math inside an unclosed fence", () => {
    const text = "```python\nprint('$x')";
    expect(normalizeMath(text, { streaming: true })).toBe(text);
  });
});

describe("normalizeMath: streaming safety", () => {
  it("shows an unclosed inline $ as code while streaming", () => {
    expect(normalizeMath("so $\\frac{1}{", { streaming: true })).toBe("so `$\\frac{1}{`");
  });

  it("renders it normally once closed", () => {
    expect(normalizeMath("so $\\frac{1}{2}$", { streaming: true })).toBe("so $\\frac{1}{2}$");
  });

  it("leaves an unclosed $ alone when not streaming", () => {
    expect(normalizeMath("so $\\frac{1}{")).toBe("so $\\frac{1}{");
  });

  it("shows an unclosed $$ block as a code block", () => {
    expect(closeIncompleteMath("Thus\n\n$$\nx = \\frac{1}")).toBe(
      "Thus\n\n```tex\n$$\nx = \\frac{1}\n```",
    );
  });

  it("shows an unclosed \\[ as a code block", () => {
    expect(closeIncompleteMath("Hence \\[ x = \\sqrt{")).toBe(
      "Hence\n```tex\n\\[ x = \\sqrt{\n```",
    );
  });

  it("shows an unclosed \\( as inline code", () => {
    expect(closeIncompleteMath("take \\(a + \n b")).toBe("take `\\(a + b`");
  });

  it("shows an unclosed inline $$ as inline code", () => {
    expect(closeIncompleteMath("x $$y")).toBe("x `$$y`");
  });

  it("only touches the last paragraph", () => {
    expect(closeIncompleteMath("a $x\n\nb $y")).toBe("a $x\n\nb `$y`");
  });

  it("treats a half-typed price as text, not code", () => {
    expect(closeIncompleteMath("costs $5")).toBe("costs \\$5");
  });

  it("turns an unfinished ```math fence into a tex code block", () => {
    expect(closeIncompleteMath("```math\nx^")).toBe("```tex\nx^");
    expect(closeIncompleteMath("```math\nx^2\n```")).toBe("```math\nx^2\n```");
  });

  it("uses a longer fence when the source contains backticks", () => {
    expect(closeIncompleteMath("$$\n`x`")).toBe("```tex\n$$\n`x`\n```");
    expect(closeIncompleteMath("$a ` b")).toBe("``$a ` b``");
  });

  it("keeps the last block in a list item", () => {
    expect(closeIncompleteMath("- step\n  $$\n  x +")).toBe("- step\n  ```tex\n  $$\n  x +\n  ```");
  });

  it("never throws on arbitrary prefixes of a tricky text", () => {
    const text =
      "Price $5, so \\(x^2\\) and\n\\[\n\\frac{1}{2}\n\\]\n$$y$$\n```\ncode $\n```\n`a $` $$\nz\n$$ end $";
    for (let n = 0; n <= text.length; n++) {
      expect(() => normalizeMath(text.slice(0, n), { streaming: true })).not.toThrow();
    }
  });

  it("copes with hostile input (no catastrophic backtracking: a hang would hit the test timeout)", () => {
    const text = "$1 ".repeat(20000) + "`".repeat(5000) + "$$ ".repeat(20000) + "\\(".repeat(20000);
    expect(typeof normalizeMath(text, { streaming: true })).toBe("string");
  });
});
