import { describe, expect, it, vi } from 'vitest';
import {
  chunkDocuments,
  summarizeChunks,
  validateChunkParams,
  whitespaceTokenCounter,
  type Chunk,
  type ChunkParams,
  type TokenCounter,
} from '../../src/core/chunking';
import { embeddingText, type Doc } from '../../src/core/documents';
import { RagtabError } from '../../src/core/errors';
import { mulberry32 as rng } from '../../src/core/prng';

const words = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${from + i}`).join(' ');
const doc = (id: string, text: string, title = ''): Doc => ({ id, title, text });
const tokens = (size: number, overlap = 0): ChunkParams => ({ mode: 'tokens', size, overlap });
const run = (docs: Doc[], params: ChunkParams, counter: TokenCounter = whitespaceTokenCounter, maxTokens = 512) =>
  chunkDocuments(docs, params, counter, { maxTokens });

/** One token per non-whitespace code point: makes words and single characters count. */
const codePointCounter: TokenCounter = async (texts) =>
  texts.map((t) => [...t].filter((c) => !/\s/.test(c)).length);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Invariants every chunking must keep. */
function checkInvariants(docs: Doc[], chunks: Chunk[], size?: number): void {
  const byDoc = new Map<string, Chunk[]>();
  for (const c of chunks) {
    const list = byDoc.get(c.docId) ?? [];
    list.push(c);
    byDoc.set(c.docId, list);
  }
  expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  for (const d of docs) {
    const text = embeddingText(d);
    const list = byDoc.get(d.id) ?? [];
    if (text.trim() === '') {
      expect(list).toHaveLength(0);
      continue;
    }
    expect(list.length).toBeGreaterThan(0);
    const covered = new Uint8Array(text.length);
    list.forEach((c, i) => {
      expect(c.index).toBe(i);
      expect(c.id).toBe(`${d.id}#${i}`);
      expect(c.text).toBe(text.slice(c.start, c.end));
      expect(c.text).toBe(c.text.trim());
      expect(c.text.length).toBeGreaterThan(0);
      expect(LONE_SURROGATE.test(c.text)).toBe(false);
      if (size !== undefined) expect(c.tokens).toBeLessThanOrEqual(size);
      if (i > 0) expect(c.start).toBeGreaterThan(list[i - 1]!.start);
      covered.fill(1, c.start, c.end);
    });
    // Every non-whitespace character is in some chunk.
    let uncovered = -1;
    for (let k = 0; k < text.length && uncovered < 0; k++) if (!covered[k] && !/\s/.test(text[k]!)) uncovered = k;
    expect(uncovered).toBe(-1);
  }
}

const VOCAB = ['alpha', 'beta', 'γάμμα', 'naïve', 'e\u0301te\u0301', '😀', '👩‍👩‍👧', '中文', 'x', 'data-set', '3.14'];
function randomDoc(r: () => number, id: string): Doc {
  const paras: string[] = [];
  const np = 1 + Math.floor(r() * 5);
  for (let p = 0; p < np; p++) {
    const sents: string[] = [];
    const ns = 1 + Math.floor(r() * 6);
    for (let s = 0; s < ns; s++) {
      const nw = 1 + Math.floor(r() * 25);
      const w = Array.from({ length: nw }, () => VOCAB[Math.floor(r() * VOCAB.length)]!);
      sents.push(w.join(r() < 0.1 ? '  ' : ' ') + (r() < 0.2 ? '。' : r() < 0.5 ? '! ' : '.'));
    }
    paras.push(sents.join(r() < 0.2 ? '\n' : ' '));
  }
  const sep = r() < 0.5 ? '\n\n' : '\r\n\r\n';
  return doc(id, (r() < 0.2 ? '\n ' : '') + paras.join(sep) + (r() < 0.3 ? '\n' : ''), r() < 0.5 ? 'A title' : '');
}

