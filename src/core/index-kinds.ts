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

/**
 * HNSW's build defaults. efConstruction 100, not hnswlib's 200: on the real 54k set (msmarco-5k,
 * 8-token chunks, lsa-wordpiece-256) 50k rows built in 57 s instead of 132 s with recall@10 at ef 64
 * 0.962 instead of 0.968, and the same 0.968 at ef 128 (bench/README-retrieval.md, "HNSW build").
 */
export const HNSW_DEFAULTS: Readonly<HnswBuildOptions> = Object.freeze({ m: 16, efConstruction: 100, seed: 100 });

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

// ───────────────────────── the kinds as a choice of the app (phase B) ─────────────────────────

/**
 * What a configuration says about the kinds beyond which one answers (`BenchConfig.kinds`, the
 * settings' `kindOptions`): the kinds built and timed beside it, and each kind's options. Plain
 * data; bounds in KIND_BOUNDS (the configuration schema checks them).
 */
export interface KindOptions {
  hnsw: { m: number; efConstruction: number; ef: number };
  /** null: the default depth (RETRIEVE_DEFAULTS). */
  int8: { rescore: number | null };
  binary: { rescore: number | null };
  hybrid: { dense: VectorKind; fusedDepth: number; rrfK: number };
  bm25: { k1: number; b: number; stem: 'none' | 'porter2'; stopWords: string[] };
}

export const KIND_DEFAULTS: Readonly<KindOptions> = Object.freeze({
  hnsw: Object.freeze({ m: HNSW_DEFAULTS.m, efConstruction: HNSW_DEFAULTS.efConstruction, ef: 64 }),
  int8: Object.freeze({ rescore: null }),
  binary: Object.freeze({ rescore: null }),
  hybrid: Object.freeze({ dense: 'exact' as VectorKind, fusedDepth: 100, rrfK: 60 }),
  bm25: Object.freeze({ k1: 0.9, b: 0.4, stem: 'none' as const, stopWords: Object.freeze([]) as unknown as string[] }),
}) as Readonly<KindOptions>;

/** A fresh, mutable copy of the defaults. */
export function defaultKindOptions(): KindOptions {
  return structuredClone(KIND_DEFAULTS) as KindOptions;
}

/** Inclusive bounds of the options (the configuration schema and the set-up read them). */
export const KIND_BOUNDS = Object.freeze({
  hnswM: [2, 64] as const,
  efConstruction: [8, 1000] as const,
  ef: [1, 4096] as const,
  rescore: [1, 100_000] as const,
  fusedDepth: [1, 10_000] as const,
  rrfK: [0, 10_000] as const,
  k1: [0, 10] as const,
  b: [0, 1] as const,
  stopWords: 1000,
  stopWordChars: 64,
});

/** The build options of a kind choice (hnsw M/efConstruction with the fixed seed; bm25's analysers). */
export function buildOptionsOf(o: KindOptions): IndexBuildOptions {
  return {
    hnsw: { m: o.hnsw.m, efConstruction: o.hnsw.efConstruction, seed: HNSW_DEFAULTS.seed },
    bm25: { k1: o.bm25.k1, b: o.bm25.b, stem: o.bm25.stem, stopWords: [...o.bm25.stopWords] },
  };
}

/** The search options of one kind (only those it reads). */
export function retrieveOptionsOf(kind: IndexKind, o: KindOptions): RetrieveOptions {
  switch (kind) {
    case 'int8':
      return o.int8.rescore === null ? {} : { rescore: o.int8.rescore };
    case 'binary':
      return o.binary.rescore === null ? {} : { rescore: o.binary.rescore };
    case 'hnsw':
      return { ef: o.hnsw.ef };
    case 'hybrid':
      return { dense: o.hybrid.dense, fusedDepth: o.hybrid.fusedDepth, rrfK: o.hybrid.rrfK };
    default:
      return {};
  }
}

/**
 * The kinds an ingestion builds for the kinds asked for: those, the exact scan (the ground truth
 * of every recall figure: it needs no build, the vectors are its index), and a hybrid's kinds
 * (BM25 and its dense kind).
 */
export function builtKinds(kinds: readonly IndexKind[], o: Pick<KindOptions, 'hybrid'> = KIND_DEFAULTS): IndexKind[] {
  const out: IndexKind[] = [];
  const add = (k: IndexKind) => {
    if (!out.includes(k)) out.push(k);
  };
  for (const k of kinds) {
    add(k);
    if (k === 'hybrid') {
      add('bm25');
      add(o.hybrid.dense);
    }
  }
  add('exact');
  return out;
}

