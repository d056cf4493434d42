/**
 * The `kinds` section of bench:retrieval (issue 14): int8, binary, HNSW, BM25 and hybrid beside the
 * f32 SIMD scan and the memory-bandwidth reference, measured in Chromium on bench/kinds.html
 * (`window.kinds.bench`), on random unit vectors (10k and 60k × 384, the search section's seeds) and
 * on real embeddings (msmarco-5k in 8-token chunks, lsa-wordpiece-256: ~54k × 256, from
 * scripts/lib/real-embeddings.ts's cache). Quality (nDCG@10, recall@100, MRR@10 at document level)
 * is computed here from the page's rankings. Keys: bench/README-retrieval.md.
 */
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { evaluateRun, rankDocuments } from '../../src/core/metrics';
import { HNSW_DEFAULTS, RETRIEVE_DEFAULTS } from '../../src/core/index-kinds';
import { DIMS, QUERY_SEED, VECTOR_SEED } from '../../bench/lib/vectors';
import type { KindsBenchOptions, SetFigures, VectorSetSpec } from '../../bench/kinds';
import type { RealSet } from './real-embeddings';
import { readQrels } from './beir-files';

type Fig = (key: string, value: number | string | null | undefined, unit: string, extra?: { note?: string }) => void;
type Target = (key: string, value: number | null | undefined, unit: string, op: '<=' | '>=', limit: number, note?: string) => void;

/** Targets of issue 14. */
export const KIND_TARGETS = {
  int8OverReference: 0.5,
  int8Recall: 0.99,
  binaryOverReference: 0.25,
  binaryRecall: 0.95,
};

