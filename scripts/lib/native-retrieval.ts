/**
 * The Node side of bench:retrieval: the same embedding measured natively (transformers.js on
 * onnxruntime-node) and in onnxruntime-web's WebAssembly under Node, the padding a batch order
 * costs, and exact / SIMD / native HNSW (usearch) search over the same vectors. The page side and
 * the figures are in scripts/bench-retrieval.ts.
 */
import { join } from 'node:path';
import { sharedDir } from './server';
import { exactTopK, type TopK } from '../../src/core/topk';
import { SimdStore } from '../../workers/lib/simd-scan';
import { DIMS, QUERY_SEED, VECTOR_SEED, checksum, pct, randomUnitVectors } from '../../bench/lib/vectors';

/** The embedding model both sides measure (a random-weight model in MiniLM's shape, in ../shared/models). */
export const MODEL = 'minilm-shape-random';
/** Texts per embedding batch, on both sides. */
export const BATCH = 32;
/** Top k of every search. */
export const K = 10;

// ─────────────────────────────── Node embedders ───────────────────────────────

export type Tensorish = { data: ArrayLike<number | bigint>; dims: number[] };
export type Tokenize = (t: string[], o: object) => Record<string, Tensorish>;
export type Encode = (t: string) => number[];
/** Order of texts before batching: as given, or sorted by token count (fewest padded positions). */
export type Sort = 'none' | 'tokens';

export interface NodeRun {
  rows: number;
  /** Real tokens (attention-mask ones), special tokens included. */
  tokens: number;
  /** Positions computed, padding included. */
  paddedTokens: number;
  tokenizeMs: number;
  inferMs: number;
  ms: number;
}

/** Mean pooling as the embedder worker does it (cheap next to the model, kept for equal work). */
export function meanPool(hidden: Tensorish, mask: ArrayLike<number | bigint>): Float32Array {
  const [rows, seq, dims] = hidden.dims as [number, number, number];
  const h = hidden.data as Float32Array;
  const pooled = new Float32Array(rows * dims);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < seq; t++) {
      if (Number(mask[r * seq + t]) === 0) continue;
      for (let d = 0; d < dims; d++) pooled[r * dims + d] = (pooled[r * dims + d] as number) + (h[(r * seq + t) * dims + d] as number);
    }
  }
  return pooled;
}

/** The embedder worker's loop (tokenise a batch, run the model, pool) over `texts`. */
export async function embedLoop(tok: Tokenize, encode: Encode, model: (i: Record<string, Tensorish>) => Promise<Tensorish>, texts: string[], sort: Sort): Promise<NodeRun> {
  const t0 = performance.now();
  const order = texts.map((_, i) => i);
  if (sort === 'tokens') {
    const lens = texts.map((t) => encode(t).length);
    order.sort((a, b) => (lens[a] as number) - (lens[b] as number));
  }
  let tokenizeMs = 0;
  let inferMs = 0;
  let tokens = 0;
  let padded = 0;
  for (let i = 0; i < order.length; i += BATCH) {
    const a = performance.now();
    const inputs = tok(order.slice(i, i + BATCH).map((j) => texts[j] as string), { padding: true, truncation: true });
    const b = performance.now();
    const hidden = await model(inputs);
    const mask = (inputs['attention_mask'] as Tensorish).data;
    meanPool(hidden, mask);
    for (let j = 0; j < mask.length; j++) tokens += Number(mask[j]);
    padded += mask.length;
    tokenizeMs += b - a;
    inferMs += performance.now() - b;
  }
  return { rows: texts.length, tokens, paddedTokens: padded, tokenizeMs, inferMs, ms: performance.now() - t0 };
}

export interface NodeEmbedder {
  loadMs: number;
  warmupMs: number;
  run(texts: string[], sort: Sort): Promise<NodeRun>;
  close(): Promise<void>;
}

/** transformers.js on onnxruntime-node (`device: 'cpu'`): the native reference. */
export async function openNative(threads: number, warmup: string[]): Promise<NodeEmbedder> {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(sharedDir(), 'models') + '/';
  const t0 = performance.now();
  const ex = await pipeline('feature-extraction', MODEL, {
    device: 'cpu',
    dtype: 'fp32',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  } as never);
  const loadMs = performance.now() - t0;
  const tok = ex.tokenizer as unknown as Tokenize;
  const encode: Encode = (t) => (ex.tokenizer as unknown as { encode(t: string): number[] }).encode(t);
  const model = async (i: Record<string, Tensorish>) =>
    ((await (ex.model as unknown as (x: object) => Promise<Record<string, Tensorish>>)(i))['last_hidden_state'] as Tensorish);
  const w0 = performance.now();
  await model(tok(warmup, { padding: true, truncation: true }));
  return { loadMs, warmupMs: performance.now() - w0, run: (t, s) => embedLoop(tok, encode, model, t, s), close: () => ex.dispose() };
}

/**
 * The browser's ONNX Runtime (onnxruntime-web, WebAssembly) run in Node: separates "WebAssembly
 * versus native code" from "the browser and its workers". onnxruntime-web is a dependency of
 * transformers.js, already installed.
 */
