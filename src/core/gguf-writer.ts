/**
 * GGUF writer (pure): the header (metadata and tensor infos, GGUF v3, little-endian) and ggml's
 * Q8_0 and Q4_0 block layouts, for the generated test models (src/core/random-llm.ts). The reader
 * is src/core/gguf.ts; a file written here reads back through it and loads in llama.cpp (tests).
 *
 * Quantization follows ggml's reference code (ggml-quants.c as bundled in node-llama-cpp 3.21.1),
 * in float32 arithmetic (Math.fround at each step, as the C does):
 * - Q8_0, 34 bytes per 32 values: d = amax / 127 as fp16, then 32 × int8 round(x / d) (roundf: half
 *   away from zero; the quotient uses the float32 d, not its fp16 rounding);
 * - Q4_0, 18 bytes per 32 values: d = max / −8 (max: the value of largest magnitude, sign kept) as
 *   fp16, then 16 bytes: byte j holds min(15, trunc(x[j] / d + 8.5)) in its low nibble and the same
 *   of x[j + 16] in its high nibble.
 */
import { GGML_TYPE_SIZE, GgufValueType } from './gguf';

export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type WritableType = (typeof GGML_TYPE)[keyof typeof GGML_TYPE];

/** A metadata value with its GGUF type (arrays: of one scalar type). */
export type GgufKv =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'f32[]'; value: ArrayLike<number> }
  | { type: 'i32[]'; value: ArrayLike<number> };

export interface GgufTensorSpec {
  name: string;
  /** ggml order: dims[0] is the row length (contiguous). */
  dims: readonly number[];
  type: WritableType;
}

const ALIGNMENT = 32;
const enc = new TextEncoder();

