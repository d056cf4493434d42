/**
 * The storage panel's inventory (`StorageRepo`, what `<ragtab-storage>` reads): everything stored, the browser's estimate (usage, quota), persistent
 * storage, and every corpus, index and run with its size (estimated from the raw data: UTF-8 text,
 * vector bytes, chunk refs, run JSON), deletable one by one or all at once.
 *
 * An index whose write lock is held (an ingestion is writing it, in this tab or another) is not
 * deleted: the call fails with StorageError saying so.
 */
import type { ChunkParams } from '../core/chunking';
import type { CorpusSource } from '../core/documents';
import { RagtabError } from '../core/errors';
import { kindRange } from './kinds';
import type { IndexKeyParts } from '../core/index-key';
import type { RagtabDb } from './schema';
import type { VectorFormDecision } from './vector-form';
import { guarded, quiet, readEstimate, type StorageEstimate } from './errors';
import { INDEX_LOCK_PREFIX, busyIndexKeys } from './locks';
import { deleteAllCaches, deleteCache, listCaches, type StoredCacheItem } from './caches';

export type { StoredCacheItem } from './caches';

export type StoredItemRef = { kind: 'corpus'; hash: string } | { kind: 'index'; key: string } | { kind: 'run'; id: string } | { kind: 'cache'; name: string };

export interface StoredCorpusItem {
  kind: 'corpus';
  hash: string;
  name: string;
  source: CorpusSource['kind'];
  docs: number;
  queries: number;
  bytes: number;
  complete: boolean;
  updatedAt: number;
}

export interface StoredIndexItem {
  kind: 'index';
  key: string;
  corpusHash: string;
  /** Name of the stored corpus it was built from, null when that corpus is not stored. */
  corpusName: string | null;
  model: IndexKeyParts['model'];
  dtype: string;
  chunking: ChunkParams;
  dims: number;
  totalChunks: number;
  committedChunks: number;
  complete: boolean;
  /** Vectors, chunk refs and the stored kinds. */
  bytes: number;
  /** The built kinds stored with it (int8, binary, bm25), with their bytes. */
  kinds: Array<{ kind: string; bytes: number }>;
  updatedAt: number;
}

export interface StoredRunItem {
  kind: 'run';
  id: string;
  createdAt: number;
  bytes: number;
  /** From the `describeRun` option, else null. */
  label: string | null;
}

export interface StoredInventory {
  corpora: StoredCorpusItem[];
  indexes: StoredIndexItem[];
  runs: StoredRunItem[];
  /** Cache Storage: model files, the service worker's copies (src/storage/caches.ts). */
  caches: StoredCacheItem[];
  /** Sum of the item sizes above. */
  totalBytes: number;
}

export interface PersistenceState {
  /** null when the browser has no StorageManager.persisted(). */
  persisted: boolean | null;
}

/** What the storage panel (`<ragtab-storage>`) needs; StorageRepo implements it. */
export interface StoragePanelSource {
  estimate(): Promise<StorageEstimate | null>;
  persisted(): Promise<PersistenceState>;
  /** Asks for persistent storage; resolves with the state after the request. */
  persist(): Promise<PersistenceState>;
  list(): Promise<StoredInventory>;
  delete(item: StoredItemRef): Promise<void>;
  deleteAll(): Promise<void>;
  /** In which form vector blocks are stored here (Blob, or ArrayBuffer where Blobs are refused), and why. */
  readonly vectorForm: VectorFormDecision | null;
}

export class StorageRepo implements StoragePanelSource {
  constructor(
    private readonly db: RagtabDb,
    private readonly opts: { describeRun?: (record: unknown) => string | null; vectorForm?: VectorFormDecision } = {},
  ) {}

  get vectorForm(): VectorFormDecision | null {
    return this.opts.vectorForm ?? null;
  }

  estimate(): Promise<StorageEstimate | null> {
    return readEstimate();
  }

  async persisted(): Promise<PersistenceState> {
    try {
      if (typeof navigator.storage?.persisted !== 'function') return { persisted: null };
      return { persisted: await navigator.storage.persisted() };
    } catch {
      return { persisted: null };
    }
  }

  async persist(): Promise<PersistenceState> {
    try {
      if (typeof navigator.storage?.persist !== 'function') return { persisted: null };
      const granted = await navigator.storage.persist();
      return { persisted: granted };
    } catch {
      return { persisted: null };
    }
  }

