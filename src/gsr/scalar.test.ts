import { describe, expect, it } from "vitest";
import { compareKey, exactNumber, scalarsEquivalent } from "./scalar";

const value = (key: string) => {
  const exact = exactNumber(key);
  return exact === null ? null : `${exact.num}/${exact.den}`;
};

describe("exactNumber", () => {
  it.each([
    ["12", "12/1"],
    ["-0.25", "-25/100"],
    [".5", "5/10"],
    ["\\frac{3}{4}", "3/4"],
    ["-\\frac{3}{4}", "-3/4"],
    ["\\frac{-3}{4}", "-3/4"],
    ["3/4", "3/4"],
    ["2\\frac{1}{2}", "5/2"],
    ["0.\\overline{3}", "3/9"],
    ["0.1\\overline{6}", "15/90"],
    ["1.\\overline{142857}", "1142856/999999"],
    ["1.2\\times10^{3}", "12000/10"],
    ["6.72\\times10^{-5}", "672/10000000"],
    ["3\\cdot10^8", "300000000/1"],
    ["1.2e3", "12000/10"],
    ["12345678901234567890", "12345678901234567890/1"],
  ])("%s = %s", (key, expected) => {
    expect(value(key)).toBe(expected);
  });

  it.each(["\\frac{1}{0}", "x", "\\sqrt{2}", "1.2\\times10^{999}", "", "."])(
    "%s is not a plain number",
    (key) => {
      expect(value(key)).toBeNull();
    },
  );
});

describe("scalarsEquivalent", () => {
  it("reads a percent as the number written or as its value, never a hundred times it", () => {
    expect(scalarsEquivalent("45\\%", "45")).toBe(true);
    expect(scalarsEquivalent("45\\%", "0.45")).toBe(true);
    expect(scalarsEquivalent("\\frac{9}{20}", "45\\%")).toBe(true);
    expect(scalarsEquivalent("12.5\\%", "\\frac{1}{8}")).toBe(true);
    expect(scalarsEquivalent("\\frac{100}{3}\\%", "\\frac13")).toBe(true);
    expect(scalarsEquivalent("45\\%", "45\\%")).toBe(true);
    expect(scalarsEquivalent("45\\%", "0.45\\%")).toBe(false);
    expect(scalarsEquivalent("0.45", "45")).toBe(false);
    expect(scalarsEquivalent("45\\%", "4500")).toBe(false);
  });

  it("reads a bare numeral in the base the other side names, and based numerals by value", () => {
    expect(scalarsEquivalent("61_{7}", "61")).toBe(true);
    expect(scalarsEquivalent("061_{7}", "61")).toBe(true);
    expect(scalarsEquivalent("A3_{16}", "a3")).toBe(true);
    expect(scalarsEquivalent("61_{7}", "43_{10}")).toBe(true);
    expect(scalarsEquivalent("61_{7}", "43")).toBe(false);
    expect(scalarsEquivalent("61_{7}", "61_{8}")).toBe(false);
    expect(scalarsEquivalent("61_{7}", "\\frac{122}{2}")).toBe(false);
  });

  it("compares numbers exactly and expressions by value", () => {
    expect(scalarsEquivalent("0.1\\overline{6}", "\\frac{1}{6}")).toBe(true);
    expect(scalarsEquivalent("0.1666666667", "\\frac{1}{6}")).toBe(false);
    expect(scalarsEquivalent("\\pi r^2", "r^2\\pi")).toBe(true);
    expect(scalarsEquivalent("\\pi r^2", "\\pi r")).toBe(false);
  });
});

describe("compareKey", () => {
  it("drops spaces and folds the case of words, not of single letters", () => {
    expect(compareKey("\\frac {1} {2}")).toBe("\\frac{1}{2}");
    expect(compareKey("Monday")).toBe("monday");
    expect(compareKey("X")).toBe("X");
  });
});
