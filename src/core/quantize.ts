/**
 * Vector quantization for the int8 and binary index kinds (issue 14). Pure: the SIMD scans that
 * use these codes are in workers/lib/quant-scan.ts; the plain loops here are their reference.
 *
 * **int8: per-dimension affine scalar quantization.** For each dimension j, over the vectors the
 * index is built from: lo_j = min x_j, hi_j = max x_j, scale_j = (hi_j − lo_j) / 254, and
 *
 *   code_j = round((x_j − lo_j) / scale_j) − 127   ∈ [−127, 127]   (clamped; 0 when scale_j = 0)
 *   x̂_j    = lo_j + scale_j · (code_j + 127)
 *
 * so |x_j − x̂_j| ≤ scale_j / 2 inside [lo_j, hi_j]. (−128 is never used: two products of
 * codes in [−127, 127] sum within an i16, which the SIMD kernel relies on.)
 * A query q is scored against codes as Σ q_j x̂_j = offset + Σ w_j code_j with w_j = q_j scale_j
 * and offset = Σ q_j (lo_j + 127 scale_j). The scan quantizes w to int8 as well (symmetric, one
 * scale: w'_j = round(127 w_j / max|w|)) and ranks rows by the integer Σ w'_j code_j; the estimate
 * of the cosine is offset + (max|w| / 127) Σ w'_j code_j. Candidates are then rescored in f32.
 * Error bound of the estimate against q·x̂ for a unit q: ≤ (max|w| / 254) Σ_j |code_j| (the query's
 * rounding); against q·x: that plus ½ ‖scale‖₂ (Cauchy–Schwarz over the per-dimension error).
 *
 * **binary: sign bits.** bit j = 1 when x_j > 0; rows packed little-endian within each byte
 * (dimension j → byte j >> 3, bit j & 7), padded with zero bits to a multiple of 128. The distance
 * is the Hamming distance (popcount of XOR), smaller is nearer.
 */
import { RagtabError } from './errors';

/** Bytes per int8 row: dims rounded up to a multiple of 16 (one v128), zero padded. */
export const int8Stride = (dims: number): number => Math.ceil(dims / 16) * 16;
/** Bytes per binary row: dims bits rounded up to a multiple of 128 bits (one v128), zero padded. */
export const binaryStride = (dims: number): number => Math.ceil(dims / 128) * 16;

export interface Int8Params {
  dims: number;
  lo: Float32Array;
  scale: Float32Array;
}

/** Per-dimension min/max over rows given in pieces; `params()` gives lo/scale. */
export class Int8Fit {
  readonly dims: number;
  private readonly lo: Float32Array;
  private readonly hi: Float32Array;
  rows = 0;

  constructor(dims: number) {
    if (!Number.isInteger(dims) || dims < 1) throw new RagtabError('InvalidArgument', `dims must be a positive integer, got ${dims}.`);
    this.dims = dims;
    this.lo = new Float32Array(dims).fill(Infinity);
    this.hi = new Float32Array(dims).fill(-Infinity);
  }

  /** Folds in `count` rows of `vectors` (row-major, dims wide). */
  add(vectors: Float32Array, count = vectors.length / this.dims): this {
    const { dims, lo, hi } = this;
    for (let r = 0, off = 0; r < count; r++, off += dims) {
      for (let j = 0; j < dims; j++) {
        const v = vectors[off + j] as number;
        if (v < (lo[j] as number)) lo[j] = v;
        if (v > (hi[j] as number)) hi[j] = v;
      }
    }
    this.rows += count;
    return this;
  }

  params(): Int8Params {
    if (this.rows < 1) throw new RagtabError('IndexEmpty', 'int8 quantization needs at least one vector to fit its scales.');
    const scale = new Float32Array(this.dims);
    for (let j = 0; j < this.dims; j++) scale[j] = ((this.hi[j] as number) - (this.lo[j] as number)) / 254;
    return { dims: this.dims, lo: Float32Array.from(this.lo), scale };
  }
}

/** Fits lo/scale per dimension over `count` rows of `vectors` (row-major, `dims` wide). */
export function fitInt8(vectors: Float32Array, dims: number, count = vectors.length / dims): Int8Params {
  return new Int8Fit(dims).add(vectors, count).params();
}