export async function kindsSection(
  browser: Browser,
  baseUrl: string,
  real: RealSet,
  shared: string,
  o: { quick: boolean; k: number; queries: number },
  fig: Fig,
  target: Target,
): Promise<unknown> {
  const page = await browser.newPage();
  page.on('console', (m) => {
    const t = m.text();
    if (t.startsWith('[kinds]')) console.log('  ' + t.slice(8));
  });
  page.on('pageerror', (e) => console.log(`  [page exception] ${e.message}`));
  try {
    await page.goto(new URL('bench/kinds.html', baseUrl).href);
    await page.waitForFunction(() => window.kindsReady === true, null, { timeout: 60_000 });
    const randomSet = (count: number): VectorSetSpec => ({
      label: `${count / 1000}k`,
      dims: DIMS,
      random: { count, seed: VECTOR_SEED, querySeed: QUERY_SEED, queries: o.queries },
    });
    const realSpec: VectorSetSpec = {
      label: 'real',
      dims: real.dims,
      files: { vectors: '/bench-cache/vectors.f32', queries: '/bench-cache/queries.f32', count: real.count, queryCount: real.queryCount },
      texts: { chunks: '/bench-cache/chunks.json', queries: real.queryTexts },
    };
    const hnswReal = o.quick ? [10_000] : [10_000, 50_000];
    const results: SetFigures[] = [];
    const base: Omit<KindsBenchOptions, 'sets' | 'hnsw'> = {
      k: o.k,
      warmup: 10,
      queries: o.queries,
      int8Rescore: RETRIEVE_DEFAULTS.int8Rescore(o.k),
      binaryRescore: RETRIEVE_DEFAULTS.binaryRescore(o.k),
      depth: 100,
      fusedDepth: RETRIEVE_DEFAULTS.fusedDepth,
    };
    const hnsw = (sizes: number[]) => ({ sizes, efs: [16, 64, 128], m: HNSW_DEFAULTS.m, efConstruction: HNSW_DEFAULTS.efConstruction });
    const plan: Array<[VectorSetSpec, KindsBenchOptions['hnsw']]> = [
      [randomSet(10_000), hnsw([10_000])],
      [randomSet(60_000), null],
      [realSpec, hnsw(hnswReal)],
    ];
    for (const [spec, h] of plan) {
      console.log(`  kinds: ${spec.label} …`);
      const r = await page.evaluate((opts) => window.kinds!.bench(opts), { ...base, sets: [spec], hnsw: h });
      results.push(...r.sets);
    }

    const qrels = readQrels(join(shared, 'datasets', 'msmarco-5k', 'qrels', 'test.tsv'));
    const quality: Record<string, unknown> = {};
    for (const s of results) {
      const L = s.label === 'real' ? 'real' : s.label;
      const note = s.label === 'real' ? `msmarco-5k 8-token chunks, lsa-wordpiece-256, ${s.count} × ${s.dims}` : `random unit vectors, ${s.count} × ${s.dims}`;
      fig(`kinds.${L}.reference.p50`, s.referenceMs.p50, 'ms', { note: `f32 bytes read once (${(s.vectorBytes / 1e6).toFixed(0)} MB), same run` });
      fig(`kinds.${L}.exact.p50`, s.exactMs.p50, 'ms');
      fig(`kinds.${L}.exact.overReference`, s.exactOverReference, '×');
      for (const kind of ['int8', 'binary'] as const) {
        const q = s[kind];
        const overLimit = kind === 'int8' ? KIND_TARGETS.int8OverReference : KIND_TARGETS.binaryOverReference;
        const recallLimit = kind === 'int8' ? KIND_TARGETS.int8Recall : KIND_TARGETS.binaryRecall;
        fig(`kinds.${L}.${kind}.p50`, q.ms.p50, 'ms', { note: `${q.rescored} candidates rescored in f32` });
        fig(`kinds.${L}.${kind}.p90`, q.ms.p90, 'ms');
        if (s.count === 60_000) target(`kinds.${L}.${kind}.overReference`, q.overReference, '×', '<=', overLimit, note);
        else fig(`kinds.${L}.${kind}.overReference`, q.overReference, '×', { note });
        if (s.label === 'real') target(`kinds.${L}.${kind}.recallAt10`, q.recallAt10, '', '>=', recallLimit, `${note}; tie-aware (ids only: ${q.recallAt10Strict.toFixed(3)})`);
        else fig(`kinds.${L}.${kind}.recallAt10`, q.recallAt10, '', { note: `random vectors, beside the real-embedding target; ids only: ${q.recallAt10Strict.toFixed(3)}` });
        fig(`kinds.${L}.${kind}.buildMs`, q.buildMs, 'ms');
        fig(`kinds.${L}.${kind}.bytesPerVector`, q.bytes / s.count, 'B', { note: `f32: ${s.dims * 4} B` });
      }
      for (const h of s.hnsw) {
        const H = `kinds.${L}.hnsw.${h.size / 1000}k`;
        fig(`${H}.buildMs`, h.buildMs, 'ms', { note: `M ${HNSW_DEFAULTS.m}, efConstruction ${HNSW_DEFAULTS.efConstruction}, hnswlib-wasm in the page` });
        fig(`${H}.bytesPerVector`, h.bytes / h.size, 'B', { note: `hnswlib's layout; its wasm heap: ${(h.heapBytes / 1e6).toFixed(0)} MB` });
        for (const e of h.efs) {
          fig(`${H}.ef${e.ef}.p50`, e.ms.p50, 'ms');
          fig(`${H}.ef${e.ef}.recallAt10`, e.recallAt10, '', { note: `vs the exact scan over the same rows, tie-aware (ids only: ${e.recallAt10Strict.toFixed(3)})` });
        }
      }
      if (s.bm25) {
        fig(`kinds.${L}.bm25.buildMs`, s.bm25.buildMs, 'ms', { note: `${s.bm25.tokens} tokens, wink-bm25-text-search` });
        fig(`kinds.${L}.bm25.p50`, s.bm25.ms.p50, 'ms', { note: `top-${base.k} over wink's term scores (src/core/bm25.ts); ${s.bm25.mismatches} of ${s.bm25.ms.n} queries whose top ${base.k} differ from wink's own search` });
        fig(`kinds.${L}.bm25.p90`, s.bm25.ms.p90, 'ms');
        fig(`kinds.${L}.bm25.wink.p50`, s.bm25.winkMs.p50, 'ms', { note: "wink's own search (every matching chunk sorted), alternated query by query with the top-k" });
        if (s.bm25.bytes !== null) fig(`kinds.${L}.bm25.bytes`, s.bm25.bytes, 'B', { note: 'the postings the search reads (typed arrays + vocabulary)' });
      }
      if (s.hybrid) fig(`kinds.${L}.hybrid.p50`, s.hybrid.ms.p50, 'ms', { note: `exact + BM25, ${RETRIEVE_DEFAULTS.fusedDepth} deep each, RRF k ${RETRIEVE_DEFAULTS.rrfK}` });
      if (s.label === 'real') {
        for (const [kind, ranks] of Object.entries(s.rankings)) {
          const run = new Map(real.queryIds.map((qid, i) => [qid, rankDocuments((ranks[i] ?? []).map((r) => ({ docId: real.chunkDocIds[r] as string, score: 0 })))]));
          const res = evaluateRun(run, qrels);
          quality[kind] = { evaluated: res.evaluated, ...res.mean };
          fig(`kinds.real.quality.${kind}.ndcg10`, res.mean?.ndcg10, '', { note: `${res.evaluated} judged queries, document level` });
          fig(`kinds.real.quality.${kind}.recall100`, res.mean?.recall100, '');
          fig(`kinds.real.quality.${kind}.mrr10`, res.mean?.mrr10, '');
        }
      }
    }
    return { sets: results.map(({ rankings: _r, ...rest }) => rest), quality };
  } finally {
    await page.close();
  }
}

