import { describe, expect, it } from "vitest";
import { clampStep, NARROW_QUERY, streamTail, stripColumns, SWIPE_MIN_PX, swipeStep, tabAfterKey } from "./layout";
import { readFileSync } from "node:fs";

describe("stripColumns", () => {
  it("puts up to four candidates in one row and more in two", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(stripColumns)).toEqual([1, 2, 3, 4, 3, 3, 4, 4]);
  });
  it("keeps one column for an empty run", () => {
    expect(stripColumns(0)).toBe(1);
  });
});

describe("swipeStep", () => {
  it("finger moving left shows the next candidate, right the previous", () => {
    expect(swipeStep(-120, 5)).toBe(1);
    expect(swipeStep(120, -5)).toBe(-1);
  });
  it("ignores taps and jitter shorter than the threshold", () => {
    expect(swipeStep(SWIPE_MIN_PX - 1, 0)).toBe(0);
    expect(swipeStep(-(SWIPE_MIN_PX - 1), 0)).toBe(0);
    expect(swipeStep(-SWIPE_MIN_PX, 0)).toBe(1);
  });
  it("ignores mostly vertical moves (the reader is scrolling)", () => {
    expect(swipeStep(-80, 100)).toBe(0);
    expect(swipeStep(89, 60)).toBe(0);
    expect(swipeStep(90, 60)).toBe(-1);
  });
});

describe("tabAfterKey", () => {
  it("moves with the arrows and wraps at both ends", () => {
    expect(tabAfterKey("ArrowRight", 0, 4)).toBe(1);
    expect(tabAfterKey("ArrowRight", 3, 4)).toBe(0);
    expect(tabAfterKey("ArrowLeft", 0, 4)).toBe(3);
    expect(tabAfterKey("ArrowDown", 1, 4)).toBe(2);
    expect(tabAfterKey("ArrowUp", 1, 4)).toBe(0);
  });
  it("jumps with Home and End", () => {
    expect(tabAfterKey("Home", 2, 4)).toBe(0);
    expect(tabAfterKey("End", 0, 4)).toBe(3);
  });
  it("leaves other keys and empty strips alone", () => {
    expect(tabAfterKey("Enter", 0, 4)).toBeNull();
    expect(tabAfterKey("a", 0, 4)).toBeNull();
    expect(tabAfterKey("ArrowRight", 0, 0)).toBeNull();
  });
});

describe("clampStep", () => {
  it("steps inside the candidates and stops at the ends (no wrap on a swipe)", () => {
    expect(clampStep(1, 1, 4)).toBe(2);
    expect(clampStep(3, 1, 4)).toBe(3);
    expect(clampStep(0, -1, 4)).toBe(0);
    expect(clampStep(0, 1, 0)).toBe(0);
  });
});

describe("streamTail", () => {
  it("keeps a short text whole, on one line", () => {
    expect(streamTail("Let  x\n\n= 2.")).toBe("Let x = 2.");
  });
  it("keeps the last characters of a long text, marked as cut", () => {
    const tail = streamTail(`${"a".repeat(100)}THE END`, 10);
    expect(tail).toBe("…aaaTHE END");
  });
  it("never starts with half a surrogate pair", () => {
    const text = `${"x".repeat(20)}😀abc`; // 😀 is two UTF-16 units
    const tail = streamTail(text, 4); // a cut at 4 would fall inside the emoji
    expect(tail).toBe("…abc");
    expect(streamTail(text, 5)).toBe("…😀abc");
  });
});

describe("NARROW_QUERY", () => {
  it("is the width Narrow.css uses (CSS cannot import it)", () => {
    const width = /max-width:\s*([\d.]+px)/.exec(NARROW_QUERY)![1]!;
    const css = readFileSync(new URL("./Narrow.css", import.meta.url), "utf8");
    const widths = [...css.matchAll(/max-width:\s*([\d.]+px)\)/g)].map((m) => m[1]);
    expect(widths.length).toBeGreaterThan(1);
    expect(new Set(widths)).toEqual(new Set([width]));
  });
});
