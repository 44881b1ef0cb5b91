import { describe, expect, it } from "vitest";
import { extractBoxedAnswer } from "./extract";
import {
  buildRefinePrompt,
  buildSolvePrompt,
  ContextTooLongError,
  dropThinkBlocks,
  finalPartStart,
  fitRefinePrompt,
  lengthCap,
  MIN_HEAD_CHARS,
  promptTokenBound,
  shortenCandidate,
  TEMPLATE_TOKEN_ALLOWANCE,
  truncateMiddle,
} from "./prompts";
import type { ChatMessage } from "./types";

/** A port whose tokens are characters / 4, like a rough tokenizer. */
function fakePort(contextWindow: number) {
  const calls: ChatMessage[][] = [];
  return {
    calls,
    contextWindow: () => contextWindow,
    countTokens: async (messages: ChatMessage[]) => {
      calls.push(messages);
      return Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
    },
  };
}

/** A long derivation ending in a boxed answer. */
function derivation(label: string, steps: number, answer: string): string {
  const lines = Array.from(
    { length: steps },
    (_, i) => `Step ${i + 1} of ${label}: we simplify the expression once more.`,
  );
  return `${label} begins by restating the problem.\n${lines.join("\n")}\nTherefore the answer is \\boxed{${answer}}.`;
}

describe("buildSolvePrompt", () => {
  it("asks for steps and a boxed answer, then gives the problem", () => {
    const [system, user, ...rest] = buildSolvePrompt("  What is 2+2?  ");
    expect(rest).toEqual([]);
    expect(system?.role).toBe("system");
    expect(system?.content).toMatch(/step by step/);
    expect(system?.content).toContain("\\boxed{}");
    expect(user).toEqual({ role: "user", content: "What is 2+2?" });
  });
});

describe("buildRefinePrompt", () => {
  const messages = buildRefinePrompt("Find x.", [
    "x = 1, so \\boxed{1}",
    "x = 2, so \\boxed{2}",
    "no idea",
  ]);
  const user = messages.find((m) => m.role === "user")?.content ?? "";

  it("puts the problem first, then every candidate numbered and delimited, then the task", () => {
    expect(user.indexOf("Find x.")).toBeLessThan(user.indexOf("Candidate solution 1 of 3"));
    expect(user.indexOf("Candidate solution 1 of 3")).toBeLessThan(
      user.indexOf("Candidate solution 2 of 3"),
    );
    expect(user.indexOf("End of candidate solution 3")).toBeLessThan(user.indexOf("Your task"));
    for (const i of [1, 2, 3]) expect(user).toContain(`End of candidate solution ${i}`);
    expect(user).toContain("x = 2, so \\boxed{2}");
  });

  it("asks for a critical review and one self-contained solution with a boxed answer", () => {
    expect(user).toMatch(/critically/);
    expect(user).toMatch(/All candidates may be wrong/);
    expect(user).toMatch(/sound/);
    expect(user).toMatch(/complete solution that stands on its own/);
    expect(user).toContain("\\boxed{}");
  });

  it("handles a single candidate", () => {
    const single = buildRefinePrompt("P", ["only"])[1]?.content ?? "";
    expect(single).toContain("Here is 1 candidate solution");
    expect(single).toContain("Candidate solution 1 of 1");
  });
});

describe("truncateMiddle and friends", () => {
  const long = "a".repeat(200) + " " + "b".repeat(2000) + " " + "c".repeat(200);

  it("leaves short texts alone", () => {
    expect(truncateMiddle("short", 100)).toBe("short");
  });

  it("cuts the middle, keeps both ends and says how much went", () => {
    const cut = truncateMiddle(long, 800);
    expect(cut.length).toBeLessThanOrEqual(800);
    expect(cut.startsWith("a".repeat(MIN_HEAD_CHARS))).toBe(true);
    expect(cut.endsWith("c".repeat(200))).toBe(true);
    const omitted = Number(/\[… (\d+) characters omitted …\]/.exec(cut)?.[1]);
    expect(cut.length - cut.match(/\n\[… \d+ characters omitted …\]\n/)![0].length + omitted).toBe(
      long.length,
    );
  });

  it("always keeps everything from keepFrom on", () => {
    const cut = truncateMiddle(long, 300, 1000);
    expect(cut.endsWith(long.slice(1000))).toBe(true);
  });

  it("keeps the line with the last boxed answer", () => {
    const text = derivation("Alice", 200, "\\frac{1}{2}");
    const start = finalPartStart(text);
    expect(text.slice(start)).toBe("Therefore the answer is \\boxed{\\frac{1}{2}}.");
    const shortest = shortenCandidate(text, 0);
    expect(shortest.length).toBeLessThan(500);
    expect(extractBoxedAnswer(shortest)).toBe("\\frac{1}{2}");
    expect(shortest.startsWith("Alice begins")).toBe(true);
  });

  it("keeps the last characters when there is no box", () => {
    const text = "x".repeat(5000);
    expect(finalPartStart(text)).toBe(5000 - 240);
  });

  it("drops think blocks, but not a candidate's only content", () => {
    expect(dropThinkBlocks("<think>long musing</think>\nSo \\boxed{3}")).toBe("So \\boxed{3}");
    expect(dropThinkBlocks("musing</think>So \\boxed{3}")).toBe("So \\boxed{3}");
    expect(dropThinkBlocks("Answer \\boxed{1}<think>more")).toBe("Answer \\boxed{1}");
    expect(dropThinkBlocks("<think>all reasoning, cut off")).toBe("<think>all reasoning, cut off");
  });

  it("lengthCap cuts long candidates first", () => {
    expect(lengthCap([100, 1000, 1000], 1100)).toBe(500);
    expect(lengthCap([100, 200], 1000)).toBe(200);
    expect(lengthCap([300, 300], 300)).toBe(150);
    expect(lengthCap([], 10)).toBe(0);
  });
});

