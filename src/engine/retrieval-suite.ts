/**
 * The RAG suite, as data: ingest cold (a fresh embedder worker; the model's files from the network
 * or the browser cache, as the record says; no stored vectors), ingest again with the model
 * reloaded in a fresh worker (from the cache) and the vectors read back from IndexedDB when the
 * session stored them, load the LLM when the configuration has one, run the query set through
 * `session.query` (warm-ups, then iterations: every stage the session reports becomes a sample,
 * generation stages included when an LLM is loaded), submit N queries at once (concurrency), and
 * score the judged queries.
 *
 * Everything goes through the session's public methods; the concurrency mode alone drives the
 * active embedder and index workers and the session's generator directly, because `session.query`
 * runs one query at a time.
 */
import { queryKinds, wantsGeneration } from '../core/bench-config';
import type { ConcurrencyPipeline, Extra } from '../core/run-record';
import { INGEST_STAGE, QUERY_SET_STAGE, QUERY_STAGE, CONCURRENT_BATCH_STAGE, CONCURRENT_QUERY_STAGE, STAGE, type StageTiming } from '../core/stages';
import { RagtabError } from '../core/errors';
import { sessionFailure, type Step, type StepContext, type Suite } from './runner';
import { loadCorpus } from './corpus-loader';
import { retrieve, retrievalSource } from './retrieve';
import { retrieveOptionsOf } from '../core/index-kinds';
import { stageSamples } from './record';
import { indexKey, indexKeyParts } from '../core/index-key';
import { EMBEDDER_CACHE, GGUF_CACHE, WEBLLM_CACHES } from '../core/cache-names';

/** Deletes the entries of the named caches whose URL matches (a real cold start); returns how many. */
async function clearCached(names: readonly string[], matches: (url: string) => boolean): Promise<number> {
  if (typeof caches === 'undefined') return 0;
  let n = 0;
  for (const name of names) {
    if (!(await caches.has(name))) continue;
    const cache = await caches.open(name);
    for (const req of await cache.keys()) {
      if (matches(req.url)) {
        await cache.delete(req);
        n++;
      }
    }
  }
  return n;
}

/** This embedding model's files in transformers.js's cache. */
function clearModelCache(modelId: string): Promise<number> {
  return clearCached([EMBEDDER_CACHE], (url) => url.includes(`/${modelId}/`));
}

/** An LLM's cached files before a cold load: a GGUF by its absolute URL, a web-llm model by its id in the URL. */
function clearLlmCache(engine: 'wllama' | 'webllm', model: string): Promise<number> {
  if (engine === 'wllama') {
    const url = new URL(model, location.href).href;
    return clearCached([GGUF_CACHE], (u) => u === url);
  }
  return clearCached(WEBLLM_CACHES, (u) => u.includes(`/${model}`));
}

async function llmLoad(ctx: StepContext): Promise<Extra> {
  const llm = ctx.settings.llm;
  if (ctx.phase === 'cold' && ctx.config.clearCache && (llm.engine === 'wllama' || llm.engine === 'webllm')) {
    const n = await clearLlmCache(llm.engine, llm.model);
    ctx.warn(`Cleared ${n} cached file(s) of ${llm.model} before the cold LLM load.`);
  }
  // Every load starts from a fresh worker (as a page reload would): the reload phase then measures
  // the same model again with its files from the cache, reported apart from the cold load.
  await ctx.session.generator?.unload();
  const r = await ctx.session.loadLlm(llm);
  if (!r) throw sessionFailure(ctx.session, 'Loading the LLM');
  ctx.state.llm = r;
  const t = r.timings;
  return {
    source: r.source,
    bytes: r.files.reduce((n, f) => n + f.bytes, 0),
    downloadMs: t.downloadMs,
    verifyMs: t.verifyMs,
    initMs: t.initMs,
    warmupMs: t.warmupMs,
    backend: r.info.backend,
    threads: r.info.threads,
  };
}

/** The session's timed stages as samples of this step. */
function emitStages(ctx: StepContext, stages: readonly StageTiming[], from: number, extra: Extra = {}, kindSuffix = false): void {
  for (const s of stageSamples(stages, { at: ctx.at, from, extra, kindSuffix })) ctx.emit(s);
}

/**
 * Before the cold ingest (outside its timing): the vectors of this configuration, if an earlier
 * run stored them in IndexedDB, are deleted, so the cold ingest chunks and embeds; the reload
 * then reads them back from storage, as a page reload would.
 */
