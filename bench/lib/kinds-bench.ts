/**
 * The `kinds` section of bench:retrieval, run in bench/kinds.html (`window.kinds.bench`, `hnswProbe`):
 * the quantized scans, HNSW, BM25 and hybrid measured in this tab beside the f32 SIMD scan and the
 * memory-bandwidth reference, alternated query by query so machine load hits them alike. Nothing
 * here asserts: it only measures.
 */
import { Bm25Index } from '../../src/core/bm25';
import { Int8Fit } from '../../src/core/quantize';
import { reciprocalRankFusion } from '../../src/core/rrf';
import { RETRIEVE_DEFAULTS, HNSW_DEFAULTS } from '../../src/core/index-kinds';
import type { TopK } from '../../src/core/topk';
import { SimdStore } from '../../workers/lib/simd-scan';
import { BinaryStore, Int8Store, rescore } from '../../workers/lib/quant-scan';
import { HnswIndex } from '../../workers/lib/hnsw';
import { pct, randomUnitVectors } from './vectors';
import { logAs, percentiles } from './page-util';

const log = logAs('kinds');

import type { Percentiles } from './page-util';
export type { Percentiles };

export interface VectorSetSpec {
  label: string;
  dims: number;
  /** Seeded random unit vectors (bench/lib/vectors.ts). */
  random?: { count: number; seed: number; querySeed: number; queries: number };
  /** Vectors and query vectors as raw little-endian f32 files served to the page. */
  files?: { vectors: string; queries: string; count: number; queryCount: number };
  /** Chunk texts (JSON array of strings, aligned with the vectors) and query texts: BM25 and hybrid. */
  texts?: { chunks: string; queries: string[] };
}

export interface KindsBenchOptions {
  sets: VectorSetSpec[];
  k: number;
  warmup: number;
  /** Timed queries per kind (cycling over the set's queries). */
  queries: number;
  int8Rescore: number;
  binaryRescore: number;
  hnsw: { sizes: number[]; efs: number[]; m: number; efConstruction: number } | null;
  /** Hits kept per query for quality (document level, computed by the caller). */
  depth: number;
  fusedDepth: number;
}

export interface QuantFigures {
  buildMs: number;
  bytes: number;
  ms: Percentiles;
  /** p50 ÷ the reference p50 of the same run. */
  overReference: number | null;
  /** Tie-aware (see `hits`). */
  recallAt10: number;
  /** Ids only. */
  recallAt10Strict: number;
  rescored: number;
}

export interface SetFigures {
  label: string;
  count: number;
  dims: number;
  vectorBytes: number;
  referenceMs: Percentiles;
  exactMs: Percentiles;
  exactOverReference: number | null;
  int8: QuantFigures;
  binary: QuantFigures;
  hnsw: Array<{ size: number; buildMs: number; bytes: number; heapBytes: number; efs: Array<{ ef: number; ms: Percentiles; recallAt10: number; recallAt10Strict: number }> }>;
  /** ms: the top-k over wink's term scores (what the index worker runs); winkMs: wink's own search (full sort), alternated with it. */
  bm25: { buildMs: number; tokens: number; bytes: number | null; ms: Percentiles; winkMs: Percentiles; mismatches: number } | null;
  hybrid: { ms: Percentiles } | null;
  /** Top `depth` rows per query (in query order) for quality, per kind. */
  rankings: Record<string, number[][]>;
}

const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

async function fetchF32(url: string): Promise<Float32Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Float32Array(await res.arrayBuffer());
}

/** Tie tolerance of recall: far below any quantization step, above f32 summation-order noise. */
const TIE_EPS = 1e-6;

/**
 * Hits of `a`'s top k in the exact top k `b`, tie-aware: a row also counts when its exact score
 * (`score(row)`) is within TIE_EPS of the exact k-th score. Static embeddings give many rows the
 * same vector up to summation order (8-token chunks with the same tokens), and which of those the
 * exact scan puts 10th is then an accident of rounding. `strict` counts ids only.
 */
function hits(a: TopK, b: TopK, k: number, score: (row: number) => number): { strict: number; tieAware: number } {
  const want = new Set(Array.from(b.indices.subarray(0, k)));
  const kth = (b.scores[Math.min(k, b.scores.length) - 1] as number) - TIE_EPS;
  let strict = 0;
  let tieAware = 0;
  for (const i of a.indices.subarray(0, k)) {
    if (want.has(i)) {
      strict++;
      tieAware++;
    } else if (score(i) >= kth) tieAware++;
  }
  return { strict, tieAware };
}

