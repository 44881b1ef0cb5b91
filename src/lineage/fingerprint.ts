/**
 * What a step is made of, for matching: a bag of tokens. Formulas go through the
 * answer checker's own normalisation first (`normalize` from src/gsr: `\dfrac`
 * is `\frac`, `\left(` is `(`, spacing and sizing dropped), so equal formulas
 * written differently give the same tokens. Variables (single letters, Greek
 * letters) are renamed in order of appearance, so `x + 3 = 7` and `y + 3 = 7`
 * match. Prose keeps its content words and numbers; the words every solution
 * uses ("the", "so", "we") are left out.
 */
import { normalize } from "../gsr/latex";
import type { StepKind } from "./steps";

export interface Fingerprint {
  kind: StepKind;
  /** Token → count. */
  tokens: Map<string, number>;
  size: number;
  /** Numbers, as written after normalisation (a separate bag, so `= 42` and `= 24` stay apart). */
  numbers: Map<string, number>;
  /** The tokens that are not renamed variables: what two steps must share beyond "some letters". */
  content: Map<string, number>;
  contentSize: number;
  /** The normalised formula with variables renamed; "" for prose. Equal keys are the same formula. */
  key: string;
}

const STOP_WORDS = new Set(
  "a an and are as at be by can do does for from get gives has have hence here i if in into is it its let lets of on or our so that the their then there therefore thus this to us we which with".split(
    " ",
  ),
);

/** Formula source without its delimiters, alignment marks or a closing full stop. */
function formulaBody(source: string): string {
  return source
    .trim()
    .replace(/^\$\$|\$\$$/g, "")
    .replace(/^\\\[|\\\]$/g, "")
    .replace(/\\(?:begin|end)\{[A-Za-z]+\*?\}/g, " ")
    .replace(/\\\\|&/g, " ")
    .replace(/[.,;]\s*$/, "");
}

/** The answer checker's normalisation; a formula it cannot read stays as written. */
function normalized(tex: string): string {
  try {
    return normalize(tex);
  } catch {
    return tex;
  }
}

/** Tokens of LaTeX: commands, numbers, single letters (as renamed variables) and operators. */
function texTokens(tex: string, rename: Map<string, string>): string[] {
  const out: string[] = [];
  for (const m of tex.matchAll(/\\[A-Za-z]+|\d+(?:\.\d+)?|[A-Za-z]|[^\s{}A-Za-z\d\\]/g)) {
    const t = m[0];
    const isVariable = /^[A-Za-z]$/.test(t) || /^\\(?:alpha|beta|gamma|theta|lambda|mu|phi|omega|sigma|delta|epsilon)$/.test(t);
    if (isVariable) {
      if (!rename.has(t)) rename.set(t, `‹v${rename.size}›`);
      out.push(rename.get(t)!);
    } else out.push(t);
  }
  return out;
}

function count(tokens: Iterable<string>): Map<string, number> {
  const bag = new Map<string, number>();
  for (const t of tokens) bag.set(t, (bag.get(t) ?? 0) + 1);
  return bag;
}

function make(kind: StepKind, tokens: string[], key: string): Fingerprint {
  const numbers = count(tokens.filter((t) => /^\d/.test(t)));
  const content = tokens.filter((t) => !t.startsWith("‹v"));
  return { kind, tokens: count(tokens), size: tokens.length, numbers, content: count(content), contentSize: content.length, key };
}

export function fingerprint(source: string, kind: StepKind): Fingerprint {
  const rename = new Map<string, string>();
  if (kind === "reasoning") return make(kind, [], "");
  if (kind === "formula") {
    const tokens = texTokens(normalized(formulaBody(source)), rename);
    return make(kind, tokens, tokens.join(" "));
  }
  // Prose: inline math is tokenised as a formula (variables renamed), words as words.
  const tokens: string[] = [];
  const parts = source.split(/(\$[^$]+\$|\\\([\s\S]*?\\\))/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      const tex = part.startsWith("$") ? part.slice(1, -1) : part.slice(2, -2);
      tokens.push(...texTokens(normalized(tex), rename).filter((t) => !/^[=+\-*/^_(),.]$/.test(t)));
      return;
    }
    for (const m of part.toLowerCase().matchAll(/[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?/g)) {
      const word = m[0].replace(/'/g, "");
      if (STOP_WORDS.has(word)) continue;
      if (/^[a-z]$/.test(word)) {
        // A lone letter in prose is a variable named outside math ("where x is").
        if (!rename.has(word)) rename.set(word, `‹v${rename.size}›`);
        tokens.push(rename.get(word)!);
      } else tokens.push(word.length > 4 ? word.replace(/(?:ing|ed|es|s)$/, "") : word);
    }
  });
  return make(kind, tokens, "");
}

/** Shared tokens, counted with multiplicity. */
function overlap(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  for (const [t, n] of a) shared += Math.min(n, b.get(t) ?? 0);
  return shared;
}

function total(bag: Map<string, number>): number {
  let n = 0;
  for (const c of bag.values()) n += c;
  return n;
}

/** Steps too small to say where they came from ("So:", "---"): never matched, never dropped. */
export function isTrivial(f: Fingerprint): boolean {
  return f.kind === "formula" ? f.size === 0 : f.kind === "reasoning" || f.size < 2;
}

/** Thresholds on the Dice coefficient of the token bags. */
const FORMULA_MATCH = 0.85;
const TEXT_MATCH = 0.6;

/**
 * How alike two steps are, 0–1; 0 when they are not a match. Formulas match
 * when their keys are equal, or their bags nearly are and their numbers are the
 * same; prose when enough content words are shared and, if both name numbers,
 * the numbers mostly agree.
 */
export function similarity(a: Fingerprint, b: Fingerprint): number {
  if (isTrivial(a) || isTrivial(b)) return 0;
  if (a.kind === "formula" && b.kind === "formula" && a.key === b.key) return 1;
  const dice = (2 * overlap(a.tokens, b.tokens)) / (a.size + b.size);
  const na = total(a.numbers);
  const nb = total(b.numbers);
  if (a.kind === "formula" || b.kind === "formula") {
    const sameNumbers = na === nb && overlap(a.numbers, b.numbers) === na;
    return dice >= FORMULA_MATCH && sameNumbers ? dice : 0;
  }
  if (na > 0 && nb > 0 && (2 * overlap(a.numbers, b.numbers)) / (na + nb) < 0.5) return 0;
  // Shared variables alone prove little ("let $x$…" and "label $A$…"): the rest must agree as well.
  if (a.contentSize > 0 && b.contentSize > 0 && (2 * overlap(a.content, b.content)) / (a.contentSize + b.contentSize) < TEXT_MATCH) return 0;
  return dice >= TEXT_MATCH ? dice : 0;
}
