/**
 * Minimal GGUF v3 writer (and a small reader for tests / inspection).
 *
 * Layout: magic "GGUF", version 3, tensor count (u64), metadata KV count (u64),
 * the KV pairs, the tensor infos (name, dims in ggml `ne` order, type, offset),
 * padding to `general.alignment`, then the tensor data, each tensor starting at
 * a multiple of the alignment. Everything little-endian.
 *
 * Only what the model builders need is supported: scalar/string/array metadata
 * and F32/F16 tensors. Output depends only on the inputs (insertion order is
 * kept), so the same model spec always gives the same bytes.
 */
import { closeSync, openSync, writeSync } from "node:fs";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/**
 * Metadata value types, numbered as in the GGUF specification. (Plain objects,
 * not enums, so the scripts also run with Node's type stripping.)
 */
export const GGUFType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
export type GGUFType = (typeof GGUFType)[keyof typeof GGUFType];

/** Tensor element types (ggml_type numbering); only the two we write. */
export const GGMLType = { F32: 0, F16: 1 } as const;
export type GGMLType = (typeof GGMLType)[keyof typeof GGMLType];

type ScalarType = Exclude<GGUFType, typeof GGUFType.ARRAY>;

export type GGUFValue =
  | { type: ScalarType; value: number | bigint | boolean | string }
  | {
      type: typeof GGUFType.ARRAY;
      itemType: ScalarType;
      value: ArrayLike<number | bigint | boolean | string>;
    };

/** Convenience constructors for metadata values. */
export const kv = {
  u8: (v: number): GGUFValue => ({ type: GGUFType.UINT8, value: v }),
  u32: (v: number): GGUFValue => ({ type: GGUFType.UINT32, value: v }),
  i32: (v: number): GGUFValue => ({ type: GGUFType.INT32, value: v }),
  u64: (v: number | bigint): GGUFValue => ({ type: GGUFType.UINT64, value: v }),
  f32: (v: number): GGUFValue => ({ type: GGUFType.FLOAT32, value: v }),
  bool: (v: boolean): GGUFValue => ({ type: GGUFType.BOOL, value: v }),
  str: (v: string): GGUFValue => ({ type: GGUFType.STRING, value: v }),
  strs: (v: readonly string[]): GGUFValue => ({
    type: GGUFType.ARRAY,
    itemType: GGUFType.STRING,
    value: v,
  }),
  f32s: (v: ArrayLike<number>): GGUFValue => ({
    type: GGUFType.ARRAY,
    itemType: GGUFType.FLOAT32,
    value: v,
  }),
  i32s: (v: ArrayLike<number>): GGUFValue => ({
    type: GGUFType.ARRAY,
    itemType: GGUFType.INT32,
    value: v,
  }),
};

export interface GGUFTensor {
  name: string;
  /** Dimensions in ggml `ne` order: the fastest-varying (input) dimension first. */
  dims: number[];
  type: GGMLType;
  /** Row-major data with dims[0] varying fastest; always given as F32 values. */
  data: Float32Array;
}

const textEncoder = new TextEncoder();

/** Growable little-endian byte buffer. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number | bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  i64(v: number | bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  str(s: string): void {
    const b = textEncoder.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number): void {
    const n = padding(this.length, alignment);
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function padding(offset: number, alignment: number): number {
  return (alignment - (offset % alignment)) % alignment;
}

function writeScalar(
  out: ByteSink,
  type: ScalarType,
  value: number | bigint | boolean | string,
): void {
  switch (type) {
    case GGUFType.UINT8:
      return out.u8(Number(value));
    case GGUFType.INT8:
      return out.i8(Number(value));
    case GGUFType.UINT16:
      return out.u16(Number(value));
    case GGUFType.INT16:
      return out.i16(Number(value));
    case GGUFType.UINT32:
      return out.u32(Number(value));
    case GGUFType.INT32:
      return out.i32(Number(value));
    case GGUFType.FLOAT32:
      return out.f32(Number(value));
    case GGUFType.BOOL:
      return out.u8(value ? 1 : 0);
    case GGUFType.STRING:
      if (typeof value !== "string")
        throw new Error(`GGUF: expected a string, got ${typeof value}`);
      return out.str(value);
    case GGUFType.UINT64:
      return out.u64(typeof value === "bigint" ? value : Number(value));
    case GGUFType.INT64:
      return out.i64(typeof value === "bigint" ? value : Number(value));
    case GGUFType.FLOAT64:
      return out.f64(Number(value));
  }
}

/** IEEE 754 half-precision bits for a float (round to nearest even). */
export function f32ToF16Bits(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // a carry into the exponent is still correct
  return sign | half;
}