export async function openNodeWasm(threads: number, warmup: string[]): Promise<NodeEmbedder> {
  const ort = await import('onnxruntime-web');
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(sharedDir(), 'models') + '/';
  const t0 = performance.now();
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(join(sharedDir(), 'models', MODEL, 'onnx', 'model.onnx'), {
    executionProviders: ['wasm'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const tokenizer = await AutoTokenizer.from_pretrained(MODEL);
  const loadMs = performance.now() - t0;
  const tok = tokenizer as unknown as Tokenize;
  const encode: Encode = (t) => (tokenizer as unknown as { encode(t: string): number[] }).encode(t);
  const model = async (i: Record<string, Tensorish>) => {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const k of ['input_ids', 'attention_mask', 'token_type_ids']) {
      const t = i[k] as Tensorish;
      feeds[k] = new ort.Tensor('int64', t.data as BigInt64Array, t.dims);
    }
    const out = await session.run(feeds);
    return out['last_hidden_state'] as unknown as Tensorish;
  };
  const w0 = performance.now();
  await model(tok(warmup, { padding: true, truncation: true }));
  return { loadMs, warmupMs: performance.now() - w0, run: (t, s) => embedLoop(tok, encode, model, t, s), close: () => session.release() };
}

export type CorpusOrder = 'none' | 'chars' | 'tokens';
export interface CorpusPadding {
  batchSize: number;
  order: CorpusOrder;
  tokens: number;
  paddedTokens: number;
}

/**
 * Padding a batched ingest of the whole corpus would compute: texts as given, sorted by character
 * length, or sorted by token count (tokeniser only, no model). Also times the tokenising.
 */
export async function corpusPadding(texts: string[], batchSizes: number[]): Promise<{ tokenizeMs: number; rows: CorpusPadding[] }> {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(sharedDir(), 'models') + '/';
  const tokenizer = (await AutoTokenizer.from_pretrained(MODEL)) as unknown as { encode(t: string): number[]; model_max_length?: number };
  const max = tokenizer.model_max_length ?? 512;
  const t0 = performance.now();
  const lens = texts.map((t) => Math.min(tokenizer.encode(t).length, max));
  const tokenizeMs = performance.now() - t0;
  const rows: CorpusPadding[] = [];
  for (const batchSize of batchSizes) {
    for (const order of ['none', 'chars', 'tokens'] as const) {
      const idx = texts.map((_, i) => i);
      if (order === 'chars') idx.sort((a, b) => (texts[a] as string).length - (texts[b] as string).length);
      if (order === 'tokens') idx.sort((a, b) => (lens[a] as number) - (lens[b] as number));
      let tokens = 0;
      let padded = 0;
      for (let i = 0; i < idx.length; i += batchSize) {
        const ls = idx.slice(i, i + batchSize).map((j) => lens[j] as number);
        tokens += ls.reduce((x, y) => x + y, 0);
        padded += Math.max(...ls) * ls.length;
      }
      rows.push({ batchSize, order, tokens, paddedTokens: padded });
    }
  }
  return { tokenizeMs, rows };
}

export interface NodeSearch {
  count: number;
  vectorsChecksum: string;
  queriesChecksum: string;
  simdMs: { p50: number | null; p90: number | null };
  referenceMs: { p50: number | null };
  hnsw: {
    connectivity: number;
    expansionAdd: number;
    expansionSearch: number;
    buildMs: number;
    ms: { p50: number | null; p90: number | null };
    recallAtK: number;
  } | null;
}

/** Exact SIMD scan in Node (context) and a native HNSW index (usearch) on the same vectors. */
export async function nodeSearch(count: number, queries: number, withHnsw: boolean): Promise<NodeSearch> {
  const vectors = randomUnitVectors(count, DIMS, VECTOR_SEED);
  const qs = randomUnitVectors(queries, DIMS, QUERY_SEED);
  const q = (i: number) => qs.subarray(i * DIMS, (i + 1) * DIMS);
  const store = new SimdStore(DIMS, { initialCapacity: count });
  store.add(vectors);
  const exact: TopK[] = [];
  for (let i = 0; i < queries; i++) exact.push(store.search(q(i), K));
  const simd: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < queries; i++) {
    const t0 = performance.now();
    store.search(q(i), K);
    simd.push(performance.now() - t0);
    const t1 = performance.now();
    store.touchAll();
    ref.push(performance.now() - t1);
  }
  // the SIMD store must agree with the plain scan (a few queries)
  for (let i = 0; i < Math.min(3, queries); i++) {
    const js = exactTopK(vectors, DIMS, count, q(i), K);
    if (Array.from(js.indices).join() !== Array.from((exact[i] as TopK).indices).join()) throw new Error('SIMD scan disagrees with exactTopK in Node');
  }
  let hnsw: NodeSearch['hnsw'] = null;
  if (withHnsw) {
    const usearch = await import('usearch');
    // usearch's own defaults for the expansions, given explicitly so the record states them
    const connectivity = 16;
    const expansionAdd = 128;
    const expansionSearch = 64;
    const index = new usearch.Index({ metric: 'cos', dimensions: DIMS, connectivity, expansion_add: expansionAdd, expansion_search: expansionSearch } as never);
    const keys = new BigUint64Array(count);
    for (let i = 0; i < count; i++) keys[i] = BigInt(i);
    const b0 = performance.now();
    index.add(keys, vectors);
    const buildMs = performance.now() - b0;
    const ms: number[] = [];
    let hits = 0;
    for (let i = 0; i < queries; i++) {
      const t0 = performance.now();
      const m = index.search(q(i), K, 1);
      ms.push(performance.now() - t0);
      const want = new Set(Array.from((exact[i] as TopK).indices));
      for (const key of m.keys) if (want.has(Number(key))) hits++;
    }
    hnsw = { connectivity, expansionAdd, expansionSearch, buildMs, ms: { p50: pct(ms, 0.5), p90: pct(ms, 0.9) }, recallAtK: hits / (queries * K) };
  }
  return {
    count,
    vectorsChecksum: checksum(vectors),
    queriesChecksum: checksum(qs),
    simdMs: { p50: pct(simd, 0.5), p90: pct(simd, 0.9) },
    referenceMs: { p50: pct(ref, 0.5) },
    hnsw,
  };
}

