/**
 * The ingestion's side of the stored index: reading it back (a damaged one set aside, never served),
 * embedding into it batch by batch under its write lock with commits a closed page resumes from,
 * and keeping the index in memory when the quota is full.
 */
import * as Comlink from 'comlink';
import { type Chunk } from '../core/chunking';
import { RagtabError } from '../core/errors';
import { chunkListHash } from '../core/index-key';
import { STAGE, embedBatchParts } from '../core/stages';
import { BatchCommitter, INGEST_COMMIT_POLICY } from '../storage/commit-policy';
import { chunksFromRefsInSlices, refsOf } from '../storage/stored-refs';
import { withIndexWriteLock } from '../storage/locks';
import { IndexDamaged } from '../storage/indexes';
import { timing, type StageRecorder } from './stages';
import { need, wantsTexts, type Ingestion } from './ingestion';

/**
 * Reads a stored index (or its committed prefix) into the index worker: the 'load' stage. `label`
 * is what the progress bar says meanwhile; null leaves the bar alone (a read while the model loads).
 */
export async function loadStored(g: Ingestion, rec: StageRecorder | null, label: string | null): Promise<Chunk[]> {
  const l0 = performance.now();
  if (label !== null) g.hooks.setProgress({ phase: 'load', label, done: 0, total: 1, unit: 'step', startedAt: l0 });
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
export async function loadStoredOrSetAside(g: Ingestion, rec: StageRecorder | null, label: string | null): Promise<Chunk[] | null> {
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
export async function embedChunks(g: Ingestion, rec: StageRecorder, from: number, persist: ((part: Chunk[], vecs: Float32Array) => Promise<void>) | null): Promise<void> {
  const { chunks } = g;
  const embedder = need(g.emb).bridge;
  const e0 = performance.now();
  let workerMs = 0;
  let addMs = 0;
  let persistMs = 0;
  const per = need(g.emb).info.batchSize * 4;
  for (let i = from; i < chunks.length; i += per) {
    const part = chunks.slice(i, i + per);
    const r = await embedder.call('embed', (api) => api.embed(part.map((c) => c.text), { order: g.settings.embedOrder }), g.signal);
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
export async function embedAndStore(g: Ingestion, rec: StageRecorder): Promise<void> {
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
