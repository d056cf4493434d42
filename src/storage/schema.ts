/**
 * The one IndexedDB schema of ragtab, declared once as an idb `DBSchema`: the current (v5) records
 * and, for the upgrade steps (upgrades.ts) and their tests, the earlier layouts. The history of the
 * versions is told in upgrades.ts; opening is db.ts.
 */
import type { BlockSums } from './checksums';
import type { DBSchema, IDBPDatabase } from 'idb';
import type { CorpusSource, Doc, Query } from '../core/documents';
import type { IndexKey, IndexKeyPartsV1 } from '../core/index-key';
import type { RefColumns } from './ref-columns';
import type { StoredKind } from '../core/index-kinds';

export const DB_NAME = 'ragtab';
export const DB_VERSION = 5;

/** The MIME type of a stored vector block (v4). */
export const VECTORS_TYPE = 'application/octet-stream';

// ─────────────────────────────── v5 (current) ───────────────────────────────

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
  /** v5: the built kinds stored beside the vectors (`kinds` store), one entry each; absent = none. */
  kinds?: StoredKindEntry[];
}

/** What the index meta says of one stored kind (its data is in the `kinds` store). */
export interface StoredKindEntry {
  kind: StoredKind;
  variant: string;
  scheme: string;
  count: number;
  /** Bytes of its parts. */
  bytes: number;
  /** How long its build took when it was stored (what a reload saves). */
  buildMs: number;
}

/**
 * v5: a built index kind stored with the corpus's vectors (int8 codes, binary codes, BM25
 * postings: src/core/index-kinds.ts `KindData`), so a reload answers without building it. Its
 * arrays are Blobs, or ArrayBuffers where IndexedDB refuses Blobs (vector-form.ts), like the
 * vector blocks. Keyed [index key, kind, variant] (variant: what it depends on beyond the vectors,
 * '' for int8 and binary, BM25's analyser options).
 */
export interface KindRecord {
  indexKey: string;
  kind: StoredKind;
  variant: string;
  scheme: string;
  count: number;
  dims: number;
  params: Record<string, number>;
  parts: Record<string, Blob | ArrayBuffer>;
  /** A checksum of each part (checksums.ts `partChecksum`), verified on read; absent on kinds stored before ragtab wrote them. */
  sums?: Record<string, number>;
  bytes: number;
  buildMs: number;
  createdAt: number;
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


export interface BlockRecord extends RefColumns {
  indexKey: string;
  blockNo: number;
  /** Position of the block's first chunk in the index. */
  first: number;
  count: number;
  dims: number;
  /**
   * count × dims float32, row-major, little-endian: a Blob (v4) where IndexedDB stores Blobs, else
   * the same bytes as an ArrayBuffer (vector-form.ts decides, once per database). Read a Blob with
   * `arrayBuffer()` where its handle dies soon (blocks.worker.ts): a Blob read from IndexedDB pins
   * its file until it is garbage-collected, so a deleted or compacted block's space would be freed
   * late.
   */
  vectors: Blob | ArrayBuffer;
  /**
   * Checksums of the vectors (per run of rows written) and of the ref columns, verified on every
   * read (checksums.ts). Absent on blocks stored before ragtab wrote them: those are read unchecked.
   */
  sums?: BlockSums;
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
  kinds: { key: [string, string, string]; value: KindRecord };
}

/** The v4 layout: v5's stores without `kinds` (the upgrade test writes it). */
export interface RagtabDBv4 extends DBSchema {
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

