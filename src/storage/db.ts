/**
 * The one IndexedDB schema of ragtab, declared once as an idb `DBSchema`, with its history and an
 * upgrade step from every earlier version. Nothing else in the app opens IndexedDB: the
 * repositories (corpora.ts, indexes.ts, runs.ts, storage.ts) take the handle this file opens.
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
 * - v4 (current): a block's vectors are a `Blob` (application/octet-stream) instead of an
 *   ArrayBuffer. Chromium keeps a Blob value in its own file and hands it over without
 *   deserialising it in the renderer; reading 75 MB back as Blobs + `arrayBuffer()` took
 *   180–248 ms against 309–430 ms as ArrayBuffers (bench/README-storage.md). Catch: a Blob read
 *   from IndexedDB pins its file until that Blob is garbage-collected, so the repository reads
 *   and compacts blocks in a short-lived worker (blocks.worker.ts) that is terminated afterwards,
 *   which releases every handle at once. The step wraps each block's buffer in a Blob.
 *
 * A `versionchange` (another tab opening a newer schema, or deleting the database) closes this
 * connection at once and calls `onVersionChange`; the repositories then fail with
 * `StorageClosed`, and the app should tell the user to reload.
 */
import { openDB, deleteDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { CorpusSource, Doc, Query } from '../core/documents';
import { RagtabError } from '../core/errors';
import { INDEX_FORMAT_VERSION, canonicalIndexKey, type IndexKey, type IndexKeyParts, type IndexKeyPartsV1 } from '../core/index-key';

export const DB_NAME = 'ragtab';
export const DB_VERSION = 4;

/** The MIME type of a stored vector block (v4). */
export const VECTORS_TYPE = 'application/octet-stream';

// ─────────────────────────────── v4 (current) ───────────────────────────────

/** What a stored chunk keeps: its text is `embeddingText(doc).slice(start, end)` of its document. */
export interface ChunkRef {
  id: string;
  docId: string;
  index: number;
  start: number;
  end: number;
  tokens: number;
  /** Document mode: longer than the model's limit (cut when embedded). */
  truncated?: boolean;
}

export interface CorpusRecord {
  /** `corpusHash(docs)`. */
  hash: string;
  name: string;
  source: CorpusSource;
  docCount: number;
  /** UTF-8 bytes of every document's id, title and text. */
  bytes: number;
  queries: Query[];
  /** [query id, document id, grade]. */
  qrels: Array<[string, string, number]>;
  /** False while its documents are being written (a closed page leaves it false). */
  complete: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface DocumentRecord {
  corpusHash: string;
  /** Position in the corpus (the order the corpus hash covers). */
  seq: number;
  id: string;
  title: string;
  text: string;
}

/** An index's record: its key (src/core/index-key.ts: key, canonical string, parts) and its state. */
export interface IndexMeta extends IndexKey {
  corpusHash: string;
  formatVersion: number;
  dims: number;
  totalChunks: number;
  /** `chunkListHash(chunks)` of the chunk list being embedded, when the writer gave one. */
  chunksHash: string | null;
  committedChunks: number;
  committedBlocks: number;
  complete: boolean;
  /** Raw bytes of the committed blocks (vectors + chunk refs). */
  bytes: number;
  /** The device that computed the vectors (informational; not part of the key). */
  device: string | null;
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}

/** v2's block (history: the upgrade to v3 reads it): ids and document ids as arrays of strings. */
export interface BlockRecordV2 {
  indexKey: string;
  blockNo: number;
  first: number;
  count: number;
  dims: number;
  vectors: ArrayBuffer;
  ids: string[];
  docIds: string[];
  /** count × 4: index, start, end, tokens. */
  nums: Int32Array;
  truncated: Uint8Array | null;
}

/**
 * A block's chunk refs, column by column: every id concatenated into one string (and every
 * document id into another), `ends` giving each chunk's end offsets in them. One string per
 * column deserialises in one copy; arrays of strings cost a string each (measured:
 * bench/README-storage.md).
 */
export interface RefColumns {
  /** The chunks' ids, concatenated. */
  ids: string;
  /** The chunks' document ids, concatenated. */
  docIds: string;
  /** count × 2, UTF-16 offsets: end of chunk i's id in `ids`, end of its document id in `docIds`. */
  ends: Uint32Array;
  /** count × 4: index, start, end, tokens. */
  nums: Int32Array;
  /** count flags (1 = truncated), or null when none is. */
  truncated: Uint8Array | null;
}

export interface BlockRecord extends RefColumns {
  indexKey: string;
  blockNo: number;
  /** Position of the block's first chunk in the index. */
  first: number;
  count: number;
  dims: number;
  /**
   * count × dims float32, row-major, little-endian, as a Blob (v4). Read it with `arrayBuffer()`
   * where the Blob handle dies soon (blocks.worker.ts): a Blob read from IndexedDB pins its file
   * until it is garbage-collected, so a deleted or compacted block's space would be freed late.
   */
  vectors: Blob;
}

/** v3's block (history: the upgrade to v4 reads it): the vectors as an ArrayBuffer. */
export interface BlockRecordV3 extends Omit<BlockRecord, 'vectors'> {
  vectors: ArrayBuffer;
}

export interface RunRow {
  id: string;
  createdAt: number;
  /** Size estimate of the record (its JSON length). */
  bytes: number;
  /** A RunRecord, defined elsewhere: validate before use. */
  record: unknown;
}

export interface RagtabDB extends DBSchema {
  corpora: { key: string; value: CorpusRecord };
  documents: { key: [string, number]; value: DocumentRecord };
  indexes: { key: string; value: IndexMeta; indexes: { byCorpus: string } };
  blocks: { key: [string, number]; value: BlockRecord };
  runs: { key: string; value: RunRow; indexes: { byCreatedAt: number } };
}

export type RagtabDb = IDBPDatabase<RagtabDB>;

// ─────────────────────────────── v1 (history) ───────────────────────────────

export interface CorpusRecordV1 {
  hash: string;
  name: string;
  source: CorpusSource;
  docs: Doc[];
  createdAt: number;
}

export interface IndexMetaV1 extends IndexKeyPartsV1 {
  key: string;
  dims: number;
  totalChunks: number;
  committedChunks: number;
  complete: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface BlockRecordV1 {
  indexKey: string;
  blockNo: number;
  vectors: ArrayBuffer;
  chunks: ChunkRef[];
}

export interface RunRowV1 {
  id: string;
  createdAt: number;
  record: unknown;
}

/** The v1 layout, kept so the upgrade step and its test are typed. */
export interface RagtabDBv1 extends DBSchema {
  corpora: { key: string; value: CorpusRecordV1 };
  indexes: { key: string; value: IndexMetaV1 };
  blocks: { key: [string, number]; value: BlockRecordV1 };
  runs: { key: string; value: RunRowV1 };
}

/** The v3 layout: v4's stores, v3's blocks (the upgrade test writes it). */
export interface RagtabDBv3 extends DBSchema {
  corpora: { key: string; value: CorpusRecord };
  documents: { key: [string, number]; value: DocumentRecord };
  indexes: { key: string; value: IndexMeta; indexes: { byCorpus: string } };
  blocks: { key: [string, number]; value: BlockRecordV3 };
  runs: { key: string; value: RunRow; indexes: { byCreatedAt: number } };
}

/** The v2 layout: v3's stores, v2's blocks (the upgrade test writes it). */
export interface RagtabDBv2 extends DBSchema {
  corpora: { key: string; value: CorpusRecord };
  documents: { key: [string, number]; value: DocumentRecord };
  indexes: { key: string; value: IndexMeta; indexes: { byCorpus: string } };
  blocks: { key: [string, number]; value: BlockRecordV2 };
  runs: { key: string; value: RunRow; indexes: { byCreatedAt: number } };
}

// ─────────────────────────────── sizes ───────────────────────────────

/** UTF-8 length of a string without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export function documentBytes(d: Pick<Doc, 'id' | 'title' | 'text'>): number {
  return utf8Length(d.id) + utf8Length(d.title) + utf8Length(d.text);
}

/** Bytes of a block's vectors, whichever form they are in. */
export function vectorBytes(v: ArrayBuffer | ArrayBufferView | Blob): number {
  return v instanceof Blob ? v.size : v.byteLength;
}

export function blockBytes(b: { vectors: ArrayBuffer | ArrayBufferView | Blob } & RefColumns): number {
  return vectorBytes(b.vectors) + b.nums.byteLength + b.ends.byteLength + (b.truncated?.byteLength ?? 0) + utf8Length(b.ids) + utf8Length(b.docIds);
}

/** Column layout of chunk refs, as a block stores them. */
export function packRefs(chunks: ReadonlyArray<ChunkRef>): RefColumns {
  const n = chunks.length;
  const ids = new Array<string>(n);
  const docIds = new Array<string>(n);
  const ends = new Uint32Array(n * 2);
  const nums = new Int32Array(n * 4);
  let truncated: Uint8Array | null = null;
  let idEnd = 0;
  let docEnd = 0;
  for (let i = 0; i < n; i++) {
    const c = chunks[i]!;
    ids[i] = c.id;
    docIds[i] = c.docId;
    ends[i * 2] = idEnd += c.id.length;
    ends[i * 2 + 1] = docEnd += c.docId.length;
    nums[i * 4] = c.index;
    nums[i * 4 + 1] = c.start;
    nums[i * 4 + 2] = c.end;
    nums[i * 4 + 3] = c.tokens;
    if (c.truncated) (truncated ??= new Uint8Array(n))[i] = 1;
  }
  return { ids: ids.join(''), docIds: docIds.join(''), ends, nums, truncated };
}

/** Chunk `i`'s id in a block's columns. */
export function refId(b: RefColumns, i: number): string {
  return b.ids.slice(i === 0 ? 0 : b.ends[i * 2 - 2]!, b.ends[i * 2]!);
}

/** Chunk `i`'s document id in a block's columns. */
export function refDocId(b: RefColumns, i: number): string {
  return b.docIds.slice(i === 0 ? 0 : b.ends[i * 2 - 1]!, b.ends[i * 2 + 1]!);
}

/** Chunk `i` of a block's columns as an object. */
export function refAt(b: RefColumns, i: number): ChunkRef {
  const { nums, truncated } = b;
  const r: ChunkRef = { id: refId(b, i), docId: refDocId(b, i), index: nums[i * 4]!, start: nums[i * 4 + 1]!, end: nums[i * 4 + 2]!, tokens: nums[i * 4 + 3]! };
  if (truncated && truncated[i]) r.truncated = true;
  return r;
}

export function unpackRefs(b: RefColumns & { count: number }, out: ChunkRef[] = []): ChunkRef[] {
  for (let i = 0; i < b.count; i++) out.push(refAt(b, i));
  return out;
}

/** Concatenates blocks' columns (compaction): no per-chunk objects. */
export function concatRefs(parts: ReadonlyArray<RefColumns & { count: number }>): RefColumns {
  const n = parts.reduce((s, p) => s + p.count, 0);
  const ends = new Uint32Array(n * 2);
  const nums = new Int32Array(n * 4);
  const flagged = parts.some((p) => p.truncated);
  const truncated = flagged ? new Uint8Array(n) : null;
  let at = 0;
  let idBase = 0;
  let docBase = 0;
  for (const p of parts) {
    for (let i = 0; i < p.count; i++) {
      ends[(at + i) * 2] = p.ends[i * 2]! + idBase;
      ends[(at + i) * 2 + 1] = p.ends[i * 2 + 1]! + docBase;
    }
    nums.set(p.nums.subarray(0, p.count * 4), at * 4);
    if (truncated && p.truncated) truncated.set(p.truncated.subarray(0, p.count), at);
    idBase += p.ids.length;
    docBase += p.docIds.length;
    at += p.count;
  }
  return { ids: parts.map((p) => p.ids).join(''), docIds: parts.map((p) => p.docIds).join(''), ends, nums, truncated };
}

/** v2's block refs (arrays of strings) as v3 columns. */
export function refsFromV2(b: Pick<BlockRecordV2, 'ids' | 'docIds' | 'nums' | 'truncated' | 'count'>): RefColumns {
  const ends = new Uint32Array(b.count * 2);
  let idEnd = 0;
  let docEnd = 0;
  for (let i = 0; i < b.count; i++) {
    ends[i * 2] = idEnd += b.ids[i]!.length;
    ends[i * 2 + 1] = docEnd += b.docIds[i]!.length;
  }
  return { ids: b.ids.slice(0, b.count).join(''), docIds: b.docIds.slice(0, b.count).join(''), ends, nums: b.nums, truncated: b.truncated };
}

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

export function byteSizeOfJson(v: unknown): number {
  try {
    return utf8Length(JSON.stringify(v) ?? '');
  } catch {
    return 0;
  }
}

// ─────────────────────────────── upgrades ───────────────────────────────

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
const STEPS: Record<number, Step> = { 1: createV1, 2: migrateV1toV2, 3: migrateV2toV3, 4: migrateV3toV4 };

// ─────────────────────────────── open ───────────────────────────────

export interface OpenOptions {
  /** Database name (tests use a unique one). Default `ragtab`. */
  name?: string;
  /** Open at an earlier schema version (tests of the upgrade path only). Default DB_VERSION. */
  version?: number;
  /** Another tab opened a newer schema (or deleted the database): this connection is now closed. */
  onVersionChange?: (e: { oldVersion: number; newVersion: number | null }) => void;
  /** This open waits for other tabs to close their connections to an older schema. */
  onBlocked?: (e: { currentVersion: number; requestedVersion: number | null }) => void;
  /** The browser closed the connection (storage cleared, disk error). */
  onTerminated?: () => void;
}

const closed = new WeakSet<object>();

/** True once the connection was closed by a versionchange, by the browser or by `closeRagtabDb`. */
export function isClosed(db: RagtabDb): boolean {
  return closed.has(db);
}

export function closeRagtabDb(db: RagtabDb): void {
  closed.add(db);
  db.close();
}

/** Opens (creating or upgrading) the ragtab database. Rejects with StorageError. */
export async function openRagtabDb(opts: OpenOptions = {}): Promise<RagtabDb> {
  const name = opts.name ?? DB_NAME;
  const version = opts.version ?? DB_VERSION;
  if (!Number.isInteger(version) || version < 1 || version > DB_VERSION) {
    throw new RagtabError('InvalidArgument', `schema version must be an integer from 1 to ${DB_VERSION}, got ${version}`);
  }
  if (typeof indexedDB === 'undefined') throw new RagtabError('StorageError', 'IndexedDB is not available in this browser context, so nothing can be stored.');
  let upgradeError: unknown = null;
  let handle: RagtabDb | null = null;
  try {
    handle = await openDB<RagtabDB>(name, version, {
      upgrade(db, oldVersion, newVersion, tx) {
        const target = newVersion ?? version;
        const run = async (): Promise<void> => {
          for (let v = oldVersion + 1; v <= target; v++) {
            const step = STEPS[v];
            if (!step) throw new RagtabError('StorageError', `no upgrade step to schema v${v}`);
            await step(db, tx);
          }
        };
        run().catch((e: unknown) => {
          upgradeError = e;
          try {
            tx.abort();
          } catch {
            /* already finished */
          }
        });
      },
      blocked(currentVersion, requestedVersion) {
        opts.onBlocked?.({ currentVersion, requestedVersion });
      },
      blocking(currentVersion, newVersion) {
        if (handle) closeRagtabDb(handle);
        opts.onVersionChange?.({ oldVersion: currentVersion, newVersion });
      },
      terminated() {
        if (handle) closed.add(handle);
        opts.onTerminated?.();
      },
    });
    return handle;
  } catch (e) {
    if (upgradeError) {
      throw new RagtabError('StorageError', `Upgrading the stored data to schema v${version} failed, nothing was changed: ${describe(upgradeError)}`, { cause: upgradeError });
    }
    if (e instanceof DOMException && e.name === 'VersionError') {
      throw new RagtabError(
        'StorageError',
        `The stored data was written by a newer version of ragtab (its schema is newer than v${version}): reload the page to get the newer app.`,
        { cause: e },
      );
    }
    throw new RagtabError('StorageError', `Opening the database "${name}" failed: ${describe(e)}`, { cause: e });
  }
}

/** Deletes a whole database (tests; "delete all" uses the stores instead, so other tabs stay open). */
export async function deleteRagtabDb(name: string, onBlocked?: () => void): Promise<void> {
  await deleteDB(name, { blocked: () => onBlocked?.() });
}

export function describe(e: unknown): string {
  if (e instanceof Error || e instanceof DOMException) return e.message ? `${e.name}: ${e.message}` : e.name;
  return String(e);
}
