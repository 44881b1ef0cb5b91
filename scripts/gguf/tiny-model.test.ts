import { describe, expect, it } from "vitest";
import {
  BYTE_BASE_ID,
  CHATML_TEMPLATE,
  FIRST_PIECE_ID,
  GENERATION_PROMPT_TAIL,
  IM_END_ID,
  TokenType,
  pieceProblem,
  type Vocab,
} from "./llama.ts";
import {
  TINY_ANSWERS,
  TINY_GRAPH,
  TINY_LONG_GRAPH,
  TINY_LONG_MAIN_TEXT,
  TINY_MAIN_TEXT,
  answerDistribution,
  buildTinyModel,
  compileGraph,
  cutIntoPieces,
  detokenize,
  enumeratePaths,
  greedyTokens,
} from "./tiny-model.ts";
import { readGGUF, readTensor } from "./writer.ts";

/**
 * llama.cpp's SentencePiece (SPM) tokenization of one raw-text fragment:
 * repeatedly merge the adjacent pair whose concatenation is a token with the
 * highest score (leftmost first); leftover characters become byte tokens.
 */
function spmTokenize(vocab: Vocab, text: string): number[] {
  const ids = new Map(vocab.tokens.map((t, i) => [t, i]));
  let syms = Array.from(text);
  for (;;) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i + 1 < syms.length; i++) {
      const id = ids.get(syms[i]! + syms[i + 1]!);
      if (id !== undefined && vocab.scores[id]! > bestScore) {
        best = i;
        bestScore = vocab.scores[id]!;
      }
    }
    if (best < 0) break;
    syms = [...syms.slice(0, best), syms[best]! + syms[best + 1]!, ...syms.slice(best + 2)];
  }
  return syms.flatMap((s) => {
    const id = ids.get(s);
    return id !== undefined ? [id] : [...new TextEncoder().encode(s)].map((b) => BYTE_BASE_ID + b);
  });
}

const tiny = compileGraph(TINY_GRAPH);
const long = compileGraph(TINY_LONG_GRAPH);

describe.each([
  ["tiny", tiny, TINY_MAIN_TEXT],
  ["tiny-long", long, TINY_LONG_MAIN_TEXT],
])("%s model graph", (_name, c, mainText) => {
  it("has a vocabulary without duplicates or problem pieces", () => {
    expect(new Set(c.vocab.tokens).size).toBe(c.vocab.tokens.length);
    const pieces = c.vocab.tokens.slice(FIRST_PIECE_ID);
    for (const p of pieces) expect(pieceProblem(p), p).toBeNull();
    expect(c.vocab.tokens[BYTE_BASE_ID + 10]).toBe("<0x0A>");
    expect(c.vocab.tokens[BYTE_BASE_ID + 255]).toBe("<0xFF>");
    expect(c.vocab.types[BYTE_BASE_ID + 10]).toBe(TokenType.BYTE);
    expect(c.vocab.tokens[IM_END_ID]).toBe("<|im_end|>");
    expect(c.vocab.types[IM_END_ID]).toBe(TokenType.CONTROL);
  });

  it("follows the successors greedily to the main text", () => {
    expect(detokenize(c, greedyTokens(c))).toBe(mainText);
  });

  it("gives every piece a successor and reaches every piece", () => {
    const reached = new Set<number>();
    for (let s = 0; s < c.transitions.length; s++) {
      expect(c.transitions[s]!.length, `state ${s}`).toBeGreaterThan(0);
      for (const t of c.transitions[s]!) reached.add(t.token);
    }
    const graphPieces = c.transitions.length - 1;
    for (let t = FIRST_PIECE_ID; t < FIRST_PIECE_ID + graphPieces; t++) {
      expect(reached.has(t), c.vocab.tokens[t]).toBe(true);
      expect(c.stateOf(t)).toBe(t - FIRST_PIECE_ID + 1);
    }
    // The single-character pieces after them all map to the start state.
    for (let t = FIRST_PIECE_ID + graphPieces; t < c.vocab.tokens.length; t++) {
      expect(c.vocab.tokens[t]).toHaveLength(1);
      expect(c.stateOf(t)).toBe(0);
    }
  });

  it("branches into the three answers, 42 the most likely", () => {
    const paths = enumeratePaths(c, 0.8);
    expect(paths).toHaveLength(6);
    expect(paths[0]!.text).toBe(mainText);
    for (const p of paths) expect(p.text.endsWith(`$\\boxed{${p.answer}}$.`)).toBe(true);
    expect(new Set(paths.map((p) => p.answer))).toEqual(new Set(TINY_ANSWERS));
    for (const temp of [0.7, 0.8, 1.0]) {
      const d = answerDistribution(c, temp);
      expect(d["42"]).toBeGreaterThan(0.5);
      expect(d["24"]).toBeGreaterThan(0.2);
      expect(d["40"]).toBeGreaterThan(0.1);
      expect(d["42"]! + d["24"]! + d["40"]!).toBeCloseTo(1, 9);
    }
  });

  it("keeps the ChatML prompt ending in the \\n byte token, whose state is the start", () => {
    const tail = spmTokenize(c.vocab, GENERATION_PROMPT_TAIL);
    expect(tail[tail.length - 1]).toBe(BYTE_BASE_ID + 10);
    expect(c.stateOf(BYTE_BASE_ID + 10)).toBe(0);
    // Any user text: still ends in the byte token.
    const user = spmTokenize(c.vocab, "▁" + mainText.replace(/ /g, "▁") + "\n");
    expect(user[user.length - 1]).toBe(BYTE_BASE_ID + 10);
  });

  it("tokenizes ASCII prompts at no more than one token per character", () => {
    const text = "▁Problem:▁What▁is▁$17▁+▁25$?▁Examine▁the▁candidates▁[1]▁and▁<2>.";
    const ids = spmTokenize(c.vocab, text);
    expect(ids.length).toBeLessThanOrEqual(Array.from(text).length);
    expect(ids.every((id) => id >= FIRST_PIECE_ID)).toBe(true); // no byte fallback
  });
});

