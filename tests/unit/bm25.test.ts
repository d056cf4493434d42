import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BM25_PROTOCOL, Bm25Index, analyzer, documentText, tokenize } from '../../src/core/bm25';
import { evaluateRun, rankDocuments } from '../../src/core/metrics';
import { readJsonl, readQrels } from '../../scripts/lib/beir-files';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED = process.env['RAGTAB_SHARED'] ?? resolve(REPO, '../shared');

describe('BM25 tokenizer (the protocol)', () => {
  it('NFKD, combining marks removed, lowercase, split on non-letters/digits', () => {
    expect(tokenize('Ünïcode ﬁne, Straße x² — CAFÉ-au-lait 3.14')).toEqual(['unicode', 'fine', 'straße', 'x2', 'cafe', 'au', 'lait', '3', '14']);
    expect(tokenize('  ,,, ')).toEqual([]);
    expect(tokenize('日本語 テキスト')).toEqual(['日本語', 'テキスト']);
  });

  it('stop words and porter2 stemming are options, off by default', () => {
    expect(BM25_PROTOCOL).toMatchObject({ k1: 0.9, b: 0.4, stem: 'none', stopWords: [] });
    expect(analyzer()('The running dogs')).toEqual(['the', 'running', 'dogs']);
    expect(analyzer({ stem: 'porter2', stopWords: ['the'] })('The running dogs')).toEqual(['run', 'dog']);
  });
});

describe('BM25 scores (wink-bm25-text-search, k1 0.9, b 0.4)', () => {
  it('equals the formula on a hand-computed three-document case, a repeated query term counting twice', () => {
    const docs = [
      { title: 'Cats', text: 'The cat sat.' }, // cats the cat sat: 4 tokens
      { title: '', text: 'Café dogs & cats; cats.' }, // cafe dogs cats cats: 4
      { title: 'Dogs', text: "a dog's life" }, // dogs a dog s life: 5
    ];
    const idx = new Bm25Index();
    idx.add(docs.map(documentText));
    idx.build();
    expect(idx.tokenCount).toBe(13);
    const N = 3;
    const avgdl = 13 / 3;
    const idf = (df: number) => Math.log(1 + (N - df + 0.5) / (df + 0.5));
    const tf = (f: number, dl: number) => (f * 1.9) / (f + 0.9 * (1 - 0.4 + (0.4 * dl) / avgdl));
    // query: cats ×2 (df 2: docs 0, 1), dog (df 1: doc 2), zebra (absent)
    const want = [2 * idf(2) * tf(1, 4), 2 * idf(2) * tf(2, 4), idf(1) * tf(1, 5)];
    const hits = idx.search('Cats cats DOG zebra', 10);
    const got = new Map(Array.from(hits.indices, (r, i) => [r, hits.scores[i] as number]));
    expect(got.size).toBe(3);
    for (let r = 0; r < 3; r++) expect(Math.abs((got.get(r) as number) - (want[r] as number))).toBeLessThan(1e-8);
    expect(Array.from(hits.indices)).toEqual([1, 2, 0].sort((a, b) => (want[b] as number) - (want[a] as number)));
    // once, not twice: the repeated term is what doubles doc 0's score
    const once = idx.search('cats', 10);
    expect(once.scores[Array.from(once.indices).indexOf(0)]).toBeCloseTo((want[0] as number) / 2, 8);
    expect(idx.search('zebra', 10).indices.length).toBe(0);
  });

  it('names what it cannot do: fewer than 3 chunks, nothing to index, not built', () => {
    const small = new Bm25Index();
    small.add(['a', 'b']);
    expect(() => small.build()).toThrow(expect.objectContaining({ name: 'IndexUnsupported' }));
    const empty = new Bm25Index();
    empty.add(['...', '', '!']);
    expect(() => empty.build()).toThrow(/none of the 3 chunks/);
    const notBuilt = new Bm25Index();
    notBuilt.add(['a b', 'c', 'd']);
    expect(() => notBuilt.search('a', 1)).toThrow(expect.objectContaining({ name: 'IndexEmpty' }));
    notBuilt.build();
    notBuilt.add(['e']);
    expect(() => notBuilt.search('a', 1)).toThrow(/not built over the current texts/);
    expect(() => new Bm25Index({ b: 2 })).toThrow(/BM25 b/);
  });
});

