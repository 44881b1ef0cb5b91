/**
 * Prompts of the two GSR phases (DESIGN §1.1–1.2) and the context budget of the
 * refine prompt (DESIGN §1.5).
 */

import { findBoxes, stripThinking } from "./extract";
import type { ChatMessage, GenerationPort, ShorteningReport } from "./types";

export const SOLVE_SYSTEM_PROMPT =
  "You are a careful mathematician. Solve the problem step by step, explaining each step. " +
  "When you are done, give the final answer, and nothing else, inside \\boxed{}, for example \\boxed{42}.";

export const REFINE_SYSTEM_PROMPT =
  "You are a careful mathematician who reviews other people's work before writing your own solution. " +
  "Give the final answer, and nothing else, inside \\boxed{}.";

/** The direct-solve prompt each candidate gets. */
export function buildSolvePrompt(problem: string): ChatMessage[] {
  return [
    { role: "system", content: SOLVE_SYSTEM_PROMPT },
    { role: "user", content: problem.trim() },
  ];
}

/**
 * The refine prompt: the problem, every candidate numbered between clear
 * delimiters, then the task. It asks for a review and a new solution, not a
 * vote: the right answer may be one no candidate reached.
 */
export function buildRefinePrompt(problem: string, candidates: readonly string[]): ChatMessage[] {
  const n = candidates.length;
  const blocks = candidates.map(
    (text, i) =>
      `----- Candidate solution ${i + 1} of ${n} -----\n${text.trim()}\n----- End of candidate solution ${i + 1} -----`,
  );
  const content = [
    `Problem:\n${problem.trim()}`,
    `Here ${n === 1 ? "is 1 candidate solution" : `are ${n} candidate solutions`} to this problem, written independently. ` +
      "They may contain mistakes.",
    blocks.join("\n\n"),
    [
      "Your task:",
      "1. Go through each candidate critically and check every step: calculations, formulas, logic, and whether it answers what the problem asks.",
      "2. Note where candidates disagree and find out which reasoning, if any, is right. Agreement between candidates proves nothing.",
      "3. Keep the steps that are sound and discard the ones that are wrong. All candidates may be wrong; then solve the problem yourself.",
      "4. Write one complete solution that stands on its own, without referring to the candidates, and put the final answer in \\boxed{}.",
    ].join("\n"),
  ].join("\n\n");
  return [
    { role: "system", content: REFINE_SYSTEM_PROMPT },
    { role: "user", content },
  ];
}

// ─── Context budget ─────────────────────────────────────────────────────────

/** Tokens a chat template may add: role markers, and in some models a default system text. */
export const TEMPLATE_TOKEN_ALLOWANCE = 256;
/** Per message: its role header and separators (a SentencePiece dummy prefix included). */
const MESSAGE_TOKEN_ALLOWANCE = 16;

/**
 * The most tokens `messages` can take, without a tokenizer: every token of a
 * byte-level or byte-fallback tokenizer stands for at least one byte of text,
 * so a message's UTF-8 length bounds its tokens. Far above the real count
 * (about 3–4 bytes a token), so only good for proving that a prompt fits;
 * when it does not, count.
 */
export function promptTokenBound(messages: readonly ChatMessage[]): number {
  const encoder = new TextEncoder();
  return messages.reduce(
    (sum, m) => sum + encoder.encode(m.content).length + MESSAGE_TOKEN_ALLOWANCE,
    TEMPLATE_TOKEN_ALLOWANCE,
  );
}

/** Thrown when a prompt cannot fit the context window with room for the answer. */
export class ContextTooLongError extends Error {
  override readonly name = "ContextTooLongError";

