/**
 * Formulas still open at the end of streaming text, shown as their source in
 * code so that KaTeX never sees half a formula. Shared by the line-level pass
 * (`normalizeMath`: an unclosed `$$` block) and the paragraph pass (`prose.ts`:
 * an unclosed `\[`, `\(` or `$`), which is why it sits apart from both.
 */

import { longestRun, splitPrefix, stripContinuation } from "./lines.ts";

/**
 * Source lines as a fenced code block. `first` is written before the opening
 * fence; every other line is re-prefixed with `continuation`.
 */
export function codeBlock(
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
export function inlineSource(raw: string): string {
  const content = raw.replace(/[ \t]*\n[ \t]*/g, " ").trimEnd();
  if (content === "") return "";
  const fence = "`".repeat(longestRun(content, "`") + 1);
  const pad = content.startsWith("`") || content.endsWith("`") ? " " : "";
  return fence + pad + content + pad + fence;
}
