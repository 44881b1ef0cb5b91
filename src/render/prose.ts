/**
 * Prose: the text between code fences and `$$` blocks, rewritten one
 * paragraph at a time (delimiters only pair up within a paragraph, as
 * remark-math's inline math does). `\( x \)` → `$x$`, `\[ x \]` → a `$$`
 * block on lines of its own, prices escaped to `\$` (the currency rule), and
 * with `atEnd` an unfinished formula shown as source. Inline code spans are
 * skipped. Separate from `normalizeMath`, which works line by line on whole
 * blocks; this works character by character inside one paragraph, with an
 * index of delimiter positions that keeps it linear.
 */

import { splitPrefix } from "./lines.ts";
import { codeBlock, inlineSource } from "./unfinished.ts";

/**
 * The currency rule. A `$` directly before a digit opens inline math only if
 * a closing `$` follows on the same line, the closing `$` is not itself
 * followed by a digit, and `body` (the text between) looks like math:
 * it does not end in whitespace (`$5 and $10`: the "closing" `$` starts the
 * next price), and it contains a TeX-ish character (`\ ^ _ { } =`) or no
 * plain word of two or more letters (`$5x$`, `$3.5$`, `$2 + 2$` are math;
 * `$5 and 10$` is prose).
 */
export function looksLikeInlineMath(body: string): boolean {
  if (body === "" || /\s$/.test(body)) return false;
  if (/[\\^_{}=]/.test(body)) return true;
  return !/(?:^|\s)[A-Za-z]{2,}[.,;:!?)]*(?=\s|$)/.test(body);
}

/**
 * A run of prose lines, paragraph by paragraph. `atEnd`: the text is still
 * being generated and may stop inside the last paragraph's formula.
 */
export function normalizeProse(chunk: string, atEnd: boolean): string {
  // Even indices are paragraphs, odd ones the blank lines between them.
  const parts = chunk.split(/(\n[ \t]*\n(?:[ \t]*\n)*)/);
  return parts
    .map((part, k) =>
      k % 2 === 1 ? part : normalizeParagraph(part, atEnd && k === parts.length - 1),
    )
    .join("");
}

/** Sorted positions, answering "the first one after x" by binary search. */
class Positions {
  readonly list: number[] = [];
  firstAfter(x: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.list[mid] ?? 0) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  nextAfter(x: number): number {
    return this.list[this.firstAfter(x)] ?? -1;
  }
}

/** Where delimiters occur in one paragraph, so every search is O(log n). */
class ParagraphIndex {
  /** Maximal runs of `$` or backticks, keyed by char and length. */
  private readonly runs = new Map<string, Positions>();
  readonly newlines = new Positions();
  readonly closeParen = new Positions();
  readonly closeBracket = new Positions();

  constructor(src: string) {
    for (let i = 0; i < src.length; i++) {
      const c = src[i];
      if (c === "\n") this.newlines.list.push(i);
      else if (c === "\\") {
        if (src[i + 1] === ")") this.closeParen.list.push(i);
        else if (src[i + 1] === "]") this.closeBracket.list.push(i);
      } else if (c === "$" || c === "`") {
        let j = i;
        while (src[j] === c) j++;
        const key = c + (j - i);
        let positions = this.runs.get(key);
        if (!positions) this.runs.set(key, (positions = new Positions()));
        positions.list.push(i);
        i = j - 1;
      }
    }
  }

  /** Start of the next maximal run of exactly `size` × `char` after `x`, or -1. */
  nextRun(char: string, size: number, x: number): number {
    return this.runs.get(char + size)?.nextAfter(x) ?? -1;
  }

  lineStart(x: number): number {
    const k = this.newlines.firstAfter(x - 1) - 1;
    return k < 0 ? 0 : (this.newlines.list[k] ?? -1) + 1;
  }

  lineEnd(x: number, length: number): number {
    const next = this.newlines.nextAfter(x - 1);
    return next === -1 ? length : next;
  }
}

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

function runLength(src: string, i: number, char: string): number {
  let j = i;
  while (src[j] === char) j++;
  return j - i;
}

