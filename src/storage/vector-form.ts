/**
 * In which form vector blocks are stored: `Blob` where the browser's IndexedDB stores Blob values
 * (Chromium, Safari in a normal window: the fastest to read back, bench/README-storage.md), else
 * the same bytes as an `ArrayBuffer`. WebKit refuses Blob values in an ephemeral session (Safari's
 * Private Browsing, WebDriver sessions): the write aborts its transaction with `UnknownError:
 * Error preparing Blob/File data to be stored in object store`, while an ArrayBuffer stores fine.
 *
 * Decided once per database connection, by a probe: a Blob put and deleted again in one throwaway
 * transaction on the `blocks` store (nothing is left behind either way; a failure at commit time is
 * caught too). Readers take both forms, so a database may hold both (written by different
 * sessions) and loads the same.
 */
import { describe } from './db';
import { VECTORS_TYPE, type RagtabDb } from './schema';
import { watch } from './errors';

export type VectorForm = 'Blob' | 'ArrayBuffer';

export interface VectorFormDecision {
  form: VectorForm;
  /** Why, in a sentence for the storage panel and the run record. */
  reason: string;
}

const PROBE_KEY: [string, number] = ['\u0000ragtab-blob-probe', -1];
const decided = new WeakMap<RagtabDb, Promise<VectorFormDecision>>();

export const BLOB_REASON = 'IndexedDB stores Blob values here: blocks are kept as Blobs (read back without copying them through the page).';

/** The form vector blocks take in this database (probed once per connection, then cached). */
export function vectorForm(db: RagtabDb): Promise<VectorFormDecision> {
  let d = decided.get(db);
  if (!d) {
    d = probeBlobs(db);
    decided.set(db, d);
  }
  return d;
}

async function probeBlobs(db: RagtabDb): Promise<VectorFormDecision> {
  try {
    const tx = db.transaction('blocks', 'readwrite');
    const w = watch(tx);
    const probe = {
      indexKey: PROBE_KEY[0],
      blockNo: PROBE_KEY[1],
      first: 0,
      count: 1,
      dims: 1,
      vectors: new Blob([new Float32Array(1)], { type: VECTORS_TYPE }),
      ids: 'p',
      docIds: 'p',
      ends: new Uint32Array([1, 1]),
      nums: new Int32Array(4),
      truncated: null,
    };
    w.req(tx.store.put(probe));
    w.req(tx.store.delete(PROBE_KEY));
    await w.done();
    return { form: 'Blob', reason: BLOB_REASON };
  } catch (e) {
    return {
      form: 'ArrayBuffer',
      reason: `IndexedDB refuses Blob values here (${describe(e)}), as WebKit does in Private Browsing and automation sessions: blocks are kept as ArrayBuffers (the same bytes).`,
    };
  }
}
