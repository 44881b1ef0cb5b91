/**
 * A realistic CPU workload for benchmarks: a `llama` model with tens of
 * millions of F32 parameters and deterministic pseudo-random weights (seeded
 * per tensor), the same tokenizer conventions and ChatML template as the tiny
 * model. Its text is gibberish; it only has to generate tokens (use
 * `ignore_eos` or a fixed `max_tokens`).
 */
import {
  CHAR_PIECES,
  FIRST_PIECE_ID,
  buildVocab,
  fnv1a,
  llamaWriter,
  mulberry32,
} from "./llama.ts";
import type { GGUFWriter } from "./writer.ts";

export interface PerfShape {
  embd: number;
  layers: number;
  ffn: number;
  heads: number;
  vocab: number;
}

/** ≈34M parameters: 8 × (4·512² + 3·512·1536) + 2 · 512 · 6400. */
export const PERF_SHAPE: PerfShape = { embd: 512, layers: 8, ffn: 1536, heads: 8, vocab: 6400 };

export const PERF_SEED = 0x5eed;

export function perfParameterCount(s: PerfShape = PERF_SHAPE): number {
  return (
    s.layers * (4 * s.embd * s.embd + 3 * s.embd * s.ffn + 2 * s.embd) +
    2 * s.embd * s.vocab +
    s.embd
  );
}

/** Deterministic, unique, pronounceable pieces ("ka", "▁ka", "kan", "▁kan", "kalo", …). */
export function perfPieces(count: number): string[] {
  const onsets = [
    "",
    "b",
    "d",
    "f",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "ch",
    "sh",
    "th",
  ];
  const vowels = ["a", "e", "i", "o", "u", "ai", "ou"];
  const codas = ["", "n", "r", "s", "t", "l", "m"];
  const syllables: string[] = [];
  for (const o of onsets) for (const v of vowels) for (const c of codas) syllables.push(o + v + c);
  const math = [
    "$",
    "$$",
    "\\frac{",
    "}{",
    "}",
    "\\boxed{",
    "+",
    "=",
    "\\cdot",
    "^2",
    ".",
    ",",
    "\n\n",
  ];
  const out: string[] = [...math, ...Array.from({ length: 10 }, (_, d) => String(d))];
  const seen = new Set(out);
  const push = (p: string): void => {
    if (out.length < count && !seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  };
  for (const s of syllables) {
    push("▁" + s);
    push(s);
  }
  for (let i = 0; out.length < count; i++) {
    const a = syllables[i % syllables.length]!;
    const b = syllables[Math.floor(i / syllables.length) % syllables.length]!;
    push("▁" + a + b);
  }
  return out;
}

/** Uniform values in [-scale, scale) from a PRNG seeded by the tensor name. */
function randomTensor(name: string, count: number, scale: number): Float32Array {
  const rand = mulberry32(fnv1a(name) ^ PERF_SEED);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

export function buildBenchModel(shape: PerfShape = PERF_SHAPE): GGUFWriter {
  const { embd: E, layers, ffn: F, heads, vocab: V } = shape;
  const pieces = perfPieces(V - FIRST_PIECE_ID);
  const chars = CHAR_PIECES.filter((c) => !pieces.includes(c));
  const vocab = buildVocab(pieces.slice(0, pieces.length - chars.length), chars);
  const w = llamaWriter({
    name: "refinery-perf",
    vocab,
    contextLength: 4096,
    embd: E,
    layers,
    ffn: F,
    heads,
    headsKv: heads,
    rmsEps: 1e-5,
    ropeFreqBase: 10000,
    fileType: 0,
  });
  // Uniform(-a, a) has std a/√3; a = √3/√fan_in keeps each projection's output near unit scale,
  // and the residual branches are scaled down further so activations stay small and finite.
  const uni = (fanIn: number, gain = 1): number => (gain * Math.sqrt(3)) / Math.sqrt(fanIn);
  const ones = new Float32Array(E).fill(1);
  w.addTensor("token_embd.weight", [E, V], randomTensor("token_embd.weight", E * V, 1));
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    w.addTensor(p + "attn_norm.weight", [E], ones);
    for (const n of ["q", "k", "v"]) {
      w.addTensor(
        `${p}attn_${n}.weight`,
        [E, E],
        randomTensor(`${p}attn_${n}.weight`, E * E, uni(E)),
      );
    }
    w.addTensor(
      p + "attn_output.weight",
      [E, E],
      randomTensor(p + "attn_output.weight", E * E, uni(E, 0.5)),
    );
    w.addTensor(p + "ffn_norm.weight", [E], ones);
    w.addTensor(p + "ffn_gate.weight", [E, F], randomTensor(p + "ffn_gate.weight", E * F, uni(E)));
    w.addTensor(p + "ffn_up.weight", [E, F], randomTensor(p + "ffn_up.weight", E * F, uni(E)));
    w.addTensor(
      p + "ffn_down.weight",
      [F, E],
      randomTensor(p + "ffn_down.weight", F * E, uni(F, 0.5)),
    );
  }
  w.addTensor("output_norm.weight", [E], ones);
  // Zero rows for control and byte tokens: a logit of 0 against pieces' logits of std ≈ 2 makes
  // them vanishingly rare, so the model neither ends turns early nor emits broken UTF-8.
  const output = randomTensor("output.weight", E * V, uni(E, 2));
  output.fill(0, 0, FIRST_PIECE_ID * E);
  w.addTensor("output.weight", [E, V], output);
  return w;
}
