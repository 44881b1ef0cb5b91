import { describe, expect, it } from "vitest";
import { dropTrailingWords, mapCommand, resolveText } from "./words";

describe("resolveText", () => {
  it.each([
    // Beside a value, text is a unit and goes (with its power).
    ["5\\text{ cm}^2", "5 "],
    ["7\\mathrm{m/s}", "7 "],
    // The whole answer: the text stays, without its command.
    ["\\text{Monday}", "Monday"],
    ["\\textbf{(C)}", "(C)"],
    ["\\text{5 cm}", "5 cm"],
    // Separators, percent and scale words mean something.
    ["1\\text{ or }2", "1, 2"],
    ["45\\text{ percent}", "45\\%"],
    ["1.5\\text{ million dollars}", "1.5\\times10^{6}"],
    ["\\mathbf{2 1 6}", "216"],
    // Upright e and i are constants, not units.
    ["\\mathrm{e}^2", "e^2"],
  ])("%s → %s", (input, expected) => {
    expect(resolveText(input)).toBe(expected);
  });
});

describe("dropTrailingWords", () => {
  it.each([
    ["12 square feet", "12"],
    ["3 cm^2", "3"],
    ["18 dollars.", "18"],
    ["45 percent", "45\\%"],
    ["2 thousand", "2\\times10^{3}"],
    ["seven", "7"],
    ["all real numbers", "(-\\infty,\\infty)"],
    ["-infinity", "-\\infty"],
    // Mathematics and answers that are words stay.
    ["2 \\sin x", "2 \\sin x"],
    ["x mod 3", "x mod 3"],
    ["no solution", "no solution"],
  ])("%s → %s", (input, expected) => {
    expect(dropTrailingWords(input)).toBe(expected);
  });
});

describe("mapCommand", () => {
  it("replaces balanced arguments and stops at an unclosed one", () => {
    expect(
      mapCommand("\\text{a{b}c} + \\mbox{d}", ["text", "mbox"], (arg, name) => `${name}:${arg}`),
    ).toBe("text:a{b}c + mbox:d");
    expect(mapCommand("\\text{a", ["text"], () => "x")).toBe("\\text{a");
  });
});
