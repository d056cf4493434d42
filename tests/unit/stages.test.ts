import { describe, expect, it } from 'vitest';
import { EMBED_BATCH_STAGE, PHASE_STAGE, STAGE, embedBatchParts, measureName } from '../../src/core/stages';

describe('the pipeline stages as data', () => {
  it('turns the embed batches into timed parts with their rates', () => {
    const parts = embedBatchParts([
      { size: 2, tokens: 20, ms: 12 },
      { size: 3, tokens: 9, ms: 0 },
    ]);
    expect(parts[0]).toEqual({ name: EMBED_BATCH_STAGE, ms: 12, extra: { batch: 0, size: 2, tokens: 20, textsPerSecond: 2000 / 12, tokensPerSecond: 20_000 / 12 } });
    // a batch that took no measurable time has no rate (never an infinite one)
    expect(parts[1]).toEqual({ name: EMBED_BATCH_STAGE, ms: 0, extra: { batch: 1, size: 3, tokens: 9 } });
  });

  it('every progress phase belongs to a stage, and stages are marked under a stable name', () => {
    expect(PHASE_STAGE.embed).toBe(STAGE.embed);
    expect(PHASE_STAGE.check).toBe('kind check');
    expect(measureName(STAGE.embedQuery)).toBe('ragtab:embed-query');
    expect(measureName(STAGE.readParse)).toBe('ragtab:read+parse');
    expect(measureName(STAGE.indexBuild)).toBe('ragtab:index-build');
  });
});

describe('runStages', async () => {
  const { runStages } = await import('../../src/engine/stages');
  type Ctx = { log: string[]; skip: boolean };
  const stage = (name: string, over: object = {}) => ({ name, unit: 'ms', run: async (c: Ctx) => void c.log.push(name), ...over });

  it('runs the enabled stages in order and times each; a check runs untimed', async () => {
    const c: Ctx = { log: [], skip: true };
    const t = await runStages(
      [stage('a'), stage('b', { enabled: (x: Ctx) => !x.skip }), stage('c', { run: async (x: Ctx) => (x.log.push('c'), { ms: 0, workerMs: 3, extra: { n: 1 } }) }), stage('check', { untimed: true })],
      c,
    );
    expect(c.log).toEqual(['a', 'c', 'check']);
    expect(t.map((x) => x.name)).toEqual(['a', 'c']);
    expect(t[1]).toMatchObject({ name: 'c', ms: 0, workerMs: 3, extra: { n: 1 } });
    expect(t.every((x) => typeof x.start === 'number' && x.ms >= 0)).toBe(true);
  });

  it('a stage may record finer timings itself, instead of its own default one', async () => {
    const t = await runStages(
      [
        stage('embed', {
          run: async (_c: Ctx, rec: { record(t: { name: string; ms: number }): void }) => {
            rec.record({ name: 'load', ms: 1 });
            rec.record({ name: 'embed', ms: 2 });
            rec.record({ name: 'persist', ms: 3 });
          },
        }),
      ],
      { log: [], skip: false },
    );
    expect(t.map((x) => [x.name, x.ms])).toEqual([['load', 1], ['embed', 2], ['persist', 3]]);
    // another tab stored everything meanwhile: the stage only loaded, and says so
    const other = await runStages([stage('embed', { run: async (_c: Ctx, rec: { record(t: { name: string; ms: number }): void }) => rec.record({ name: 'load', ms: 1 }) })], { log: [], skip: false });
    expect(other.map((x) => x.name)).toEqual(['load']);
  });

  it('stops between stages when cancelled, with the message given', async () => {
    const abort = new AbortController();
    const c: Ctx = { log: [], skip: false };
    const run = runStages([stage('a', { run: async (x: Ctx) => (x.log.push('a'), abort.abort(), undefined) }), stage('b')], c, { signal: abort.signal, cancelled: 'Ingestion cancelled.' });
    await expect(run).rejects.toMatchObject({ name: 'Cancelled', message: 'Ingestion cancelled.' });
    expect(c.log).toEqual(['a']);
  });
});
