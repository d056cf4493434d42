import { describe, expect, it } from 'vitest';
import {
  binomialHalfCdf,
  bootstrapMedianDifference,
  calibrationDrift,
  medianWithInterval,
  noiseVerdict,
  orderStatisticInterval,
  pairedDifference,
  pairedRatio,
  unpairedDifference,
} from '../../src/core/robust-stats';
import { comparability, pairedComparison, pathologiesOf } from '../../src/core/comparability';
import { MINUS, decimalsFor, meanPlusMinus, difference, fixed, medianInterval, medianText, metricChange, percentChange, quantity, ratio, signed } from '../../src/core/figure-format';
import { compareMoments } from '../../src/core/compare';
import { mulberry32 } from '../../src/core/prng';

/** n samples around `center` with a long right tail (timing-like), seeded. */
function timings(n: number, center: number, spread: number, seed: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => center + spread * (r() - 0.5) + (r() < 0.1 ? spread * 4 * r() : 0));
}

describe('order-statistic interval of the median', () => {
  it('binomial(n, ½) cdf', () => {
    expect(binomialHalfCdf(10, 1)).toBeCloseTo(11 / 1024, 15); // (1 + 10) / 2^10
    expect(binomialHalfCdf(10, 2)).toBeCloseTo(56 / 1024, 15); // + 45
    expect(binomialHalfCdf(10, 10)).toBe(1);
    expect(binomialHalfCdf(10, -1)).toBe(0);
    expect(binomialHalfCdf(4000, 1999)).toBeGreaterThan(0.48); // log space: no underflow at 2^-4000
  });

  it('matches the standard table: ranks 2 and 9 of 10, 6 and 15 of 20; none below 6 samples at 95%', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(orderStatisticInterval(ten)).toEqual({ lo: 2, hi: 9, coverage: 1 - (2 * 11) / 1024 });
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    const c20 = orderStatisticInterval(twenty)!;
    expect([c20.lo, c20.hi]).toEqual([6, 15]);
    expect(c20.coverage).toBeGreaterThanOrEqual(0.95);
    expect(orderStatisticInterval([1, 2, 3, 4, 5])).toBeNull(); // min–max covers 93.75%
    expect(orderStatisticInterval([1, 2, 3, 4, 5, 6])).toEqual({ lo: 1, hi: 6, coverage: 1 - 2 / 64 });
    expect(orderStatisticInterval([1, 2, 3, 4, 5], 0.9)).toEqual({ lo: 1, hi: 5, coverage: 1 - 2 / 32 });
  });

  it('median with interval; refuses non-finite samples', () => {
    const m = medianWithInterval([5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
    expect(m.median).toBe(5.5);
    expect(m.ci).toMatchObject({ lo: 2, hi: 9 });
    expect(() => medianWithInterval([1, NaN])).toThrow(/finite/);
  });
});

describe('differences that refuse to over-claim', () => {
  it('a synthetic noisy pair gives "below resolution", never a negative value', () => {
    // Same distribution on both sides; b happens to have the larger median.
    const a = timings(20, 10, 4, 1);
    const b = timings(20, 10, 4, 2);
    const d = unpairedDifference(a, b);
    expect(d.kind).toBe('below-resolution');
    const text = difference(d, 'ms');
    expect(text).toMatch(/^below resolution \(n 20, 95% CI /);
    expect(text.startsWith(MINUS)).toBe(false);
    expect(text).not.toMatch(/^-/);
    const p = pairedDifference(a, b);
    expect(p.kind).toBe('below-resolution');
    expect(difference(p, 'ms')).toMatch(/^below resolution/);
  });

  it('a real difference is a value with an interval that excludes 0', () => {
    const a = timings(20, 15, 2, 3);
    const b = timings(20, 10, 2, 4);
    const d = unpairedDifference(a, b);
    expect(d.kind).toBe('value');
    if (d.kind !== 'value') return;
    expect(d.estimate).toBeGreaterThan(3);
    expect(d.ci.lo).toBeGreaterThan(0);
    expect(difference(d, 'ms')).toMatch(/^\+\d+(\.\d+)? ms \(95% CI \d/);
    // the same samples always give the same interval (seeded bootstrap)
    expect(bootstrapMedianDifference(a, b)).toEqual(bootstrapMedianDifference(a, b));
  });

  it('an estimate under the timer resolution is below resolution, whatever its interval', () => {
    const a = Array.from({ length: 12 }, (_, i) => 1.003 + i * 1e-6);
    const b = Array.from({ length: 12 }, (_, i) => 1.0 + i * 1e-6);
    expect(pairedDifference(a, b).kind).toBe('value');
    const d = pairedDifference(a, b, { resolution: 0.1 });
    expect(d).toMatchObject({ kind: 'below-resolution', reason: 'under the timer resolution (0.1)' });
  });

  it('too few samples: below resolution with no interval', () => {
    expect(unpairedDifference([1, 2, 3], [4, 5, 6])).toMatchObject({ kind: 'below-resolution', ci: null });
    expect(difference(pairedDifference([1, 2], [3, 4]), 'ms')).toBe('below resolution (n 2: too few samples for an interval)');
  });
});

describe('paired ratios', () => {
  it('median of per-pair ratios, and whether its interval excludes 1', () => {
    const b = timings(12, 10, 3, 5);
    const a = b.map((x, i) => 2 * x * (1 + (i % 3) * 0.01));
    const r = pairedRatio(a, b);
    expect(r.median).toBeGreaterThan(2);
    expect(r.median).toBeLessThan(2.03);
    expect(r.differs).toBe(true);
    const same = pairedRatio(b.map((x, i) => x * (i % 2 ? 1.02 : 0.98)), b);
    expect(same.differs).toBe(false);
    expect(() => pairedRatio([1], [0])).toThrow(/non-zero/);
    expect(() => pairedRatio([1, 2], [1])).toThrow(/same count/);
  });
});

describe('noise and calibration', () => {
  it('marks a figure noisy above the CV threshold, with the load average', () => {
    const v = noiseVerdict([10, 20, 10, 30, 12], { kind: 'load', loadavg: [2.5, 1.2, 0.8], cores: 2 });
    expect(v.noisy).toBe(true);
    expect(v.note).toMatch(/^noisy: CV \d+\.\d% \(threshold 10%, n 5\); load average 2\.50 \/ 1\.20 \/ 0\.80 on 2 core\(s\)$/);
    expect(noiseVerdict([10, 10.1, 9.9, 10]).noisy).toBe(false);
    expect(noiseVerdict([10]).note).toMatch(/CV unknown/);
  });

  it('calibration drift: none when the machine kept its speed, +20% when it slowed down', () => {
    const before = timings(15, 2, 0.05, 6);
    const same = calibrationDrift(before, timings(15, 2, 0.05, 7));
    expect(same.drifted).toBe(false);
    const slower = calibrationDrift(before, timings(15, 2.4, 0.05, 8));
    expect(slower.drifted).toBe(true);
    expect(slower.drift).toBeGreaterThan(0.15);
    expect(slower.note).toMatch(/^calibration drift \+\d+\.\d%: the machine's speed changed \(95% CI \+\d/);
    const slightly = calibrationDrift(before, before.map((x) => x * 1.02));
    expect(slightly.drifted).toBe(false);
    expect(slightly.note).toMatch(/^calibration drift \+2\.0%, under the 5% threshold/);
    expect(calibrationDrift(before, [...before].reverse()).note).toMatch(/^calibration drift within noise \(95% CI /);
    expect(noiseVerdict([1, 2, 3], { kind: 'drift', drift: slower }).note).toContain('calibration drift +');
  });
});

describe('comparability', () => {
  const cfg = { model: 'm', threads: 1 };
  it('a different configuration is not comparable, and gets no ratio', () => {
    const c = comparability({ label: 'browser', config: cfg }, { label: 'native', config: { ...cfg, threads: 2 } });
    expect(c).toMatchObject({ comparable: false, differences: ['threads: 1 (browser) vs 2 (native)'] });
    const claim = pairedComparison({ label: 'browser', config: cfg, samples: [1, 2] }, { label: 'native', config: { ...cfg, threads: 2 }, samples: [1, 2] });
    expect(claim.kind).toBe('not-comparable');
    expect(ratio(claim)).toBe('not comparable: different configuration: threads: 1 (browser) vs 2 (native)');
  });

  it('native 2-thread generation on a 2-core VM is a known pathology, with its evidence', () => {
    const native = { label: 'native', config: { threads: 2 }, facts: { engine: 'llama.cpp (native)', task: 'llm-generation' as const, threads: 2, logicalCores: 2, rate: 13, rateOneThread: 96.9 } };
    const p = pathologiesOf(native);
    expect(p.map((x) => x.rule)).toEqual(['threads-slower-than-one', 'native-llama-all-cores-2core-vm']);
    expect(p[0]!.evidence).toBe('2 threads on 2 logical cores ran at 13.0 vs 96.9 with 1 thread (0.13×)');
    const claim = pairedComparison({ label: 'browser', config: { threads: 2 }, samples: [20, 21] }, { ...native, samples: [13, 14] });
    expect(claim.kind).toBe('not-comparable');
    // one thread, or 4 cores: no pathology
    expect(pathologiesOf({ ...native, facts: { ...native.facts, threads: 1, rate: 96.9 } })).toEqual([]);
    expect(pathologiesOf({ ...native, facts: { ...native.facts, logicalCores: 8, rate: 150 } })).toEqual([]);
  });

  it('a comparable pair gets a ratio with its interval', () => {
    const b = timings(10, 10, 1, 9);
    const claim = pairedComparison({ label: 'browser', config: cfg, samples: b.map((x) => x * 3) }, { label: 'native', config: cfg, samples: b });
    expect(claim.kind).toBe('ratio');
    expect(ratio(claim)).toMatch(/^3\.0+× \(97\.9% CI 3\.0+ to 3\.0+×, n 10\)$/);
  });
});

describe('figure formatting', () => {
  it('a mean and its interval in one unit, with the digits the interval allows', () => {
    // the report once wrote "28.2 s ± 8,517.45": the mean in seconds, the interval in milliseconds
    expect(meanPlusMinus(28_200, [28_200 - 8_517.45, 28_200 + 8_517.45])).toBe('28.2 ± 8.5 s');
    expect(meanPlusMinus(12.34, [12.0, 12.68])).toBe('12.3 ± 0.3 ms');
    expect(meanPlusMinus(0.4567, null)).toBe('0.457 ms');
    expect(meanPlusMinus(null)).toBe('—');
  });
  it('never a negative zero', () => {
    expect(fixed(-0.00001, 1)).toBe('0.0');
    expect(fixed(-0, 0)).toBe('0');
    expect(percentChange(-0.00004)).toBe('0.0%');
    expect(percentChange(-0.123)).toBe(`${MINUS}12.3%`);
    expect(percentChange(0.05)).toBe('+5.0%');
    expect(signed(-0.04, 'ms', 1)).toBe('0.0 ms');
  });

  it('never more digits than the resolution, the interval or three significant digits allow', () => {
    expect(decimalsFor(12.345678, { resolution: 0.005 })).toBe(1); // 3 significant digits
    expect(decimalsFor(0.123456, { resolution: 0.1 })).toBe(1); // the 100 µs timer of a non-isolated page
    expect(decimalsFor(0.123456, { resolution: 0.005 })).toBe(3);
    expect(decimalsFor(1.23456, { uncertainty: 0.37 })).toBe(2);
    expect(decimalsFor(1234.5, {})).toBe(0);
    expect(quantity(0.123456, 'ms', { resolution: 0.1 })).toBe('0.1 ms');
    expect(quantity(null, 'ms')).toBe('—');
    expect(quantity(0.5, '%')).toBe('0.500%');
  });
});

describe('medians and changes as text', () => {
  it("a median's interval: from the order statistics, in the median's digits; none below 6 samples", () => {
    const m = medianWithInterval([10.1, 10.4, 9.8, 10.0, 10.2, 10.3, 9.9, 10.6, 10.05, 10.15]);
    expect(medianInterval(m)).toBe('9.9 to 10.4');
    expect(medianText(m, 'ms')).toMatch(/^10\.1 ms \(97\.9% CI 9\.9 to 10\.4 ms, n 10\)$/);
    expect(medianInterval(medianWithInterval([1, 2, 3]))).toBe('n 3: none');
    expect(medianText(medianWithInterval([1, 2, 3]), 'ms')).toBe('2.00 ms (n 3: too few samples for an interval)');
    expect(medianInterval(medianWithInterval([]))).toBe('—');
  });

  it("a change against a baseline is a value only beyond both runs' noise, never a sign the noise could flip", () => {
    const base = { count: 10, mean: 100, sd: 10 };
    const within = compareMoments({ name: 'x', kind: 'latency', unit: 'ms', baseline: base, current: { count: 10, mean: 96, sd: 10 } });
    expect(within.changeCiPct![0]).toBeLessThan(0);
    expect(within.changeCiPct![1]).toBeGreaterThan(0);
    expect(metricChange(within)).toMatch(/^below resolution \(n 10 vs 10, 95% CI −1\d(\.\d)? to \+\d(\.\d)?%\)$/);
    const slower = compareMoments({ name: 'x', kind: 'latency', unit: 'ms', baseline: base, current: { count: 10, mean: 150, sd: 10 } });
    expect(metricChange(slower)).toMatch(/^\+50(\.0)?% \(95% CI \+4\d(\.\d)? to \+5\d(\.\d)?%\)$/);
    const single = compareMoments({ name: 'x', kind: 'latency', unit: 'ms', baseline: { count: 1, mean: 100, sd: null }, current: { count: 1, mean: 50, sd: null } });
    expect(metricChange(single)).toBe('below resolution (n 1 vs 1, noise unknown: a run without spread)');
  });
});
