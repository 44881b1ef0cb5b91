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
 * KaTeX options for every formula (src/render/formulas.ts renders with
 * `throwOnError: false`: a TeX error shows as red source). `macros` is a
 * getter: the options are spread per formula, so each formula gets a fresh
 * object and no formula can define macros for the next.
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
/**
 * Longest block handed to the markdown parser; longer ones are shown as
 * source. A solution's paragraphs and formulas are a few thousand characters;
 * a 1 MB line would take seconds to parse and render on every streamed frame.
 */
export const MAX_BLOCK_LENGTH = 32_000;
/** Formulas rendered with KaTeX in one block, and in one text; later ones are shown as source. */
export const MAX_FORMULAS_PER_BLOCK = 100;
export const MAX_FORMULAS_PER_TEXT = 500;

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

/**
 * An upper bound on a line's container nesting, from its prefix alone: one
 * level per `>`, and one per two columns of indentation (a nested list item
 * is indented at least two columns more than its parent). Found without
 * parsing, because parsing a deeply nested document is itself the slow part
 * (micromark re-checks every open container on every line).
 */
export function nestingEstimate(markdown: string): number {
  let deepest = 0;
  let lineStart = 0;
  while (lineStart <= markdown.length) {
    let quotes = 0;
    let columns = 0;
    let i = lineStart;
    for (; i < markdown.length; i++) {
      const c = markdown[i];
      if (c === ">") quotes++;
      else if (c === " ") columns++;
      else if (c === "\t") columns += 4;
      else break;
    }
    const level = quotes + Math.floor(columns / 2);
    if (level > deepest) deepest = level;
    const newline = markdown.indexOf("\n", i);
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return deepest;
}

/** Whether a block is small and shallow enough to parse as markdown. */
export function blockIsRenderable(markdown: string): boolean {
  return markdown.length <= MAX_BLOCK_LENGTH && nestingEstimate(markdown) <= MAX_DOCUMENT_DEPTH;
}

/**
 * About how many formulas a block holds (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`),
 * without parsing; enough to share out the formula budget of a text.
 */
export function formulaCountEstimate(text: string): number {
  // `$` and `$$` each open or close one formula.
  let delimiters = 0;
  let opens = 0;
  for (let i = text.indexOf("$"); i !== -1; i = text.indexOf("$", i + 1)) {
    delimiters++;
    if (text[i + 1] === "$") i++;
  }
  for (let i = text.indexOf("\\"); i !== -1; i = text.indexOf("\\", i + 1)) {
    const next = text[i + 1];
    if (next === "(" || next === "[") opens++;
  }
  return Math.ceil(delimiters / 2) + opens;
}

/**
 * The KaTeX budget of each block: at most `MAX_FORMULAS_PER_BLOCK`, and
 * together at most `total` (what is left of `MAX_FORMULAS_PER_TEXT`); `spent`
 * is how many of `total` the blocks use. Earlier blocks' budgets never change
 * as text is appended, so their renders stay memoised.
 */
export function formulaBudgets(blocks: readonly string[], total: number = MAX_FORMULAS_PER_TEXT): { budgets: number[]; spent: number } {
  let spent = 0;
  const budgets = blocks.map((block) => {
    const budget = Math.max(0, Math.min(MAX_FORMULAS_PER_BLOCK, total - spent));
    spent += Math.min(budget, formulaCountEstimate(block));
    return budget;
  });
  return { budgets, spent };
}

/** The part of a unist tree the plugins look at. */
export interface TreeNode {
  type: string;
  tagName?: string;
  value?: string;
  properties?: Record<string, unknown> & { className?: unknown };
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

/** An element's classes (hast `className`). */
export function classList(node: TreeNode): unknown[] {
  const className = node.properties?.className;
  return Array.isArray(className) ? (className as unknown[]) : [];
}

/** The text a node holds, all of it. */
export function textOf(node: TreeNode): string {
  if (typeof node.value === "string") return node.value;
  return (node.children ?? []).map(textOf).join("");
}

export interface MathGuardOptions {
  /** Formulas handed to KaTeX, in document order; the rest are shown as source. */
  maxFormulas?: number;
}

/**
 * rehype plugin, to run before rehypeFormulas (formulas.ts): formulas that are too long or
 * too deeply nested, or beyond the block's budget, lose their math classes,
 * so they stay as code showing their source instead of being handed to KaTeX.
 */
export function rehypeMathGuard(options: MathGuardOptions = {}) {
  const maxFormulas = options.maxFormulas ?? MAX_FORMULAS_PER_BLOCK;
  return (tree: TreeNode): void => {
    let rendered = 0;
    const stack: TreeNode[] = [tree];
    for (let node = stack.pop(); node; node = stack.pop()) {
      const classes = classList(node);
      if (node.type === "element" && classes.some((c) => MATH_CLASSES.includes(String(c)))) {
        if (rendered >= maxFormulas || !formulaIsRenderable(textOf(node))) {
          node.properties = { ...node.properties, className: ["math-source"] };
        } else rendered++;
        continue;
      }
      // Reversed, so nodes come off the stack in document order.
      const children = node.children ?? [];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  };
}
