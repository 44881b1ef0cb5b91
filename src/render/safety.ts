/**
 * Limits for rendering untrusted model output: which links survive, how KaTeX
 * is configured, and which formulas and documents are too deep to render.
 * Pure; the unified plugins take plain trees.
 */

import type { KatexOptions } from "katex";

/** `url` normalised if it is an absolute http(s) URL, else null. */
export function safeLinkHref(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null; // relative, or not a URL at all
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  return parsed.href;
}

/**
 * TeX definitions are disabled: with them a few hundred characters expand to
 * millions of symbols within `maxExpand` (each expansion may copy a long
 * body), and KaTeX writes `\gdef` results into the `macros` object it is
 * given. Each expands to a red marker instead; what follows renders as
 * ordinary (mostly undefined, so red) TeX.
 */
const DISABLED_DEFINITIONS = [
  "\\def",
  "\\gdef",
  "\\edef",
  "\\xdef",
  "\\let",
  "\\futurelet",
  "\\global",
  "\\long",
  "\\newcommand",
  "\\renewcommand",
  "\\providecommand",
];

function disabledMacros(): Record<string, string> {
  const macros: Record<string, string> = {};
  for (const name of DISABLED_DEFINITIONS) {
    macros[name] = `\\textcolor{#cc0000}{\\texttt{\\textbackslash ${name.slice(1)}}}`;
  }
  return macros;
}

/**
 * Options for rehype-katex. rehype-katex renders with `throwOnError: true`,
 * then on a parse error again with `throwOnError: false` (and wraps any other
 * error in a `katex-error` span), so the net effect is `throwOnError: false`.
 * `macros` is a getter: rehype-katex spreads these options per formula, so
 * each formula gets a fresh object and no formula can define macros for the
 * next.
 */
export const katexOptions: Omit<KatexOptions, "displayMode" | "throwOnError"> = {
  trust: false,
  strict: "ignore",
  maxExpand: 1000,
  maxSize: 20,
  output: "htmlAndMathml",
  errorColor: "#cc0000",
  get macros() {
    return disabledMacros();
  },
};

/** Longest formula handed to KaTeX; longer ones are shown as source. */
export const MAX_FORMULA_LENGTH = 8000;
/** Deepest group nesting handed to KaTeX (`{`, `\left`, `\begin`). */
export const MAX_FORMULA_NESTING = 48;
/** Deepest markdown tree rendered; deeper documents are shown as source. */
export const MAX_DOCUMENT_DEPTH = 64;

/** Whether a formula is small and shallow enough to give to KaTeX. */
export function formulaIsRenderable(tex: string): boolean {
  if (tex.length > MAX_FORMULA_LENGTH) return false;
  let depth = 0;
  const tokens = /\\(?:left|begin)\b|\\(?:right|end)\b|\\[{}]|[{}]/g;
  for (let match = tokens.exec(tex); match; match = tokens.exec(tex)) {
    const token = match[0];
    if (token === "\\{" || token === "\\}") continue;
    if (token === "{" || token === "\\left" || token === "\\begin") depth++;
    else depth--;
    if (depth > MAX_FORMULA_NESTING) return false;
  }
  return true;
}

/** The part of a unist tree the plugins below look at. */
interface TreeNode {
  type: string;
  tagName?: string;
  value?: string;
  properties?: { className?: unknown };
  children?: TreeNode[];
}

/** Depth of a tree, without recursion (a hostile tree could overflow the stack). */
export function treeDepth(root: TreeNode): number {
  let deepest = 0;
  const stack: Array<[TreeNode, number]> = [[root, 1]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (depth > deepest) deepest = depth;
    for (const child of node.children ?? []) stack.push([child, depth + 1]);
  }
  return deepest;
}

export class DocumentTooDeepError extends Error {
  constructor(depth: number) {
    super(`markdown nested ${depth} levels deep`);
    this.name = "DocumentTooDeepError";
  }
}

/**
 * remark plugin: refuse documents nested deeper than `MAX_DOCUMENT_DEPTH`
 * (`>>>>…`, lists in lists); the later tree walks recurse. The renderer
 * catches the error and shows the source.
 */
export function remarkDepthGuard() {
  return (tree: TreeNode): void => {
    const depth = treeDepth(tree);
    if (depth > MAX_DOCUMENT_DEPTH) throw new DocumentTooDeepError(depth);
  };
}

const MATH_CLASSES = ["math-inline", "math-display", "language-math"];

function classList(node: TreeNode): unknown[] {
  const className = node.properties?.className;
  return Array.isArray(className) ? (className as unknown[]) : [];
}

function textOf(node: TreeNode): string {
  if (typeof node.value === "string") return node.value;
  return (node.children ?? []).map(textOf).join("");
}

/**
 * rehype plugin, to run before rehype-katex: formulas that are too long or
 * too deeply nested lose their math classes, so they stay as code showing
 * their source instead of being handed to KaTeX.
 */
export function rehypeMathGuard() {
  return (tree: TreeNode): void => {
    const stack: TreeNode[] = [tree];
    for (let node = stack.pop(); node; node = stack.pop()) {
      const classes = classList(node);
      if (node.type === "element" && classes.some((c) => MATH_CLASSES.includes(String(c)))) {
        if (!formulaIsRenderable(textOf(node))) {
          node.properties = { ...node.properties, className: ["math-source"] };
        }
        continue;
      }
      stack.push(...(node.children ?? []));
    }
  };
}
