/**
 * Exact top-k by dot product over L2-normalised vectors, in WebAssembly SIMD (f32x4).
 *
 * No dependency: the small wasm module is assembled here, byte by byte. It imports its memory
 * (`env.memory`) and exports
 *   scores(vecPtr, count, stride, queryPtr, outPtr)  all `count` dot products (specialised per stride),
 *   sum(ptr, nFloats) -> f32                          a SIMD sum of the bytes: the memory-bandwidth
 *                                                     reference (reads each byte once, no more work).
 * Rows are stored padded to a multiple of 4 floats (`stride`), zero-filled, so the kernel never
 * needs a scalar tail. The vectors live inside the wasm memory (no per-query copy); the top k of
 * the scores are kept by `TopKHeap`, the same heap and tie-breaking as `exactTopK`.
 *
 * Works in a page, a worker and Node (WebAssembly is global in all three). When this engine cannot
 * validate SIMD (`WebAssembly.validate`), `SimdStore` falls back to the plain JavaScript scan.
 *
 * One file (~490 lines) because the wasm module's bytes, its kernel and its store must agree on one layout.
 */
import { TopKHeap, exactTopK, type TopK } from '../../src/core/topk';

// ───────────────────────────── a tiny wasm emitter (also used by quant-scan.ts and roofs.ts) ─────────────────────────────

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function str(s: string): number[] {
  const b = Array.from(new TextEncoder().encode(s));
  return [...uleb(b.length), ...b];
}

export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export const VOID = 0x40;

/** Instruction helpers (only what the two functions need). */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  sub: [0x6b],
  shl: [0x74],
  ltU: [0x49],
  ne: [0x47],
  eqz: [0x45],
  block: [0x02, VOID],
  loop: [0x03, VOID],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  f32add: [0x92],
  f32store: (offset: number) => [0x38, 2, ...uleb(offset)],
  // SIMD (0xfd prefix, LEB opcode)
  v128load: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4lane: (lane: number) => [0xfd, ...uleb(0x1f), lane],
  f32x4add: [0xfd, ...uleb(0xe4)],
  f32x4mul: [0xfd, ...uleb(0xe6)],
};

/** Horizontal sum of the v128 in local `v` onto the stack as f32: ((l0 + l1) + l2) + l3. */
export function hsum(v: number): number[] {
  return [
    ...op.get(v), ...op.f32x4lane(0),
    ...op.get(v), ...op.f32x4lane(1), ...op.f32add,
    ...op.get(v), ...op.f32x4lane(2), ...op.f32add,
    ...op.get(v), ...op.f32x4lane(3), ...op.f32add,
  ];
}

/**
 * `scores` specialised for one stride (floats per row, a multiple of 4): offsets are immediates,
 * so the inner loop is loads, multiplies and adds only. `rows` rows share each query load; the
 * inner loop covers `unroll` f32x4 steps; `split` accumulators per row shorten the add chains.
 * Measured here (V8 in Node, 60k × 384 = 92 MB): rows 1 / unroll 4 / split 2 takes about 1.1× the
 * time of a plain SIMD sum over the same bytes (bound by memory bandwidth); 2 or 4 rows
 * (interleaved streams) took 3× as long, so rows = 1 is the default.
 */
