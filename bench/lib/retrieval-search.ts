/**
 * The retrieval benchmark page's search section (b): the plain JavaScript scan, the WebAssembly
 * SIMD scan, two workers on one shared memory, voy, and the memory-bandwidth reference over the
 * same bytes, query by query.
 */
import * as Comlink from 'comlink';
import { Voy } from 'voy-search';
import { SimdStore, mergeTopK } from '../../workers/lib/simd-scan';
import { exactTopK, type TopK } from '../../src/core/topk';
import type { RoundTripApi, SharedLayout } from '../roundtrip.worker';
import { DIMS, QUERY_SEED, VECTOR_SEED, checksum, pct, randomUnitVectors } from './vectors';
import { log, nextFrame, percentiles, type Percentiles } from './page-util';

// ─────────────────────────────── (b) search ───────────────────────────────

export interface SearchOptions {
  sizes: number[];
  /** Timed queries per method (after `warmup` untimed ones). */
  queries: number;
  warmup: number;
  k: number;
  /** Timed queries for the plain JavaScript scan (slow: fewer are enough). */
  jsQueries: number;
  voy: boolean;
  /** Also the scan split over two workers on one shared WebAssembly.Memory. */
  twoWorkers: boolean;
}

export interface SearchSize {
  count: number;
  dims: number;
  /** FNV-1a of the vectors' bits (the Node side checks it sees the same vectors). */
  vectorsChecksum: string;
  queriesChecksum: string;
  vectorBytes: number;
  jsMs: Percentiles;
  simdMs: Percentiles;
  /** SIMD sum over the same vector bytes (each read once): the memory-bandwidth reference. */
  referenceMs: Percentiles;
  /** vectorBytes / reference p50, GB/s. */
  referenceGBps: number | null;
  /** SIMD scan p50 / reference p50. */
  simdOverReference: number | null;
  jsOverReference: number | null;
  /** Queries where the SIMD top-k ids differ from the JavaScript scan's. */
  simdMismatches: number;
  twoWorkersMs: Percentiles | null;
  twoWorkersMismatches: number | null;
  voyBuildMs: number | null;
  voyMs: Percentiles | null;
  /** Voy's recall@k against the exact scan (1.0 expected: it is an exact k-d tree). */
  voyRecall: number | null;
  simdEngine: boolean;
}

function sameIds(a: TopK, b: TopK): boolean {
  if (a.indices.length !== b.indices.length) return false;
  for (let i = 0; i < a.indices.length; i++) if (a.indices[i] !== b.indices[i]) return false;
  return true;
}