function tensorBytes(t: GGUFTensor): Uint8Array {
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(
      `GGUF: tensor ${t.name} has ${t.data.length} values, dims ${t.dims.join("x")} need ${count}`,
    );
  }
  if (t.type === GGMLType.F32) {
    // Copy so the bytes are little-endian regardless of the view's offset.
    const out = new Uint8Array(count * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < count; i++) view.setFloat32(i * 4, t.data[i]!, true);
    return out;
  }
  const out = new Uint8Array(count * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) view.setUint16(i * 2, f32ToF16Bits(t.data[i]!), true);
  return out;
}

function tensorByteLength(t: GGUFTensor): number {
  const count = t.dims.reduce((a, b) => a * b, 1);
  return count * (t.type === GGMLType.F32 ? 4 : 2);
}

export class GGUFWriter {
  private readonly kvs = new Map<string, GGUFValue>();
  private readonly tensors: GGUFTensor[] = [];
  readonly alignment: number;

  constructor(alignment = GGUF_DEFAULT_ALIGNMENT) {
    this.alignment = alignment;
    this.set("general.alignment", kv.u32(alignment));
  }

  /** Set (or replace, keeping its position) a metadata key. */
  set(key: string, value: GGUFValue): this {
    this.kvs.set(key, value);
    return this;
  }

  addTensor(name: string, dims: number[], data: Float32Array, type: GGMLType = GGMLType.F32): this {
    if (this.tensors.some((t) => t.name === name))
      throw new Error(`GGUF: duplicate tensor ${name}`);
    this.tensors.push({ name, dims, type, data });
    return this;
  }

  /** Header (magic, counts, KVs, tensor infos) padded to the alignment. */
  private header(): Uint8Array {
    const out = new ByteSink();
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(this.tensors.length);
    out.u64(this.kvs.size);
    for (const [key, v] of this.kvs) {
      out.str(key);
      out.u32(v.type);
      if (v.type === GGUFType.ARRAY) {
        out.u32(v.itemType);
        out.u64(v.value.length);
        for (let i = 0; i < v.value.length; i++) writeScalar(out, v.itemType, v.value[i]!);
      } else {
        writeScalar(out, v.type, v.value);
      }
    }
    let offset = 0;
    for (const t of this.tensors) {
      out.str(t.name);
      out.u32(t.dims.length);
      for (const d of t.dims) out.u64(d);
      out.u32(t.type);
      out.u64(offset);
      offset += tensorByteLength(t);
      offset += padding(offset, this.alignment);
    }
    out.pad(this.alignment);
    return out.result();
  }

  /** Yields the file in chunks (header, then each tensor with its padding). */
  *chunks(): Generator<Uint8Array> {
    yield this.header();
    for (const t of this.tensors) {
      const bytes = tensorBytes(t);
      yield bytes;
      const pad = padding(bytes.length, this.alignment);
      if (pad) yield new Uint8Array(pad);
    }
  }

