import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../../src/core/prng';
import {
  binarize,
  binaryStride,
  dequantizeInt8,
  fitInt8,
  hammingJs,
  int8DotsJs,
  int8Query,
  int8Stride,
  popcount32,
  quantizeInt8,
} from '../../src/core/quantize';
import { exactTopK, normalizeRows } from '../../src/core/topk';
import { BinaryStore, Int8Store, buildQuantModule, nearestOfSmallInts, quantSimdSupported, rescore, topKOfInts } from '../../workers/lib/quant-scan';

function randomUnit(count: number, dims: number, seed: number, bias = 0): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(count * dims);
  for (let i = 0; i < v.length; i++) v[i] = r() * 2 - 1 + bias * ((i % dims) / dims);
  normalizeRows(v, dims);
  return v;
}

/** A plain popcount: count the bits one by one. */
function plainPopcount(x: number): number {
  let n = 0;
  for (let b = 0; b < 32; b++) if ((x >>> b) & 1) n++;
  return n;
}

describe('int8 quantization (per-dimension affine)', () => {
  for (const dims of [1, 5, 256, 384]) {
    it(`round trip within scale/2 per dimension, dims ${dims}`, () => {
      const v = randomUnit(300, dims, dims, 0.5);
      const p = fitInt8(v, dims);
      const codes = quantizeInt8(v, p);
      expect(codes.length).toBe(300 * int8Stride(dims));
      for (const c of codes) expect(Math.abs(c)).toBeLessThanOrEqual(127);
      const back = dequantizeInt8(codes, p, 300);
      for (let r = 0; r < 300; r++) {
        for (let j = 0; j < dims; j++) {
          const err = Math.abs((back[r * dims + j] as number) - (v[r * dims + j] as number));
          expect(err).toBeLessThanOrEqual((p.scale[j] as number) / 2 + 1e-6);
        }
      }
    });
  }

  it('a constant dimension codes to 0 and decodes exactly; values outside the fit are clamped', () => {
    const v = new Float32Array([0.5, 1, 0.5, -1, 0.5, 0]);
    const p = fitInt8(v, 2);
    expect(p.scale[0]).toBe(0);
    const codes = quantizeInt8(v, p);
    const back = dequantizeInt8(codes, p, 3);
    expect([back[0], back[2], back[4]]).toEqual([0.5, 0.5, 0.5]);
    expect([codes[1], codes[int8Stride(2) + 1]]).toEqual([127, -127]);
    const out = quantizeInt8(new Float32Array([0.5, 5, 0.5, -5]), p);
    expect([out[1], out[int8Stride(2) + 1]]).toEqual([127, -127]);
  });

  it('the estimated cosine is within the stated bound of the exact one', () => {
    const dims = 384;
    const v = randomUnit(500, dims, 7, 0.3);
    const q = randomUnit(20, dims, 8, 0.3);
    const p = fitInt8(v, dims);
    const stride = int8Stride(dims);
    const codes = quantizeInt8(v, p);
    const halfScaleNorm = 0.5 * Math.hypot(...p.scale);
    for (let qi = 0; qi < 20; qi++) {
      const qv = q.subarray(qi * dims, (qi + 1) * dims);
      const iq = int8Query(qv, p);
      const dots = int8DotsJs(codes, stride, 500, iq.weights);
      for (let r = 0; r < 500; r++) {
        let exact = 0;
        let sumAbs = 0;
        for (let j = 0; j < dims; j++) {
          exact += (qv[j] as number) * (v[r * dims + j] as number);
          sumAbs += Math.abs(codes[r * stride + j] as number);
        }
        const estimate = iq.offset + iq.unit * (dots[r] as number);
        const bound = ((iq.unit * 127) / 254) * sumAbs + halfScaleNorm;
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(bound + 1e-5);
      }
    }
  });
});

describe('binary codes and popcount', () => {
  it('popcount32 equals a plain bit count', () => {
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const x = Math.floor(r() * 2 ** 32) >>> 0;
      expect(popcount32(x)).toBe(plainPopcount(x));
    }
    expect(popcount32(0)).toBe(0);
    expect(popcount32(0xffffffff)).toBe(32);
  });

  it('sign bits, little-endian within bytes, zero padded', () => {
    const v = new Float32Array(9).fill(-1);
    v[0] = 1;
    v[8] = 0.5;
    const b = binarize(v, 9);
    expect(b.length).toBe(binaryStride(9));
    expect(b[0]).toBe(1);
    expect(b[1]).toBe(1);
    expect(Array.from(b.subarray(2))).toEqual(new Array(14).fill(0));
  });
});

