import { describe, expect, it } from 'vitest';
import { consistentPart, problemLines, stageKey, summaryProblems } from '../../src/core/summary-check';
import { summaryFromRecord } from '../../src/core/share-summary';
import { compareSummaries } from '../../src/core/share-summary';
import { SUMMARY } from './share-fixtures';
import { runFake } from './bench-fixtures';

const clone = () => structuredClone(SUMMARY);

describe('summaryProblems', () => {
  it('a summary made by ragtab (the fixture, and one from a real run with its record) passes', async () => {
    expect(summaryProblems(SUMMARY)).toEqual({ stages: new Map(), throughputs: new Map(), quality: null });
    const record = (await runFake()).records[0]!;
    const s = summaryFromRecord(record);
    expect(summaryProblems(s, record)).toEqual({ stages: new Map(), throughputs: new Map(), quality: null });
  });

  it('names each inconsistency of the issue: n = 0 with a mean, p90 above p99, nDCG over 0 queries, recall@100 below recall@10', () => {
    const s = clone();
    s.stages[0] = { ...s.stages[0]!, count: 0 };
    s.stages[5] = { ...s.stages[5]!, p90: 9, p99: 5 };
    s.stages[6] = { ...s.stages[6]!, mean: 50 };
    const p = summaryProblems(s);
    expect(p.stages.get(stageKey(s.stages[0]!))).toBe('n = 0 with a mean');
    expect(p.stages.get(stageKey(s.stages[5]!))).toBe('p90 9.00 above p99 5.00');
    expect(p.stages.get(stageKey(s.stages[6]!))).toBe('mean 50.00 above max 1.20');
    expect(p.stages.size).toBe(3);
    const q0 = summaryProblems({ ...clone(), quality: { ...SUMMARY.quality!, evaluated: 0, ndcg10: 1 } });
    expect(q0.quality).toBe('scores over 0 judged queries');
    const q1 = summaryProblems({ ...clone(), quality: { ...SUMMARY.quality!, recall100: 0.5 } });
    expect(q1.quality).toBe('recall@100 0.5000 below recall@10 0.8000');
    const q2 = summaryProblems({ ...clone(), quality: { ...SUMMARY.quality!, ndcg10: 0 } });
    expect(q2.quality).toContain('disagree');
  });

  it('a summary 1000× faster than its own record is caught against the record', async () => {
    const record = (await runFake()).records[0]!;
    const s = summaryFromRecord(record);
    const fast = { ...s, stages: s.stages.map((r) => ({ ...r, mean: r.mean / 1000, p50: r.p50 === null ? null : r.p50 / 1000, p90: r.p90 === null ? null : r.p90 / 1000, p99: r.p99 === null ? null : r.p99 / 1000, min: r.min === null ? null : r.min / 1000, max: r.max === null ? null : r.max / 1000, sd: r.sd == null ? r.sd : r.sd / 1000 })) };
    const p = summaryProblems(fast, record);
    expect(p.stages.size).toBe(s.stages.filter((r) => r.mean > 0).length);
    expect([...p.stages.values()][0]).toMatch(/^the record the link carries gives n \d+, mean .* ms \(the summary says n \d+, mean .* ms\)$/);
  });

  it('what is inconsistent is left out of the comparison, with a line saying so', () => {
    const s = clone();
    s.stages[5] = { ...s.stages[5]!, p90: 9, p99: 5 };
    const p = summaryProblems(s);
    const usable = consistentPart(s, p);
    const c = compareSummaries(usable, SUMMARY);
    const row = c.stages.find((r) => r.label === s.stages[5]!.stage && r.phase === 'warm')!;
    expect(row.theirs).toBeNull();
    expect(row.ratio).toBeNull();
    expect(problemLines(s, p)).toEqual(['Their "embed query" (warm) is inconsistent (p90 9.00 above p99 5.00): left out of the comparison.']);
  });
});
