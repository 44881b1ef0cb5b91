/**
 * A crafted "bigram" llama model (DESIGN.md §4): one layer whose attention and
 * FFN weights are zero, so the hidden state is just the token's embedding;
 * one-hot embeddings; and an `output` matrix that gives each state one large
 * logit for its successor. Following the successors from the start state spells
 * a short markdown + LaTeX solution ending in `\boxed{...}` and `<|im_end|>`.
 *
 * The text is a small graph of segments. Where a segment has several
 * successors, their logits differ by a small gap, so sampling at temperature
 * > 0 branches (different openings; answers 42 / 24 / 40), while greedy
 * decoding always follows the main path. Each segment is cut into pieces that
 * occur nowhere else in the vocabulary, so every token has exactly one state.
 *
 * Every token that is not one of these pieces (control tokens, byte tokens,
 * the single-character pieces that make prompts tokenize at about one token
 * per character) maps to the start state; the ChatML prompt ends in the `\n` byte token, so
 * the first generated token is the start of the answer whatever the user wrote
 * (a refine prompt included).
 */
import {
  CHAR_PIECES,
  FIRST_PIECE_ID,
  IM_END_ID,
  buildVocab,
  llamaWriter,
  pieceProblem,
  pieceToText,
  toPiece,
  type Vocab,
} from "./llama.ts";
import { GGMLType, type GGUFWriter } from "./writer.ts";

// ---------------------------------------------------------------------------
// The graph

/** Logit of the chosen successor; every other token has logit 0. */
export const BASE_LOGIT = 30;
/** After the final piece, the runner-up to `<|im_end|>` (only used with ignore_eos) restarts the answer. */
export const RESTART_GAP = 20;

/** Logit gaps below the main successor at the branch points. */
export const TINY_GAPS = {
  /** Alternative opening sentence (same answer). */
  opening: 0.7,
  /** Wrong answers. */
  answer24: 0.7,
  answer40: 1.1,
} as const;

export interface Segment {
  id: string;
  text: string;
  /** Successor segments ("EOT" = `<|im_end|>`) with their logit offset (0 = main, negative = less likely). */
  next: { to: string; offset: number }[];
}

export interface ModelGraph {
  name: string;
  /** Successors of the start state. */
  start: { to: string; offset: number }[];
  segments: Segment[];
}

export const TINY_ANSWERS = ["42", "24", "40"] as const;
export const TINY_CORRECT_ANSWER = "42";

const OPENING_MAIN = "We add the numbers step by step.\n\n";
const OPENING_ALT = "Let's add the tens and the ones.\n\n";
const EQUATION = "$$17 + 25 =";
const answerText = (a: string): string => ` ${a}$$\n\nSo the answer is $\\boxed{${a}}$.`;

/** Greedy output of the tiny model. */
export const TINY_MAIN_TEXT = OPENING_MAIN + EQUATION + answerText("42");

/** A LaTeX-rich derivation repeated several times (several hundred tokens). */
function longDerivation(): string {
  // 17 = a1 + a2 and 25 = b1 + b2, a different split in every check.
  const splits = Array.from({ length: 16 }, (_, i): [number, number, number, number] => {
    const a1 = 16 - i;
    const b1 = 5 + ((i * 7) % 19);
    return [a1, 17 - a1, b1, 25 - b1];
  });
  return splits
    .map(([a1, a2, b1, b2], i) => {
      const k = i + 1;
      return (
        `**Check ${k}.** Split $17 = ${a1} + ${a2}$ and $25 = ${b1} + ${b2}$, then regroup:\n\n` +
        `$$\\begin{aligned}\n17 + 25 &= (${a1} + ${b1}) + (${a2} + ${b2}) \\\\\n` +
        `&= ${a1 + b1} + ${a2 + b2} \\\\\n&= \\frac{${2 * 42}}{2}.\n\\end{aligned}$$\n\n`
      );
    })
    .join("");
}

function graph(long: boolean): ModelGraph {
  const body: Segment[] = long
    ? [
        { id: "derivation", text: longDerivation(), next: [{ to: "equation", offset: 0 }] },
        { id: "equation", text: "All checks agree:\n\n" + EQUATION, next: [] },
      ]
    : [{ id: "equation", text: EQUATION, next: [] }];
  const first = body[0]!.id;
  const equation = body[body.length - 1]!;
  equation.next = [
    { to: "answer42", offset: 0 },
    { to: "answer24", offset: -TINY_GAPS.answer24 },
    { to: "answer40", offset: -TINY_GAPS.answer40 },
  ];
  return {
    name: long ? "refinery-tiny-long" : "refinery-tiny",
    start: [
      { to: "openingMain", offset: 0 },
      { to: "openingAlt", offset: -TINY_GAPS.opening },
    ],
    segments: [
      { id: "openingMain", text: OPENING_MAIN, next: [{ to: first, offset: 0 }] },
      { id: "openingAlt", text: OPENING_ALT, next: [{ to: first, offset: 0 }] },
      ...body,
      ...TINY_ANSWERS.map((a) => ({
        id: `answer${a}`,
        text: answerText(a),
        next: [{ to: "EOT", offset: 0 }],
      })),
    ],
  };
}