async function forgetStoredVectors(ctx: StepContext): Promise<void> {
  const store = ctx.session.store;
  if (!store || (await store.indexes.list()).length === 0) return;
  const loaded = await loadCorpus(ctx.settings.corpus, { files: [...ctx.files] });
  const key = await indexKey(indexKeyParts(ctx.settings, loaded.hash));
  if (await store.indexes.get(key.key)) {
    await store.indexes.delete(key.key);
    ctx.warn('The vectors of this configuration were stored by an earlier ingestion: they were deleted before the cold ingest, which embeds again.');
  }
}

async function ingest(ctx: StepContext): Promise<Extra> {
  const { session, config, settings } = ctx;
  // a fresh embedder worker, so the model really loads (from the network or the cache)
  session.active?.embedder.terminate();
  if (ctx.phase === 'cold' && config.clearCache) {
    const n = await clearModelCache(settings.model.id);
    ctx.warn(`Cleared ${n} cached file(s) of ${settings.model.id} before the cold ingest.`);
  }
  const t = await ctx.time(`ingest ${ctx.phase}`, () => session.ingest(settings, [...ctx.files]));
  const report = t.value;
  if (!report) throw sessionFailure(session, 'Ingestion');
  if (config.corpus.hash && report.corpusHash !== config.corpus.hash) {
    throw new RagtabError('InvalidConfig', `corpus.hash: expected ${config.corpus.hash}, the corpus loaded hashes to ${report.corpusHash}`);
  }
  ctx.state.ingest = report;
  ctx.state.questions = null;
  // the corpus's token count is the one of an ingestion that embedded every chunk (a reload from storage embeds none)
  if (!report.storage.fromStorage && report.storage.resumedFrom === 0) ctx.state.corpusTokens = report.tokens;
  emitStages(ctx, report.stages, t.start);
  // Where the vectors came from (the session keeps them in IndexedDB when it can): a reload that
  // finds them stored reads them back ('load') instead of chunking and embedding.
  return { docs: report.docs, chunks: report.chunks, tokens: report.tokens, fromStorage: report.storage.fromStorage, persisted: report.storage.persisted };
}

/** The questions of one iteration: the configured list, or the corpus's queries (judged first), cycled to `count`. */
function questions(ctx: StepContext): string[] {
  if (ctx.state.questions) return ctx.state.questions;
  const { config } = ctx;
  let pool: string[];
  if (config.queries.from === 'list') pool = [...config.queries.list];
  else {
    const corpus = ctx.session.active?.corpus;
    if (!corpus) throw new RagtabError('IndexEmpty', 'Nothing is ingested: the query set needs the corpus.');
    const judged = corpus.queries.filter((q) => corpus.qrels.has(q.id));
    const rest = corpus.queries.filter((q) => !corpus.qrels.has(q.id));
    pool = [...judged, ...rest].map((q) => q.text).filter((t) => t.trim());
    if (pool.length === 0) throw new RagtabError('InvalidConfig', `queries.from: the corpus "${corpus.name}" has no queries; set queries.from=list and give queries.list`);
  }
  const out = Array.from({ length: config.queries.count }, (_, i) => pool[i % pool.length]!);
  ctx.state.questions = out;
  return out;
}

async function querySet(ctx: StepContext): Promise<Extra> {
  const { session, config } = ctx;
  const kinds = queryKinds(config);
  const both = kinds.length > 1;
  const generate = wantsGeneration(config);
  let n = 0;
  for (const q of questions(ctx)) {
    for (const kind of kinds) {
      if (ctx.signal.aborted) throw new RagtabError('Cancelled', 'Benchmark cancelled.');
      const seq = ctx.nextSeq();
      const t = await ctx.time(`query #${seq}`, () => session.query(q, { kind, generate }));
      const r = t.value;
      if (!r) throw sessionFailure(session, 'A query');
      if (r.generationError) throw new RagtabError('GenerationFailed', `${r.generationError.name}: ${r.generationError.message}`);
      ctx.emit({ stage: QUERY_STAGE + (both ? ` (${kind})` : ''), start: t.start, duration: t.duration, extra: { seq, kind, k: r.k, hits: r.hits.length } });
      emitStages(ctx, r.stages, t.start, { seq }, both);
      n++;
    }
  }
  return { queries: n };
}

/**
 * N queries submitted at once through the pipeline: `retrieve()` (embed query → search → format context), then,
 * when the run has an LLM, build prompt → generate (the session's own generator). Each worker runs
 * one call at a time, so the queries overlap across workers and queue within one; the LLM worker in
 * particular generates one answer at a time, so under load a query's latency is mostly its wait for
 * the LLM (recorded as llmWaitMs). Without an LLM the pipeline is retrieval only, and the samples
 * say so (extra.pipeline).
 */
