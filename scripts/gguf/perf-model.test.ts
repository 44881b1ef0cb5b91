import { describe, expect, it } from "vitest";
import { PERF_SHAPE, perfParameterCount, perfPieces, buildBenchModel } from "./perf-model.ts";
import { FIRST_PIECE_ID, pieceProblem } from "./llama.ts";
import { readGGUF, readTensor } from "./writer.ts";

const SMALL = { embd: 64, layers: 2, ffn: 96, heads: 4, vocab: 600 };

describe("bench model", () => {
  it("has tens of millions of parameters", () => {
    expect(perfParameterCount(PERF_SHAPE)).toBeGreaterThan(30e6);
    expect(perfParameterCount(PERF_SHAPE)).toBeLessThan(40e6);
  });

  it("has unique, valid pieces", () => {
    const pieces = perfPieces(PERF_SHAPE.vocab - FIRST_PIECE_ID);
    expect(pieces).toHaveLength(PERF_SHAPE.vocab - FIRST_PIECE_ID);
    expect(new Set(pieces).size).toBe(pieces.length);
    for (const p of pieces) expect(pieceProblem(p), p).toBeNull();
  });

  it("writes deterministic, finite, small weights", () => {
    const a = buildBenchModel(SMALL).toBytes();
    expect(buildBenchModel(SMALL).toBytes()).toEqual(a);
    const f = readGGUF(a);
    expect(f.metadata.get("llama.block_count")).toBe(2);
    expect(f.metadata.get("llama.vocab_size")).toBe(600);
    expect(f.tensors).toHaveLength(2 + 2 * 9 + 1);
    const q = readTensor(a, f, "blk.1.attn_q.weight");
    expect(q.every((x) => Number.isFinite(x) && Math.abs(x) < 1)).toBe(true);
    expect(new Set(q).size).toBeGreaterThan(q.length / 2);
    const out = readTensor(a, f, "output.weight");
    expect(out.subarray(0, FIRST_PIECE_ID * 64).every((x) => x === 0)).toBe(true);
    expect(out[FIRST_PIECE_ID * 64]).not.toBe(0);
    // Different tensors get different streams.
    expect(readTensor(a, f, "blk.1.attn_k.weight")[0]).not.toBe(q[0]);
  });
});