function normalizeParagraph(src: string, atEnd: boolean): string {
  if (!/[\\$]/.test(src)) return src;
  const index = new ParagraphIndex(src);
  let out = "";
  let copied = 0;
  let i = 0;

  while (i < src.length) {
    const c = src[i];

    if (c === "\\") {
      const next = src[i + 1];
      if (next === "(" || next === "[") {
        const display = next === "[";
        const close = (display ? index.closeBracket : index.closeParen).nextAfter(i + 1);
        if (close === -1) {
          if (atEnd) {
            out += src.slice(copied, i);
            if (display) {
              const source = displaySource(src, i, index);
              if (source.startsWith("\n")) out = out.replace(/[ \t]+$/, "");
              out += source;
            } else {
              out += inlineSource(src.slice(i));
            }
            return out;
          }
          i += 2;
          continue;
        }
        const body = src.slice(i + 2, close).trim();
        out += src.slice(copied, i);
        copied = close + 2;
        if (!display) {
          out += inlineMath(body);
          i = copied;
          continue;
        }
        const { lead, continuation } = displayPlacement(src, i, index);
        // Trailing spaces before the new line would read as a hard line break.
        if (lead) out = out.replace(/[ \t]+$/, "");
        out +=
          lead +
          ["$$", ...body.split("\n").map((l) => continuation + l.trim()), continuation + "$$"].join(
            "\n",
          );
        i = copied;
        // Text after `\]` on the same line moves to a line of its own.
        if (src.slice(i, index.lineEnd(i, src.length)).trim() !== "") {
          out += "\n" + continuation;
          while (src[i] === " " || src[i] === "\t") i++;
          copied = i;
        }
        continue;
      }
      i += next !== undefined && ASCII_PUNCTUATION.test(next) ? 2 : 1;
      continue;
    }

    if (c === "`") {
      const size = runLength(src, i, "`");
      const close = index.nextRun("`", size, i);
      i = close === -1 ? i + size : close + size;
      continue;
    }

    if (c === "$") {
      const size = runLength(src, i, "$");
      const close = index.nextRun("$", size, i);
      if (size === 1 && isDigit(src[i + 1])) {
        const isMath =
          close !== -1 &&
          close < index.lineEnd(i, src.length) &&
          !isDigit(src[close + 1]) &&
          looksLikeInlineMath(src.slice(i + 1, close));
        if (isMath) {
          i = close + 1;
        } else {
          out += src.slice(copied, i) + "\\$";
          copied = i = i + 1;
        }
        continue;
      }
      if (close !== -1) {
        i = close + size;
        continue;
      }
      if (atEnd) {
        return out + src.slice(copied, i) + inlineSource(src.slice(i));
      }
      i += size;
      continue;
    }

    i++;
  }
  return out + src.slice(copied);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** `body` as inline math, with a `$` run that cannot occur inside it. */
function inlineMath(body: string): string {
  if (body === "") return "";
  let size = 1;
  const runs = body.match(/\$+/g) ?? [];
  while (runs.some((run) => run.length === size)) size++;
  const delimiter = "$".repeat(size);
  const pad = body.startsWith("$") || body.endsWith("$") ? " " : "";
  return delimiter + pad + body + pad + delimiter;
}

/**
 * Where a display formula starting at `start` goes: on a new line (`lead`)
 * unless only the container prefix precedes it, with `continuation` before
 * each of its lines so it stays inside the same list item or quote.
 */
function displayPlacement(
  src: string,
  start: number,
  index: ParagraphIndex,
): { lead: string; continuation: string } {
  const lineStart = index.lineStart(start);
  const line = src.slice(lineStart, index.lineEnd(start, src.length));
  const { first, continuation } = splitPrefix(line);
  const beforeOnLine = src.slice(lineStart + first.length, start);
  return { lead: beforeOnLine.trim() === "" ? "" : "\n" + continuation, continuation };
}

/** An unfinished `\[` at `start` of `src`, shown as a code block of its source. */
function displaySource(src: string, start: number, index: ParagraphIndex): string {
  const { lead, continuation } = displayPlacement(src, start, index);
  return lead + codeBlock(src.slice(start).split("\n"), "", continuation, true);
}
