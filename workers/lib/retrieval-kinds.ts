/**
 * The index worker's kinds beyond exact and voy (issue 14), behind one small surface so
 * workers/index.worker.ts stays an orchestrator:
 *   int8, binary  quantized codes (quant-scan.ts), the best `rescore` candidates rescored in f32
 *   hnsw          hnswlib-wasm (hnsw.ts)
 *   bm25          wink-bm25-text-search over the chunk texts (src/core/bm25.ts)
 *   hybrid        RRF (src/core/rrf.ts) of a dense kind's list and BM25's, `fusedDepth` deep each
 * Each build is timed here and reports the bytes the kind holds; each search reports what it did
 * (candidates rescored, ef, fused depth).
 */
import { Bm25Index, validateBm25Options, type Bm25Options } from '../../src/core/bm25';
import { RagtabError } from '../../src/core/errors';
import { KIND_SCHEMES, RETRIEVE_DEFAULTS, kindVariant, type IndexBuildOptions, type IndexKind, type KindData, type RetrieveOptions, type StoredKind } from '../../src/core/index-kinds';
import { Int8Fit, int8Stride } from '../../src/core/quantize';
import { reciprocalRankFusion } from '../../src/core/rrf';
import type { TopK } from '../../src/core/topk';
import { HnswIndex } from './hnsw';
import { BinaryStore, Int8Store, quantSimdSupported, rescore } from './quant-scan';

/** The f32 vectors the kinds are built from and rescore with (the worker's SimdStore). */
export interface VectorSource {
  dims: number;
  count: number;
  /** Row i (a copy, unit length). */
  row(i: number): Float32Array;
  /** Exact cosine of row i with the (unit) query. */
  dot(i: number, q: Float32Array): number;
}

export interface KindBuild {
  ms: number;
  /** Bytes the kind holds beyond the shared f32 vectors; null when it cannot be counted (see note). */
  bytes: number | null;
  bytesNote?: string;
  detail: Record<string, number | string>;
}

export interface KindSearch {
  top: TopK;
  /** int8 / binary: candidates rescored in f32. */
  rescored?: number;
  ef?: number;
  fusedDepth?: number;
  rescoredWith?: 'f32';
}

/** Progress of one kind's build: rows done of total. */
export type KindProgress = (done: number, total: number) => void;

/** A copy of a typed array's bytes as its own ArrayBuffer (to transfer or store). */
function own(a: ArrayBufferView): ArrayBuffer {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice().buffer;
}

/** The variant string of BM25 options (what a stored BM25 depends on). */
function bm25Variant(o: Bm25Options): string {
  return kindVariant('bm25', { bm25: { k1: o.k1, b: o.b, stem: o.stem, stopWords: [...o.stopWords] } });
}

/** Rows per slice when building from the source (bounded copies). */
/** What a BM25 build or load reports of itself (the same whether built here or read back). */
function bm25Detail(idx: Bm25Index): Record<string, number | string> {
  return { tokens: idx.tokenCount, stem: idx.options.stem, k1: idx.options.k1, b: idx.options.b };
}

const SLICE = 4096;

function rowsOf(src: VectorSource, start: number, n: number): Float32Array {
  const out = new Float32Array(n * src.dims);
  for (let r = 0; r < n; r++) out.set(src.row(start + r), r * src.dims);
  return out;
}

export class RetrievalKinds {
  private int8: Int8Store | null = null;
  private binary: BinaryStore | null = null;
  private readonly hnsw = new HnswIndex();
  private bm25: Bm25Index | null = null;
  /** Row count each kind was built over (a kind is stale once more rows are added). */
  private readonly builtOver = new Map<IndexKind, number>();

  reset(): void {
    this.int8?.clear();
    this.binary?.clear();
    this.hnsw.free();
    this.bm25 = null;
    this.builtOver.clear();
  }

  isBuilt(kind: IndexKind, count: number): boolean {
    return this.builtOver.get(kind) === count;
  }

