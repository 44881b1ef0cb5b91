/**
 * Final-answer extraction from model output (DESIGN §1.6): the last `\boxed{…}`
 * outside the model's reasoning, with a fallback to "final answer is …" phrases.
 */

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";

/**
 * Removes the model's private reasoning: closed `<think>…</think>` blocks, an
 * unclosed `<think>` up to the end (still thinking), and everything before a
 * `</think>` that has no opening tag (chat templates such as DeepSeek-R1's open
 * the block inside the prompt, so the output only holds its end).
 */
export function stripThinking(text: string): string {
  let visible = text;
  const firstClose = visible.indexOf(THINK_CLOSE);
  const firstOpen = visible.indexOf(THINK_OPEN);
  if (firstClose !== -1 && (firstOpen === -1 || firstClose < firstOpen)) {
    visible = visible.slice(firstClose + THINK_CLOSE.length);
  }
  // A scan, not a regex: a lazy `<think>[\s\S]*?</think>` is quadratic on unclosed tags.
  let kept = "";
  let pos = 0;
  for (;;) {
    const open = visible.indexOf(THINK_OPEN, pos);
    if (open === -1) return kept + visible.slice(pos);
    kept += visible.slice(pos, open);
    const close = visible.indexOf(THINK_CLOSE, open + THINK_OPEN.length);
    if (close === -1) return kept;
    pos = close + THINK_CLOSE.length;
  }
}

/** Where one `\boxed`/`\fbox` sits in a text; `end` is null while it is still open. */
export interface BoxSpan {
  /** Index of the backslash of `\boxed`. */
  start: number;
  /** The argument, without its braces (null while unclosed). */
  content: string | null;
  /** Index just past the closing brace (null while unclosed). */
  end: number | null;
}

const BOX_COMMAND = /\\(?:boxed|fbox)(?![A-Za-z])/g;

/**
 * Finds the top-level boxes of a text in order. Nested boxes belong to their
 * outer box; scanning stops at the first unclosed one, since everything after it
 * is inside it.
 */
export function findBoxes(text: string): BoxSpan[] {
  const boxes: BoxSpan[] = [];
  BOX_COMMAND.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = BOX_COMMAND.exec(text)) !== null) {
    const start = match.index;
    let i = start + match[0].length;
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (i >= text.length) {
      boxes.push({ start, content: null, end: null });
      break;
    }
    if (text[i] !== "{") {
      const end = bracelessArgumentEnd(text, i);
      if (end > i) {
        boxes.push({ start, content: text.slice(i, end), end });
        BOX_COMMAND.lastIndex = end;
      }
      continue;
    }
    const close = matchingBrace(text, i);
    if (close === null) {
      boxes.push({ start, content: null, end: null });
      break;
    }
    boxes.push({ start, content: text.slice(i + 1, close), end: close + 1 });
    BOX_COMMAND.lastIndex = close + 1;
  }
  return boxes;
}

/**
 * Where a brace-less box argument ends (`\boxed 7.`, `\boxed\frac{1}{2}`). TeX
 * would take one token, but writers mean the whole run up to a space, a `$` or
 * an unmatched brace or bracket; sentence punctuation, markdown `**` and spacing
 * commands at its end are
 * not part of it (`\boxed 7.` is 7, `\boxed 3.5,` is 3.5; a `!` stays: `5!` is a factorial).
 */
function bracelessArgumentEnd(text: string, start: number): number {
  let i = start;
  let depth = 0;
  while (i < text.length) {
    const ch = text[i] ?? "";
    if (/\s/.test(ch) || ch === "$" || ch === "}") break;
    // `(so it is \boxed 7)`: a bracket the argument did not open closes the sentence around it.
    if (ch === "(" || ch === "[") depth++;
    if ((ch === ")" || ch === "]") && --depth < 0) break;
    if (ch === "{") {
      const close = matchingBrace(text, i);
      if (close === null) break;
      i = close + 1;
    } else if (ch === "\\") {
      const command = /^\\(?:[A-Za-z]+|.)/.exec(text.slice(i, i + 40));
      // A display-math close ends the box; `\(`/`\)`/`\[`/`\]` are delimiters, not answer.
      if (!command || /^\\[()[\]]$/.test(command[0])) break;
      i += command[0].length;
    } else {
      i++;
    }
  }
  let end = i;
  for (;;) {
    const tail = text.slice(start, end);
    const trimmed = tail.replace(/(?:[.,;:?*]|\\[,;:! ]|\\\\)$/, "");
    if (trimmed === tail) return end;
    end = start + trimmed.length;
  }
}