/**
 * Codes of `count` rows into `out` (rows of `stride` bytes, padding left as is), values clamped to
 * [−127, 127]. Returns `out`.
 */
export function quantizeInt8(
  vectors: Float32Array,
  params: Int8Params,
  out: Int8Array = new Int8Array((vectors.length / params.dims) * int8Stride(params.dims)),
  stride = int8Stride(params.dims),
): Int8Array {
  const { dims, lo, scale } = params;
  const count = vectors.length / dims;
  for (let r = 0; r < count; r++) {
    const src = r * dims;
    const dst = r * stride;
    for (let j = 0; j < dims; j++) {
      const s = scale[j] as number;
      let c = s > 0 ? Math.round(((vectors[src + j] as number) - (lo[j] as number)) / s) - 127 : 0;
      if (c > 127) c = 127;
      else if (c < -127) c = -127;
      out[dst + j] = c;
    }
  }
  return out;
}

/** The values the codes stand for (row-major, `dims` wide). */
export function dequantizeInt8(codes: Int8Array, params: Int8Params, count: number, stride = int8Stride(params.dims)): Float32Array {
  const { dims, lo, scale } = params;
  const out = new Float32Array(count * dims);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < dims; j++) {
      const s = scale[j] as number;
      out[r * dims + j] = s > 0 ? (lo[j] as number) + s * ((codes[r * stride + j] as number) + 127) : (lo[j] as number);
    }
  }
  return out;
}

export interface Int8Query {
  /** w'_j, zero padded to the stride. */
  weights: Int8Array;
  /** Estimated cosine = offset + unit × (Σ w'_j code_j). */
  offset: number;
  unit: number;
}

export function int8Query(query: Float32Array, params: Int8Params, stride = int8Stride(params.dims)): Int8Query {
  const { dims, lo, scale } = params;
  if (query.length !== dims) throw new RagtabError('DimensionMismatch', `The query has ${query.length} dimensions, the int8 index ${dims}.`);
  let offset = 0;
  let max = 0;
  const w = new Float64Array(dims);
  for (let j = 0; j < dims; j++) {
    const q = query[j] as number;
    const s = scale[j] as number;
    offset += q * ((lo[j] as number) + 127 * s);
    w[j] = q * s;
    if (Math.abs(w[j] as number) > max) max = Math.abs(w[j] as number);
  }
  const weights = new Int8Array(stride);
  if (max > 0) for (let j = 0; j < dims; j++) weights[j] = Math.round((127 * (w[j] as number)) / max);
  return { weights, offset, unit: max / 127 };
}

/** Reference: Σ weights_j code_j for each of `count` rows (what the SIMD kernel computes). */
export function int8DotsJs(codes: Int8Array, stride: number, count: number, weights: Int8Array): Int32Array {
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let s = 0;
    const off = r * stride;
    for (let j = 0; j < stride; j++) s += (codes[off + j] as number) * (weights[j] as number);
    out[r] = s;
  }
  return out;
}

/** Sign bits of `count` rows into `out` (rows of `stride` bytes). Returns `out`. */
export function binarize(
  vectors: Float32Array,
  dims: number,
  out: Uint8Array = new Uint8Array((vectors.length / dims) * binaryStride(dims)),
  stride = binaryStride(dims),
): Uint8Array {
  const count = vectors.length / dims;
  for (let r = 0; r < count; r++) {
    const dst = r * stride;
    out.fill(0, dst, dst + stride);
    for (let j = 0; j < dims; j++) {
      if ((vectors[r * dims + j] as number) > 0) out[dst + (j >> 3)] = (out[dst + (j >> 3)] as number) | (1 << (j & 7));
    }
  }
  return out;
}

/** Bits set in a 32-bit integer (the classic SWAR popcount). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Reference: Hamming distance of the query bits to each of `count` rows (what the SIMD kernel computes). */
export function hammingJs(codes: Uint8Array, stride: number, count: number, query: Uint8Array): Int32Array {
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    let d = 0;
    const off = r * stride;
    for (let j = 0; j < stride; j++) d += popcount32(((codes[off + j] as number) ^ (query[j] as number)) & 0xff);
    out[r] = d;
  }
  return out;
}
