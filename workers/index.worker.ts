/// <reference lib="webworker" />
/**
 * Index worker: L2-normalised vectors in one WebAssembly memory (SimdStore), searched by an exact
 * scan in WebAssembly SIMD (the ground truth; the plain JavaScript scan where SIMD does not
 * validate), and optionally, over the same vectors (and, for bm25/hybrid, the chunk texts):
 * voy-search's k-d tree, int8 and binary quantized scans rescored in f32, an hnswlib-wasm graph,
 * BM25 and the RRF hybrid (workers/lib/retrieval-kinds.ts; the kinds: src/core/index-kinds.ts).
 * Vector kinds score by cosine (voy returns no distances, so they are computed here from the stored
 * vectors; int8/binary candidates are rescored in f32); bm25 by its sum; hybrid by RRF.
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import { alive } from './lib/alive';
import type { Voy } from 'voy-search';
import type { BuildProgress, BuildResult, IndexApi, IndexBuildOptions, IndexKind, IndexStats, KindData, RetrieveRequest, SearchResult, StoredKind } from './api';
import { RagtabError } from '../src/core/errors';
import { isIndexKind, isStoredKind, kindRefusal, needsText, needsVector, scoreKind } from '../src/core/index-kinds';
import { normalizeRows, type TopK } from '../src/core/topk';
import { SimdStore } from './lib/simd-scan';
import { RetrievalKinds, type VectorSource } from './lib/retrieval-kinds';

let dims = 0;
let count = 0;
let store: SimdStore | null = null;
let ids: string[] = [];
let texts: Array<string | undefined> = [];
let voy: Voy | null = null;
let voyCount = 0;
const kinds = new RetrievalKinds();

/**
 * voy's wasm is instantiated with a top-level await when its module is evaluated. Imported
 * statically, that delays Comlink.expose() and the first messages to this worker are lost, so it is
 * loaded lazily, once, on the first build.
 */
let voyModule: Promise<typeof import('voy-search')> | null = null;
function loadVoy(): Promise<typeof import('voy-search')> {
  voyModule ??= import('voy-search');
  return voyModule;
}

function dot(row: number, q: Float32Array): number {
  const v = (store as SimdStore).row(row);
  let s = 0;
  for (let j = 0; j < dims; j++) s += (v[j] as number) * (q[j] as number);
  return s;
}

const source: VectorSource = {
  get dims() {
    return dims;
  },
  get count() {
    return count;
  },
  row: (i) => (store as SimdStore).row(i),
  dot,
};

function checkIndex(k: number): void {
  if (dims === 0 || count === 0) throw new RagtabError('IndexEmpty', 'The index is empty: ingest a corpus first.');
  if (!Number.isInteger(k) || k < 1) throw new RagtabError('InvalidArgument', `k must be a positive integer, got ${k}.`);
}

function checkQuery(query: Float32Array): Float32Array {
  if (query.length !== dims) {
    throw new RagtabError('DimensionMismatch', `The query vector has ${query.length} dimensions, the index has ${dims}.`);
  }
  const q = Float32Array.from(query);
  normalizeRows(q, dims);
  return q;
}

/** Refusals found before anything is built, so one bad kind builds nothing. */
function checkBuildable(kind: IndexKind): void {
  if (!isIndexKind(kind)) throw new RagtabError('InvalidArgument', `Unknown index kind '${String(kind)}'.`);
  const refusal = kindRefusal(kind, dims);
  if (refusal) throw new RagtabError('IndexUnsupported', refusal);
  if (needsText(kind)) {
    const missing = texts.filter((t) => t === undefined).length;
    if (missing > 0) {
      throw new RagtabError('IndexUnsupported', `${kind} needs the chunk texts: ${missing} of ${count} vectors were added without one (pass texts to add()).`);
    }
  }
}

