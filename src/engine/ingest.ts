/**
 * Ingestion as a list of stages (INGEST_STAGES): read+parse → model load → (load from storage |
 * chunk → embed → persist → commit) → index build → voy check. `runStages` times each; vectors are
 * committed to IndexedDB batch by batch, so a page closed mid-ingest resumes from the last commit,
 * and a corpus ingested before with the same configuration comes back from storage without
 * embedding anything.
 *
 * The pipeline builds into a fresh index worker and returns it; the session swaps it in only when
 * the whole pipeline succeeded.
 */
import * as Comlink from 'comlink';
import type { BatchTiming, BuildResult, EmbedderApi, EmbedderInfo, IndexApi } from '../../workers/api';
import { chunkDocuments, type Chunk } from '../core/chunking';
import { RagtabError } from '../core/errors';
import { formatBytes } from '../core/lines';
import { chunkListHash, indexKey, indexKeyParts, type IndexKey } from '../core/index-key';
import type { Settings } from '../core/settings';
import { STAGE, embedBatchParts, type Progress, type StageTiming } from '../core/stages';
import type { Corpus } from '../core/documents';
import type { RagtabStore } from '../storage/store';
import { BatchCommitter, INGEST_COMMIT_POLICY } from '../storage/commit-policy';
import { chunksFromRefsInSlices, refsOf } from '../storage/stored-refs';
import { withIndexWriteLock } from '../storage/locks';
import { WorkerBridge, createIndexWorker } from './bridge';
import { loadCorpus, type LoadedCorpus } from './corpus-loader';
import type { IngestReport, ModelLoadReport } from './reports';
import { retrieve, retrievalSource } from './retrieve';
import { runStages, timing, type Stage, type StageRecorder } from './stages';

/** What the session gives an ingestion. */
export interface IngestHooks {
  setProgress(p: Omit<Progress, 'etaMs' | 'startedAt'> & { startedAt?: number }): void;
  warn(message: string): void;
  embedderFor(settings: Settings, signal: AbortSignal): Promise<{ bridge: WorkerBridge<EmbedderApi>; info: EmbedderInfo; load: ModelLoadReport }>;
}

export interface IngestOutcome {
  report: IngestReport;
  corpus: Corpus;
  chunks: Chunk[];
  embedder: WorkerBridge<EmbedderApi>;
  index: WorkerBridge<IndexApi>;
}

/** One ingestion's state, shared by its stages. */
interface Ingestion {
  readonly settings: Settings;
  readonly files: File[];
  readonly signal: AbortSignal;
  readonly store: RagtabStore | null;
  readonly hooks: IngestHooks;
  readonly index: WorkerBridge<IndexApi>;
  loaded: LoadedCorpus | null;
  emb: { bridge: WorkerBridge<EmbedderApi>; info: EmbedderInfo; load: ModelLoadReport } | null;
  key: IndexKey | null;
  storedComplete: boolean;
  chunks: Chunk[];
  batches: BatchTiming[];
  tokens: number;
  storage: IngestReport['storage'];
  /** The hash of the user's files' corpus when this ingestion stored it first (removed again if the ingestion fails). */
  storedCorpus: string | null;
  builds: BuildResult[];
  voyRecall: IngestReport['voyRecall'];
}

const need = <T>(x: T | null): T => {
  if (x === null) throw new RagtabError('Unknown', 'An ingestion stage ran before the stage it depends on.');
  return x;
};
const fromStorage = (g: Ingestion) => g.storage.fromStorage;

