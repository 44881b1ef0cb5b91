import { describe, expect, it } from "vitest";

import { isReferenceDefinition, referenceDefinitions } from "./references.ts";

describe("isReferenceDefinition", () => {
  it("accepts what CommonMark reads as a definition", () => {
    for (const line of [
      "[a]: http://example.com",
      "   [Label 1]: <http://example.com/a b> 'title'",
      '[x]: javascript:alert(1) "t"',
      "[p]: http://example.com/(a)b (paren title)",
      "[\\]x]: /rel",
    ]) {
      expect(isReferenceDefinition(line), line).toBe(true);
    }
  });

  it("refuses lines that would render as text", () => {
    for (const line of [
      "[1]: see above",
      "    [a]: http://indented.code",
      "[]: http://empty.label",
      "[ ]: http://blank.label",
      "[a]: http://x(",
      "[a]:",
      "text [a]: http://x",
      "[a]: <http://x",
    ]) {
      expect(isReferenceDefinition(line), line).toBe(false);
    }
  });
});

describe("referenceDefinitions", () => {
  it("collects definitions from every block, outside code fences", () => {
    const blocks = ["See [the proof][p].\n\n", "```\n[c]: http://code.example\n```\n\n", "[p]: http://example.com/p\n[q]: javascript:x\n"];
    expect(referenceDefinitions(blocks)).toBe("[p]: http://example.com/p\n[q]: javascript:x");
  });

  it("skips the unfinished last line while streaming", () => {
    expect(referenceDefinitions(["[p]: http://example.com/p\n[q]: http://exa"], { streaming: true })).toBe("[p]: http://example.com/p");
    expect(referenceDefinitions(["[p]: http://example.com/p\n[q]: http://exa"])).toBe("[p]: http://example.com/p\n[q]: http://exa");
  });

  it("is empty when there are none", () => {
    expect(referenceDefinitions(["no links here\n\n", "$$x$$"])).toBe("");
  });
});
