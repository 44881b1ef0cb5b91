/**
 * Splits markdown into top-level blocks so a streaming render only redoes the
 * last one. A block ends at a blank line followed by an unindented line
 * (indented lines after a blank still belong to a list item), never inside a
 * code fence or a `$$` display block. Appending text only ever changes the
 * last block: every earlier boundary depends on complete lines alone.
 */

import {
  isBlankLine,
  isFenceClose,
  parseDisplayClose,
  parseDisplayOpen,
  parseFenceOpen,
} from "./lines.ts";
import type { Fence } from "./lines.ts";

type ScanState = { kind: "text" } | { kind: "fence"; fence: Fence } | { kind: "display" };

/**
 * Start offsets of the blocks that begin after `from` (which must be the
 * start of a line outside any fence or display block).
 */
function boundariesFrom(text: string, from: number): number[] {
  const starts: number[] = [];
  let state: ScanState = { kind: "text" };
  let previousBlank = false;
  let lineStart = from;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);

    if (state.kind === "fence") {
      if (isFenceClose(line, state.fence)) state = { kind: "text" };
    } else if (state.kind === "display") {
      if (parseDisplayClose(line)) state = { kind: "text" };
    } else {
      const first = line[0];
      if (
        previousBlank &&
        lineStart > from &&
        first !== undefined &&
        first !== " " &&
        first !== "\t" &&
        !isBlankLine(line)
      ) {
        starts.push(lineStart);
      }
      const fence = parseFenceOpen(line);
      if (fence) state = { kind: "fence", fence };
      else if (parseDisplayOpen(line)?.kind === "open") state = { kind: "display" };
    }
    previousBlank = state.kind === "text" && isBlankLine(line);

    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return starts;
}

/** The blocks of `text`; joined, they give `text` back exactly. */
export function splitBlocks(text: string): string[] {
  if (text === "") return [];
  return slices(text, [0, ...boundariesFrom(text, 0)]);
}

function slices(text: string, starts: number[]): string[] {
  return starts.map((start, k) => text.slice(start, starts[k + 1] ?? text.length));
}

/**
 * `splitBlocks` for text that grows at its end. When the new text extends the
 * previous one, only the last block is scanned again and every earlier block
 * is returned as the very same string, so `React.memo` skips it by reference.
 * The work per call is proportional to the last block, not the whole text
 * (apart from one `startsWith` comparison, a memcmp).
 */
export class BlockSplitter {
  private text = "";
  private blocks: string[] = [];
  private lastStart = 0;
  /** Characters scanned by the latest `split` call (for tests and benchmarks). */
  scanned = 0;

  split(text: string): readonly string[] {
    if (text === this.text) {
      this.scanned = 0;
      return this.blocks;
    }
    const extends_ = this.blocks.length > 0 && text.startsWith(this.text);
    const from = extends_ ? this.lastStart : 0;
    const starts = [from, ...boundariesFrom(text, from)];
    const fresh = slices(text, starts);
    this.blocks = extends_ ? [...this.blocks.slice(0, -1), ...fresh] : fresh;
    this.text = text;
    this.lastStart = starts[starts.length - 1] ?? 0;
    this.scanned = text.length - from;
    return this.blocks;
  }
}
