import { describe, expect, it } from 'vitest';
import { adviseRecord } from '../../src/core/advice';
import type { RunRecord, Sample } from '../../src/core/run-record';
import { ENV, recordOf, runFake, sample, SMALL } from './bench-fixtures';

const ids = (r: RunRecord) => adviseRecord(r).map((a) => a.id);

/** n queries with the given stage durations (seq-linked, warm). */
function queries(n: number, stages: Record<string, number>): Sample[] {
  return Array.from({ length: n }, (_, seq) => [
    sample('query', Object.values(stages).reduce((t, x) => t + x, 0), { iteration: seq, extra: { seq } }),
    ...Object.entries(stages).map(([stage, d]) => sample(stage, d + (seq % 2) * 0.01, { iteration: seq, extra: { seq } })),
  ]).flat();
}

describe('adviseRecord', () => {
  it('generation is most of the query time, with the share as the figure', async () => {
    const r = (await runFake([...SMALL, 'llm.engine=wllama', 'llm.model=x.gguf'], { generation: true })).records[0]!;
    const a = adviseRecord(r).find((x) => x.id === 'generation-dominates')!;
    expect(a).toBeDefined();
    // per query: 2 + 1 + 0.25 + 1 + 40 + 90 = 134.25; generation 131
    expect(a.figure).toEqual({ name: 'generation share of a query', value: Math.round((131 / 134.25) * 1000) / 10, unit: '%' });
  });

  it('otherwise the dominant stage', () => {
    const r = recordOf(queries(6, { 'embed query': 30, search: 2, 'format context': 1 }));
    const a = adviseRecord(r).find((x) => x.id === 'stage-dominates')!;
    expect(a.title).toContain('embed query');
    expect(a.figure.value).toBeGreaterThan(90);
  });

  it('single-threaded WASM when the page is not cross-origin isolated', () => {
    const r = recordOf([], { environment: { ...structuredClone(ENV), crossOriginIsolated: false } });
    const a = adviseRecord(r).find((x) => x.id === 'not-isolated')!;
    expect(a.severity).toBe('warn');
    expect(a.figure).toEqual({ name: 'crossOriginIsolated', value: false, unit: '' });
    expect(ids(recordOf([]))).not.toContain('not-isolated');
  });

  it('voy slower than the exact scan, with the ratio', async () => {
    const r = (await runFake([...SMALL, 'index=both'], { voyExtraMs: 3 })).records[0]!;
    const a = adviseRecord(r).find((x) => x.id === 'voy-slower')!;
    expect(a.figure.name).toBe('search, voy / exact (median of per-question ratios)');
    expect(a.figure.value).toBe(4);
    expect(a.detail).toMatch(/voy − exact: median 3\.00 ms \(\d+% CI 3\.00 to 3\.00 ms, n 12\)/);
    const same = (await runFake([...SMALL, 'index=both'])).records[0]!;
    expect(ids(same)).not.toContain('voy-slower');
  });

  it('no shader-f16 → f32, and software WebGPU', () => {
    const r = recordOf([]);
    const a = adviseRecord(r).find((x) => x.id === 'no-shader-f16')!;
    expect(a.figure).toEqual({ name: 'WebGPU features', value: 'float32-filterable', unit: '' });
    expect(ids(r)).toContain('software-webgpu');
    const f16 = structuredClone(ENV);
    if (f16.webgpu.available) {
      f16.webgpu.features = ['shader-f16'];
      f16.webgpu.architecture = 'rdna-3';
      f16.webgpu.description = '';
    }
    expect(ids(recordOf([], { environment: f16 }))).not.toContain('no-shader-f16');
    expect(ids(recordOf([], { environment: f16 }))).not.toContain('software-webgpu');
    expect(ids(recordOf([], { environment: { ...ENV, webgpu: { available: false, reason: 'none' } } }))).not.toContain('no-shader-f16');
  });

  it('a device fallback, fewer threads than asked, truncated chunks', () => {
    const r = recordOf([], {
      config: { ...recordOf([]).config, embedder: { ...recordOf([]).config.embedder, threads: 4, device: 'webgpu' } },
      embedder: { model: 'm', revision: null, baseUrl: null, requestedDevice: 'webgpu', device: 'wasm', fallbackReason: 'no adapter', dtype: 'fp32', threads: 1, batchSize: 32, dims: 4, maxTokens: 256 },
      corpus: { name: 'c', hash: 'h', docs: 1, chunks: 1, tokens: 1, emptyDocs: 0, truncatedChunks: 3 },
    });
    const all = adviseRecord(r);
    expect(all.find((a) => a.id === 'device-fallback')?.detail).toBe('no adapter');
    expect(all.find((a) => a.id === 'threads-reduced')?.figure.value).toBe(1);
    expect(all.find((a) => a.id === 'truncated-chunks')?.figure.value).toBe(3);
  });

  it('a noisy stage, few iterations, a gap between the end-to-end time and the stages', () => {
    const samples = queries(6, { 'embed query': 5, search: 1 });
    samples.filter((s) => s.stage === 'embed query').forEach((s, i) => (s.duration = i % 2 ? 1 : 20));
    samples.filter((s) => s.stage === 'query').forEach((s) => (s.duration += 10));
    const r = recordOf(samples, { config: { ...recordOf([]).config, iterations: 3 } });
    const all = ids(r);
    expect(all).toContain('noisy');
    expect(adviseRecord(r).find((a) => a.id === 'noisy')?.figure.name).toBe('embed query coefficient of variation');
    expect(all).toContain('few-iterations');
    // per query, measured − stages is 13.99 or −5: its interval includes 0, so no gap is claimed
    expect(all).not.toContain('end-to-end-gap');
  });

  it('a gap between the end-to-end time and the stages, when its interval excludes 0', () => {
    const samples = queries(6, { 'embed query': 5, search: 1 });
    samples.filter((s) => s.stage === 'query').forEach((s, i) => (s.duration += 10 + (i % 3)));
    expect(ids(recordOf(samples))).toContain('end-to-end-gap');
  });

  it('voy slower only when the per-question difference excludes 0: alternately slower and faster is no verdict', () => {
    const pairs = Array.from({ length: 8 }, (_, i) => [
      sample('search (voy)', i % 2 ? 1 : 5, { iteration: i }),
      sample('search (exact)', 3, { iteration: i }),
    ]).flat();
    expect(ids(recordOf(pairs))).not.toContain('voy-slower');
  });

  it('the worker boundary: a paired difference of round trip and worker time, said only when resolved', () => {
    const searches = (trip: (i: number) => number, worker: number) => Array.from({ length: 10 }, (_, i) => sample('search', trip(i), { iteration: i, extra: { workerMs: worker } }));
    const hop = adviseRecord(recordOf(searches((i) => 2 + (i % 3) * 0.01, 0.5))).find((a) => a.id === 'boundary-dominates');
    expect(hop?.figure.value).toBe(75.1);
    expect(hop?.detail).toMatch(/median 1\.51 ms \(9\d% CI 1\.50 to 1\.52 ms, n 10\)/);
    // round trip and worker time a hair apart: nothing claimed
    expect(ids(recordOf(searches(() => 0.6, 0.5)))).not.toContain('boundary-dominates');
  });

  it("each stage with a roof, as a share of this tab's measured limit", async () => {
    const r = (await runFake()).records[0]!;
    const embed = adviseRecord(r).find((a) => a.id === 'roof-embed')!;
    expect(embed.title).toMatch(/^embed runs at [\d.]+% of this tab's measured SIMD f32 throughput\.$/);
    expect(embed.detail).toContain('GFLOP/s');
    expect(embed.figure).toMatchObject({ name: 'embed, share of the measured SIMD f32 throughput', unit: '%' });
    expect(adviseRecord(r).find((a) => a.id === 'roof-search')?.figure.name).toBe('search, share of the measured memory bandwidth');
    // a record without roofs gets no roof advice
    expect(ids({ ...r, roofs: undefined } as never).some((id) => id.startsWith('roof-'))).toBe(false);
  });

  it('every item carries the figure that triggered it', async () => {
    const r = (await runFake()).records[0]!;
    for (const a of adviseRecord(r)) {
      expect(a.figure.name.length).toBeGreaterThan(0);
      expect(a.title.length).toBeGreaterThan(0);
    }
    expect(ids(r)).toContain('memory-unavailable');
  });
});
