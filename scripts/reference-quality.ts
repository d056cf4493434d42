/**
 * Reproduce the reference retrieval-quality figures of shared/models/README.md in Node:
 * lsa-wordpiece-256 (fp32, mean pooling, normalised, truncated at 512 tokens by the tokenizer),
 * documents embedded whole as `title + " " + text`, queries as they are, exact cosine search over
 * the whole corpus (top 100), evaluated with src/core/metrics.ts.
 *
 *   npx tsx scripts/reference-quality.ts [msmarco-5k|dbpedia-5k ...]
 *
 * Then BM25 (issue 14) with src/core/bm25.ts's protocol defaults (wink-bm25-text-search, k1 0.9,
 * b 0.4, NFKD/marks/lowercase/non-alphanumeric split), whole documents as chunks, top 100, judged at
 * document level: within ±0.005 of the reference figures of issue 14.
 *
 * Shared folder: env RAGTAB_SHARED, else ../shared relative to the repo.
 * Exit code 1 when a figure is off by more than its tolerance or the evaluated count differs.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { env, pipeline } from '@huggingface/transformers';
import { evaluateRun, rankDocuments } from '../src/core/metrics';
import { TopKHeap } from '../src/core/topk';
import { Bm25Index, documentText } from '../src/core/bm25';
import { readJsonl, readQrels } from './lib/beir-files';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = resolve(process.env['RAGTAB_SHARED'] ?? join(REPO, '..', 'shared'));
const MODEL = 'lsa-wordpiece-256';
const BATCH = 64;
const TOP = 100;
const TOLERANCE = 0.001;

const EXPECTED: Record<string, { ndcg10: number; recall100: number; evaluated: number }> = {
  'msmarco-5k': { ndcg10: 0.6519, recall100: 0.796, evaluated: 43 },
  'dbpedia-5k': { ndcg10: 0.284, recall100: 0.8626, evaluated: 40 },
};

const BM25_TOLERANCE = 0.005;
const EXPECTED_BM25: Record<string, { ndcg10: number; recall100: number; evaluated: number }> = {
  'msmarco-5k': { ndcg10: 0.6902, recall100: 0.7376, evaluated: 43 },
  'dbpedia-5k': { ndcg10: 0.3521, recall100: 0.7874, evaluated: 40 },
};

interface Doc {
  _id: string;
  title?: string;
  text: string;
}

type Extractor = (texts: string[], opts: { pooling: 'mean'; normalize: boolean }) => Promise<{ data: unknown; dims: number[] }>;

/** Embed texts in batches; rows that are not finite (texts with no known token) become zero. */
async function embed(extractor: Extractor, texts: string[]): Promise<{ vectors: Float32Array; dims: number; zeroRows: number }> {
  let dims = 0;
  let vectors = new Float32Array(0);
  let zeroRows = 0;
  for (let start = 0; start < texts.length; start += BATCH) {
    const batch = texts.slice(start, start + BATCH);
    const out = await extractor(batch, { pooling: 'mean', normalize: true });
    const data = out.data as Float32Array;
    if (dims === 0) {
      dims = out.dims[1] as number;
      vectors = new Float32Array(texts.length * dims);
    }
    for (let r = 0; r < batch.length; r++) {
      const row = data.subarray(r * dims, (r + 1) * dims);
      let finite = true;
      let nonZero = false;
      for (const v of row) {
        if (!Number.isFinite(v)) finite = false;
        else if (v !== 0) nonZero = true;
      }
      if (finite && nonZero) vectors.set(row, (start + r) * dims);
      else zeroRows++; // stays zero: scores 0 against everything
    }
  }
  return { vectors, dims, zeroRows };
}