  constructor(
    /** Tokens the prompt needs (after any shortening). */
    readonly promptTokens: number,
    /** Tokens kept free for the answer. */
    readonly reserveTokens: number,
    readonly contextWindow: number,
    what = "The refine prompt",
  ) {
    const over = promptTokens + reserveTokens - contextWindow;
    super(
      `${what} is ${over} tokens over the model's context window: it needs ${promptTokens} tokens ` +
        `plus ${reserveTokens} for the answer, and the window holds ${contextWindow}.`,
    );
  }

  /** By how many tokens the prompt plus answer exceed the window. */
  get overBy(): number {
    return this.promptTokens + this.reserveTokens - this.contextWindow;
  }
}

/** Characters kept from the start of a candidate even in its shortest form. */
export const MIN_HEAD_CHARS = 160;
/** Characters kept before the last `\boxed` (or from the end, without one). */
export const MIN_TAIL_CHARS = 240;

/** The marker that replaces an omitted middle. */
export function omissionMarker(omitted: number): string {
  return `\n[… ${omitted} characters omitted …]\n`;
}

/**
 * Removes `<think>` blocks, an unclosed trailing `<think>`, and reasoning before
 * a stray `</think>`. A candidate that is nothing but reasoning is kept whole, to
 * be shortened in the middle instead of vanishing.
 */
export function dropThinkBlocks(text: string): string {
  const visible = stripThinking(text).trim();
  return visible === "" ? text : visible;
}

/** Where the part to keep at the end starts: the line holding the last box, or the last characters. */
export function finalPartStart(text: string): number {
  const last = findBoxes(text).at(-1);
  if (!last) return Math.max(0, text.length - MIN_TAIL_CHARS);
  const lineStart = text.lastIndexOf("\n", last.start) + 1;
  return Math.max(lineStart, last.start - MIN_TAIL_CHARS);
}

/**
 * Cuts the middle of `text` so that it is at most about `maxChars` long,
 * replacing it with a marker. The end from `keepFrom` on is always kept (the
 * final answer), and so are the first {@link MIN_HEAD_CHARS}; cuts snap to
 * whitespace nearby. Returns the text unchanged when it already fits.
 */
export function truncateMiddle(
  text: string,
  maxChars: number,
  keepFrom: number = text.length,
): string {
  if (text.length <= maxChars) return text;
  const requiredTail = text.length - Math.min(keepFrom, text.length);
  const markerLength = omissionMarker(text.length).length;
  const room = Math.max(0, maxChars - markerLength);
  const tailLength = Math.max(requiredTail, Math.floor(room * 0.6));
  let headLength = Math.max(MIN_HEAD_CHARS, room - tailLength);
  if (headLength + tailLength >= text.length) return text;

  headLength = snapBack(text, headLength);
  let tailStart = text.length - tailLength;
  const snapped = snapForward(text, tailStart);
  if (snapped <= text.length - requiredTail) tailStart = snapped;

  const omitted = tailStart - headLength;
  if (omitted <= markerLength) return text;
  return text.slice(0, headLength) + omissionMarker(omitted) + text.slice(tailStart);
}

const SNAP_WINDOW = 40;

/** Moves a cut back to just after whitespace, if some is close. */
function snapBack(text: string, at: number): number {
  for (let i = at; i > at - SNAP_WINDOW && i > 0; i--) if (/\s/.test(text[i - 1] ?? "")) return i;
  return at;
}

/** Moves a cut forward to a whitespace, if some is close. */
function snapForward(text: string, at: number): number {
  for (let i = at; i < at + SNAP_WINDOW && i < text.length; i++)
    if (/\s/.test(text[i] ?? "")) return i;
  return at;
}

/** A candidate cut to about `maxChars`, never below its shortest form. */
export function shortenCandidate(text: string, maxChars: number): string {
  return truncateMiddle(text, maxChars, finalPartStart(text));
}

/**
 * The largest per-candidate length cap such that the candidates, each cut to the
 * cap, total at most `totalChars`. Short candidates stay whole; long ones are
 * cut to the same length ("water filling").
 */
