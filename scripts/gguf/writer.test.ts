import { describe, expect, it } from "vitest";
import {
  GGMLType,
  GGUFWriter,
  f16BitsToF32,
  f32ToF16Bits,
  kv,
  readGGUF,
  readTensor,
} from "./writer.ts";

function sample(): GGUFWriter {
  const w = new GGUFWriter();
  w.set("general.architecture", kv.str("llama"))
    .set("a.u8", kv.u8(7))
    .set("a.u32", kv.u32(4096))
    .set("a.i32", kv.i32(-5))
    .set("a.u64", kv.u64(2n ** 40n))
    .set("a.f32", kv.f32(1e-5))
    .set("a.bool", kv.bool(true))
    .set("a.unicode", kv.str("▁x\n$\\boxed{42}$"))
    .set("a.strs", kv.strs(["<0x0A>", "▁the", ""]))
    .set("a.f32s", kv.f32s([0, -1.5, 2]))
    .set("a.i32s", kv.i32s([1, 3, 6]));
  w.addTensor("t.f32", [3, 2], new Float32Array([1, 2, 3, 4, 5, 6]));
  w.addTensor("t.f16", [5], new Float32Array([0, 1, -2, 0.5, 30]), GGMLType.F16);
  w.addTensor("t.one", [1], new Float32Array([42]));
  return w;
}

describe("GGUF writer", () => {
  it("writes a header that parses back", () => {
    const bytes = sample().toBytes();
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("GGUF");
    const f = readGGUF(bytes);
    expect(f.version).toBe(3);
    expect(f.metadata.get("general.alignment")).toBe(32);
    expect(f.metadata.get("general.architecture")).toBe("llama");
    expect(f.metadata.get("a.u8")).toBe(7);
    expect(f.metadata.get("a.u32")).toBe(4096);
    expect(f.metadata.get("a.i32")).toBe(-5);
    expect(f.metadata.get("a.u64")).toBe(2 ** 40);
    expect(f.metadata.get("a.f32")).toBeCloseTo(1e-5, 10);
    expect(f.metadata.get("a.bool")).toBe(true);
    expect(f.metadata.get("a.unicode")).toBe("▁x\n$\\boxed{42}$");
    expect(f.metadata.get("a.strs")).toEqual(["<0x0A>", "▁the", ""]);
    expect(f.metadata.get("a.f32s")).toEqual([0, -1.5, 2]);
    expect(f.metadata.get("a.i32s")).toEqual([1, 3, 6]);
    expect(f.tensors.map((t) => [t.name, t.dims, t.type])).toEqual([
      ["t.f32", [3, 2], GGMLType.F32],
      ["t.f16", [5], GGMLType.F16],
      ["t.one", [1], GGMLType.F32],
    ]);
  });

  it("aligns the data section and every tensor to 32 bytes", () => {
    const bytes = sample().toBytes();
    const f = readGGUF(bytes);
    expect(f.dataOffset % 32).toBe(0);
    for (const t of f.tensors) expect(t.offset % 32).toBe(0);
    expect(f.tensors.map((t) => t.offset)).toEqual([0, 32, 64]);
    expect(bytes.length).toBe(f.dataOffset + 64 + 32);
  });

  it("round-trips tensor data", () => {
    const bytes = sample().toBytes();
    const f = readGGUF(bytes);
    expect([...readTensor(bytes, f, "t.f32")]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...readTensor(bytes, f, "t.f16")]).toEqual([0, 1, -2, 0.5, 30]);
    expect([...readTensor(bytes, f, "t.one")]).toEqual([42]);
  });

  it("is deterministic", () => {
    expect(sample().toBytes()).toEqual(sample().toBytes());
  });

  it("rejects tensors whose data does not match their dims", () => {
    const w = new GGUFWriter().addTensor("bad", [2, 2], new Float32Array(3));
    expect(() => w.toBytes()).toThrow(/bad/);
  });

  it("converts to half precision", () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(1e6)).toBe(0x7c00);
    expect(f32ToF16Bits(0)).toBe(0);
    expect(f32ToF16Bits(2 ** -24)).toBe(1);
    for (const v of [0.1, 0.7, 1.1, 3.14159, -123.4, 6e-5]) {
      // Round to nearest: relative error at most half an ulp (2^-11).
      expect(Math.abs(f16BitsToF32(f32ToF16Bits(v)) - v)).toBeLessThanOrEqual(
        Math.abs(v) * 2 ** -11,
      );
    }
  });
});
