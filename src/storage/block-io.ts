/**
 * Reading and compacting an index's vector blocks on a given connection: the bodies the blocks
 * worker runs (blocks.worker.ts), or the repository inline where there is no worker. Both stored
 * forms are read (Blob or ArrayBuffer: vector-form.ts); compaction writes the form it is given.
 */
import type { BlockRecord, RagtabDb } from './schema';
import { concatRefs } from './ref-columns';
import { blockDamage, partChecksum, refsChecksum, type BlockSums } from './checksums';
import { vectorBytes } from './sizes';
import { VECTORS_TYPE } from './schema';
import { watch } from './errors';
import type { VectorForm } from './vector-form';
import type { BlockReadMode, CompactResult, DamagedKind, ReadBlock, ReadBlocks } from './blocks-api';
import type { KindData, StoredKind } from '../core/index-kinds';

/** The default read mode of `load`. */
export const DEFAULT_READ: BlockReadMode = 'getAll';

/** Compaction merges blocks up to this many bytes of vectors (4,096 vectors of 384 dims). */
export const COMPACT_TARGET_BYTES = 6 * 2 ** 20;

export function blockRange(key: string): IDBKeyRange {
  return IDBKeyRange.bound([key, -Infinity], [key, Infinity]);
}

/**
 * Every block's vectors in one buffer: Blobs in one read of their files (the bytes never pass
 * through JavaScript before it), ArrayBuffers copied in.
 */
async function oneBuffer(parts: ReadonlyArray<Blob | ArrayBuffer>, total: number): Promise<ArrayBuffer> {
  if (parts.length === 1 && parts[0] instanceof ArrayBuffer) return parts[0];
  if (parts.every((p) => p instanceof Blob)) return parts.length === 1 ? (parts[0] as Blob).arrayBuffer() : new Blob(parts as Blob[]).arrayBuffer();
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    const bytes = p instanceof Blob ? new Uint8Array(await p.arrayBuffer()) : new Uint8Array(p);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out.buffer;
}

/** Vectors of several blocks as one stored value of the given form. */
export async function mergeVectors(parts: ReadonlyArray<Blob | ArrayBuffer>, form: VectorForm): Promise<Blob | ArrayBuffer> {
  // a merged Blob made of stored Blobs: the bytes never pass through JavaScript
  if (form === 'Blob') return new Blob(parts as BlobPart[], { type: VECTORS_TYPE });
  return oneBuffer(parts, parts.reduce((n, p) => n + vectorBytes(p), 0));
}

/**
 * Reads an index's meta and blocks in one read transaction, then every block's vectors into one
 * buffer. Null when the key is not stored. Runs in the blocks worker (or inline).
 */
export async function readStoredBlocks(db: RagtabDb, key: string, mode: BlockReadMode = DEFAULT_READ): Promise<ReadBlocks | null> {
  const t0 = performance.now();
  const tx = db.transaction(['indexes', 'blocks'], 'readonly');
  const store = tx.objectStore('blocks');
  const metaP = tx.objectStore('indexes').get(key);
  let records: BlockRecord[];
  if (mode === 'getAll') records = await store.getAll(blockRange(key));
  else if (mode === 'parallel') {
    const keys = await store.getAllKeys(blockRange(key));
    records = (await Promise.all(keys.map((k) => store.get(k)))).filter((b): b is BlockRecord => b !== undefined);
  } else {
    records = [];
    for (let c = await store.openCursor(blockRange(key)); c; c = await c.continue()) records.push(c.value);
  }
  const meta = await metaP;
  await tx.done;
  const t1 = performance.now();
  if (!meta) return null;
  const blocks: ReadBlock[] = [];
  const parts: Array<Blob | ArrayBuffer> = [];
  let offset = 0;
  for (const b of records) {
    // a record whose vectors are not bytes at all (damaged on disk) reads as none: its checks fail below
    const v = b.vectors instanceof Blob || b.vectors instanceof ArrayBuffer ? b.vectors : new ArrayBuffer(0);
    const bytes = vectorBytes(v);
    parts.push(v);
    blocks.push({ blockNo: b.blockNo, first: b.first, count: b.count, dims: b.dims, offset, bytes, cols: { ids: b.ids, docIds: b.docIds, ends: b.ends, nums: b.nums, truncated: b.truncated }, sums: b.sums ?? null, damage: null });
    offset += bytes;
  }
  records = [];
  const vectors = await oneBuffer(parts, offset);
  parts.length = 0;
  const t2 = performance.now();
  // every block against its checksums, here (in the blocks worker where there is one), before any is served
  for (const b of blocks) if (b.sums) b.damage = blockDamage(b.sums, new Uint8Array(vectors, b.offset, b.bytes), b.dims, b.cols);
  return { meta, blocks, vectors, txMs: t1 - t0, bytesMs: t2 - t1, verifyMs: performance.now() - t2 };
}

