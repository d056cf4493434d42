/**
 * The retrieval benchmark page (bench/retrieval.html), driven by scripts/bench-retrieval.ts.
 * Exposes `window.bench`; every method measures inside this tab (its workers included) and
 * resolves with plain JSON figures. Nothing here asserts: it only measures.
 */
import * as Comlink from 'comlink';
import './lib/environment';
import { Voy } from 'voy-search';
import type { EmbedderApi } from '../workers/api';
import { SimdStore, mergeTopK } from '../workers/lib/simd-scan';
import { timeCalibration, timerResolution } from '../workers/lib/roofs';
import { measureDeviceRoofs } from '../src/engine/roofs';
import type { DeviceRoofs } from '../src/core/roofs';
import { exactTopK, type TopK } from '../src/core/topk';
import { DIMS, QUERY_SEED, VECTOR_SEED, checksum, corpusTexts, pct, randomUnitVectors } from './lib/vectors';
import type { RoundTripApi, SharedLayout } from './roundtrip.worker';
import type { EmbedProbeApi, OrtBuild, OrtBundle, ProbeLoadResult, ProbeRunResult, SortOrder } from './embed-probe.worker';

const logEl = document.getElementById('log');
function log(msg: string): void {
  if (logEl) logEl.textContent += msg + '\n';
  console.log(`[bench] ${msg}`);
}

export interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
}

function percentiles(samples: number[]): Percentiles {
  return { n: samples.length, p50: pct(samples, 0.5), p90: pct(samples, 0.9) };
}

/** Rejects after `ms` (a stuck worker must not stall the whole benchmark). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timeout: ${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}

// ─────────────────────────────── environment ───────────────────────────────

export interface PageEnv {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** Smallest non-zero step of performance.now() seen (ms): 0.005 when isolated, 0.1 when not. */
  timerResolutionMs: number;
  wasmSimd: boolean;
}

function environment(): PageEnv {
  const res = timerResolution();
  const simd = new SimdStore(4);
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
    timerResolutionMs: res,
    wasmSimd: simd.simd,
  };
}

// ─────────────────────────────── (a) embedding ───────────────────────────────

export interface EmbedderStartOptions {
  /** How many corpus texts (the first n) the page holds for `embedderRun`. */
  n: number;
  threads: number;
  batchSize: number;
  model: string;
  modelBase: string;
  corpusUrl: string;
}

export interface EmbedderStarted {
  id: number;
  requestedThreads: number;
  /** Threads the embedder says ONNX Runtime was given. */
  threads: number;
  device: string;
  workerCrossOriginIsolated: boolean;
  loadMs: number;
  /** One warm-up batch (the first batchSize texts), after loading. */
  warmupMs: number;
  texts: number;
}

export interface EmbedderRunResult {
  rows: number;
  tokens: number;
  batches: number;
  /** The embedder's own time for embed(texts) (performance.now() in the worker). */
  workerMs: number;
  /** The same call timed on this page (worker boundary included). */
  roundTripMs: number;
}

export interface EmbeddingOptions {
  n: number;
  threads: number[];
  batchSize: number;
  model: string;
  modelBase: string;
  corpusUrl: string;
}

export interface EmbeddingRun extends EmbedderStarted, EmbedderRunResult {
  textsPerSecond: number;
  tokensPerSecond: number;
}

const corpusCache = new Map<string, string>();
async function textsOf(url: string, n: number): Promise<string[]> {
  let body = corpusCache.get(url);
  if (body === undefined) {
    body = await fetchText(url);
    corpusCache.set(url, body);
  }
  return corpusTexts(body, n);
}

interface OpenEmbedder {
  worker: Worker;
  api: Comlink.Remote<EmbedderApi>;
  texts: string[];
}
const embedders = new Map<number, OpenEmbedder>();
let nextEmbedder = 1;

