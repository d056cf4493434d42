/**
 * The blocks worker's one typed interface (Comlink), and the shapes a block read hands back.
 *
 * Declared here, in storage, rather than in workers/api.ts with the engines' interfaces: the blocks
 * worker is part of the storage layer (it opens the database itself, with db.ts, and runs the same
 * block-io.ts the repository runs inline), and src/storage must not import from workers/, types
 * included. The repository (indexes.ts) holds `Remote<BlocksApi>`; blocks.worker.ts exposes an
 * object checked against it.
 */
import type { IndexMeta } from './schema';
import type { RefColumns } from './ref-columns';
import type { BlockSums } from './checksums';
import type { VectorForm } from './vector-form';
import type { KindData, StoredKind } from '../core/index-kinds';

/** How a read gets the blocks (measured: bench/README-storage.md; 'getAll' is the fastest). */
export type BlockReadMode = 'cursor' | 'getAll' | 'parallel';

/** What a block read hands back: each block's position, vectors and ref columns (no Blob). */
export interface ReadBlock {
  blockNo: number;
  first: number;
  count: number;
  dims: number;
  /** byte offset and length of this block's vectors in `ReadBlocks.vectors`. */
  offset: number;
  bytes: number;
  cols: RefColumns;
  /** Its stored checksums (null: stored before ragtab wrote them, read unchecked). */
  sums: BlockSums | null;
  /** What failed its checksum (null: nothing, or not checked). */
  damage: string | null;
}

export interface ReadBlocks {
  meta: IndexMeta;
  blocks: ReadBlock[];
  /** Every block's vectors, in block order, one buffer. */
  vectors: ArrayBuffer;
  /** ms in the read transaction, then ms turning the stored blocks into the one buffer. */
  txMs: number;
  bytesMs: number;
  /** ms checking every block against its checksums. */
  verifyMs: number;
}

/** A stored kind whose part failed its checksum, and which part. */
export interface DamagedKind {
  kind: StoredKind;
  variant: string;
  why: string;
}

export interface CompactResult {
  before: number;
  after: number;
  ms: number;
}

/** One call per worker: the repository terminates it right after (which drops its Blob handles). */
export interface BlocksApi {
  /** The meta and every block of index `key` in database `db` (null when not stored); the buffer is transferred. */
  read(db: string, key: string, mode: BlockReadMode): Promise<ReadBlocks | null>;
  /** The wanted stored kinds of index `key` (kinds.ts), their arrays transferred; those failing their checksums listed apart. */
  readKinds(db: string, key: string, wanted: Array<{ kind: StoredKind; variant: string }>): Promise<{ kinds: KindData[]; damaged: DamagedKind[] }>;
  /** Merges small blocks of a complete index (see `compactStored`), writing merged blocks as `form`. */
  compact(db: string, key: string, targetBytes: number, form: VectorForm): Promise<CompactResult>;
}