/** A growable little-endian byte sink. */
class Bytes {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }
  str(s: string): void {
    const b = enc.encode(s);
    this.u64(b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  pad(to: number): void {
    while (this.length % to) this.u8(0);
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeKv(out: Bytes, key: string, kv: GgufKv): void {
  out.str(key);
  switch (kv.type) {
    case 'u32':
      out.u32(GgufValueType.UINT32);
      out.u32(kv.value);
      return;
    case 'i32':
      out.u32(GgufValueType.INT32);
      out.i32(kv.value);
      return;
    case 'f32':
      out.u32(GgufValueType.FLOAT32);
      out.f32(kv.value);
      return;
    case 'bool':
      out.u32(GgufValueType.BOOL);
      out.u8(kv.value ? 1 : 0);
      return;
    case 'string':
      out.u32(GgufValueType.STRING);
      out.str(kv.value);
      return;
    case 'string[]':
      out.u32(GgufValueType.ARRAY);
      out.u32(GgufValueType.STRING);
      out.u64(kv.value.length);
      for (const s of kv.value) out.str(s);
      return;
    case 'f32[]':
    case 'i32[]': {
      out.u32(GgufValueType.ARRAY);
      out.u32(kv.type === 'f32[]' ? GgufValueType.FLOAT32 : GgufValueType.INT32);
      out.u64(kv.value.length);
      for (let i = 0; i < kv.value.length; i++) (kv.type === 'f32[]' ? out.f32(kv.value[i] as number) : out.i32(kv.value[i] as number));
      return;
    }
  }
}

/** Bytes of one tensor's data in its ggml type. */
export function tensorBytes(t: GgufTensorSpec): number {
  const [blockBytes, blockElems] = GGML_TYPE_SIZE[t.type] as readonly [number, number];
  const row = t.dims[0] as number;
  if (row % blockElems !== 0) throw new Error(`${t.name}: a row of ${row} values is not a whole number of ${blockElems}-value blocks`);
  return (t.dims.reduce((a, b) => a * b, 1) / blockElems) * blockBytes;
}

export interface GgufLayout {
  /** Magic, counts, metadata and tensor infos, padded to the alignment: the file's first bytes. */
  header: Uint8Array;
  /** Each tensor's data offset from the start of the data section (aligned), in the order given. */
  offsets: number[];
  /** Bytes of the data section (the last tensor padded to the alignment). */
  dataBytes: number;
}

/** The header of a GGUF v3 file holding `tensors` (their data follows, at `offsets`, each padded to 32 bytes). */
export function encodeGgufHeader(metadata: Readonly<Record<string, GgufKv>>, tensors: readonly GgufTensorSpec[]): GgufLayout {
  const out = new Bytes();
  out.u32(0x46554747); // "GGUF"
  out.u32(3);
  out.u64(tensors.length);
  const keys = Object.keys(metadata);
  out.u64(keys.length);
  for (const k of keys) writeKv(out, k, metadata[k] as GgufKv);
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(tensorBytes(t) / ALIGNMENT) * ALIGNMENT;
  }
  out.pad(ALIGNMENT);
  return { header: out.bytes(), offsets, dataBytes: offset };
}

// ───────────────────────── fp16 and quantization ─────────────────────────

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a float32 value, rounded to nearest even (ggml's GGML_FP32_TO_FP16). */
export function fp32ToFp16(x: number): number {
  f32[0] = x;
  const bits = u32[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1, round to nearest even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return sign | h;
}

/** float32 value of IEEE binary16 bits. */
export function fp16ToFp32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const fr = Math.fround;
/** C's roundf: half away from zero. */
const roundf = (x: number): number => (x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5));

/** ggml's quantize_row_q8_0_ref: `src.length / 32` blocks of 34 bytes into `out` at `at`. */
export function quantizeQ8_0(src: ArrayLike<number>, out: Uint8Array, at = 0): void {
  if (src.length % 32) throw new Error('Q8_0 needs a multiple of 32 values');
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0, o = at; b < src.length; b += 32, o += 34) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[b + j] as number));
    const d = fr(amax / 127);
    const id = d ? fr(1 / d) : 0;
    view.setUint16(o, fp32ToFp16(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(o + 2 + j, roundf(fr(fr(src[b + j] as number) * id)));
  }
}

/** ggml's quantize_row_q4_0_ref: `src.length / 32` blocks of 18 bytes into `out` at `at`. */
export function quantizeQ4_0(src: ArrayLike<number>, out: Uint8Array, at = 0): void {
  if (src.length % 32) throw new Error('Q4_0 needs a multiple of 32 values');
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0, o = at; b < src.length; b += 32, o += 18) {
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = fr(src[b + j] as number);
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d ? fr(1 / d) : 0;
    view.setUint16(o, fp32ToFp16(d), true);
    for (let j = 0; j < 16; j++) {
      const x0 = fr(fr(src[b + j] as number) * id);
      const x1 = fr(fr(src[b + 16 + j] as number) * id);
      // (int8_t)(x + 8.5f): truncation toward zero; x ∈ [−8, 8] here, so 0..16, then min 15.
      const q0 = Math.min(15, Math.trunc(fr(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(fr(x1 + 8.5)));
      out[o + 2 + j] = q0 | (q1 << 4);
    }
  }
}

/** Values of Q8_0 or Q4_0 blocks (ggml's dequantize_row_*), for tests. */
export function dequantize(type: typeof GGML_TYPE.Q8_0 | typeof GGML_TYPE.Q4_0, data: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const blockBytes = type === GGML_TYPE.Q8_0 ? 34 : 18;
  for (let b = 0; b * 32 < n; b++) {
    const o = b * blockBytes;
    const d = fp16ToFp32(view.getUint16(o, true));
    for (let j = 0; j < 32; j++) {
      if (type === GGML_TYPE.Q8_0) out[b * 32 + j] = d * view.getInt8(o + 2 + j);
      else {
        const byte = data[o + 2 + (j % 16)] as number;
        out[b * 32 + j] = d * ((j < 16 ? byte & 15 : byte >> 4) - 8);
      }
    }
  }
  return out;
}
