/**
 * Line-level markdown facts shared by `normalizeMath` and `splitBlocks`, so
 * that both agree on where code fences and `$$` display blocks open and close.
 * Deliberately looser than CommonMark (any indentation, list and blockquote
 * markers stripped): erring towards "this is code" only means we leave text
 * alone.
 */

/** Blockquote markers, indentation, and at most one list marker. */
const PREFIX = /^((?:[ \t]*>[ \t]?)*)([ \t]*)((?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))?/;

export interface LinePrefix {
  /** The prefix exactly as written on this line. */
  first: string;
  /** What a new line inside the same container starts with (list marker → spaces). */
  continuation: string;
  /** The line after the prefix. */
  rest: string;
}

/** Split a line into its container prefix and its content. */
export function splitPrefix(line: string): LinePrefix {
  const match = PREFIX.exec(line);
  const quotes = match?.[1] ?? "";
  const indent = match?.[2] ?? "";
  const marker = match?.[3] ?? "";
  const first = quotes + indent + marker;
  return {
    first,
    continuation: quotes + indent + " ".repeat(marker.length),
    rest: line.slice(first.length),
  };
}

/** Remove `continuation` from the start of `line` if it is there, else its leading whitespace. */
export function stripContinuation(line: string, continuation: string): string {
  return continuation && line.startsWith(continuation)
    ? line.slice(continuation.length)
    : line.replace(/^[ \t]+/, "");
}

export function isBlankLine(line: string): boolean {
  return /^[ \t\r]*$/.test(line);
}

export interface Fence {
  char: "`" | "~";
  size: number;
  info: string;
}

/** The opening of a fenced code block (```` ``` ```` or `~~~`), or null. */
export function parseFenceOpen(line: string): Fence | null {
  const match = /^(`{3,}|~{3,})(.*)$/.exec(splitPrefix(line).rest);
  if (!match) return null;
  const run = match[1] ?? "";
  const info = (match[2] ?? "").trim();
  const char = run[0] === "~" ? "~" : "`";
  // A backtick fence's info string may not contain backticks (it would be inline code).
  if (char === "`" && info.includes("`")) return null;
  return { char, size: run.length, info };
}

/** Whether `line` closes the code block opened by `fence`. */
export function isFenceClose(line: string, fence: Fence): boolean {
  const match = /^(`{3,}|~{3,})[ \t\r]*$/.exec(splitPrefix(line).rest);
  const run = match?.[1];
  return run !== undefined && run[0] === fence.char && run.length >= fence.size;
}

/** A line that starts a `$$` display block. */
export type DisplayOpen =
  /** `$$` opens a block; `content` is any formula text written after it on the same line. */
  | { kind: "open"; content: string }
  /** `$$ x $$` alone on its line: a whole display formula. */
  | { kind: "single"; content: string };

/**
 * Classify a line outside code and display math. remark-math only treats `$$`
 * alone on a line as display math (`$$ x $$` is inline, and text after an
 * opening `$$` is silently dropped), so `normalizeMath` rewrites these forms.
 */
export function parseDisplayOpen(line: string): DisplayOpen | null {
  const text = splitPrefix(line).rest.trim();
  const match = /^\${2,}/.exec(text);
  if (!match) return null;
  const after = text.slice(match[0].length);
  const inner = after.indexOf("$$");
  if (inner === -1) return { kind: "open", content: after.trim() };
  if (inner === after.length - 2 && !after.slice(0, inner).endsWith("$")) {
    return { kind: "single", content: after.slice(0, inner).trim() };
  }
  // `$$a$$ and $$b$$`: inline math mixed with text; leave it to the inline rules.
  return null;
}

/** How a line inside a `$$` display block relates to its end. */
export type DisplayClose =
  /** The line is `$$`-then-text: the block closes, `after` continues as prose. */
  | { kind: "close-first"; after: string }
  /** The line is formula-then-`$$`: `content` is the last formula line. */
  | { kind: "close-last"; content: string };

/** Whether a line inside a `$$` block closes it, or null for a content line. */
export function parseDisplayClose(line: string): DisplayClose | null {
  const text = splitPrefix(line).rest.trim();
  const lead = /^\${2,}/.exec(text);
  if (lead) return { kind: "close-first", after: text.slice(lead[0].length).trim() };
  if (text.endsWith("$$")) {
    return { kind: "close-last", content: line.slice(0, line.lastIndexOf("$$")).trimEnd() };
  }
  return null;
}

/** The longest run of `char` in `text`. */
export function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === char) {
      current++;
      if (current > longest) longest = current;
    } else {
      current = 0;
    }
  }
  return longest;
}
