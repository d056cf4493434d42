import { describe, expect, it } from 'vitest';
import { repeatability, repeatabilityTable } from '../../src/core/repeatability';
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
