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
 * Search: wink's own `search()` sums the query tokens' scores per chunk and then sorts *every*
 * chunk that matched (36–43 ms over 54k chunks: bench/README-retrieval.md). After consolidating,
 * this module reads wink's consolidated term scores (its `getDocs()`: per chunk, per token, the
 * BM25 term score above, computed by wink) into postings (per token: the chunks holding it and
 * their scores) and answers with the same sum followed by a bounded top-k selection (src/core/topk.ts)
 * instead of the full sort. The scores are wink's, added in the same order (so the same floats),
 * ties to the lower row as wink's stable sort gives them (`searchWink` is wink's own search: the
 * unit test checks both give the same rows and scores). The postings are also what is stored
 * (IndexedDB) so a reload answers without building again.
 *
 * Documents are chunks: the caller ranks documents by their best chunk (src/core/metrics.ts
 * `rankDocuments`), as for the dense kinds. Pure: runs in Node, pages and workers.
 */
/// <reference path="./wink.d.ts" />
import bm25Engine from 'wink-bm25-text-search';
import porter2 from 'wink-porter2-stemmer';
import { RagtabError } from './errors';
import { TopKHeap } from './topk';

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
 * wink's consolidated term scores as postings: for token t (wink's token index), rows
 * `docs[offsets[t] .. offsets[t+1])` (ascending) hold it, with wink's score of t in each row.
 */
export interface Bm25Postings {
  /** Rows (chunks) indexed. */
  rows: number;
  /** Tokens indexed (the sum of the rows' lengths). */
  tokens: number;
  /** Token text by token index. */
  vocab: string[];
  offsets: Int32Array;
  docs: Int32Array;
  scores: Float64Array;
}

/** Bytes the postings take in memory (typed arrays; the vocabulary at 2 bytes per character plus a pointer). */
export function postingsBytes(p: Bm25Postings): number {
  let chars = 0;
  for (const t of p.vocab) chars += t.length;
  return p.offsets.byteLength + p.docs.byteLength + p.scores.byteLength + chars * 2 + p.vocab.length * 8;
}

/** Reads a consolidated wink engine's term scores into postings (rows 0..n−1 were added with ids 0..n−1). */
function postingsOf(engine: ReturnType<typeof bm25Engine>, n: number, tokens: number): Bm25Postings {
  const docs = engine.getDocs();
  const token2Index = engine.getTokens();
  const vocab: string[] = [];
  for (const t in token2Index) vocab[token2Index[t] as number] = t;
  const v = vocab.length;
  const counts = new Int32Array(v + 1);
  for (let r = 0; r < n; r++) {
    const freq = docs[r]!.freq;
    for (const t in freq) counts[Number(t) + 1]!++;
  }
  for (let t = 0; t < v; t++) counts[t + 1] = (counts[t + 1] as number) + (counts[t] as number);
  const offsets = Int32Array.from(counts);
  const fill = counts.subarray(0, v);
  const total = offsets[v] as number;
  const rows = new Int32Array(total);
  const scores = new Float64Array(total);
  for (let r = 0; r < n; r++) {
    const freq = docs[r]!.freq;
    for (const t in freq) {
      const at = fill[Number(t)]!++;
      rows[at] = r;
      scores[at] = freq[t] as number;
    }
  }
  return { rows: n, tokens, vocab, offsets, docs: rows, scores };
}

/**
 * An append-then-build BM25 index over texts (rows in insertion order). Texts are kept, so the
 * engine can be rebuilt (wink cannot add after consolidating). One read from stored postings
 * (`fromPostings`) answers without texts and takes none.
 */
export class Bm25Index {
  readonly options: Bm25Options;
  private readonly texts: string[] = [];
  private engine: ReturnType<typeof bm25Engine> | null = null;
  private postings: Bm25Postings | null = null;
  private vocabIndex: Map<string, number> | null = null;
  private readonly analyze: (text: string) => string[];
  private imported = false;
  /** Score accumulator and the rows it touched (reused across searches). */
  private acc = new Float64Array(0);
  private seen = new Uint8Array(0);

  constructor(options: Partial<Bm25Options> = {}) {
    this.options = validateBm25Options(options);
    this.analyze = analyzer(this.options);
  }

  /** An index over stored postings (`exportPostings` of one built with the same options). */
  static fromPostings(p: Bm25Postings, options: Partial<Bm25Options> = {}): Bm25Index {
    const v = p.vocab.length;
    if (p.offsets.length !== v + 1 || p.docs.length !== p.scores.length || p.offsets[v] !== p.docs.length || p.rows < 0) {
      throw new RagtabError('StorageError', `The stored BM25 postings are inconsistent (${v} tokens, ${p.offsets.length} offsets, ${p.docs.length} rows, ${p.scores.length} scores).`);
    }
    const idx = new Bm25Index(options);
    idx.setPostings(p);
    idx.imported = true;
    return idx;
  }