function scoresBody(stride: number, unroll: number, split: number, ROWS: number): number[] {
  // params: 0 vec, 1 count, 2 stride (must equal the built one), 3 query, 4 out
  // locals: 5 p, 6 qp, 7 end (i32); 8 q, 9.. acc (v128, ROWS × split)
  const [VEC, COUNT, STRIDE, QUERY, OUT] = [0, 1, 2, 3, 4];
  const [P, QP, END] = [5, 6, 7];
  const Q = 8;
  const ACC = (row: number, s: number) => 9 + row * split + s;
  const rowBytes = stride * 4;
  const locals = vec([
    [3, I32],
    [1 + ROWS * split, V128],
  ]);
  const rowBlock = (rows: number): number[] => {
    const out: number[] = [];
    for (let r = 0; r < rows; r++) for (let s = 0; s < split; s++) out.push(...op.v128zero, ...op.set(ACC(r, s)));
    out.push(...op.get(VEC), ...op.tee(P), ...op.i32(rowBytes), ...op.add, ...op.set(END));
    out.push(...op.get(QUERY), ...op.set(QP));
    out.push(...op.loop);
    for (let u = 0; u < unroll; u++) {
      out.push(...op.get(QP), ...op.v128load(16 * u), ...op.set(Q));
      for (let r = 0; r < rows; r++) {
        const a = ACC(r, u % split);
        out.push(...op.get(a), ...op.get(P), ...op.v128load(r * rowBytes + 16 * u), ...op.get(Q), ...op.f32x4mul, ...op.f32x4add, ...op.set(a));
      }
    }
    out.push(...op.get(QP), ...op.i32(16 * unroll), ...op.add, ...op.set(QP));
    out.push(...op.get(P), ...op.i32(16 * unroll), ...op.add, ...op.tee(P), ...op.get(END), ...op.ltU, ...op.brIf(0));
    out.push(...op.end);
    for (let r = 0; r < rows; r++) {
      for (let s = 1; s < split; s++) out.push(...op.get(ACC(r, 0)), ...op.get(ACC(r, s)), ...op.f32x4add, ...op.set(ACC(r, 0)));
      out.push(...op.get(OUT), ...hsum(ACC(r, 0)), ...op.f32store(4 * r));
    }
    out.push(...op.get(OUT), ...op.i32(4 * rows), ...op.add, ...op.set(OUT));
    out.push(...op.get(VEC), ...op.i32(rows * rowBytes), ...op.add, ...op.set(VEC));
    out.push(...op.get(COUNT), ...op.i32(rows), ...op.sub, ...op.set(COUNT));
    return out;
  };
  const code: number[] = [
    // a kernel built for another stride would read the wrong bytes: trap instead
    ...op.get(STRIDE), ...op.i32(stride), ...op.ne, 0x04, VOID, 0x00, ...op.end,
    // `ROWS` rows at a time
    ...op.block,
    ...op.loop,
    ...op.get(COUNT), ...op.i32(ROWS), ...op.ltU, ...op.brIf(1),
    ...rowBlock(ROWS),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // the remaining rows, one at a time
    ...op.block,
    ...op.loop,
    ...op.get(COUNT), ...op.eqz, ...op.brIf(1),
    ...rowBlock(1),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  return [...locals, ...code, ...op.end];
}

function sumBody(): number[] {
  // params: 0 ptr, 1 nFloats (multiple of 16); locals: 2 end (i32), 3..6 acc (v128); returns f32
  const [PTR, N, END, A0, A1, A2, A3] = [0, 1, 2, 3, 4, 5, 6];
  const locals = vec([
    [1, I32],
    [4, V128],
  ]);
  const acc = (a: number, offset: number) => [...op.get(a), ...op.get(PTR), ...op.v128load(offset), ...op.f32x4add, ...op.set(a)];
  const code: number[] = [
    ...op.get(PTR), ...op.get(N), ...op.i32(2), ...op.shl, ...op.add, ...op.set(END),
    ...op.v128zero, ...op.set(A0),
    ...op.v128zero, ...op.set(A1),
    ...op.v128zero, ...op.set(A2),
    ...op.v128zero, ...op.set(A3),
    ...op.block,
    ...op.get(PTR), ...op.get(END), ...op.ltU, ...op.eqz, ...op.brIf(0),
    ...op.loop,
    ...acc(A0, 0), ...acc(A1, 16), ...acc(A2, 32), ...acc(A3, 48),
    ...op.get(PTR), ...op.i32(64), ...op.add, ...op.tee(PTR), ...op.get(END), ...op.ltU, ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...op.get(A0), ...op.get(A1), ...op.f32x4add, ...op.get(A2), ...op.f32x4add, ...op.get(A3), ...op.f32x4add, ...op.set(A0),
    ...hsum(A0),
  ];
  return [...locals, ...code, ...op.end];
}

export interface ScanModuleOptions {
  /** Floats per row (a multiple of 4) the `scores` kernel is specialised for. */
  stride: number;
  /** f32x4 steps per inner-loop iteration (must divide stride / 4); default the largest of 4, 2, 1 that does. */
  unroll?: number;
  /** Accumulators per row (must divide unroll); default 2 when unroll is even. */
  split?: number;
  /** Rows per outer step sharing each query load (1, 2 or 4); default 1. */
  rows?: number;
  /** Declare the imported memory shared (SharedArrayBuffer across workers). */
  shared?: boolean;
  /** Maximum pages declared for a shared memory (default 65536: matches every shared memory). */
  maxPages?: number;
}

function defaultUnroll(stride: number): number {
  const steps = stride / 4;
  return steps % 4 === 0 ? 4 : steps % 2 === 0 ? 2 : 1;
}

/** The module's bytes. */
export function buildScanModule(opts: ScanModuleOptions): Uint8Array<ArrayBuffer> {
  const { stride } = opts;
  if (!Number.isInteger(stride) || stride < 4 || stride % 4 !== 0) throw new RangeError(`stride must be a positive multiple of 4, got ${stride}`);
  const unroll = opts.unroll ?? defaultUnroll(stride);
  const split = opts.split ?? (unroll % 2 === 0 ? 2 : 1);
  if ((stride / 4) % unroll !== 0 || unroll % split !== 0) throw new RangeError(`unroll ${unroll} / split ${split} do not fit stride ${stride}`);
  const types = section(1, vec([
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])],
    [0x60, ...vec([[I32], [I32]]), ...vec([[F32]])],
  ]));
  const limits = opts.shared ? [0x03, ...uleb(1), ...uleb(opts.maxPages ?? SHARED_MAX_PAGES)] : [0x00, ...uleb(1)];
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]]));
  const funcs = section(3, vec([[0], [1]]));
  const exports = section(7, vec([
    [...str('scores'), 0x00, 0],
    [...str('sum'), 0x00, 1],
  ]));
  const bodies = [scoresBody(stride, unroll, split, opts.rows ?? 1), sumBody()].map((b) => [...uleb(b.length), ...b]);
  const code = section(10, vec(bodies));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...funcs, ...exports, ...code]);
}

