/**
 * Normalising answers as written. LaTeX spellings, spacing, wrappers, currency,
 * degrees, thousands separators, bases and brace-less arguments (and, through
 * `./words`, units and number words) become one
 * canonical text, so the later stages see `\frac{1}{2}` whether the writer typed
 * `\dfrac12`, `\tfrac{1}{2}` or `$\frac 1 2$`. Nothing here evaluates: signs that
 * change a value (percent, a number's base) are kept for the comparison to read.
 */

import { matchingBrace } from "./extract";
import { dropTrailingWords, resolveText } from "./words";

const GREEK =
  "alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|rho|sigma|tau|phi|varphi|chi|psi|omega";

/** A variable as answers name it: `x`, `a_1`, `\theta`. */
export const VARIABLE = String.raw`(?:[A-Za-z]|\\(?:${GREEK}))(?:_\{?[A-Za-z0-9]+\}?)?`;

/** Names of geometric objects: `AB`, `\overline{AB}`, `\angle ABC`, `m\angle B`. */
const FIGURE = String.raw`[A-Z]{2,3}|\\overline\{[A-Z]{2}\}|(?:m\s*)?\\angle\s*[A-Z]{1,3}`;

/**
 * `x =`, `f(x) =`, `\theta \approx`, `a_1 =`, `(x, y) =`, `AB =`, `x \in` at the
 * start of an answer; group 1 is the name.
 */
export const LABEL = new RegExp(
  String.raw`^(${VARIABLE}(?:\^\{?-1\}?|')?(?:\([^()=]*\))?|\(\s*${VARIABLE}(?:\s*,\s*${VARIABLE})+\s*\)|${FIGURE})\s*(?:=|\\approx(?![A-Za-z])|\\in(?![A-Za-z]))\s*(?=\S)`,
);
const BARE_VARIABLE = new RegExp(String.raw`^${VARIABLE}$`);

/** `[regex, replacement]` pairs applied in order by {@link normalize}. */
const REWRITES: [RegExp, string][] = [
  // Unicode look-alikes.
  [/[\u2212\u2013]/g, "-"],
  [/\u00d7/g, "\\times "],
  [/[\u00b7\u22c5]/g, "\\cdot "],
  [/\u00f7/g, "\\div "],
  [/\u03c0/g, "\\pi "],
  [/\u221e/g, "\\infty "],
  [/\u2264/g, "\\le "],
  [/\u2265/g, "\\ge "],
  [/\u2260/g, "\\ne "],
  [/\u2248/g, "\\approx "],
  [/\u222a/g, "\\cup "],
  [/\u2205/g, "\\emptyset "],
  [/\u221a/g, "\\sqrt"],
  [/\u00b2/g, "^2"],
  [/\u00b3/g, "^3"],
  [/\u00bd/g, "\\frac{1}{2}"],
  [/\u00bc/g, "\\frac{1}{4}"],
  [/\u00be/g, "\\frac{3}{4}"],
  [/[\u00a0\u2009\u202f]/g, " "],
  [/\u00ad/g, ""],
  // Math delimiters, currency.
  [/\\\$/g, ""],
  [/\$/g, ""],
  [/[\u20ac\u00a3\u00a5\u20b9]/g, ""],
  [/\\(?:textdollar|pounds|euro|texteuro|textsterling|yen)(?![A-Za-z])/g, ""],
  // Sizing and style that carry no meaning.
  [/\\(?:left|right)\s*\./g, ""],
  [
    /\\(?:left|right|bigl|bigr|bigm|Bigl|Bigr|Bigm|biggl|biggr|Biggl|Biggr|bigg|Bigg|big|Big)(?![A-Za-z])/g,
    "",
  ],
  [/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits)(?![A-Za-z])/g, ""],
  [/\\[dtc]frac(?![A-Za-z])/g, "\\frac"],
  [/\\[dt]binom(?![A-Za-z])/g, "\\binom"],
  // Synonyms.
  [/\\leq(?:slant)?(?![A-Za-z])/g, "\\le"],
  [/\\geq(?:slant)?(?![A-Za-z])/g, "\\ge"],
  [/\\neq(?![A-Za-z])/g, "\\ne"],
  [/\\lt(?![A-Za-z])/g, "<"],
  [/\\gt(?![A-Za-z])/g, ">"],
  [/<=/g, "\\le "],
  [/>=/g, "\\ge "],
  [/!=/g, "\\ne "],
  [/\\varnothing(?![A-Za-z])/g, "\\emptyset"],
  [/\\inf(?:in)?(?![A-Za-z])/g, "\\infty"],
  [/(^|[([,]\s*)\+\s*\\infty/g, "$1\\infty"],
  [
    /(?:\\mathbb\s*\{\s*R\s*\}|\\mathbb\s+R(?![A-Za-z])|\\R(?![A-Za-z]))(?!\s*[\^_])/g,
    "(-\\infty,\\infty)",
  ],
  [/\\[lr]?vert(?![A-Za-z])/g, "|"],
  [/\\lbrace(?![A-Za-z])/g, "\\{"],
  [/\\rbrace(?![A-Za-z])/g, "\\}"],
  [/\\lbrack(?![A-Za-z])/g, "["],
  [/\\rbrack(?![A-Za-z])/g, "]"],
  // Degrees in a trigonometric argument are a value: \sin 30^\circ is \sin(\pi/6).
  [
    /(\\(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z]))\s*\(\s*([0-9.]+)\s*\^\s*(?:\{\s*\\circ\s*\}|\\circ(?![A-Za-z]))\s*\)/g,
    "$1(\\frac{$2\\pi}{180})",
  ],
  [
    /(\\(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z]))\s*\{?([0-9.]+)\}?\s*\^\s*(?:\{\s*\\circ\s*\}|\\circ(?![A-Za-z]))/g,
    "$1(\\frac{$2\\pi}{180})",
  ],
  // Other degrees go (angles are compared as numbers, never converted); percent stays as `\%`.
  [
    /\^\s*(?:\{\s*\\circ\s*\}|\\circ(?![A-Za-z]))(?:\s*(?:\\text\{\s*[CF]\s*\}|[CF](?![A-Za-z])))?/g,
    "",
  ],
  [/\\(?:degree|textdegree)(?![A-Za-z])/g, ""],
  [/\u00b0/g, ""],
  [/\\(?:text|mbox|textrm)\s*\{\s*\\?%\s*\}/g, "\\%"],
  [/\s*\\?%/g, "\\%"],
  // Ordinal suffixes: 5th, 5^{\text{th}}.
  [
    /(\d)(?:\^\s*\{?\s*\\(?:text|mathrm)\s*\{\s*(?:st|nd|rd|th)\s*\}\s*\}?|(?:st|nd|rd|th)(?![A-Za-z]))/g,
    "$1",
  ],
  // LaTeX thousands separators inside a number: 12,\!345, 1{,}000, 1\,000, 1,\! 000.
  [/(\d)(?:,\s*\\[!,]|\{,\}|\\[,!;: ]|~)\s*(?=\d{3}(?!\d))/g, "$1"],
  [/(?<!\\)\\[,!;: ]|~|\\q?quad(?![A-Za-z])/g, " "],
  // "1 \text{ or } 2", "x = 1 and x = 2": roots joined by words.
  [/\s+(?:or|and)\s+/gi, ", "],
];