describe("fitRefinePrompt", () => {
  const candidates = [
    derivation("Alice", 60, "3"),
    derivation("Bob", 80, "4"),
    derivation("Carol", 10, "3"),
  ];

  it("returns the full prompt when it fits", async () => {
    const port = fakePort(100_000);
    const fitted = await fitRefinePrompt("Find n.", candidates, port, 1000);
    expect(fitted.shortened).toBeNull();
    expect(fitted.messages).toEqual(buildRefinePrompt("Find n.", candidates));
    expect(fitted.promptTokens).toBe(await port.countTokens(fitted.messages));
  });

  it("drops think blocks first and stops there when that is enough", async () => {
    const thinking = candidates.map((c) => `<think>${"hmm ".repeat(2000)}</think>\n${c}`);
    const full = await fakePort(0).countTokens(buildRefinePrompt("Find n.", thinking));
    const port = fakePort(full - 1000);
    const fitted = await fitRefinePrompt("Find n.", thinking, port, 500);
    expect(fitted.shortened?.thinkBlocksDropped).toBe(true);
    expect(fitted.shortened?.originalTokens).toBe(full);
    expect(fitted.shortened?.removedChars).toEqual(
      thinking.map((t, i) => t.length - (candidates[i] ?? "").length),
    );
    expect(fitted.messages[1]?.content).not.toContain("<think>");
    expect(fitted.messages[1]?.content).toContain(candidates[1]);
    expect(fitted.promptTokens + 500).toBeLessThanOrEqual(port.contextWindow());
  });

  it("cuts the middle of long candidates until it fits, keeping every final answer", async () => {
    const full = await fakePort(0).countTokens(buildRefinePrompt("Find n.", candidates));
    const port = fakePort(Math.floor(full * 0.6) + 300);
    const fitted = await fitRefinePrompt("Find n.", candidates, port, 300);
    const report = fitted.shortened;
    expect(report).not.toBeNull();
    expect(report?.thinkBlocksDropped).toBe(false);
    expect(report?.finalTokens).toBe(fitted.promptTokens);
    expect(fitted.promptTokens).toBeLessThanOrEqual(port.contextWindow() - 300);
    // The budget is used, not wasted: the fit lands close to it.
    expect(fitted.promptTokens).toBeGreaterThan((port.contextWindow() - 300) * 0.85);
    // The short candidate is kept whole; the long ones lose their middles.
    expect(report?.removedChars[2]).toBe(0);
    expect(report?.removedChars[1]).toBeGreaterThan(report?.removedChars[0] ?? Infinity);
    const user = fitted.messages[1]?.content ?? "";
    expect(user).toContain("characters omitted");
    for (const answer of ["\\boxed{3}", "\\boxed{4}"]) expect(user).toContain(answer);
    expect(user).toContain("Bob begins by restating the problem.");
  });

  it("throws ContextTooLongError, saying by how much, when nothing fits", async () => {
    const port = fakePort(400);
    const error = await fitRefinePrompt("Find n.", candidates, port, 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContextTooLongError);
    const tooLong = error as ContextTooLongError;
    expect(tooLong.name).toBe("ContextTooLongError");
    expect(tooLong.overBy).toBe(tooLong.promptTokens + 300 - 400);
    expect(tooLong.message).toContain(`${tooLong.overBy} tokens over`);
  });
});

describe("promptTokenBound", () => {
  it("bounds tokens by UTF-8 bytes plus the template's allowance", () => {
    const ascii = [{ role: "user" as const, content: "x".repeat(100) }];
    expect(promptTokenBound(ascii)).toBe(100 + 16 + TEMPLATE_TOKEN_ALLOWANCE);
    // Each of these characters is 3 bytes, and may be 3 tokens in a byte-fallback tokenizer.
    const cjk = [{ role: "user" as const, content: "数学题".repeat(10) }];
    expect(promptTokenBound(cjk)).toBe(90 + 16 + TEMPLATE_TOKEN_ALLOWANCE);
  });
});