// ───────────────────────────── kernel and store ─────────────────────────────

export interface ScanExports {
  /** Dot products of the query with `count` rows of `stride` floats; `stride` must be the built one (else it traps). */
  scores(vecPtr: number, count: number, stride: number, queryPtr: number, outPtr: number): void;
  /** SIMD sum of `nFloats` (a multiple of 16) floats from `ptr`: reads each byte once. */
  sum(ptr: number, nFloats: number): number;
}

let simdOk: boolean | undefined;
const moduleCache = new Map<string, WebAssembly.Module>();

/** Whether this engine validates (and so runs) the f32x4 module. */
export function simdSupported(): boolean {
  if (simdOk === undefined) {
    try {
      simdOk = typeof WebAssembly === 'object' && WebAssembly.validate(buildScanModule({ stride: 4 }));
    } catch {
      simdOk = false;
    }
  }
  return simdOk;
}

/**
 * Instantiates the kernel for `stride` over `memory`, synchronously (the module is a few KiB;
 * compile it in a worker if the page's main thread refuses a synchronous compile).
 */
export function instantiateScan(memory: WebAssembly.Memory, opts: ScanModuleOptions): ScanExports {
  const key = JSON.stringify([opts.stride, opts.unroll, opts.split, opts.rows, opts.shared, opts.maxPages]);
  let mod = moduleCache.get(key);
  if (!mod) {
    mod = new WebAssembly.Module(buildScanModule(opts));
    moduleCache.set(key, mod);
  }
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  return inst.exports as unknown as ScanExports;
}

/**
 * Maximum declared for an imported shared memory: 4 GiB, the wasm32 limit. An import matches any
 * shared memory whose own maximum is at or below the declared one, so this fits them all.
 */
export const SHARED_MAX_PAGES = 65536;

