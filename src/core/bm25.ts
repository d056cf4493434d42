/**
 * BM25 over chunk texts, through wink-bm25-text-search (a kept BM25 engine), with ragtab's
 * reference protocol as the default (issue 14):
 *
 *   tokens   NFKD, combining marks removed, lowercase, split on anything that is not a letter or a
 *            digit (Unicode \p{L} / \p{N}); no stop words, no stemming (`tokenize`);
 *   score    Σ over query tokens t (a token repeated in the query counts each time) of
 *            idf(t) · tf·(k1 + 1) / (tf + k1·(1 − b + b·dl/avgdl)),
 *            idf(t) = ln(1 + (N − df + 0.5)/(df + 0.5)), k1 = 0.9, b = 0.4,
 *            dl = the chunk's token count (every occurrence), avgdl their mean over the index.
 *
 * Why wink and not MiniSearch: MiniSearch 7.2's BM25 (`bm25: {k, b, d: 0}`) takes the field length
 * as the number of *distinct* terms of the field, and multiplies each result's score by the number
 * of distinct query terms it matched: two departures from BM25 that cannot be configured away.
 * wink-bm25-text-search 3.1.2 computes exactly the formula above (its `k` = 1 is the `1 +` inside
 * the logarithm) with the document length counted over every token, and sums a repeated query token
 * each time. Its one limit we wrap: it keeps each precomputed term score to `fp` decimals (at most
 * 9; we ask for 9, so scores are within 5e-10 of the formula). It cannot consolidate fewer than 3
 * documents, and nothing can be added after consolidation: `build()` says so by name.
 *
 * Documents are chunks: the caller ranks documents by their best chunk (src/core/metrics.ts
 * `rankDocuments`), as for the dense kinds. Pure: runs in Node, pages and workers.
 */
/// <reference path="./wink.d.ts" />
import bm25Engine from 'wink-bm25-text-search';
import porter2 from 'wink-porter2-stemmer';
import { RagtabError } from './errors';

/** Optional analysers; the defaults reproduce the reference protocol. */
export interface Bm25Options {
  k1: number;
  b: number;
  /** `porter2` (wink-porter2-stemmer) stems every token after lowercasing. Default none. */
  stem: 'none' | 'porter2';
  /** Tokens dropped after normalisation (compared after lowercasing, before stemming). Default none. */
  stopWords: readonly string[];
}

export const BM25_PROTOCOL: Readonly<Bm25Options> = Object.freeze({ k1: 0.9, b: 0.4, stem: 'none', stopWords: Object.freeze([]) });

const MARKS = /\p{M}/gu;
const SPLIT = /[^\p{L}\p{N}]+/u;

/** The protocol's tokenizer: NFKD, combining marks removed, lowercase, split on non-letters/digits. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .split(SPLIT)
    .filter((t) => t !== '');
}

/** Tokenizer with the options' stop words and stemmer applied. */
export function analyzer(options: Partial<Bm25Options> = {}): (text: string) => string[] {
  const stop = new Set(options.stopWords ?? []);
  const stem = (options.stem ?? 'none') === 'porter2';
  if (stop.size === 0 && !stem) return tokenize;
  return (text) => {
    const out: string[] = [];
    for (const t of tokenize(text)) {
      if (stop.has(t)) continue;
      out.push(stem ? porter2(t) : t);
    }
    return out;
  };
}

/** The document text the protocol indexes: `title + " " + text`. */
export function documentText(doc: { title?: string | undefined; text: string }): string {
  return `${doc.title ?? ''} ${doc.text}`;
}

export interface Bm25Hits {
  /** Row (insertion order), best first; ties to the lower row. */
  indices: Int32Array;
  scores: Float64Array;
}

/** Decimal places wink keeps of each term score (its maximum). */
const PRECISION = 9;

