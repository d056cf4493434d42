import { describe, expect, it } from 'vitest';
import { compareMetric, compareMoments, compareRuns, welchTest, type MetricSamples } from '../../src/core/compare';
import { summarize } from '../../src/core/stats';

const latency = (baseline: number[], current: number[], name = 'query'): MetricSamples => ({
  name, kind: 'latency', unit: 'ms', baseline, current,
});

describe('compareMetric', () => {
  it('a big latency regression', () => {
    // baseline mean 100, current mean 150 → +50%, ratio 1.5
    // sd of each = √((0 + 4 + 4 + 1 + 1) / 4) = √2.5 = 1.5811388
    // se = √(2.5/5 + 2.5/5) = 1; t = 50 / 1 = 50; df = (0.5 + 0.5)² / (0.25/4 + 0.25/4) = 8
    // (SciPy ttest_ind(equal_var=False): t = 50.0, df = 8.0); t(8) = 2.306 → significant
    // noise: half-width = 2.7764 · 1.5811388 / √5 = 1.9632 → 1.9632/100 = 1.963%, 1.9632/150 = 1.309%
    const r = compareMetric(latency([100, 102, 98, 101, 99], [150, 152, 148, 151, 149]));
    expect(r.baselineMean).toBe(100);
    expect(r.currentMean).toBe(150);
    expect(r.ratio).toBeCloseTo(1.5, 12);
    expect(r.changePct).toBeCloseTo(50, 10);
    expect(r.test?.t).toBeCloseTo(50, 10);
    expect(r.test?.df).toBeCloseTo(8, 10);
    expect(r.test?.tCritical).toBe(2.306);
    expect(r.noisePct).toBeCloseTo(1.9632, 3);
    expect(r.verdict).toBe('regression');
    expect(r.reason).toMatch(/latency rose 50\.0%/);
  });

  it('equal runs are unchanged', () => {
    const r = compareMetric(latency([100, 102, 98], [100, 102, 98]));
    expect(r.changePct).toBe(0);
    expect(r.ratio).toBe(1);
    expect(r.test?.t).toBe(0);
    expect(r.verdict).toBe('unchanged');
  });

  it('a change beyond the threshold but within the noise', () => {
    // baseline mean 100, current mean 115 → +15% > 10%, but
    // sd of each = √((0 + 1600 + 1600 + 400 + 400) / 4) = √1000 = 31.6228
    // se = √(1000/5 + 1000/5) = 20; t = 15 / 20 = 0.75; df 8 → needs |t| > 2.306 → not significant
    // (SciPy: t = 0.75, df = 8, p = 0.47)
    // noise: half-width = 2.7764 · 31.6228 / √5 = 39.264 → /100 = 39.26%
    const r = compareMetric(latency([100, 140, 60, 120, 80], [115, 155, 75, 135, 95]));
    expect(r.changePct).toBeCloseTo(15, 10);
    expect(r.test?.t).toBeCloseTo(0.75, 10);
    expect(r.test?.significant).toBe(false);
    expect(r.noisePct).toBeCloseTo(39.264, 2);
    expect(r.verdict).toBe('within-noise');
  });

  it('a significant change below the threshold is unchanged', () => {
    // +5% latency, clearly significant, but ≤ 10%
    const r = compareMetric(latency([100, 100.1, 99.9], [105, 105.1, 104.9]));
    expect(r.test?.significant).toBe(true);
    expect(r.changePct).toBeCloseTo(5, 8);
    expect(r.verdict).toBe('unchanged');
  });

  it('exactly the threshold is not over it', () => {
    // 100 → 110 is +10%, which does not "rise more than 10%"
    expect(compareMetric(latency([100, 100], [110, 110])).verdict).toBe('unchanged');
    expect(compareMetric(latency([100, 100], [110.5, 110.5])).verdict).toBe('regression');
  });

  it('throughput: a drop regresses, a rise improves', () => {
    // 1000 → 800 docs/s = −20%; sd 10 each, se = √(100/3 · 2) = 8.165, t = −200/8.165 = −24.49, df 4
    const drop = compareMetric({ name: 'embed', kind: 'throughput', unit: 'docs/s', baseline: [1000, 1010, 990], current: [800, 810, 790] });
    expect(drop.changePct).toBeCloseTo(-20, 10);
    expect(drop.test?.t).toBeCloseTo(-24.4949, 3);
    expect(drop.test?.df).toBeCloseTo(4, 10);
    expect(drop.verdict).toBe('regression');
    const rise = compareMetric({ name: 'embed', kind: 'throughput', unit: 'docs/s', baseline: [800, 810, 790], current: [1000, 1010, 990] });
    expect(rise.changePct).toBeCloseTo(25, 10); // 200 / 800
    expect(rise.verdict).toBe('improvement');
  });

  it('latency: a fall improves', () => {
    expect(compareMetric(latency([150, 152, 148], [100, 102, 98])).verdict).toBe('improvement');
  });

  it('unequal variances and sizes: Welch–Satterthwaite df', () => {
    // baseline 10..13: mean 11.5, var 5/3, var/n = 0.4166667
    // current 14..24 step 2: mean 19, var 14, var/n = 2.3333333
    // se² = 2.75; t = 7.5/√2.75 = 4.5226702; df = 2.75² / (0.4166667²/3 + 2.3333333²/5)
    //   = 7.5625 / (0.0578704 + 1.0888889) = 6.5946710 → t(6) = 2.4469
    // (SciPy: t = 4.522670, df = 6.594671)
    const w = welchTest(summarize([10, 11, 12, 13]), summarize([14, 16, 18, 20, 22, 24]));
    expect(w.t).toBeCloseTo(4.5226702, 6);
    expect(w.df).toBeCloseTo(6.594671, 5);
    expect(w.tCritical).toBe(2.4469);
    expect(w.significant).toBe(true);
    expect(() => welchTest(summarize([1]), summarize([1, 2]))).toThrow();
  });

  it('zero variance on both sides: any difference is beyond the noise', () => {
    // 10 → 12 ms = +20%, no spread at all
    const r = compareMetric(latency([10, 10, 10], [12, 12, 12]));
    expect(r.test).toEqual({ t: Infinity, df: null, tCritical: null, significant: true });
    expect(r.noisePct).toBe(0);
    expect(r.verdict).toBe('regression');
  });

  it('quality: a drop of more than 5% regresses, single samples judged on the threshold', () => {
    // nDCG 0.65 → 0.60: −7.69% > 5%
    const q = (current: number): MetricSamples => ({ name: 'nDCG@10', kind: 'quality', unit: '', baseline: [0.65], current: [current] });
    const r = compareMetric(q(0.6));
    expect(r.changePct).toBeCloseTo(-7.6923, 3);
    expect(r.noisePct).toBeNull();
    expect(r.test).toBeNull();
    expect(r.verdict).toBe('regression');
    // 0.65 → 0.63: −3.08% ≤ 5%
    expect(compareMetric(q(0.63)).verdict).toBe('unchanged');
    // with unknown noise refused, the same drop is within noise
    expect(compareMetric(q(0.6), { unknownNoise: 'within-noise' }).verdict).toBe('within-noise');
  });

  it('thresholds are configurable', () => {
    // +50% latency is unchanged under a 60% threshold; quality −3% regresses under a 2% one
    expect(compareMetric(latency([100, 102, 98], [150, 152, 148]), { thresholds: { latency: 0.6 } }).verdict).toBe('unchanged');
    const q: MetricSamples = { name: 'recall@100', kind: 'quality', unit: '', baseline: [0.8], current: [0.776] };
    expect(compareMetric(q).verdict).toBe('unchanged');
    expect(compareMetric(q, { thresholds: { quality: 0.02 } }).verdict).toBe('regression');
    expect(() => compareMetric(q, { thresholds: { quality: -1 } })).toThrow();
  });

  it('a zero baseline: no ratio or percentage, and any change is over the threshold', () => {
    const r = compareMetric({ name: 'x', kind: 'throughput', unit: '/s', baseline: [0, 0], current: [5, 5] });
    expect(r.ratio).toBeNull();
    expect(r.changePct).toBeNull();
    expect(r.verdict).toBe('improvement');
  });

  it('rejects empty samples', () => {
    expect(() => compareMetric(latency([], [1]))).toThrow(/at least one sample/);
  });
});

