/**
 * The retrieval kinds of the index worker (issue 14), as data: one `const` list, so the vocabulary
 * lives in one place (workers/api.ts re-exports `IndexKind` from here), and the options each kind
 * takes, with their defaults. Pure: no DOM, no workers.
 *
 *   exact   f32 dot products over every vector, WebAssembly SIMD (the ground truth)
 *   voy     voy-search's k-d tree (exact; ≤ 768 dimensions, else `IndexUnsupported`)
 *   int8    scalar-quantized codes (src/core/quantize.ts) scanned with SIMD, top `rescore` rescored in f32
 *   binary  sign bits, Hamming distance with SIMD popcount, top `rescore` rescored in f32
 *   hnsw    hnswlib-wasm graph (M, efConstruction at build; ef at search)
 *   bm25    wink-bm25-text-search over the chunk texts (src/core/bm25.ts): needs texts and a query text
 *   hybrid  reciprocal rank fusion (src/core/rrf.ts) of a dense kind's list and BM25's
 */
import type { Bm25Options } from './bm25';

export const INDEX_KINDS = ['exact', 'voy', 'int8', 'binary', 'hnsw', 'bm25', 'hybrid'] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

/** Kinds searched by a query vector alone. */
export const VECTOR_KINDS = ['exact', 'voy', 'int8', 'binary', 'hnsw'] as const satisfies readonly IndexKind[];
export type VectorKind = (typeof VECTOR_KINDS)[number];

export function isIndexKind(s: unknown): s is IndexKind {
  return typeof s === 'string' && (INDEX_KINDS as readonly string[]).includes(s);
}
export function isVectorKind(s: unknown): s is VectorKind {
  return typeof s === 'string' && (VECTOR_KINDS as readonly string[]).includes(s);
}
/** Kinds whose search needs the query text (and whose build needs the chunk texts). */
export function needsText(kind: IndexKind): boolean {
  return kind === 'bm25' || kind === 'hybrid';
}
/** Kinds whose search needs the query vector. */
export function needsVector(kind: IndexKind): boolean {
  return kind !== 'bm25';
}

/** What a kind's scores are: cosine (exact, or rescored in f32), BM25 sums, RRF sums. */
export type ScoreKind = 'cosine' | 'bm25' | 'rrf';
export function scoreKind(kind: IndexKind): ScoreKind {
  return kind === 'bm25' ? 'bm25' : kind === 'hybrid' ? 'rrf' : 'cosine';
}

export interface HnswBuildOptions {
  /** Links per node (hnswlib's M). */
  m: number;
  efConstruction: number;
  /** hnswlib's random seed (level assignment): fixed, so a build is reproducible. */
  seed: number;
}

/** Options of `IndexApi.build`, per kind; every field optional (defaults below). */
export interface IndexBuildOptions {
  hnsw?: Partial<HnswBuildOptions>;
  bm25?: Partial<Bm25Options>;
}

/** Options of `IndexApi.retrieve`, per kind; every field optional (defaults below). */
export interface RetrieveOptions {
  /** int8 / binary: candidates taken from the quantized scan and rescored with the f32 vectors (≥ k). */
  rescore?: number;
  /** hnsw: the search beam (hnswlib's ef; raised to k when smaller). A sweep axis. */
  ef?: number;
  /** hybrid: items read from each list before fusing (the fused depth). */
  fusedDepth?: number;
  /** hybrid: RRF's constant. */
  rrfK?: number;
  /** hybrid: the dense list's kind. */
  dense?: VectorKind;
}

export const HNSW_DEFAULTS: Readonly<HnswBuildOptions> = Object.freeze({ m: 16, efConstruction: 200, seed: 100 });

/**
 * Defaults of a search. The rescoring depths are the smallest that met the recall targets on real
 * embeddings (msmarco-5k, lsa-wordpiece-256, 8-token chunks; bench:retrieval `*.real.*` rows).
 */
export const RETRIEVE_DEFAULTS = Object.freeze({
  /** int8: rescore max(k × 4, 40) candidates. */
  int8Rescore: (k: number) => Math.max(k * 4, 40),
  /** binary: rescore max(k × 20, 200) candidates. */
  binaryRescore: (k: number) => Math.max(k * 20, 200),
  ef: 64,
  fusedDepth: 100,
  rrfK: 60,
  dense: 'exact' as VectorKind,
});

/** voy-search pads or cuts every vector to this many dimensions. */
export const VOY_MAX_DIMS = 768;
