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
 */

import {
  type DisplayClose,
  isBlankLine,
  isFenceClose,
  longestRun,
  parseDisplayClose,
  parseDisplayOpen,
  parseFenceOpen,
  splitPrefix,
  stripContinuation,
} from "./lines.ts";

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

function normalizeProse(chunk: string, atEnd: boolean): string {
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

/**
 * Source lines as a fenced code block. `first` is written before the opening
 * fence; every other line is re-prefixed with `continuation`.
 */
function codeBlock(
  lines: string[],
  first: string,
  continuation: string,
  firstLineIsContent = false,
): string {
  const body = lines.map((line, k) =>
    k === 0 && firstLineIsContent
      ? continuation + line.trim()
      : continuation + stripContinuation(line, continuation),
  );
  if (!firstLineIsContent && body.length > 0) {
    body[0] = continuation + splitPrefix(lines[0] ?? "").rest.trim();
  }
  const fence = "`".repeat(Math.max(3, longestRun(body.join("\n"), "`") + 1));
  const opening = (firstLineIsContent ? "" : first) + fence + "tex";
  return [opening, ...body, continuation + fence].join("\n");
}

/** Unfinished inline math, shown as an inline code span of its source. */
function inlineSource(raw: string): string {
  const content = raw.replace(/[ \t]*\n[ \t]*/g, " ").trimEnd();
  if (content === "") return "";
  const fence = "`".repeat(longestRun(content, "`") + 1);
  const pad = content.startsWith("`") || content.endsWith("`") ? " " : "";
  return fence + pad + content + pad + fence;
}

/** One part of a model's output: its reasoning (`<think>…</think>`) or its answer. */
export type ContentSegment =
  { kind: "think"; text: string; closed: boolean } | { kind: "answer"; text: string };

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";

/**
 * Split output into reasoning and answer. An unclosed `<think>` at the end is
 * reasoning still in progress (`closed: false`). A `</think>` with no opening
 * tag before it closes reasoning that began at the start of the text (chat
 * templates that put `<think>` in the prompt). Whitespace-only answers and
 * empty closed reasoning (`<think>\n\n</think>`) are dropped. With `streaming`,
 * a tag cut off at the very end (`<thi`) is hidden until it is complete.
 */
export function splitThink(text: string, options: { streaming?: boolean } = {}): ContentSegment[] {
  let source = text;
  if (options.streaming) source = source.slice(0, source.length - partialTagLength(source));

  const segments: ContentSegment[] = [];
  const pushAnswer = (answer: string): void => {
    if (answer.trim() !== "")
      segments.push({ kind: "answer", text: trimLeadingBlankLines(answer) });
  };
  const pushThink = (think: string, closed: boolean): void => {
    if (!closed || think.trim() !== "") {
      segments.push({ kind: "think", text: trimLeadingBlankLines(think), closed });
    }
  };

  let pos = 0;
  const firstOpen = source.indexOf(THINK_OPEN);
  const firstClose = source.indexOf(THINK_CLOSE);
  if (firstClose !== -1 && (firstOpen === -1 || firstClose < firstOpen)) {
    pushThink(source.slice(0, firstClose), true);
    pos = firstClose + THINK_CLOSE.length;
  }

  while (pos < source.length) {
    const open = source.indexOf(THINK_OPEN, pos);
    if (open === -1) {
      pushAnswer(source.slice(pos));
      break;
    }
    pushAnswer(source.slice(pos, open));
    const start = open + THINK_OPEN.length;
    const close = source.indexOf(THINK_CLOSE, start);
    if (close === -1) {
      pushThink(source.slice(start), false);
      break;
    }
    pushThink(source.slice(start, close), true);
    pos = close + THINK_CLOSE.length;
  }
  return segments;
}

/** Length of a proper prefix of `<think>` or `</think>` at the end of `text`. */
function partialTagLength(text: string): number {
  const end = text.slice(-(THINK_CLOSE.length - 1));
  const lt = end.lastIndexOf("<");
  if (lt === -1) return 0;
  const tail = end.slice(lt);
  const partial =
    (tail.length < THINK_OPEN.length && THINK_OPEN.startsWith(tail)) ||
    THINK_CLOSE.startsWith(tail);
  return partial ? tail.length : 0;
}

function trimLeadingBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, "");
}
