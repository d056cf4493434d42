/**
 * A block's chunk refs, column by column (schema v3 on): the codec between `ChunkRef` objects and
 * the stored columns, and the concatenation compaction uses. Pure: no IndexedDB.
 */
import type { BlockRecordV2, ChunkRef } from './schema';

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