  async list(): Promise<StoredInventory> {
    const db = this.db;
    const cached = await listCaches().catch(() => []);
    return guarded(db, 'list what is stored', async () => {
      const tx = db.transaction(['corpora', 'indexes', 'runs'], 'readonly');
      const [corpora, indexes, runs] = await Promise.all([tx.objectStore('corpora').getAll(), tx.objectStore('indexes').getAll(), tx.objectStore('runs').index('byCreatedAt').getAll()]);
      await tx.done;
      const names = new Map(corpora.filter((c) => c.complete).map((c) => [c.hash, c.name] as const));
      const inv: StoredInventory = {
        corpora: corpora
          .sort((a, b) => b.updatedAt - a.updatedAt)
          .map((c) => ({ kind: 'corpus', hash: c.hash, name: c.name, source: c.source.kind, docs: c.docCount, queries: c.queries.length, bytes: c.bytes, complete: c.complete, updatedAt: c.updatedAt })),
        indexes: indexes
          .sort((a, b) => b.updatedAt - a.updatedAt)
          .map((m) => ({
            kind: 'index',
            key: m.key,
            corpusHash: m.corpusHash,
            corpusName: names.get(m.corpusHash) ?? null,
            model: { ...m.parts.model },
            dtype: m.parts.dtype,
            chunking: { ...m.parts.chunking },
            dims: m.dims,
            totalChunks: m.totalChunks,
            committedChunks: m.committedChunks,
            complete: m.complete,
            bytes: m.bytes + (m.kinds ?? []).reduce((n, k) => n + k.bytes, 0),
            kinds: (m.kinds ?? []).map((k) => ({ kind: k.kind, bytes: k.bytes })),
            updatedAt: m.updatedAt,
          })),
        runs: runs.reverse().map((r) => {
          let label: string | null = null;
          try {
            label = this.opts.describeRun?.(r.record) ?? null;
          } catch {
            label = null;
          }
          return { kind: 'run', id: r.id, createdAt: r.createdAt, bytes: r.bytes, label };
        }),
        caches: cached,
        totalBytes: 0,
      };
      inv.totalBytes = [...inv.corpora, ...inv.indexes, ...inv.runs, ...inv.caches].reduce((s, x) => s + x.bytes, 0);
      return inv;
    });
  }

  async delete(item: StoredItemRef): Promise<void> {
    const db = this.db;
    if (item.kind === 'cache') {
      await deleteCache(item.name);
      return;
    }
    if (item.kind === 'run') {
      await guarded(db, 'delete the stored run', () => db.delete('runs', item.id));
      return;
    }
    if (item.kind === 'corpus') {
      await guarded(db, 'delete the stored corpus', async () => {
        const tx = db.transaction(['corpora', 'documents'], 'readwrite');
        quiet(tx.objectStore('documents').delete(IDBKeyRange.bound([item.hash, -Infinity], [item.hash, Infinity])));
        quiet(tx.objectStore('corpora').delete(item.hash));
        await tx.done;
      });
      return;
    }
    const del = () =>
      guarded(db, 'delete the stored index', async () => {
        const tx = db.transaction(['indexes', 'blocks', 'kinds'], 'readwrite');
        quiet(tx.objectStore('blocks').delete(IDBKeyRange.bound([item.key, -Infinity], [item.key, Infinity])));
        quiet(tx.objectStore('kinds').delete(kindRange(item.key)));
        quiet(tx.objectStore('indexes').delete(item.key));
        await tx.done;
      });
    if (typeof navigator === 'undefined' || !navigator.locks) return del();
    // holding the index's write lock while deleting: never delete under a writer
    const ok = await navigator.locks.request(INDEX_LOCK_PREFIX + item.key, { ifAvailable: true }, async (lock) => {
      if (!lock) return false;
      await del();
      return true;
    });
    if (!ok) throw new RagtabError('StorageError', 'This index is being written by an ingestion (in this tab or another): cancel it, or wait for it to finish, then delete.');
  }

  /** Empties every store (the database stays open in every tab) and deletes every cache. Refuses while an index is being written. */
  async deleteAll(): Promise<void> {
    const busy = await busyIndexKeys();
    if (busy.size > 0) {
      throw new RagtabError('StorageError', `${busy.size} index(es) are being written by an ingestion (in this tab or another): cancel it, or wait for it to finish, then delete all.`);
    }
    const db = this.db;
    await guarded(db, 'delete everything stored', async () => {
      const tx = db.transaction(['corpora', 'documents', 'indexes', 'blocks', 'runs', 'kinds'], 'readwrite');
      for (const s of ['corpora', 'documents', 'indexes', 'blocks', 'runs', 'kinds'] as const) quiet(tx.objectStore(s).clear());
      await tx.done;
    });
    await deleteAllCaches();
  }
}
