import { describe, expect, it } from 'vitest';
import { parseRunRecord, rateUnit, runHeader, summarizeRecord, type RunRecord, type Sample } from '../../src/core/run-record';
import { compareRecords } from '../../src/core/record-compare';
import { comparisonMarkdown, fromJson } from '../../src/core/exports';
import { HandoverRunStore, MemoryRunStore, type RunStore } from '../../src/core/run-store';
import { recordOf, runFake, sample } from './bench-fixtures';

/** Two queries (seq 0, 1) of three stages each, plus a warm-up query and a cold stage. */
function known(): RunRecord {
  const q = (seq: number, e2e: number, stages: [number, number, number], warmup = false): Sample[] => [
    sample('query', e2e, { warmup, extra: { seq } }),
    sample('embed query', stages[0], { warmup, extra: { seq, workerMs: stages[0] - 1 } }),
    sample('search', stages[1], { warmup, extra: { seq, workerMs: stages[1] / 2 } }),
    sample('format context', stages[2], { warmup, extra: { seq } }),
  ];
  return recordOf([
    sample('embed', 1000, { phase: 'cold', extra: { chunks: 100, chunksPerSecond: 100 } }),
    sample('embed', 500, { phase: 'reload', extra: { chunks: 100, chunksPerSecond: 200 } }),
    ...q(0, 100, [50, 40, 5], true), // warm-up: excluded everywhere
    ...q(1, 12, [6, 4, 1]),
    ...q(2, 22, [12, 6, 2]),
    sample('query set', 40, { extra: { queries: 2, queriesPerSecond: 50 } }),
  ]);
}

describe('summarizeRecord', () => {
  it('per stage and phase, warm-ups excluded, cold and warm never mixed', () => {
    const s = summarizeRecord(known());
    const embedQ = s.stages.find((x) => x.stage === 'embed query')!;
    expect(embedQ.phase).toBe('warm');
    expect(embedQ.count).toBe(2);
    expect(embedQ.warmupsExcluded).toBe(1);
    expect(embedQ.duration.mean).toBe(9);
    expect(embedQ.duration.min).toBe(6);
    expect(embedQ.duration.max).toBe(12);
    // sd of [6, 12] = √18 = 4.2426; t(1) = 12.7062; half-width = 12.7062 · 4.2426 / √2 = 38.1186
    expect(embedQ.duration.sd).toBeCloseTo(4.242641, 5);
    expect(embedQ.duration.ci95![1] - 9).toBeCloseTo(38.1186, 3);
    expect(embedQ.inWorker?.mean).toBe(8);
    const embeds = s.stages.filter((x) => x.stage === 'embed');
    expect(embeds.map((x) => [x.phase, x.duration.mean])).toEqual([['cold', 1000], ['reload', 500]]);
    expect(s.stages[0]!.phase).toBe('cold');
  });

  it('throughputs from every …PerSecond figure, per phase', () => {
    const s = summarizeRecord(known());
    expect(s.throughputs.map((t) => [t.name, t.phase, t.summary.mean])).toEqual([
      ['embed: chunks/s', 'cold', 100],
      ['embed: chunks/s', 'reload', 200],
      ['query set: queries/s', 'warm', 50],
    ]);
    expect(rateUnit('engineTokensPerSecond')).toBe('engine tokens/s');
  });

  it('per query: the sum of stages beside the measured end-to-end time, with the difference', () => {
    const e = summarizeRecord(known()).endToEnd!;
    expect(e.queries).toBe(2);
    expect(e.measured.mean).toBe(17);
    expect(e.sumOfStages.mean).toBe(15.5); // (11 + 20) / 2
    expect(e.difference.mean).toBe(1.5); // (1 + 2) / 2
    expect(e.differencePct).toBeCloseTo((1.5 / 17) * 100, 10);
  });

  it('each stage’s share of the query time', () => {
    const shares = summarizeRecord(known()).shares;
    expect(shares.map((x) => x.stage)).toEqual(['embed query', 'search', 'format context']);
    expect(shares[0]!.share).toBeCloseTo(18 / 31, 12);
    expect(shares[1]!.meanMs).toBe(5);
    expect(shares.reduce((t, x) => t + x.share, 0)).toBeCloseTo(1, 12);
  });

  it('memory: the peak of each figure per stage; unavailable throughout → null with the reason', () => {
    const r = recordOf([], {
      memory: [
        { t: 1, stage: 'embed', phase: 'cold', figure: 'js-heap-used', available: true, bytes: 100, detail: null },
        { t: 2, stage: 'embed', phase: 'cold', figure: 'js-heap-used', available: true, bytes: 300, detail: null },
        { t: 3, stage: 'embed', phase: 'cold', figure: 'js-heap-used', available: true, bytes: 200, detail: null },
        { t: 3, stage: 'search', phase: 'warm', figure: 'js-heap-used', available: true, bytes: 50, detail: null },
        { t: 0, stage: null, phase: null, figure: 'webgpu-buffers', available: false, reason: 'not reported' },
      ],
    });
    const m = summarizeRecord(r).memory;
    expect(m).toEqual([
      { stage: 'embed', figure: 'js-heap-used', peakBytes: 300, samples: 3, reason: null },
      { stage: 'search', figure: 'js-heap-used', peakBytes: 50, samples: 1, reason: null },
      { stage: '(between stages)', figure: 'webgpu-buffers', peakBytes: null, samples: 1, reason: 'not reported' },
    ]);
  });

  it('an empty record summarises to nothing, not to zeros', () => {
    const s = summarizeRecord(recordOf([]));
    expect(s).toEqual({ stages: [], drift: null, throughputs: [], endToEnd: null, shares: [], concurrency: null, memory: [] });
  });
});

