/**
 * Words and units in answers. `\text{…}` is either a unit or word beside a value
 * (`5\text{ cm}^2`, `12 dollars`), which goes, or the answer itself
 * (`\text{Monday}`, `\text{(B)}`), which stays; number words, scale words
 * (`1.5 million`) and `percent` become numbers and `\%`. Units are never
 * converted: only the numbers are compared.
 */

import { matchingBrace } from "./extract";

const TEXT_COMMANDS = "text textrm textnormal textit textbf textsf texttt textup mbox hbox".split(
  " ",
);
const STYLE_COMMANDS = "mathbf mathit mathsf mathnormal boldsymbol bm mathbb mathcal mathup".split(
  " ",
);
const SEPARATOR_WORDS = /^\s*(?:or|and|,|;)\s*$/i;
/** Words that end an answer but are mathematics, not units. */
const MATH_WORDS = new Set("sin cos tan cot sec csc log ln exp sqrt pi mod or and".split(" "));
const NUMBER_WORDS = new Map(
  "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
    .split(" ")
    .map((word, value) => [word, String(value)]),
);
/** `1.5 million`: words that scale the number before them (exponent of 10). */
const SCALE_WORDS: Record<string, number> = { thousand: 3, million: 6, billion: 9, trillion: 12 };
/** Replaces each `\name{arg}` (balanced braces) with `replace(arg, name)`. */
export function mapCommand(
  text: string,
  names: readonly string[],
  replace: (arg: string, name: string) => string,
): string {
  const pattern = new RegExp(String.raw`\\(${names.join("|")})(?![A-Za-z])\s*\{`, "g");
  let out = "";
  let pos = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const open = match.index + match[0].length - 1;
    const close = matchingBrace(text, open);
    if (close === null) break;
    out += text.slice(pos, match.index) + replace(text.slice(open + 1, close), match[1] ?? "");
    pos = close + 1;
    pattern.lastIndex = pos;
  }
  return out + text.slice(pos);
}

const REMOVED = "\u0000";

/**
 * Text in an answer is either a unit or word next to a value (`5\text{ cm}^2`,
 * `\mathrm{dollars}`), which goes, or the answer itself (`\text{(B)}`,
 * `\text{Monday}`), which stays without its command.
 */
export function resolveText(text: string): string {
  // Upright letters are units (`\mathrm{m}`, `\mathrm{km/h}`), except the constants e and i.
  let s = mapCommand(text, ["mathrm"], (arg) =>
    /^\s*[A-Za-z]+(?:\s*[/^]?\s*\{?[A-Za-z0-9]+\}?)*\s*$/.test(arg) && !/^\s*[ei]\s*$/.test(arg)
      ? `\\text{${arg}}`
      : arg,
  );
  // `\mathbf{2 1 6}`: bold digits set apart are one number.
  s = mapCommand(s, STYLE_COMMANDS, (arg) => arg.replace(/(\d)\s+(?=\d)/g, "$1"));
  s = mapCommand(s, TEXT_COMMANDS, (arg) => {
    if (SEPARATOR_WORDS.test(arg)) return ", ";
    if (/^\s*percent\s*$/i.test(arg)) return "\\%";
    // `\$1.5 \text{ million}`: the scale stays, a unit after it goes.
    const scale = SCALE_WORDS[/^\s*([A-Za-z]+)/.exec(arg)?.[1]?.toLowerCase() ?? ""];
    return scale === undefined ? `\\text{${arg}}` : `\\times10^{${scale}}`;
  });
  const withoutText = mapCommand(s, TEXT_COMMANDS, () => REMOVED).replace(
    new RegExp(String.raw`${REMOVED}\s*(?:\^\s*(?:\{\s*\d\s*\}|\d))?`, "g"),
    " ",
  );
  if (/[0-9A-Za-z\\]/.test(withoutText)) return withoutText;
  return mapCommand(s, TEXT_COMMANDS, (arg) => arg);
}

/**
 * Trailing unit words after a number go (`5 dollars`, `12 square feet`,
 * `3 cm^2`); `percent` becomes `\%`; a whole answer that is a number word
 * (`five`) becomes the number.
 */
export function dropTrailingWords(s: string): string {
  const word = NUMBER_WORDS.get(s.toLowerCase());
  if (word !== undefined) return word;
  if (/^(?:all\s+)?real\s+numbers$/i.test(s)) return "(-\\infty,\\infty)";
  if (/^[+-]?\s*infinity$/i.test(s)) return s.startsWith("-") ? "-\\infty" : "\\infty";
  const tokens = s.split(" ");
  let end = tokens.length;
  const last = tokens[end - 1] ?? "";
  if (/^[A-Za-z]{2,}\^\{?\d\}?$/.test(last)) tokens[end - 1] = last.replace(/\^.*$/, "");
  while (end > 1 && /^[A-Za-z]{2,}\.?$/.test(tokens[end - 1] ?? "")) end--;
  if (end === tokens.length) return s;
  const words = tokens.slice(end).map((w) => w.replace(/\.$/, "").toLowerCase());
  const value = tokens.slice(0, end).join(" ");
  if (words.some((w) => MATH_WORDS.has(w)) || !/\d/.test(value)) return s;
  if (words.includes("percent")) return `${value}\\%`;
  const scale = SCALE_WORDS[words[0] ?? ""];
  return scale === undefined ? value : `${value}\\times10^{${scale}}`;
}
