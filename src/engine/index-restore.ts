/**
 * Puts the active index back into a fresh index worker after the old one died (crashed, or ended
 * without an error event: bridge.ts). The vectors come from IndexedDB when the ingestion stored
 * them (verified against their checksums, like any load), else they are embedded again; then
 * every kind the ingestion built is built again. The active chunks and their order are kept, so
 * answers are the same as before the loss.
 */
import * as Comlink from 'comlink';
import type { EmbedderApi, IndexApi } from '../../workers/api';
import type { Chunk } from '../core/chunking';
import { RagtabError } from '../core/errors';
import { buildOptionsOf, builtKinds, needsText } from '../core/index-kinds';
import type { Progress } from '../core/stages';
import type { Settings } from '../core/settings';
import type { RagtabStore } from '../storage/store';
import { IndexDamaged } from '../storage/indexes';
import type { WorkerBridge } from './bridge';

export interface RestoreTarget {
  settings: Settings;
  chunks: Chunk[];
  embedder: WorkerBridge<EmbedderApi>;
  index: WorkerBridge<IndexApi>;
  /** The IndexedDB key of the stored vectors, when the ingestion stored them. */
  storedKey: string | null;
  dims: number;
}

export interface RestoreResult {
  from: 'storage' | 'embedding';
  vectors: number;
  ms: number;
}

/** Rebuilds the index in `t.index` (a fresh worker); rejects with a named error. */
export async function restoreIndex(t: RestoreTarget, store: RagtabStore | null, setProgress: (p: Omit<Progress, 'etaMs' | 'startedAt'> & { startedAt?: number }) => void): Promise<RestoreResult> {
  const t0 = performance.now();
  const ids = t.chunks.map((c) => c.id);
  const texts = builtKinds(t.settings.indexKinds, t.settings.kindOptions).some(needsText) ? t.chunks.map((c) => c.text) : undefined;
  await t.index.call('reset', (api) => api.reset(t.dims));
  // the rest on the worker that reset ran on: lost meanwhile, the restore fails rather than fill a later, empty one
  const index = t.index.pinned(t.index.generation);
  let from: RestoreResult['from'] = 'embedding';
  let stored = null;
  if (t.storedKey && store) {
    try {
      stored = await store.indexes.load(t.storedKey);
    } catch (e) {
      // damaged since the ingestion: never served; deleted, and the chunks are embedded again below
      if (!(e instanceof IndexDamaged)) throw e;
      await store.indexes.delete(e.key);
    }
  }
  if (stored && stored.meta.complete && stored.meta.committedChunks === t.chunks.length && stored.meta.dims === t.dims) {
    setProgress({ phase: 'load', label: 'Restarting the index worker: reloading the stored vectors', done: 0, total: 1, unit: 'step', startedAt: t0 });
    const storedIds = stored.refs.toArray().map((r) => r.id);
    if (storedIds.some((id, i) => id !== ids[i])) throw new RagtabError('StorageError', 'The stored vectors no longer match the active chunks: ingest again.');
    const v = stored.vectors;
    await index.call('add stored', (api) => api.add(ids, Comlink.transfer(v, [v.buffer]), texts));
    from = 'storage';
  } else {
    const per = 256;
    for (let i = 0; i < t.chunks.length; i += per) {
      const part = t.chunks.slice(i, i + per);
      setProgress({ phase: 'embed', label: 'Restarting the index worker: embedding the chunks again (they were not stored)', done: i, total: t.chunks.length, unit: 'chunks', startedAt: t0 });
      const r = await t.embedder.call('embed', (api) => api.embed(part.map((c) => c.text)));
      const v = r.value.vectors;
      await index.call('add', (api) => api.add(ids.slice(i, i + per), Comlink.transfer(v, [v.buffer]), texts?.slice(i, i + per)));
    }
  }
  const kinds = builtKinds(t.settings.indexKinds, t.settings.kindOptions);
  setProgress({ phase: 'index', label: `Restarting the index worker: building ${kinds.join(' + ')}`, done: 0, total: kinds.length, unit: 'kinds', startedAt: t0 });
  await index.call('build', (api) => api.build(kinds, buildOptionsOf(t.settings.kindOptions)));
  return { from, vectors: t.chunks.length, ms: performance.now() - t0 };
}
