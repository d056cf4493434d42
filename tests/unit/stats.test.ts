import { describe, expect, it } from 'vitest';
import { ci95HalfWidth, percentile, summarize, tCritical95, throughput } from '../../src/core/stats';

describe('summarize', () => {
  it('1..10', () => {
    const s = summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.count).toBe(10);
    expect(s.mean).toBe(5.5); // 55 / 10
    // Σ(x − 5.5)² = 2·(0.25 + 2.25 + 6.25 + 12.25 + 20.25) = 82.5; sd = √(82.5 / 9) = 3.0276504
    expect(s.sd).toBeCloseTo(3.0276503540974917, 12);
    expect(s.min).toBe(1);
    expect(s.max).toBe(10);
    // NumPy: percentile(1..10, [50, 90, 99]) = [5.5, 9.1, 9.91]
    expect(s.p50).toBeCloseTo(5.5, 12);
    expect(s.p90).toBeCloseTo(9.1, 12);
    expect(s.p99).toBeCloseTo(9.91, 12);
    // half-width = t(9) · sd/√10 = 2.2622 · 0.95742711 = 2.16589161 → [3.33410839, 7.66589161]
    // (SciPy's exact t gives [3.334149, 7.665851]: the 4-decimal table agrees to 1e-4)
    expect(s.ci95?.[0]).toBeCloseTo(3.33410839, 7);
    expect(s.ci95?.[1]).toBeCloseTo(7.66589161, 7);
    expect(s.ci95?.[0]).toBeCloseTo(3.334149410331831, 4);
    // cv = 3.0276504 / 5.5 = 0.5504819
    expect(s.cv).toBeCloseTo(0.5504818825631803, 12);
    expect(ci95HalfWidth(s)).toBeCloseTo(2.16589161, 7);
  });

  it('is independent of input order', () => {
    expect(summarize([10, 3, 7, 1, 9, 2, 8, 4, 6, 5])).toEqual(summarize([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  });

  it('empty input: count 0, every other field null (never 0 or NaN)', () => {
    expect(summarize([])).toEqual({
      count: 0, mean: null, sd: null, min: null, p50: null, p90: null, p99: null, max: null, ci95: null, cv: null,
    });
  });

  it('a single value: no sd, interval or cv', () => {
    expect(summarize([42])).toEqual({
      count: 1, mean: 42, sd: null, min: 42, p50: 42, p90: 42, p99: 42, max: 42, ci95: null, cv: null,
    });
  });

  it('two values: df 1, t = 12.7062', () => {
    const s = summarize([4, 8]);
    expect(s.mean).toBe(6);
    // sd = √((4 + 4) / 1) = 2.8284271; se = sd/√2 = 2; half-width = 12.7062 · 2 = 25.4124
    expect(s.sd).toBeCloseTo(Math.SQRT2 * 2, 12);
    expect(s.ci95?.[0]).toBeCloseTo(6 - 25.4124, 9);
    expect(s.ci95?.[1]).toBeCloseTo(6 + 25.4124, 9);
    // NumPy: percentile([4, 8], [50, 90, 99]) = [6.0, 7.6, 7.96]
    expect([s.p50, s.p90, s.p99].map((x) => Number(x?.toFixed(10)))).toEqual([6, 7.6, 7.96]);
    expect(s.cv).toBeCloseTo(2.8284271247461903 / 6, 12);
  });

  it('all equal: sd 0, a zero-width interval, cv 0', () => {
    const s = summarize([7, 7, 7, 7]);
    expect(s).toEqual({ count: 4, mean: 7, sd: 0, min: 7, p50: 7, p90: 7, p99: 7, max: 7, ci95: [7, 7], cv: 0 });
  });

  it('mean 0: cv is null', () => {
    const s = summarize([-1, 1]);
    expect(s.mean).toBe(0);
    expect(s.cv).toBeNull();
    expect(s.sd).toBeCloseTo(Math.SQRT2, 12);
  });

  it('uses 1.96 beyond 30 degrees of freedom', () => {
    const xs = Array.from({ length: 40 }, (_, i) => i + 1);
    const s = summarize(xs);
    // sd(1..40) = 11.6904519; se = sd/√40 = 1.8484228; half-width = 1.96 · se = 3.6229086
    expect(s.sd).toBeCloseTo(11.69045194450012, 10);
    expect(s.ci95?.[0]).toBeCloseTo(20.5 - 3.6229086, 6);
    expect(s.ci95?.[1]).toBeCloseTo(20.5 + 3.6229086, 6);
    // NumPy: percentile(1..40, [50, 90, 99]) = [20.5, 36.1, 39.61]
    expect(s.p90).toBeCloseTo(36.1, 10);
    expect(s.p99).toBeCloseTo(39.61, 10);
  });

  it('rejects non-finite samples', () => {
    expect(() => summarize([1, Number.NaN])).toThrow(/finite/);
    expect(() => summarize([Infinity])).toThrow(/finite/);
  });

  it('stays accurate for large offsets (two-pass variance)', () => {
    // 1e9 + [1, 2, 3]: sd = 1 exactly; a one-pass Σx² − n·mean² loses it in float64
    expect(summarize([1e9 + 1, 1e9 + 2, 1e9 + 3]).sd).toBeCloseTo(1, 9);
  });
});

describe('percentile (R-7, NumPy default)', () => {
  it('matches NumPy on uneven data', () => {
    // NumPy: percentile([15, 20, 35, 40, 50], [50, 90, 99]) = [35.0, 46.0, 49.6]
    // 90th: h = 4·0.9 = 3.6 → 40 + 0.6·(50 − 40) = 46
    expect(percentile([15, 20, 35, 40, 50], 0.5)).toBe(35);
    expect(percentile([15, 20, 35, 40, 50], 0.9)).toBeCloseTo(46, 12);
    expect(percentile([15, 20, 35, 40, 50], 0.99)).toBeCloseTo(49.6, 12);
    // NumPy: percentile([3.2, 1.0, 7.5, 2.2], [50, 90, 99]) = [2.7, 6.21, 7.371]
    // sorted 1.0 2.2 3.2 7.5; 90th: h = 3·0.9 = 2.7 → 3.2 + 0.7·4.3 = 6.21
    expect(percentile([3.2, 1.0, 7.5, 2.2], 0.5)).toBeCloseTo(2.7, 12);
    expect(percentile([3.2, 1.0, 7.5, 2.2], 0.9)).toBeCloseTo(6.21, 12);
    expect(percentile([3.2, 1.0, 7.5, 2.2], 0.99)).toBeCloseTo(7.371, 12);
    expect(percentile([3.2, 1.0, 7.5, 2.2], 0)).toBe(1);
    expect(percentile([3.2, 1.0, 7.5, 2.2], 1)).toBe(7.5);
  });

  it('rejects an empty sample and p outside [0, 1]', () => {
    expect(() => percentile([], 0.5)).toThrow();
    expect(() => percentile([1], 50)).toThrow(/\[0, 1\]/);
  });
});

describe('tCritical95', () => {
  it('table for df 1..30, 1.96 beyond, fractional df rounded down', () => {
    expect(tCritical95(1)).toBe(12.7062);
    expect(tCritical95(2)).toBe(4.3027);
    expect(tCritical95(9)).toBe(2.2622);
    expect(tCritical95(30)).toBe(2.0423);
    expect(tCritical95(31)).toBe(1.96);
    expect(tCritical95(1000)).toBe(1.96);
    expect(tCritical95(4.9)).toBe(2.7764); // df 4
    expect(() => tCritical95(0)).toThrow();
    expect(() => tCritical95(Number.NaN)).toThrow();
  });

  it('decreases with df', () => {
    for (let df = 1; df < 31; df++) expect(tCritical95(df)).toBeGreaterThan(tCritical95(df + 1));
  });
});

describe('throughput', () => {
  it('units per second, null when ms ≤ 0', () => {
    expect(throughput(500, 250)).toBe(2000); // 500 / 0.25 s
    expect(throughput(0, 10)).toBe(0);
    expect(throughput(10, 0)).toBeNull();
    expect(throughput(10, -5)).toBeNull();
    expect(throughput(10, Number.NaN)).toBeNull();
  });
});
