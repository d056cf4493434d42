/**
 * Checksums of stored data, so bytes that changed on disk are never served as results: a 32-bit
 * FNV-1a over 32-bit words (vectors are float32, so every stored run of vectors is whole words),
 * streamed across parts so a block hashed from its pieces equals the block hashed whole. Made to
 * detect damage (truncation, overwritten or shuffled bytes), not tampering. Pure: no DOM, no IndexedDB (tested in Node).
 */
import type { RefColumns } from './ref-columns';

const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;

/** A running word hash: feed it parts in order, read `value`. */
export class WordHash {
  private h = OFFSET;
  private words = 0;

  /** Adds whole 32-bit words (a view whose byte length is a multiple of 4). */
  words32(view: ArrayBufferView): this {
    if (view.byteLength % 4 !== 0) throw new RangeError(`checksum: ${view.byteLength} bytes are not whole 32-bit words`);
    const u = view.byteOffset % 4 === 0 ? new Uint32Array(view.buffer, view.byteOffset, view.byteLength / 4) : new Uint32Array(new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer);
    let h = this.h;
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i]!, PRIME);
    this.h = h;
    this.words += u.length;
    return this;
  }

  /** Adds any bytes (padded to a whole word with zeros, then the length, so padding cannot collide). */
  bytes(view: ArrayBufferView): this {
    const whole = view.byteLength - (view.byteLength % 4);
    this.words32(new Uint8Array(view.buffer, view.byteOffset, whole));
    const tail = new Uint8Array(4);
    tail.set(new Uint8Array(view.buffer, view.byteOffset + whole, view.byteLength - whole));
    this.words32(tail);
    return this.words32(new Uint32Array([view.byteLength]));
  }

  /** Adds a string's UTF-16 code units and its length. */
  text(s: string): this {
    let h = this.h;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME);
    this.h = Math.imul(h ^ s.length, PRIME);
    return this;
  }

  get value(): number {
    return this.h >>> 0;
  }
}

/** The checksum of float32 vectors given as parts in order (equal to that of the parts concatenated). */
export function vectorsChecksum(parts: ReadonlyArray<ArrayBufferView>): number {
  const h = new WordHash();
  for (const p of parts) h.words32(p);
  return h.value;
}

/** The checksum of a block's chunk-ref columns. */
export function refsChecksum(cols: RefColumns): number {
  const h = new WordHash().text(cols.ids).text(cols.docIds).bytes(cols.ends).bytes(cols.nums);
  return (cols.truncated ? h.bytes(cols.truncated) : h.text('')).value;
}

/**
 * A stored block's checksums: one per run of rows it was written as (a compacted block keeps its
 * parts' checksums, since merging Blobs never reads their bytes), and one over its ref columns.
 */
export interface BlockSums {
  /** Rows of each run, in order; they add up to the block's count. */
  rows: number[];
  /** vectorsChecksum of each run's vectors. */
  vectors: number[];
  refs: number;
}

/** What is wrong with a block's bytes against its checksums (null: they match). */
export function blockDamage(sums: BlockSums, vectors: Uint8Array, dims: number, cols: RefColumns): string | null {
  const rowBytes = dims * 4;
  const total = sums.rows.reduce((n, r) => n + r, 0);
  if (sums.rows.length !== sums.vectors.length || total * rowBytes !== vectors.byteLength) return `its checksums cover ${total} rows, its vectors hold ${vectors.byteLength / rowBytes}`;
  let at = 0;
  for (let i = 0; i < sums.rows.length; i++) {
    const n = sums.rows[i]! * rowBytes;
    if (vectorsChecksum([vectors.subarray(at, at + n)]) !== sums.vectors[i]) return `the vectors of rows ${at / rowBytes}–${(at + n) / rowBytes - 1} fail their checksum`;
    at += n;
  }
  if (refsChecksum(cols) !== sums.refs) return 'its chunk references fail their checksum';
  return null;
}

/** The checksum of any bytes (a stored kind's part: codes, postings, a graph). */
export function partChecksum(bytes: ArrayBuffer | ArrayBufferView): number {
  return new WordHash().bytes(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).value;
}