/** Reads a stored index (or its committed prefix) into the index worker: the 'load' stage. */
async function loadStored(g: Ingestion, rec: StageRecorder | null, label: string): Promise<Chunk[]> {
  const l0 = performance.now();
  g.hooks.setProgress({ phase: 'load', label, done: 0, total: 1, unit: 'step', startedAt: l0 });
  const l = await g.store!.indexes.load(need(g.key).key);
  if (!l) throw new RagtabError('StorageError', 'The stored index disappeared while it was being read.');
  // blocks are read in the storage layer's worker; the chunks are rebuilt in slices (no long task)
  const restored = await chunksFromRefsInSlices(l.refs, need(g.loaded).corpus.docs);
  const vecs = l.vectors;
  const a = await g.index.call('add stored', (api) => api.add(restored.map((c) => c.id), Comlink.transfer(vecs, [vecs.buffer])), g.signal);
  const t = timing(STAGE.load, l0, performance.now() - l0, { workerMs: a.value.workerMs, extra: { chunks: restored.length, readMs: l.readMs, assembleMs: l.assembleMs, vectorsAs: g.store?.indexes.vectorForm.form ?? 'none' } });
  if (rec) rec.record(t);
  return restored;
}

/** Embeds chunks[from..] in batches, adding each to the index and handing it to `persist` (when storing). */
async function embedChunks(g: Ingestion, rec: StageRecorder, from: number, persist: ((part: Chunk[], vecs: Float32Array) => Promise<void>) | null): Promise<void> {
  const { chunks } = g;
  const embedder = need(g.emb).bridge;
  const e0 = performance.now();
  let workerMs = 0;
  let addMs = 0;
  let persistMs = 0;
  const per = need(g.emb).info.batchSize * 4;
  for (let i = from; i < chunks.length; i += per) {
    const part = chunks.slice(i, i + per);
    const r = await embedder.call('embed', (api) => api.embed(part.map((c) => c.text)), g.signal);
    workerMs += r.value.workerMs;
    g.tokens += r.value.tokens;
    g.batches.push(...r.value.batches);
    const vecs = r.value.vectors;
    if (persist) {
      const p0 = performance.now();
      await persist(part, vecs);
      persistMs += performance.now() - p0;
    }
    const a0 = performance.now();
    await g.index.call('add', (api) => api.add(part.map((c) => c.id), Comlink.transfer(vecs, [vecs.buffer])), g.signal);
    addMs += performance.now() - a0;
    g.hooks.setProgress({ phase: 'embed', label: from > 0 ? `Embedding (resumed at chunk ${from})` : 'Embedding', done: Math.min(chunks.length, i + per), total: chunks.length, unit: 'chunks', startedAt: e0 });
  }
  const n = chunks.length - from;
  // The embed stage's own time: adding to the index and persisting are interleaved with it and left out.
  const embedMs = performance.now() - e0 - addMs - persistMs;
  const tokens = g.tokens;
  const parts = embedBatchParts(g.batches);
  rec.record(
    timing(STAGE.embed, e0, 0, {
      ms: embedMs,
      workerMs,
      extra: { chunks: n, tokens, chunksPerSecond: (n / embedMs) * 1000, tokensPerSecond: (tokens / embedMs) * 1000 },
      parts,
    }),
  );
  if (persist) rec.record(timing(STAGE.persist, e0, persistMs, { extra: { chunks: n, vectorsPerSecond: persistMs > 0 ? (n / persistMs) * 1000 : 0, vectorsAs: g.store?.indexes.vectorForm.form ?? 'none' } }));
}

/** Embeds and persists under this index's write lock (Web Locks: two tabs take turns), resuming a committed prefix. */
async function embedAndStore(g: Ingestion, rec: StageRecorder): Promise<void> {
  const store = g.store!;
  const key = need(g.key);
  const info = need(g.emb).info;
  await withIndexWriteLock(key.key, { onWait: (w) => g.hooks.warn(w.message), signal: g.signal }, async () => {
    const b = await store.indexes.begin({ key, dims: info.dims, totalChunks: g.chunks.length, chunksHash: await chunkListHash(g.chunks), device: info.device });
    if (b.restarted) g.hooks.warn(b.restarted);
    if (b.complete) {
      // Another tab finished this index while we waited for its lock.
      await g.index.call('reset', (api) => api.reset(info.dims), g.signal);
      g.chunks = await loadStored(g, rec, 'Loading the vectors the other tab stored');
      g.storage = { ...g.storage, persisted: true, fromStorage: true };
      g.batches = [];
      return;
    }
    let resumedFrom = 0;
    if (b.committedChunks > 0) {
      await loadStored(g, rec, `Loading ${b.committedChunks} stored chunks (resuming)`);
      resumedFrom = b.committedChunks;
      g.hooks.warn(`Resumed: ${b.committedChunks} of ${g.chunks.length} chunks were already stored by an earlier, interrupted ingestion.`);
    }
    // Several embedded batches per transaction (INGEST_COMMIT_POLICY: ~8,192 vectors or 2 s): a page
    // closed mid-ingest loses at most the batches since the last commit, which the resume embeds again.
    const commits = new BatchCommitter(store.indexes, key.key, b.nextBlock, INGEST_COMMIT_POLICY);
    await embedChunks(g, rec, resumedFrom, (part, vecs) => commits.add(refsOf(part), vecs));
    const c0 = performance.now();
    await commits.finish();
    await store.indexes.complete(key.key);
    rec.record(timing(STAGE.commit, c0, performance.now() - c0, undefined));
    g.storage = { ...g.storage, persisted: true, resumedFrom };
  });
}