describe('BM25 top-k over wink\'s term scores', () => {
  /** A corpus with many repeated words (ties, repeated query tokens, unknown tokens). */
  function corpus(seed: number, n: number): string[] {
    let x = seed;
    const rnd = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const words = ['cat', 'dog', 'bird', 'fish', 'tree', 'rock', 'sky', 'sun', 'moon', 'star', 'café', 'straße', 'x2'];
    return Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => words[Math.floor(rnd() * words.length)]).join(' '));
  }

  it("gives wink's own search's rows and scores, bit for bit, ties to the lower row", () => {
    for (const [seed, n, opts] of [[1, 50, {}], [2, 400, { stem: 'porter2' as const }], [3, 1000, { stopWords: ['the', 'cat'], k1: 1.2, b: 0.75 }]] as const) {
      const idx = new Bm25Index(opts);
      idx.add(corpus(seed, n));
      idx.build();
      for (const q of ['cat', 'cat cat dog', 'Moon STAR zebra', 'zebra', 'fish tree rock sky sun moon', 'cafe strasse x2', '']) {
        for (const limit of [1, 3, 10, 100, 5000]) {
          const a = idx.search(q, limit);
          const b = idx.searchWink(q, limit);
          expect(Array.from(a.indices), `${seed} ${q} ${limit}`).toEqual(Array.from(b.indices));
          expect(Array.from(a.scores), `${seed} ${q} ${limit}`).toEqual(Array.from(b.scores));
        }
      }
    }
  });

  it('answers the same from its postings read back (no texts, no build), and takes no more texts', () => {
    const idx = new Bm25Index({ stem: 'porter2' });
    idx.add(corpus(7, 300));
    idx.build();
    const p = idx.exportPostings();
    const copy = { ...structuredClone(p) };
    const back = Bm25Index.fromPostings(copy, { stem: 'porter2' });
    expect(back.built).toBe(true);
    expect(back.count).toBe(300);
    expect(back.tokenCount).toBe(idx.tokenCount);
    expect(back.bytes).toBe(idx.bytes);
    for (const q of ['cats dogs', 'running birds', 'moon']) {
      expect(back.search(q, 20)).toEqual(idx.search(q, 20));
    }
    expect(() => back.add(['more'])).toThrow(/read from storage/);
    expect(() => back.searchWink('cat', 1)).toThrow(/needs a build/);
    expect(() => Bm25Index.fromPostings({ ...copy, offsets: copy.offsets.subarray(1) })).toThrow(/inconsistent/);
  });
});

describe('BM25 references on the shared datasets (document level, whole-document chunks)', () => {
  const REFS = {
    'msmarco-5k': { ndcg10: 0.6902, recall100: 0.7376, evaluated: 43 },
    'dbpedia-5k': { ndcg10: 0.3521, recall100: 0.7874, evaluated: 40 },
  };
  for (const [name, ref] of Object.entries(REFS)) {
    it(`${name}: nDCG@10 ${ref.ndcg10}, recall@100 ${ref.recall100} within ±0.005`, () => {
      const dir = join(SHARED, 'datasets', name);
      const corpus = readJsonl<{ _id: string; title: string; text: string }>(join(dir, 'corpus.jsonl'));
      const queries = readJsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl'));
      const idx = new Bm25Index();
      idx.add(corpus.map(documentText));
      idx.build();
      const run = new Map<string, string[]>();
      for (const q of queries) {
        const h = idx.search(q.text, 100);
        run.set(q._id, rankDocuments(Array.from(h.indices, (r, i) => ({ docId: corpus[r]?._id as string, score: h.scores[i] as number }))));
      }
      const res = evaluateRun(run, readQrels(join(dir, 'qrels', 'test.tsv')));
      expect(res.evaluated).toBe(ref.evaluated);
      expect(Math.abs((res.mean?.ndcg10 ?? 0) - ref.ndcg10)).toBeLessThanOrEqual(0.005);
      expect(Math.abs((res.mean?.recall100 ?? 0) - ref.recall100)).toBeLessThanOrEqual(0.005);
    });
  }
});
