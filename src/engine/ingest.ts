/**
 * Ingestion as a list of stages (INGEST_STAGES): read+parse → model load → (load from storage →
 * load kinds | chunk → embed → persist → commit) → index build → persist kinds → kind check.
 * `runStages` times each; vectors are committed to IndexedDB batch by batch, so a page closed
 * mid-ingest resumes from the last commit, and a corpus ingested before with the same configuration
 * comes back from storage without embedding anything. The index kinds whose built form is stored
 * (int8, binary, bm25) come back too, without building; the others (voy, hnsw) are built again, a
 * timed part of the index build stage.
 *
 * The pipeline builds into a fresh index worker and returns it; the session swaps it in only when
 * the whole pipeline succeeded.
 */
import * as Comlink from 'comlink';
import type { BatchTiming, BuildProgress, BuildResult, EmbedderApi, EmbedderInfo, IndexApi, KindData } from '../../workers/api';
import { chunkDocuments, type Chunk } from '../core/chunking';
import { RagtabError } from '../core/errors';
import { formatBytes } from '../core/lines';
import { chunkListHash, indexKey, indexKeyParts, type IndexKey } from '../core/index-key';
import type { Settings } from '../core/settings';
import { STAGE, embedBatchParts, kindBuildPart, type Progress, type StagePart, type StageTiming } from '../core/stages';
import { buildOptionsOf, builtKinds, codeBytesPerVector, isStoredKind, kindLabel, kindVariant, needsText, needsVector, retrieveOptionsOf, type StoredKind } from '../core/index-kinds';
import type { IndexKind } from '../core/vocabulary';
import { summarize } from '../core/stats';
import type { Corpus } from '../core/documents';
import type { RagtabStore } from '../storage/store';
import { BatchCommitter, INGEST_COMMIT_POLICY } from '../storage/commit-policy';
import { chunksFromRefsInSlices, refsOf } from '../storage/stored-refs';
import { withIndexWriteLock } from '../storage/locks';
import { IndexDamaged } from '../storage/indexes';
import { WorkerBridge, createIndexWorker } from './bridge';
import { loadCorpus, type LoadedCorpus } from './corpus-loader';
import type { IngestReport, KindCheck, KindReport, ModelLoadReport } from './reports';
import { retrieve, retrievalSource } from './retrieve';
import { runStages, timing, type Stage, type StageFigures, type StageRecorder } from './stages';

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
  /** Kinds read from storage and imported (the load kinds stage), with the build time they saved. */
  loadedKinds: Map<IndexKind, { build: BuildResult; storedBuildMs: number; diskBytes: number }>;
  /** Stored kinds' bytes on disk (what was stored or found stored). */
  kindDisk: Map<IndexKind, number>;
  checks: Map<IndexKind, KindCheck>;
  voyRecall: IngestReport['voyRecall'];
}

/** The kinds this ingestion builds (asked for, the exact scan, a hybrid's parts). */
const kindsToBuild = (g: Ingestion): IndexKind[] => builtKinds(g.settings.indexKinds, g.settings.kindOptions);
/** Whether any built kind reads the chunk texts (bm25, hybrid): then they go to the index worker. */
const wantsTexts = (g: Ingestion): boolean => kindsToBuild(g).some(needsText);
/** The stored kinds this ingestion wants, with their variants. */
function storedWanted(g: Ingestion): Array<{ kind: StoredKind; variant: string }> {
  return kindsToBuild(g)
    .filter(isStoredKind)
    .map((kind) => ({ kind, variant: kindVariant(kind, g.settings.kindOptions) }));
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
  g.kindDisk.set('exact', l.meta.bytes);
  const vecs = l.vectors;
  const texts = wantsTexts(g) ? restored.map((c) => c.text) : undefined;
  const a = await g.index.call('add stored', (api) => api.add(restored.map((c) => c.id), Comlink.transfer(vecs, [vecs.buffer]), texts), g.signal);
  const t = timing(STAGE.load, l0, performance.now() - l0, { workerMs: a.value.workerMs, extra: { chunks: restored.length, readMs: l.readMs, assembleMs: l.assembleMs, vectorsAs: g.store?.indexes.vectorForm.form ?? 'none' } });
  if (rec) rec.record(t);
  return restored;
}

/**
 * loadStored, except that a damaged index (blocks that do not add up, or fail their checksums) is
 * never served: it is deleted, the user is told what was wrong, and null says "embed again".
 */
