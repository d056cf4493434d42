/**
 * The quantized index kinds' scans in WebAssembly SIMD (issue 14): int8 dot products and binary
 * Hamming distances over codes kept in a WebAssembly memory, then the best candidates rescored with
 * the f32 vectors by the caller. The codes and their meaning are src/core/quantize.ts's
 * (per-dimension affine int8; sign bits); its plain loops are the reference these kernels are tested
 * against, and the fallback where SIMD does not validate.
 *
 * Modules are assembled here with simd-scan.ts's emitter, one per (kind, stride), the stride an
 * immediate. Only SIMD128 instructions are used, never relaxed SIMD (Safari rejects a module with
 * one relaxed instruction):
 *   int8dots(codes, count, stride, query, out)  per row Σ w_j·c_j: the codes widened to i16
 *                                               (i16x8.extend_{low,high}_i8x16_s), times the query's
 *                                               weights, stored already widened to i16, by
 *                                               i32x4.dot_i16x8_s (pairs of products summed, exact:
 *                                               |c|,|w| ≤ 127), i32x4.add; → i32
 *   hamming(codes, count, stride, query, out)   per row popcount(codes ⊕ query): v128.xor,
 *                                               i8x16.popcnt, i8x16.add (flushed to i32 lanes every
 *                                               31 steps: a u8 lane holds 31 × 8); → i32
 * Layout of a store's memory: [query: stride bytes (binary) or stride i16 weights (int8), 64-aligned]
 * [codes: capacity × stride][out: capacity i32][PREFETCH_BYTES + 64 free: the kernels load ahead].
 *
 * Why dot_i16x8: fewer instructions per 16 bytes than the earlier kernel (extmul low and high, an
 * i16 add, extadd_pairwise): on x64 dot_i16x8_s is one instruction (pmaddwd) and each widening one
 * or two. Measured in Chromium 150, alternating the two in one page over 60k × 384 codes read cold:
 * 4.3 → 3.9 ms per query (the prefetch below took it to 3.1). Figures in bench/README-retrieval.md.
 */
import { binarize, binaryStride, hammingJs, int8DotsJs, int8Query, int8Stride, quantizeInt8, type Int8Params } from '../../src/core/quantize';
import { TopKHeap, type TopK } from '../../src/core/topk';
import { I32, V128, VOID, op, section, str, uleb, vec } from './simd-scan';

// ───────────────────────────── kernels ─────────────────────────────

const simd = (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm];
const ins = {
  load: (offset: number) => op.v128load(offset),
  zero: op.v128zero,
  xor: simd(0x51),
  popcnt: simd(0x62),
  i8add: simd(0x6e),
  i32x4add: simd(0xae),
  extendLowS: simd(0x87),
  extendHighS: simd(0x88),
  dotI16: simd(0xba),
  pairI8U: simd(0x7d),
  pairI16U: simd(0x7f),
  lane: (l: number) => simd(0x1b, l),
  i32store: (offset: number) => [0x36, 2, ...uleb(offset)],
  i32add: [0x6a],
  load8u: (offset: number) => [0x2d, 0, ...uleb(offset)],
  drop: [0x1a],
};

export type QuantKind = 'int8' | 'binary';
/**
 * Bytes ahead of the row being scored that each row's kernel step touches (one byte load per 64-byte
 * line, its value dropped): a software prefetch, which wasm does not have. Measured in Chromium 150
 * on this x64 VM, 60k × 384 codes read cold from memory, alternating kernels in one page: int8
 * 3.9 → 3.1 ms, binary 1.0 → 0.8 ms; 1,536 to 12,288 bytes ahead gave the same. The memory keeps
 * this many bytes (and a line) free after the last score, so a load ahead never leaves it.
 */
export const PREFETCH_BYTES = 4096;

/** Horizontal sum of the i32x4 in local `v` onto the stack. */
function hsumI32(v: number): number[] {
  return [
    ...op.get(v), ...ins.lane(0),
    ...op.get(v), ...ins.lane(1), ...ins.i32add,
    ...op.get(v), ...ins.lane(2), ...ins.i32add,
    ...op.get(v), ...ins.lane(3), ...ins.i32add,
  ];
}