async function denseTop(kind: IndexKind, q: Float32Array, k: number): Promise<TopK> {
  if (kind === 'exact') return (store as SimdStore).search(q, Math.min(k, count));
  if (kind === 'voy') {
    if (!voy || voyCount !== count) throw new RagtabError('IndexEmpty', 'The voy index is not built over the current vectors.');
    const res = voy.search(q, Math.min(k, count));
    const rows = res.neighbors.map((n) => Number(n.id));
    return { indices: Int32Array.from(rows), scores: Float32Array.from(rows, (r) => dot(r, q)) };
  }
  if (!needsText(kind)) return (await kinds.search(kind, source, { k, vector: q, text: null, options: {} }, denseTop)).top;
  throw new RagtabError('InvalidArgument', `'${kind}' is not a dense kind.`);
}

const api: IndexApi = {
  async reset(d: number) {
    if (!Number.isInteger(d) || d < 1) throw new RagtabError('InvalidArgument', `Invalid dimensionality ${d}.`);
    // Same width: keep the store's memory (a new one would leave the old counted until collected).
    if (store && store.dims === d) store.clear();
    else store = new SimdStore(d);
    dims = d;
    count = 0;
    ids = [];
    texts = [];
    voy?.free();
    voy = null;
    voyCount = 0;
    kinds.reset();
  },

  async add(newIds: string[], vectors: Float32Array, newTexts?: string[]) {
    const t0 = performance.now();
    if (dims === 0) throw new RagtabError('InvalidArgument', 'reset(dims) must be called before add().');
    if (vectors.length !== newIds.length * dims) {
      throw new RagtabError(
        'DimensionMismatch',
        `add(): ${newIds.length} ids but ${vectors.length / dims} vectors of ${dims} dimensions.`,
      );
    }
    if (newTexts !== undefined && newTexts.length !== newIds.length) {
      throw new RagtabError('InvalidArgument', `add(): ${newIds.length} ids but ${newTexts.length} texts.`);
    }
    normalizeRows(vectors, dims);
    count = (store as SimdStore).add(vectors);
    for (let i = 0; i < newIds.length; i++) {
      ids.push(newIds[i] as string);
      texts.push(newTexts?.[i]);
    }
    return { count, workerMs: performance.now() - t0 };
  },

  async build(asked: IndexKind[], options: IndexBuildOptions = {}, onProgress?: (p: BuildProgress) => void): Promise<BuildResult[]> {
    for (const kind of asked) checkBuildable(kind);
    // hybrid after the kinds it fuses (it reuses their builds)
    const list = [...asked.filter((k) => k !== 'hybrid'), ...asked.filter((k) => k === 'hybrid')];
    const out: BuildResult[] = [];
    for (const kind of list) {
      const t0 = performance.now();
      onProgress?.({ kind, done: 0, total: count });
      let extra: Partial<BuildResult> = {};
      if (kind === 'exact') {
        extra = { scan: store && !store.simd ? 'js' : 'wasm-simd', bytes: count * dims * 4 };
      } else if (kind === 'voy') {
        const { Voy: VoyClass } = await loadVoy();
        voy?.free();
        const embeddings = new Array(count);
        for (let r = 0; r < count; r++) {
          embeddings[r] = { id: String(r), title: '', url: '', embeddings: Array.from((store as SimdStore).row(r)) };
        }
        voy = new VoyClass({ embeddings });
        voyCount = count;
        extra = { bytes: null, bytesNote: "inside voy's own wasm memory (counted in the worker's WASM bytes, not apart)" };
      } else {
        const b = await kinds.build(kind, source, texts, options, onProgress ? (done, total) => onProgress({ kind, done, total }) : undefined);
        extra = { bytes: b.bytes, ...(b.bytesNote ? { bytesNote: b.bytesNote } : {}), detail: b.detail };
      }
      const ms = performance.now() - t0;
      onProgress?.({ kind, done: count, total: count });
      out.push({ kind, count, ms, vectorsPerSecond: ms > 0 ? (count / ms) * 1000 : 0, ...extra });
    }
    return out;
  },

  async exportKind(kind: StoredKind): Promise<KindData> {
    if (!isStoredKind(kind)) throw new RagtabError('InvalidArgument', `'${String(kind)}' is not a kind that is stored (int8, binary, bm25).`);
    const data = kinds.export(kind, source);
    return Comlink.transfer(data, Object.values(data.parts));
  },

  async importKind(data: KindData): Promise<BuildResult> {
    if (!data || !isStoredKind(data.kind)) throw new RagtabError('InvalidArgument', `Not stored index data: kind '${String(data?.kind)}'.`);
    if (count === 0) throw new RagtabError('IndexEmpty', 'importKind(): add the rows (vectors and ids) before the stored kinds.');
    const b = kinds.import(data, source);
    return { kind: data.kind, count, ms: b.ms, vectorsPerSecond: b.ms > 0 ? (count / b.ms) * 1000 : 0, bytes: b.bytes, ...(b.bytesNote ? { bytesNote: b.bytesNote } : {}), detail: b.detail, loaded: true };
  },

  async search(query: Float32Array, k: number, kind: IndexKind): Promise<SearchResult> {
    if (needsText(kind)) throw new RagtabError('InvalidArgument', `search() takes a vector only; '${kind}' needs the query text: use retrieve().`);
    return api.retrieve({ kind, k, vector: query });
  },

  async retrieve(req: RetrieveRequest): Promise<SearchResult> {
    const t0 = performance.now();
    const { kind, k } = req;
    if (!isIndexKind(kind)) throw new RagtabError('InvalidArgument', `Unknown index kind '${String(kind)}'.`);
    checkIndex(k);
    if (needsVector(kind) && req.vector === undefined) throw new RagtabError('InvalidArgument', `'${kind}' needs the query vector.`);
    if (needsText(kind) && (req.text === undefined || req.text.trim() === '')) {
      throw new RagtabError('EmptyQuery', `'${kind}' needs the query text.`);
    }
    const q = req.vector !== undefined && needsVector(kind) ? checkQuery(req.vector) : null;
    let top: TopK;
    let extra: Partial<SearchResult> = {};
    if (kind === 'exact' || kind === 'voy') {
      top = await denseTop(kind, q as Float32Array, k);
    } else {
      const r = await kinds.search(kind, source, { k, vector: q, text: req.text ?? null, options: req.options ?? {} }, denseTop);
      top = r.top;
      extra = {
        ...(r.rescored !== undefined ? { rescored: r.rescored } : {}),
        ...(r.ef !== undefined ? { ef: r.ef } : {}),
        ...(r.fusedDepth !== undefined ? { fusedDepth: r.fusedDepth } : {}),
        ...(r.rescoredWith ? { rescoredWith: r.rescoredWith } : {}),
      };
    }
    const hits = Array.from(top.indices, (index, r) => ({ index, id: ids[index] as string, score: top.scores[r] as number }));
    return { kind, hits, workerMs: performance.now() - t0, scoreKind: scoreKind(kind), ...extra };
  },

  async stats(): Promise<IndexStats> {
    const built: IndexKind[] = ['exact'];
    if (voy && voyCount === count) built.push('voy');
    for (const kind of ['int8', 'binary', 'hnsw', 'bm25', 'hybrid'] as const) if (kinds.isBuilt(kind, count)) built.push(kind);
    return {
      count,
      dims,
      vectorBytes: count * dims * 4,
      built,
      scan: store && !store.simd ? 'js' : 'wasm-simd',
      texts: texts.filter((t) => t !== undefined).length,
    };
  },

  alive: () => alive,

  async memory() {
    return workerMemory(
      store && !store.simd ? 'the exact index is a JavaScript Float32Array (WebAssembly SIMD did not validate) and voy is not built' : 'no vectors have been added yet',
    );
  },
};

Comlink.expose(api);