export const TINY_GRAPH = graph(false);
export const TINY_LONG_GRAPH = graph(true);
export const TINY_LONG_MAIN_TEXT =
  OPENING_MAIN + longDerivation() + "All checks agree:\n\n" + EQUATION + answerText("42");

// ---------------------------------------------------------------------------
// Cutting text into unique pieces

/** Word-like units: newline runs, `\commands`, words, numbers, symbol runs, each with its leading space. */
const ATOM =
  /\n+| ?\\[A-Za-z]+| ?[A-Za-z]+(?:'[A-Za-z]+)?| ?[0-9]+| ?(?:\\(?![A-Za-z])|[^\sA-Za-z0-9\\])+| +/gu;

/**
 * Cut `text` into pieces not in `used` (which is updated): at each position
 * take the shortest run of whole atoms that makes a new, valid piece,
 * backtracking when the rest of the text cannot be cut that way.
 */
export function cutIntoPieces(text: string, used: Set<string>): string[] {
  const atoms = text.match(ATOM) ?? [];
  if (atoms.join("") !== text) throw new Error(`cannot split ${JSON.stringify(text)} into atoms`);
  const pieces: string[] = [];
  const cut = (i: number): boolean => {
    if (i === atoms.length) return true;
    for (let j = i + 1; j <= Math.min(atoms.length, i + 16); j++) {
      const piece = toPiece(atoms.slice(i, j).join(""));
      if (used.has(piece) || pieceProblem(piece) !== null) continue;
      used.add(piece);
      pieces.push(piece);
      if (cut(j)) return true;
      used.delete(piece);
      pieces.pop();
    }
    return false;
  };
  if (!cut(0))
    throw new Error(`cannot cut ${JSON.stringify(text.slice(0, 40))}... into unique pieces`);
  return pieces;
}

// ---------------------------------------------------------------------------
// Compiling the graph into a successor table

export interface Transition {
  token: number;
  logit: number;
}

export interface CompiledGraph {
  graph: ModelGraph;
  vocab: Vocab;
  /** Token ids of each segment's pieces. */
  segmentTokens: Map<string, number[]>;
  /**
   * State 0 is the start state; state s ≥ 1 is the graph piece with token id
   * FIRST_PIECE_ID + s - 1. transitions[s] lists the tokens with a non-zero logit.
   */
  transitions: Transition[][];
  /** State (embedding dimension) of a token: its own for graph pieces, else the start state. */
  stateOf: (token: number) => number;
}

export function compileGraph(g: ModelGraph): CompiledGraph {
  const used = new Set<string>();
  const pieces: string[] = [];
  const segmentTokens = new Map<string, number[]>();
  for (const seg of g.segments) {
    if (segmentTokens.has(seg.id)) throw new Error(`duplicate segment ${seg.id}`);
    const ps = cutIntoPieces(seg.text, used);
    segmentTokens.set(
      seg.id,
      ps.map((_, k) => FIRST_PIECE_ID + pieces.length + k),
    );
    pieces.push(...ps);
  }
  // Single characters after the graph pieces keep prompts at about one token per character.
  const vocab = buildVocab(pieces, CHAR_PIECES);
  const stateOf = (token: number): number =>
    token >= FIRST_PIECE_ID && token < FIRST_PIECE_ID + pieces.length
      ? token - FIRST_PIECE_ID + 1
      : 0;
  const firstToken = (id: string): number => {
    if (id === "EOT") return IM_END_ID;
    const t = segmentTokens.get(id)?.[0];
    if (t === undefined) throw new Error(`unknown segment ${id}`);
    return t;
  };
  const transitions: Transition[][] = Array.from({ length: pieces.length + 1 }, () => []);
  transitions[0] = g.start.map((n) => ({ token: firstToken(n.to), logit: BASE_LOGIT + n.offset }));
  const mainStart = firstToken(g.start[0]!.to);
  for (const seg of g.segments) {
    const toks = segmentTokens.get(seg.id)!;
    for (let k = 0; k + 1 < toks.length; k++) {
      transitions[stateOf(toks[k]!)] = [{ token: toks[k + 1]!, logit: BASE_LOGIT }];
    }
    const last = stateOf(toks[toks.length - 1]!);
    if (seg.next.length === 0) throw new Error(`segment ${seg.id} has no successor`);
    transitions[last] = seg.next.map((n) => ({
      token: firstToken(n.to),
      logit: BASE_LOGIT + n.offset,
    }));
    if (seg.next.some((n) => n.to === "EOT")) {
      transitions[last]!.push({ token: mainStart, logit: BASE_LOGIT - RESTART_GAP });
    }
  }
  return { graph: g, vocab, segmentTokens, transitions, stateOf };
}

/** Follow the highest-logit successors from the start state, as greedy decoding does. */
export function greedyTokens(c: CompiledGraph, maxTokens = 10_000): number[] {
  const out: number[] = [];
  let state = 0;
  while (out.length < maxTokens) {
    const best = c.transitions[state]!.reduce((a, b) => (b.logit > a.logit ? b : a));
    if (best.token === IM_END_ID) return out;
    out.push(best.token);
    state = c.stateOf(best.token);
  }
  throw new Error("greedy path does not reach <|im_end|>");
}

export const detokenize = (c: CompiledGraph, tokens: number[]): string =>
  tokens.map((t) => pieceToText(c.vocab.tokens[t]!)).join("");

export interface TinyPath {
  text: string;
  answer: string;
  /** Probability of this path under plain softmax sampling at the given temperature. */
  probability: number;
  tokens: number;
}

/** All complete outputs of a graph with their probabilities at temperature `temp`. */
export function enumeratePaths(c: CompiledGraph, temp: number): TinyPath[] {
  const paths: TinyPath[] = [];
  const walk = (state: number, toks: number[], p: number): void => {
    const ts = c.transitions[state]!.filter((t) => t.logit > BASE_LOGIT - RESTART_GAP);
    const z = ts.reduce((s, t) => s + Math.exp(t.logit / temp), 0);
    for (const t of ts) {
      const q = (p * Math.exp(t.logit / temp)) / z;
      if (t.token === IM_END_ID) {
        const text = detokenize(c, toks);
        const answer = /\\boxed\{([^}]*)\}/.exec(text)?.[1] ?? "";
        paths.push({ text, answer, probability: q, tokens: toks.length + 1 });
      } else {
        walk(c.stateOf(t.token), [...toks, t.token], q);
      }
    }
  };
  walk(0, [], 1);
  return paths;
}