  /** Builds one kind over the source's rows (and, for bm25/hybrid, `texts`, aligned with them). */
  async build(kind: IndexKind, src: VectorSource, texts: ReadonlyArray<string | undefined>, options: IndexBuildOptions, onProgress?: KindProgress): Promise<KindBuild> {
    const t0 = performance.now();
    const { dims, count } = src;
    let bytes: number | null = null;
    let bytesNote: string | undefined;
    const detail: Record<string, number | string> = {};
    switch (kind) {
      case 'int8': {
        // fit the per-dimension scales over every row, then quantize slice by slice
        const fit = new Int8Fit(dims);
        for (let s = 0; s < count; s += SLICE) fit.add(rowsOf(src, s, Math.min(SLICE, count - s)));
        const params = fit.params();
        const store = new Int8Store(params, { initialCapacity: count });
        for (let s = 0; s < count; s += SLICE) store.add(rowsOf(src, s, Math.min(SLICE, count - s)));
        this.int8 = store;
        bytes = store.bytes + dims * 8;
        detail['scan'] = store.simd ? 'wasm-simd' : 'js';
        detail['codeBytesPerVector'] = store.stride;
        break;
      }
      case 'binary': {
        const store = new BinaryStore(dims, { initialCapacity: count });
        for (let s = 0; s < count; s += SLICE) store.add(rowsOf(src, s, Math.min(SLICE, count - s)));
        this.binary = store;
        bytes = store.bytes;
        detail['scan'] = store.simd ? 'wasm-simd' : 'js';
        detail['codeBytesPerVector'] = store.stride;
        break;
      }
      case 'hnsw': {
        const info = await this.hnsw.build(dims, count, (i) => src.row(i), options.hnsw, onProgress ? { onProgress } : {});
        bytes = info.layoutBytes;
        bytesNote = "computed from hnswlib's layout (its wasm heap only grows: heapBytes is the whole heap)";
        detail['m'] = info.options.m;
        detail['efConstruction'] = info.options.efConstruction;
        detail['heapBytes'] = info.heapBytes;
        detail['batch'] = info.batch;
        break;
      }
      case 'bm25':
      case 'hybrid': {
        // hybrid reads the BM25 built (or loaded) with the same options when there is one
        if (kind === 'hybrid' && this.isBuilt('bm25', count) && this.bm25 && bm25Variant(this.bm25.options) === bm25Variant(validateBm25Options(options.bm25 ?? {}))) {
          detail['bm25'] = 'shared with the bm25 kind';
          break;
        }
        const missing = texts.slice(0, count).filter((t) => t === undefined).length + Math.max(0, count - texts.length);
        if (missing > 0) {
          throw new RagtabError('IndexUnsupported', `${kind} needs the chunk texts: ${missing} of ${count} vectors were added without one (pass texts to add()).`);
        }
        const idx = new Bm25Index(options.bm25);
        idx.add(texts.slice(0, count) as string[]);
        idx.build();
        this.bm25 = idx;
        this.builtOver.set('bm25', count);
        bytes = idx.bytes;
        bytesNote = "the postings the search reads (wink's own engine objects, kept beside them, are not countable in a worker)";
        Object.assign(detail, bm25Detail(idx));
        break;
      }
      default:
        throw new RagtabError('InvalidArgument', `RetrievalKinds does not build '${kind}'.`);
    }
    this.builtOver.set(kind, count);
    return { ms: performance.now() - t0, bytes, ...(bytesNote ? { bytesNote } : {}), detail };
  }

