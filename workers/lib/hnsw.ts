/**
 * HNSW through hnswlib-wasm 0.8.2 (hnswlib compiled with emscripten; npm), for the `hnsw` index
 * kind (issue 14). Browser only: its build checks for `window` or `importScripts`, which a module
 * worker has (Node has neither: "not compiled for this environment").
 *
 * Space 'ip' (distance = 1 − dot) over the index's L2-normalised vectors, so 1 − distance is the
 * cosine, the same scale as the exact scan. Labels are row numbers. The library is loaded lazily,
 * once (its module embeds the wasm as a data: URL; `loadHnswlib` also mounts an IDBFS file system,
 * unused here, and polls it every 100 ms until it is ready: the first load pays up to ~100 ms).
 *
 * Bytes: hnswlib allocates inside its own wasm heap, which only grows; `layoutBytes` is computed
 * from hnswlib's layout (level 0: per element the vector, 2·M links + a count, the label; upper
 * levels: M links + a count each, 1/(M − 1) levels per element expected with mult = 1/ln M; a
 * 2-byte visited tag per element), `heapBytes` the library heap's size after the build.
 */
import type { HierarchicalNSW, HnswlibModule } from 'hnswlib-wasm/dist/index';
import { HNSW_DEFAULTS, type HnswBuildOptions } from '../../src/core/index-kinds';
import { RagtabError } from '../../src/core/errors';
import type { TopK } from '../../src/core/topk';

let lib: Promise<HnswlibModule> | null = null;
function loadLib(): Promise<HnswlibModule> {
  lib ??= import('hnswlib-wasm').then((m) => m.loadHnswlib());
  return lib;
}

export interface HnswBuild {
  ms: number;
  /** Points per addPoints call (1: one addPoint call per point, as phase A built). */
  batch: number;
  options: HnswBuildOptions;
  layoutBytes: number;
  heapBytes: number;
}

/** Points per addPoints call in a build. */
export const HNSW_BATCH = 1024;

export function validateHnswOptions(o: Partial<HnswBuildOptions> = {}): HnswBuildOptions {
  const opts = { ...HNSW_DEFAULTS, ...o };
  if (!Number.isInteger(opts.m) || opts.m < 2 || opts.m > 100) throw new RagtabError('InvalidArgument', `HNSW M must be an integer from 2 to 100, got ${opts.m}.`);
  if (!Number.isInteger(opts.efConstruction) || opts.efConstruction < 1) {
    throw new RagtabError('InvalidArgument', `HNSW efConstruction must be a positive integer, got ${opts.efConstruction}.`);
  }
  if (!Number.isInteger(opts.seed)) throw new RagtabError('InvalidArgument', `HNSW seed must be an integer, got ${opts.seed}.`);
  return opts;
}

export class HnswIndex {
  private index: HierarchicalNSW | null = null;
  count = 0;
  dims = 0;
  info: HnswBuild | null = null;

  /**
   * Builds over `count` rows given by `row(i)` (unit vectors), replacing any earlier graph. Points
   * go in `batch` at a time through `addPoints` (HNSW_BATCH by default): hnswlib-wasm's `addPoint`
   * rebuilds its cache of used labels (every label so far) after each point, so one call per point
   * makes the build quadratic (measured: README-retrieval.md); `addPoints` does it once per call.
   * `onProgress(done, count)` after each batch. Insertion order and labels are the same either way.
   */
  async build(
    dims: number,
    count: number,
    row: (i: number) => Float32Array,
    o: Partial<HnswBuildOptions> = {},
    opts: { batch?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<HnswBuild> {
    const options = validateHnswOptions(o);
    if (count < 1) throw new RagtabError('IndexEmpty', 'HNSW: no vectors to build over.');
    const batch = opts.batch ?? HNSW_BATCH;
    if (!Number.isInteger(batch) || batch < 1) throw new RagtabError('InvalidArgument', `HNSW batch must be a positive integer, got ${batch}.`);
    const t0 = performance.now();
    const m = await loadLib();
    this.free();
    const index = new m.HierarchicalNSW('ip', dims, '');
    index.initIndex(count, options.m, options.efConstruction, options.seed);
    if (batch === 1) {
      for (let i = 0; i < count; i++) {
        index.addPoint(row(i), i, false);
        if (opts.onProgress && ((i + 1) % 1024 === 0 || i + 1 === count)) opts.onProgress(i + 1, count);
      }
    } else {
      for (let s = 0; s < count; s += batch) {
        const n = Math.min(batch, count - s);
        const items = Array.from({ length: n }, (_, j) => row(s + j));
        index.addPoints(items, Array.from({ length: n }, (_, j) => s + j), false);
        opts.onProgress?.(s + n, count);
      }
    }
    this.index = index;
    this.count = count;
    this.dims = dims;
    const M = options.m;
    const level0 = count * (dims * 4 + (2 * M * 4 + 4) + 4);
    const upper = (count / (M - 1)) * (M * 4 + 4);
    this.info = {
      ms: performance.now() - t0,
      batch,
      options,
      layoutBytes: Math.round(level0 + upper + count * 2),
      heapBytes: (m as unknown as { HEAP8: Int8Array }).HEAP8.buffer.byteLength,
    };
    return this.info;
  }

  get built(): boolean {
    return this.index !== null;
  }

  /** The k nearest by the graph with beam `ef` (raised to k when smaller); scores are cosines. */
  search(query: Float32Array, k: number, ef: number): TopK {
    if (!this.index) throw new RagtabError('IndexEmpty', 'The HNSW index is not built.');
    if (!Number.isInteger(ef) || ef < 1) throw new RagtabError('InvalidArgument', `HNSW ef must be a positive integer, got ${ef}.`);
    const n = Math.min(k, this.count);
    this.index.setEfSearch(Math.max(ef, n));
    const res = this.index.searchKnn(query, n, undefined);
    // hnswlib returns nearest first; keep ties by the lower row, as the other kinds do
    const order = res.neighbors.map((r, i) => ({ r, s: 1 - (res.distances[i] as number) }));
    order.sort((a, b) => b.s - a.s || a.r - b.r);
    return { indices: Int32Array.from(order, (o) => o.r), scores: Float32Array.from(order, (o) => o.s) };
  }

  free(): void {
    (this.index as unknown as { delete?: () => void } | null)?.delete?.();
    this.index = null;
    this.count = 0;
    this.info = null;
  }
}
