/// <reference lib="webworker" />
/**
 * Index worker: L2-normalised vectors in one WebAssembly memory (SimdStore), searched by an exact
 * scan in WebAssembly SIMD (the ground truth; the plain JavaScript scan where SIMD does not
 * validate), and optionally a voy-search k-d tree built over the same vectors.
 * Scores are cosine similarities (dot products of unit vectors) for both kinds: voy returns no
 * distances, so they are computed here from the stored vectors.
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import type { Voy } from 'voy-search';
import type { BuildResult, IndexApi, IndexKind, IndexStats, SearchHit, SearchResult } from './api';
import { RagtabError } from '../src/core/errors';
import { normalizeRows } from '../src/core/topk';
import { SimdStore } from './lib/simd-scan';

let dims = 0;
let count = 0;
let store: SimdStore | null = null;
let ids: string[] = [];
let voy: Voy | null = null;
let voyCount = 0;

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

function checkQuery(query: Float32Array, k: number): Float32Array {
  if (dims === 0 || count === 0) throw new RagtabError('IndexEmpty', 'The index is empty: ingest a corpus first.');
  if (query.length !== dims) {
    throw new RagtabError('DimensionMismatch', `The query vector has ${query.length} dimensions, the index has ${dims}.`);
  }
  if (!Number.isInteger(k) || k < 1) throw new RagtabError('InvalidArgument', `k must be a positive integer, got ${k}.`);
  const q = Float32Array.from(query);
  normalizeRows(q, dims);
  return q;
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
    voy?.free();
    voy = null;
    voyCount = 0;
  },

  async add(newIds: string[], vectors: Float32Array) {
    const t0 = performance.now();
    if (dims === 0) throw new RagtabError('InvalidArgument', 'reset(dims) must be called before add().');
    if (vectors.length !== newIds.length * dims) {
      throw new RagtabError(
        'DimensionMismatch',
        `add(): ${newIds.length} ids but ${vectors.length / dims} vectors of ${dims} dimensions.`,
      );
    }
    normalizeRows(vectors, dims);
    count = (store as SimdStore).add(vectors);
    for (const id of newIds) ids.push(id);
    return { count, workerMs: performance.now() - t0 };
  },

  async build(kinds: IndexKind[]): Promise<BuildResult[]> {
    const out: BuildResult[] = [];
    for (const kind of kinds) {
      const t0 = performance.now();
      if (kind === 'voy') {
        const { Voy: VoyClass } = await loadVoy();
        voy?.free();
        const embeddings = new Array(count);
        for (let r = 0; r < count; r++) {
          embeddings[r] = { id: String(r), title: '', url: '', embeddings: Array.from((store as SimdStore).row(r)) };
        }
        voy = new VoyClass({ embeddings });
        voyCount = count;
      }
      const ms = performance.now() - t0;
      out.push({
        kind,
        count,
        ms,
        vectorsPerSecond: ms > 0 ? (count / ms) * 1000 : 0,
        ...(kind === 'exact' ? { scan: store && !store.simd ? ('js' as const) : ('wasm-simd' as const) } : {}),
      });
    }
    return out;
  },

  async search(query: Float32Array, k: number, kind: IndexKind): Promise<SearchResult> {
    const t0 = performance.now();
    const q = checkQuery(query, k);
    let hits: SearchHit[];
    if (kind === 'exact') {
      const top = (store as SimdStore).search(q, Math.min(k, count));
      hits = Array.from(top.indices, (index, r) => ({ index, id: ids[index] as string, score: top.scores[r] as number }));
    } else {
      if (!voy || voyCount !== count) throw new RagtabError('IndexEmpty', 'The voy index is not built over the current vectors.');
      const res = voy.search(q, Math.min(k, count));
      hits = res.neighbors.map((n) => {
        const index = Number(n.id);
        return { index, id: ids[index] as string, score: dot(index, q) };
      });
    }
    return { kind, hits, workerMs: performance.now() - t0 };
  },

  async stats(): Promise<IndexStats> {
    const built: IndexKind[] = ['exact'];
    if (voy && voyCount === count) built.push('voy');
    return { count, dims, vectorBytes: count * dims * 4, built, scan: store && !store.simd ? 'js' : 'wasm-simd' };
  },

  async memory() {
    return workerMemory(
      store && !store.simd ? 'the exact index is a JavaScript Float32Array (WebAssembly SIMD did not validate) and voy is not built' : 'no vectors have been added yet',
    );
  },
};

Comlink.expose(api);