/** The settings of a kind in a few words (chart labels, tables): `hnsw M 16 efC 200 ef 64`. */
export function kindLabel(kind: IndexKind, o: KindOptions): string {
  switch (kind) {
    case 'int8':
      return `int8 rescore ${o.int8.rescore ?? 'max(4k, 40)'}`;
    case 'binary':
      return `binary rescore ${o.binary.rescore ?? 'max(20k, 200)'}`;
    case 'hnsw':
      return `hnsw M ${o.hnsw.m} efC ${o.hnsw.efConstruction} ef ${o.hnsw.ef}`;
    case 'bm25':
      return `bm25 k1 ${o.bm25.k1} b ${o.bm25.b}${o.bm25.stem !== 'none' ? ` ${o.bm25.stem}` : ''}${o.bm25.stopWords.length ? ` −${o.bm25.stopWords.length} stop words` : ''}`;
    case 'hybrid':
      return `hybrid ${o.hybrid.dense}+bm25 depth ${o.hybrid.fusedDepth} k ${o.hybrid.rrfK}`;
    default:
      return kind;
  }
}

/** Bytes per vector a kind's codes take (int8, binary), null for the others; exact: 4 per dimension. */
export function codeBytesPerVector(kind: IndexKind, dims: number): number | null {
  if (kind === 'exact' || kind === 'voy') return dims * 4;
  if (kind === 'int8') return Math.ceil(dims / 16) * 16;
  if (kind === 'binary') return Math.ceil(dims / 128) * 16;
  return null;
}

/**
 * Why a kind cannot serve a model of `dims` dimensions (null when it can): voy pads or cuts every
 * vector to 768 dimensions (`IndexUnsupported` in the worker, refused in the set-up before).
 */
export function kindRefusal(kind: IndexKind, dims: number | null): string | null {
  if (kind === 'voy' && dims !== null && dims > VOY_MAX_DIMS) {
    return `voy cannot index ${dims}-dimensional vectors: it pads or cuts every vector to ${VOY_MAX_DIMS} dimensions, which would serve wrong results. Use exact, int8, binary or hnsw for this model.`;
  }
  return null;
}

// ───────────────────────── persisted kinds ─────────────────────────

/** The kinds whose built form is stored with the corpus and read back without building. */
export const STORED_KINDS = ['int8', 'binary', 'bm25'] as const satisfies readonly IndexKind[];
export type StoredKind = (typeof STORED_KINDS)[number];
export function isStoredKind(k: unknown): k is StoredKind {
  return typeof k === 'string' && (STORED_KINDS as readonly string[]).includes(k);
}

/** The stored formats (a change of format is a new scheme: older records are rebuilt, not misread). */
export const KIND_SCHEMES: Readonly<Record<StoredKind, string>> = Object.freeze({
  int8: 'int8-affine-v1',
  binary: 'binary-sign-v1',
  bm25: 'bm25-wink-postings-v1',
});

/**
 * A built kind as data, between the index worker and storage: small values in `params`, arrays in
 * `parts` (ArrayBuffers, transferred; stored as Blobs or ArrayBuffers like the vector blocks).
 *   int8    params {stride}; parts lo, scale (f32 × dims), codes (count × stride int8)
 *   binary  params {stride}; parts codes (count × stride bytes)
 *   bm25    params {tokens, vocabSize}; parts vocab (UTF-8, tokens joined by "\n"), offsets (i32),
 *           docs (i32), scores (f64): wink's consolidated term scores as postings (src/core/bm25.ts)
 * `variant` names what the data depends on beyond the vectors (bm25: its analyser options), so a
 * stored kind built with other options is not used.
 */
export interface KindData {
  kind: StoredKind;
  scheme: string;
  variant: string;
  count: number;
  dims: number;
  params: Record<string, number>;
  parts: Record<string, ArrayBuffer>;
}

/** What a stored kind depends on beyond the vectors: BM25's analyser options (int8 and binary depend on nothing else). */
export function kindVariant(kind: StoredKind, o: Pick<KindOptions, 'bm25'>): string {
  if (kind !== 'bm25') return '';
  const b = o.bm25;
  return JSON.stringify({ k1: b.k1, b: b.b, stem: b.stem, stopWords: [...b.stopWords] });
}
