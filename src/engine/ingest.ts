/**
 * Ingestion as one pipeline: read+parse → model load → (load from storage | chunk → embed →
 * persist) → index build → voy check. Every stage is timed; vectors are committed to IndexedDB
 * batch by batch, so a page closed mid-ingest resumes from the last committed batch, and a corpus
 * ingested before with the same configuration comes back from storage without embedding anything.
 *
 * The pipeline builds into a fresh index worker and returns it; the session swaps it in only when
 * the whole pipeline succeeded.
 */
import * as Comlink from 'comlink';
import type { BatchTiming, EmbedderApi, EmbedderInfo, IndexApi } from '../../workers/api';
import { WorkerBridge, createIndexWorker } from './bridge';
import { loadCorpus } from './corpus-loader';
import { chunkDocuments, type Chunk } from '../core/chunking';
import type { Corpus } from '../core/documents';
import { RagtabError } from '../core/errors';
import { formatBytes } from '../core/lines';
import { chunkListHash, indexKey, indexKeyParts } from '../core/index-key';
import type { Settings } from '../core/settings';
import type { RagtabStore } from '../storage/store';
import { BatchCommitter, INGEST_COMMIT_POLICY, chunksFromRefsInSlices, refsOf } from '../storage/indexes';
import { withIndexWriteLock } from '../storage/locks';
import type { IngestReport, Progress, StageTiming } from './session';

export interface IngestContext {
  signal: AbortSignal;
  store: RagtabStore | null;
  setProgress(p: Omit<Progress, 'etaMs' | 'startedAt'> & { startedAt?: number }): void;
  warn(message: string): void;
  embedderFor(settings: Settings, signal: AbortSignal): Promise<{ bridge: WorkerBridge<EmbedderApi>; info: EmbedderInfo; load: IngestReport['modelLoad'] }>;
  queryText(text: string, settings: Settings): string;
}

export interface IngestOutcome {
  report: IngestReport;
  corpus: Corpus;
  chunks: Chunk[];
  embedder: WorkerBridge<EmbedderApi>;
  index: WorkerBridge<IndexApi>;
}

export function mark(name: string, start: number, end = performance.now()): void {
  try {
    performance.measure(`ragtab:${name}`, { start, end });
  } catch {
    /* measure is best effort */
  }
}

function cancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new RagtabError('Cancelled', 'Ingestion cancelled.');
}