/** voy against the exact scan, over the corpus's queries (or a sample of chunks): recall@k. */
async function voyCheck(g: Ingestion): Promise<void> {
  const { corpus } = need(g.loaded);
  const { chunks, settings } = g;
  const emb = need(g.emb);
  const probeTexts =
    corpus.queries.length > 0
      ? corpus.queries.slice(0, 100).map((q) => q.text)
      : chunks
          .filter((_, i) => i % Math.max(1, Math.floor(chunks.length / 20)) === 0)
          .slice(0, 20)
          .map((c) => c.text);
  g.hooks.setProgress({ phase: 'check', label: 'Checking voy against the exact scan', done: 0, total: probeTexts.length, unit: 'queries', startedAt: performance.now() });
  const source = retrievalSource({ embedder: emb.bridge, index: g.index, chunks, titles: new Map(), settings });
  // every probe embedded in one call; each vector then searched on both kinds
  const qv = await emb.bridge.call('embed probes', (api) => api.embed(probeTexts.map((t) => source.queryPrefix + t)), g.signal);
  const dims = emb.info.dims;
  const k = Math.min(settings.k, chunks.length);
  const recalls: number[] = [];
  for (let i = 0; i < probeTexts.length; i++) {
    const vector = qv.value.vectors.slice(i * dims, (i + 1) * dims);
    if (vector.every((x) => x === 0)) continue;
    const req = { text: probeTexts[i]!, vector, k, context: false, signal: g.signal };
    const exact = await retrieve(source, { ...req, kind: 'exact' });
    const voy = await retrieve(source, { ...req, kind: 'voy' });
    const truth = new Set(exact.searchHits.map((h) => h.index));
    recalls.push(voy.searchHits.filter((h) => truth.has(h.index)).length / Math.max(1, truth.size));
  }
  if (recalls.length > 0) g.voyRecall = { k, queries: recalls.length, mean: recalls.reduce((s, x) => s + x, 0) / recalls.length, min: Math.min(...recalls) };
}

function sourceOf(files: ReadonlyArray<{ source: string }>, reused: boolean): string {
  if (reused) return 'reused';
  const s = new Set(files.map((f) => f.source));
  return s.size === 0 ? 'unknown' : s.size === 1 ? [...s][0]! : 'mixed';
}

const CHUNK_BATCH = 256;

