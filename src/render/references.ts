/**
 * Link reference definitions (`[id]: https://example.com "title"`) of a whole
 * text. The renderer parses each block on its own, so a reference in one block
 * (`[the proof][id]`, `![chart][id]`) would never see a definition written in
 * another; the renderer prepends these definitions to every block instead.
 * Only lines that CommonMark reads as a definition on their own are taken, so
 * prepending them never adds visible text. Pure.
 */

import { isFenceClose, parseFenceOpen, type Fence } from "./lines.ts";

const LABEL = String.raw`\[(?:[^\]\[\\]|\\.){1,999}\]`;
const DESTINATION = String.raw`(?:<[^<>\n\\]*>|[^\s<\x00-\x1f][^\s\x00-\x1f]*)`;
const TITLE = String.raw`(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\))`;
const DEFINITION = new RegExp(String.raw`^ {0,3}${LABEL}:[ \t]*(${DESTINATION})(?:[ \t]+${TITLE})?[ \t]*$`);

/** CommonMark requires the parentheses of an unbracketed destination to balance. */
function balanced(destination: string): boolean {
  if (destination.startsWith("<")) return true;
  let depth = 0;
  for (let i = 0; i < destination.length; i++) {
    const c = destination[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** Whether `line` is, on its own, exactly one link reference definition. */
export function isReferenceDefinition(line: string): boolean {
  const match = DEFINITION.exec(line);
  if (!match) return false;
  // A label must hold more than whitespace.
  if (!/\S/.test(line.slice(line.indexOf("[") + 1, line.indexOf("]:")))) return false;
  return balanced(match[1] ?? "");
}

/**
 * The definitions in `blocks` (outside code fences), one per line. With
 * `streaming`, the text's last line may be unfinished and is skipped, so a
 * definition being typed does not re-render every block on each token.
 */
export function referenceDefinitions(blocks: readonly string[], options: { streaming?: boolean } = {}): string {
  const found: string[] = [];
  blocks.forEach((block, b) => {
    if (!block.includes("]:")) return;
    let lines = block.split("\n");
    if (options.streaming && b === blocks.length - 1) lines = lines.slice(0, -1);
    let fence: Fence | null = null;
    for (const line of lines) {
      if (fence) {
        if (isFenceClose(line, fence)) fence = null;
        continue;
      }
      fence = parseFenceOpen(line);
      if (!fence && isReferenceDefinition(line.replace(/\r$/, ""))) found.push(line.replace(/\r$/, ""));
    }
  });
  return found.join("\n");
}