function kernelBody(kind: QuantKind, stride: number): number[] {
  // params: 0 codes, 1 count, 2 stride, 3 query, 4 out; locals: 5..8 v128
  const [P, COUNT, STRIDE, Q, OUT] = [0, 1, 2, 3, 4];
  const [A0, A1, C, A8] = [5, 6, 7, 8];
  const steps = stride / 16;
  const row: number[] = [...ins.zero, ...op.set(A0), ...ins.zero, ...op.set(A1)];
  for (let l = 0; l < Math.ceil(stride / 64); l++) row.push(...op.get(P), ...ins.load8u(PREFETCH_BYTES + 64 * l), ...ins.drop);
  if (kind === 'int8') {
    for (let s = 0; s < steps; s++) {
      row.push(...op.get(P), ...ins.load(16 * s), ...op.set(C));
      row.push(...op.get(C), ...ins.extendLowS, ...op.get(Q), ...ins.load(32 * s), ...ins.dotI16, ...op.get(A0), ...ins.i32x4add, ...op.set(A0));
      row.push(...op.get(C), ...ins.extendHighS, ...op.get(Q), ...ins.load(32 * s + 16), ...ins.dotI16, ...op.get(A1), ...ins.i32x4add, ...op.set(A1));
    }
  } else {
    const flush = [...op.get(A8), ...ins.pairI8U, ...ins.pairI16U, ...op.get(A0), ...ins.i32x4add, ...op.set(A0), ...ins.zero, ...op.set(A8)];
    row.push(...ins.zero, ...op.set(A8));
    for (let s = 0; s < steps; s++) {
      row.push(...op.get(P), ...ins.load(16 * s), ...op.get(Q), ...ins.load(16 * s), ...ins.xor, ...ins.popcnt);
      row.push(...op.get(A8), ...ins.i8add, ...op.set(A8));
      if ((s + 1) % 31 === 0 || s === steps - 1) row.push(...flush);
    }
  }
  row.push(...op.get(A0), ...op.get(A1), ...ins.i32x4add, ...op.set(A0));
  row.push(...op.get(OUT), ...hsumI32(A0), ...ins.i32store(0));
  row.push(...op.get(OUT), ...op.i32(4), ...op.add, ...op.set(OUT));
  row.push(...op.get(P), ...op.i32(stride), ...op.add, ...op.set(P));
  row.push(...op.get(COUNT), ...op.i32(1), ...op.sub, ...op.set(COUNT));
  const code = [
    // a kernel built for another stride would read the wrong bytes: trap instead
    ...op.get(STRIDE), ...op.i32(stride), ...op.ne, 0x04, VOID, 0x00, ...op.end,
    ...op.block, ...op.loop,
    ...op.get(COUNT), ...op.eqz, ...op.brIf(1),
    ...row,
    ...op.br(0),
    ...op.end, ...op.end,
  ];
  return [...vec([[4, V128]]), ...code, ...op.end];
}

/** The module's bytes: one function, `int8dots` or `hamming`, specialised for `stride` bytes. */
export function buildQuantModule(kind: QuantKind, stride: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(stride) || stride < 16 || stride % 16 !== 0) throw new RangeError(`stride must be a positive multiple of 16 bytes, got ${stride}`);
  const types = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])]]));
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, 0x00, ...uleb(1)]]));
  const funcs = section(3, vec([[0]]));
  const exports = section(7, vec([[...str(kind === 'int8' ? 'int8dots' : 'hamming'), 0x00, 0]]));
  const body = kernelBody(kind, stride);
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...funcs, ...exports, ...code]);
}

type Kernel = (codes: number, count: number, stride: number, query: number, out: number) => void;

let quantOk: boolean | undefined;
/** Whether this engine validates the int8 and popcount kernels. */
export function quantSimdSupported(): boolean {
  if (quantOk === undefined) {
    try {
      quantOk = WebAssembly.validate(buildQuantModule('int8', 16)) && WebAssembly.validate(buildQuantModule('binary', 16));
    } catch {
      quantOk = false;
    }
  }
  return quantOk;
}

const modules = new Map<string, WebAssembly.Module>();
function instantiate(kind: QuantKind, stride: number, memory: WebAssembly.Memory): Kernel {
  const key = `${kind}:${stride}`;
  let mod = modules.get(key);
  if (!mod) modules.set(key, (mod = new WebAssembly.Module(buildQuantModule(kind, stride))));
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  return inst.exports[kind === 'int8' ? 'int8dots' : 'hamming'] as unknown as Kernel;
}

