/**
 * The blocks worker: reads (or compacts) one stored index's vector blocks on its own connection
 * and answers once; the repository (indexes.ts) terminates it right after. Vector blocks are Blobs
 * (schema v4), and a Blob read from IndexedDB pins its file until the Blob is garbage-collected:
 * terminating this worker drops every such handle at once, so a deleted or compacted block's
 * space is freed when its transaction commits, not when the page's garbage collector runs. The
 * read's deserialisation happens here too, off the page's thread; the vectors come back as one
 * transferred buffer.
 */
import { errorInfo } from '../core/errors';
import { closeRagtabDb, openRagtabDb } from './db';
import { compactStored, readStoredBlocks, type BlocksReply, type BlocksRequest } from './indexes';

interface WorkerScope {
  onmessage: ((e: MessageEvent<BlocksRequest>) => void) | null;
  postMessage(message: BlocksReply, transfer: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  const req = e.data;
  void (async () => {
    let reply: BlocksReply;
    const transfer: Transferable[] = [];
    try {
      // the page opened (and upgraded) the database already: this opens the same version
      const db = await openRagtabDb({ name: req.db });
      try {
        if (req.op === 'read') {
          const r = await readStoredBlocks(db, req.key, req.read);
          if (r) transfer.push(r.vectors);
          reply = { ok: true, result: r };
        } else {
          reply = { ok: true, result: await compactStored(db, req.key, req.targetBytes) };
        }
      } finally {
        closeRagtabDb(db);
      }
    } catch (err) {
      reply = { ok: false, error: errorInfo(err) };
    }
    scope.postMessage(reply, transfer);
  })();
};