describe('validateChunkParams', () => {
  const bad: Array<[ChunkParams, number, RegExp]> = [
    [tokens(7), 512, /at least 8/],
    [tokens(8.5), 512, /integer/],
    [tokens(600), 512, /over the model's limit of 512/],
    [tokens(64, 64), 512, /overlap must be .* from 0 to 63/],
    [tokens(64, -1), 512, /overlap/],
    [tokens(64, 1.5), 512, /overlap/],
    [{ mode: 'document' }, 0, /positive integer/],
  ];
  it.each(bad)('rejects %j with maxTokens %d', (params, max, message) => {
    let err: unknown;
    try {
      validateChunkParams(params, max);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RagtabError);
    expect((err as RagtabError).code).toBe('InvalidArgument');
    expect((err as Error).message).toMatch(message);
  });
  it('accepts the limits', () => {
    expect(() => validateChunkParams(tokens(8, 7), 8)).not.toThrow();
    expect(() => validateChunkParams({ mode: 'document' }, 1)).not.toThrow();
  });
  it('chunkDocuments validates before counting', async () => {
    let calls = 0;
    const counter: TokenCounter = async (t) => {
      calls++;
      return whitespaceTokenCounter(t);
    };
    await expect(run([doc('a', 'x')], tokens(4), counter)).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(calls).toBe(0);
  });
});

describe('document mode', () => {
  it('gives one whole-text chunk per document and marks truncation', async () => {
    const docs = [doc('a', words(5), 'T'), doc('b', '   \n '), doc('c', words(20)), doc('', '')];
    const chunks = await run(docs, { mode: 'document' }, whitespaceTokenCounter, 10);
    expect(chunks.map((c) => [c.id, c.tokens, c.truncated])).toEqual([
      ['a#0', 6, false],
      ['c#0', 20, true],
    ]);
    expect(chunks[0]!.text).toBe('T ' + words(5));
    expect([chunks[0]!.start, chunks[0]!.end]).toEqual([0, 7 + words(5).length - 5]);
    checkInvariants(docs, chunks);
    expect(summarizeChunks(docs, chunks)).toEqual({ docs: 4, emptyDocs: 2, chunks: 2, tokens: 26, truncated: 1 });
  });
  it('a title-only document still has text to embed', async () => {
    const chunks = await run([doc('t', '', 'Only a title')], { mode: 'document' });
    expect(chunks.map((c) => c.text)).toEqual(['Only a title ']);
  });
});

describe('token mode boundaries', () => {
  it('keeps paragraphs whole when they fit, packing greedily', async () => {
    const p = [words(5, 0), words(5, 5), words(5, 10)];
    const d = doc('d', p.join('\n\n'));
    const chunks = await run([d], tokens(12));
    expect(chunks.map((c) => c.text)).toEqual([p[0] + '\n\n' + p[1], p[2]]);
    expect(chunks.map((c) => c.tokens)).toEqual([10, 5]);
    checkInvariants([d], chunks, 12);
  });

  it('treats a line holding only spaces as a paragraph break', async () => {
    const d = doc('d', `${words(6)}\n  \t\n${words(6, 6)}`);
    const chunks = await run([d], tokens(8));
    expect(chunks.map((c) => c.text)).toEqual([words(6), words(6, 6)]);
  });

  it('splits a long paragraph at sentence ends', async () => {
    const s = ['One two three four.', 'Five six seven eight!', 'Nine ten eleven twelve?', 'Thirteen fourteen.'];
    const d = doc('d', s.join(' '));
    const chunks = await run([d], tokens(10));
    expect(chunks.map((c) => c.text)).toEqual([s[0] + ' ' + s[1], s[2] + ' ' + s[3]]);
    checkInvariants([d], chunks, 10);
  });

  it('cuts after ? and ! as well', async () => {
    const s = ['Is it one two three?', 'Yes four five six seven!', 'And eight nine ten eleven.'];
    const chunks = await run([doc('d', s.join(' '))], tokens(8));
    expect(chunks.map((c) => c.text)).toEqual(s);
  });

  it('does not split at a period inside a number or without a following space', async () => {
    const d = doc('d', 'Pi is 3.14 and e is 2.71 roughly. ' + words(8));
    const chunks = await run([d], tokens(8));
    expect(chunks[0]!.text).toBe('Pi is 3.14 and e is 2.71 roughly.');
  });

  it('splits a long sentence at words', async () => {
    const d = doc('d', words(30));
    const chunks = await run([d], tokens(8));
    expect(chunks.map((c) => c.text)).toEqual([words(8), words(8, 8), words(8, 16), words(6, 24)]);
    expect(chunks.map((c) => c.tokens)).toEqual([8, 8, 8, 6]);
  });

  it('splits CJK text at 。！？ without spaces', async () => {
    const s = ['我喜欢吃苹果。', '你呢？', '他也喜欢香蕉！', '好的。'];
    const d = doc('d', s.join(''));
    const chunks = await run([d], tokens(10), codePointCounter);
    expect(chunks.map((c) => c.text)).toEqual([s[0]! + s[1]!, s[2]! + s[3]!]);
    checkInvariants([d], chunks, 10);
  });

  it('splits one huge word into characters, never inside a surrogate pair or a grapheme', async () => {
    const emoji = '😀'.repeat(20);
    const accents = 'xe\u0301'.repeat(5); // graphemes of 1 and 2 code points
    const d1 = doc('e', emoji);
    const d2 = doc('m', accents);
    const chunks = await run([d1, d2], tokens(8), codePointCounter);
    const e = chunks.filter((c) => c.docId === 'e');
    expect(e.map((c) => c.text)).toEqual(['😀'.repeat(8), '😀'.repeat(8), '😀'.repeat(4)]);
    expect(e.map((c) => [c.start, c.end])).toEqual([[0, 16], [16, 32], [32, 40]]);
    const m = chunks.filter((c) => c.docId === 'm');
    // 1+2+1+2+1 = 7 tokens; the next é would make 9
    expect(m.map((c) => c.text)).toEqual(['xe\u0301xe\u0301x', 'e\u0301xe\u0301xe\u0301']);
    for (const c of m) expect(c.text).not.toMatch(/^\p{M}/u);
    checkInvariants([d1, d2], chunks, 8);
  });

  it('keeps a ZWJ emoji sequence together', async () => {
    const family = '👩‍👩‍👧'; // 5 code points, one grapheme
    const d = doc('z', family.repeat(4));
    const chunks = await run([d], tokens(12), codePointCounter);
    expect(chunks.map((c) => c.text)).toEqual([family.repeat(2), family.repeat(2)]);
  });

  it('includes the title in the first chunk and offsets index the embedding text', async () => {
    const d = doc('t', words(10), 'Title here');
    const chunks = await run([d], tokens(8));
    expect(chunks[0]!.text).toBe('Title here ' + words(6));
    expect(chunks[1]!.start).toBe(('Title here ' + words(6) + ' ').length);
    checkInvariants([d], chunks, 8);
  });

  it('handles tiny and blank documents', async () => {
    const docs = [doc('a', 'x'), doc('b', ' \n\t '), doc('c', '\n\n  word  \n\n')];
    const chunks = await run(docs, tokens(8));
    expect(chunks.map((c) => [c.id, c.text, c.start, c.end, c.tokens])).toEqual([
      ['a#0', 'x', 0, 1, 1],
      ['c#0', 'word', 4, 8, 1],
    ]);
    expect(summarizeChunks(docs, chunks).emptyDocs).toBe(1);
  });
});

describe('overlap', () => {
  it('carries trailing words that fit in the overlap', async () => {
    const d = doc('d', words(30));
    const chunks = await run([d], tokens(10, 3));
    // 0-9, then 7-16, 14-23, 21-29
    expect(chunks.map((c) => c.text)).toEqual([words(10), words(10, 7), words(10, 14), words(9, 21)]);
    checkInvariants([d], chunks, 10);
  });

  it('carries whole sentences only', async () => {
    const s = ['a b c.', 'd e.', 'f g h i.', 'j k l m n.'];
    const d = doc('d', s.join(' '));
    // size 10: [s0 s1 s2]=9; overlap 4 carries s2 (4) → [s2 s3]=9
    const chunks = await run([d], tokens(10, 4));
    expect(chunks.map((c) => c.text)).toEqual([s.slice(0, 3).join(' '), s.slice(2).join(' ')]);
    // overlap 3 cannot carry s2 (4 tokens): no overlap
    const c3 = await run([d], tokens(10, 3));
    expect(c3.map((c) => c.text)).toEqual([s.slice(0, 3).join(' '), s[3]]);
  });

  it('drops carried text when it would not leave room for the next piece', async () => {
    const s = ['a b c d e.', 'f g h i j k l m.'];
    const d = doc('d', s.join(' '));
    const chunks = await run([d], tokens(10, 5));
    expect(chunks.map((c) => c.text)).toEqual([s[0], s[1]]);
  });

  it('chunks overlap exactly on the carried text', async () => {
    const r = rng(7);
    const docs = Array.from({ length: 30 }, (_, i) => randomDoc(r, `r${i}`));
    const chunks = await run(docs, tokens(16, 6));
    checkInvariants(docs, chunks, 16);
    for (let i = 1; i < chunks.length; i++) {
      const a = chunks[i - 1]!;
      const b = chunks[i]!;
      if (a.docId !== b.docId) continue;
      expect(b.end).toBeGreaterThan(a.end); // every chunk adds something new
      if (b.start < a.end) {
        const shared = embeddingText(docs.find((x) => x.id === a.docId)!).slice(b.start, a.end);
        expect(shared.trim().split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(6);
      }
    }
  });
});

describe('random documents', () => {
  it.each([
    [8, 0],
    [8, 4],
    [13, 5],
    [64, 16],
    [256, 0],
  ])('keep every invariant with size %d, overlap %d', async (size, overlap) => {
    const r = rng(size * 31 + overlap);
    const docs = Array.from({ length: 80 }, (_, i) => randomDoc(r, `d${i}`));
    const chunks = await run(docs, tokens(size, overlap), codePointCounter);
    checkInvariants(docs, chunks, size);
    if (overlap === 0) {
      for (let i = 1; i < chunks.length; i++) {
        if (chunks[i]!.docId === chunks[i - 1]!.docId) expect(chunks[i]!.start).toBeGreaterThanOrEqual(chunks[i - 1]!.end);
      }
    }
  });

  it('counts tokens exactly as the counter counts the chunk text (whitespace counter)', async () => {
    const r = rng(99);
    const docs = Array.from({ length: 40 }, (_, i) => randomDoc(r, `d${i}`));
    const chunks = await run(docs, tokens(20, 5));
    const direct = await whitespaceTokenCounter(chunks.map((c) => c.text));
    expect(chunks.map((c) => c.tokens)).toEqual(Array.from(direct));
  });
});

describe('determinism and batching', () => {
  it('gives identical chunks on repeat and for any batch size', async () => {
    const r = rng(3);
    const docs = Array.from({ length: 150 }, (_, i) => randomDoc(r, `d${i}`));
    const a = await chunkDocuments(docs, tokens(24, 8), codePointCounter, { maxTokens: 512 });
    const b = await chunkDocuments(docs, tokens(24, 8), codePointCounter, { maxTokens: 512 });
    const c = await chunkDocuments(docs, tokens(24, 8), codePointCounter, { maxTokens: 512, batchDocs: 7 });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a.length).toBeGreaterThan(150);
  });

  it('calls the counter once per document batch when sentences fit', async () => {
    const calls: number[] = [];
    const counter: TokenCounter = async (texts) => {
      calls.push(texts.length);
      return whitespaceTokenCounter(texts);
    };
    const docs = Array.from({ length: 200 }, (_, i) => doc(`d${i}`, `${words(5)}. ${words(5)}.\n\n${words(4)}.`));
    const chunks = await chunkDocuments(docs, tokens(8), counter, { maxTokens: 512, batchDocs: 64 });
    expect(calls).toEqual([64 * 3, 64 * 3, 64 * 3, 8 * 3]);
    expect(chunks).toHaveLength(600);
    calls.length = 0;
    await chunkDocuments(docs, { mode: 'document' }, counter, { maxTokens: 512, batchDocs: 64 });
    expect(calls).toEqual([64, 64, 64, 8]);
  });

  it('adds one call per finer level actually needed', async () => {
    const calls: string[][] = [];
    const counter: TokenCounter = async (texts) => {
      calls.push(texts);
      return codePointCounter(texts);
    };
    const docs = [doc('a', 'ab cd. ' + 'y'.repeat(20)), doc('b', 'fine.')];
    const chunks = await chunkDocuments(docs, tokens(8), counter, { maxTokens: 512 });
    // sentences; then the over-long sentence's words (one word: no cut, not recounted); then characters
    expect(calls.map((c) => c.length)).toEqual([3, 20]);
    // Packing is greedy across levels: the word's first characters fill the first chunk.
    expect(chunks.map((c) => c.text)).toEqual(['ab cd. yyy', 'y'.repeat(8), 'y'.repeat(8), 'y', 'fine.']);
  });

  it('rejects duplicate ids and a counter giving the wrong number of counts', async () => {
    await expect(run([doc('a', 'x'), doc('a', 'y')], tokens(8))).rejects.toThrow(/duplicate document id "a"/);
    const short: TokenCounter = async (t) => [t.length].slice(0, Math.max(0, t.length - 1));
    await expect(run([doc('a', 'x y. z w.')], tokens(8), short)).rejects.toThrow(/returned 1 counts for 2 texts/);
  });

  it('stops when cancelled, and reports progress', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const docs = Array.from({ length: 10 }, (_, i) => doc(`d${i}`, words(3)));
    await expect(
      chunkDocuments(docs, tokens(8), whitespaceTokenCounter, {
        maxTokens: 512,
        batchDocs: 3,
        signal: ac.signal,
        onProgress: (p) => {
          seen.push(p.docs);
          if (p.docs >= 6) ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'Cancelled' });
    expect(seen).toEqual([3, 6]);
  });

  it('handles a large document', async () => {
    const text = Array.from({ length: 2000 }, (_, p) => `${words(40, p)}. ${words(30, p)}.`).join('\n\n');
    const d = doc('big', text);
    const chunks = await run([d], tokens(256, 32));
    checkInvariants([d], chunks, 256);
    // 70-word paragraphs: three fit in 256 tokens
    expect(chunks[0]!.tokens).toBe(210);
    expect(chunks[0]!.text.split('\n\n')).toHaveLength(3);
    expect(chunks.length).toBeGreaterThan(600);
  });
});

describe('without Intl.Segmenter', () => {
  it('falls back to code points, still never splitting a surrogate pair', async () => {
    const saved = Intl.Segmenter;
    (Intl as { Segmenter?: unknown }).Segmenter = undefined;
    try {
      vi.resetModules();
      const m = await import('../../src/core/chunking');
      const d = doc('e', 'a' + '😀'.repeat(9));
      const chunks = await m.chunkDocuments([d], tokens(8), codePointCounter, { maxTokens: 512 });
      expect(chunks.map((c) => c.text)).toEqual(['a' + '😀'.repeat(7), '😀'.repeat(2)]);
      expect(chunks.map((c) => [c.start, c.end])).toEqual([[0, 15], [15, 19]]);
    } finally {
      (Intl as { Segmenter?: unknown }).Segmenter = saved;
      vi.resetModules();
    }
  });
});

describe('large inputs (issue 12)', () => {
  const prose = (paras: number, seed = 1) => {
    const r = rng(seed);
    return Array.from({ length: paras }, (_, p) =>
      Array.from({ length: 1 + Math.floor(r() * 6) }, (_, s) => `${words(3 + Math.floor(r() * 25), p * 100 + s * 10)}.`).join(' '),
    ).join('\n\n');
  };

  it('a large document chunked region by region gives the same chunks as in one pass', async () => {
    const d = doc('big', prose(400), 'Title');
    for (const [size, overlap] of [[16, 4], [64, 8], [256, 32]] as const) {
      const one = await chunkDocuments([d], tokens(size, overlap), whitespaceTokenCounter, { maxTokens: 512 });
      const regions: number[] = [];
      const many = await chunkDocuments([d], tokens(size, overlap), whitespaceTokenCounter, {
        maxTokens: 512,
        largeDocChars: 1000,
        regionChars: 1500, // longer than any paragraph here (they are at most ~900 characters)
        onProgress: (p) => p.chars !== undefined && regions.push(p.chars),
      });
      expect(many).toEqual(one);
      expect(regions.length).toBeGreaterThan(10);
      expect(regions.at(-1)).toBe(embeddingText(d).length);
    }
  });

  it('a paragraph, a sentence or a word longer than a region still gives valid chunks', async () => {
    const longParagraph = Array.from({ length: 300 }, (_, i) => `${words(9, i * 9)}.`).join(' ');
    const longSentence = words(3000);
    const longWord = 'x'.repeat(5000);
    const d = doc('huge', `${prose(20)}\n\n${longParagraph}\n\n${longSentence}\n\n${longWord} tail.\n\n${prose(5, 2)}`);
    const calls: number[] = [];
    const counter: TokenCounter = async (texts) => {
      calls.push(Math.max(0, ...texts.map((t) => t.length)));
      return codePointCounter(texts);
    };
    const chunks = await chunkDocuments([d], tokens(32, 4), counter, { maxTokens: 512, largeDocChars: 1000, regionChars: 800 });
    checkInvariants([d], chunks, 32);
    // No counter call ever saw more than a region (plus the separator margin) of text at once.
    expect(Math.max(...calls)).toBeLessThanOrEqual(800 + 4096);
  });

  it('document mode counts a prefix of a long text, never the whole text', async () => {
    const long = words(100_000);
    const seen: number[] = [];
    const counter: TokenCounter = async (texts) => {
      for (const t of texts) seen.push(t.length);
      return whitespaceTokenCounter(texts);
    };
    const [c] = await chunkDocuments([doc('long', long)], { mode: 'document' }, counter, { maxTokens: 512 });
    expect(Math.max(...seen)).toBeLessThanOrEqual(512 * 8);
    expect(c!.truncated).toBe(true);
    expect(c!.tokens).toBeGreaterThan(512);
    expect(c!.end).toBeLessThan(long.length);
    expect(c!.text).toBe(long.slice(0, c!.end));
    expect(/\s$/.test(long.slice(0, c!.end + 1))).toBe(true); // cut before a whitespace
    // A long text with long words: the prefix grows until it has enough tokens.
    const wide = Array.from({ length: 2000 }, (_, i) => `${'y'.repeat(60)}${i}`).join(' ');
    const [w] = await chunkDocuments([doc('wide', wide)], { mode: 'document' }, whitespaceTokenCounter, { maxTokens: 100 });
    expect(w!.truncated).toBe(true);
    expect(w!.tokens).toBeGreaterThan(100);
  });
});