  /** A built int8, binary or bm25 kind as data (copies of its arrays), to store. */
  export(kind: StoredKind, src: VectorSource): KindData {
    if (!this.isBuilt(kind, src.count)) throw new RagtabError('IndexEmpty', `The ${kind} index is not built over the current vectors.`);
    const base = { kind, scheme: KIND_SCHEMES[kind], count: src.count, dims: src.dims };
    if (kind === 'int8') {
      const st = this.int8 as Int8Store;
      return { ...base, variant: '', params: { stride: st.stride }, parts: { lo: own(st.params.lo), scale: own(st.params.scale), codes: own(st.codes()) } };
    }
    if (kind === 'binary') {
      const st = this.binary as BinaryStore;
      return { ...base, variant: '', params: { stride: st.stride }, parts: { codes: own(st.codes()) } };
    }
    const idx = this.bm25 as Bm25Index;
    const p = idx.exportPostings();
    return {
      ...base,
      variant: bm25Variant(idx.options),
      params: { tokens: p.tokens, vocabSize: p.vocab.length },
      parts: { vocab: own(new TextEncoder().encode(p.vocab.join('\n'))), offsets: own(p.offsets), docs: own(p.docs), scores: own(p.scores) },
    };
  }

  /**
   * Makes a kind answer from stored data (no build). A stored BM25 answers with the analyser options
   * it was built with (its `variant`): the caller picks the variant it wants.
   */
  import(data: KindData, src: VectorSource): KindBuild {
    const t0 = performance.now();
    const bad = (why: string) => new RagtabError('IndexUnsupported', `The stored ${data.kind} index cannot be used: ${why}.`);
    if (data.scheme !== KIND_SCHEMES[data.kind]) throw bad(`it is in format ${data.scheme}, this version reads ${KIND_SCHEMES[data.kind]}`);
    if (data.count !== src.count) throw bad(`it holds ${data.count} rows, the index ${src.count}`);
    if (data.dims !== src.dims) throw bad(`it has ${data.dims} dimensions, the index ${src.dims}`);
    const part = (name: string) => {
      const p = data.parts[name];
      if (!(p instanceof ArrayBuffer)) throw bad(`its part "${name}" is missing`);
      return p;
    };
    const detail: Record<string, number | string> = {};
    let bytes: number | null = null;
    let bytesNote: string | undefined;
    if (data.kind === 'int8') {
      const lo = new Float32Array(part('lo'));
      const scale = new Float32Array(part('scale'));
      const codes = new Int8Array(part('codes'));
      const stride = int8Stride(data.dims);
      if (lo.length !== data.dims || scale.length !== data.dims || codes.length !== data.count * stride) throw bad('its arrays do not match its count and dimensions');
      const store = new Int8Store({ dims: data.dims, lo, scale }, { initialCapacity: data.count });
      store.addStored(codes);
      this.int8 = store;
      bytes = store.bytes + data.dims * 8;
      detail['scan'] = store.simd ? 'wasm-simd' : 'js';
      detail['codeBytesPerVector'] = store.stride;
    } else if (data.kind === 'binary') {
      const store = new BinaryStore(data.dims, { initialCapacity: data.count });
      const codes = new Uint8Array(part('codes'));
      if (codes.length !== data.count * store.stride) throw bad('its codes do not match its count and dimensions');
      store.addStored(codes);
      this.binary = store;
      bytes = store.bytes;
      detail['scan'] = store.simd ? 'wasm-simd' : 'js';
      detail['codeBytesPerVector'] = store.stride;
    } else {
      // the analyser options it was built with (the caller picks the stored variant it wants)
      let opts: Bm25Options;
      try {
        opts = validateBm25Options(JSON.parse(data.variant) as Partial<Bm25Options>);
      } catch {
        throw bad(`its options cannot be read (${data.variant.slice(0, 80)})`);
      }
      if (data.variant !== bm25Variant(opts)) throw bad(`its options are not in this version's form (${data.variant.slice(0, 80)})`);
      const vocabText = new TextDecoder().decode(part('vocab'));
      const vocab = data.params['vocabSize'] === 0 ? [] : vocabText.split('\n');
      const idx = Bm25Index.fromPostings(
        { rows: data.count, tokens: data.params['tokens'] ?? 0, vocab, offsets: new Int32Array(part('offsets')), docs: new Int32Array(part('docs')), scores: new Float64Array(part('scores')) },
        opts,
      );
      this.bm25 = idx;
      bytes = idx.bytes;
      bytesNote = 'the postings the search reads';
      Object.assign(detail, bm25Detail(idx));
    }
    this.builtOver.set(data.kind, src.count);
    return { ms: performance.now() - t0, bytes, ...(bytesNote ? { bytesNote } : {}), detail };
  }

