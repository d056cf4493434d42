/**
 * Real embeddings for the index-kind benchmarks (issue 14): msmarco-5k cut into 8-token chunks by
 * the app's own chunker (src/core/chunking.ts, tokens counted by the model's tokenizer without
 * special tokens, as workers/embedder.worker.ts counts them), embedded with lsa-wordpiece-256
 * (transformers.js in Node, fp32, mean pooling, normalised): about 54k vectors of 256 dimensions,
 * as in tests/e2e/scale.spec.ts. Queries: the dataset's 50 queries, embedded the same way.
 *
 * Cached in a temporary folder (never in the repo): `${tmpdir()}/ragtab-bench-cache/<key>/`
 *   vectors.f32  queries.f32  (raw little-endian f32, row-major)
 *   meta.json    {count, dims, queryCount, chunkDocIds, queryIds, queryTexts, ...}
 *   chunks.json  the chunk texts (BM25 reads them)
 * A text with no known token pools to NaN: such rows are stored as zeros (they score 0).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { chunkDocuments } from '../../src/core/chunking';

export interface RealSet {
  dir: string;
  count: number;
  dims: number;
  queryCount: number;
  chunkDocIds: string[];
  queryIds: string[];
  queryTexts: string[];
  zeroRows: number;
  seconds: number;
}

const MODEL = 'lsa-wordpiece-256';
const CHUNK_TOKENS = 8;

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

type Extractor = (texts: string[], o: { pooling: 'mean'; normalize: boolean }) => Promise<{ data: unknown; dims: number[] }>;

async function embedAll(ex: Extractor, texts: string[], onProgress?: (done: number) => void): Promise<{ v: Float32Array; dims: number; zero: number }> {
  let dims = 0;
  let v = new Float32Array(0);
  let zero = 0;
  for (let s = 0; s < texts.length; s += 256) {
    const out = await ex(texts.slice(s, s + 256), { pooling: 'mean', normalize: true });
    if (dims === 0) {
      dims = out.dims[1] as number;
      v = new Float32Array(texts.length * dims);
    }
    const data = out.data as Float32Array;
    for (let r = 0; r < (out.dims[0] as number); r++) {
      const row = data.subarray(r * dims, (r + 1) * dims);
      if (row.every(Number.isFinite)) v.set(row, (s + r) * dims);
      else zero++;
    }
    if (s % 8192 === 0) onProgress?.(s);
  }
  return { v, dims, zero };
}

/** The msmarco-5k 8-token chunk set, from the cache or made now (about a minute on 2 cores). */
export async function realEmbeddings(shared: string, log: (m: string) => void = console.log): Promise<RealSet> {
  const dir = join(tmpdir(), 'ragtab-bench-cache', `msmarco-5k.${MODEL}.tokens${CHUNK_TOKENS}`);
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile) && existsSync(join(dir, 'vectors.f32')) && existsSync(join(dir, 'chunks.json'))) {
    return { dir, ...(JSON.parse(readFileSync(metaFile, 'utf8')) as Omit<RealSet, 'dir'>) };
  }
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(shared, 'models') + '/';
  const tokenizer = (await AutoTokenizer.from_pretrained(MODEL)) as unknown as { encode(t: string, o: { add_special_tokens: boolean }): number[] };
  const ds = join(shared, 'datasets', 'msmarco-5k');
  const corpus = readJsonl<{ _id: string; title?: string; text: string }>(join(ds, 'corpus.jsonl'));
  const queries = readJsonl<{ _id: string; text: string }>(join(ds, 'queries.jsonl'));
  log(`real embeddings: chunking ${corpus.length} documents into ${CHUNK_TOKENS}-token chunks`);
  const chunks = await chunkDocuments(
    corpus.map((d) => ({ id: d._id, title: d.title ?? '', text: d.text })),
    { mode: 'tokens', size: CHUNK_TOKENS, overlap: 0 },
    async (texts) => Int32Array.from(texts, (t) => tokenizer.encode(t, { add_special_tokens: false }).length),
    { maxTokens: 512 },
  );
  log(`real embeddings: embedding ${chunks.length} chunks with ${MODEL}`);
  const ex = (await pipeline('feature-extraction', MODEL, { dtype: 'fp32', device: 'cpu' })) as unknown as Extractor;
  const docs = await embedAll(ex, chunks.map((c) => c.text), (n) => log(`  ${n} / ${chunks.length}`));
  const qs = await embedAll(ex, queries.map((q) => q.text));
  writeFileSync(join(dir, 'vectors.f32'), new Uint8Array(docs.v.buffer));
  writeFileSync(join(dir, 'queries.f32'), new Uint8Array(qs.v.buffer));
  writeFileSync(join(dir, 'chunks.json'), JSON.stringify(chunks.map((c) => c.text)));
  const meta: Omit<RealSet, 'dir'> = {
    count: chunks.length,
    dims: docs.dims,
    queryCount: queries.length,
    chunkDocIds: chunks.map((c) => c.docId),
    queryIds: queries.map((q) => q._id),
    queryTexts: queries.map((q) => q.text),
    zeroRows: docs.zero,
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaFile, JSON.stringify(meta));
  log(`real embeddings: ${meta.count} × ${meta.dims} in ${meta.seconds.toFixed(0)} s, cached in ${dir}`);
  return { dir, ...meta };
}