/** Probability of each final answer at temperature `temp`. */
export function answerDistribution(c: CompiledGraph, temp: number): Record<string, number> {
  const dist: Record<string, number> = {};
  for (const p of enumeratePaths(c, temp)) dist[p.answer] = (dist[p.answer] ?? 0) + p.probability;
  return dist;
}

// ---------------------------------------------------------------------------
// Weights

const HEAD_DIM = 64;
const FFN = 64;
const RMS_EPS = 1e-5;

export function buildTinyModel(opts: { long?: boolean } = {}): GGUFWriter {
  const c = compileGraph(opts.long ? TINY_LONG_GRAPH : TINY_GRAPH);
  const V = c.vocab.tokens.length;
  const states = c.transitions.length;
  const E = Math.ceil(states / HEAD_DIM) * HEAD_DIM; // one-hot over states, a whole number of heads
  const w = llamaWriter({
    name: c.graph.name,
    vocab: c.vocab,
    contextLength: 4096,
    embd: E,
    layers: 1,
    ffn: FFN,
    heads: E / HEAD_DIM,
    headsKv: E / HEAD_DIM,
    rmsEps: RMS_EPS,
    ropeFreqBase: 10000,
    fileType: 1,
  });

  // token_embd [E, V]: token t → one-hot of its state.
  const embd = new Float32Array(E * V);
  for (let t = 0; t < V; t++) embd[t * E + c.stateOf(t)] = 1;

  // After the final RMSNorm, a one-hot x becomes x / sqrt(1/E + eps); undo that scale in `output`.
  const scale = Math.sqrt(1 / E + RMS_EPS);
  const output = new Float32Array(E * V);
  c.transitions.forEach((ts, s) => {
    for (const t of ts) output[t.token * E + s] = t.logit * scale;
  });

  const ones = new Float32Array(E).fill(1);
  w.addTensor("token_embd.weight", [E, V], embd);
  w.addTensor("blk.0.attn_norm.weight", [E], ones);
  for (const n of ["q", "k", "v", "output"]) {
    w.addTensor(`blk.0.attn_${n}.weight`, [E, E], new Float32Array(E * E), GGMLType.F16);
  }
  w.addTensor("blk.0.ffn_norm.weight", [E], ones);
  w.addTensor("blk.0.ffn_gate.weight", [E, FFN], new Float32Array(E * FFN), GGMLType.F16);
  w.addTensor("blk.0.ffn_up.weight", [E, FFN], new Float32Array(E * FFN), GGMLType.F16);
  w.addTensor("blk.0.ffn_down.weight", [FFN, E], new Float32Array(FFN * E), GGMLType.F16);
  w.addTensor("output_norm.weight", [E], ones);
  w.addTensor("output.weight", [E, V], output);
  return w;
}