describe("cutIntoPieces", () => {
  it("cuts repeated text into different pieces", () => {
    const used = new Set<string>();
    const a = cutIntoPieces("So the answer is 42.", used);
    const b = cutIntoPieces("So the answer is 42.", used);
    expect(a.join("")).toBe("So▁the▁answer▁is▁42.");
    expect(b.join("")).toBe("So▁the▁answer▁is▁42.");
    expect(a.filter((p) => b.includes(p))).toEqual([]);
  });

  it("never makes a piece that is a suffix of the generation prompt", () => {
    const pieces = cutIntoPieces("assistant\nt\n\n", new Set());
    for (const p of pieces) expect(GENERATION_PROMPT_TAIL.endsWith(p)).toBe(false);
  });
});

describe("tiny GGUF file", () => {
  const bytes = buildTinyModel().toBytes();
  const file = readGGUF(bytes);

  it("is deterministic", () => {
    expect(buildTinyModel().toBytes()).toEqual(bytes);
  });

  it("has the llama metadata llama.cpp needs", () => {
    const m = file.metadata;
    expect(m.get("general.architecture")).toBe("llama");
    expect(m.get("general.alignment")).toBe(32);
    expect(m.get("llama.context_length")).toBe(4096);
    expect(m.get("llama.block_count")).toBe(1);
    expect(m.get("llama.vocab_size")).toBe(tiny.vocab.tokens.length);
    const E = m.get("llama.embedding_length") as number;
    expect(E).toBeGreaterThanOrEqual(tiny.transitions.length);
    expect(m.get("llama.rope.dimension_count")).toBe(
      E / (m.get("llama.attention.head_count") as number),
    );
    expect(m.get("tokenizer.ggml.model")).toBe("llama");
    expect(m.get("tokenizer.ggml.tokens")).toEqual(tiny.vocab.tokens);
    expect(m.get("tokenizer.ggml.eos_token_id")).toBe(IM_END_ID);
    expect(m.get("tokenizer.ggml.eot_token_id")).toBe(IM_END_ID);
    expect(m.get("tokenizer.chat_template")).toBe(CHATML_TEMPLATE);
    expect(file.tensors.map((t) => t.name)).toContain("output.weight");
  });

  it("reproduces the main text through its weights (zero attention and FFN, one-hot embedding)", () => {
    const E = file.metadata.get("llama.embedding_length") as number;
    const V = tiny.vocab.tokens.length;
    const eps = file.metadata.get("llama.attention.layer_norm_rms_epsilon") as number;
    const embd = readTensor(bytes, file, "token_embd.weight");
    const out = readTensor(bytes, file, "output.weight");
    const norm = readTensor(bytes, file, "output_norm.weight");
    for (const n of [
      "attn_q",
      "attn_k",
      "attn_v",
      "attn_output",
      "ffn_gate",
      "ffn_up",
      "ffn_down",
    ]) {
      expect(readTensor(bytes, file, `blk.0.${n}.weight`).every((x) => x === 0)).toBe(true);
    }
    const logits = (token: number): Float64Array => {
      const x = embd.subarray(token * E, (token + 1) * E);
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / E + eps);
      const l = new Float64Array(V);
      for (let v = 0; v < V; v++) {
        let s = 0;
        for (let e = 0; e < E; e++) s += out[v * E + e]! * ((x[e]! / rms) * norm[e]!);
        l[v] = s;
      }
      return l;
    };
    const argmax = (l: Float64Array): number => l.indexOf(Math.max(...l));
    let token = BYTE_BASE_ID + 10; // the prompt ends in "\n"
    const generated: number[] = [];
    for (;;) {
      token = argmax(logits(token));
      if (token === IM_END_ID) break;
      generated.push(token);
      expect(generated.length).toBeLessThan(100);
    }
    expect(detokenize(tiny, generated)).toBe(TINY_MAIN_TEXT);
    // The answer branch: 42 then 24 then 40, with the designed gaps.
    const eq = tiny.segmentTokens.get("equation")!;
    const l = logits(eq[eq.length - 1]!);
    const first = (id: string) => tiny.segmentTokens.get(id)![0]!;
    expect(l[first("answer42")]! - l[first("answer24")]!).toBeCloseTo(0.7, 4);
    expect(l[first("answer42")]! - l[first("answer40")]!).toBeCloseTo(1.1, 4);
  });
});