async function concurrentBatch(ctx: StepContext): Promise<Extra> {
  const a = ctx.session.active;
  if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet.');
  const n = ctx.config.concurrency;
  const pool = questions(ctx);
  const kind = queryKinds(ctx.config)[0]!;
  const k = Math.max(1, Math.min(ctx.config.k, a.chunks.length));
  const generator = ctx.session.generator;
  const generate = wantsGeneration(ctx.config);
  if (generate && !generator?.ready) throw new RagtabError('LlmNotLoaded', 'The concurrency mode needs the LLM of the configuration, and none is loaded.');
  const pipeline: ConcurrencyPipeline = generate ? 'retrieval+generation' : 'retrieval';
  ctx.warn(
    generate
      ? `Concurrency: ${n} queries at once through retrieval and generation. The LLM worker generates one answer at a time, so concurrent queries queue for it: their latency includes that wait (llmWaitMs), and queries/s is bound by generation.`
      : `Concurrency: ${n} queries at once through retrieval only (embed query → search → format context): the configuration has no LLM.`,
  );
  const source = retrievalSource(a);
  const t0 = performance.now();
  const submitted = ctx.now();
  const one = async (text: string, query: number): Promise<{ end: number; extra: Extra }> => {
    const r = await retrieve(source, { text, k, kind, options: retrieveOptionsOf(kind, a.settings.kindOptions) });
    const context = r.context!;
    const retrieved = performance.now();
    const extra: Extra = { concurrency: n, query, kind, pipeline, retrievalMs: retrieved - t0, contextChars: context.text.length };
    if (generate && generator) {
      const g = await generator.answer(text, r.hits.map((h) => ({ id: h.id, text: h.text, title: h.title })), () => undefined);
      extra['llmWaitMs'] = Math.max(0, g.tRequest - retrieved);
      if (g.arrivals.length) extra['firstTokenMs'] = g.arrivals[0]! - t0;
      extra['promptTokens'] = g.promptTokens;
      extra['tokens'] = g.generatedTokens;
    }
    return { end: performance.now() - t0, extra };
  };
  const done = await Promise.all(Array.from({ length: n }, (_, i) => one(pool[i % pool.length]!, i)));
  for (const d of done) ctx.emit({ stage: CONCURRENT_QUERY_STAGE, start: submitted, duration: d.end, extra: d.extra });
  return { queries: n, concurrency: n, pipeline };
}

const ms = 'ms';

export const RETRIEVAL_SUITE: Suite = Object.freeze([
  Object.freeze<Step>({ name: INGEST_STAGE, unit: ms, phase: 'cold', repeat: 'once', perSecond: 'docs', endsWorkers: true, enabled: () => true, prepare: forgetStoredVectors, run: ingest }),
  Object.freeze<Step>({ name: INGEST_STAGE, unit: ms, phase: 'reload', repeat: 'once', perSecond: 'docs', endsWorkers: true, enabled: (c) => c.reload, run: ingest }),
  Object.freeze<Step>({ name: STAGE.llmLoad, unit: ms, phase: 'cold', repeat: 'once', endsWorkers: true, enabled: (c) => wantsGeneration(c), run: llmLoad }),
  Object.freeze<Step>({ name: STAGE.llmLoad, unit: ms, phase: 'reload', repeat: 'once', endsWorkers: true, enabled: (c) => c.reload && wantsGeneration(c), run: llmLoad }),
  Object.freeze<Step>({ name: QUERY_SET_STAGE, unit: ms, phase: 'warm', repeat: 'iterations', perSecond: 'queries', enabled: () => true, run: querySet }),
  Object.freeze<Step>({ name: CONCURRENT_BATCH_STAGE, unit: ms, phase: 'warm', repeat: 'iterations', perSecond: 'queries', enabled: (c) => c.concurrency > 1, run: concurrentBatch }),
  Object.freeze<Step>({
    name: 'evaluate',
    unit: ms,
    phase: 'warm',
    repeat: 'once',
    enabled: (c) => c.quality,
    run: async (ctx) => {
      const corpus = ctx.session.active?.corpus;
      if (!corpus || ![...corpus.queries].some((q) => corpus.qrels.has(q.id))) {
        ctx.warn('Quality not measured: the corpus has no judged queries.');
        return { evaluated: 0 };
      }
      // every kind the queries were timed on, so each has its quality beside its latency
      const r = await ctx.session.evaluate(queryKinds(ctx.config));
      if (!r) throw sessionFailure(ctx.session, 'Evaluation');
      ctx.state.evaluation = r;
      ctx.state.evaluations = [...(ctx.session.lastEvaluations ?? [r])];
      return { evaluated: r.quality.evaluated, kinds: ctx.state.evaluations.length, ...(r.quality.mean ? { ndcg10: r.quality.mean.ndcg10 } : {}) };
    },
  }),
]);