function dotRow(v: Float32Array, dims: number, r: number, q: Float32Array): number {
  let s = 0;
  const off = r * dims;
  for (let j = 0; j < dims; j++) s += (v[off + j] as number) * (q[j] as number);
  return s;
}

async function benchSet(spec: VectorSetSpec, o: KindsBenchOptions): Promise<SetFigures> {
  const dims = spec.dims;
  let vectors: Float32Array;
  let queries: Float32Array;
  if (spec.random) {
    vectors = randomUnitVectors(spec.random.count, dims, spec.random.seed);
    queries = randomUnitVectors(spec.random.queries, dims, spec.random.querySeed);
  } else if (spec.files) {
    vectors = await fetchF32(spec.files.vectors);
    queries = await fetchF32(spec.files.queries);
  } else throw new Error(`set ${spec.label}: no vectors`);
  const count = vectors.length / dims;
  const nq = queries.length / dims;
  const qAt = (i: number) => queries.subarray((i % nq) * dims, ((i % nq) + 1) * dims);
  log(`${spec.label}: ${count} × ${dims}, ${nq} queries`);
  await nextFrame();

  const store = new SimdStore(dims, { initialCapacity: count });
  store.add(vectors);
  const exactTop: TopK[] = [];
  for (let i = 0; i < nq; i++) exactTop.push(store.search(qAt(i), o.depth));

  let t0 = performance.now();
  const fit = new Int8Fit(dims).add(vectors);
  const i8 = new Int8Store(fit.params(), { initialCapacity: count });
  i8.add(vectors);
  const int8Build = performance.now() - t0;
  t0 = performance.now();
  const bin = new BinaryStore(dims, { initialCapacity: count });
  bin.add(vectors);
  const binBuild = performance.now() - t0;

  const dot = (r: number, q: Float32Array) => dotRow(vectors, dims, r, q);
  const int8Search = (q: Float32Array, k: number) => rescore(i8.candidates(q, Math.max(o.int8Rescore, k)).indices, (r) => dot(r, q), k);
  const binSearch = (q: Float32Array, k: number) => rescore(bin.candidates(q, Math.max(o.binaryRescore, k)).indices, (r) => dot(r, q), k);

  // alternate query by query: exact, reference, int8, binary
  const ms = { exact: [] as number[], ref: [] as number[], int8: [] as number[], binary: [] as number[] };
  let sink = 0;
  const int8Hits = { strict: 0, tieAware: 0 };
  const binHits = { strict: 0, tieAware: 0 };
  const add = (acc: { strict: number; tieAware: number }, h: { strict: number; tieAware: number }) => {
    acc.strict += h.strict;
    acc.tieAware += h.tieAware;
  };
  for (let i = 0; i < o.warmup + o.queries; i++) {
    const q = qAt(i);
    const a = performance.now();
    store.search(q, o.k);
    const b = performance.now();
    sink += store.touchAll();
    const c = performance.now();
    const ti = int8Search(q, o.k);
    const d = performance.now();
    const tb = binSearch(q, o.k);
    const e = performance.now();
    if (i >= o.warmup) {
      ms.exact.push(b - a);
      ms.ref.push(c - b);
      ms.int8.push(d - c);
      ms.binary.push(e - d);
      const want = exactTop[i % nq] as TopK;
      add(int8Hits, hits(ti, want, o.k, (r) => dot(r, q)));
      add(binHits, hits(tb, want, o.k, (r) => dot(r, q)));
    }
  }
  log(`${spec.label}: reference sum ${sink.toFixed(1)}`);
  const ref50 = pct(ms.ref, 0.5);
  const over = (s: number[]) => (ref50 ? (pct(s, 0.5) as number) / ref50 : null);
  const quant = (buildMs: number, bytes: number, s: number[], h: { strict: number; tieAware: number }, rescored: number): QuantFigures => ({
    buildMs,
    bytes,
    ms: percentiles(s),
    overReference: over(s),
    recallAt10: h.tieAware / (o.queries * o.k),
    recallAt10Strict: h.strict / (o.queries * o.k),
    rescored,
  });

  const rankings: Record<string, number[][]> = { exact: exactTop.map((t) => Array.from(t.indices)) };
  if (spec.texts) {
    rankings['int8'] = Array.from({ length: nq }, (_, i) => Array.from(int8Search(qAt(i), o.depth).indices));
    rankings['binary'] = Array.from({ length: nq }, (_, i) => Array.from(binSearch(qAt(i), o.depth).indices));
  }

  // HNSW: builds over the first `size` rows; recall against the exact scan over the same rows
  const hnswOut: SetFigures['hnsw'] = [];
  if (o.hnsw) {
    for (const size of o.hnsw.sizes.filter((s) => s <= count)) {
      log(`${spec.label}: hnsw over ${size} (M ${o.hnsw.m}, efConstruction ${o.hnsw.efConstruction})`);
      await nextFrame();
      const sub = size === count ? store : new SimdStore(dims, { initialCapacity: size });
      if (sub !== store) sub.add(vectors.subarray(0, size * dims));
      const truth = Array.from({ length: nq }, (_, i) => sub.search(qAt(i), o.k));
      const h = new HnswIndex();
      const info = await h.build(dims, size, (r) => vectors.subarray(r * dims, (r + 1) * dims), { m: o.hnsw.m, efConstruction: o.hnsw.efConstruction, seed: HNSW_DEFAULTS.seed });
      const efs = [];
      for (const ef of o.hnsw.efs) {
        const s: number[] = [];
        const hh = { strict: 0, tieAware: 0 };
        for (let i = 0; i < o.warmup + o.queries; i++) {
          const t = performance.now();
          const top = h.search(qAt(i), o.k, ef);
          const dt = performance.now() - t;
          if (i >= o.warmup) {
            s.push(dt);
            add(hh, hits(top, truth[i % nq] as TopK, o.k, (r) => dot(r, qAt(i))));
          }
        }
        efs.push({ ef, ms: percentiles(s), recallAt10: hh.tieAware / (o.queries * o.k), recallAt10Strict: hh.strict / (o.queries * o.k) });
      }
      if (spec.texts && size === count) {
        rankings['hnsw'] = Array.from({ length: nq }, (_, i) => Array.from(h.search(qAt(i), o.depth, Math.max(RETRIEVE_DEFAULTS.ef, o.depth)).indices));
      }
      hnswOut.push({ size, buildMs: info.ms, bytes: info.layoutBytes, heapBytes: info.heapBytes, efs });
      h.free();
    }
  }

  let bm25: SetFigures['bm25'] = null;
  let hybrid: SetFigures['hybrid'] = null;
  if (spec.texts) {
    const res = await fetch(spec.texts.chunks);
    const chunkTexts = (await res.json()) as string[];
    log(`${spec.label}: bm25 over ${chunkTexts.length} chunk texts`);
    await nextFrame();
    const t = performance.now();
    const idx = new Bm25Index();
    idx.add(chunkTexts);
    idx.build();
    const buildMs = performance.now() - t;
    const qt = spec.texts.queries;
    const bmMs: number[] = [];
    const winkMs: number[] = [];
    let mismatches = 0;
    const hyMs: number[] = [];
    const hybridOf = (i: number, limit: number) => {
      const q = qAt(i);
      const dense = store.search(q, o.fusedDepth);
      const lex = idx.search(qt[i % qt.length] as string, o.fusedDepth);
      return reciprocalRankFusion([Array.from(dense.indices), Array.from(lex.indices)], { k: RETRIEVE_DEFAULTS.rrfK, limit });
    };
    for (let i = 0; i < o.warmup + o.queries; i++) {
      const text = qt[i % qt.length] as string;
      const a = performance.now();
      const mine = idx.search(text, o.k);
      const b = performance.now();
      hybridOf(i, o.k);
      const c = performance.now();
      const wink = idx.searchWink(text, o.k);
      const d = performance.now();
      if (i >= o.warmup) {
        bmMs.push(b - a);
        hyMs.push(c - b);
        winkMs.push(d - c);
        if (mine.indices.join() !== wink.indices.join()) mismatches++;
      }
    }
    bm25 = { buildMs, tokens: idx.tokenCount, bytes: idx.bytes, ms: percentiles(bmMs), winkMs: percentiles(winkMs), mismatches };
    hybrid = { ms: percentiles(hyMs) };
    rankings['bm25'] = qt.map((q) => Array.from(idx.search(q, o.depth).indices));
    rankings['hybrid'] = qt.map((_, i) => hybridOf(i, o.depth).map((f) => f.item));
  }

  return {
    label: spec.label,
    count,
    dims,
    vectorBytes: count * dims * 4,
    referenceMs: percentiles(ms.ref),
    exactMs: percentiles(ms.exact),
    exactOverReference: over(ms.exact),
    int8: quant(int8Build, i8.bytes + dims * 8, ms.int8, int8Hits, Math.max(o.int8Rescore, o.k)),
    binary: quant(binBuild, bin.bytes, ms.binary, binHits, Math.max(o.binaryRescore, o.k)),
    hnsw: hnswOut,
    bm25,
    hybrid,
    rankings,
  };
}

