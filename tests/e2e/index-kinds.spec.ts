/**
 * The index worker's kinds (issue 14, phase A) in real Chromium, through the real worker
 * (workers/index.worker.ts) driven by bench/kinds.html, not the app UI (the app wiring is phase B).
 * Vectors: the msmarco subset of retrieval.spec.ts (first 300 documents, whole), embedded here in
 * Node with lsa-wordpiece-256; the references (exact top 10, BM25, RRF) are computed here too.
 */
import { expect, test, type Page } from '@playwright/test';
import { env, pipeline } from '@huggingface/transformers';
import { join } from 'node:path';
import { SHARED, readJsonl, type BeirDoc } from './helpers';
import { Bm25Index, documentText } from '../../src/core/bm25';
import { evaluateRun, rankDocuments } from '../../src/core/metrics';
import { reciprocalRankFusion } from '../../src/core/rrf';
import type { KindsHandle } from '../../bench/kinds';
import type { IndexKind } from '../../src/core/index-kinds';
import { readQrels } from '../../scripts/lib/beir-files';

const N_DOCS = 300;
/** HNSW's recall@10 against the exact scan on these 300 vectors (ef 64, M 16, efConstruction 100). */
const HNSW_RECALL_BOUND = 0.98;
/** int8 after rescoring: issue 14's target (recall@10 ≥ 0.99 on real embeddings); 1.0 was seen here. */
const INT8_RECALL = 0.99;
/**
 * binary after rescoring 200: issue 14's target (0.95) is set on the 54k-chunk set, where
 * bench:retrieval measures it (0.99 there). On these 300 whole documents the queries' relevant
 * passages are mostly absent, their top 10 are weak matches with close scores, and sign bits rank
 * them poorly: 0.94 was seen (centering the bits did not help: 0.936). The bound here is 0.92, and
 * rescoring every row must give the exact set.
 */
const BINARY_RECALL = 0.92;

async function embed(texts: string[]): Promise<{ dims: number; rows: Float32Array[] }> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(SHARED, 'models') + '/';
  const ex = await pipeline('feature-extraction', 'lsa-wordpiece-256', { dtype: 'fp32', device: 'cpu' });
  const rows: Float32Array[] = [];
  let dims = 0;
  for (let i = 0; i < texts.length; i += 64) {
    const out = await ex(texts.slice(i, i + 64), { pooling: 'mean', normalize: true });
    dims = out.dims[1] as number;
    const data = out.data as Float32Array;
    for (let r = 0; r < (out.dims[0] as number); r++) rows.push(data.slice(r * dims, (r + 1) * dims));
  }
  return { dims, rows };
}

async function openKinds(page: Page): Promise<void> {
  await page.goto('/bench/kinds.html');
  await page.waitForFunction(() => window.kindsReady === true);
}

function kinds(page: Page): <R>(fn: (k: KindsHandle, arg: unknown) => Promise<R>, arg?: unknown) => Promise<R> {
  return (fn, arg) => page.evaluate(({ src, a }) => (new Function('k', 'a', `return (${src})(k, a)`) as (k: unknown, a: unknown) => Promise<never>)(window.kinds, a), { src: fn.toString(), a: arg });
}

