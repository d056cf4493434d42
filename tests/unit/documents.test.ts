import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CORPUS_HASH_VERSION, corpusHash, embeddingText, qrelsSize, sha256Hex, type Doc } from '../../src/core/documents';

describe('embeddingText', () => {
  it('is title, a space, then text; text alone without a title', () => {
    expect(embeddingText({ title: 'Paris', text: 'Capital of France.' })).toBe('Paris Capital of France.');
    expect(embeddingText({ title: '', text: 'No title.' })).toBe('No title.');
  });
});

describe('sha256Hex', () => {
  it('hashes strings as UTF-8, buffers and views at an offset', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array([0x61, 0x62, 0x63]).buffer)).toBe(await sha256Hex('abc'));
    const big = new Uint8Array([0, 0x61, 0x62, 0x63, 0]);
    expect(await sha256Hex(big.subarray(1, 4))).toBe(await sha256Hex('abc'));
    expect(await sha256Hex('é')).toBe(createHash('sha256').update('é', 'utf8').digest('hex'));
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('corpusHash', () => {
  const docs: Doc[] = [
    { id: 'a', title: 'T', text: 'one' },
    { id: 'b', title: '', text: 'two "quoted"\nline 😀' },
  ];
  it('matches the documented canonical serialisation', async () => {
    const canonical =
      'ragtab-corpus-v1\n' + docs.map((d) => JSON.stringify([d.id, d.title, d.text]) + '\n').join('');
    expect(await corpusHash(docs)).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
  });
  it('changes with order, ids, titles and field boundaries', async () => {
    const h = await corpusHash(docs);
    expect(await corpusHash(docs)).toBe(h);
    expect(await corpusHash([...docs].reverse())).not.toBe(h);
    expect(await corpusHash([{ ...docs[0]!, id: 'z' }, docs[1]!])).not.toBe(h);
    expect(await corpusHash([{ id: 'a', title: 'b', text: 'c' }])).not.toBe(
      await corpusHash([{ id: 'a', title: '', text: 'b c' }]),
    );
    expect(await corpusHash([{ id: 'ab', title: '', text: 'c' }])).not.toBe(
      await corpusHash([{ id: 'a', title: '', text: 'bc' }]),
    );
    expect(await corpusHash([])).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('qrelsSize', () => {
  it('counts all judgments', () => {
    const q = new Map([
      ['q1', new Map([['d1', 1], ['d2', 0]])],
      ['q2', new Map([['d1', 2]])],
    ]);
    expect(qrelsSize(q)).toBe(3);
  });
});

describe('corpusHash of large texts', () => {
  it('hashes a text longer than a piece exactly as the one-string definition does', async () => {
    // Over 1 Mi code units, with a surrogate pair right at the first piece boundary, quotes and control characters.
    const text = 'a'.repeat((1 << 20) - 1) + '😀' + '"\n\t\u0001 é'.repeat(40_000);
    const docs = [{ id: 'x', title: 'T "q"', text }, { id: 'y', title: '', text: 'short' }];
    const expected = createHash('sha256')
      .update(`${CORPUS_HASH_VERSION}\n${docs.map((d) => JSON.stringify([d.id, d.title, d.text]) + '\n').join('')}`, 'utf8')
      .digest('hex');
    expect(await corpusHash(docs)).toBe(expected);
  });
});

describe('sliced hashing', () => {
  it('sha256OfChunks and sha256OfStream agree with node:crypto above and below the sliced threshold', async () => {
    const { SLICED_HASH_BYTES, sha256OfChunks, sha256OfStream } = await import('../../src/core/documents');
    for (const n of [1000, SLICED_HASH_BYTES + 12345]) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (i * 31 + 7) & 0xff;
      const expected = createHash('sha256').update(bytes).digest('hex');
      const parts = [bytes.subarray(0, 777), bytes.subarray(777)];
      expect(await sha256OfChunks(parts, n)).toBe(expected);
      expect(await sha256OfStream(new Blob([bytes]).stream())).toBe(expected);
    }
  });
});
