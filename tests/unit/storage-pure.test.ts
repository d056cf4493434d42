/**
 * The storage layer's pure parts, in Node: chunk refs packed column by column (v3: one string per
 * column and end offsets) and back, concatenated, converted from v2, read across blocks; size
 * estimates, rebuilding chunk texts from stored refs. (The repositories run against real
 * IndexedDB in tests/e2e/storage.spec.ts.)
 */
import { describe, expect, it } from 'vitest';
import { blockBytes, byteSizeOfJson, documentBytes, utf8Length } from '../../src/storage/sizes';
import { concatRefs, packRefs, refAt, refDocId, refId, refsFromV2, unpackRefs } from '../../src/storage/ref-columns';
import type { ChunkRef } from '../../src/storage/schema';
import { StoredRefs, chunksFromRefs, chunksFromRefsInSlices, refsOf } from '../../src/storage/stored-refs';
import { chunkDocuments, whitespaceTokenCounter } from '../../src/core/chunking';
import { embeddingText, type Doc } from '../../src/core/documents';
import { hasCode } from '../../src/core/errors';
import { formatBytes } from '../../src/storage/errors';

describe('utf8Length', () => {
  it('equals the UTF-8 encoding length, surrogate pairs and lone surrogates included', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b€é', '\ud800', 'x\udc00y', 'ok\ud83d']) {
      expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
  it('sizes documents and JSON', () => {
    expect(documentBytes({ id: 'd1', title: 'Tï', text: 'x' })).toBe(2 + 3 + 1);
    expect(byteSizeOfJson({ a: 'é' })).toBe(new TextEncoder().encode('{"a":"é"}').length);
    expect(byteSizeOfJson(undefined)).toBe(0);
  });
});

describe('packRefs / unpackRefs', () => {
  const refs: ChunkRef[] = [
    { id: 'd1#0', docId: 'd1', index: 0, start: 0, end: 10, tokens: 3 },
    { id: 'dé😀#1', docId: 'dé😀', index: 1, start: 8, end: 2_000_000, tokens: 512, truncated: true },
    { id: 'd3#0', docId: 'd3', index: 0, start: 0, end: 0, tokens: 0 },
  ];
  it('round-trips exactly, the truncated flag only where set', () => {
    const cols = packRefs(refs);
    expect(cols.nums).toBeInstanceOf(Int32Array);
    expect(Array.from(cols.nums)).toEqual([0, 0, 10, 3, 1, 8, 2_000_000, 512, 0, 0, 0, 0]);
    expect(Array.from(cols.truncated!)).toEqual([0, 1, 0]);
    const back = unpackRefs({ ...cols, count: refs.length });
    expect(back).toEqual(refs);
    expect('truncated' in back[0]!).toBe(false);
  });
  it('stores no flag column when nothing is truncated, and appends to a given array', () => {
    const plain = refs.filter((r) => !r.truncated);
    const cols = packRefs(plain);
    expect(cols.truncated).toBeNull();
    const out: ChunkRef[] = [refs[1]!];
    unpackRefs({ ...cols, count: plain.length }, out);
    expect(out).toEqual([refs[1], ...plain]);
  });
  it('estimates a block from its raw parts', () => {
    const cols = packRefs(refs);
    const bytes = blockBytes({ vectors: new ArrayBuffer(3 * 4 * 4), ...cols });
    const strings = refs.reduce((s, r) => s + utf8Length(r.id) + utf8Length(r.docId), 0);
    expect(bytes).toBe(48 + 48 + 24 + 3 + strings);
  });
  it('keeps each column as one string with end offsets (UTF-16 units)', () => {
    const cols = packRefs(refs);
    expect(cols.ids).toBe('d1#0dé😀#1d3#0');
    expect(cols.docIds).toBe('d1dé😀d3');
    expect(Array.from(cols.ends)).toEqual([4, 2, 4 + 6, 2 + 4, 10 + 4, 6 + 2]);
    expect(refs.map((_, i) => refId(cols, i))).toEqual(refs.map((r) => r.id));
    expect(refs.map((_, i) => refDocId(cols, i))).toEqual(refs.map((r) => r.docId));
    expect(refAt(cols, 1)).toEqual(refs[1]);
  });
  it('keeps empty ids and ids with any character apart', () => {
    const odd: ChunkRef[] = [
      { id: '', docId: '', index: 0, start: 0, end: 0, tokens: 0 },
      { id: 'a\nb', docId: '\u0000', index: 1, start: 0, end: 1, tokens: 1 },
      { id: 'x', docId: '', index: 2, start: 0, end: 1, tokens: 1 },
    ];
    expect(unpackRefs({ ...packRefs(odd), count: 3 })).toEqual(odd);
  });
  it('concatenates blocks without going through objects', () => {
    const a = packRefs(refs.slice(0, 2));
    const b = packRefs(refs.slice(2));
    const plainA = packRefs([refs[0]!]);
    const all = concatRefs([{ ...a, count: 2 }, { ...b, count: 1 }]);
    expect(all).toEqual(packRefs(refs));
    const noFlags = concatRefs([{ ...plainA, count: 1 }, { ...b, count: 1 }]);
    expect(noFlags.truncated).toBeNull();
    expect(unpackRefs({ ...noFlags, count: 2 })).toEqual([refs[0], refs[2]]);
  });
  it("converts v2's arrays of strings", () => {
    const v3 = packRefs(refs);
    const v2 = { ids: refs.map((r) => r.id), docIds: refs.map((r) => r.docId), nums: v3.nums, truncated: v3.truncated, count: refs.length };
    expect(refsFromV2(v2)).toEqual(v3);
  });
});

describe('StoredRefs', () => {
  const refs: ChunkRef[] = Array.from({ length: 10 }, (_, i) => ({ id: `d${i >> 2}é#${i & 3}`, docId: `d${i >> 2}é`, index: i & 3, start: i, end: i + 5, tokens: i }));
  const blocks = [
    { first: 0, count: 4, cols: packRefs(refs.slice(0, 4)) },
    { first: 4, count: 1, cols: packRefs(refs.slice(4, 5)) },
    { first: 5, count: 5, cols: packRefs(refs.slice(5)) },
  ];
  it('reads any chunk across blocks, and all of them in order', () => {
    const s = new StoredRefs(blocks);
    expect(s.length).toBe(10);
    for (let i = 0; i < 10; i++) {
      expect(s.id(i)).toBe(refs[i]!.id);
      expect(s.docId(i)).toBe(refs[i]!.docId);
      expect(s.at(i)).toEqual(refs[i]);
    }
    expect(s.ids()).toEqual(refs.map((r) => r.id));
    expect(s.toArray()).toEqual(refs);
    expect(() => s.id(10)).toThrow(RangeError);
    expect(() => s.id(-1)).toThrow(RangeError);
  });
  it('is empty without blocks, and refuses blocks that do not follow', () => {
    expect(new StoredRefs([]).toArray()).toEqual([]);
    expect(() => new StoredRefs([blocks[0]!, blocks[2]!])).toThrow(RangeError);
  });
});

describe('chunksFromRefs', () => {
  const docs: Doc[] = [
    { id: 'a', title: 'Alpha', text: 'One two three four five six seven eight nine ten. Eleven twelve thirteen fourteen fifteen sixteen.' },
    { id: 'b', title: '', text: 'Short é text 😀 with more words to split into pieces of a few tokens each.' },
  ];
  it('rebuilds the chunker output from stored refs and the documents', async () => {
    const chunks = await chunkDocuments(docs, { mode: 'tokens', size: 8, overlap: 2 }, whitespaceTokenCounter, { maxTokens: 64 });
    expect(chunks.length).toBeGreaterThan(3);
    const rebuilt = chunksFromRefs(refsOf(chunks), docs);
    expect(chunksFromRefs(new StoredRefs([{ first: 0, count: chunks.length, cols: packRefs(refsOf(chunks)) }]), docs)).toEqual(rebuilt);
    expect(rebuilt).toEqual(chunks);
    // in slices (yielding between them), across two stored blocks: the same chunks
    const half = Math.floor(chunks.length / 2);
    const two = new StoredRefs([
      { first: 0, count: half, cols: packRefs(refsOf(chunks.slice(0, half))) },
      { first: half, count: chunks.length - half, cols: packRefs(refsOf(chunks.slice(half))) },
    ]);
    expect(await chunksFromRefsInSlices(two, docs)).toEqual(chunks);
    await expect(chunksFromRefsInSlices(new StoredRefs([{ first: 0, count: 1, cols: packRefs([{ id: 'z#0', docId: 'z', index: 0, start: 0, end: 3, tokens: 1 }]) }]), docs)).rejects.toThrow(/does not match/);
    for (const c of rebuilt) expect(c.text).toBe(embeddingText(docs.find((d) => d.id === c.docId)!).slice(c.start, c.end));
  });
  it('refuses refs that do not belong to the documents', () => {
    const bad: ChunkRef[] = [{ id: 'z#0', docId: 'z', index: 0, start: 0, end: 3, tokens: 1 }];
    const tooLong: ChunkRef[] = [{ id: 'b#0', docId: 'b', index: 0, start: 0, end: 10_000, tokens: 1 }];
    for (const r of [bad, tooLong]) {
      let err: unknown = null;
      try {
        chunksFromRefs(r, docs);
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'StorageError')).toBe(true);
    }
  });
});

describe('formatBytes', () => {
  it('gives a rounded unit and the exact count', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB (1,536 bytes)');
    expect(formatBytes(10 * 2 ** 30)).toBe('10.0 GB (10,737,418,240 bytes)');
  });
});