/**
 * The body of `IndexesRepo.compact` (runs in the blocks worker, or inline). Merged blocks are
 * written as `form`; the stored blocks' vectors are read in the read-only step first where they
 * must be copied (ArrayBuffer form), since a readwrite transaction cannot wait for a Blob read.
 */
export async function compactStored(db: RagtabDb, key: string, targetBytes = COMPACT_TARGET_BYTES, form: VectorForm = 'Blob'): Promise<CompactResult> {
  const t0 = performance.now();
  const meta = await db.get('indexes', key);
  const before = await db.count('blocks', blockRange(key));
  if (!meta || !meta.complete || before <= 1) return { before, after: before, ms: performance.now() - t0 };
  if ((meta.committedChunks * meta.dims * 4) / before >= targetBytes / 2) return { before, after: before, ms: performance.now() - t0 };
  let from = -Infinity;
  for (;;) {
    // which blocks merge next (read-only)
    const group: BlockRecord[] = [];
    let bytes = 0;
    {
      const tx = db.transaction('blocks', 'readonly');
      for (let c = await tx.store.openCursor(IDBKeyRange.bound([key, from], [key, Infinity], true, false)); c && (group.length === 0 || bytes + vectorBytes(c.value.vectors) <= targetBytes); c = await c.continue()) {
        group.push(c.value);
        bytes += vectorBytes(c.value.vectors);
      }
      await tx.done;
    }
    if (group.length === 0) break;
    if (group.length > 1) {
      const head = group[0]!;
      const count = group.reduce((n, b) => n + b.count, 0);
      const vectors = await mergeVectors(group.map((b) => b.vectors), form);
      // one merged block per transaction: the index is whole after every step
      const tx = db.transaction('blocks', 'readwrite', { durability: 'relaxed' });
      const w = watch(tx);
      for (const b of group.slice(1)) w.req(tx.store.delete([key, b.blockNo]));
      const cols = concatRefs(group);
      // the parts' vector checksums carry over (a merged Blob is never read here); the refs are hashed again
      const sums: BlockSums | undefined = group.every((b) => b.sums)
        ? { rows: group.flatMap((b) => b.sums!.rows), vectors: group.flatMap((b) => b.sums!.vectors), refs: refsChecksum(cols) }
        : undefined;
      w.req(tx.store.put({ indexKey: key, blockNo: head.blockNo, first: head.first, count, dims: meta.dims, vectors, ...cols, ...(sums ? { sums } : {}) }));
      await w.done();
    }
    from = group[group.length - 1]!.blockNo;
  }
  const after = await db.count('blocks', blockRange(key));
  return { before, after, ms: performance.now() - t0 };
}

/**
 * Reads the wanted kind records of an index in one read transaction, then their arrays into
 * ArrayBuffers (absent records are left out). Runs in the blocks worker (or inline).
 */
export async function readStoredKinds(db: RagtabDb, key: string, wanted: ReadonlyArray<{ kind: StoredKind; variant: string }>): Promise<{ kinds: KindData[]; damaged: DamagedKind[] }> {
  const tx = db.transaction('kinds', 'readonly');
  const records = await Promise.all(wanted.map((w) => tx.store.get([key, w.kind, w.variant])));
  await tx.done;
  const out: KindData[] = [];
  const damaged: DamagedKind[] = [];
  for (const r of records) {
    if (!r) continue;
    const parts: Record<string, ArrayBuffer> = {};
    for (const [name, p] of Object.entries(r.parts)) parts[name] = p instanceof Blob ? await p.arrayBuffer() : p;
    // checked here, before anything of it is served (kinds stored before checksums existed have none)
    const sums = r.sums;
    const bad = sums ? Object.keys(sums).find((name) => !parts[name] || sums[name] !== partChecksum(parts[name])) : undefined;
    if (bad !== undefined) {
      damaged.push({ kind: r.kind, variant: r.variant, why: `its part "${bad}" fails its checksum` });
      continue;
    }
    out.push({ kind: r.kind, scheme: r.scheme, variant: r.variant, count: r.count, dims: r.dims, params: { ...r.params }, parts });
  }
  return { kinds: out, damaged };
}
