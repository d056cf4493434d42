import { describe, expect, it } from 'vitest';
import { TopKHeap, exactTopK, normalizeRows } from '../../src/core/topk';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function bySort(vectors: Float32Array, dims: number, count: number, q: Float32Array, k: number) {
  const scored = Array.from({ length: count }, (_, r) => {
    let d = 0;
    for (let j = 0; j < dims; j++) d += vectors[r * dims + j]! * q[j]!;
    return { r, d: Math.fround(d) };
  });
  scored.sort((a, b) => b.d - a.d || a.r - b.r);
  return scored.slice(0, k);
}

describe('exactTopK', () => {
  it('equals a full sort on random data (indices, scores, order)', () => {
    const next = rng(7);
    for (const [count, dims, k] of [
      [1, 3, 1],
      [50, 8, 10],
      [1000, 16, 10],
      [777, 5, 100],
      [20, 4, 50],
    ] as const) {
      const v = Float32Array.from({ length: count * dims }, () => next() * 2 - 1);
      const q = Float32Array.from({ length: dims }, () => next() * 2 - 1);
      const got = exactTopK(v, dims, count, q, k);
      const want = bySort(v, dims, count, q, k);
      expect(Array.from(got.indices)).toEqual(want.map((w) => w.r));
      got.scores.forEach((s, i) => expect(s).toBeCloseTo(want[i]!.d, 5));
    }
  });

  it('breaks ties by the lower index', () => {
    const v = new Float32Array([1, 0, 1, 0, 0.5, 0, 1, 0]);
    const got = exactTopK(v, 2, 4, new Float32Array([1, 0]), 3);
    expect(Array.from(got.indices)).toEqual([0, 1, 3]);
  });

  it('returns nothing for an empty store and rejects a wrong query size', () => {
    expect(exactTopK(new Float32Array(0), 4, 0, new Float32Array(4), 10).indices.length).toBe(0);
    expect(() => exactTopK(new Float32Array(8), 4, 2, new Float32Array(3), 1)).toThrow(/3 dimensions/);
  });

  it('the heap rejects a non-positive k', () => {
    expect(() => new TopKHeap(0)).toThrow(RangeError);
  });
});

describe('normalizeRows', () => {
  it('makes rows unit length and leaves zero rows zero (never NaN)', () => {
    const v = new Float32Array([3, 4, 0, 0, 1, 1]);
    expect(normalizeRows(v, 2)).toBe(1);
    expect(Array.from(v.slice(0, 2))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(v.slice(2, 4))).toEqual([0, 0]);
    expect(v[4]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});
