/**
 * The upgrade step from every earlier schema version to the next (STEPS), run by db.ts's open.
 *
 * History
 * - v1 (first layout): `corpora` held each corpus with its documents inside the record
 *   (`docs: Doc[]`), `indexes` a flat meta record, `blocks` one record per block of vectors with
 *   its chunk refs as an array of objects, `runs` without an index.
 * - v2: documents move to their own store (`documents`, keyed [corpus hash, position],
 *   written in batches, so a large corpus never has to fit in one record or one transaction);
 *   corpora gain counts, sizes, queries, judgments and a `complete` flag; index metas gain the
 *   canonical key, the committed block count, sizes and the chunk-list hash; blocks know their
 *   position (`first`, `count`, `dims`) and store their chunk refs column by column (ids, document
 *   ids as arrays of strings, one Int32Array of numbers); runs gain an index by creation time and
 *   their size. The step moves every v1 record into the v2 layout.
 * - v3: a block's ids and document ids are each ONE concatenated string, with their end
 *   offsets in one Uint32Array (`ends`), instead of arrays of strings. Reading 50,000 refs back
 *   was 100,000 strings to deserialise and 50,000 objects to rebuild on every load; now it is a
 *   few strings per block and nothing is rebuilt until a ref is asked for (bench/README-storage.md).
 *   The step rewrites every block's refs; vectors and metas are unchanged (meta sizes are
 *   recomputed).
 * - v4: a block's vectors are a `Blob` (application/octet-stream) instead of an
 *   ArrayBuffer. Chromium keeps a Blob value in its own file and hands it over without
 *   deserialising it in the renderer; reading 75 MB back as Blobs + `arrayBuffer()` took
 *   180–248 ms against 309–430 ms as ArrayBuffers (bench/README-storage.md). Catch: a Blob read
 *   from IndexedDB pins its file until that Blob is garbage-collected, so the repository reads
 *   and compacts blocks in a short-lived worker (blocks.worker.ts) that is terminated afterwards,
 *   which releases every handle at once. The step wraps each block's buffer in a Blob.
 * - v5 (current): a `kinds` store keeps built index kinds beside the vectors (int8 and binary
 *   codes, BM25 postings: schema.ts `KindRecord`), keyed [index key, kind, variant], and an index
 *   meta lists them (`kinds`). The step creates the store; nothing is moved (an index stored before
 *   builds its kinds on its next load and stores them then).
 *
 * Where IndexedDB refuses Blob values (vector-form.ts), blocks are written as ArrayBuffers whatever
 * the version: the stored form is decided per database, not by the schema.
 */
import type { IDBPTransaction, StoreNames } from 'idb';
import { INDEX_FORMAT_VERSION, canonicalIndexKey, type IndexKeyParts } from '../core/index-key';
import { VECTORS_TYPE, type BlockRecord, type BlockRecordV1, type BlockRecordV2, type BlockRecordV3, type ChunkRef, type CorpusRecord, type CorpusRecordV1, type IndexMeta, type IndexMetaV1, type RagtabDB, type RagtabDb, type RunRow, type RunRowV1 } from './schema';
import { packRefs, refsFromV2 } from './ref-columns';
import { blockBytes, byteSizeOfJson, documentBytes, utf8Length } from './sizes';

function blockBytesV2(b: BlockRecordV2): number {
  let n = 0;
  for (let i = 0; i < b.ids.length; i++) n += utf8Length(b.ids[i]!) + utf8Length(b.docIds[i]!);
  return b.vectors.byteLength + b.nums.byteLength + (b.truncated?.byteLength ?? 0) + n;
}

/** v2 columns (arrays of strings), as the v1 → v2 step wrote them. */
function packRefsV2(chunks: ReadonlyArray<ChunkRef>): Pick<BlockRecordV2, 'ids' | 'docIds' | 'nums' | 'truncated'> {
  const c = packRefs(chunks);
  return { ids: chunks.map((x) => x.id), docIds: chunks.map((x) => x.docId), nums: c.nums, truncated: c.truncated };
}

type UpgradeTx = IDBPTransaction<RagtabDB, StoreNames<RagtabDB>[], 'versionchange'>;
type Step = (db: RagtabDb, tx: UpgradeTx) => Promise<void> | void;

/** v0 → v1: the first layout. */
function createV1(db: RagtabDb): void {
  db.createObjectStore('corpora', { keyPath: 'hash' });
  db.createObjectStore('indexes', { keyPath: 'key' });
  db.createObjectStore('blocks', { keyPath: ['indexKey', 'blockNo'] });
  db.createObjectStore('runs', { keyPath: 'id' });
}