/** A fresh app embedder worker with the model loaded and one warm-up batch done. */
async function embedderStart(o: EmbedderStartOptions): Promise<EmbedderStarted> {
  const texts = await textsOf(o.corpusUrl, o.n);
  const worker = new Worker(new URL('../workers/embedder.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<EmbedderApi>(worker);
  try {
    const t0 = performance.now();
    const loaded = await withTimeout(
      api.load(
        { id: o.model, baseUrl: o.modelBase },
        { device: 'wasm', dtype: 'fp32', threads: o.threads, batchSize: o.batchSize, pooling: 'mean', normalize: true },
      ),
      180_000,
      'loading the model in the embedder worker',
    );
    const loadMs = performance.now() - t0;
    const w0 = performance.now();
    await withTimeout(api.embed(texts.slice(0, o.batchSize)), 120_000, 'the warm-up batch');
    const warmupMs = performance.now() - w0;
    const id = nextEmbedder++;
    embedders.set(id, { worker, api, texts });
    return {
      id,
      requestedThreads: o.threads,
      threads: loaded.info.threads,
      device: loaded.info.device,
      workerCrossOriginIsolated: loaded.info.crossOriginIsolated,
      loadMs,
      warmupMs,
      texts: texts.length,
    };
  } catch (e) {
    api[Comlink.releaseProxy]();
    worker.terminate();
    throw e;
  }
}

/** Embeds texts [from, to) of the held texts in one embed() call. */
async function embedderRun(o: { id: number; from: number; to: number }): Promise<EmbedderRunResult> {
  const e = embedders.get(o.id);
  if (!e) throw new Error(`no embedder ${o.id}`);
  const batch = e.texts.slice(o.from, o.to);
  const r0 = performance.now();
  const res = await withTimeout(e.api.embed(batch), 60_000 + batch.length * 1000, `embedding ${batch.length} texts`);
  const roundTripMs = performance.now() - r0;
  return { rows: res.rows, tokens: res.tokens, batches: res.batches.length, workerMs: res.workerMs, roundTripMs };
}

function embedderStop(id: number): void {
  const e = embedders.get(id);
  if (!e) return;
  e.api[Comlink.releaseProxy]();
  e.worker.terminate();
  embedders.delete(id);
}

/** (a) in one call: for each thread count a fresh embedder worker, a warm-up batch, then all n texts. */
async function embedding(o: EmbeddingOptions): Promise<{ runs: EmbeddingRun[] }> {
  const runs: EmbeddingRun[] = [];
  for (const threads of o.threads) {
    const started = await embedderStart({ ...o, threads });
    try {
      const r = await embedderRun({ id: started.id, from: 0, to: started.texts });
      const run: EmbeddingRun = {
        ...started,
        ...r,
        textsPerSecond: (r.rows / r.workerMs) * 1000,
        tokensPerSecond: (r.tokens / r.workerMs) * 1000,
      };
      log(`embedding threads=${threads}: ${run.textsPerSecond.toFixed(1)} texts/s, ${run.tokensPerSecond.toFixed(0)} tokens/s`);
      runs.push(run);
    } finally {
      embedderStop(started.id);
    }
  }
  return { runs };
}

// ─────────────────────────── (a') where the time goes ───────────────────────────

export interface ProbeConfig {
  threads: number;
  build: OrtBuild;
  bundle: OrtBundle;
  sort: SortOrder;
}

export interface ProbeOptions {
  n: number;
  batchSize: number;
  model: string;
  modelBase: string;
  corpusUrl: string;
  configs: ProbeConfig[];
}

export interface ProbeOutcome {
  config: ProbeConfig;
  load: ProbeLoadResult | null;
  warmup: ProbeRunResult | null;
  run: ProbeRunResult | null;
  error: string | null;
}

async function embeddingProbe(o: ProbeOptions): Promise<{ outcomes: ProbeOutcome[] }> {
  const texts = await textsOf(o.corpusUrl, o.n);
  const outcomes: ProbeOutcome[] = [];
  for (const config of o.configs) {
    const worker = new Worker(new URL('./embed-probe.worker.ts', import.meta.url), { type: 'module' });
    const api = Comlink.wrap<EmbedProbeApi>(worker);
    const out: ProbeOutcome = { config, load: null, warmup: null, run: null, error: null };
    try {
      const load = api.load({ modelBase: o.modelBase, model: o.model, threads: config.threads, build: config.build, bundle: config.bundle });
      out.load = await withTimeout(load, 120_000, 'loading the model');
      out.warmup = await withTimeout(api.run({ texts: texts.slice(0, o.batchSize), batchSize: o.batchSize, sort: 'none' }), 120_000, 'the warm-up batch');
      // at least 1 text/s, or it is reported as stuck
      out.run = await withTimeout(api.run({ texts, batchSize: o.batchSize, sort: config.sort }), 60_000 + texts.length * 1000, 'the measured run');
      log(`probe ${JSON.stringify(config)}: ${out.run.textsPerSecond.toFixed(1)} texts/s (ort threads ${out.load.ortNumThreads})`);
    } catch (e) {
      out.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      log(`probe ${JSON.stringify(config)} failed: ${out.error}`);
    } finally {
      api[Comlink.releaseProxy]();
      worker.terminate();
    }
    outcomes.push(out);
  }
  return { outcomes };
}

// ─────────────────────────────── (b) search ───────────────────────────────

export interface SearchOptions {
  sizes: number[];
  /** Timed queries per method (after `warmup` untimed ones). */
  queries: number;
  warmup: number;
  k: number;
  /** Timed queries for the plain JavaScript scan (slow: fewer are enough). */
  jsQueries: number;
  voy: boolean;
  /** Also the scan split over two workers on one shared WebAssembly.Memory. */
  twoWorkers: boolean;
}

export interface SearchSize {
  count: number;
  dims: number;
  /** FNV-1a of the vectors' bits (the Node side checks it sees the same vectors). */
  vectorsChecksum: string;
  queriesChecksum: string;
  vectorBytes: number;
  jsMs: Percentiles;
  simdMs: Percentiles;
  /** SIMD sum over the same vector bytes (each read once): the memory-bandwidth reference. */
  referenceMs: Percentiles;
  /** vectorBytes / reference p50, GB/s. */
  referenceGBps: number | null;
  /** SIMD scan p50 / reference p50. */
  simdOverReference: number | null;
  jsOverReference: number | null;
  /** Queries where the SIMD top-k ids differ from the JavaScript scan's. */
  simdMismatches: number;
  twoWorkersMs: Percentiles | null;
  twoWorkersMismatches: number | null;
  voyBuildMs: number | null;
  voyMs: Percentiles | null;
  /** Voy's recall@k against the exact scan (1.0 expected: it is an exact k-d tree). */
  voyRecall: number | null;
  simdEngine: boolean;
}

function sameIds(a: TopK, b: TopK): boolean {
  if (a.indices.length !== b.indices.length) return false;
  for (let i = 0; i < a.indices.length; i++) if (a.indices[i] !== b.indices[i]) return false;
  return true;
}

function timeLoop(n: number, warmup: number, fn: (i: number) => void): number[] {
  for (let i = 0; i < warmup; i++) fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Two workers, each scanning half of one shared store; the page merges their top k. */
async function twoWorkerScan(
  vectors: Float32Array,
  count: number,
  dims: number,
  queries: Float32Array,
  nq: number,
  warmup: number,
  k: number,
  reference: TopK[],
): Promise<{ ms: number[]; mismatches: number }> {
  const stride = Math.ceil(dims / 4) * 4;
  const half = Math.ceil(count / 2);
  const vecPtr = Math.ceil((stride * 4) / 64) * 64;
  const out0 = vecPtr + count * stride * 4;
  const out1 = out0 + Math.ceil((half * 4) / 64) * 64;
  const bytes = out1 + half * 4;
  const pages = Math.ceil(bytes / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const f32 = new Float32Array(memory.buffer);
  if (stride === dims) f32.set(vectors.subarray(0, count * dims), vecPtr >> 2);
  else for (let r = 0; r < count; r++) f32.set(vectors.subarray(r * dims, (r + 1) * dims), (vecPtr >> 2) + r * stride);
  const workers = [0, 1].map(() => new Worker(new URL('./roundtrip.worker.ts', import.meta.url), { type: 'module' }));
  const apis = workers.map((w) => Comlink.wrap<RoundTripApi>(w));
  try {
    await Promise.all(apis.map((a, i) => a.attachShared(memory, { vecPtr, stride, queryPtr: 0, outPtr: i === 0 ? out0 : out1 } satisfies SharedLayout)));
    const ms: number[] = [];
    let mismatches = 0;
    for (let i = 0; i < warmup + nq; i++) {
      const q = queries.subarray((i % nq) * dims, (i % nq + 1) * dims);
      const t0 = performance.now();
      f32.set(q, 0);
      const parts = await Promise.all([apis[0]!.searchShared(0, half, k), apis[1]!.searchShared(half, count - half, k)]);
      const top = mergeTopK(parts, k);
      const dt = performance.now() - t0;
      if (i >= warmup) {
        ms.push(dt);
        if (!sameIds(top, reference[i % nq] as TopK)) mismatches++;
      }
    }
    return { ms, mismatches };
  } finally {
    apis.forEach((a) => a[Comlink.releaseProxy]());
    workers.forEach((w) => w.terminate());
  }
}

async function search(o: SearchOptions): Promise<{ sizes: SearchSize[] }> {
  const dims = DIMS;
  const maxCount = Math.max(...o.sizes);
  const all = randomUnitVectors(maxCount, dims, VECTOR_SEED);
  const nq = o.queries;
  const queries = randomUnitVectors(nq, dims, QUERY_SEED);
  const qAt = (i: number) => queries.subarray((i % nq) * dims, ((i % nq) + 1) * dims);
  const sizes: SearchSize[] = [];
  for (const count of o.sizes) {
    const vectors = all.subarray(0, count * dims);
    log(`search: ${count} × ${dims}`);
    await nextFrame();

    // exact, SIMD (the reference results for everything else)
    const store = new SimdStore(dims, { initialCapacity: count });
    store.add(vectors);
    const simdTop: TopK[] = [];
    for (let i = 0; i < nq; i++) simdTop.push(store.search(qAt(i), o.k));
    // the scan and the reference read alternate query by query, so a change in machine load
    // (another process on the memory bus) hits both alike
    let sink = 0;
    const simdMs: number[] = [];
    const refMs: number[] = [];
    for (let i = 0; i < o.warmup + nq; i++) {
      const t0 = performance.now();
      store.search(qAt(i), o.k);
      const t1 = performance.now();
      sink += store.touchAll();
      const t2 = performance.now();
      if (i >= o.warmup) {
        simdMs.push(t1 - t0);
        refMs.push(t2 - t1);
      }
    }

    // exact, plain JavaScript
    let simdMismatches = 0;
    const jsMs = timeLoop(Math.min(o.jsQueries, nq), Math.min(o.warmup, 3), (i) => {
      const r = exactTopK(vectors, dims, count, qAt(i), o.k);
      if (!sameIds(r, simdTop[i % nq] as TopK)) simdMismatches++;
    });
    await nextFrame();

    let two: { ms: number[]; mismatches: number } | null = null;
    if (o.twoWorkers && self.crossOriginIsolated) {
      two = await twoWorkerScan(vectors, count, dims, queries, nq, o.warmup, o.k, simdTop);
    }

    let voyBuildMs: number | null = null;
    let voyMs: number[] | null = null;
    let voyRecall: number | null = null;
    if (o.voy) {
      const embeddings = [];
      for (let r = 0; r < count; r++) {
        embeddings.push({ id: String(r), title: '', url: '', embeddings: Array.from(vectors.subarray(r * dims, (r + 1) * dims)) });
      }
      await nextFrame();
      const b0 = performance.now();
      const voy = new Voy({ embeddings });
      voyBuildMs = performance.now() - b0;
      embeddings.length = 0;
      let hits = 0;
      let wanted = 0;
      const voyQueries = Math.min(nq, o.jsQueries * 2);
      voyMs = timeLoop(voyQueries, Math.min(o.warmup, 3), (i) => {
        const res = voy.search(qAt(i), o.k);
        const want = new Set(Array.from((simdTop[i % nq] as TopK).indices));
        wanted += want.size;
        for (const n of res.neighbors) if (want.has(Number(n.id))) hits++;
      });
      voyRecall = wanted ? hits / wanted : null;
      voy.free();
    }

    const ref = pct(refMs, 0.5);
    const simd50 = pct(simdMs, 0.5);
    const js50 = pct(jsMs, 0.5);
    sizes.push({
      count,
      dims,
      vectorsChecksum: checksum(vectors),
      queriesChecksum: checksum(queries),
      vectorBytes: count * dims * 4,
      jsMs: percentiles(jsMs),
      simdMs: percentiles(simdMs),
      referenceMs: percentiles(refMs),
      referenceGBps: ref ? (count * dims * 4) / ref / 1e6 : null,
      simdOverReference: ref && simd50 ? simd50 / ref : null,
      jsOverReference: ref && js50 ? js50 / ref : null,
      simdMismatches,
      twoWorkersMs: two ? percentiles(two.ms) : null,
      twoWorkersMismatches: two ? two.mismatches : null,
      voyBuildMs,
      voyMs: voyMs ? percentiles(voyMs) : null,
      voyRecall,
      simdEngine: store.simd && Number.isFinite(sink),
    });
  }
  return { sizes };
}

// ─────────────────────────────── (c) round trip ───────────────────────────────

export interface RoundTripOptions {
  calls: number;
  warmup: number;
  /** Vectors in the worker's store for the search round trip. */
  count: number;
  k: number;
}

export interface RoundTripResult {
  /** An empty Comlink call (await api.noop()). */
  emptyComlinkMs: Percentiles;
  /** A raw postMessage echo over a MessageChannel (no Comlink). */
  emptyPostMessageMs: Percentiles;
  /** search(query, k) as the page sees it. */
  searchRoundTripMs: Percentiles;
  /** The worker's own time for the same calls. */
  searchWorkerMs: Percentiles;
  /** Per call: round trip − the worker's own time (query and result buffers transferred). */
  searchOverheadMs: Percentiles;
  /** The same with query and result copied (structured clone) instead of transferred. */
  searchOverheadCopyMs: Percentiles;
  /** A call that keeps the worker busy 0.5 ms and moves no data, minus that time: what waking the waiting page costs. */
  busyOverheadMs: Percentiles;
  count: number;
}

async function roundTrip(o: RoundTripOptions): Promise<RoundTripResult> {
  const dims = DIMS;
  const worker = new Worker(new URL('./roundtrip.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<RoundTripApi>(worker);
  try {
    const empty: number[] = [];
    for (let i = 0; i < o.warmup + o.calls; i++) {
      const t0 = performance.now();
      await api.noop();
      if (i >= o.warmup) empty.push(performance.now() - t0);
    }

    const { port1, port2 } = new MessageChannel();
    await api.echo(Comlink.transfer(port2, [port2]));
    const raw: number[] = [];
    await new Promise<void>((resolve) => {
      let i = 0;
      let t0 = 0;
      port1.onmessage = () => {
        if (i >= o.warmup) raw.push(performance.now() - t0);
        i++;
        if (i >= o.warmup + o.calls) {
          resolve();
          return;
        }
        t0 = performance.now();
        port1.postMessage(i);
      };
      t0 = performance.now();
      port1.postMessage(0);
    });
    port1.close();

    const vectors = randomUnitVectors(o.count, dims, VECTOR_SEED);
    await api.load(Comlink.transfer(vectors, [vectors.buffer]), dims);
    const queries = randomUnitVectors(Math.min(o.calls, 200), dims, QUERY_SEED);
    const searchLoop = async (transfer: boolean) => {
      const rt: number[] = [];
      const inWorker: number[] = [];
      const overhead: number[] = [];
      for (let i = 0; i < o.warmup + o.calls; i++) {
        const j = i % (queries.length / dims);
        const q = queries.slice(j * dims, (j + 1) * dims);
        const t0 = performance.now();
        const r = await api.search(transfer ? Comlink.transfer(q, [q.buffer]) : q, o.k, transfer);
        const dt = performance.now() - t0;
        if (i >= o.warmup) {
          rt.push(dt);
          inWorker.push(r.workerMs);
          overhead.push(dt - r.workerMs);
        }
      }
      return { rt, inWorker, overhead };
    };
    const moved = await searchLoop(true);
    const copied = await searchLoop(false);
    const busy: number[] = [];
    for (let i = 0; i < o.warmup + o.calls; i++) {
      const t0 = performance.now();
      const spun = await api.spin(0.5);
      if (i >= o.warmup) busy.push(performance.now() - t0 - spun);
    }
    return {
      emptyComlinkMs: percentiles(empty),
      emptyPostMessageMs: percentiles(raw),
      searchRoundTripMs: percentiles(moved.rt),
      searchWorkerMs: percentiles(moved.inWorker),
      searchOverheadMs: percentiles(moved.overhead),
      searchOverheadCopyMs: percentiles(copied.overhead),
      busyOverheadMs: percentiles(busy),
      count: o.count,
    };
  } finally {
    api[Comlink.releaseProxy]();
    worker.terminate();
  }
}

// ─────────────────────────────── the handle ───────────────────────────────

export interface BenchHandle {
  env(): PageEnv;
  embedding(o: EmbeddingOptions): Promise<{ runs: EmbeddingRun[] }>;
  embedderStart(o: EmbedderStartOptions): Promise<EmbedderStarted>;
  embedderRun(o: { id: number; from: number; to: number }): Promise<EmbedderRunResult>;
  embedderStop(id: number): void;
  embeddingProbe(o: ProbeOptions): Promise<{ outcomes: ProbeOutcome[] }>;
  search(o: SearchOptions): Promise<{ sizes: SearchSize[] }>;
  roundTrip(o: RoundTripOptions): Promise<RoundTripResult>;
  /** The device roofs of this tab (src/engine/roofs.ts). */
  roofs(): Promise<DeviceRoofs>;
  /** The calibration workload timed on this page (ms per repetition): src/core/robust-stats.ts calibrationDrift. */
  calibrate(): number[];
}

declare global {
  interface Window {
    bench?: BenchHandle;
    benchReady?: boolean;
  }
}

window.bench = { env: environment, embedding, embedderStart, embedderRun, embedderStop, embeddingProbe, search, roundTrip, roofs: () => measureDeviceRoofs(), calibrate: () => timeCalibration() };
window.benchReady = true;
log(`ready (crossOriginIsolated: ${self.crossOriginIsolated})`);