const PAGE = 65536;
const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** Top k of `scores[0..count)` with `TopKHeap` (same result and tie-break as `exactTopK`). */
export function topKOfScores(scores: Float32Array, count: number, k: number): TopK {
  if (count === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const heap = new TopKHeap(Math.max(1, Math.min(k, count)));
  const kk = heap.k;
  let r = 0;
  for (; r < kk; r++) heap.push(scores[r] as number, r);
  let t = heap.threshold;
  for (; r < count; r++) {
    const d = scores[r] as number;
    if (d > t) {
      heap.push(d, r);
      t = heap.threshold;
    }
  }
  return heap.result();
}

export interface SimdStoreOptions {
  /** Use the plain JavaScript scan even when SIMD validates (tests, comparisons). */
  forceJs?: boolean;
  /** Rows to reserve at first. */
  initialCapacity?: number;
}

/**
 * A growing store of `dims`-wide vectors inside a WebAssembly.Memory, searched by dot product.
 * Vectors are expected L2-normalised (then the score is the cosine); they are not normalised here.
 *
 * Layout: [query: stride floats][vectors: capacity × stride floats][scores: capacity floats].
 * Growing keeps the vectors in place (they start at a fixed offset) and moves the scores region.
 */
export class SimdStore {
  readonly dims: number;
  /** Floats per stored row: dims rounded up to a multiple of 4 (zero padding). */
  readonly stride: number;
  /** True when the WebAssembly SIMD kernel is used; false on the JavaScript fallback. */
  readonly simd: boolean;
  count = 0;
  private capacity = 0;
  private memory: WebAssembly.Memory | null = null;
  private kernel: ScanExports | null = null;
  private readonly queryPtr = 0;
  private readonly vecPtr: number;
  private js: Float32Array = new Float32Array(0);

  constructor(dims: number, opts: SimdStoreOptions = {}) {
    if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`dims must be a positive integer, got ${dims}`);
    this.dims = dims;
    this.stride = align(dims, 4);
    this.simd = !opts.forceJs && simdSupported();
    this.vecPtr = align(this.stride * 4, 64);
    if (this.simd) {
      this.memory = new WebAssembly.Memory({ initial: 1 });
      this.kernel = instantiateScan(this.memory, { stride: this.stride });
    }
    this.reserve(opts.initialCapacity ?? 1024);
  }

  /** Bytes of the stored vectors (count × dims × 4, padding excluded). */
  get bytes(): number {
    return this.count * this.dims * 4;
  }

  /** Bytes reserved (wasm memory, or the JavaScript array on the fallback). */
  get reservedBytes(): number {
    return this.memory ? this.memory.buffer.byteLength : this.js.byteLength;
  }

  private get scoresPtr(): number {
    return this.vecPtr + this.capacity * this.stride * 4;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const cap = Math.max(rows, Math.ceil(this.capacity * 1.5), 16);
    if (!this.memory) {
      const next = new Float32Array(cap * this.dims);
      next.set(this.js.subarray(0, this.count * this.dims));
      this.js = next;
      this.capacity = cap;
      return;
    }
    const need = this.vecPtr + cap * this.stride * 4 + cap * 4;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      const pages = Math.ceil((need - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new RangeError(`cannot grow the vector store to ${need} bytes (${cap} rows × ${this.dims}): ${(e as Error).message}`);
      }
    }
    this.capacity = cap;
  }

  /** Appends rows (vectors.length must be a multiple of dims). Returns the new count. */
  add(vectors: Float32Array): number {
    if (vectors.length % this.dims !== 0) throw new RangeError(`${vectors.length} floats is not a multiple of ${this.dims} dimensions`);
    const rows = vectors.length / this.dims;
    if (rows === 0) return this.count;
    this.reserve(this.count + rows);
    if (!this.memory) {
      this.js.set(vectors, this.count * this.dims);
    } else {
      // The buffer is fresh after any grow(): take views now.
      const f32 = new Float32Array(this.memory.buffer);
      const base = (this.vecPtr >> 2) + this.count * this.stride;
      if (this.stride === this.dims) {
        f32.set(vectors, base);
      } else {
        for (let r = 0; r < rows; r++) {
          const dst = base + r * this.stride;
          f32.set(vectors.subarray(r * this.dims, (r + 1) * this.dims), dst);
          f32.fill(0, dst + this.dims, dst + this.stride);
        }
      }
    }
    this.count += rows;
    return this.count;
  }

  /** Row `i` as a copy (dims floats). */
  row(i: number): Float32Array {
    if (i < 0 || i >= this.count) throw new RangeError(`row ${i} out of range 0..${this.count - 1}`);
    if (!this.memory) return this.js.slice(i * this.dims, (i + 1) * this.dims);
    const off = (this.vecPtr >> 2) + i * this.stride;
    return new Float32Array(this.memory.buffer).slice(off, off + this.dims);
  }

  /** Empties the store (keeps the memory). */
  clear(): void {
    this.count = 0;
  }

  /** All scores of `query` against the stored rows, as a view valid until the next add/search. */
  scoreAll(query: Float32Array): Float32Array {
    if (query.length !== this.dims) throw new RangeError(`query has ${query.length} dimensions, index has ${this.dims}`);
    if (!this.memory || !this.kernel) {
      const out = new Float32Array(this.count);
      for (let r = 0, off = 0; r < this.count; r++, off += this.dims) {
        let d = 0;
        for (let j = 0; j < this.dims; j++) d += (this.js[off + j] as number) * (query[j] as number);
        out[r] = d;
      }
      return out;
    }
    const f32 = new Float32Array(this.memory.buffer);
    f32.set(query, this.queryPtr >> 2);
    if (this.stride !== this.dims) f32.fill(0, (this.queryPtr >> 2) + this.dims, (this.queryPtr >> 2) + this.stride);
    const out = this.scoresPtr;
    this.kernel.scores(this.vecPtr, this.count, this.stride, this.queryPtr, out);
    return new Float32Array(this.memory.buffer, out, this.count);
  }

  /** Top k by dot product, best first; ties to the lower index. */
  search(query: Float32Array, k: number): TopK {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    if (!this.memory) {
      if (query.length !== this.dims) throw new RangeError(`query has ${query.length} dimensions, index has ${this.dims}`);
      return exactTopK(this.js, this.dims, this.count, query, k);
    }
    if (this.count === 0) {
      if (query.length !== this.dims) throw new RangeError(`query has ${query.length} dimensions, index has ${this.dims}`);
      return { indices: new Int32Array(0), scores: new Float32Array(0) };
    }
    return topKOfScores(this.scoreAll(query), this.count, k);
  }

  /**
   * The memory-bandwidth reference: a SIMD sum over the stored vectors' bytes (each read once,
   * nothing else done). Returns the sum so the work cannot be optimised away. NaN on the fallback.
   */
  touchAll(): number {
    if (!this.memory || !this.kernel) return NaN;
    const floats = Math.floor((this.count * this.stride) / 16) * 16;
    return this.kernel.sum(this.vecPtr, floats);
  }
}