/** Index of the brace closing the one at `open`, skipping escaped `\{`/`\}`; null if unbalanced. */
export function matchingBrace(text: string, open: number): number | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      i++; // the escaped character is never structural
    } else if (ch === "{") {
      depth++;
    } else if (ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return null;
}

/**
 * The content of the last `\boxed{…}` or `\fbox{…}` outside reasoning blocks,
 * trimmed; null when there is none, when it is empty, or when the last box is
 * still open (a half-streamed answer is no answer yet).
 */
export function extractBoxedAnswer(text: string): string | null {
  const last = findBoxes(stripThinking(text)).at(-1);
  if (!last || last.content === null) return null;
  const content = boxContent(last.content);
  return content === "" ? null : content;
}

/**
 * The answer inside a box: trimmed, without a box wrapped around the whole of it
 * (`\boxed{\boxed{7}}`), math delimiters around the whole of it (`\boxed{$7$}`)
 * or a sentence's final period (`\boxed{7.}`); a period that ends a number with
 * digits after it (`3.5`) stays.
 */
function boxContent(raw: string): string {
  let content = raw.trim();
  for (;;) {
    const inner = /^\\(?:boxed|fbox)\s*\{/.exec(content);
    if (inner && matchingBrace(content, inner[0].length - 1) === content.length - 1) {
      content = content.slice(inner[0].length, -1).trim();
      continue;
    }
    const math = /^\$+([^$]*)\$+$/.exec(content) ?? /^\\\(([\s\S]*)\\\)$/.exec(content);
    if (math) {
      content = (math[1] ?? "").trim();
      continue;
    }
    const withoutPeriod = content.replace(/(?<!\.)\.$/, "").trimEnd();
    if (withoutPeriod !== content) {
      content = withoutPeriod;
      continue;
    }
    return content;
  }
}

/**
 * Phrases that introduce an answer when the model forgot `\boxed{}`. They need
 * "is" or a colon after them (or, for "final answer", a line break) so that
 * prose such as "to find the answer we…" does not count.
 */
const ANSWER_PHRASE =
  /\b(?:final\s+answer|the\s+answer)(?:\s+(?:is|was|would\s+be)\b\s*[:：]?|\s*[:：]|[ \t]*\r?\n)[ \t]*/gi;

/**
 * The final answer of a solution: the boxed answer when there is a box, else the
 * text after the last "final answer is …" / "The answer is: …" / "Final Answer: …"
 * phrase (up to the end of its sentence or line, without math delimiters or a
 * trailing period). Null when neither gives a non-empty answer.
 */
export function extractFinalAnswer(text: string): string | null {
  const visible = stripThinking(text);
  if (findBoxes(visible).length > 0) return extractBoxedAnswer(visible);

  const plain = visible.replace(/\*\*|__/g, "");
  let lastEnd = -1;
  ANSWER_PHRASE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = ANSWER_PHRASE.exec(plain)) !== null) lastEnd = match.index + match[0].length;
  if (lastEnd === -1) return null;
  return cleanPhraseAnswer(answerSpan(plain.slice(lastEnd).replace(/^\s+/, "")));
}

/** The answer right after a phrase: one math span if it opens with one, else the sentence. */
function answerSpan(rest: string): string {
  const delimiters: [string, string][] = [
    ["$$", "$$"],
    ["\\[", "\\]"],
    ["\\(", "\\)"],
    ["$", "$"],
  ];
  for (const [open, close] of delimiters) {
    if (rest.startsWith(open)) {
      const end = rest.indexOf(close, open.length);
      return end === -1 ? "" : rest.slice(open.length, end);
    }
  }
  const line = rest.split(/\r?\n/, 1)[0] ?? "";
  // A period followed by a space ends the sentence; "3.5" keeps its decimal point.
  const sentenceEnd = line.search(/\.(?=\s)/);
  return sentenceEnd === -1 ? line : line.slice(0, sentenceEnd);
}

function cleanPhraseAnswer(raw: string): string | null {
  let answer = raw.trim().replace(/\.+$/, "").trim();
  const wrapped = /^\$+([\s\S]*?)\$+$/.exec(answer) ?? /^\\\(([\s\S]*)\\\)$/.exec(answer);
  if (wrapped) answer = (wrapped[1] ?? "").trim().replace(/\.+$/, "").trim();
  return answer === "" ? null : answer;
}
