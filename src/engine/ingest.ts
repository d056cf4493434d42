/**
 * Ingestion as a list of stages (INGEST_STAGES): read+parse → model load → (load from storage →
 * load kinds | chunk → embed → persist → commit) → index build → persist kinds → kind check.
 * `runStages` times each; vectors are committed to IndexedDB batch by batch, so a page closed
 * mid-ingest resumes from the last commit, and a corpus ingested before with the same configuration
 * comes back from storage without embedding anything. The index kinds whose built form is stored
 * (int8, binary, bm25) come back too, without building; the others (voy, hnsw) are built again, a
 * timed part of the index build stage. A stored index (vectors, then kinds) is read while the model
 * loads: the load and load kinds stages keep the read's own start and time (`during: model load`),
 * so a reload's stages add up to more than its end-to-end time.
 *
 * The pipeline builds into a fresh index worker and returns it; the session swaps it in only when
 * the whole pipeline succeeded.
 *
 * Beside it: ingestion.ts (the state the stages share), ingest-store.ts (the stored index: read
 * back, embedded into under its write lock, kept in memory over quota), ingest-check.ts (the kinds'
 * check against the exact scan, and their reports).
 */
import * as Comlink from 'comlink';
import type { BuildProgress, BuildResult, IndexApi, KindData } from '../../workers/api';
import { chunkDocuments } from '../core/chunking';
import { RagtabError } from '../core/errors';
import { formatBytes } from '../core/lines';
import { indexKey, indexKeyParts } from '../core/index-key';
import type { Settings } from '../core/settings';
import { STAGE, kindBuildPart, type StagePart, type StageTiming } from '../core/stages';
import { buildOptionsOf, isStoredKind, type StoredKind } from '../core/index-kinds';
import type { RagtabStore } from '../storage/store';
import { WorkerBridge, createIndexWorker } from './bridge';
import { loadCorpus } from './corpus-loader';
import type { IngestReport } from './reports';
import { runStages, timing, type Stage, type StageFigures, type StageRecorder } from './stages';
import { fromStorage, kindsToBuild, need, storedWanted, type IngestHooks, type IngestOutcome, type Ingestion, type StoredRead } from './ingestion';
import { embedAndStore, embedChunks, loadStoredOrSetAside } from './ingest-store';
import { kindCheck, kindReports } from './ingest-check';

export type { IngestHooks, IngestOutcome } from './ingestion';

function sourceOf(files: ReadonlyArray<{ source: string }>, reused: boolean): string {
  if (reused) return 'reused';
  const s = new Set(files.map((f) => f.source));
  return s.size === 0 ? 'unknown' : s.size === 1 ? [...s][0]! : 'mixed';
}

const CHUNK_BATCH = 256;

/**
 * Reads the stored index and its stored kinds into the index worker while the model loads: the two
 * do not depend on each other (the index key comes from the settings and the corpus), so a reload
 * waits for the longer of the two, not their sum. The progress bar stays on the model; each read
 * keeps its own start and time (the load and load kinds stages record them), overlapping the model
 * load's. A damaged index gives null chunks (set aside, as loadStoredOrSetAside says).
 */
async function readStoredMeanwhile(g: Ingestion, dims: number): Promise<StoredRead> {
  await g.index.call('reset', (api) => api.reset(dims), g.signal);
  let load: StageTiming | null = null;
  const chunks = await loadStoredOrSetAside(g, { record: (t) => (load = { ...t, extra: { ...t.extra, during: STAGE.modelLoad } }) }, null);
  if (!chunks || !g.store || storedWanted(g).length === 0) return { chunks, load, kinds: null };
  const k0 = performance.now();
  // the chunks are the stored ones: the kinds are read for them (the load stage sets them as the active chunks)
  const figures = await importStoredKinds(g, false);
  const t = timing(STAGE.loadKinds, k0, performance.now() - k0, figures);
  return { chunks, load, kinds: { ...t, extra: { ...t.extra, during: STAGE.modelLoad } } };
}

