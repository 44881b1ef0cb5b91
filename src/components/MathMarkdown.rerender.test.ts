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
  container = document.createElement("div");
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

function show(text: string, streaming: boolean): void {
  act(() => root.render(createElement(MathMarkdown, { text, streaming })));
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
});