/**
 * The storage prototype for the quantized kinds (phase B design): 50k × 384 written as 1,024-row
 * ArrayBuffer blocks (f32 and int8 codes) into the kinds page's own IndexedDB database in a
 * persistent profile; then, alternately, the browser is closed and relaunched and one kind is
 * cold-loaded until its first top-10 answer (int8: rescored with the dequantized codes, the f32
 * blocks read after the answer, in the background).
 */
export async function kindsStorageSection(
  baseUrl: string,
  executablePath: string,
  args: string[],
  o: { count: number; rounds: number },
  fig: Fig,
  target: Target,
): Promise<unknown> {
  const { chromium } = await import('@playwright/test');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const profile = mkdtempSync(join(tmpdir(), 'ragtab-kinds-storage-'));
  const open = async () => {
    const ctx = await chromium.launchPersistentContext(profile, { executablePath, args, headless: true });
    const page = await ctx.newPage();
    await page.goto(new URL('bench/kinds.html', baseUrl).href);
    await page.waitForFunction(() => window.kindsReady === true, null, { timeout: 60_000 });
    return { ctx, page };
  };
  try {
    let { ctx, page } = await open();
    const written = await page.evaluate((a) => window.kinds!.protoWrite(a), { count: o.count, dims: DIMS, seed: VECTOR_SEED });
    await ctx.close();
    const loads: Array<Awaited<ReturnType<NonNullable<Window['kinds']>['protoColdLoad']>>> = [];
    for (let r = 0; r < o.rounds; r++) {
      for (const kind of r % 2 === 0 ? (['f32', 'int8'] as const) : (['int8', 'f32'] as const)) {
        ({ ctx, page } = await open());
        loads.push(await page.evaluate((k) => window.kinds!.protoColdLoad(k), kind));
        await ctx.close();
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? null;
    const f32 = loads.filter((l) => l.kind === 'f32');
    const i8 = loads.filter((l) => l.kind === 'int8');
    const L = `${o.count / 1000}k`;
    fig(`kinds.storage.${L}.f32.coldLoadMs`, med(f32.map((l) => l.firstAnswerMs)), 'ms', { note: `median of ${f32.length}: open → ${(written.f32Bytes / 1e6).toFixed(0)} MB of blocks read → first top-10` });
    target(`kinds.storage.${L}.int8.coldLoadMs`, med(i8.map((l) => l.firstAnswerMs)), 'ms', '<=', 100, `median of ${i8.length}: ${(written.int8Bytes / 1e6).toFixed(0)} MB of codes; first answer rescored with dequantized codes`);
    fig(`kinds.storage.${L}.int8.f32ReadyMs`, med(i8.map((l) => l.f32ReadyMs ?? NaN)), 'ms', { note: 'until the f32 rescoring vectors are read too (background)' });
    // the cold answer (int8, rescored with dequantized codes) against the f32 answer to the same query
    const want = new Set(f32[0]?.top ?? []);
    const firstRecall = i8[0] ? i8[0].top.filter((r) => want.has(r)).length / 10 : null;
    fig(`kinds.storage.${L}.int8.coldRecallAt10`, firstRecall, '', { note: 'cold answer (dequantized rescoring) vs the f32 top 10, one query' });
    return { written, loads };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}