describe('parseRunRecord', () => {
  it('accepts a runner record and rejects a damaged one, naming the field', async () => {
    const r = (await runFake()).records[0]!;
    expect(parseRunRecord(JSON.parse(JSON.stringify(r)))).toEqual(r);
    const bad = JSON.parse(JSON.stringify(r));
    bad.samples[3].duration = -1;
    expect(() => parseRunRecord(bad)).toThrow('samples[3].duration');
    const bad2 = JSON.parse(JSON.stringify(r));
    bad2.version = 3;
    expect(() => parseRunRecord(bad2)).toThrow('version');
    const bad3 = JSON.parse(JSON.stringify(r));
    bad3.memory[0] = { ...bad3.memory[0], available: false, reason: '' };
    expect(() => parseRunRecord(bad3)).toThrow('memory[0]');
  });
});

describe('records of version 1', () => {
  it('still import (upgraded, nothing else changed); the figures added in version 2 are refused in them', async () => {
    const r = (await runFake()).records[0]!;
    expect(r.version).toBe(2);
    const v1 = JSON.parse(JSON.stringify({ ...r, version: 1, memory: r.memory.filter((m) => !m.figure.startsWith('index-') && m.figure !== 'embedder-webgpu-buffers') }));
    const back = parseRunRecord(v1);
    expect(back.version).toBe(2);
    expect({ ...back, version: 1 }).toEqual(v1);
    expect(fromJson(JSON.stringify(v1)).memory).toEqual(v1.memory);
    const mixed = structuredClone(v1);
    mixed.memory.push({ t: 1, stage: null, phase: null, figure: 'index-wasm', available: true, bytes: 1, detail: null });
    expect(() => parseRunRecord(mixed)).toThrow(/version 1.*memory\[\d+\]\.figure/);
    // a version-2 record with them is fine
    expect(parseRunRecord({ ...mixed, version: 2 }).memory.at(-1)?.figure).toBe('index-wasm');
  });
});

describe('compareRecords', () => {
  it('an equal run is unchanged; a much better baseline is a regression', async () => {
    const r = (await runFake()).records[0]!;
    expect(compareRecords(r, r).verdict).toBe('unchanged');
    const better = structuredClone(r);
    for (const s of better.samples) {
      s.duration = s.duration / 10;
      for (const [k, v] of Object.entries(s.extra)) if (k.endsWith('PerSecond') && typeof v === 'number') s.extra[k] = v * 10;
    }
    const c = compareRecords(better, r);
    expect(c.verdict).toBe('regression');
    expect(c.regressions).toContain('embed query · warm');
    expect(c.metrics.find((m) => m.name === 'nDCG@10')?.verdict).toBe('unchanged');
    // single-sample (cold) metrics are not called with unknown noise
    expect(c.metrics.find((m) => m.name === 'model load · cold')?.verdict).not.toBe('regression');
  });

  it('lists metrics only one run has', () => {
    const a = recordOf([sample('search', 1), sample('search', 2)]);
    const b = recordOf([sample('search', 1), sample('search', 2), sample('decode', 5), sample('decode', 6)]);
    const c = compareRecords(a, b);
    expect(c.onlyIn).toEqual({ baseline: [], current: ['decode · warm'] });
    expect(c.metrics.map((m) => m.name)).toEqual(['search · warm']);
  });
});

