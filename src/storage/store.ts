/**
 * The storage layer in one object: opens the database (db.ts) and builds the repositories over
 * it. The session holds one `RagtabStore`; the storage panel takes `store.storage` (inventory.ts).
 * Opening also decides, once, in which form vector blocks are stored (vector-form.ts).
 *
 * How ingestion uses it (src/engine/session.ts):
 *
 *   const store = await openStore({ onVersionChange: () => warn('ragtab was updated in another tab: reload') });
 *   // after read+parse (loaded.hash = corpusHash(docs)):
 *   if (settings.corpus.kind === 'files') await store.corpora.put(corpus, { hash: loaded.hash });
 *   const key = await indexKey(indexKeyParts(settings, loaded.hash));
 *   const meta = await store.indexes.get(key.key);
 *   if (meta?.complete) {
 *     // LOAD stage instead of chunk + embed: nothing is embedded
 *     const l = (await store.indexes.load(key.key))!;          // {meta, refs (columns), vectors}
 *     const chunks = chunksFromRefs(l.refs, corpus.docs);        // texts back from the documents
 *     index.add(chunks.map(c => c.id), transfer(l.vectors)); index.build(kinds);
 *   } else {
 *     // chunk as today, then, holding the index's write lock:
 *     await withIndexWriteLock(key.key, { onWait: (w) => warn(w.message), signal }, async () => {
 *       const b = await store.indexes.begin({ key, dims, totalChunks: chunks.length,
 *                                             chunksHash: await chunkListHash(chunks), device });
 *       if (b.complete) → load as above (another tab finished it while we waited)
 *       if (b.restarted) warn(b.restarted);
 *       // the first b.committedChunks chunks are stored: load them (store.indexes.load) into the
 *       // index worker, and embed only chunks.slice(b.committedChunks)
 *       const commits = new BatchCommitter(store.indexes, key.key, b.nextBlock);  // INGEST_COMMIT_POLICY
 *       for each embed call (part = chunks i..j, vecs = its vectors):
 *         await commits.add(refsOf(part), vecs);          // copies vecs; commits ~8,192 vectors or 2 s at a time
 *         index.add(ids, transfer(vecs));                 // the buffer may be transferred right away
 *       await commits.finish();
 *       await store.indexes.complete(key.key);            // also merges small blocks (none after a fast ingest)
 *     });
 *   }
 *
 * Errors: QuotaExceeded (StorageQuotaError: `needed`, `estimate`), StorageClosed (another tab
 * upgraded the schema: reload), StorageError. A quota error leaves everything committed intact:
 * the next ingest resumes from it once space is freed.
 */
import { closeRagtabDb, isClosed, openRagtabDb, type OpenOptions } from './db';
import type { RagtabDb } from './schema';
import { CorporaRepo } from './corpora';
import { IndexesRepo, type BlocksWorkerFactory } from './indexes';
import { RunsRepo } from './runs';
import { KindsRepo } from './kinds';
import { StorageRepo } from './inventory';
import { vectorForm } from './vector-form';

export interface RagtabStore {
  db: RagtabDb;
  corpora: CorporaRepo;
  indexes: IndexesRepo;
  /** The built index kinds stored beside the vectors (schema v5). */
  kinds: KindsRepo;
  runs: RunsRepo;
  storage: StorageRepo;
  /** True once a versionchange (another tab's newer schema) or the browser closed the connection. */
  readonly closed: boolean;
  close(): void;
}

/** The short-lived worker that reads and compacts vector blocks (indexes.ts, blocks.worker.ts). */
export const blocksWorker: BlocksWorkerFactory = () => new Worker(new URL('./blocks.worker.ts', import.meta.url), { type: 'module', name: 'ragtab-blocks' });

export async function openStore(opts: OpenOptions & { describeRun?: (record: unknown) => string | null; blocksWorker?: BlocksWorkerFactory | null } = {}): Promise<RagtabStore> {
  const db = await openRagtabDb(opts);
  const form = await vectorForm(db);
  const indexes = new IndexesRepo(db, { worker: opts.blocksWorker === undefined ? (typeof Worker === 'undefined' ? null : blocksWorker) : opts.blocksWorker, vectorForm: form });
  return {
    db,
    corpora: new CorporaRepo(db),
    indexes,
    kinds: new KindsRepo(db, indexes),
    runs: new RunsRepo(db),
    storage: new StorageRepo(db, { vectorForm: form, ...(opts.describeRun ? { describeRun: opts.describeRun } : {}) }),
    get closed() {
      return isClosed(db);
    },
    close: () => closeRagtabDb(db),
  };
}