export function lengthCap(lengths: readonly number[], totalChars: number): number {
  const sorted = [...lengths].sort((a, b) => a - b);
  let remaining = Math.max(0, totalChars);
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(remaining / (sorted.length - i));
    const length = sorted[i] ?? 0;
    if (length > share) return share;
    remaining -= length;
  }
  return sorted.at(-1) ?? 0;
}

export interface FittedRefinePrompt {
  messages: ChatMessage[];
  promptTokens: number;
  /** What was cut to make the prompt fit, or null when it fitted as is. */
  shortened: ShorteningReport | null;
}

const MAX_FIT_ROUNDS = 12;

/**
 * Builds the refine prompt and makes it fit the context window with
 * `reserveTokens` left for the answer (DESIGN §1.5): first without `<think>`
 * blocks, then with the middle of long candidates cut, re-counting tokens and
 * shrinking proportionally until it fits. Throws {@link ContextTooLongError}
 * when even the shortest form does not fit.
 */
export async function fitRefinePrompt(
  problem: string,
  candidates: readonly string[],
  port: Pick<GenerationPort, "countTokens" | "contextWindow">,
  reserveTokens: number,
): Promise<FittedRefinePrompt> {
  const budget = port.contextWindow() - reserveTokens;
  const count = (texts: readonly string[]) => port.countTokens(buildRefinePrompt(problem, texts));
  const fits = (tokens: number) => tokens <= budget;

  const originalTokens = await count(candidates);
  if (fits(originalTokens)) {
    return {
      messages: buildRefinePrompt(problem, candidates),
      promptTokens: originalTokens,
      shortened: null,
    };
  }

  const report = (
    texts: readonly string[],
    tokens: number,
    thinkBlocksDropped: boolean,
  ): FittedRefinePrompt => ({
    messages: buildRefinePrompt(problem, texts),
    promptTokens: tokens,
    shortened: {
      originalTokens,
      finalTokens: tokens,
      removedChars: texts.map((text, i) => removedCharacters(candidates[i] ?? "", text)),
      thinkBlocksDropped,
    },
  });

  const thinkless = candidates.map(dropThinkBlocks);
  const thinkBlocksDropped = thinkless.some((text, i) => text !== candidates[i]);
  let tokens = originalTokens;
  if (thinkBlocksDropped) {
    tokens = await count(thinkless);
    if (fits(tokens)) return report(thinkless, tokens, true);
  }

  const shortest = thinkless.map((text) => shortenCandidate(text, 0));
  const shortestTokens = await count(shortest);
  if (!fits(shortestTokens)) {
    const what = "Even with every candidate shortened, the refine prompt";
    throw new ContextTooLongError(shortestTokens, reserveTokens, port.contextWindow(), what);
  }

  const overhead = await count(thinkless.map(() => ""));
  const lengths = thinkless.map((text) => text.length);
  let targetChars = lengths.reduce((sum, length) => sum + length, 0);
  for (let round = 0; round < MAX_FIT_ROUNDS; round++) {
    // Scale the characters by how far the candidates' tokens are from their share of the budget.
    const scale = (budget - overhead) / Math.max(1, tokens - overhead);
    targetChars = Math.floor(targetChars * Math.min(0.97, scale * 0.97));
    const cap = lengthCap(lengths, targetChars);
    const shortened = thinkless.map((text) => shortenCandidate(text, cap));
    tokens = await count(shortened);
    if (fits(tokens)) return report(shortened, tokens, thinkBlocksDropped);
  }
  return report(shortest, shortestTokens, thinkBlocksDropped);
}

/** Characters of the original missing from the shortened text (markers not counted). */
function removedCharacters(original: string, shortened: string): number {
  const markers = [...shortened.matchAll(/\n\[… (\d+) characters omitted …\]\n/g)];
  const markerChars = markers.reduce((sum, m) => sum + m[0].length, 0);
  return Math.max(0, original.length - (shortened.length - markerChars));
}
