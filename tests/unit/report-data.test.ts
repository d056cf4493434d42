import { describe, expect, it } from 'vitest';
import { alignSeries, concurrencyText, ingestThroughput, latencyDistribution, memoryFigureOrder, memoryOverTime, queryStages, sweepTable } from '../../src/core/report-data';
import { summarizeRecord } from '../../src/core/run-record';
import { recordOf, runFake, sample, SMALL } from './bench-fixtures';

describe('report data', () => {
  it('aligns series on the union of their x values', () => {
    expect(alignSeries([{ label: 'a', points: [[1, 10], [3, 30]] }, { label: 'b', points: [[2, 20], [3, 31]] }])).toEqual({
      x: [1, 2, 3],
      series: [{ label: 'a', values: [10, null, 30] }, { label: 'b', values: [null, 20, 31] }],
    });
  });

  it('latency distribution: percentile curves per warm query stage, warm-ups excluded', () => {
    const r = recordOf([
      sample('search', 100, { warmup: true, extra: { seq: 0 } }),
      ...[1, 2, 3, 4, 5].map((d, i) => sample('search', d, { extra: { seq: i + 1 } })),
      sample('ingest', 9, { phase: 'cold' }),
    ]);
    expect(queryStages(r)).toEqual(['search']);
    const d = latencyDistribution(r);
    expect(d.x).toHaveLength(101);
    expect(d.series[0]!.values[0]).toBe(1);
    expect(d.series[0]!.values[50]).toBe(3);
    expect(d.series[0]!.values[100]).toBe(5);
    expect(d.series[0]!.values[25]).toBe(2);
  });

  it('ingestion throughput per batch and memory over time from a runner record', async () => {
    const r = (await runFake()).records[0]!;
    const t = ingestThroughput(r);
    expect(t.series.map((s) => s.label)).toEqual(['cold: texts/s', 'reload: texts/s']);
    // batches of 2 texts in 12 ms and 6 ms: 166.7 and 333.3 texts/s, at 0.012 s and 0.018 s
    expect(t.x).toEqual([0.012, 0.018]);
    expect(t.series[0]!.values[0]).toBeCloseTo(2000 / 12, 9);
    const m = memoryOverTime(r);
    expect(m.series.map((s) => s.label)).toEqual(['JS heap used', 'JS heap total', 'storage usage']);
    expect(m.x.length).toBeGreaterThan(2);
  });

  it('a sweep table: one row per cell with its axis values', async () => {
    const { records } = await runFake([...SMALL, 'iterations=2', 'reload=false', 'sweep=[{"path":"k","values":[1,5]}]']);
    const t = sweepTable(records);
    expect(t.axes).toEqual(['k']);
    expect(t.rows.map((x) => x.values)).toEqual([{ k: 1 }, { k: 5 }]);
    expect(t.stages).toEqual(['query', 'embed query', 'search', 'format context']);
    expect(t.rows.every((x) => x.p50['search'] !== null && x.queriesPerSecond !== null)).toBe(true);
  });

  it('orders memory figures by kind (heap, page, storage, WASM per worker, GPU per worker, GPU total)', () => {
    expect(memoryFigureOrder(['webgpu-buffers', 'index-wasm', 'js-heap-used', 'embedder-webgpu-buffers', 'embedder-wasm', 'index-wasm'])).toEqual([
      'js-heap-used',
      'embedder-wasm',
      'index-wasm',
      'embedder-webgpu-buffers',
      'webgpu-buffers',
    ]);
  });

  it('describes the concurrency mode with its pipeline; a version-1 record (no pipeline) ran retrieval only', async () => {
    const r = (await runFake([...SMALL, 'concurrency=2'])).records[0]!;
    const c = summarizeRecord(r).concurrency!;
    expect(concurrencyText(c)).toMatch(/^2 queries at once, 4 batch\(es\), through retrieval only .*queries\/s; latency from submission p50 [\d.]+ ms.*retrieval done p50/);
    for (const s of r.samples) delete s.extra['pipeline'];
    expect(summarizeRecord(r).concurrency?.pipeline).toBe('retrieval');
  });
});
