import { describe, expect, it } from 'vitest';
import { applySets, preset } from '../../src/core/bench-config';
import { LINK_LIMITS, linkRunConcerns, planOf, runCost, stepStatus, type PlannedStep } from '../../src/core/run-cost';
import { wallTime } from '../../src/core/figure-format';

// the shape of the retrieval suite: two once-steps, two per-iteration steps, one once-step
const SUITE: PlannedStep[] = [{ repeat: 'once' }, { repeat: 'once' }, { repeat: 'iterations' }, { repeat: 'iterations' }, { repeat: 'once' }];

describe('planOf', () => {
  it('once-steps once, per-iteration steps warm-ups first, then iterations', () => {
    const c = applySets(preset('quick'), ['warmups=2', 'iterations=3']);
    const plan = planOf([{ repeat: 'once' }, { repeat: 'iterations' }], c);
    expect(plan.map((p) => [p.step.repeat, p.iteration, p.warmup])).toEqual([
      ['once', 0, false],
      ['iterations', 0, true],
      ['iterations', 1, true],
      ['iterations', 0, false],
      ['iterations', 1, false],
      ['iterations', 2, false],
    ]);
  });
});

describe('runCost and linkRunConcerns', () => {
  it('a small run: one cell, its steps and queries, nothing to confirm; the stored vectors are named as deleted', () => {
    const c = applySets(preset('quick'), ['warmups=1', 'iterations=5', 'queries.count=4', 'clearCache=false']);
    const cost = runCost(c, SUITE);
    expect(cost).toMatchObject({ cells: 1, steps: 3 + 2 * 6, queries: 6 * 4 });
    expect(cost.deletes).toHaveLength(1);
    expect(cost.deletes[0]).toContain('stored vectors');
    expect(linkRunConcerns(c, cost)).toEqual([]);
  });

  it("the attack of issue 12: 10,000 iterations, 100 warm-ups, clearCache and a sweep — every excess named, the deletion too", () => {
    const c = applySets(preset('quick'), ['iterations=10000', 'warmups=100', 'clearCache=true', 'queries.count=5', 'sweep=[{"path":"k","values":[1,2,3]},{"path":"embedder.batch","values":[8,16]}]']);
    const cost = runCost(c, SUITE);
    expect(cost.cells).toBe(6);
    expect(cost.steps).toBe(6 * (3 + 2 * 10_100));
    expect(cost.queries).toBe(6 * 10_100 * 5);
    expect(cost.deletes.join(' ')).toContain(`embedding model ${c.embedder.model}`);
    const concerns = linkRunConcerns(c, cost);
    expect(concerns).toHaveLength(4);
    expect(concerns[0]).toBe(`6 sweep cells (a link may ask for ${LINK_LIMITS.cells} without your confirmation)`);
    expect(concerns[1]).toBe('121,218 steps (200 without confirmation)');
    expect(concerns[3]).toContain('clearCache');
  });

  it('each limit on its own', () => {
    const c = applySets(preset('quick'), ['iterations=100', 'warmups=0', 'queries.count=1', 'clearCache=false']);
    expect(linkRunConcerns(c, runCost(c, SUITE))).toEqual(['203 steps (200 without confirmation)']);
    const q = applySets(preset('quick'), ['iterations=50', 'warmups=0', 'queries.count=100', 'clearCache=false']);
    expect(linkRunConcerns(q, runCost(q, SUITE))).toEqual(['5,000 timed queries (2,000 without confirmation)']);
  });
});

describe('stepStatus', () => {
  const e = { step: 'query set', phase: 'warm', warmup: false, done: 5, total: 20 };
  it('the step, the count, the time so far and the time left at the pace measured here', () => {
    expect(stepStatus(e, { index: 0, of: 1 }, 10_000)).toBe('query set · warm · 5/20 steps · 10 s so far · about 30 s left at this pace');
    expect(stepStatus({ ...e, warmup: true }, { index: 1, of: 3 }, 10_000)).toBe('cell 2 of 3 · query set · warm (warm-up) · 5/20 steps · 10 s so far · about 30 s left at this pace');
  });
  it('no time left on the last step', () => {
    expect(stepStatus({ ...e, done: 20 }, { index: 0, of: 1 }, 65_000)).toBe('query set · warm · 20/20 steps · 1 min 5 s so far');
  });
  it('durations for people', () => {
    expect([wallTime(400), wallTime(59_400), wallTime(61_000), wallTime(3 * 3600_000 + 5 * 60_000)]).toEqual(['0 s', '59 s', '1 min 1 s', '3 h 5 min']);
  });
});
