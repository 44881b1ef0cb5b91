import { describe, expect, it } from "vitest";

import { splitThink } from "./think.ts";

describe("splitThink", () => {
  it("returns one answer for text without tags", () => {
    expect(splitThink("hello")).toEqual([{ kind: "answer", text: "hello" }]);
  });

  it("splits closed reasoning from the answer", () => {
    expect(splitThink("<think>hmm</think>\n\nThe answer is 4.")).toEqual([
      { kind: "think", text: "hmm", closed: true },
      { kind: "answer", text: "The answer is 4." },
    ]);
  });

  it("marks unclosed reasoning at the end as still open", () => {
    expect(splitThink("<think>\nlet me see")).toEqual([
      { kind: "think", text: "let me see", closed: false },
    ]);
  });

  it("treats a leading </think> without an opening tag as closed reasoning", () => {
    expect(splitThink("reasoning here</think>answer")).toEqual([
      { kind: "think", text: "reasoning here", closed: true },
      { kind: "answer", text: "answer" },
    ]);
  });

  it("drops empty closed reasoning", () => {
    expect(splitThink("<think>\n\n</think>\n\n42")).toEqual([{ kind: "answer", text: "42" }]);
  });

  it("handles several think blocks", () => {
    expect(splitThink("a<think>b</think>c<think>d")).toEqual([
      { kind: "answer", text: "a" },
      { kind: "think", text: "b", closed: true },
      { kind: "answer", text: "c" },
      { kind: "think", text: "d", closed: false },
    ]);
  });

  it("hides a tag cut off at the end only while streaming", () => {
    expect(splitThink("<thi", { streaming: true })).toEqual([]);
    expect(splitThink("<think>abc</thi", { streaming: true })).toEqual([
      { kind: "think", text: "abc", closed: false },
    ]);
    expect(splitThink("x <thi")).toEqual([{ kind: "answer", text: "x <thi" }]);
    expect(splitThink("<think>", { streaming: true })).toEqual([
      { kind: "think", text: "", closed: false },
    ]);
  });
});
