import { describe, expect, it } from 'vitest';
import { cutAtWord, formatContext, sourceHeader, type ContextHit } from '../../src/core/context';

const hit = (rank: number, docId: string, text: string, title?: string): ContextHit => ({
  rank,
  chunk: { id: `${docId}#0`, docId, text },
  score: 1 - rank / 10,
  ...(title !== undefined ? { title } : {}),
});

describe('formatContext', () => {
  const hits = [hit(2, 'b', 'Second text.', 'Bee'), hit(1, 'a', 'First text.', 'Ay'), hit(3, 'c', 'Third.')];
  const full = '[1] Ay (a)\nFirst text.\n\n[2] Bee (b)\nSecond text.\n\n[3] c\nThird.';

  it('numbers chunks in rank order with title and doc id, blank lines between', () => {
    const r = formatContext(hits, 1000);
    expect(r).toEqual({
      text: full,
      used: 3,
      dropped: 0,
      truncated: false,
      citations: [
        { n: 1, chunkId: 'a#0', docId: 'a' },
        { n: 2, chunkId: 'b#0', docId: 'b' },
        { n: 3, chunkId: 'c#0', docId: 'c' },
      ],
    });
  });

  it('fits exactly at the budget and drops the lowest-ranked chunk one character below', () => {
    expect(formatContext(hits, full.length).used).toBe(3);
    const r = formatContext(hits, full.length - 1);
    expect(r.used).toBe(2);
    expect(r.dropped).toBe(1);
    expect(r.text).toBe('[1] Ay (a)\nFirst text.\n\n[2] Bee (b)\nSecond text.');
    expect(r.truncated).toBe(false);
  });

  it('drops whole chunks from the bottom, never skipping to a smaller lower-ranked one', () => {
    const r = formatContext([hit(1, 'a', 'x'), hit(2, 'b', 'y'.repeat(100)), hit(3, 'c', 'z')], 30);
    expect(r.text).toBe('[1] a\nx');
    expect([r.used, r.dropped]).toEqual([1, 2]);
  });

  it('cuts the first chunk at a word boundary when even it does not fit', () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const r = formatContext([hit(1, 'a', text, 'T'), hit(2, 'b', 'more')], 30);
    // header "[1] T (a)" (9) + newline + body + "…" ≤ 30 → body ≤ 19 → "The quick brown fox"
    expect(r.text).toBe('[1] T (a)\nThe quick brown fox…');
    expect(r.text.length).toBeLessThanOrEqual(30);
    expect([r.used, r.dropped, r.truncated]).toEqual([1, 1, true]);
    const r2 = formatContext([hit(1, 'a', text, 'T')], 29);
    expect(r2.text).toBe('[1] T (a)\nThe quick brown…');
  });

  it('never exceeds the budget', () => {
    const many = Array.from({ length: 20 }, (_, i) => hit(i + 1, `d${i}`, `word `.repeat(i + 3).trim(), `T${i}`));
    for (let budget = 0; budget < 400; budget += 7) {
      const r = formatContext(many, budget);
      expect(r.text.length).toBeLessThanOrEqual(budget);
      expect(r.used + r.dropped).toBe(20);
    }
  });

  it('gives nothing when the budget cannot even hold the header', () => {
    expect(formatContext([hit(1, 'a', 'text', 'Title')], 5)).toEqual({
      text: '',
      used: 0,
      dropped: 1,
      truncated: false,
      citations: [],
    });
    expect(formatContext([], 100)).toMatchObject({ text: '', used: 0, dropped: 0 });
  });

  it('rejects a negative or non-numeric budget', () => {
    expect(() => formatContext(hits, -1)).toThrow(/non-negative/);
    expect(() => formatContext(hits, Number.NaN)).toThrow(/non-negative/);
  });
});

describe('helpers', () => {
  it('sourceHeader omits an empty title', () => {
    expect(sourceHeader(4, 'doc-9', '  ')).toBe('[4] doc-9');
    expect(sourceHeader(1, 'x', 'Paris')).toBe('[1] Paris (x)');
  });
  it('cutAtWord cuts at whitespace, or at a character outside a surrogate pair', () => {
    expect(cutAtWord('hello world again', 13)).toBe('hello world');
    expect(cutAtWord('hello world again', 11)).toBe('hello world');
    expect(cutAtWord('abcdefgh', 5)).toBe('abcde');
    expect(cutAtWord('😀😀😀', 3)).toBe('😀');
    expect(cutAtWord('short', 10)).toBe('short');
  });
});