export async function runIngest(ctx: IngestContext, settings: Settings, files: File[]): Promise<IngestOutcome> {
  const { signal, store } = ctx;
  const t0 = performance.now();
  const stages: StageTiming[] = [];
  const index = new WorkerBridge<IndexApi>('index', createIndexWorker);
  let storedCorpus: string | null = null;
  try {
    // 1. read + parse
    let ts = performance.now();
    ctx.setProgress({ phase: 'read', label: 'Reading corpus', done: 0, total: 0, unit: 'docs', startedAt: ts });
    const loaded = await loadCorpus(settings.corpus, {
      files,
      onProgress: (p) => ctx.setProgress({ phase: 'read', label: `Reading ${p.file} (${formatBytes(p.bytes)})`, done: p.docs, total: 0, unit: 'docs' }),
    });
    cancelled(signal);
    const { corpus } = loaded;
    stages.push({ name: 'read+parse', ms: performance.now() - ts, extra: { docs: corpus.docs.length, bytes: loaded.bytes } });
    mark('read+parse', ts);
    for (const w of corpus.notes?.warnings ?? []) ctx.warn(w);
    // The user's own files cannot be read again after a reload: keep their documents (and remove
    // them again if this ingestion fails: a stored corpus without its index is of no use).
    if (store && corpus.source.kind === 'files') {
      const before = await store.corpora.record(loaded.hash);
      await store.corpora.put(corpus, { hash: loaded.hash });
      if (!before?.complete) storedCorpus = loaded.hash;
    }

    // 2. model
    const emb = await ctx.embedderFor(settings, signal);
    const embedder = emb.bridge;
    const embInfo = emb.info;
    if (embInfo.fallbackReason) ctx.warn(embInfo.fallbackReason);
    for (const f of emb.load.files) if (f.repaired) ctx.warn(`The cached copy of ${f.file} was broken (${f.repaired}): it was deleted and downloaded again.`);
    stages.push({ name: 'model load', ms: emb.load.ms, workerMs: emb.load.workerMs, extra: { reused: emb.load.reused ? 'yes' : 'no' } });
    await index.call('reset', (api) => api.reset(embInfo.dims), signal);

    const key = await indexKey(indexKeyParts(settings, loaded.hash));
    let chunks: Chunk[] = [];
    let storage: IngestReport['storage'] = { key: key.key, persisted: false, fromStorage: false, resumedFrom: 0, reason: store ? null : 'IndexedDB is unavailable: nothing is kept after a reload.' };

    /** Reads a stored index (or its committed prefix) into the index worker: the 'load' stage. */
    const loadStored = async (label: string): Promise<Chunk[]> => {
      const l0 = performance.now();
      ctx.setProgress({ phase: 'load', label, done: 0, total: 1, unit: 'step', startedAt: l0 });
      const l = await store!.indexes.load(key.key);
      if (!l) throw new RagtabError('StorageError', 'The stored index disappeared while it was being read.');
      // blocks are read in the storage layer's worker; the chunks are rebuilt in slices (no long task)
      const restored = await chunksFromRefsInSlices(l.refs, corpus.docs);
      const vecs = l.vectors;
      const a = await index.call('add stored', (api) => api.add(restored.map((c) => c.id), Comlink.transfer(vecs, [vecs.buffer])), signal);
      stages.push({ name: 'load', ms: performance.now() - l0, workerMs: a.value.workerMs, extra: { chunks: restored.length, readMs: l.readMs, assembleMs: l.assembleMs } });
      mark('load', l0);
      return restored;
    };

    const stored = store ? await store.indexes.get(key.key) : null;
    let batches: BatchTiming[] = [];
    let tokens = 0;
    if (stored?.complete) {
      chunks = await loadStored('Loading the stored vectors');
      storage = { ...storage, persisted: true, fromStorage: true };
    } else {
      // 3. chunk (token counts come from the embedder's own tokenizer)
      ts = performance.now();
      let countMs = 0;
      const total = corpus.docs.length;
      const CHUNK_BATCH = 256;
      for (let i = 0; i < total; i += CHUNK_BATCH) {
        const part = await chunkDocuments(
          corpus.docs.slice(i, i + CHUNK_BATCH),
          settings.chunking,
          async (texts) => {
            const r = await embedder.call('count tokens', (api) => api.countTokens(texts), signal);
            countMs += r.value.workerMs;
            return r.value.counts;
          },
          {
            maxTokens: embInfo.maxTokens,
            signal,
            // A large document is chunked region by region: show how far into it the chunker is.
            onProgress: (p) => {
              if (p.chars !== undefined && p.totalChars) ctx.setProgress({ phase: 'chunk', label: `Chunking a large document (${corpus.docs[i + p.docs]?.id ?? ''})`, done: p.chars, total: p.totalChars, unit: 'chars', startedAt: ts });
            },
          },
        );
        for (const c of part) chunks.push(c);
        ctx.setProgress({ phase: 'chunk', label: 'Chunking', done: Math.min(total, i + CHUNK_BATCH), total, unit: 'docs', startedAt: ts });
      }
      if (chunks.length === 0) throw new RagtabError('EmptyCorpus', `The corpus "${corpus.name}" has no text to embed.`);
      stages.push({ name: 'chunk', ms: performance.now() - ts, workerMs: countMs, extra: { chunks: chunks.length } });
      mark('chunk', ts);

      // 4. embed (and persist batch by batch, holding this index's write lock)
      const embedAll = async (from: number, persist: ((part: Chunk[], vecs: Float32Array) => Promise<void>) | null): Promise<void> => {
        const e0 = performance.now();
        let workerMs = 0;
        let addMs = 0;
        let persistMs = 0;
        const per = embInfo.batchSize * 4;
        for (let i = from; i < chunks.length; i += per) {
          const part = chunks.slice(i, i + per);
          const r = await embedder.call('embed', (api) => api.embed(part.map((c) => c.text)), signal);
          workerMs += r.value.workerMs;
          tokens += r.value.tokens;
          batches.push(...r.value.batches);
          const vecs = r.value.vectors;
          if (persist) {
            const p0 = performance.now();
            await persist(part, vecs);
            persistMs += performance.now() - p0;
          }
          const a0 = performance.now();
          await index.call('add', (api) => api.add(part.map((c) => c.id), Comlink.transfer(vecs, [vecs.buffer])), signal);
          addMs += performance.now() - a0;
          ctx.setProgress({ phase: 'embed', label: from > 0 ? `Embedding (resumed at chunk ${from})` : 'Embedding', done: Math.min(chunks.length, i + per), total: chunks.length, unit: 'chunks', startedAt: e0 });
        }
        const n = chunks.length - from;
        const embedMs = performance.now() - e0 - addMs - persistMs;
        stages.push({
          name: 'embed',
          ms: embedMs,
          workerMs,
          extra: { chunks: n, tokens, chunksPerSecond: (n / embedMs) * 1000, tokensPerSecond: (tokens / embedMs) * 1000 },
        });
        if (persist) stages.push({ name: 'persist', ms: persistMs, extra: { chunks: n, vectorsPerSecond: persistMs > 0 ? (n / persistMs) * 1000 : 0 } });
        mark('embed', e0);
      };

      if (!store) {
        await embedAll(0, null);
      } else {
        const dims = embInfo.dims;
        await withIndexWriteLock(key.key, { onWait: (w) => ctx.warn(w.message), signal }, async () => {
          const b = await store.indexes.begin({ key, dims, totalChunks: chunks.length, chunksHash: await chunkListHash(chunks), device: embInfo.device });
          if (b.restarted) ctx.warn(b.restarted);
          if (b.complete) {
            // Another tab finished this index while we waited for its lock.
            await index.call('reset', (api) => api.reset(dims), signal);
            chunks = await loadStored('Loading the vectors the other tab stored');
            storage = { ...storage, persisted: true, fromStorage: true };
            batches = [];
            return;
          }
          let resumedFrom = 0;
          if (b.committedChunks > 0) {
            await loadStored(`Loading ${b.committedChunks} stored chunks (resuming)`);
            resumedFrom = b.committedChunks;
            ctx.warn(`Resumed: ${b.committedChunks} of ${chunks.length} chunks were already stored by an earlier, interrupted ingestion.`);
          }
          // Several embedded batches per transaction (INGEST_COMMIT_POLICY: ~8,192 vectors or 2 s):
          // a page closed mid-ingest loses at most the batches since the last commit, which the
          // resume embeds again (bench/README-storage.md).
          const commits = new BatchCommitter(store.indexes, key.key, b.nextBlock, INGEST_COMMIT_POLICY);
          await embedAll(resumedFrom, async (part, vecs) => {
            await commits.add(refsOf(part), vecs);
          });
          const c0 = performance.now();
          await commits.finish();
          await store.indexes.complete(key.key);
          stages.push({ name: 'commit', ms: performance.now() - c0 });
          storage = { ...storage, persisted: true, resumedFrom };
        });
      }
    }
    const emptyDocs = corpus.docs.length - new Set(chunks.map((c) => c.docId)).size;
    const truncatedChunks = chunks.filter((c) => c.tokens > embInfo.maxTokens).length;
    if (truncatedChunks > 0) ctx.warn(`${truncatedChunks} chunk(s) are longer than the model's ${embInfo.maxTokens}-token limit and were truncated when embedded.`);
    if (emptyDocs > 0) ctx.warn(`${emptyDocs} document(s) had no text and were skipped.`);

    // 5. build the index kinds
    ctx.setProgress({ phase: 'index', label: `Building ${settings.indexKinds.join(' + ')} index`, done: 0, total: 1, unit: 'step', startedAt: performance.now() });
    ts = performance.now();
    const b = await index.call('build', (api) => api.build(settings.indexKinds), signal);
    stages.push({ name: 'index build', ms: b.roundTripMs, workerMs: b.value.reduce((s, x) => s + x.ms, 0), extra: { vectors: chunks.length } });
    mark('index-build', ts);

    // 6. voy against the exact scan, over the corpus's queries (or a sample of chunks)
    let voyRecall: IngestReport['voyRecall'] = null;
    if (settings.indexKinds.includes('voy') && settings.indexKinds.includes('exact')) {
      const probeTexts =
        corpus.queries.length > 0
          ? corpus.queries.slice(0, 100).map((q) => q.text)
          : chunks
              .filter((_, i) => i % Math.max(1, Math.floor(chunks.length / 20)) === 0)
              .slice(0, 20)
              .map((c) => c.text);
      ctx.setProgress({ phase: 'check', label: 'Checking voy against the exact scan', done: 0, total: probeTexts.length, unit: 'queries', startedAt: performance.now() });
      const qv = await embedder.call('embed probes', (api) => api.embed(probeTexts.map((t) => ctx.queryText(t, settings))), signal);
      const recalls: number[] = [];
      const k = Math.min(settings.k, chunks.length);
      for (let i = 0; i < probeTexts.length; i++) {
        const q = qv.value.vectors.slice(i * embInfo.dims, (i + 1) * embInfo.dims);
        if (q.every((x) => x === 0)) continue;
        const ex = await index.call('search exact', (api) => api.search(q, k, 'exact'), signal);
        const vy = await index.call('search voy', (api) => api.search(q, k, 'voy'), signal);
        const truth = new Set(ex.value.hits.map((h) => h.index));
        recalls.push(vy.value.hits.filter((h) => truth.has(h.index)).length / Math.max(1, truth.size));
      }
      if (recalls.length > 0) voyRecall = { k, queries: recalls.length, mean: recalls.reduce((s, x) => s + x, 0) / recalls.length, min: Math.min(...recalls) };
    }

    const report: IngestReport = {
      corpusName: corpus.name,
      corpusHash: loaded.hash,
      docs: corpus.docs.length,
      chunks: chunks.length,
      emptyDocs,
      tokens,
      truncatedChunks,
      embedder: embInfo,
      modelLoad: emb.load,
      stages,
      batches,
      builds: b.value,
      voyRecall,
      storage,
      totalMs: performance.now() - t0,
    };
    return { report, corpus, chunks, embedder, index };
  } catch (e) {
    index.terminate();
    if (storedCorpus && store && !signal.aborted) await store.corpora.delete(storedCorpus).catch(() => undefined);
    throw e;
  }
}
