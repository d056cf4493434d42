/**
 * The storage layer's pure parts, in Node: chunk refs packed column by column and back, size
 * estimates, rebuilding chunk texts from stored refs. (The repositories run against real
 * IndexedDB in tests/e2e/storage.spec.ts.)
 */
import { describe, expect, it } from 'vitest';
import { blockBytes, byteSizeOfJson, documentBytes, packRefs, unpackRefs, utf8Length, type ChunkRef } from '../../src/storage/db';
import { chunksFromRefs, refsOf } from '../../src/storage/indexes';
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
    expect(bytes).toBe(48 + 48 + 3 + strings);
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
    expect(rebuilt).toEqual(chunks);
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