/** Top k of `count` integer scores, best = largest (`sign` 1) or smallest (`sign` −1); ties to the lower row. */
export function topKOfInts(scores: Int32Array, count: number, k: number, sign: 1 | -1): TopK {
  if (count === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const heap = new TopKHeap(Math.max(1, Math.min(k, count)));
  let r = 0;
  for (; r < heap.k; r++) heap.push(sign * (scores[r] as number), r);
  let t = heap.threshold;
  for (; r < count; r++) {
    const d = sign * (scores[r] as number);
    if (d > t) {
      heap.push(d, r);
      t = heap.threshold;
    }
  }
  return heap.result();
}

/**
 * The `k` smallest of `count` integer scores in [0, max] (Hamming distances), exactly as
 * topKOfInts(scores, count, k, −1) gives them (scores −distance, best first, ties to the lower
 * row), by counting instead of a heap: a histogram of the distances finds the cut, one pass
 * collects the rows under it in row order, a stable sort by distance orders them. Measured in
 * Chromium 150 (60k rows, k = 200, codes hot): the heap took 0.2 ms of the 0.5 ms candidate selection.
 */
export function nearestOfSmallInts(scores: Int32Array, count: number, k: number, max: number): TopK {
  if (count === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const n = Math.max(1, Math.min(k, count));
  const hist = new Uint32Array(max + 1);
  for (let r = 0; r < count; r++) {
    const d = scores[r] as number;
    if (!(d >= 0 && d <= max)) throw new RangeError(`score ${d} of row ${r} is outside [0, ${max}]`);
    hist[d] = (hist[d] as number) + 1;
  }
  let cut = 0;
  let below = 0;
  for (; cut < max && below + (hist[cut] as number) < n; cut++) below += hist[cut] as number;
  let ties = n - below;
  const rows = new Int32Array(n);
  let m = 0;
  for (let r = 0; r < count && m < n; r++) {
    const d = scores[r] as number;
    if (d < cut || (d === cut && ties-- > 0)) rows[m++] = r;
  }
  const order = Array.from(rows).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  return { indices: Int32Array.from(order), scores: Float32Array.from(order, (r) => -(scores[r] as number)) };
}

// ───────────────────────────── stores ─────────────────────────────

const PAGE = 65536;
const align = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Codes of `stride` bytes per row inside a WebAssembly.Memory (or a plain array where SIMD does
 * not validate), scored against a query by the kind's kernel.
 */
abstract class CodeStore {
  readonly dims: number;
  readonly stride: number;
  readonly simd: boolean;
  count = 0;
  private capacity = 0;
  private memory: WebAssembly.Memory | null = null;
  private kernel: Kernel | null = null;
  private js = new Uint8Array(0);
  private readonly codesPtr: number;

  constructor(
    readonly kind: QuantKind,
    dims: number,
    stride: number,
    opts: { forceJs?: boolean; initialCapacity?: number },
  ) {
    this.dims = dims;
    this.stride = stride;
    this.simd = !opts.forceJs && quantSimdSupported();
    this.codesPtr = align(kind === 'int8' ? 2 * stride : stride, 64);
    if (this.simd) {
      this.memory = new WebAssembly.Memory({ initial: 1 });
      this.kernel = instantiate(kind, stride, this.memory);
    }
    this.reserve(opts.initialCapacity ?? 1024);
  }

  /** Bytes of the codes (count × stride). */
  get bytes(): number {
    return this.count * this.stride;
  }

  /** Bytes reserved (the wasm memory, or the JavaScript array on the fallback). */
  get reservedBytes(): number {
    return this.memory ? this.memory.buffer.byteLength : this.js.byteLength;
  }

  private get outPtr(): number {
    return this.codesPtr + this.capacity * this.stride;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const cap = Math.max(rows, Math.ceil(this.capacity * 1.5), 16);
    if (!this.memory) {
      const next = new Uint8Array(cap * this.stride);
      next.set(this.js.subarray(0, this.count * this.stride));
      this.js = next;
    } else {
      const need = this.codesPtr + cap * this.stride + cap * 4 + PREFETCH_BYTES + 64;
      const have = this.memory.buffer.byteLength;
      if (need > have) {
        try {
          this.memory.grow(Math.ceil((need - have) / PAGE));
        } catch (e) {
          throw new RangeError(`cannot grow the ${this.kind} store to ${need} bytes (${cap} rows): ${(e as Error).message}`);
        }
      }
    }
    this.capacity = cap;
  }

  /** Appends rows of codes (`rows × stride` bytes, already laid out). */
  protected addCodes(codes: Uint8Array, rows: number): number {
    if (codes.length !== rows * this.stride) throw new RangeError(`${codes.length} bytes is not ${rows} rows of ${this.stride}`);
    this.reserve(this.count + rows);
    const dst = this.memory ? new Uint8Array(this.memory.buffer, this.codesPtr) : this.js;
    dst.set(codes, this.count * this.stride);
    this.count += rows;
    return this.count;
  }

  /** The stored codes (a view valid until the next add). */
  codes(): Uint8Array {
    return this.memory ? new Uint8Array(this.memory.buffer, this.codesPtr, this.count * this.stride) : this.js.subarray(0, this.count * this.stride);
  }

  clear(): void {
    this.count = 0;
  }

  /** The kernel's integer score of every row against `query` (stride bytes): a view valid until the next call. */
  protected scoreCodes(query: Uint8Array): Int32Array {
    if (!this.memory || !this.kernel) {
      const codes = this.js.subarray(0, this.count * this.stride);
      return this.kind === 'int8'
        ? int8DotsJs(new Int8Array(codes.buffer, codes.byteOffset, codes.length), this.stride, this.count, new Int8Array(query.buffer, query.byteOffset, query.length))
        : hammingJs(codes, this.stride, this.count, query);
    }
    if (this.kind === 'int8') new Int16Array(this.memory.buffer, 0, this.stride).set(new Int8Array(query.buffer, query.byteOffset, query.length));
    else new Uint8Array(this.memory.buffer, 0, this.stride).set(query);
    const out = this.outPtr;
    this.kernel(this.codesPtr, this.count, this.stride, 0, out);
    return new Int32Array(this.memory.buffer, out, this.count);
  }
}

/** int8 codes (src/core/quantize.ts's per-dimension affine scheme) scanned by SIMD dot products. */
export class Int8Store extends CodeStore {
  readonly params: Int8Params;

  constructor(params: Int8Params, opts: { forceJs?: boolean; initialCapacity?: number } = {}) {
    super('int8', params.dims, int8Stride(params.dims), opts);
    this.params = params;
  }

  /** Quantizes and appends f32 rows (row-major, dims wide). */
  add(vectors: Float32Array): number {
    const rows = vectors.length / this.dims;
    const codes = quantizeInt8(vectors, this.params, new Int8Array(rows * this.stride), this.stride);
    return this.addCodes(new Uint8Array(codes.buffer), rows);
  }

  /** Appends codes already quantized with these params (rows of `stride` bytes): a stored index. */
  addStored(codes: Int8Array): number {
    return this.addCodes(new Uint8Array(codes.buffer, codes.byteOffset, codes.byteLength), codes.length / this.stride);
  }

  /**
   * q · x̂ of row `r`: the query against the values the codes stand for (src/core/quantize.ts's x̂),
   * in f32-exact arithmetic. What rescoring uses before the f32 vectors are read (a cold load).
   */
  dequantizedDot(r: number, query: Float32Array): number {
    const codes = this.codes();
    const { lo, scale } = this.params;
    const off = r * this.stride;
    let s = 0;
    for (let j = 0; j < this.dims; j++) {
      const c = (codes[off + j] as number) << 24 >> 24; // the byte as int8
      s += (query[j] as number) * ((lo[j] as number) + (scale[j] as number) * (c + 127));
    }
    return s;
  }

  /** The best `n` rows by estimated cosine (scores are the estimate; see quantize.ts). */
  candidates(query: Float32Array, n: number): TopK {
    const q = int8Query(query, this.params, this.stride);
    const top = topKOfInts(this.scoreCodes(new Uint8Array(q.weights.buffer)), this.count, n, 1);
    for (let i = 0; i < top.scores.length; i++) top.scores[i] = q.offset + q.unit * (top.scores[i] as number);
    return top;
  }
}

/** Sign bits scanned by SIMD popcount (Hamming distance). */
export class BinaryStore extends CodeStore {
  constructor(dims: number, opts: { forceJs?: boolean; initialCapacity?: number } = {}) {
    super('binary', dims, binaryStride(dims), opts);
  }

  add(vectors: Float32Array): number {
    const rows = vectors.length / this.dims;
    return this.addCodes(binarize(vectors, this.dims, new Uint8Array(rows * this.stride), this.stride), rows);
  }

  addStored(codes: Uint8Array): number {
    return this.addCodes(codes, codes.length / this.stride);
  }

  /** The `n` rows nearest in Hamming distance; scores are −distance (ties to the lower row). */
  candidates(query: Float32Array, n: number): TopK {
    const q = binarize(query, this.dims, new Uint8Array(this.stride), this.stride);
    return nearestOfSmallInts(this.scoreCodes(q), this.count, n, this.stride * 8);
  }
}

/**
 * Rescoring: exact scores of the candidates by `score(row)` (an f32 dot product), best `k` first,
 * ties to the lower row.
 */
export function rescore(candidates: Int32Array, score: (row: number) => number, k: number): TopK {
  if (candidates.length === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const heap = new TopKHeap(Math.min(k, candidates.length));
  for (const r of candidates) heap.push(score(r), r);
  return heap.result();
}
