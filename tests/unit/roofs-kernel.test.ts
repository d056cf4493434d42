import { describe, expect, it } from 'vitest';
import { CALIBRATION_MATMUL, ROOF_MATMUL, buildMatmulModule, matmul, matmulBytes, matmulMemory, measureBandwidth, roofsApi, runMatmulFor, timeCalibration, timerResolution } from '../../workers/lib/roofs';

/** C = A·B in plain JavaScript (f64 accumulation). */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    c[i * n + j] = s;
  }
  return c;
}

describe('the SIMD matrix multiply of the throughput roof', () => {
  for (const shape of [{ m: 4, n: 8, k: 1 }, { m: 8, n: 16, k: 12 }, CALIBRATION_MATMUL, ROOF_MATMUL]) {
    it(`computes A·B exactly enough (${shape.m}×${shape.k} · ${shape.k}×${shape.n})`, () => {
      expect(WebAssembly.validate(buildMatmulModule(shape))).toBe(true);
      const mem = matmulMemory(shape);
      const mm = matmul(shape, mem, 0);
      const f32 = new Float32Array(mem.buffer);
      const a = f32.slice(mm.a >> 2, (mm.a >> 2) + shape.m * shape.k);
      const b = f32.slice(mm.b >> 2, (mm.b >> 2) + shape.k * shape.n);
      mm.run();
      const want = reference(a, b, shape.m, shape.n, shape.k);
      const got = mm.result();
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
      expect(got.some((x) => x !== 0)).toBe(true);
      expect(mm.flopsPerCall).toBe(2 * shape.m * shape.n * shape.k);
    });
  }

  it('runs at an offset inside a shared memory', () => {
    const pages = 2 * Math.ceil(matmulBytes(ROOF_MATMUL) / 65536);
    const mem = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const second = matmul(ROOF_MATMUL, mem, Math.ceil(matmulBytes(ROOF_MATMUL) / 65536) * 65536, true);
    second.run();
    expect(second.result()[0]).toBeCloseTo(reference(new Float32Array(mem.buffer, second.a, 256), new Float32Array(mem.buffer, second.b, 256 * 64), 1, 64, 256)[0]!, 5);
  });

  it('refuses shapes it cannot block', () => {
    expect(() => buildMatmulModule({ n: 12, k: 4 })).toThrow(/multiple of 8/);
    expect(() => matmul({ m: 6, n: 8, k: 4 }, matmulMemory({ m: 8, n: 8, k: 4 }))).toThrow(/multiple of 4/);
    expect(() => matmul(ROOF_MATMUL, new WebAssembly.Memory({ initial: 1 }))).toThrow(/needs/);
  });
});

describe('measurements (Node: they finish and give positive, finite figures)', () => {
  it('throughput, bandwidth, timer, calibration', () => {
    const t = runMatmulFor(matmul(ROOF_MATMUL, matmulMemory(ROOF_MATMUL)), 20, 5);
    expect(t.calls).toBeGreaterThan(0);
    expect(t.gflops).toBeGreaterThan(0);
    expect(t.flops).toBe(t.calls * 2 * 64 * 64 * 256);
    const bw = measureBandwidth({ bytes: 8 << 20, reps: 2 });
    expect(bw.repsMs).toHaveLength(2);
    expect(bw.bestGBps).toBeGreaterThanOrEqual(bw.medianGBps);
    expect(bw.bestGBps).toBeGreaterThan(0);
    expect(timerResolution(20)).toBeGreaterThan(0);
    const cal = timeCalibration(3, 4);
    expect(cal).toHaveLength(3);
    expect(cal.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
    expect(roofsApi.simd()).toBe(true);
  });
});