export const INGEST_STAGES: readonly Stage<Ingestion>[] = Object.freeze([
  {
    name: STAGE.readParse,
    unit: 'ms',
    phase: 'read',
    run: async (g: Ingestion) => {
      const t0 = performance.now();
      g.hooks.setProgress({ phase: 'read', label: 'Reading corpus', done: 0, total: 0, unit: 'docs', startedAt: t0 });
      const loaded = await loadCorpus(g.settings.corpus, { files: g.files, onProgress: (p) => g.hooks.setProgress({ phase: 'read', label: `Reading ${p.file} (${formatBytes(p.bytes)})`, done: p.docs, total: 0, unit: 'docs' }) });
      if (g.signal.aborted) throw new RagtabError('Cancelled', 'Ingestion cancelled.');
      g.loaded = loaded;
      const ms = performance.now() - t0;
      for (const w of loaded.corpus.notes?.warnings ?? []) g.hooks.warn(w);
      // The user's own files cannot be read again after a reload: keep their documents (not part of
      // the stage), and remove them again if this ingestion fails: a stored corpus without its index is of no use.
      if (g.store && loaded.corpus.source.kind === 'files') {
        const before = await g.store.corpora.record(loaded.hash);
        await g.store.corpora.put(loaded.corpus, { hash: loaded.hash });
        if (!before?.complete) g.storedCorpus = loaded.hash;
      }
      return { ms, extra: { docs: loaded.corpus.docs.length, bytes: loaded.bytes } };
    },
  },
  {
    name: STAGE.modelLoad,
    unit: 'ms',
    phase: 'model',
    run: async (g: Ingestion) => {
      const emb = await g.hooks.embedderFor(g.settings, g.signal);
      g.emb = emb;
      if (emb.info.fallbackReason) g.hooks.warn(emb.info.fallbackReason);
      for (const f of emb.load.files) if (f.repaired) g.hooks.warn(`The cached copy of ${f.file} was broken (${f.repaired}): it was deleted and downloaded again.`);
      // Not part of the stage (its time is the load call's): an empty index, and whether the vectors are stored.
      await g.index.call('reset', (api) => api.reset(emb.info.dims), g.signal);
      g.key = await indexKey(indexKeyParts(g.settings, need(g.loaded).hash));
      g.storage = { ...g.storage, key: g.key.key };
      g.storedComplete = g.store ? (await g.store.indexes.get(g.key.key))?.complete === true : false;
      const l = emb.load;
      return { ms: l.ms, workerMs: l.workerMs, extra: { reused: l.reused ? 'yes' : 'no', source: sourceOf(l.files, l.reused), bytes: l.files.reduce((n, f) => n + f.bytes, 0) } };
    },
  },
  {
    name: STAGE.load,
    unit: 'ms',
    phase: 'load',
    enabled: (g: Ingestion) => g.storedComplete,
    run: async (g: Ingestion, rec: StageRecorder) => {
      g.chunks = await loadStored(g, rec, 'Loading the stored vectors');
      g.storage = { ...g.storage, persisted: true, fromStorage: true };
    },
  },
  {
    name: STAGE.chunk,
    unit: 'ms',
    phase: 'chunk',
    enabled: (g: Ingestion) => !fromStorage(g),
    run: async (g: Ingestion) => {
      // token counts come from the embedder's own tokenizer
      const { corpus } = need(g.loaded);
      const emb = need(g.emb);
      const t0 = performance.now();
      let countMs = 0;
      const total = corpus.docs.length;
      for (let i = 0; i < total; i += CHUNK_BATCH) {
        const part = await chunkDocuments(
          corpus.docs.slice(i, i + CHUNK_BATCH),
          g.settings.chunking,
          async (texts) => {
            const r = await emb.bridge.call('count tokens', (api) => api.countTokens(texts), g.signal);
            countMs += r.value.workerMs;
            return r.value.counts;
          },
          {
            maxTokens: emb.info.maxTokens,
            signal: g.signal,
            // A large document is chunked region by region: show how far into it the chunker is.
            onProgress: (p) => {
              if (p.chars !== undefined && p.totalChars) g.hooks.setProgress({ phase: 'chunk', label: `Chunking a large document (${corpus.docs[i + p.docs]?.id ?? ''})`, done: p.chars, total: p.totalChars, unit: 'chars', startedAt: t0 });
            },
          },
        );
        for (const c of part) g.chunks.push(c);
        g.hooks.setProgress({ phase: 'chunk', label: 'Chunking', done: Math.min(total, i + CHUNK_BATCH), total, unit: 'docs', startedAt: t0 });
      }
      if (g.chunks.length === 0) throw new RagtabError('EmptyCorpus', `The corpus "${corpus.name}" has no text to embed.`);
      return { workerMs: countMs, extra: { chunks: g.chunks.length } };
    },
  },
  {
    name: STAGE.embed,
    unit: 'ms',
    phase: 'embed',
    enabled: (g: Ingestion) => !fromStorage(g),
    // records embed (and persist, commit, a resume's load) itself: they interleave under one lock
    run: async (g: Ingestion, rec: StageRecorder) => (g.store ? embedAndStore(g, rec) : embedChunks(g, rec, 0, null)),
  },
  {
    name: STAGE.indexBuild,
    unit: 'ms',
    phase: 'index',
    run: async (g: Ingestion) => {
      const { chunks } = g;
      const info = need(g.emb).info;
      const emptyDocs = need(g.loaded).corpus.docs.length - new Set(chunks.map((c) => c.docId)).size;
      const truncated = chunks.filter((c) => c.tokens > info.maxTokens).length;
      if (truncated > 0) g.hooks.warn(`${truncated} chunk(s) are longer than the model's ${info.maxTokens}-token limit and were truncated when embedded.`);
      if (emptyDocs > 0) g.hooks.warn(`${emptyDocs} document(s) had no text and were skipped.`);
      g.hooks.setProgress({ phase: 'index', label: `Building ${g.settings.indexKinds.join(' + ')} index`, done: 0, total: 1, unit: 'step', startedAt: performance.now() });
      const b = await g.index.call('build', (api) => api.build(g.settings.indexKinds), g.signal);
      g.builds = b.value;
      const ms = b.roundTripMs;
      return { ms, workerMs: b.value.reduce((s, x) => s + x.ms, 0), extra: { vectors: chunks.length, ...(ms > 0 ? { vectorsPerSecond: (chunks.length * 1000) / ms } : {}) } };
    },
  },
  {
    name: STAGE.voyCheck,
    unit: 'ms',
    phase: 'check',
    // a check of the index, not one of ingestion's timings
    untimed: true,
    enabled: (g: Ingestion) => g.settings.indexKinds.includes('voy') && g.settings.indexKinds.includes('exact'),
    run: voyCheck,
  },
]);