  private setPostings(p: Bm25Postings): void {
    this.postings = p;
    this.vocabIndex = new Map(p.vocab.map((t, i) => [t, i] as const));
    this.acc = new Float64Array(p.rows);
    this.seen = new Uint8Array(p.rows);
  }

  get count(): number {
    return this.imported ? (this.postings?.rows ?? 0) : this.texts.length;
  }

  /** Whether `search` answers over every text added so far. */
  get built(): boolean {
    return this.postings !== null && (this.imported || this.postings.rows === this.texts.length);
  }

  /** Total tokens indexed by the last build (the sum of document lengths). */
  get tokenCount(): number {
    return this.postings?.tokens ?? 0;
  }

  /** Bytes of the postings the search reads (null before a build). */
  get bytes(): number | null {
    return this.postings ? postingsBytes(this.postings) : null;
  }

  add(texts: readonly string[]): number {
    if (this.imported) throw new RagtabError('InvalidArgument', 'This BM25 index was read from storage: it takes no more texts (build a new one).');
    for (const t of texts) {
      if (typeof t !== 'string') throw new RagtabError('InvalidArgument', `BM25 texts must be strings, got ${typeof t}.`);
      this.texts.push(t);
    }
    return this.texts.length;
  }

  clear(): void {
    this.texts.length = 0;
    this.engine = null;
    this.postings = null;
    this.vocabIndex = null;
    this.imported = false;
  }

  /** Indexes every text added so far (a fresh engine each time), then reads its term scores into postings. */
  build(): void {
    const n = this.texts.length;
    if (n < 3) {
      throw new RagtabError('IndexUnsupported', `BM25 needs at least 3 chunks to build (wink-bm25-text-search cannot consolidate fewer); this index has ${n}.`);
    }
    const engine = bm25Engine();
    const { k1, b } = this.options;
    engine.defineConfig({ fldWeights: { body: 1 }, bm25Params: { k1, b, k: 1 } });
    engine.definePrepTasks([this.analyze]);
    for (let r = 0; r < n; r++) engine.addDoc({ body: this.texts[r] as string }, r);
    if (engine.getTotalCorpusLength() === 0) {
      throw new RagtabError('IndexUnsupported', `BM25: none of the ${n} chunks has a single token (letters or digits) to index.`);
    }
    engine.consolidate(PRECISION);
    this.engine = engine;
    this.setPostings(postingsOf(engine, n, engine.getTotalCorpusLength()));
  }

  /** The postings, to store (the same arrays: do not change them). */
  exportPostings(): Bm25Postings {
    if (!this.postings || !this.built) throw new RagtabError('IndexEmpty', 'The BM25 index is not built over the current texts.');
    return this.postings;
  }

  private check(limit: number): Bm25Postings {
    if (!this.postings || !this.built) throw new RagtabError('IndexEmpty', 'The BM25 index is not built over the current texts.');
    if (!Number.isInteger(limit) || limit < 1) throw new RagtabError('InvalidArgument', `limit must be a positive integer, got ${limit}.`);
    return this.postings;
  }

  /**
   * The best `limit` rows for `query` (fewer when fewer rows share a token with it; none for a
   * query with no indexed token): wink's term scores summed per row, then a bounded top-k.
   */
  search(query: string, limit: number): Bm25Hits {
    const p = this.check(limit);
    const { acc, seen } = this;
    const touched: number[] = [];
    // as wink: the query's tokens in order, a repeated token counting each time, unknown ones dropped
    for (const tok of this.analyze(query)) {
      const t = this.vocabIndex!.get(tok);
      if (t === undefined) continue;
      for (let at = p.offsets[t] as number, end = p.offsets[t + 1] as number; at < end; at++) {
        const r = p.docs[at] as number;
        if (seen[r] === 0) {
          seen[r] = 1;
          acc[r] = 0;
          touched.push(r);
        }
        // wink adds `score + (results[id] || 0)`: addition is commutative in IEEE 754, so the same float
        acc[r] = (p.scores[at] as number) + (acc[r] as number);
      }
    }
    if (touched.length === 0) return { indices: new Int32Array(0), scores: new Float64Array(0) };
    const heap = new TopKHeap(Math.min(limit, touched.length), true);
    for (const r of touched) {
      heap.push(acc[r] as number, r);
      seen[r] = 0;
    }
    return heap.ranked();
  }

  /** wink's own search (every matching row sorted): the reference `search` is checked against. */
  searchWink(query: string, limit: number): Bm25Hits {
    this.check(limit);
    if (!this.engine) throw new RagtabError('IndexEmpty', 'This BM25 index was read from storage: wink\'s own search needs a build.');
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
