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
      // `\boxed 5`: TeX takes a single token; accept a run of plain characters.
      const token = /^[^\s${}\\]+/.exec(text.slice(i));
      if (token) {
        boxes.push({ start, content: token[0], end: i + token[0].length });
        BOX_COMMAND.lastIndex = i + token[0].length;
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
  const content = last.content.trim();
  return content === "" ? null : content;
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