function timeLoop(n: number, warmup: number, fn: (i: number) => void): number[] {
  for (let i = 0; i < warmup; i++) fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Two workers, each scanning half of one shared store; the page merges their top k. */
async function twoWorkerScan(
  vectors: Float32Array,
  count: number,
  dims: number,
  queries: Float32Array,
  nq: number,
  warmup: number,
  k: number,
  reference: TopK[],
): Promise<{ ms: number[]; mismatches: number }> {
  const stride = Math.ceil(dims / 4) * 4;
  const half = Math.ceil(count / 2);
  const vecPtr = Math.ceil((stride * 4) / 64) * 64;
  const out0 = vecPtr + count * stride * 4;
  const out1 = out0 + Math.ceil((half * 4) / 64) * 64;
  const bytes = out1 + half * 4;
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const f32 = new Float32Array(memory.buffer);
  if (stride === dims) f32.set(vectors.subarray(0, count * dims), vecPtr >> 2);
  else for (let r = 0; r < count; r++) f32.set(vectors.subarray(r * dims, (r + 1) * dims), (vecPtr >> 2) + r * stride);
  const workers = [0, 1].map(() => new Worker(new URL('../roundtrip.worker.ts', import.meta.url), { type: 'module' }));
  const apis = workers.map((w) => Comlink.wrap<RoundTripApi>(w));
  try {
    await Promise.all(apis.map((a, i) => a.attachShared(memory, { vecPtr, stride, queryPtr: 0, outPtr: i === 0 ? out0 : out1 } satisfies SharedLayout)));
    const ms: number[] = [];
    let mismatches = 0;
    for (let i = 0; i < warmup + nq; i++) {
      const q = queries.subarray((i % nq) * dims, (i % nq + 1) * dims);
      const t0 = performance.now();
      f32.set(q, 0);
      const parts = await Promise.all([apis[0]!.searchShared(0, half, k), apis[1]!.searchShared(half, count - half, k)]);
      const top = mergeTopK(parts, k);
      const dt = performance.now() - t0;
      if (i >= warmup) {
        ms.push(dt);
        if (!sameIds(top, reference[i % nq] as TopK)) mismatches++;
      }
    }
    return { ms, mismatches };
  } finally {
    apis.forEach((a) => a[Comlink.releaseProxy]());
    workers.forEach((w) => w.terminate());
  }
}

export async function search(o: SearchOptions): Promise<{ sizes: SearchSize[] }> {
  const dims = DIMS;
  const maxCount = Math.max(...o.sizes);
  const all = randomUnitVectors(maxCount, dims, VECTOR_SEED);
  const nq = o.queries;
  const queries = randomUnitVectors(nq, dims, QUERY_SEED);
  const qAt = (i: number) => queries.subarray((i % nq) * dims, ((i % nq) + 1) * dims);
  const sizes: SearchSize[] = [];
  for (const count of o.sizes) {
    const vectors = all.subarray(0, count * dims);
    log(`search: ${count} × ${dims}`);
    await nextFrame();

    // exact, SIMD (the reference results for everything else)
    const store = new SimdStore(dims, { initialCapacity: count });
    store.add(vectors);
    const simdTop: TopK[] = [];
    for (let i = 0; i < nq; i++) simdTop.push(store.search(qAt(i), o.k));
    // the scan and the reference read alternate query by query, so a change in machine load
    // (another process on the memory bus) hits both alike
    let sink = 0;
    const simdMs: number[] = [];
    const refMs: number[] = [];
    for (let i = 0; i < o.warmup + nq; i++) {
      const t0 = performance.now();
      store.search(qAt(i), o.k);
      const t1 = performance.now();
      sink += store.touchAll();
      const t2 = performance.now();
      if (i >= o.warmup) {
        simdMs.push(t1 - t0);
        refMs.push(t2 - t1);
      }
    }

    // exact, plain JavaScript
    let simdMismatches = 0;
    const jsMs = timeLoop(Math.min(o.jsQueries, nq), Math.min(o.warmup, 3), (i) => {
      const r = exactTopK(vectors, dims, count, qAt(i), o.k);
      if (!sameIds(r, simdTop[i % nq] as TopK)) simdMismatches++;
    });
    await nextFrame();

    let two: { ms: number[]; mismatches: number } | null = null;
    if (o.twoWorkers && self.crossOriginIsolated) {
      two = await twoWorkerScan(vectors, count, dims, queries, nq, o.warmup, o.k, simdTop);
    }

    let voyBuildMs: number | null = null;
    let voyMs: number[] | null = null;
    let voyRecall: number | null = null;
    if (o.voy) {
      const embeddings = [];
      for (let r = 0; r < count; r++) {
        embeddings.push({ id: String(r), title: '', url: '', embeddings: Array.from(vectors.subarray(r * dims, (r + 1) * dims)) });
      }
      await nextFrame();
      const b0 = performance.now();
      const voy = new Voy({ embeddings });
      voyBuildMs = performance.now() - b0;
      embeddings.length = 0;
      let hits = 0;
      let wanted = 0;
      const voyQueries = Math.min(nq, o.jsQueries * 2);
      voyMs = timeLoop(voyQueries, Math.min(o.warmup, 3), (i) => {
        const res = voy.search(qAt(i), o.k);
        const want = new Set(Array.from((simdTop[i % nq] as TopK).indices));
        wanted += want.size;
        for (const n of res.neighbors) if (want.has(Number(n.id))) hits++;
      });
      voyRecall = wanted ? hits / wanted : null;
      voy.free();
    }

    const ref = pct(refMs, 0.5);
    const simd50 = pct(simdMs, 0.5);
    const js50 = pct(jsMs, 0.5);
    sizes.push({
      count,
      dims,
      vectorsChecksum: checksum(vectors),
      queriesChecksum: checksum(queries),
      vectorBytes: count * dims * 4,
      jsMs: percentiles(jsMs),
      simdMs: percentiles(simdMs),
      referenceMs: percentiles(refMs),
      referenceGBps: ref ? (count * dims * 4) / ref / 1e6 : null,
      simdOverReference: ref && simd50 ? simd50 / ref : null,
      jsOverReference: ref && js50 ? js50 / ref : null,
      simdMismatches,
      twoWorkersMs: two ? percentiles(two.ms) : null,
      twoWorkersMismatches: two ? two.mismatches : null,
      voyBuildMs,
      voyMs: voyMs ? percentiles(voyMs) : null,
      voyRecall,
      simdEngine: store.simd && Number.isFinite(sink),
    });
  }
  return { sizes };
}