/** Runs the ingestion stages for `settings` into a fresh index worker. */
export async function runIngest(hooks: IngestHooks, settings: Settings, files: File[], signal: AbortSignal, store: RagtabStore | null): Promise<IngestOutcome> {
  const t0 = performance.now();
  const index = new WorkerBridge<IndexApi>('index', createIndexWorker);
  const g: Ingestion = {
    settings,
    files,
    signal,
    store,
    hooks,
    index,
    loaded: null,
    emb: null,
    key: null,
    storedComplete: false,
    chunks: [],
    batches: [],
    tokens: 0,
    storage: {
      key: '',
      persisted: false,
      fromStorage: false,
      resumedFrom: 0,
      reason: store ? null : 'IndexedDB is unavailable: nothing is kept after a reload.',
      vectorsAs: store?.indexes.vectorForm.form ?? null,
      vectorsAsReason: store?.indexes.vectorForm.reason ?? null,
    },
    builds: [],
    voyRecall: null,
    storedCorpus: null,
  };
  try {
    const stages: StageTiming[] = await runStages(INGEST_STAGES, g, { signal, cancelled: 'Ingestion cancelled.' });
    const { corpus, hash } = need(g.loaded);
    const emb = need(g.emb);
    const report: IngestReport = {
      corpusName: corpus.name,
      corpusHash: hash,
      docs: corpus.docs.length,
      chunks: g.chunks.length,
      emptyDocs: corpus.docs.length - new Set(g.chunks.map((c) => c.docId)).size,
      tokens: g.tokens,
      truncatedChunks: g.chunks.filter((c) => c.tokens > emb.info.maxTokens).length,
      embedder: emb.info,
      modelLoad: emb.load,
      stages,
      batches: g.batches,
      builds: g.builds,
      voyRecall: g.voyRecall,
      storage: g.storage,
      totalMs: performance.now() - t0,
    };
    return { report, corpus, chunks: g.chunks, embedder: emb.bridge, index };
  } catch (e) {
    index.terminate();
    if (g.storedCorpus && store && !signal.aborted) await store.corpora.delete(g.storedCorpus).catch(() => undefined);
    throw e;
  }
}