async function loadStoredOrSetAside(g: Ingestion, rec: StageRecorder | null, label: string): Promise<Chunk[] | null> {
  try {
    return await loadStored(g, rec, label);
  } catch (e) {
    if (!(e instanceof IndexDamaged)) throw e;
    await g.store!.indexes.delete(e.key);
    g.hooks.warn(`${e.message} Nothing of it was used: it was deleted, and the corpus is embedded again.`);
    return null;
  }
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
    const texts = wantsTexts(g) ? part.map((c) => c.text) : undefined;
    await g.index.call('add', (api) => api.add(part.map((c) => c.id), Comlink.transfer(vecs, [vecs.buffer]), texts), g.signal);
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

const overQuota = (e: unknown): RagtabError | null => (e instanceof RagtabError && e.code === 'QuotaExceeded' ? e : null);

/** Over quota: the ingestion goes on with its index in memory only, and says so. */
function keptInMemory(g: Ingestion, full: RagtabError, resumedFrom: number): void {
  g.hooks.warn(`${full.message} The index is kept in memory for this session only, not persisted: a reload embeds the corpus again.`);
  g.storage = { ...g.storage, persisted: false, resumedFrom };
}

/** Embeds and persists under this index's write lock (Web Locks: two tabs take turns), resuming a committed prefix. */
async function embedAndStore(g: Ingestion, rec: StageRecorder): Promise<void> {
  const store = g.store!;
  const key = need(g.key);
  const info = need(g.emb).info;
  await withIndexWriteLock(key.key, { onWait: (w) => g.hooks.warn(w.message), signal: g.signal }, async () => {
    const input = { key, dims: info.dims, totalChunks: g.chunks.length, chunksHash: await chunkListHash(g.chunks), device: info.device };
    let b: Awaited<ReturnType<typeof store.indexes.begin>>;
    try {
      b = await store.indexes.begin(input);
    } catch (e) {
      const full = overQuota(e);
      if (!full) throw e;
      await embedChunks(g, rec, 0, null);
      keptInMemory(g, full, 0);
      return;
    }
    if (b.restarted) g.hooks.warn(b.restarted);
    if (b.complete) {
      // Another tab finished this index while we waited for its lock.
      await g.index.call('reset', (api) => api.reset(info.dims), g.signal);
      const loaded = await loadStoredOrSetAside(g, rec, 'Loading the vectors the other tab stored');
      if (loaded) {
        g.chunks = loaded;
        g.storage = { ...g.storage, persisted: true, fromStorage: true };
        g.batches = [];
        return;
      }
      b = await store.indexes.begin(input);
    }
    let resumedFrom = 0;
    if (b.committedChunks > 0) {
      if (await loadStoredOrSetAside(g, rec, `Loading ${b.committedChunks} stored chunks (resuming)`)) {
        resumedFrom = b.committedChunks;
        g.hooks.warn(`Resumed: ${b.committedChunks} of ${g.chunks.length} chunks were already stored by an earlier, interrupted ingestion.`);
      } else b = await store.indexes.begin(input);
    }
    // Several embedded batches per transaction (INGEST_COMMIT_POLICY: ~8,192 vectors or 2 s): a page
    // closed mid-ingest loses at most the batches since the last commit, which the resume embeds again.
    const commits = new BatchCommitter(store.indexes, key.key, b.nextBlock, INGEST_COMMIT_POLICY);
    // Over quota, the vectors are still computed: the index stays in memory for this session.
    let full: RagtabError | null = null;
    await embedChunks(g, rec, resumedFrom, async (part, vecs) => {
      if (full) return;
      try {
        await commits.add(refsOf(part), vecs);
      } catch (e) {
        if (!(full = overQuota(e))) throw e;
      }
    });
    const c0 = performance.now();
    if (!full) {
      try {
        await commits.finish();
      } catch (e) {
        if (!(full = overQuota(e))) throw e;
      }
    }
    if (full) {
      // what was committed of it is deleted: a partial index that cannot be finished only takes space
      await store.indexes.delete(key.key).catch(() => undefined);
      keptInMemory(g, full, resumedFrom);
      return;
    }
    const done = await store.indexes.complete(key.key);
    g.kindDisk.set('exact', done.bytes);
    rec.record(timing(STAGE.commit, c0, performance.now() - c0, undefined));
    g.storage = { ...g.storage, persisted: true, resumedFrom };
  });
}

/** Probe queries of a check: the corpus's queries (up to 100), else 20 chunks sampled across the corpus. */
function probeTexts(g: Ingestion): string[] {
  const { corpus } = need(g.loaded);
  const { chunks } = g;
  return corpus.queries.length > 0
    ? corpus.queries.slice(0, 100).map((q) => q.text)
    : chunks
        .filter((_, i) => i % Math.max(1, Math.floor(chunks.length / 20)) === 0)
        .slice(0, 20)
        .map((c) => c.text);
}

/**
 * Every asked kind over the same probe queries (one warm-up each, left out): its search latency
 * and, for the vector kinds other than exact, its recall@k against the exact scan (the ground
 * truth, searched for the same probe). voy's figure is also the report's voyRecall.
 */
async function kindCheck(g: Ingestion): Promise<void> {
  const { chunks, settings } = g;
  const emb = need(g.emb);
  const asked = settings.indexKinds;
  const probes = probeTexts(g);
  g.hooks.setProgress({ phase: 'check', label: `Checking ${asked.join(', ')} against the exact scan`, done: 0, total: probes.length * asked.length, unit: 'searches', startedAt: performance.now() });
  const source = retrievalSource({ embedder: emb.bridge, index: g.index, chunks, titles: new Map(), settings });
  // every probe embedded in one call (when a kind reads vectors); each then searched on every kind
  const dims = emb.info.dims;
  let vectors: Float32Array | null = null;
  if (asked.some(needsVector)) {
    const qv = await emb.bridge.call('embed probes', (api) => api.embed(probes.map((t) => source.queryPrefix + t)), g.signal);
    vectors = qv.value.vectors;
  }
  const k = Math.min(settings.k, chunks.length);
  const truth: Array<Set<number> | null> = [];
  const perKind = new Map<IndexKind, { rt: number[]; worker: number[]; recall: number[] }>(asked.map((kind) => [kind, { rt: [], worker: [], recall: [] }]));
  let done = 0;
  for (let i = -1; i < probes.length; i++) {
    const p = Math.max(0, i);
    const vector = vectors ? vectors.slice(p * dims, (p + 1) * dims) : null;
    const zero = vector !== null && vector.every((x) => x === 0);
    const base = { text: probes[p]!, k, context: false, signal: g.signal, ...(vector && !zero ? { vector } : {}) };
    if (i >= 0 && vector && !zero) {
      const exact = await retrieve(source, { ...base, kind: 'exact' });
      truth[i] = new Set(exact.searchHits.map((h) => h.index));
    }
    for (const kind of asked) {
      if (needsVector(kind) && (!vector || zero)) continue;
      const r = await retrieve(source, { ...base, kind, options: retrieveOptionsOf(kind, settings.kindOptions) });
      if (i < 0) continue; // the warm-up
      const search = r.stages.find((s) => s.name === STAGE.search);
      const f = perKind.get(kind)!;
      if (search) {
        f.rt.push(search.ms);
        if (search.workerMs !== undefined) f.worker.push(search.workerMs);
      }
      const want = truth[i];
      if (want && needsVector(kind) && kind !== 'hybrid' && kind !== 'exact') f.recall.push(r.searchHits.filter((h) => want.has(h.index)).length / Math.max(1, want.size));
      g.hooks.setProgress({ phase: 'check', label: `Checking ${asked.join(', ')} against the exact scan`, done: ++done, total: probes.length * asked.length, unit: 'searches' });
    }
  }
  for (const [kind, f] of perKind) {
    if (f.rt.length === 0) continue;
    const recall = f.recall.length > 0 ? { mean: f.recall.reduce((s, x) => s + x, 0) / f.recall.length, min: Math.min(...f.recall) } : null;
    g.checks.set(kind, { queries: f.rt.length, k, searchMs: summarize(f.rt), workerMs: summarize(f.worker), recall });
    if (kind === 'voy' && recall) g.voyRecall = { k, queries: f.recall.length, mean: recall.mean, min: recall.min };
  }
}

/** The kinds' reports: how each was built or loaded, its bytes in memory and on disk, its check. */
function kindReports(g: Ingestion): KindReport[] {
  const asked = g.settings.indexKinds;
  const dims = need(g.emb).info.dims;
  return kindsToBuild(g).map((kind) => {
    const build = g.builds.find((b) => b.kind === kind) ?? null;
    const loaded = g.loadedKinds.get(kind);
    const role: KindReport['role'] = kind === asked[0] ? 'answer' : asked.includes(kind) ? 'compare' : kind === 'exact' ? 'ground truth' : 'fused';
    const disk = g.kindDisk.get(kind) ?? null;
    return {
      kind,
      label: kindLabel(kind, g.settings.kindOptions),
      role,
      build,
      loaded: loaded !== undefined,
      storedBuildMs: loaded?.storedBuildMs ?? null,
      diskBytes: disk,
      bytesPerVector: codeBytesPerVector(kind, dims),
      check: g.checks.get(kind) ?? null,
    };
  });
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
      const loaded = await loadStoredOrSetAside(g, rec, 'Loading the stored vectors');
      // a damaged index was set aside: the chunk and embed stages run as for a new corpus
      if (!loaded) return void (g.storedComplete = false);
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
    // the stored kinds of this index (int8, binary codes; BM25 postings) instead of building them
    enabled: (g: Ingestion) => g.storage.fromStorage && g.store !== null && storedWanted(g).length > 0,
    run: async (g: Ingestion): Promise<StageFigures> => {
      const store = g.store!;
      const key = need(g.key).key;
      const listed = await store.kinds.list(key);
      const wanted = storedWanted(g).filter((w) => listed.some((e) => e.kind === w.kind && e.variant === w.variant));
      if (wanted.length === 0) return { extra: { kinds: 0 } };
      g.hooks.setProgress({ phase: 'load', label: `Loading the stored ${wanted.map((w) => w.kind).join(', ')} index`, done: 0, total: wanted.length, unit: 'kinds', startedAt: performance.now() });
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