/** v1 → v2: documents out of the corpus records, v2 metas, column refs in blocks, runs by date. */
async function migrateV1toV2(db: RagtabDb, tx: UpgradeTx): Promise<void> {
  db.createObjectStore('documents', { keyPath: ['corpusHash', 'seq'] });
  tx.objectStore('indexes').createIndex('byCorpus', 'corpusHash');
  tx.objectStore('runs').createIndex('byCreatedAt', 'createdAt');
  const raw = tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>; // v1 values are not v2-typed

  // corpora: move the documents into their own store, in order
  const docs = tx.objectStore('documents');
  for (let c = await raw.objectStore('corpora').openCursor(); c; c = await c.continue()) {
    const old = c.value as CorpusRecordV1;
    let bytes = 0;
    const list = old.docs ?? [];
    const puts: Promise<unknown>[] = [];
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      bytes += documentBytes(d);
      puts.push(docs.put({ corpusHash: old.hash, seq: i, id: d.id, title: d.title, text: d.text }));
    }
    await Promise.all(puts);
    const rec: CorpusRecord = {
      hash: old.hash,
      name: old.name,
      source: old.source,
      docCount: list.length,
      bytes,
      queries: [],
      qrels: [],
      complete: true,
      createdAt: old.createdAt,
      updatedAt: old.createdAt,
    };
    await c.update(rec);
  }

  // blocks: column refs, with their position, count and dims; sizes summed per index
  const sums = new Map<string, { blocks: number; chunks: number; bytes: number }>();
  const dimsOf = new Map<string, number>();
  for (let c = await raw.objectStore('indexes').openCursor(); c; c = await c.continue()) {
    const m = c.value as IndexMetaV1;
    dimsOf.set(m.key, m.dims);
  }
  for (let c = await raw.objectStore('blocks').openCursor(); c; c = await c.continue()) {
    const old = c.value as BlockRecordV1;
    const s = sums.get(old.indexKey) ?? { blocks: 0, chunks: 0, bytes: 0 };
    const dims = dimsOf.get(old.indexKey) ?? (old.chunks.length ? old.vectors.byteLength / 4 / old.chunks.length : 0);
    const rec: BlockRecordV2 = { indexKey: old.indexKey, blockNo: old.blockNo, first: s.chunks, count: old.chunks.length, dims, vectors: old.vectors, ...packRefsV2(old.chunks) };
    s.blocks++;
    s.chunks += rec.count;
    s.bytes += blockBytesV2(rec);
    sums.set(old.indexKey, s);
    await c.update(rec);
  }

  // index metas: the canonical key and the committed figures from the blocks actually stored
  for (let c = await raw.objectStore('indexes').openCursor(); c; c = await c.continue()) {
    const m = c.value as IndexMetaV1;
    const parts: IndexKeyParts = {
      corpusHash: m.corpusHash,
      model: { id: m.modelId, revision: m.revision, baseUrl: m.baseUrl },
      dtype: m.dtype,
      pooling: m.pooling,
      normalize: m.normalize,
      chunking: m.chunking,
    };
    const s = sums.get(m.key) ?? { blocks: 0, chunks: 0, bytes: 0 };
    const rec: IndexMeta = {
      key: m.key,
      canonical: canonicalIndexKey(parts),
      parts,
      corpusHash: m.corpusHash,
      formatVersion: INDEX_FORMAT_VERSION,
      dims: m.dims,
      totalChunks: m.totalChunks,
      chunksHash: null,
      committedChunks: s.chunks,
      committedBlocks: s.blocks,
      complete: m.complete && s.chunks === m.totalChunks,
      bytes: s.bytes,
      device: null,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      completedAt: m.complete ? m.updatedAt : null,
    };
    await c.update(rec);
  }

  // runs: their size
  for (let c = await raw.objectStore('runs').openCursor(); c; c = await c.continue()) {
    const r = c.value as RunRowV1;
    const rec: RunRow = { id: r.id, createdAt: r.createdAt, bytes: byteSizeOfJson(r.record), record: r.record };
    await c.update(rec);
  }
}

/** v2 → v3: each block's ids and document ids become one string each (`ends` locates them); meta sizes follow. */
async function migrateV2toV3(_db: RagtabDb, tx: UpgradeTx): Promise<void> {
  const raw = tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>; // v2 blocks are not v3-typed
  const bytes = new Map<string, number>();
  for (let c = await raw.objectStore('blocks').openCursor(); c; c = await c.continue()) {
    const old = c.value as BlockRecordV2;
    const rec: BlockRecordV3 = { indexKey: old.indexKey, blockNo: old.blockNo, first: old.first, count: old.count, dims: old.dims, vectors: old.vectors, ...refsFromV2(old) };
    bytes.set(rec.indexKey, (bytes.get(rec.indexKey) ?? 0) + blockBytes(rec));
    await c.update(rec);
  }
  for (let c = await tx.objectStore('indexes').openCursor(); c; c = await c.continue()) {
    const b = bytes.get(c.value.key);
    if (b !== undefined && b !== c.value.bytes) await c.update({ ...c.value, bytes: b });
  }
}

/** v3 → v4: each block's vectors become a Blob (same bytes; metas unchanged). */
async function migrateV3toV4(_db: RagtabDb, tx: UpgradeTx): Promise<void> {
  const raw = tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>; // v3 blocks are not v4-typed
  for (let c = await raw.objectStore('blocks').openCursor(); c; c = await c.continue()) {
    const old = c.value as BlockRecordV3 | BlockRecord;
    if (old.vectors instanceof Blob) continue;
    const rec: BlockRecord = { ...old, vectors: new Blob([old.vectors], { type: VECTORS_TYPE }) };
    await c.update(rec);
  }
}

/** STEPS[v] upgrades a database at version v − 1 to version v. */
/** v4 → v5: the store of built index kinds (empty: kinds are stored when next built). */
function createKindsV5(db: RagtabDb): void {
  db.createObjectStore('kinds', { keyPath: ['indexKey', 'kind', 'variant'] });
}

export const STEPS: Record<number, Step> = { 1: createV1, 2: migrateV1toV2, 3: migrateV2toV3, 4: migrateV3toV4, 5: createKindsV5 };