async function runDataset(name: string, extractor: Extractor): Promise<boolean> {
  const dir = join(SHARED, 'datasets', name);
  const t0 = performance.now();
  const corpus = readJsonl<Doc>(join(dir, 'corpus.jsonl'));
  const queries = readJsonl<Doc>(join(dir, 'queries.jsonl'));
  const qrels = readQrels(join(dir, 'qrels', 'test.tsv'));

  const tDocs = performance.now();
  const docs = await embed(extractor, corpus.map((d) => `${d.title ?? ''} ${d.text}`));
  const tQueries = performance.now();
  const qs = await embed(extractor, queries.map((q) => q.text));
  const tSearch = performance.now();

  const dims = docs.dims;
  const run = new Map<string, string[]>();
  queries.forEach((q, qi) => {
    const qv = qs.vectors.subarray(qi * dims, (qi + 1) * dims);
    const heap = new TopKHeap(TOP);
    for (let di = 0; di < corpus.length; di++) {
      const off = di * dims;
      let dot = 0;
      for (let j = 0; j < dims; j++) dot += (qv[j] as number) * (docs.vectors[off + j] as number);
      if (dot > heap.threshold || heap.size < heap.k) heap.push(dot, di);
    }
    const { indices, scores } = heap.result();
    const hits = Array.from(indices, (di, r) => ({ docId: (corpus[di] as Doc)._id, score: scores[r] as number }));
    run.set(q._id, rankDocuments(hits));
  });
  const tEval = performance.now();
  const res = evaluateRun(run, qrels);
  const tEnd = performance.now();

  const exp = EXPECTED[name];
  const m = res.mean;
  const fmt = (x: number): string => x.toFixed(4);
  console.log(`\n${name}: ${corpus.length} docs, ${queries.length} queries, ${qrels.size} judged queries`);
  console.log(`  zero/NaN vectors: ${docs.zeroRows} docs, ${qs.zeroRows} queries (scored 0 against everything)`);
  console.log(
    `  evaluated ${res.evaluated}; skipped ${res.skipped.noPositiveJudgment.length} without a positive judgment, ` +
      `${res.skipped.notRun.length} not run`,
  );
  if (m) {
    console.log(`  nDCG@10 ${fmt(m.ndcg10)}  recall@10 ${fmt(m.recall10)}  recall@100 ${fmt(m.recall100)}  MRR@10 ${fmt(m.mrr10)}`);
  }
  console.log(
    `  time: load ${(tDocs - t0).toFixed(0)} ms, embed docs ${(tQueries - tDocs).toFixed(0)} ms ` +
      `(${((corpus.length / (tQueries - tDocs)) * 1000).toFixed(0)} docs/s), embed queries ${(tSearch - tQueries).toFixed(0)} ms, ` +
      `search ${(tEval - tSearch).toFixed(0)} ms, evaluate ${(tEnd - tEval).toFixed(1)} ms, total ${(tEnd - t0).toFixed(0)} ms`,
  );
  if (!exp) return true;
  const ok =
    m !== null &&
    Math.abs(m.ndcg10 - exp.ndcg10) <= TOLERANCE &&
    Math.abs(m.recall100 - exp.recall100) <= TOLERANCE &&
    res.evaluated === exp.evaluated;
  console.log(
    `  expected nDCG@10 ${fmt(exp.ndcg10)}, recall@100 ${fmt(exp.recall100)}, ${exp.evaluated} queries: ` +
      (ok ? `OK (±${TOLERANCE})` : 'MISMATCH'),
  );
  return ok;
}

function runBm25(name: string): boolean {
  const dir = join(SHARED, 'datasets', name);
  const corpus = readJsonl<Doc>(join(dir, 'corpus.jsonl'));
  const queries = readJsonl<Doc>(join(dir, 'queries.jsonl'));
  const qrels = readQrels(join(dir, 'qrels', 'test.tsv'));
  const t0 = performance.now();
  const index = new Bm25Index();
  index.add(corpus.map(documentText));
  index.build();
  const tSearch = performance.now();
  const run = new Map<string, string[]>();
  for (const q of queries) {
    const h = index.search(q.text, TOP);
    run.set(q._id, rankDocuments(Array.from(h.indices, (di, r) => ({ docId: (corpus[di] as Doc)._id, score: h.scores[r] as number }))));
  }
  const tEnd = performance.now();
  const res = evaluateRun(run, qrels);
  const m = res.mean;
  const fmt = (x: number): string => x.toFixed(4);
  console.log(`\n${name}, BM25 (k1 ${index.options.k1}, b ${index.options.b}, ${index.tokenCount} tokens): evaluated ${res.evaluated}`);
  if (m) console.log(`  nDCG@10 ${fmt(m.ndcg10)}  recall@10 ${fmt(m.recall10)}  recall@100 ${fmt(m.recall100)}  MRR@10 ${fmt(m.mrr10)}`);
  console.log(`  time: build ${(tSearch - t0).toFixed(0)} ms, ${queries.length} queries ${(tEnd - tSearch).toFixed(0)} ms`);
  const exp = EXPECTED_BM25[name];
  if (!exp) return true;
  const ok =
    m !== null &&
    Math.abs(m.ndcg10 - exp.ndcg10) <= BM25_TOLERANCE &&
    Math.abs(m.recall100 - exp.recall100) <= BM25_TOLERANCE &&
    res.evaluated === exp.evaluated;
  console.log(
    `  expected nDCG@10 ${fmt(exp.ndcg10)}, recall@100 ${fmt(exp.recall100)}, ${exp.evaluated} queries: ` +
      (ok ? `OK (±${BM25_TOLERANCE})` : 'MISMATCH'),
  );
  return ok;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(EXPECTED);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(SHARED, 'models') + '/';
  const t0 = performance.now();
  const extractor = (await pipeline('feature-extraction', MODEL, { dtype: 'fp32', device: 'cpu' })) as unknown as Extractor;
  console.log(`model ${MODEL} loaded in ${(performance.now() - t0).toFixed(0)} ms from ${env.localModelPath}`);
  let ok = true;
  for (const name of names) ok = (await runDataset(name, extractor)) && ok;
  for (const name of names) ok = runBm25(name) && ok;
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 2;
});
