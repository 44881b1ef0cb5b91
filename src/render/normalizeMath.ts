/**
 * Rewrites model output into the markdown dialect remark-math understands,
 * without touching code. Pure; linear in the length of the text.
 *
 * - `\( x \)` → `$x$`; `\[ x \]` → a `$$` block on lines of its own.
 * - `$$ x $$` alone on a line, and `$$x` / `x$$` block edges, become proper
 *   `$$` blocks (remark-math would render the first inline and drop the rest).
 * - A `$` before a digit is a price, not math, unless it passes the currency
 *   rule (see `looksLikeInlineMath`); prices are escaped to `\$`.
 * - With `streaming`, a formula still open at the end of the text is shown as
 *   its source in code, so KaTeX never sees half a formula.
 *
 * Delimiters are only recognised within one paragraph (no blank line between
 * them), as remark-math does for inline math.
 *
 * This file is the line-level pass: code fences (left alone) and `$$` display
 * blocks. The prose between them is rewritten in `prose.ts`; unfinished
 * formulas are turned into code by `unfinished.ts`.
 */

import {
  type DisplayClose,
  isBlankLine,
  isFenceClose,
  parseDisplayClose,
  parseDisplayOpen,
  parseFenceOpen,
  splitPrefix,
} from "./lines.ts";
import { normalizeProse } from "./prose.ts";
import { codeBlock } from "./unfinished.ts";

export interface NormalizeOptions {
  /**
   * The text is still being generated. A formula left open at the end
   * (`$`, `$$`, `\(`, `\[`, or a ```` ```math ```` fence) is shown as source.
   */
  streaming?: boolean;
}

export function normalizeMath(text: string, options: NormalizeOptions = {}): string {
  const streaming = options.streaming ?? false;
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let prose: string[] = [];
  const flushProse = (atEnd: boolean): void => {
    if (prose.length === 0) return;
    out.push(normalizeProse(prose.join("\n"), streaming && atEnd));
    prose = [];
  };

  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";

    const fence = parseFenceOpen(line);
    if (fence) {
      flushProse(false);
      let j = i + 1;
      while (j < lines.length && !isFenceClose(lines[j] ?? "", fence)) j++;
      const closed = j < lines.length;
      const block = lines.slice(i, closed ? j + 1 : lines.length);
      if (!closed && streaming && /^math\b/i.test(fence.info)) {
        // ```math blocks render as display math; an unfinished one is shown as code.
        block[0] = line.replace(/math/i, "tex");
      }
      out.push(block.join("\n"));
      i = closed ? j + 1 : lines.length;
      continue;
    }

    const display = parseDisplayOpen(line);
    if (display?.kind === "single") {
      flushProse(false);
      const { first, continuation } = splitPrefix(line);
      out.push(`${first}$$`, continuation + display.content, `${continuation}$$`);
      i++;
      continue;
    }
    if (display?.kind === "open") {
      flushProse(false);
      const { first, continuation } = splitPrefix(line);
      let j = i + 1;
      let close: DisplayClose | null = null;
      for (; j < lines.length; j++) {
        close = parseDisplayClose(lines[j] ?? "");
        if (close) break;
      }
      if (!close) {
        const rest = lines.slice(i);
        if (streaming) {
          out.push(codeBlock(rest, first, continuation));
        } else {
          out.push(`${first}$$`);
          if (display.content) out.push(continuation + display.content);
          out.push(...rest.slice(1));
        }
        break;
      }
      out.push(`${first}$$`);
      if (display.content) out.push(continuation + display.content);
      out.push(...lines.slice(i + 1, j));
      if (close.kind === "close-last") {
        if (!isBlankLine(close.content)) out.push(close.content);
        out.push(`${continuation}$$`);
      } else {
        out.push(`${continuation}$$`);
        if (close.after) prose.push(continuation + close.after);
      }
      i = j + 1;
      continue;
    }

    prose.push(line);
    i++;
  }
  flushProse(true);
  return out.join("\n");
}

/**
 * Same as `normalizeMath(text, { streaming: true })`: the text may end inside
 * a formula, which is then shown as source instead of being rendered.
 */
export function closeIncompleteMath(text: string): string {
  return normalizeMath(text, { streaming: true });
}