/** Unwraps a whole-answer `\boxed{…}`/`\fbox{…}`, `\(…\)` or `\[…\]`. */
export function unwrap(s: string): string {
  for (;;) {
    const box = /^\\(?:boxed|fbox)\s*\{/.exec(s);
    if (box && matchingBrace(s, box[0].length - 1) === s.length - 1) {
      s = s.slice(box[0].length, -1).trim();
      continue;
    }
    const math = /^\\\(([\s\S]*)\\\)$/.exec(s) ?? /^\\\[([\s\S]*)\\\]$/.exec(s);
    if (math) {
      s = (math[1] ?? "").trim();
      continue;
    }
    return s;
  }
}

/** Commands whose argument braces writers leave out. */
const BRACED_COMMANDS = /\\(frac|binom|sqrt)(?![A-Za-z])/g;

/** One TeX argument at `pos`: a brace group, a control word, or one character (a digit run for `\sqrt`). */
function readArgument(
  s: string,
  pos: number,
  digitRun: boolean,
): { arg: string; end: number } | null {
  let i = pos;
  while (s[i] === " ") i++;
  const ch = s[i];
  if (ch === undefined || ch === "}" || ch === "]") return null;
  if (ch === "{") {
    const close = matchingBrace(s, i);
    return close === null ? null : { arg: braceArguments(s.slice(i + 1, close)), end: close + 1 };
  }
  if (ch === "\\") {
    const word = /^\\(?:[A-Za-z]+|.)/.exec(s.slice(i, i + 40));
    return word ? { arg: word[0], end: i + word[0].length } : null;
  }
  // `\sqrt11` is written for √11 (TeX would read √1·1); `\frac12` keeps TeX's one digit each.
  const run = digitRun && /\d/.test(ch) ? (/^\d+/.exec(s.slice(i)) ?? [ch])[0] : ch;
  return { arg: run, end: i + run.length };
}

/** `\frac12`, `\dfrac34`, `\sqrt7`, `2\sqrt11`, `\frac\pi2`: the arguments TeX reads, braced. */
export function braceArguments(s: string): string {
  if (!s.includes("\\")) return s;
  let out = "";
  let pos = 0;
  const pattern = new RegExp(BRACED_COMMANDS.source, "g");
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(s)) !== null) {
    const name = match[1] ?? "";
    let i = match.index + match[0].length;
    let index = "";
    if (name === "sqrt") {
      let j = i;
      while (s[j] === " ") j++;
      if (s[j] === "[") {
        const close = s.indexOf("]", j);
        if (close === -1) continue;
        index = `[${braceArguments(s.slice(j + 1, close))}]`;
        i = close + 1;
      }
    }
    const args: string[] = [];
    for (let k = 0; k < (name === "sqrt" ? 1 : 2); k++) {
      const read = readArgument(s, i, name === "sqrt");
      if (!read) break;
      args.push(read.arg);
      i = read.end;
    }
    if (args.length !== (name === "sqrt" ? 1 : 2)) continue;
    out += `${s.slice(pos, match.index)}\\${name}${index}${args.map((a) => `{${a}}`).join("")}`;
    pos = i;
    pattern.lastIndex = i;
  }
  return out + s.slice(pos);
}