/** Reads the stored kinds this ingestion wants and imports them into the index worker (the load kinds stage's work). */
async function importStoredKinds(g: Ingestion, progress: boolean): Promise<StageFigures> {
  const store = g.store!;
  const key = need(g.key).key;
  const listed = await store.kinds.list(key);
  const wanted = storedWanted(g).filter((w) => listed.some((e) => e.kind === w.kind && e.variant === w.variant));
  if (wanted.length === 0) return { extra: { kinds: 0 } };
  if (progress) g.hooks.setProgress({ phase: 'load', label: `Loading the stored ${wanted.map((w) => w.kind).join(', ')} index`, done: 0, total: wanted.length, unit: 'kinds', startedAt: performance.now() });
  const r = await store.kinds.read(key, wanted);
  // a stored kind that fails its checksums is never imported: it is built again below, and stored again
  for (const d of r.damaged) g.hooks.warn(`The stored ${d.kind} index is damaged (${d.why}): it is built again.`);
  const parts: StagePart[] = [];
  let importMs = 0;
  for (const data of r.kinds as KindData[]) {
    const entry = listed.find((e) => e.kind === data.kind && e.variant === data.variant)!;
    try {
      const b = await g.index.call(`import ${data.kind}`, (api) => api.importKind(Comlink.transfer(data, Object.values(data.parts))), g.signal);
      g.loadedKinds.set(data.kind, { build: b.value, storedBuildMs: entry.buildMs, diskBytes: entry.bytes });
      g.kindDisk.set(data.kind, entry.bytes);
      importMs += b.value.ms;
      parts.push({ name: kindBuildPart(data.kind), ms: b.roundTripMs, extra: { kind: data.kind, loaded: 'yes', bytes: entry.bytes, savedMs: entry.buildMs } });
    } catch (e) {
      // unusable stored data (another format): the kind is built instead, and stored again
      g.hooks.warn(`The stored ${data.kind} index could not be used (${(e as Error).message}): it is built again.`);
    }
  }
  return { workerMs: importMs, extra: { kinds: g.loadedKinds.size, readMs: r.readMs }, parts };
}

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
      // Which index this configuration keys (from the settings and the corpus, not the model), and
      // whether it is stored whole: then it is read while the model loads (readStoredMeanwhile).
      g.key = await indexKey(indexKeyParts(g.settings, need(g.loaded).hash));
      g.storage = { ...g.storage, key: g.key.key };
      const meta = g.store ? await g.store.indexes.get(g.key.key) : null;
      g.storedComplete = meta?.complete === true;
      if (meta && g.storedComplete) {
        g.storedRead = readStoredMeanwhile(g, meta.dims);
        // awaited by the load stage; a failed model load must not leave it unhandled
        g.storedRead.catch(() => undefined);
      }
      const emb = await g.hooks.embedderFor(g.settings, g.signal);
      g.emb = emb;
      if (emb.info.fallbackReason) g.hooks.warn(emb.info.fallbackReason);
      for (const f of emb.load.files) if (f.repaired) g.hooks.warn(`The cached copy of ${f.file} was broken (${f.repaired}): it was deleted and downloaded again.`);
      if (meta && g.storedComplete && meta.dims !== emb.info.dims) {
        throw new RagtabError('StorageError', `The stored index of this configuration has ${meta.dims}-dimensional vectors, but the model gives ${emb.info.dims}: delete it in the storage panel (Stored data) and ingest again.`);
      }
      // Not part of the stage (its time is the load call's): an empty index for the vectors to come.
      if (!g.storedRead) await g.index.call('reset', (api) => api.reset(emb.info.dims), g.signal);
      const l = emb.load;
      // `alongside`: the stored index was read at the same time (its time and memory share the machine with this stage's)
      const extra = { reused: l.reused ? 'yes' : 'no', source: sourceOf(l.files, l.reused), bytes: l.files.reduce((n, f) => n + f.bytes, 0), ...(g.storedRead ? { alongside: 'stored index read' } : {}) };
      return { ms: l.ms, workerMs: l.workerMs, extra };
    },
  },
  {
    name: STAGE.load,
    unit: 'ms',
    phase: 'load',
    enabled: (g: Ingestion) => g.storedComplete,
    run: async (g: Ingestion, rec: StageRecorder) => {
      // read while the model loaded: what is left of it is waited for here; the timing recorded is the read's own
      g.hooks.setProgress({ phase: 'load', label: 'Loading the stored vectors', done: 0, total: 1, unit: 'step', startedAt: performance.now() });
      const read = await need(g.storedRead);
      if (read.load) rec.record(read.load);
      const loaded = read.chunks;
      // a damaged index was set aside: the chunk and embed stages run as for a new corpus, into an empty index
      if (!loaded) {
        g.storedComplete = false;
        await g.index.call('reset', (api) => api.reset(need(g.emb).info.dims), g.signal);
        return;
      }
      g.chunks = loaded;
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
    name: STAGE.loadKinds,
    unit: 'ms',
    phase: 'load',
    // the stored kinds of this index (int8, binary codes; BM25 postings) instead of building them,
    // read after the vectors while the model loaded
    enabled: (g: Ingestion) => g.storage.fromStorage && g.store !== null && storedWanted(g).length > 0,
    run: async (g: Ingestion, rec: StageRecorder) => {
      const read = g.storedRead ? await g.storedRead : null;
      if (!read?.kinds) return importStoredKinds(g, true);
      rec.record(read.kinds);
      return undefined;
    },
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
      const toBuild = kindsToBuild(g).filter((k) => !g.loadedKinds.has(k));
      const label = (p?: BuildProgress) => `Building ${toBuild.join(' + ')} index${p && p.total > 0 && p.done < p.total ? ` (${p.kind}: ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} vectors)` : ''}`;
      const t0 = performance.now();
      g.hooks.setProgress({ phase: 'index', label: label(), done: 0, total: toBuild.length, unit: 'kinds', startedAt: t0 });
      const onProgress = Comlink.proxy((p: BuildProgress) => {
        const at = toBuild.indexOf(p.kind);
        g.hooks.setProgress({ phase: 'index', label: label(p), done: at + (p.total > 0 ? p.done / p.total : 1), total: toBuild.length, unit: 'kinds' });
      });
      const b = await g.index.call('build', (api) => api.build(toBuild, buildOptionsOf(g.settings.kindOptions), onProgress), g.signal);
      g.builds = [...[...g.loadedKinds.values()].map((l) => l.build), ...b.value];
      const ms = b.roundTripMs;
      const extra: Record<string, number | string> = { vectors: chunks.length, ...(ms > 0 ? { vectorsPerSecond: (chunks.length * 1000) / ms } : {}) };
      for (const x of b.value) extra[`${x.kind}Ms`] = x.ms;
      for (const [kind] of g.loadedKinds) extra[kind] = 'loaded';
      const parts: StagePart[] = b.value.map((x) => ({ name: kindBuildPart(x.kind), ms: x.ms, extra: { kind: x.kind, ...(typeof x.bytes === 'number' ? { bytes: x.bytes } : {}) } }));
      return { ms, workerMs: b.value.reduce((s, x) => s + x.ms, 0), extra, parts };
    },
  },
  {
    name: STAGE.persistKinds,
    unit: 'ms',
    phase: 'index',
    // int8, binary and bm25 just built, stored beside the vectors (a reload reads them instead of building)
    enabled: (g: Ingestion) => g.store !== null && g.storage.persisted && g.builds.some((b) => isStoredKind(b.kind) && !b.loaded),
    run: async (g: Ingestion) => {
      const store = g.store!;
      const key = need(g.key).key;
      const todo = g.builds.filter((b): b is BuildResult & { kind: StoredKind } => isStoredKind(b.kind) && !b.loaded);
      let bytes = 0;
      for (const b of todo) {
        g.hooks.setProgress({ phase: 'index', label: `Storing the ${b.kind} index`, done: todo.indexOf(b), total: todo.length, unit: 'kinds' });
        try {
          const data = await g.index.call(`export ${b.kind}`, (api) => api.exportKind(b.kind), g.signal);
          const entry = await store.kinds.put(key, data.value, b.ms);
          g.kindDisk.set(b.kind, entry.bytes);
          bytes += entry.bytes;
        } catch (e) {
          // the index answers all the same: only the next load builds it again
          g.hooks.warn(`The ${b.kind} index could not be stored (${(e as Error).message}): the next load builds it again.`);
        }
      }
      return { extra: { kinds: todo.length, bytes } };
    },
  },
  {
    name: STAGE.kindCheck,
    unit: 'ms',
    phase: 'check',
    // a check of the index, not one of ingestion's timings
    untimed: true,
    enabled: (g: Ingestion) => g.settings.indexKinds.some((k) => k !== 'exact'),
    run: kindCheck,
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
    storedRead: null,
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
    loadedKinds: new Map(),
    kindDisk: new Map(),
    checks: new Map(),
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
      kinds: kindReports(g),
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