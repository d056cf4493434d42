import { describe, expect, it } from 'vitest';
import { RRF_K, reciprocalRankFusion } from '../../src/core/rrf';

describe('reciprocal rank fusion', () => {
  it('sums 1/(60 + rank) over the lists, hand-computed', () => {
    const dense = ['a', 'b', 'c', 'd'];
    const lexical = ['c', 'a', 'e'];
    const out = reciprocalRankFusion([dense, lexical]);
    const want: Record<string, number> = {
      a: 1 / 61 + 1 / 62,
      c: 1 / 63 + 1 / 61,
      b: 1 / 62,
      e: 1 / 63,
      d: 1 / 64,
    };
    expect(out.map((f) => f.item)).toEqual(['a', 'c', 'b', 'e', 'd']);
    for (const f of out) expect(f.score).toBeCloseTo(want[f.item] as number, 15);
    expect(out[0]?.ranks).toEqual([1, 2]);
    expect(out.find((f) => f.item === 'e')?.ranks).toEqual([null, 3]);
    expect(RRF_K).toBe(60);
  });

  it('ties go to the better best rank, then to the first met', () => {
    // x: ranks (1, 3); y: ranks (3, 1): equal scores and equal best rank → x, met first
    const out = reciprocalRankFusion([
      ['x', 'p', 'y'],
      ['y', 'q', 'x'],
    ]);
    expect(out[0]?.score).toBe(out[1]?.score);
    expect(out.slice(0, 2).map((f) => f.item)).toEqual(['x', 'y']);
    // p and q: one list each at rank 2 → p (list 0) before q
    expect(out.slice(2).map((f) => f.item)).toEqual(['p', 'q']);
  });

  it('cuts each list at depth, counts a repeat once and closes up the ranks, honours k and limit', () => {
    const out = reciprocalRankFusion(
      [
        ['a', 'a', 'b', 'c'],
        ['c', 'd'],
      ],
      { depth: 2, k: 0, limit: 3 },
    );
    // list 0 → [a, b] (the repeat dropped, b moves up to rank 2); list 1 → [c, d]
    expect(out.map((f) => [f.item, f.score])).toEqual([
      ['a', 1],
      ['c', 1],
      ['b', 0.5],
    ]);
  });

  it('an empty list or no lists fuse to what the others hold', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([[], [7, 8]]).map((f) => f.item)).toEqual([7, 8]);
  });

  it('rejects a bad k, depth or limit by name', () => {
    expect(() => reciprocalRankFusion([[1]], { k: -1 })).toThrow(/RRF k/);
    expect(() => reciprocalRankFusion([[1]], { depth: 0 })).toThrow(/RRF depth/);
    expect(() => reciprocalRankFusion([[1]], { limit: 1.5 })).toThrow(/RRF limit/);
  });
});
