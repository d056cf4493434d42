/**
 * The chunk refs of a loaded index, kept as its blocks' columns (`StoredRefs`), and the rebuild of
 * full chunks (with their text) from refs and the corpus's documents.
 */
import type { Chunk } from '../core/chunking';
import { embeddingText, type Doc } from '../core/documents';
import { RagtabError } from '../core/errors';
import { slicer } from '../core/yield';
import type { ChunkRef } from './schema';
import { refAt, refDocId, refId, type RefColumns } from './ref-columns';

/**
 * The chunk refs of a loaded index, kept as the blocks' columns: nothing is rebuilt until asked
 * for (`id(i)` for a search hit's id, `toArray()` or `chunksFromRefs` for all of them).
 */
export class StoredRefs {
  readonly length: number;
  private readonly firsts: number[] = [];
  private readonly cols: RefColumns[] = [];

  constructor(blocks: ReadonlyArray<{ first: number; count: number; cols: RefColumns }>) {
    let n = 0;
    for (const b of blocks) {
      if (b.first !== n) throw new RangeError(`refs block at ${b.first} does not follow ${n}`);
      this.firsts.push(b.first);
      this.cols.push(b.cols);
      n += b.count;
    }
    this.length = n;
  }

  /** [block columns, row in the block] of chunk `i`. */
  private locate(i: number): [RefColumns, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`chunk ${i} out of range 0..${this.length - 1}`);
    let lo = 0;
    let hi = this.firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firsts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [this.cols[lo]!, i - this.firsts[lo]!];
  }

  id(i: number): string {
    const [c, r] = this.locate(i);
    return refId(c, r);
  }

  docId(i: number): string {
    const [c, r] = this.locate(i);
    return refDocId(c, r);
  }

  at(i: number): ChunkRef {
    const [c, r] = this.locate(i);
    return refAt(c, r);
  }

  /** Every chunk's id, in order. */
  ids(): string[] {
    const out = new Array<string>(this.length);
    let k = 0;
    for (let b = 0; b < this.cols.length; b++) {
      const c = this.cols[b]!;
      const n = (b + 1 < this.firsts.length ? this.firsts[b + 1]! : this.length) - this.firsts[b]!;
      for (let i = 0, from = 0; i < n; i++) {
        const to = c.ends[i * 2]!;
        out[k++] = c.ids.slice(from, to);
        from = to;
      }
    }
    return out;
  }

  toArray(): ChunkRef[] {
    const out = new Array<ChunkRef>(this.length);
    let k = 0;
    for (let b = 0; b < this.cols.length; b++) {
      const c = this.cols[b]!;
      const n = (b + 1 < this.firsts.length ? this.firsts[b + 1]! : this.length) - this.firsts[b]!;
      for (let i = 0; i < n; i++) out[k++] = refAt(c, i);
    }
    return out;
  }
}

/** Chunk refs as they came out of `chunkDocuments` (the extra `text` is ignored). */
export function refsOf(chunks: ReadonlyArray<Chunk>): ChunkRef[] {
  return chunks.map((c) => {
    const r: ChunkRef = { id: c.id, docId: c.docId, index: c.index, start: c.start, end: c.end, tokens: c.tokens };
    if (c.truncated) r.truncated = true;
    return r;
  });
}

/**
 * `chunksFromRefs`, giving the page's event loop a turn every few ms (src/core/yield.ts), so
 * rebuilding 50,000 chunks after a load does not hold the page's thread in one long task.
 */
export async function chunksFromRefsInSlices(refs: StoredRefs, docs: ReadonlyArray<Doc>): Promise<Chunk[]> {
  const texts = new Map<string, string>();
  for (const d of docs) texts.set(d.id, embeddingText(d));
  const out = new Array<Chunk>(refs.length);
  const breathe = slicer();
  for (let i = 0; i < refs.length; i++) {
    out[i] = chunkFromRef(refs.at(i), texts);
    const pause = breathe();
    if (pause) await pause;
  }
  return out;
}

function chunkFromRef(r: ChunkRef, texts: ReadonlyMap<string, string>): Chunk {
  const t = texts.get(r.docId);
  if (t === undefined || r.end > t.length || r.start < 0 || r.start > r.end) {
    throw new RagtabError('StorageError', `The stored chunk ${r.id} does not match the corpus's documents (document ${t === undefined ? 'missing' : 'too short'}).`);
  }
  // the chunker always sets the flag: so does this
  return { id: r.id, docId: r.docId, index: r.index, text: t.slice(r.start, r.end), start: r.start, end: r.end, tokens: r.tokens, truncated: r.truncated === true };
}

/**
 * Rebuilds full chunks (with their text) from stored refs and the corpus's documents: the text is
 * `embeddingText(doc).slice(start, end)`, as the chunker made it. Throws StorageError when a
 * chunk's document is missing or too short (the refs do not belong to these documents).
 */
export function chunksFromRefs(refs: ReadonlyArray<ChunkRef> | StoredRefs, docs: ReadonlyArray<Doc>): Chunk[] {
  const texts = new Map<string, string>();
  for (const d of docs) texts.set(d.id, embeddingText(d));
  const list = refs instanceof StoredRefs ? refs.toArray() : refs;
  return list.map((r) => chunkFromRef(r, texts));
}
