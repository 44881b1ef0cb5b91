import { describe, expect, it } from "vitest";

import { BlockSplitter, splitBlocks } from "./blocks.ts";

describe("splitBlocks", () => {
  it("returns no blocks for empty text", () => {
    expect(splitBlocks("")).toEqual([]);
  });

  it("splits paragraphs at blank lines, keeping the blank lines", () => {
    expect(splitBlocks("a\nb\n\nc\n\n\nd")).toEqual(["a\nb\n\n", "c\n\n\n", "d"]);
  });

  it("joins back to the original text", () => {
    const text = "# Title\n\npara $x$\n\n```\ncode\n\nmore\n```\n\n$$\na\n\nb\n$$\n\nend\n";
    expect(splitBlocks(text).join("")).toBe(text);
  });

  it("never splits inside a code fence", () => {
    expect(splitBlocks("```\na\n\nb\n```\n\nc")).toEqual(["```\na\n\nb\n```\n\n", "c"]);
  });

  it("never splits inside an unclosed code fence", () => {
    expect(splitBlocks("~~~\na\n\nb")).toEqual(["~~~\na\n\nb"]);
  });

  it("never splits inside $$ display math", () => {
    expect(splitBlocks("$$\na\n\nb\n$$\n\nc")).toEqual(["$$\na\n\nb\n$$\n\n", "c"]);
  });

  it("knows $$x / y$$ block edges", () => {
    expect(splitBlocks("$$x\n\ny$$\n\nc")).toEqual(["$$x\n\ny$$\n\n", "c"]);
  });

  it("does not open a block on $$ x $$ alone on a line", () => {
    expect(splitBlocks("$$ x $$\n\nc")).toEqual(["$$ x $$\n\n", "c"]);
  });

  it("keeps indented continuations with their list item", () => {
    expect(splitBlocks("1. a\n\n   more a\n\n2. b")).toEqual(["1. a\n\n   more a\n\n", "2. b"]);
  });
});

describe("BlockSplitter", () => {
  const text =
    "First paragraph with $x$.\n\n$$\n\\frac{1}{2}\n$$\n\nSecond \\(y\\).\n\n```\ncode\n\n```\n\nLast one";

  it("agrees with splitBlocks on every prefix while streaming", () => {
    const splitter = new BlockSplitter();
    for (let n = 0; n <= text.length; n++) {
      const prefix = text.slice(0, n);
      expect(splitter.split(prefix)).toEqual(splitBlocks(prefix));
    }
  });

  it("returns the very same strings for finished blocks", () => {
    const splitter = new BlockSplitter();
    const before = splitter.split("a\n\nb\n\nc");
    const after = splitter.split("a\n\nb\n\nc and more");
    expect(after).toHaveLength(3);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).toBe("c and more");
  });

  it("starts over when the text is replaced", () => {
    const splitter = new BlockSplitter();
    splitter.split("a\n\nb");
    expect(splitter.split("x\n\ny")).toEqual(["x\n\n", "y"]);
    expect(splitter.scanned).toBe(4);
  });

  it("scans only the last block, however long the text", () => {
    const paragraph = "Some words and $x^2$ math here.\n\n";
    const work = (paragraphs: number): number => {
      const splitter = new BlockSplitter();
      const base = paragraph.repeat(paragraphs) + "Tail";
      splitter.split(base);
      splitter.split(base + " token");
      return splitter.scanned;
    };
    expect(work(10)).toBe(work(400));
    expect(work(400)).toBe("Tail token".length);
  });
});
