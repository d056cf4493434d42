/**
 * The retrieval benchmark page's embedding sections: (a) the app's embedder worker, started once
 * per thread count and run slice by slice (interleaved with native by scripts/bench-retrieval.ts),
 * and (a') where the time goes, transformers.js driven directly in a bench-only worker.
 */
import * as Comlink from 'comlink';
import type { EmbedderApi } from '../../workers/api';
import type { EmbedProbeApi, OrtBuild, OrtBundle, ProbeLoadResult, ProbeRunResult, SortOrder } from '../embed-probe.worker';
import { corpusTexts } from './vectors';
import { fetchText, log, withTimeout } from './page-util';

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
export async function embedderStart(o: EmbedderStartOptions): Promise<EmbedderStarted> {
  const texts = await textsOf(o.corpusUrl, o.n);
  const worker = new Worker(new URL('../../workers/embedder.worker.ts', import.meta.url), { type: 'module' });
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
export async function embedderRun(o: { id: number; from: number; to: number }): Promise<EmbedderRunResult> {
  const e = embedders.get(o.id);
  if (!e) throw new Error(`no embedder ${o.id}`);
  const batch = e.texts.slice(o.from, o.to);
  const r0 = performance.now();
  const res = await withTimeout(e.api.embed(batch), 60_000 + batch.length * 1000, `embedding ${batch.length} texts`);
  const roundTripMs = performance.now() - r0;
  return { rows: res.rows, tokens: res.tokens, batches: res.batches.length, workerMs: res.workerMs, roundTripMs };
}

export function embedderStop(id: number): void {
  const e = embedders.get(id);
  if (!e) return;
  e.api[Comlink.releaseProxy]();
  e.worker.terminate();
  embedders.delete(id);
}

/** (a) in one call: for each thread count a fresh embedder worker, a warm-up batch, then all n texts. */
export async function embedding(o: EmbeddingOptions): Promise<{ runs: EmbeddingRun[] }> {
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

export async function embeddingProbe(o: ProbeOptions): Promise<{ outcomes: ProbeOutcome[] }> {
  const texts = await textsOf(o.corpusUrl, o.n);
  const outcomes: ProbeOutcome[] = [];
  for (const config of o.configs) {
    const worker = new Worker(new URL('../embed-probe.worker.ts', import.meta.url), { type: 'module' });
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

