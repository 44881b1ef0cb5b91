import { describe, expect, it } from "vitest";
import { braceArguments, LABEL, normalize } from "./latex";

describe("normalize", () => {
  it.each([
    // Thousands separators: LaTeX ones anywhere, plain commas only in a single number.
    ["12,\\!345", "12345"],
    ["12{,}345", "12345"],
    ["1,\\! 000,\\! 000", "1000000"],
    ["1\\,000", "1000"],
    ["12,345", "12345"],
    ["x = 12,345", "x = 12345"],
    ["1 000 000", "1000000"],
    ["1,2", "1,2"],
    ["(1,2)", "(1,2)"],
    ["1, 234", "1, 234"],
    ["12,3456", "12,3456"],
    // Currency and units go; percent stays as `\%`.
    ["\\$4,\\!500", "4500"],
    ["\\textdollar 5", "5"],
    ["5\\text{ cm}^2", "5"],
    ["7\\,\\mathrm{m/s}", "7"],
    ["12 square feet", "12"],
    ["45\\%", "45\\%"],
    ["45 %", "45\\%"],
    ["45 percent", "45\\%"],
    ["45\\text{ percent}", "45\\%"],
    ["30^\\circ", "30"],
    ["30^{\\circ}\\text{C}", "30"],
    // Bases: digits upper-case, base braced; names such as a_1 or a_{11} stay.
    ["61_7", "61_{7}"],
    ["3102_{4}", "3102_{4}"],
    ["(61)_7", "61_{7}"],
    ["a3_{16}", "A3_{16}"],
    ["a_{11}", "a_{11}"],
    ["x_1 + x_2", "x_1 + x_2"],
    ["19_2", "19_2"],
    // Brace-less arguments and repeating decimals.
    ["2\\sqrt11", "2\\sqrt{11}"],
    ["\\dfrac34", "\\frac{3}{4}"],
    ["0.\\dot{1}4285\\dot{7}", "0.\\overline{142857}"],
    // Words.
    ["seven", "7"],
    ["all real numbers", "(-\\infty,\\infty)"],
    ["\\mathbb{R}", "(-\\infty,\\infty)"],
    ["\\sqrt{2} \\approx 1.414", "\\sqrt{2}"],
    ["\\approx 3.14", "3.14"],
    ["x \\approx 3.14", "x \\approx 3.14"],
    ["025", "25"],
    [".5", "0.5"],
    ["0.\\overline{03}", "0.\\overline{03}"],
  ])("%s → %s", (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });
});

describe("braceArguments", () => {
  it.each([
    ["\\frac12", "\\frac{1}{2}"],
    ["\\frac 1 2", "\\frac{1}{2}"],
    ["\\frac\\pi2", "\\frac{\\pi}{2}"],
    ["\\frac{1}2", "\\frac{1}{2}"],
    // TeX reads one digit each: \frac123 is \frac{1}{2}3.
    ["\\frac123", "\\frac{1}{2}3"],
    // \sqrt takes the whole digit run, as writers mean it.
    ["\\sqrt11", "\\sqrt{11}"],
    ["\\sqrt2x", "\\sqrt{2}x"],
    ["\\sqrt x", "\\sqrt{x}"],
    ["\\sqrt[3]8", "\\sqrt[3]{8}"],
    ["\\frac{1}{\\sqrt3}", "\\frac{1}{\\sqrt{3}}"],
    ["\\binom52", "\\binom{5}{2}"],
    ["\\frac{", "\\frac{"],
    ["\\sqrt", "\\sqrt"],
  ])("%s → %s", (input, expected) => {
    expect(braceArguments(input)).toBe(expected);
  });
});

describe("LABEL", () => {
  it.each([
    ["x = 3", "x"],
    ["f(x) = 2x", "f(x)"],
    ["\\theta \\approx 1", "\\theta"],
    ["a_1 = 2", "a_1"],
    ["(x, y) = (1, 2)", "(x, y)"],
    ["AB = 5", "AB"],
    ["\\angle ABC = 30", "\\angle ABC"],
    ["x \\in [0,1]", "x"],
  ])("%s names %s", (input, name) => {
    expect(LABEL.exec(input)?.[1]).toBe(name);
  });

  it.each(["2x = 3", "x", "x + y = 3", "=3"])("%s has no label", (input) => {
    expect(LABEL.exec(input)).toBeNull();
  });
});
