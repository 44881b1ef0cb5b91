/**
 * Splits a model's output into its reasoning (`<think>…</think>`) and its
 * answer, so the two can be rendered apart. Separate from `normalizeMath`:
 * this works on the whole output before any markdown is looked at, and each
 * segment it returns is normalised on its own. Pure.
 */

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
