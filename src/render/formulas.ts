/**
 * Formulas rendered once. While a solution streams, its last markdown block is
 * parsed again on every update, and with it every formula in that block;
 * KaTeX's HTML for a formula depends only on its TeX and display mode, so it is
 * kept here and reused. The renderer inserts that HTML as it is instead of
 * re-parsing it into a tree of elements (what rehype-katex does, and most of
 * its cost).
 *
 * Safe for untrusted TeX: KaTeX runs with `trust: false` (no links, images,
 * classes, ids or styles from the input) and escapes all text it emits; the
 * HTML is KaTeX's own, never the model's.
 */

import katex from "katex";

import { classList, katexOptions, textOf, type TreeNode } from "./safety.ts";

export type RenderedFormula = { html: string } | { error: string };

/** About 8 MB of HTML (UTF-16): enough for thousands of formulas, bounded for any output. */
const CACHE_CHARS = 4_000_000;

/** Least recently used first (a Map keeps insertion order; a hit is re-inserted). */
const cache = new Map<string, RenderedFormula>();
let cachedChars = 0;

function size(key: string, value: RenderedFormula): number {
  return key.length + ("html" in value ? value.html.length : value.error.length);
}

function render(tex: string, display: boolean): RenderedFormula {
  try {
    // throwOnError false: a TeX error renders as red source inside KaTeX's own markup.
    return { html: katex.renderToString(tex, { ...katexOptions, displayMode: display, throwOnError: false }) };
  } catch (error) {
    // Not a TeX parse error (KaTeX itself failed): the caller shows the source.
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** KaTeX's HTML for `tex`, rendered at most once while it stays cached. */
export function renderFormula(tex: string, display: boolean): RenderedFormula {
  const key = (display ? "D" : "I") + tex;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const value = render(tex, display);
  cache.set(key, value);
  cachedChars += size(key, value);
  for (const [oldKey, oldValue] of cache) {
    if (cachedChars <= CACHE_CHARS || oldKey === key) break;
    cache.delete(oldKey);
    cachedChars -= size(oldKey, oldValue);
  }
  return value;
}

/** Formulas cached now, and their size in characters (for tests). */
export function formulaCacheStats(): { entries: number; chars: number } {
  return { entries: cache.size, chars: cachedChars };
}

/** The property that marks a formula element for the renderer's `span` component. */
export const FORMULA_PROPERTY = "dataFormula";
export const DISPLAY_PROPERTY = "dataFormulaDisplay";

/**
 * rehype plugin: each formula remark-math produced (`code.math-inline`,
 * `code.math-display`, a ```` ```math ```` fence) becomes an empty
 * `<span data-formula="TeX">` (display formulas also `data-formula-display`),
 * which the renderer fills with `renderFormula`'s HTML. Formulas
 * `rehypeMathGuard` refused have lost their math classes and stay code.
 */
export function rehypeFormulas() {
  return (tree: TreeNode): void => {
    const stack: TreeNode[] = [tree];
    for (let parent = stack.pop(); parent; parent = stack.pop()) {
      const children = parent.children ?? [];
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        if (child.type !== "element") continue;
        const formula = formulaIn(child);
        if (formula) {
          children[i] = {
            type: "element",
            tagName: "span",
            properties: { [FORMULA_PROPERTY]: formula.tex, [DISPLAY_PROPERTY]: formula.display },
            children: [],
          };
        } else stack.push(child);
      }
    }
  };
}

/** The formula `node` is (a math `code`, or a `pre` around a ```` ```math ```` code), if any. */
function formulaIn(node: TreeNode): { tex: string; display: boolean } | null {
  const classes = classList(node);
  if (classes.includes("math-inline")) return { tex: textOf(node), display: false };
  if (classes.includes("math-display") || classes.includes("language-math")) return { tex: textOf(node), display: true };
  if (node.tagName === "pre" && node.children?.length === 1) {
    const code = node.children[0]!;
    if (code.tagName === "code" && classList(code).includes("language-math")) return { tex: textOf(code), display: true };
  }
  return null;
}