export function validateBm25Options(o: Partial<Bm25Options>): Bm25Options {
  const opts = { ...BM25_PROTOCOL, ...o };
  if (!(Number.isFinite(opts.k1) && opts.k1 >= 0)) throw new RagtabError('InvalidArgument', `BM25 k1 must be a number ≥ 0, got ${opts.k1}.`);
  if (!(Number.isFinite(opts.b) && opts.b >= 0 && opts.b <= 1)) throw new RagtabError('InvalidArgument', `BM25 b must be a number from 0 to 1, got ${opts.b}.`);
  if (opts.stem !== 'none' && opts.stem !== 'porter2') throw new RagtabError('InvalidArgument', `BM25 stem must be 'none' or 'porter2', got '${String(opts.stem)}'.`);
  return opts;
}

/**
 * An append-then-build BM25 index over texts (rows in insertion order). Texts are kept, so the
 * engine can be rebuilt (wink cannot add after consolidating).
 */
export class Bm25Index {
  readonly options: Bm25Options;
  private readonly texts: string[] = [];
  private engine: ReturnType<typeof bm25Engine> | null = null;
  private builtCount = 0;
  private tokens = 0;

  constructor(options: Partial<Bm25Options> = {}) {
    this.options = validateBm25Options(options);
  }

  get count(): number {
    return this.texts.length;
  }

  /** Whether `search` answers over every text added so far. */
  get built(): boolean {
    return this.engine !== null && this.builtCount === this.texts.length;
  }

  /** Total tokens indexed by the last build (the sum of document lengths). */
  get tokenCount(): number {
    return this.tokens;
  }

  add(texts: readonly string[]): number {
    for (const t of texts) {
      if (typeof t !== 'string') throw new RagtabError('InvalidArgument', `BM25 texts must be strings, got ${typeof t}.`);
      this.texts.push(t);
    }
    return this.texts.length;
  }

  clear(): void {
    this.texts.length = 0;
    this.engine = null;
    this.builtCount = 0;
    this.tokens = 0;
  }

  /** Indexes every text added so far (a fresh engine each time). */
  build(): void {
    const n = this.texts.length;
    if (n < 3) {
      throw new RagtabError('IndexUnsupported', `BM25 needs at least 3 chunks to build (wink-bm25-text-search cannot consolidate fewer); this index has ${n}.`);
    }
    const engine = bm25Engine();
    const { k1, b } = this.options;
    engine.defineConfig({ fldWeights: { body: 1 }, bm25Params: { k1, b, k: 1 } });
    engine.definePrepTasks([analyzer(this.options)]);
    for (let r = 0; r < n; r++) engine.addDoc({ body: this.texts[r] as string }, r);
    if (engine.getTotalCorpusLength() === 0) {
      throw new RagtabError('IndexUnsupported', `BM25: none of the ${n} chunks has a single token (letters or digits) to index.`);
    }
    engine.consolidate(PRECISION);
    this.engine = engine;
    this.builtCount = n;
    this.tokens = engine.getTotalCorpusLength();
  }

  /**
   * The best `limit` rows for `query` (fewer when fewer rows share a token with it; none for a
   * query with no indexed token).
   */
  search(query: string, limit: number): Bm25Hits {
    if (!this.engine || !this.built) throw new RagtabError('IndexEmpty', 'The BM25 index is not built over the current texts.');
    if (!Number.isInteger(limit) || limit < 1) throw new RagtabError('InvalidArgument', `limit must be a positive integer, got ${limit}.`);
    // wink returns ids as object keys (strings); integer keys enumerate in ascending order and its
    // sort is stable, so equal scores come out by lower row.
    const res = this.engine.search(query, limit);
    const indices = new Int32Array(res.length);
    const scores = new Float64Array(res.length);
    res.forEach(([id, score], i) => {
      indices[i] = Number(id);
      scores[i] = score;
    });
    return { indices, scores };
  }

  /** The texts as added (for persisting or rebuilding elsewhere). */
  text(row: number): string {
    const t = this.texts[row];
    if (t === undefined) throw new RangeError(`row ${row} out of range 0..${this.texts.length - 1}`);
    return t;
  }
}