  /** The whole file in memory (fine for small models). */
  toBytes(): Uint8Array {
    const parts = [...this.chunks()];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** Write to a file chunk by chunk; returns the number of bytes written. */
  writeFile(path: string): number {
    const fd = openSync(path, "w");
    let total = 0;
    try {
      for (const chunk of this.chunks()) {
        let done = 0;
        while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
        total += chunk.length;
      }
    } finally {
      closeSync(fd);
    }
    return total;
  }
}

// ---------------------------------------------------------------------------
// Reader (header + tensor infos), used by tests and for inspecting files.

export interface GGUFTensorInfo {
  name: string;
  dims: number[];
  type: number;
  /** Offset relative to the start of the data section. */
  offset: number;
}

export interface GGUFFile {
  version: number;
  metadata: Map<string, unknown>;
  tensors: GGUFTensorInfo[];
  /** Absolute byte offset of the data section. */
  dataOffset: number;
}

export function readGGUF(bytes: Uint8Array): GGUFFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let at = 0;
  const u32 = () => {
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const u64 = () => {
    const v = view.getBigUint64(at, true);
    at += 8;
    return Number(v);
  };
  const str = () => {
    const n = u64();
    const s = decoder.decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  const scalar = (type: number): unknown => {
    switch (type) {
      case GGUFType.UINT8:
        return view.getUint8(at++);
      case GGUFType.INT8:
        return view.getInt8(at++);
      case GGUFType.UINT16: {
        const v = view.getUint16(at, true);
        at += 2;
        return v;
      }
      case GGUFType.INT16: {
        const v = view.getInt16(at, true);
        at += 2;
        return v;
      }
      case GGUFType.UINT32:
        return u32();
      case GGUFType.INT32: {
        const v = view.getInt32(at, true);
        at += 4;
        return v;
      }
      case GGUFType.FLOAT32: {
        const v = view.getFloat32(at, true);
        at += 4;
        return v;
      }
      case GGUFType.BOOL:
        return view.getUint8(at++) !== 0;
      case GGUFType.STRING:
        return str();
      case GGUFType.UINT64:
        return u64();
      case GGUFType.INT64: {
        const v = Number(view.getBigInt64(at, true));
        at += 8;
        return v;
      }
      case GGUFType.FLOAT64: {
        const v = view.getFloat64(at, true);
        at += 8;
        return v;
      }
      default:
        throw new Error(`GGUF: unknown value type ${type} at ${at}`);
    }
  };

  if (u32() !== GGUF_MAGIC) throw new Error("GGUF: bad magic");
  const version = u32();
  const nTensors = u64();
  const nKV = u64();
  const metadata = new Map<string, unknown>();
  for (let i = 0; i < nKV; i++) {
    const key = str();
    const type = u32();
    if (type === GGUFType.ARRAY) {
      const itemType = u32();
      const n = u64();
      const arr: unknown[] = [];
      for (let j = 0; j < n; j++) arr.push(scalar(itemType));
      metadata.set(key, arr);
    } else {
      metadata.set(key, scalar(type));
    }
  }
  const tensors: GGUFTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const nd = u32();
    const dims: number[] = [];
    for (let j = 0; j < nd; j++) dims.push(u64());
    const type = u32();
    const offset = u64();
    tensors.push({ name, dims, type, offset });
  }
  const alignment = Number(metadata.get("general.alignment") ?? GGUF_DEFAULT_ALIGNMENT);
  const dataOffset = at + padding(at, alignment);
  return { version, metadata, tensors, dataOffset };
}

/** Read a tensor's values back as F32 (F32 and F16 only). */
export function readTensor(bytes: Uint8Array, file: GGUFFile, name: string): Float32Array {
  const info = file.tensors.find((t) => t.name === name);
  if (!info) throw new Error(`GGUF: no tensor ${name}`);
  const count = info.dims.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset + file.dataOffset + info.offset);
  const out = new Float32Array(count);
  if (info.type === GGMLType.F32) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (info.type === GGMLType.F16) {
    for (let i = 0; i < count; i++) out[i] = f16BitsToF32(view.getUint16(i * 2, true));
  } else {
    throw new Error(`GGUF: cannot read tensor type ${info.type}`);
  }
  return out;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