describe('MemoryRunStore', () => {
  it('puts, lists newest first, gets copies, deletes', async () => {
    const store = new MemoryRunStore();
    const a = recordOf([sample('search', 1)], { id: 'a', startedAt: '2026-01-01T00:00:00.000Z' });
    const b = recordOf([sample('search', 1)], { id: 'b', startedAt: '2026-02-01T00:00:00.000Z' });
    await store.put(a);
    await store.put(b);
    expect((await store.list()).map((h) => h.id)).toEqual(['b', 'a']);
    expect(await store.get('a')).toEqual(a);
    expect(await store.get('a')).not.toBe(a);
    await store.delete('a');
    expect((await store.list()).map((h) => h.id)).toEqual(['b']);
    expect(await store.get('a')).toBeUndefined();
    expect(runHeader(b)).toMatchObject({ id: 'b', name: 'quick', model: 'Xenova/all-MiniLM-L6-v2', corpus: 'demo', samples: 1 });
  });
});

describe('HandoverRunStore', () => {
  const rec = (id: string) => recordOf([sample('search', 1)], { id, startedAt: `2026-01-0${id.length}T00:00:00.000Z` });

  it('copies the runs saved before the lasting store opened, so none is lost when it opens', async () => {
    const store = new HandoverRunStore();
    await store.put(rec('a'));
    const lasting = new MemoryRunStore();
    await lasting.put(rec('bb')); // a run saved in an earlier visit
    const handedOver = store.handOver(lasting);
    // calls made during the hand-over wait for it and see both
    const [list, a] = await Promise.all([store.list(), store.get('a')]);
    await handedOver;
    expect(list.map((h) => h.id)).toEqual(['bb', 'a']);
    expect(a).toEqual(rec('a'));
    expect((await lasting.list()).map((h) => h.id)).toEqual(['bb', 'a']);
    expect(store.lasting).toBe(true);
    expect(await store.handedOver).toBe(lasting);
    await store.put(rec('ccc'));
    expect(await lasting.get('ccc')).toEqual(rec('ccc'));
  });

  it('a write begun just before the hand-over is in the copy', async () => {
    const store = new HandoverRunStore();
    const lasting = new MemoryRunStore();
    const put = store.put(rec('a'));
    await Promise.all([put, store.handOver(lasting)]);
    expect(await lasting.get('a')).toEqual(rec('a'));
  });

  it('calls made before start-up has settled wait for it, and then go to the lasting store', async () => {
    let settle!: () => void;
    const store = new HandoverRunStore(undefined, new Promise<void>((r) => (settle = r)));
    const put = store.put(rec('a'));
    const lasting = new MemoryRunStore();
    const handed = store.handOver(lasting);
    settle();
    await Promise.all([put, handed]);
    expect(await lasting.get('a')).toEqual(rec('a'));
  });

  it('when the copy fails, the runs stay in memory and the cause is given', async () => {
    const store = new HandoverRunStore();
    await store.put(rec('a'));
    const broken: RunStore = { ...new MemoryRunStore(), put: () => Promise.reject(new Error('QuotaExceededError')), list: async () => [], get: async () => undefined, delete: async () => undefined };
    await expect(store.handOver(broken)).rejects.toThrow('QuotaExceededError');
    expect(store.lasting).toBe(false);
    expect(await store.get('a')).toEqual(rec('a'));
    // and a later hand-over may succeed
    const lasting = new MemoryRunStore();
    await store.handOver(lasting);
    expect(await lasting.get('a')).toEqual(rec('a'));
  });
});

describe('compareRecords: configurations', () => {
  it('names the configuration fields two records differ in (not the name, warm-ups or iterations)', async () => {
    const r = (await runFake()).records[0]!;
    expect(compareRecords(r, r).notComparable).toEqual([]);
    const more = structuredClone(r);
    more.config = { ...more.config, name: 'other', iterations: more.config.iterations + 5, warmups: 0 };
    expect(compareRecords(r, more).notComparable).toEqual([]);
    const other = structuredClone(r);
    other.config = { ...other.config, k: other.config.k + 1, embedder: { ...other.config.embedder, batch: 7 } };
    expect(compareRecords(r, other).notComparable).toEqual([`embedder.batch: ${r.config.embedder.batch} (baseline) vs 7 (current)`, `k: ${r.config.k} (baseline) vs ${r.config.k + 1} (current)`]);
    expect(comparisonMarkdown(compareRecords(r, other))).toMatch(/^\*\*Not comparable\*\*/);
  });
});