describe('compareRuns', () => {
  it('regression overall when any metric regressed', () => {
    const r = compareRuns([
      latency([100, 102, 98], [100, 101, 99], 'search'), // unchanged
      latency([100, 102, 98, 101, 99], [150, 152, 148, 151, 149], 'embed query'), // regression
      { name: 'ingest', kind: 'throughput', unit: 'docs/s', baseline: [800, 810, 790], current: [1000, 1010, 990] }, // improvement
    ]);
    expect(r.metrics.map((m) => m.verdict)).toEqual(['unchanged', 'regression', 'improvement']);
    expect(r.verdict).toBe('regression');
    expect(r.regressions).toEqual(['embed query']);
    expect(r.improvements).toEqual(['ingest']);
  });

  it('equal runs: unchanged overall; only noise: within-noise; only gains: improvement', () => {
    const same = [100, 102, 98];
    expect(compareRuns([latency(same, same), latency(same, same, 'b')]).verdict).toBe('unchanged');
    expect(compareRuns([latency(same, same), latency([100, 140, 60, 120, 80], [115, 155, 75, 135, 95], 'b')]).verdict).toBe(
      'within-noise',
    );
    expect(compareRuns([latency(same, same), latency([150, 152, 148], same, 'b')]).verdict).toBe('improvement');
    expect(compareRuns([]).verdict).toBe('unchanged');
  });
});

describe('compareMoments (a summary: count, mean, sd)', () => {
  it('judges like compareMetric from the same samples', () => {
    const m = latency([100, 102, 98, 101, 99], [150, 152, 148, 151, 149]);
    const fromMoments = compareMoments({ name: m.name, kind: m.kind, unit: m.unit, baseline: summarize(m.baseline), current: summarize(m.current) });
    expect(fromMoments).toEqual(compareMetric(m));
  });

  it('no recorded spread: noise unknown, within noise when asked, never a regression', () => {
    const r = compareMoments(
      { name: 'embed', kind: 'latency', unit: 'ms', baseline: { count: 20, mean: 100, sd: null }, current: { count: 20, mean: 150, sd: 3 } },
      { unknownNoise: 'within-noise' },
    );
    expect(r.verdict).toBe('within-noise');
    expect(r.test).toBeNull();
    expect(r.reason).toBe('latency rose 50.0% (threshold 10%), but a run has no recorded spread, so its noise is unknown');
    const one = compareMoments({ name: 'x', kind: 'latency', unit: 'ms', baseline: { count: 1, mean: 100, sd: null }, current: { count: 5, mean: 150, sd: 3 } }, { unknownNoise: 'within-noise' });
    expect(one.reason).toContain('a run has a single sample (n 1 and 5)');
  });
});
