import { describe, expect, it } from 'vitest';
import { abComparison, abTable, repeatability, repeatabilityTable } from '../../src/core/repeatability';
import { recordOf, sample } from './bench-fixtures';

const run = (search: number[], embed: number[]) => recordOf([...search.map((d, i) => sample('search', d, { iteration: i })), ...embed.map((d, i) => sample('embed query', d, { iteration: i }))]);

describe('repeatability across runs', () => {
  it('CV of each stage p50 across the runs, against 5% for stages over 5 ms', () => {
    const rows = repeatability([run([10, 10, 10], [1, 1, 1]), run([10.4, 10.4, 10.4], [2, 2, 2])]);
    const search = rows.find((r) => r.stage === 'search')!;
    // p50s 10 and 10.4: sd = 0.4/√2 = 0.28284, mean 10.2: CV 2.77%
    expect(search.p50s).toEqual([10, 10.4]);
    expect(search.cv).toBeCloseTo(0.28284271 / 10.2, 6);
    expect(search.status).toBe('met');
    expect(rows.find((r) => r.stage === 'embed query')!.status).toBe('short');
    const slow = repeatability([run([10], [1]), run([12], [1])]).find((r) => r.stage === 'search')!;
    expect(slow.status).toBe('not met');
    expect(repeatability([run([10], [1]), recordOf([sample('search', 10)])]).find((r) => r.stage === 'embed query')!.status).toBe('missing');
  });

  it('prints one unit per column', () => {
    const t = repeatabilityTable(repeatability([run([10, 10], [1]), run([10.4, 10.4], [2])]));
    expect(t.split('\n')[0]).toMatch(/^stage\s+phase\s+n\s+p50 run 1 \(ms\)\s+p50 run 2 \(ms\)\s+CV of p50 \(%\)\s+≤ 5% \(p50 > 5 ms\)$/);
    expect(t).toMatch(/search\s+warm\s+2\/2\s+10\.0\s+10\.4\s+2\.8\s+met/);
    expect(t).toMatch(/embed query\s+warm\s+1\/1\s+1\.00\s+2\.00\s+47\.1\s+n\/a \(≤ 5 ms\)/);
  });
});

describe('A/B pairs: one change, paired runs', () => {
  it('B ÷ A per stage is the median of the pairs\' ratios; a clear change gets an interval that excludes 1', () => {
    // embed: B twice as fast in every pair, whatever the pair's own speed (the machine drifted)
    const a = [10, 20, 12, 15, 11, 30].map((d) => run([5], [d]));
    const b = [5, 10, 6, 7.5, 5.5, 15].map((d) => run([5], [d]));
    const rows = abComparison(a, b);
    const embed = rows.find((r) => r.stage === 'embed query')!;
    expect(embed.ratio!.median).toBeCloseTo(0.5, 9);
    expect(embed.ratio!.differs).toBe(true);
    expect(embed.ratio!.ci).toMatchObject({ lo: 0.5, hi: 0.5 });
    const t = abTable(rows);
    expect(t).toMatch(/embed query\s+warm\s+6\s+13\.5\s+6\.75\s+0\.500 \[0\.500, 0\.500\]/);
  });

  it('a change the pairs cannot tell from noise reads "within noise", never a ratio', () => {
    const a = [10, 10, 10, 10, 10, 10].map((d) => run([d], [1]));
    const b = [9, 11, 9.5, 10.5, 9, 11].map((d) => run([d], [1]));
    const search = abComparison(a, b).find((r) => r.stage === 'search')!;
    expect(search.ratio!.differs).toBe(false);
    expect(abTable([search])).toMatch(/within noise \[0\.900, 1\.100\]/);
    // too few pairs for an interval: the ratio is said with its n, not as a verdict
    const two = abComparison(a.slice(0, 2), b.slice(0, 2)).find((r) => r.stage === 'search')!;
    expect(abTable([two])).toMatch(/\(no interval at n 2\)/);
    expect(() => abComparison(a, b.slice(1))).toThrow(/as many A runs as B runs/);
  });
});
