/**
 * Deterministic, LaTeX-heavy "model output" for the streaming-UI benchmark:
 * markdown paragraphs with inline math, display blocks in all the notations
 * models use (`$$…$$`, `\[…\]`, `aligned`, `cases`), numbered lists, bold step
 * headings, and a final `\boxed{}` answer. Split into tokens the way a BPE
 * tokenizer splits math (LaTeX commands, words with their leading space,
 * single digits and symbols): about 3 characters per token.
 */

import { seededRandom } from "../../../src/seededRandom";

const TOKEN = /\\[a-zA-Z]+|\\.| ?[A-Za-z]+|[0-9]|\n+| +|[^\sA-Za-z0-9]/g;

/** Splits text into tokens; joined, they give the text back exactly. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

type Pick = <T>(items: readonly T[]) => T;

const VARS = ["x", "y", "n", "k", "a", "b", "t", "m"] as const;

function inlineMath(pick: Pick, int: (lo: number, hi: number) => number): string {
  const v = pick(VARS);
  const forms = [
    () => `$${v} = \\frac{${int(2, 40)}}{${int(2, 9)}}$`,
    () => `$${v}^2 + ${int(2, 20)}${v} - ${int(1, 50)} = 0$`,
    () => `$\\sqrt{${int(2, 99)}} \\approx ${int(1, 9)}.${int(10, 99)}$`,
    () => `$f(${v}) = ${int(2, 9)}${v}^{${int(2, 4)}} - ${v}$`,
    () => `$\\left(${v} + \\tfrac{1}{${int(2, 9)}}\\right)^2$`,
    () => `$${int(10, 99)} \\cdot ${int(2, 12)} = ${int(100, 999)}$`,
    () => `$\\angle ABC = ${int(20, 160)}^\\circ$`,
    () => `$${v} \\in [${int(0, 5)}, ${int(6, 20)})$`,
    () => `$\\binom{${int(5, 12)}}{${int(2, 4)}}$`,
    () => `$\\log_{${int(2, 9)}} ${int(2, 99)}$`,
  ];
  return pick(forms)();
}

function displayMath(pick: Pick, int: (lo: number, hi: number) => number): string {
  const v = pick(VARS);
  const forms = [
    () => `$$\n\\frac{${v}^2 + ${int(2, 9)}${v}}{${int(2, 9)}} = \\sqrt{${int(2, 9)}${v} + ${int(1, 9)}}\n$$`,
    () => `\\[\n\\sum_{${v}=1}^{${int(5, 50)}} ${v}^2 = \\frac{n(n+1)(2n+1)}{6} = ${int(100, 9999)}\n\\]`,
    () =>
      `$$\n\\begin{aligned}\n${v}^2 - ${int(2, 9)}${v} + ${int(1, 9)} &= 0 \\\\\n(${v} - ${int(1, 9)})(${v} - ${int(1, 9)}) &= 0 \\\\\n${v} &= ${int(1, 9)} \\quad \\text{or} \\quad ${v} = ${int(1, 9)}\n\\end{aligned}\n$$`,
    () => `$$\n\\int_0^{${int(1, 9)}} \\left(${int(2, 9)}${v}^2 + ${v}\\right)\\,d${v} = \\left[\\frac{${int(2, 9)}${v}^3}{3} + \\frac{${v}^2}{2}\\right]_0^{${int(1, 9)}}\n$$`,
    () =>
      `$$\nf(${v}) = \\begin{cases} ${v}^2 & \\text{if } ${v} \\ge 0, \\\\ -${v} & \\text{otherwise.} \\end{cases}\n$$`,
    () => `\\[\n\\binom{${int(6, 12)}}{${int(2, 5)}} = \\frac{${int(6, 12)}!}{${int(2, 5)}!\\,${int(2, 7)}!} = ${int(10, 999)}\n\\]`,
  ];
  return pick(forms)();
}

const OPENERS = [
  "We start by writing down what the problem gives us.",
  "Next we simplify the expression step by step.",
  "Substituting this back into the original equation,",
  "To check the result, we evaluate both sides again.",
  "Now consider the case where the variable is negative.",
  "Combining the two cases above,",
  "It remains to verify that this value satisfies every condition.",
  "Multiplying both sides by the common denominator,",
];

function paragraph(pick: Pick, int: (lo: number, hi: number) => number): string {
  const parts = [pick(OPENERS)];
  const sentences = int(2, 4);
  for (let i = 0; i < sentences; i++) {
    parts.push(
      pick([
        `Since ${inlineMath(pick, int)}, it follows that ${inlineMath(pick, int)}.`,
        `This gives ${inlineMath(pick, int)} and therefore ${inlineMath(pick, int)}.`,
        `Note that ${inlineMath(pick, int)} holds for every ${pick(VARS)} in the range.`,
        `With **${inlineMath(pick, int)}** the remaining term is ${inlineMath(pick, int)}.`,
      ]),
    );
  }
  return parts.join(" ");
}

function block(pick: Pick, int: (lo: number, hi: number) => number, step: number): string {
  const kind = int(0, 5);
  if (kind <= 1) return paragraph(pick, int);
  if (kind <= 3) return `${paragraph(pick, int)}\n\n${displayMath(pick, int)}`;
  if (kind === 4)
    return Array.from({ length: int(2, 4) }, (_, i) => `${i + 1}. If ${inlineMath(pick, int)}, then ${inlineMath(pick, int)}.`).join("\n");
  return `**Step ${step}.** ${paragraph(pick, int)}`;
}

/**
 * Exactly `count` tokens of a solution that ends with its final answer in
 * `\boxed{}` (when count leaves room for it).
 */
export function solutionTokens(seed: number, count: number): string[] {
  const rand = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick: Pick = (items) => items[Math.floor(rand() * items.length)]!;
  const ending = tokenize(`\n\nTherefore the final answer is $\\boxed{${int(2, 99)}}$.`);
  const tokens: string[] = [];
  for (let step = 1; ; step++) {
    const next = tokenize((step === 1 ? "" : "\n\n") + block(pick, int, step));
    if (tokens.length + next.length + ending.length > count) break;
    tokens.push(...next);
  }
  // Fill to the exact length with plain words, then the answer.
  const filler = tokenize(" We double-check each step once more and find no mistake");
  for (let i = 0; tokens.length + ending.length < count; i++) tokens.push(filler[i % filler.length]!);
  tokens.push(...ending);
  return tokens.slice(0, count);
}
