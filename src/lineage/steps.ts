/**
 * Splitting a solution into steps: one step per line of prose, one per display
 * formula (`$$…$$`, `\[…\]`, a bare `\begin{…}…\end{…}`), one per code fence,
 * table or `[asy]` drawing. Blank lines separate nothing more. Steps are kept as character ranges
 * into the text, so the view can render each slice and history can store them
 * without copying the text. Pure and linear in the text's length.
 */

/** `reasoning`: a `<think>` block, shown whole and never matched (it is how a model thinks, not a step it wrote). */
export type StepKind = "text" | "formula" | "reasoning";

export interface StepRange {
  /** Offsets into the solution text: text.slice(start, end) is the step. */
  start: number;
  end: number;
  kind: StepKind;
}

/**
 * A block that starts on this line and may run over several: the marker that
 * closes it, and how far into the line the opener reaches (so `$$`, which opens
 * and closes, is not taken for its own closer).
 */
function blockCloser(line: string): { close: RegExp; kind: StepKind; after: number } | null {
  const indent = line.length - line.trimStart().length;
  const t = line.trimStart();
  if (t.startsWith("$$")) return { close: /\$\$/g, kind: "formula", after: indent + 2 };
  if (t.startsWith("\\[")) return { close: /\\\]/g, kind: "formula", after: indent + 2 };
  const env = /^\\begin\{([A-Za-z]+\*?)\}/.exec(t);
  if (env) return { close: new RegExp(`\\\\end\\{${env[1]!.replace("*", "\\*")}\\}`, "g"), kind: "formula", after: indent + env[0].length };
  if (t.startsWith("<think>")) return { close: /<\/think>/g, kind: "reasoning", after: indent + 7 };
  // An Asymptote drawing (MATH solutions have them): one step, never matched line by line.
  if (t.startsWith("[asy]")) return { close: /\[\/asy\]/g, kind: "text", after: indent + 5 };
  const fence = /^(```|~~~)/.exec(t);
  if (fence) return { close: fence[1] === "```" ? /```/g : /~~~/g, kind: "text", after: indent + 3 };
  return null;
}

/** The first offset after the block's closing marker, searching from `from`; the text's end when it never closes. */
function closeAt(text: string, close: RegExp, from: number): number {
  close.lastIndex = from;
  const m = close.exec(text);
  if (!m) return text.length;
  const lineEnd = text.indexOf("\n", m.index + m[0].length);
  return lineEnd === -1 ? text.length : lineEnd;
}

/** Steps of a solution, in order. Whitespace-only lines are skipped; each range is trimmed. */
export function splitSteps(text: string): StepRange[] {
  const steps: StepRange[] = [];
  let pos = 0;
  const push = (start: number, end: number, kind: StepKind) => {
    const slice = text.slice(start, end);
    const lead = slice.length - slice.trimStart().length;
    const trail = slice.length - slice.trimEnd().length;
    if (start + lead < end - trail) steps.push({ start: start + lead, end: end - trail, kind });
  };
  // Reasoning whose `<think>` was in the prompt (some chat templates) ends at the first `</think>`.
  const close = text.indexOf("</think>");
  const open = text.indexOf("<think>");
  if (close !== -1 && (open === -1 || close < open)) {
    pos = closeAt(text, /<\/think>/g, 0);
    push(0, pos, "reasoning");
    pos++;
  }
  while (pos < text.length) {
    let lineEnd = text.indexOf("\n", pos);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(pos, lineEnd);
    const block = blockCloser(line);
    if (block) {
      const end = closeAt(text, block.close, pos + block.after);
      push(pos, end, block.kind);
      pos = end + 1;
      continue;
    }
    if (line.trimStart().startsWith("|")) {
      // A Markdown table: every following line that starts with a pipe belongs to it.
      let end = lineEnd;
      while (end < text.length) {
        const next = text.indexOf("\n", end + 1);
        const nextLine = text.slice(end + 1, next === -1 ? text.length : next);
        if (!nextLine.trimStart().startsWith("|")) break;
        end = next === -1 ? text.length : next;
      }
      push(pos, end, "text");
      pos = end + 1;
      continue;
    }
    push(pos, lineEnd, "text");
    pos = lineEnd + 1;
  }
  return steps;
}