  /**
   * Searches a built kind. `dense` answers a dense list for hybrid (the worker's exact/voy/... search).
   */
  async search(
    kind: IndexKind,
    src: VectorSource,
    req: { k: number; vector: Float32Array | null; text: string | null; options: RetrieveOptions },
    dense: (kind: IndexKind, q: Float32Array, k: number) => Promise<TopK>,
  ): Promise<KindSearch> {
    const { k, vector, text, options } = req;
    if (!this.isBuilt(kind, src.count)) throw new RagtabError('IndexEmpty', `The ${kind} index is not built over the current vectors.`);
    const n = Math.min(k, src.count);
    switch (kind) {
      case 'int8':
      case 'binary': {
        const q = vector as Float32Array;
        const want = options.rescore ?? (kind === 'int8' ? RETRIEVE_DEFAULTS.int8Rescore(n) : RETRIEVE_DEFAULTS.binaryRescore(n));
        if (!Number.isInteger(want) || want < 1) throw new RagtabError('InvalidArgument', `rescore must be a positive integer, got ${want}.`);
        const r = Math.min(Math.max(want, n), src.count);
        const store = (kind === 'int8' ? this.int8 : this.binary) as Int8Store | BinaryStore;
        const cand = store.candidates(q, r);
        return { top: rescore(cand.indices, (i) => src.dot(i, q), n), rescored: cand.indices.length, rescoredWith: 'f32' };
      }
      case 'hnsw': {
        const ef = options.ef ?? RETRIEVE_DEFAULTS.ef;
        return { top: this.hnsw.search(vector as Float32Array, n, ef), ef: Math.max(ef, n) };
      }
      case 'bm25': {
        const h = (this.bm25 as Bm25Index).search(text as string, n);
        return { top: { indices: h.indices, scores: Float32Array.from(h.scores) } };
      }
      case 'hybrid': {
        const depth = options.fusedDepth ?? RETRIEVE_DEFAULTS.fusedDepth;
        if (!Number.isInteger(depth) || depth < 1) throw new RagtabError('InvalidArgument', `fusedDepth must be a positive integer, got ${depth}.`);
        const d = Math.min(depth, src.count);
        const denseKind = options.dense ?? RETRIEVE_DEFAULTS.dense;
        const denseTop = await dense(denseKind, vector as Float32Array, d);
        const lexical = (this.bm25 as Bm25Index).search(text as string, d);
        const fused = reciprocalRankFusion([Array.from(denseTop.indices), Array.from(lexical.indices)], {
          k: options.rrfK ?? RETRIEVE_DEFAULTS.rrfK,
          limit: n,
        });
        return {
          top: { indices: Int32Array.from(fused, (f) => f.item), scores: Float32Array.from(fused, (f) => f.score) },
          fusedDepth: d,
        };
      }
      default:
        throw new RagtabError('InvalidArgument', `RetrievalKinds does not search '${kind}'.`);
    }
  }

  /** Bytes held per built kind (null where not countable). */
  bytes(kind: IndexKind): number | null {
    if (kind === 'int8') return this.int8 ? this.int8.bytes + this.int8.dims * 8 : null;
    if (kind === 'binary') return this.binary?.bytes ?? null;
    if (kind === 'hnsw') return this.hnsw.info?.layoutBytes ?? null;
    return null;
  }

  /** Whether the quantized scans run in WebAssembly SIMD here. */
  static get simd(): boolean {
    return quantSimdSupported();
  }
}