/**
 * A whole value written with plain-comma thousands groups: `12,345`, `-1,000.5`,
 * `4,500\%`. Groups of exactly three digits after the first comma and no spaces
 * make one number; `1,2`, `1, 234` and `12,3456` are lists.
 */
const COMMA_GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:\\%)?$/;
/** The same with spaces (`1 000 000`, SI style); a space is never a list separator. */
const SPACE_GROUPED = /^[+-]?\d{1,3}(?: \d{3})+(?:\.\d+)?(?:\\%)?$/;

/**
 * Normalisation shared by display and comparison; keeps a leading `x =` label,
 * percent signs (`\%`) and number bases (`61_{7}`).
 */
export function normalize(answer: string): string {
  let s = unwrap(answer.trim());
  for (const [pattern, replacement] of REWRITES) s = s.replace(pattern, replacement);
  s = resolveText(s);
  s = s.replace(/\s+/g, " ").trim();
  // `\sqrt{2} \approx 1.414`: the exact value written first is the answer.
  s = s.replace(
    /(^|,)([^,]*?)\\approx(?![A-Za-z])[^,]*/g,
    (whole, separator: string, left: string) =>
      left.trim() === "" || BARE_VARIABLE.test(left.trim()) ? whole : separator + left.trimEnd(),
  );
  // What units leave behind (`5 \text{ km}/\text{h}`), a leading `=`, trailing periods.
  s = s
    .replace(/\s*(?:\/|\\cdot|\\times)\s*$/, "")
    .replace(/^(?:=|\\approx(?![A-Za-z]))\s*/, "")
    .replace(/(?:[.\s]|\\\\)+$/, "");
  s = dropTrailingWords(s);
  s = braceArguments(s);
  // Repeating decimals written with dots over the first and last repeated digit.
  s = s
    .replace(/\\dot\s*\{?(\d)\}?(\d*)\\dot\s*\{?(\d)\}?/g, "\\overline{$1$2$3}")
    .replace(/\\dot\s*\{?(\d)\}?/g, "\\overline{$1}");
  // Numbers in a base: 61_7, 3102_{4}, (61)_7 → 61_{7} (digits upper-case, so A3_{16} = a3_{16}).
  s = s.replace(
    /(^|[^0-9A-Za-z\\_^])(?:\(([0-9A-Za-z]+)\)|([0-9A-Za-z]+))_\{?(\d{1,2})\}?(?![0-9A-Za-z])/g,
    (
      whole,
      before: string,
      inParens: string | undefined,
      bare: string | undefined,
      base: string,
    ) => {
      const digits = inParens ?? bare ?? "";
      return isNumeral(digits, Number(base)) ? `${before}${digits.toUpperCase()}_{${base}}` : whole;
    },
  );
  s = s.replace(/\s+/g, " ").trim();
  const label = LABEL.exec(s);
  const prefix = label ? label[0] : "";
  const value = s.slice(prefix.length);
  // Plain commas group thousands only in a single number: `(1,2)` and `1, 2` are two numbers.
  if (SPACE_GROUPED.test(value) || COMMA_GROUPED.test(value))
    return finish(prefix + value.replace(/[ ,]/g, ""));
  return finish(s);
}

/** Whether `digits` is a numeral in `base` (2–36) and not just a name such as `a_1` or `x_2`. */
function isNumeral(digits: string, base: number): boolean {
  if (base < 2 || base > 36) return false;
  // Letters are digits only above base 10, and only beside a decimal digit (`A3_{16}`, not `a_{11}`).
  if (!/\d/.test(digits)) return false;
  return [...digits.toUpperCase()].every((d) => {
    const value = Number.parseInt(d, 36);
    return !Number.isNaN(value) && value < base;
  });
}

/** Leading zeros (025 → 25), bare decimals (.5 → 0.5), spacing around commas. */
function finish(s: string): string {
  s = s.replace(/(^|[^0-9.A-Za-z_\\}])(?<!\\overline\{)0+(?=\d)/g, "$1");
  s = s.replace(
    /(^|[^0-9A-Za-z}\\)\]])\.(\d)/g,
    (_m, before: string, digit: string) => `${before}0.${digit}`,
  );
  return s.replace(/\s+/g, " ").replace(/\s+,/g, ",").trim();
}