/**
 * Scores rows [start, start + count) of a store laid out in `memory` (rows of `stride` floats from
 * `vecPtr`, query at `queryPtr`) into `outPtr`, and returns their top k with global row indices.
 * For scans split across workers over one shared memory: each worker takes a range, the caller
 * merges with `mergeTopK`.
 */
export function scanRange(
  kernel: ScanExports,
  memory: WebAssembly.Memory,
  layout: { vecPtr: number; stride: number; queryPtr: number; outPtr: number },
  start: number,
  count: number,
  k: number,
): TopK {
  const { vecPtr, stride, queryPtr, outPtr } = layout;
  kernel.scores(vecPtr + start * stride * 4, count, stride, queryPtr, outPtr);
  const top = topKOfScores(new Float32Array(memory.buffer, outPtr, count), count, k);
  for (let i = 0; i < top.indices.length; i++) top.indices[i] = (top.indices[i] as number) + start;
  return top;
}

/** Merges top-k lists (best first, same tie-break as `TopKHeap`). */
export function mergeTopK(parts: TopK[], k: number): TopK {
  const total = parts.reduce((n, p) => n + p.indices.length, 0);
  if (total === 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
  const heap = new TopKHeap(Math.min(k, total));
  for (const p of parts) for (let i = 0; i < p.indices.length; i++) heap.push(p.scores[i] as number, p.indices[i] as number);
  return heap.result();
}
