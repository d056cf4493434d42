import { describe, expect, it } from 'vitest';
import { blockDamage, refsChecksum, vectorsChecksum, type BlockSums } from '../../src/storage/checksums';
import { packRefs } from '../../src/storage/ref-columns';
import type { ChunkRef } from '../../src/storage/schema';

const DIMS = 4;
const rows = (n: number, seed: number) => Float32Array.from({ length: n * DIMS }, (_, i) => Math.sin(seed * 1000 + i));
const refs = (n: number, from = 0): ChunkRef[] => Array.from({ length: n }, (_, i) => ({ id: `d${from + i}#0`, docId: `d${from + i}`, index: 0, start: 0, end: 10, tokens: 3, truncated: false }) as ChunkRef);

function sumsOf(parts: Float32Array[], cols = packRefs(refs(parts.reduce((n, p) => n + p.length / DIMS, 0)))): { sums: BlockSums; bytes: Uint8Array; cols: ReturnType<typeof packRefs> } {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  return { sums: { rows: parts.map((p) => p.length / DIMS), vectors: parts.map((p) => vectorsChecksum([p])), refs: refsChecksum(cols) }, bytes: new Uint8Array(all.buffer), cols };
}

describe('block checksums', () => {
  it('hashing parts in order equals hashing them joined', () => {
    const a = rows(3, 1);
    const b = rows(5, 2);
    const joined = new Float32Array([...a, ...b]);
    expect(vectorsChecksum([a, b])).toBe(vectorsChecksum([joined]));
    expect(vectorsChecksum([b, a])).not.toBe(vectorsChecksum([joined]));
  });

  it('an intact block (a compacted one too: its parts keep their checksums) passes', () => {
    const { sums, bytes, cols } = sumsOf([rows(3, 1), rows(5, 2)]);
    expect(blockDamage(sums, bytes, DIMS, cols)).toBeNull();
  });

  it('vectors overwritten with NaN at the same size, one flipped bit, swapped rows: each named', () => {
    const { sums, bytes, cols } = sumsOf([rows(3, 1), rows(5, 2)]);
    const nan = new Float32Array(bytes.slice().buffer);
    nan.fill(NaN, 3 * DIMS);
    expect(blockDamage(sums, new Uint8Array(nan.buffer), DIMS, cols)).toBe('the vectors of rows 3–7 fail their checksum');
    const flipped = bytes.slice();
    flipped[5] ^= 1;
    expect(blockDamage(sums, flipped, DIMS, cols)).toBe('the vectors of rows 0–2 fail their checksum');
    const swapped = new Float32Array(bytes.slice().buffer);
    const row0 = swapped.slice(0, DIMS);
    swapped.copyWithin(0, DIMS, 2 * DIMS);
    swapped.set(row0, DIMS);
    expect(blockDamage(sums, new Uint8Array(swapped.buffer), DIMS, cols)).toBe('the vectors of rows 0–2 fail their checksum');
  });

  it('truncated vectors and changed references are named', () => {
    const { sums, bytes, cols } = sumsOf([rows(3, 1)]);
    expect(blockDamage(sums, bytes.subarray(0, 2 * DIMS * 4), DIMS, cols)).toBe('its checksums cover 3 rows, its vectors hold 2');
    const rotated = packRefs([...refs(3).slice(1), refs(3)[0]!]);
    expect(blockDamage(sums, bytes, DIMS, rotated)).toBe('its chunk references fail their checksum');
    const nums = { ...cols, nums: cols.nums.slice() };
    nums.nums[2] = 9999;
    expect(blockDamage(sums, bytes, DIMS, nums)).toBe('its chunk references fail their checksum');
  });
});
