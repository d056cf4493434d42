/**
 * The blocks worker: reads (or compacts) one stored index's vector blocks on its own connection
 * and answers once; the repository (indexes.ts) terminates it right after. Where vector blocks are
 * Blobs (vector-form.ts), a Blob read from IndexedDB pins its file until the Blob is
 * garbage-collected: terminating this worker drops every such handle at once, so a deleted or
 * compacted block's space is freed when its transaction commits, not when the page's garbage
 * collector runs. The read's deserialisation happens here too, off the page's thread; the vectors
 * come back as one transferred buffer.
 *
 * Its one interface is `BlocksApi` (blocks-api.ts, in storage: see there why not workers/api.ts),
 * exposed with Comlink like every other worker.
 */
import * as Comlink from 'comlink';
import { closeRagtabDb, openRagtabDb } from './db';
import type { RagtabDb } from './schema';
import { compactStored, readStoredBlocks, readStoredKinds } from './block-io';
import type { BlocksApi } from './blocks-api';

/** The page opened (and upgraded) the database already: this opens the same version. */
async function withDb<T>(name: string, fn: (db: RagtabDb) => Promise<T>): Promise<T> {
  const db = await openRagtabDb({ name });
  try {
    return await fn(db);
  } finally {
    closeRagtabDb(db);
  }
}

const api: BlocksApi = {
  read: (db, key, mode) =>
    withDb(db, async (h) => {
      const r = await readStoredBlocks(h, key, mode);
      return r ? Comlink.transfer(r, [r.vectors]) : null;
    }),
  readKinds: (db, key, wanted) =>
    withDb(db, async (h) => {
      const r = await readStoredKinds(h, key, wanted);
      return Comlink.transfer(r, r.kinds.flatMap((k) => Object.values(k.parts)));
    }),
  compact: (db, key, targetBytes, form) => withDb(db, (h) => compactStored(h, key, targetBytes, form)),
};

Comlink.expose(api);
