import { describe, expect, it } from "vitest";
import {
  extractBoxedAnswer,
  extractFinalAnswer,
  findBoxes,
  matchingBrace,
  stripThinking,
} from "./extract";

describe("extractBoxedAnswer", () => {
  const cases: [string, string, string | null][] = [
    ["simple integer", "So the answer is \\boxed{42}.", "42"],
    ["nested braces", "Thus $\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}"],
    [
      "deeply nested",
      "\\boxed{\\frac{\\sqrt{3}}{2^{\\frac{1}{2}}}}",
      "\\frac{\\sqrt{3}}{2^{\\frac{1}{2}}}",
    ],
    ["last of several", "First \\boxed{1}, then corrected: \\boxed{2}", "2"],
    ["fbox", "Answer: \\fbox{7}", "7"],
    ["space before brace", "\\boxed {12}", "12"],
    ["newline before brace", "\\boxed\n{12}", "12"],
    ["escaped braces inside", "\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"],
    [
      "line break command before brace group",
      "\\boxed{\\begin{pmatrix}1\\\\{2}\\end{pmatrix}}",
      "\\begin{pmatrix}1\\\\{2}\\end{pmatrix}",
    ],
    ["trims whitespace", "\\boxed{  x = 3  }", "x = 3"],
    ["text inside", "\\boxed{\\text{(B)}}", "\\text{(B)}"],
    ["no box", "The answer is 5.", null],
    ["empty box", "\\boxed{}", null],
    ["whitespace-only box", "\\boxed{   }", null],
    ["unclosed box while streaming", "so \\boxed{\\frac{1}{", null],
    ["unclosed after a closed one", "\\boxed{1} hmm, actually \\boxed{2", null],
    ["command at the very end", "the answer is \\boxed", null],
    ["ignores think block", "<think>maybe \\boxed{3}</think> Final: \\boxed{4}", "4"],
    ["only think block", "<think>maybe \\boxed{3}</think> I am not sure.", null],
    ["unclosed think to the end", "\\boxed{5} <think> wait, \\boxed{6}", "5"],
    ["stray closing think", "reasoning \\boxed{1} </think> So \\boxed{2}", "2"],
    ["stray closing think without answer after", "reasoning \\boxed{1} </think> no box here", null],
    ["nested box keeps the outer", "\\boxed{a + \\boxed{b}}", "a + \\boxed{b}"],
    ["boxed without braces", "hence \\boxed 5 is it", "5"],
    ["not boxedfoo", "\\boxedfoo{1}", null],
    ["multiline content", "\\boxed{\n  x^2 - 1\n}", "x^2 - 1"],
    // Sentence punctuation after the box is not the answer.
    ["brace-less box before a period", "So the answer is \\boxed 7.", "7"],
    ["box before a period", "So the answer is \\boxed{7}.", "7"],
    ["box before $ and a period", "So the answer is $\\boxed{7}$.", "7"],
    ["brace-less box before $ and a period", "So the answer is $\\boxed 7$.", "7"],
    ["brace-less box without space", "\\boxed7, done", "7"],
    ["brace-less decimal before a comma", "\\boxed 3.5, which", "3.5"],
    ["brace-less negative", "\\boxed -12.", "-12"],
    ["brace-less factorial keeps its !", "\\boxed 5!", "5!"],
    ["brace-less command with arguments", "\\boxed\\frac{1}{2}.", "\\frac{1}{2}"],
    ["brace-less with a command inside", "\\boxed 2\\sqrt{3}.", "2\\sqrt{3}"],
    ["brace-less inside \\( \\)", "\\(\\boxed 7\\).", "7"],
    ["brace-less before a line break", "\\boxed 7\\\\ next", "7"],
    ["brace-less box inside parentheses", "(so it is \\boxed 7).", "7"],
    ["brace-less interval keeps its brackets", "\\boxed (1,2].", "(1,2]"],
    ["brace-less box in markdown bold", "**\\boxed 7**", "7"],
    ["period inside the box", "\\boxed{7.}", "7"],
    ["decimal inside the box keeps its point", "\\boxed{3.5}", "3.5"],
    ["ellipsis inside the box stays", "\\boxed{1, 2, \\ldots}", "1, 2, \\ldots"],
    ["box inside a box", "\\boxed{\\boxed{7}}", "7"],
    ["dollars inside the box", "\\boxed{$\\frac{1}{2}$}", "\\frac{1}{2}"],
    ["choice letter", "$\\boxed{\\text{(C)}}$.", "\\text{(C)}"],
    ["thousands separator", "\\boxed{12,\\!345}.", "12,\\!345"],
  ];
  it.each(cases)("%s", (_name, text, expected) => {
    expect(extractBoxedAnswer(text)).toBe(expected);
  });
});

describe("extractFinalAnswer", () => {
  const cases: [string, string, string | null][] = [
    ["prefers the box", "The final answer is 3. \\boxed{4}", "4"],
    ["final answer is", "Therefore, the final answer is 12.", "12"],
    ["The answer is:", "The answer is: 7", "7"],
    ["Final Answer: with math", "Final Answer: $\\frac{1}{2}$", "\\frac{1}{2}"],
    ["Minerva style", "Final Answer: The final answer is $8$. I hope it is correct.", "8"],
    ["keeps decimals", "So the answer is 3.5.", "3.5"],
    ["markdown bold", "**Final Answer:** 9", "9"],
    ["answer on the next line", "**Final Answer**\n\n$x = 2$", "x = 2"],
    ["takes the last phrase", "The answer is 1. Wait, no. The answer is 2.", "2"],
    ["display math", "The final answer is \\[ \\sqrt{2} \\]", "\\sqrt{2}"],
    ["inline parens math", "The answer is \\(3\\pi\\).", "3\\pi"],
    ["prose without is/colon", "To find the answer we compute 2+2.", null],
    ["nothing", "I could not solve it.", null],
    ["empty after phrase", "The final answer is", null],
    ["unclosed box while streaming", "The answer is 3, so \\boxed{3", null],
    ["ignores thinking", "<think>The answer is 5.</think>The answer is 6.", "6"],
  ];
  it.each(cases)("%s", (_name, text, expected) => {
    expect(extractFinalAnswer(text)).toBe(expected);
  });
});

describe("helpers", () => {
  it("stripThinking removes closed, unclosed and prompt-opened blocks", () => {
    expect(stripThinking("a<think>b</think>c<think>d</think>e")).toBe("ace");
    expect(stripThinking("a<think>b")).toBe("a");
    expect(stripThinking("b</think>c")).toBe("c");
    expect(stripThinking("plain")).toBe("plain");
  });

  it("matchingBrace skips escaped braces and reports unbalanced input", () => {
    expect(matchingBrace("{a\\}b}", 0)).toBe(5);
    expect(matchingBrace("{{}", 0)).toBeNull();
  });

  it("findBoxes lists top-level boxes in order", () => {
    const boxes = findBoxes("\\boxed{1} and \\fbox{2} and \\boxed{3");
    expect(boxes.map((b) => b.content)).toEqual(["1", "2", null]);
    expect(boxes[0]?.end).toBe(9);
  });

  it("findBoxes ends a brace-less box before its sentence punctuation", () => {
    expect(findBoxes("\\boxed 7. Done")).toEqual([{ start: 0, content: "7", end: 8 }]);
  });
});