test('every kind builds and answers through the real index worker; quantized kinds match the exact scan, BM25 and hybrid match Node', async ({ page }) => {
  const docs = readJsonl<BeirDoc>(join(SHARED, 'datasets/msmarco-5k/corpus.jsonl')).slice(0, N_DOCS);
  const queries = readJsonl<{ _id: string; text: string }>(join(SHARED, 'datasets/msmarco-5k/queries.jsonl'));
  const texts = docs.map((d) => documentText(d));
  const { dims, rows } = await embed(texts);
  const q = await embed(queries.map((x) => x.text));
  const usable = queries.map((_, i) => i).filter((i) => (q.rows[i] as Float32Array).every(Number.isFinite));
  expect(usable.length).toBeGreaterThanOrEqual(40);

  await openKinds(page);
  const call = kinds(page);
  const flat = rows.flatMap((r) => Array.from(r));
  const loaded = await call((k, a) => k.load(a as Parameters<KindsHandle['load']>[0]), { dims, ids: docs.map((d) => `${d._id}#0`), vectors: flat, texts });
  expect(loaded).toEqual({ ok: true, value: { count: N_DOCS } });

  const all: IndexKind[] = ['exact', 'voy', 'int8', 'binary', 'hnsw', 'bm25', 'hybrid'];
  const built = await call((k, a) => k.build(a as IndexKind[]), all);
  if (!built.ok) throw new Error(`build failed: ${built.name}: ${built.message}`);
  expect(built.value.map((b) => b.kind)).toEqual(all);
  for (const b of built.value) {
    expect(b.count).toBe(N_DOCS);
    expect(b.ms).toBeGreaterThanOrEqual(0);
  }
  const by = Object.fromEntries(built.value.map((b) => [b.kind, b]));
  expect(by['exact']?.bytes).toBe(N_DOCS * dims * 4);
  expect(by['int8']?.bytes).toBe(N_DOCS * Math.ceil(dims / 16) * 16 + dims * 8);
  expect(by['binary']?.bytes).toBe(N_DOCS * Math.ceil(dims / 128) * 16);
  expect(by['int8']?.detail?.['scan']).toBe('wasm-simd');
  expect(by['binary']?.detail?.['scan']).toBe('wasm-simd');
  expect(by['hnsw']?.bytes).toBeGreaterThan(N_DOCS * dims * 4);
  // the postings the search reads, said to be that (wink's own objects are not countable in a worker)
  expect(by['bm25']?.bytes).toBeGreaterThan(0);
  expect(by['bm25']?.bytesNote).toContain('postings');
  expect(by['bm25']?.detail?.['tokens']).toBeGreaterThan(N_DOCS);
  const st = await call((k) => k.stats());
  expect(st.ok && st.value.built).toEqual(all);

  // Node references
  const bm25 = new Bm25Index();
  bm25.add(texts);
  bm25.build();

  let int8Hits = 0;
  let binHits = 0;
  let hnswHits = 0;
  let wanted = 0;
  for (const qi of usable) {
    const vector = Array.from(q.rows[qi] as Float32Array);
    const text = (queries[qi] as { text: string }).text;
    const res = await call(
      async (k, a) => {
        const { vector, text } = a as { vector: number[]; text: string };
        const out: Record<string, unknown> = {};
        for (const kind of ['exact', 'voy', 'int8', 'binary', 'hnsw'] as const) out[kind] = await k.retrieve({ kind, k: 10, vector });
        out['exact100'] = await k.retrieve({ kind: 'exact', k: 100, vector });
        out['bm25'] = await k.retrieve({ kind: 'bm25', k: 10, text });
        out['hybrid'] = await k.retrieve({ kind: 'hybrid', k: 10, vector, text });
        out['viaSearch'] = await k.search(vector, 10, 'int8');
        return out;
      },
      { vector, text },
    );
    const ids = (key: string) => {
      const r = res[key] as Awaited<ReturnType<KindsHandle['retrieve']>>;
      if (!r.ok) throw new Error(`${key}: ${r.name}: ${r.message}`);
      return r.value;
    };
    const exact = ids('exact');
    expect(exact.scoreKind).toBe('cosine');
    const exactIds = exact.hits.map((h) => h.index);
    const set = new Set(exactIds);
    // Node's exact top 10 over the same vectors
    const qv = q.rows[qi] as Float32Array;
    const nodeExact = rows
      .map((r, i) => ({ i, s: r.reduce((acc, x, j) => acc + x * (qv[j] as number), 0) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, 10)
      .map((x) => x.i);
    expect(new Set(nodeExact)).toEqual(set);
    expect(new Set(ids('voy').hits.map((h) => h.index))).toEqual(set);

    const int8 = ids('int8');
    expect(int8.rescored).toBe(40);
    const binary = ids('binary');
    expect(binary.rescored).toBe(200);
    const hnsw = ids('hnsw');
    expect(hnsw.ef).toBe(64);
    wanted += 10;
    int8Hits += int8.hits.filter((h) => set.has(h.index)).length;
    binHits += binary.hits.filter((h) => set.has(h.index)).length;
    hnswHits += hnsw.hits.filter((h) => set.has(h.index)).length;
    // the rescored scores are the exact cosines of those rows
    for (const h of int8.hits) {
      const e = exact.hits.find((x) => x.index === h.index);
      if (e) expect(Math.abs(e.score - h.score)).toBeLessThan(1e-5);
    }
    expect(ids('viaSearch').hits.map((h) => h.index)).toEqual(int8.hits.map((h) => h.index));

    const lexical = ids('bm25');
    expect(lexical.scoreKind).toBe('bm25');
    const nodeBm25 = bm25.search(text, 100);
    expect(lexical.hits.map((h) => h.index)).toEqual(Array.from(nodeBm25.indices.subarray(0, 10)));
    // scores cross the worker as f32 (SearchHit scores of every kind): equal to Node's to f32 precision
    lexical.hits.forEach((h, i) => expect(Math.abs(h.score - (nodeBm25.scores[i] as number))).toBeLessThan(1e-6 * Math.max(1, h.score)));
    expect(lexical.hits[0]?.id).toBe(`${docs[lexical.hits[0]?.index ?? 0]?._id}#0`);

    const hybrid = ids('hybrid');
    expect(hybrid.scoreKind).toBe('rrf');
    expect(hybrid.fusedDepth).toBe(100);
    const fused = reciprocalRankFusion([ids('exact100').hits.map((h) => h.index), Array.from(nodeBm25.indices)], { k: 60, limit: 10 });
    expect(hybrid.hits.map((h) => h.index)).toEqual(fused.map((f) => f.item));
  }
  const recall = { int8: int8Hits / wanted, binary: binHits / wanted, hnsw: hnswHits / wanted };
  console.log(`index kinds, ${usable.length} queries over ${N_DOCS} vectors: recall@10 vs exact ${JSON.stringify(recall)}`);
  expect(recall.int8).toBeGreaterThanOrEqual(INT8_RECALL);
  expect(recall.binary).toBeGreaterThanOrEqual(BINARY_RECALL);
  expect(recall.hnsw).toBeGreaterThanOrEqual(HNSW_RECALL_BOUND);

  // options: a larger ef and a rescore depth cross the boundary and are reported back
  const opt = await call(
    async (k, a) => {
      const v = a as number[];
      return [
        await k.retrieve({ kind: 'hnsw', k: 10, vector: v, options: { ef: 5 } }),
        await k.retrieve({ kind: 'binary', k: 10, vector: v, options: { rescore: 12 } }),
        await k.retrieve({ kind: 'hybrid', k: 5, vector: v, text: 'what is', options: { fusedDepth: 7, dense: 'int8' } }),
        await k.retrieve({ kind: 'binary', k: 10, vector: v, options: { rescore: 300 } }),
        await k.retrieve({ kind: 'exact', k: 10, vector: v }),
      ];
    },
    Array.from(q.rows[usable[0] as number] as Float32Array),
  );
  expect(opt.slice(0, 3).map((o) => (o.ok ? [o.value.ef ?? null, o.value.rescored ?? null, o.value.fusedDepth ?? null, o.value.hits.length] : o.name))).toEqual([
    [10, null, null, 10],
    [null, 12, null, 10],
    [null, null, 7, 5],
  ]);
  const [all300, exact10] = opt.slice(3).map((o) => (o.ok ? new Set(o.value.hits.map((h) => h.index)) : o.name));
  expect(all300).toEqual(exact10);
});

test('named refusals: voy over 768 dimensions, text kinds without texts or a query text, bm25 through search()', async ({ page }) => {
  await openKinds(page);
  const call = kinds(page);
  const dims = 1024;
  const vectors = Array.from({ length: 4 * dims }, (_, i) => Math.sin(i + 1));
  const r = await call(
    async (k, a) => {
      const { dims, vectors } = a as { dims: number; vectors: number[] };
      const loaded = await k.load({ dims, ids: ['a', 'b', 'c', 'd'], vectors });
      const voy = await k.build(['int8', 'voy']);
      const statsAfter = await k.stats();
      const bm25 = await k.build(['bm25']);
      const int8 = await k.build(['int8']);
      const viaSearch = await k.search(vectors.slice(0, dims), 2, 'bm25');
      const noText = await k.retrieve({ kind: 'hybrid', k: 2, vector: vectors.slice(0, dims) });
      const noVector = await k.retrieve({ kind: 'int8', k: 2, text: 'x' });
      return { loaded, voy, statsAfter, bm25, int8, viaSearch, noText, noVector };
    },
    { dims, vectors },
  );
  expect(r.loaded.ok).toBe(true);
  expect(r.voy).toMatchObject({ ok: false, name: 'IndexUnsupported' });
  expect(r.voy.ok ? '' : r.voy.message).toMatch(/voy cannot index 1024-dimensional vectors.*768/);
  // the refusal built nothing, int8 included
  expect(r.statsAfter.ok && r.statsAfter.value.built).toEqual(['exact']);
  expect(r.bm25).toMatchObject({ ok: false, name: 'IndexUnsupported' });
  expect(r.bm25.ok ? '' : r.bm25.message).toMatch(/needs the chunk texts: 4 of 4/);
  expect(r.int8.ok).toBe(true);
  expect(r.viaSearch).toMatchObject({ ok: false, name: 'InvalidArgument' });
  expect(r.noText).toMatchObject({ ok: false, name: 'EmptyQuery' });
  expect(r.noVector).toMatchObject({ ok: false, name: 'InvalidArgument' });
});

test('BM25 references through the worker in Chromium: msmarco-5k and dbpedia-5k within ±0.005', async ({ page }) => {
  await openKinds(page);
  const call = kinds(page);
  const refs = {
    'msmarco-5k': { ndcg10: 0.6902, recall100: 0.7376, evaluated: 43 },
    'dbpedia-5k': { ndcg10: 0.3521, recall100: 0.7874, evaluated: 40 },
  };
  for (const [name, ref] of Object.entries(refs)) {
    const dir = join(SHARED, 'datasets', name);
    const docs = readJsonl<BeirDoc>(join(dir, 'corpus.jsonl'));
    const queries = readJsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl'));
    // BM25 reads only the texts; the vectors are a 1-dimensional placeholder the worker requires
    const rankings = await call(
      async (k, a) => {
        const { texts, ids, queries } = a as { texts: string[]; ids: string[]; queries: string[] };
        const loaded = await k.load({ dims: 1, ids, vectors: texts.map(() => 1), texts, batch: 1000 });
        if (!loaded.ok) return loaded.message;
        const b = await k.build(['bm25']);
        if (!b.ok) return b.message;
        const out: string[][] = [];
        for (const q of queries) {
          const r = await k.retrieve({ kind: 'bm25', k: 100, text: q });
          out.push(r.ok ? r.value.hits.map((h) => h.id) : []);
        }
        return out;
      },
      { texts: docs.map(documentText), ids: docs.map((d) => d._id), queries: queries.map((q) => q.text) },
    );
    if (typeof rankings === 'string') throw new Error(rankings);
    const run = new Map(queries.map((q, i) => [q._id, rankDocuments((rankings[i] as string[]).map((docId) => ({ docId, score: 0 })))]));
    const res = evaluateRun(run, readQrels(join(dir, 'qrels', 'test.tsv')));
    console.log(`${name} BM25 in Chromium: nDCG@10 ${res.mean?.ndcg10.toFixed(4)}, recall@100 ${res.mean?.recall100.toFixed(4)}, ${res.evaluated} queries`);
    expect(res.evaluated).toBe(ref.evaluated);
    expect(Math.abs((res.mean?.ndcg10 ?? 0) - ref.ndcg10)).toBeLessThanOrEqual(0.005);
    expect(Math.abs((res.mean?.recall100 ?? 0) - ref.recall100)).toBeLessThanOrEqual(0.005);
  }
});
