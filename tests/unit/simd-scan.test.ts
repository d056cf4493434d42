import { describe, expect, it } from 'vitest';
import { exactTopK, normalizeRows } from '../../src/core/topk';
import { SimdStore, buildScanModule, instantiateScan, mergeTopK, scanRange, simdSupported, topKOfScores } from '../../workers/lib/simd-scan';
import { mulberry32 as rng } from '../../src/core/prng';

function randomUnit(count: number, dims: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(count * dims);
  for (let i = 0; i < v.length; i++) v[i] = r() * 2 - 1;
  normalizeRows(v, dims);
  return v;
}

function expectSame(got: { indices: Int32Array; scores: Float32Array }, want: { indices: Int32Array; scores: Float32Array }): void {
  expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
  expect(got.scores.length).toBe(want.scores.length);
  for (let i = 0; i < want.scores.length; i++) expect(Math.abs((got.scores[i] as number) - (want.scores[i] as number))).toBeLessThan(1e-5);
}

describe('simd-scan', () => {
  it('validates SIMD in Node (so the tests below exercise the wasm kernel)', () => {
    expect(simdSupported()).toBe(true);
    expect(WebAssembly.validate(buildScanModule({ stride: 384 }))).toBe(true);
    expect(WebAssembly.validate(buildScanModule({ stride: 8, shared: true, maxPages: 16 }))).toBe(true);
  });

  for (const dims of [1, 7, 256, 384, 768]) {
    for (const count of [0, 1, 5, 1000]) {
      for (const k of [1, 10, count + 3]) {
        it(`equals exactTopK: dims ${dims}, count ${count}, k ${k}`, () => {
          const vectors = randomUnit(count, dims, dims * 1000 + count);
          const store = new SimdStore(dims, { initialCapacity: 2 });
          expect(store.simd).toBe(true);
          // add in uneven pieces so the memory grows several times
          let off = 0;
          for (const piece of [3, 1, 250, 100000]) {
            const rows = Math.min(piece, count - off);
            if (rows <= 0) break;
            store.add(vectors.subarray(off * dims, (off + rows) * dims));
            off += rows;
          }
          expect(store.count).toBe(count);
          expect(store.bytes).toBe(count * dims * 4);
          for (let q = 0; q < 3; q++) {
            const query = randomUnit(1, dims, 7 + q * 31 + dims);
            const got = store.search(query, k);
            const want = exactTopK(vectors, dims, count, query, k);
            expect(got.indices.length).toBe(Math.min(k, count));
            expectSame(got, want);
          }
        });
      }
    }
  }

  it('finds a stored vector as its own best match, across growth', () => {
    const dims = 384;
    const store = new SimdStore(dims, { initialCapacity: 1 });
    const all = randomUnit(5000, dims, 99);
    for (let i = 0; i < 5000; i += 500) store.add(all.subarray(i * dims, (i + 500) * dims));
    for (const i of [0, 1, 2499, 4999]) {
      const hit = store.search(all.subarray(i * dims, (i + 1) * dims), 1);
      expect(hit.indices[0]).toBe(i);
      expect(hit.scores[0]).toBeCloseTo(1, 5);
      expect(Array.from(store.row(i))).toEqual(Array.from(all.subarray(i * dims, (i + 1) * dims)));
    }
  });

  it('breaks ties by the lower index, like exactTopK', () => {
    const dims = 4;
    const v = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]);
    const store = new SimdStore(dims);
    store.add(v);
    const q = new Float32Array([1, 0, 0, 0]);
    expectSame(store.search(q, 2), exactTopK(v, dims, 5, q, 2));
    expect(Array.from(store.search(q, 3).indices)).toEqual([0, 2, 3]);
  });

  it('falls back to the JavaScript scan with the same results', () => {
    const dims = 7;
    const v = randomUnit(300, dims, 5);
    const js = new SimdStore(dims, { forceJs: true, initialCapacity: 1 });
    const simd = new SimdStore(dims);
    expect(js.simd).toBe(false);
    js.add(v.subarray(0, 100 * dims));
    js.add(v.subarray(100 * dims));
    simd.add(v);
    const q = randomUnit(1, dims, 6);
    expectSame(js.search(q, 10), exactTopK(v, dims, 300, q, 10));
    expectSame(simd.search(q, 10), js.search(q, 10));
    expect(Number.isNaN(js.touchAll())).toBe(true);
  });

  it('sums the stored bytes (the bandwidth reference reads real data)', () => {
    const dims = 16;
    const store = new SimdStore(dims);
    store.add(new Float32Array(64 * dims).fill(0.5));
    expect(store.touchAll()).toBe(64 * dims * 0.5);
  });

  it('rejects bad input', () => {
    expect(() => new SimdStore(0)).toThrow(RangeError);
    const store = new SimdStore(4);
    expect(() => store.add(new Float32Array(6))).toThrow(RangeError);
    store.add(new Float32Array(8));
    expect(() => store.search(new Float32Array(3), 1)).toThrow(RangeError);
    expect(() => store.search(new Float32Array(4), 0)).toThrow(RangeError);
    expect(() => buildScanModule({ stride: 6 })).toThrow(RangeError);
  });

  it('traps when the kernel is called with another stride', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = instantiateScan(memory, { stride: 8 });
    expect(() => k.scores(64, 1, 12, 0, 1024)).toThrow();
  });

  it('topKOfScores keeps the best k of a score array', () => {
    const s = new Float32Array([0.1, 0.9, 0.5, 0.9, -1]);
    const r = topKOfScores(s, 5, 3);
    expect(Array.from(r.indices)).toEqual([1, 3, 2]);
    expect(topKOfScores(s, 0, 3).indices.length).toBe(0);
  });

  it('splits a scan over one shared memory in ranges and merges to the exact result', () => {
    const dims = 384;
    const count = 1001;
    const v = randomUnit(count, dims, 11);
    const q = randomUnit(1, dims, 12);
    const vecPtr = 4096;
    const out0 = vecPtr + count * dims * 4;
    const out1 = out0 + 4096;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((out1 + 4096) / 65536), maximum: 1024, shared: true });
    const f32 = new Float32Array(memory.buffer);
    f32.set(q, 0);
    f32.set(v, vecPtr / 4);
    // two instances, as two workers would have
    const k0 = instantiateScan(memory, { stride: dims, shared: true });
    const k1 = instantiateScan(memory, { stride: dims, shared: true });
    const a = scanRange(k0, memory, { vecPtr, stride: dims, queryPtr: 0, outPtr: out0 }, 0, 500, 10);
    const b = scanRange(k1, memory, { vecPtr, stride: dims, queryPtr: 0, outPtr: out1 }, 500, 501, 10);
    expectSame(mergeTopK([a, b], 10), exactTopK(v, dims, count, q, 10));
    expect(mergeTopK([], 10).indices.length).toBe(0);
  });

  for (const [rows, unroll, split] of [[1, 1, 1], [2, 2, 1], [4, 4, 4], [1, 8, 2]] as const) {
    it(`kernel variant rows ${rows} unroll ${unroll} split ${split} gives the same scores`, () => {
      const dims = 96;
      const count = 37;
      const v = randomUnit(count, dims, 21);
      const q = randomUnit(1, dims, 22);
      const memory = new WebAssembly.Memory({ initial: 1 });
      const f32 = new Float32Array(memory.buffer);
      const vecPtr = 1024;
      const outPtr = vecPtr + count * dims * 4;
      f32.set(q, 0);
      f32.set(v, vecPtr / 4);
      const k = instantiateScan(memory, { stride: dims, rows, unroll, split });
      k.scores(vecPtr, count, dims, 0, outPtr);
      const got = topKOfScores(new Float32Array(memory.buffer, outPtr, count), count, 5);
      expectSame(got, exactTopK(v, dims, count, q, 5));
    });
  }
});
