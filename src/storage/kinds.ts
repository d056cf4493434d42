/**
 * The stored index kinds (schema v5, `kinds` store): int8 and binary codes and BM25 postings
 * (src/core/index-kinds.ts `KindData`), kept beside an index's vectors so a reload answers without
 * building them. One record per (index key, kind, variant), its arrays as Blobs or ArrayBuffers
 * (vector-form.ts, as the vector blocks); the index meta lists what is stored (`kinds`), so the
 * storage panel and the ingestion know without reading the arrays.
 *
 * A kind is stored only for a complete index and only when its row count is the index's: a kind
 * never describes other rows than the vectors it sits beside. Reads run in the blocks worker when
 * the repository has one (a Blob read from IndexedDB pins its file until collected: see indexes.ts).
 * Deleting an index (indexes.ts, inventory.ts) deletes its kinds in the same transaction.
 */
import { RagtabError } from '../core/errors';
import type { KindData, StoredKind } from '../core/index-kinds';

import type { IndexMeta, KindRecord, RagtabDb, StoredKindEntry } from './schema';
import { VECTORS_TYPE } from './schema';
import { guarded, mapStorageError, watch } from './errors';
import { vectorBytes } from './sizes';
import type { IndexesRepo } from './indexes';
import { readStoredKinds } from './block-io';
import { partChecksum } from './checksums';
import type { DamagedKind } from './blocks-api';

/** Which stored kind: its name and variant (what it depends on beyond the vectors). */
export interface KindWanted {
  kind: StoredKind;
  variant: string;
}

export interface ReadKinds {
  kinds: KindData[];
  /** Stored kinds that failed their checksums: not returned (build them again). */
  damaged: DamagedKind[];
  /** Open → every wanted record read and its arrays in memory (ms). */
  readMs: number;
}

/** The range of an index's kind records. */
export function kindRange(key: string): IDBKeyRange {
  return IDBKeyRange.bound([key, '', ''], [key, '\uffff', '\uffff']);
}

export class KindsRepo {
  constructor(
    private readonly db: RagtabDb,
    private readonly indexes: Pick<IndexesRepo, 'vectorForm' | 'inBlocksWorker'>,
  ) {}

  /** What is stored for an index (from its meta; empty when nothing is). */
  async list(key: string): Promise<StoredKindEntry[]> {
    const meta = await guarded(this.db, 'read the stored index', () => this.db.get('indexes', key));
    return meta?.kinds ?? [];
  }

  /**
   * Stores a built kind of a complete index (replacing the same kind and variant) and lists it in
   * the meta, in one transaction. `data`'s arrays are copied (as Blobs) or kept (as ArrayBuffers):
   * do not change them afterwards. Rejects with StorageError when the index is not stored whole
   * with as many rows, QuotaExceeded when it does not fit (nothing is stored then).
   */
  async put(key: string, data: KindData, buildMs: number): Promise<StoredKindEntry> {
    const db = this.db;
    const blobs = this.indexes.vectorForm.form === 'Blob';
    const parts: Record<string, Blob | ArrayBuffer> = {};
    const sums: Record<string, number> = {};
    let bytes = 0;
    for (const [name, buf] of Object.entries(data.parts)) {
      sums[name] = partChecksum(buf);
      parts[name] = blobs ? new Blob([buf], { type: VECTORS_TYPE }) : buf;
      bytes += buf.byteLength;
    }
    const entry: StoredKindEntry = { kind: data.kind, variant: data.variant, scheme: data.scheme, count: data.count, bytes, buildMs };
    const what = `store the ${data.kind} index (${data.count} rows)`;
    try {
      const tx = db.transaction(['indexes', 'kinds'], 'readwrite', { durability: 'relaxed' });
      const w = watch(tx);
      const metas = tx.objectStore('indexes');
      const meta = await metas.get(key);
      const problem = !meta
        ? 'the index is no longer stored'
        : !meta.complete
          ? 'the index is not stored whole yet'
          : meta.committedChunks !== data.count
            ? `it has ${data.count} rows, the stored index ${meta.committedChunks}`
            : meta.dims !== data.dims
              ? `it has ${data.dims} dimensions, the stored index ${meta.dims}`
              : null;
      if (problem || !meta) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw new RagtabError('StorageError', `Could not ${what}: ${problem}.`);
      }
      const rec: KindRecord = { indexKey: key, kind: data.kind, variant: data.variant, scheme: data.scheme, count: data.count, dims: data.dims, params: { ...data.params }, parts, sums, bytes, buildMs, createdAt: Date.now() };
      const kinds = (meta.kinds ?? []).filter((k) => !(k.kind === data.kind && k.variant === data.variant));
      const next: IndexMeta = { ...meta, kinds: [...kinds, entry], updatedAt: Date.now() };
      w.req(tx.objectStore('kinds').put(rec));
      w.req(metas.put(next));
      await w.done();
      return entry;
    } catch (e) {
      throw await mapStorageError(db, what, e, bytes);
    }
  }

  /**
   * Reads the wanted kinds of an index (those stored; the others are left out) with their arrays
   * as ArrayBuffers, in the blocks worker when there is one.
   */
  async read(key: string, wanted: readonly KindWanted[], opts: { via?: 'worker' | 'inline' } = {}): Promise<ReadKinds> {
    const t0 = performance.now();
    if (wanted.length === 0) return { kinds: [], damaged: [], readMs: 0 };
    const db = this.db;
    const list = wanted.map((w) => ({ kind: w.kind, variant: w.variant }));
    let read: { kinds: KindData[]; damaged: DamagedKind[] } | null = null;
    if ((opts.via ?? 'worker') === 'worker') {
      const off = await this.indexes.inBlocksWorker((api) => api.readKinds(db.name, key, list));
      if (off) read = off.value;
    }
    read ??= await guarded(db, 'read the stored index kinds', () => readStoredKinds(db, key, list));
    return { ...read, readMs: performance.now() - t0 };
  }

  /** Deletes an index's stored kinds (all, or one kind's variants) and unlists them. */
  async delete(key: string, kind?: StoredKind): Promise<void> {
    const db = this.db;
    await guarded(db, 'delete the stored index kinds', async () => {
      const tx = db.transaction(['indexes', 'kinds'], 'readwrite');
      const w = watch(tx);
      const store = tx.objectStore('kinds');
      if (kind === undefined) w.req(store.delete(kindRange(key)));
      else w.req(store.delete(IDBKeyRange.bound([key, kind, ''], [key, kind, '\uffff'])));
      const meta = await tx.objectStore('indexes').get(key);
      if (meta?.kinds) w.req(tx.objectStore('indexes').put({ ...meta, kinds: kind === undefined ? [] : meta.kinds.filter((k) => k.kind !== kind) }));
      await w.done();
    });
  }
}

/** Bytes of a kind record's arrays, whichever form they are in. */
export function kindRecordBytes(r: Pick<KindRecord, 'parts'>): number {
  return Object.values(r.parts).reduce((n, p) => n + vectorBytes(p), 0);
}

