/** @vitest-environment happy-dom */
import { act, createElement } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import * as normalize from "../render/normalizeMath.ts";
import { MathMarkdown } from "./MathMarkdown.tsx";

// Each rendered block calls normalizeMath once, so its calls count block renders.
vi.mock("../render/normalizeMath.ts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../render/normalizeMath.ts")>();
  return { ...actual, normalizeMath: vi.fn(actual.normalizeMath) };
});
const normalizeMath = vi.mocked(normalize.normalizeMath);

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
// happy-dom has no `compatMode`; say standards mode, as the app's index.html
// does, before KaTeX loads and warns about quirks mode.
vi.hoisted(() => {
  Object.defineProperty(document, "compatMode", { value: "CSS1Compat", configurable: true });
});

let container: HTMLElement;
let root: Root;

beforeEach(() => {
  vi.useFakeTimers();
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.useRealTimers();
});

/** Renders `text` and lets the renderer reveal all of it; returns how many commits that took. */
function show(text: string, streaming: boolean): number {
  act(() => root.render(createElement(MathMarkdown, { text, streaming })));
  let commits = 1;
  while (vi.getTimerCount() > 0) {
    act(() => vi.runOnlyPendingTimers());
    commits++;
  }
  return commits;
}

/** A solution of `paragraphs` paragraphs, each with some math. */
function solution(paragraphs: number): string {
  let text = "<think>First I consider $x^2 = 4$.</think>\n\n";
  for (let i = 0; i < paragraphs; i++) {
    text += `Step ${i}: since \\(a_${i} = ${i}\\), we get\n$$\n\\frac{${i}}{2} + x\n$$\n\n`;
  }
  return text + "So the answer is";
}

describe("MathMarkdown: incremental rendering", () => {
  it.each([10, 100])("re-renders only the last block per token (%i paragraphs)", (paragraphs) => {
    const text = solution(paragraphs);
    show(text, true);
    const firstBlock = container.querySelector(".katex");
    expect(container.querySelectorAll(".katex-display")).toHaveLength(paragraphs);

    normalizeMath.mockClear();
    show(text + " $4", true);
    show(text + " $4$", true);
    show(text + " $4$.", true);
    expect(normalizeMath).toHaveBeenCalledTimes(3);
    expect(container.querySelector(".katex")).toBe(firstBlock);

    normalizeMath.mockClear();
    show(text + " $4$.", false);
    expect(normalizeMath).toHaveBeenCalledTimes(1);
  });

  it("renders the last block's unfinished formula as source, then as math", () => {
    show("Thus $\\frac{1}{", true);
    expect(container.querySelector("code")?.textContent).toBe("$\\frac{1}{");
    expect(container.querySelector(".katex")).toBeNull();
    show("Thus $\\frac{1}{2}$", true);
    expect(container.querySelector("code")).toBeNull();
    expect(container.querySelector(".katex")).not.toBeNull();
  });

  it("keeps reasoning open while it streams and collapses it after", () => {
    show("<think>Hmm", true);
    expect(container.querySelector("details")?.open).toBe(true);
    show("<think>Hmm</think>\n\nDone", true);
    expect(container.querySelector("details")?.open).toBe(false);
  });

  it("reveals a long text that appears at once in slices, one commit each, until all shows", () => {
    const text = solution(200);
    act(() => root.render(createElement(MathMarkdown, { text, streaming: true })));
    const first = container.textContent?.length ?? 0;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(text.length / 2);
    const commits = show(text, true);
    expect(commits).toBeGreaterThan(2);
    expect(container.querySelectorAll(".katex-display")).toHaveLength(200);
    expect(container.textContent).toContain("Step 199");
  });

  it("keeps showing more of a long text while it grows between commits", () => {
    // A panel mounted mid-run: the text changes before every reveal step.
    let text = solution(200);
    act(() => root.render(createElement(MathMarkdown, { text, streaming: true })));
    for (let i = 0; i < 100 && vi.getTimerCount() > 0; i++) {
      text += ` ${i}`;
      act(() => root.render(createElement(MathMarkdown, { text, streaming: true })));
      act(() => vi.runOnlyPendingTimers());
    }
    expect(container.querySelectorAll(".katex-display")).toHaveLength(200);
    expect(container.textContent).toContain(`So the answer is 0 1 2`);
  });
});