describe('SIMD kernels (workers/lib/quant-scan.ts)', () => {
  it('validate in Node, so the tests below run the wasm kernels', () => {
    expect(quantSimdSupported()).toBe(true);
    for (const s of [16, 48, 384, 1024]) {
      expect(WebAssembly.validate(buildQuantModule('int8', s))).toBe(true);
      expect(WebAssembly.validate(buildQuantModule('binary', s))).toBe(true);
    }
  });

  for (const dims of [1, 17, 256, 384, 4000]) {
    it(`Hamming equals the plain popcount, and int8 dots the plain loop, dims ${dims}`, () => {
      const count = dims > 1000 ? 40 : 700;
      const v = randomUnit(count, dims, dims + 1, 0.2);
      const q = randomUnit(1, dims, dims + 2, 0.2);
      const bin = new BinaryStore(dims, { initialCapacity: 3 });
      expect(bin.simd).toBe(true);
      bin.add(v.subarray(0, 5 * dims));
      bin.add(v.subarray(5 * dims));
      const qb = binarize(q, dims);
      const ref = new Int32Array(count);
      const codes = binarize(v, dims);
      const stride = binaryStride(dims);
      for (let r = 0; r < count; r++) {
        let d = 0;
        for (let j = 0; j < stride; j += 4) {
          const word = (i: Uint8Array, o: number) => ((i[o] as number) | ((i[o + 1] as number) << 8) | ((i[o + 2] as number) << 16) | ((i[o + 3] as number) << 24)) >>> 0;
          d += plainPopcount((word(codes, r * stride + j) ^ word(qb, j)) >>> 0);
        }
        ref[r] = d;
      }
      expect(Array.from(hammingJs(codes, stride, count, qb))).toEqual(Array.from(ref));
      const top = bin.candidates(q, count);
      const want = topKOfInts(ref, count, count, -1);
      expect(Array.from(top.indices)).toEqual(Array.from(want.indices));
      expect(Array.from(top.scores)).toEqual(Array.from(want.scores));
      const js = new BinaryStore(dims, { forceJs: true });
      js.add(v);
      expect(Array.from(js.candidates(q, 10).indices)).toEqual(Array.from(want.indices.subarray(0, 10)));

      const p = fitInt8(v, dims);
      const i8 = new Int8Store(p, { initialCapacity: 2 });
      i8.add(v.subarray(0, 3 * dims));
      i8.add(v.subarray(3 * dims));
      const iq = int8Query(q, p);
      const dots = int8DotsJs(quantizeInt8(v, p), int8Stride(dims), count, iq.weights);
      const cand = i8.candidates(q, count);
      const wantI8 = topKOfInts(dots, count, count, 1);
      expect(Array.from(cand.indices)).toEqual(Array.from(wantI8.indices));
      for (let i = 0; i < count; i++) expect(cand.scores[i]).toBeCloseTo(iq.offset + iq.unit * (wantI8.scores[i] as number), 4);
      const i8js = new Int8Store(p, { forceJs: true });
      i8js.add(v);
      expect(Array.from(i8js.candidates(q, 10).indices)).toEqual(Array.from(wantI8.indices.subarray(0, 10)));
    });
  }

  it('the counting selection of Hamming distances gives what the heap gives, ties to the lower row', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    for (const [count, max] of [[1, 8], [5, 0], [300, 4], [2000, 384], [2000, 24]] as const) {
      const d = Int32Array.from({ length: count }, () => rnd(max + 1));
      for (const k of [1, 3, 10, 200, count, count + 5]) {
        const got = nearestOfSmallInts(d, count, k, max);
        const want = topKOfInts(d, count, k, -1);
        expect(Array.from(got.indices), `count ${count} max ${max} k ${k}`).toEqual(Array.from(want.indices));
        expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
      }
    }
    expect(nearestOfSmallInts(new Int32Array(0), 0, 10, 8).indices.length).toBe(0);
    expect(() => nearestOfSmallInts(Int32Array.of(3, 9), 2, 1, 8)).toThrow(/score 9 of row 1 is outside \[0, 8\]/);
  });

  it('extreme codes do not overflow the i16 pair sum', () => {
    const dims = 32;
    const v = new Float32Array(2 * dims);
    for (let j = 0; j < dims; j++) {
      v[j] = 1;
      v[dims + j] = -1;
    }
    const p = fitInt8(v, dims);
    const s = new Int8Store(p);
    s.add(v);
    const q = new Float32Array(dims).fill(1 / Math.sqrt(dims));
    const top = s.candidates(q, 2);
    expect(Array.from(top.indices)).toEqual([0, 1]);
    expect(top.scores[0]).toBeCloseTo(Math.sqrt(dims), 3);
    expect(top.scores[1]).toBeCloseTo(-Math.sqrt(dims), 3);
  });

  it('rescoring the int8 candidates recovers the exact top 10 on random vectors', () => {
    const dims = 384;
    const count = 5000;
    const v = randomUnit(count, dims, 11);
    const s = new Int8Store(fitInt8(v, dims));
    s.add(v);
    const qs = randomUnit(20, dims, 12);
    let same = 0;
    for (let qi = 0; qi < 20; qi++) {
      const q = qs.subarray(qi * dims, (qi + 1) * dims);
      const exact = exactTopK(v, dims, count, q, 10);
      const cand = s.candidates(q, 100);
      const dot = (r: number) => {
        let d = 0;
        for (let j = 0; j < dims; j++) d += (v[r * dims + j] as number) * (q[j] as number);
        return d;
      };
      const got = rescore(cand.indices, dot, 10);
      if (Array.from(got.indices).join() === Array.from(exact.indices).join()) same++;
    }
    expect(same).toBeGreaterThanOrEqual(19);
  });
});