export async function bench(o: KindsBenchOptions): Promise<{ sets: SetFigures[] }> {
  const sets: SetFigures[] = [];
  for (const s of o.sets) sets.push(await benchSet(s, o));
  return { sets };
}

// ───────────────────────── storage prototype (phase B design) ─────────────────────────
// The page's own IndexedDB database (not src/storage's schema): blocks of 1,024 rows as ArrayBuffer
// values (WebKit's ephemeral sessions refuse Blobs), one record for the int8 params. Measures the
// cold load of a stored int8 index until its first answer, beside the same for the f32 blocks.

export interface HnswProbeSpec {
  /** Random unit vectors (seeded) or a raw f32 file served to the page. */
  random?: { count: number; dims: number; seed: number };
  file?: { url: string; dims: number };
  size: number;
  /** Points per addPoints call; 1 = one addPoint call per point (phase A's build). */
  batch: number;
  m: number;
  efConstruction: number;
  /** Queries (rows of the set, spread over it) to measure recall@10 at these ef values against the exact scan. */
  efs?: number[];
  queries?: number;
}

/** One HNSW build over the first `size` rows, timed, and its recall@10 against the exact scan. */
export async function hnswProbe(o: HnswProbeSpec): Promise<{ size: number; batch: number; m: number; efConstruction: number; buildMs: number; efs: Array<{ ef: number; recallAt10: number; p50: number | null }> }> {
  let vectors: Float32Array;
  let dims: number;
  if (o.random) {
    dims = o.random.dims;
    vectors = randomUnitVectors(o.random.count, dims, o.random.seed);
  } else if (o.file) {
    dims = o.file.dims;
    vectors = await fetchF32(o.file.url);
  } else throw new Error('hnswProbe: no vectors');
  const size = Math.min(o.size, vectors.length / dims);
  await nextFrame();
  const h = new HnswIndex();
  const info = await h.build(dims, size, (r) => vectors.subarray(r * dims, (r + 1) * dims), { m: o.m, efConstruction: o.efConstruction, seed: HNSW_DEFAULTS.seed }, { batch: o.batch });
  const efs: Array<{ ef: number; recallAt10: number; p50: number | null }> = [];
  if (o.efs?.length) {
    const store = new SimdStore(dims, { initialCapacity: size });
    store.add(vectors.subarray(0, size * dims));
    const nq = o.queries ?? 50;
    // queries: rows of the set, perturbed (a row itself would be its own nearest neighbour)
    const qs = Array.from({ length: nq }, (_, i) => {
      const r = Math.floor(((i + 0.5) * size) / nq);
      const q = vectors.slice(r * dims, (r + 1) * dims);
      const noise = randomUnitVectors(1, dims, 1000 + i);
      for (let j = 0; j < dims; j++) q[j] = (q[j] as number) + 0.5 * (noise[j] as number);
      return q;
    });
    const truth = qs.map((q) => store.search(q, 10));
    for (const ef of o.efs) {
      let hit = 0;
      const ms: number[] = [];
      qs.forEach((q, i) => {
        const t = performance.now();
        const top = h.search(q, 10, ef);
        ms.push(performance.now() - t);
        const want = new Set(Array.from((truth[i] as TopK).indices));
        for (const x of top.indices) if (want.has(x)) hit++;
      });
      efs.push({ ef, recallAt10: hit / (nq * 10), p50: pct(ms, 0.5) });
    }
  }
  h.free();
  return { size, batch: info.batch, m: o.m, efConstruction: o.efConstruction, buildMs: info.ms, efs };
}

