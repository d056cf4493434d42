import { describe, expect, it } from 'vitest';
import { comparisonMarkdown, exportFileName, exportRecord, fromJson, toCsv, toJson, toMarkdown, toOpenMetrics } from '../../src/core/exports';
import { compareRecords } from '../../src/core/record-compare';
import { recordOf, runFake, sample, SMALL } from './bench-fixtures';

describe('JSON', () => {
  it('import(export(r)) deep-equals r, for a runner record with every kind of field', async () => {
    const { records } = await runFake([...SMALL, 'index=both', 'concurrency=2', 'llm.engine=wllama', 'llm.model=x.gguf'], { generation: true });
    const r = records[0]!;
    const back = fromJson(toJson(r));
    expect(back).toEqual(r);
    // and again: the export of the import is the same text
    expect(toJson(back)).toBe(toJson(r));
  });

  it('a sweep cell and a failed run round-trip too', async () => {
    const sweep = (await runFake([...SMALL, 'iterations=1', 'sweep=[{"path":"k","values":[1,2]}]'])).records[1]!;
    expect(fromJson(toJson(sweep))).toEqual(sweep);
    const failed = (await runFake(SMALL, { failQueryAt: 2 })).records[0]!;
    expect(fromJson(toJson(failed))).toEqual(failed);
  });

  it('names what is wrong with a file that is not a record', () => {
    expect(() => fromJson('{oops')).toThrow(/not JSON/);
    expect(() => fromJson('{"schema":"ragtab-run"}')).toThrow(/Not a ragtab run record/);
    try {
      fromJson('[]');
    } catch (e) {
      expect((e as Error).name).toBe('InvalidArgument');
    }
  });
});

describe('CSV', () => {
  it('one row per sample, extras as columns, quoted where needed', () => {
    const r = recordOf([
      sample('embed query', 1.5, { extra: { seq: 0, tokens: 4 } }),
      sample('search', 2, { warmup: true, extra: { seq: 0, kind: 'exact, "voy"' } }),
    ]);
    const lines = toCsv(r).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('run,kind,stage,phase,iteration,warmup,start_ms,duration_ms,value,unit,note,extra.kind,extra.seq,extra.tokens');
    expect(lines[1]).toBe(`${r.id},sample,embed query,warm,0,false,0,1.5,,,,,0,4`);
    expect(lines[2]).toBe(`${r.id},sample,search,warm,0,true,0,2,,,,"exact, ""voy""",0,`);
  });

  it('a row for every sample of a runner record, then the roofs, the fractions and the calibration', async () => {
    const r = (await runFake()).records[0]!;
    const lines = toCsv(r).trimEnd().split('\r\n');
    const limits = lines.slice(r.samples.length + 1);
    expect(lines.slice(1, r.samples.length + 1).every((l) => l.split(',')[1] === 'sample')).toBe(true);
    expect(limits[0]).toBe(`${r.id},roof,memory bandwidth,,,,,,25.6,GB/s,best of 5; median 24.9${','.repeat(lines[0]!.split(',').length - 11)}`);
    const of = (kind: string) => limits.filter((l) => l.split(',')[1] === kind).map((l) => /^[^,]+,[a-z]+,("[^"]*"|[^,]*)/.exec(l)![1]!.replace(/"/g, ''));
    expect(of('roof')).toEqual(['memory bandwidth', 'SIMD f32, 1 thread', 'SIMD f32, N threads', 'timer resolution']);
    expect(of('fraction')).toEqual(['search', 'embed']);
    expect(of('calibration')).toHaveLength(10);
  });
});

describe('Markdown', () => {
  it('summarises configuration, environment, stages, end to end, quality, memory and advice', async () => {
    const r = (await runFake()).records[0]!;
    const md = toMarkdown(r);
    expect(md).toContain(`# ragtab run ${r.id}`);
    expect(md).toContain('| embed query | warm | 12 |');
    expect(md).toContain('| model load | cold | 1 |');
    expect(md).toContain('## End to end vs the sum of stages');
    expect(md).toContain('12 queries: measured mean');
    expect(md).toContain('nDCG@10 0.7500');
    expect(md).toContain('| webgpu-buffers | — |');
    expect(md).toContain('## Advice');
    expect(exportFileName(r, 'markdown')).toBe(`ragtab-quick-${r.id}.md`);
    // the median's interval beside p50; the roofs, each stage against them, the calibration drift
    expect(md).toContain('| p50 | p50 95% CI |');
    expect(md).toContain("## Against this tab's measured limits");
    expect(md).toContain('- memory bandwidth: 25.6 GB/s (best of 5; median 24.9)');
    expect(md).toMatch(/\| embed \| SIMD f32 throughput \| [\d.]+% \| /);
    expect(md).toMatch(/Calibration: calibration drift/);
  });

  it('a noisy pair of timings: the difference is "below resolution" with its interval, never a negative value', () => {
    // end to end vs the sum of stages, per query: +14 or −5 ms in turn
    const samples = Array.from({ length: 8 }, (_, seq) => [
      sample('query', seq % 2 ? 1 : 20, { iteration: seq, extra: { seq } }),
      sample('embed query', 6, { iteration: seq, extra: { seq } }),
    ]).flat();
    const md = toMarkdown(recordOf(samples));
    const line = md.split('\n').find((l) => l.startsWith('8 queries: measured mean'))!;
    expect(line).toMatch(/difference \(median per query\) below resolution \(n 8, 9\d(\.\d)?% CI −5(\.0)? to 14(\.0)? ms\)/);
    expect(line).not.toMatch(/difference \(median per query\) [−-]/);
  });

  it('a record without roofs says so', () => {
    expect(toMarkdown(recordOf([]))).toContain('the record has no device roofs');
  });

  it("renders a comparison: a change only beyond both runs' noise, else below resolution", async () => {
    const r = (await runFake()).records[0]!;
    const md = comparisonMarkdown(compareRecords(r, r));
    expect(md).toContain('| embed query · warm |');
    expect(md).toContain('Overall: **unchanged**');
    expect(md).toMatch(/\| embed query · warm \| [\d.]+ \| [\d.]+ \| below resolution \(n 12 vs 12, /);
    const slower = structuredClone(r);
    for (const s of slower.samples) if (s.stage === 'search') s.duration = s.duration * 2 + (s.iteration % 3) * 0.01;
    expect(comparisonMarkdown(compareRecords(r, slower))).toMatch(/\| search · warm \| [\d.]+ \| [\d.]+ \| \+\d+(\.\d)?% \(95% CI \+[\d.]+ to \+[\d.]+%\) \|/);
  });
});

describe('OpenMetrics', () => {
  it('summaries in seconds with quantiles, _sum and _count; gauges; # EOF last', () => {
    const r = recordOf([sample('search', 2), sample('search', 4, { iteration: 1 }), sample('query set', 10, { extra: { queriesPerSecond: 200 } })], {
      memory: [
        { t: 0, stage: 'search', phase: 'warm', figure: 'js-heap-used', available: true, bytes: 1024, detail: null },
        { t: 0, stage: null, phase: null, figure: 'webgpu-buffers', available: false, reason: 'x' },
      ],
    });
    const text = toOpenMetrics(r);
    const lines = text.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('# EOF');
    const l = `run="${r.id}",config="quick",model="Xenova/all-MiniLM-L6-v2",device="wasm"`;
    expect(lines).toContain(`ragtab_stage_duration_seconds{${l},stage="search",phase="warm",quantile="0.5"} 0.003`);
    expect(lines).toContain(`ragtab_stage_duration_seconds_sum{${l},stage="search",phase="warm"} 0.006`);
    expect(lines).toContain(`ragtab_stage_duration_seconds_count{${l},stage="search",phase="warm"} 2`);
    expect(lines).toContain(`ragtab_throughput{${l},stage="query set",phase="warm",unit="queries/s"} 200`);
    expect(lines).toContain(`ragtab_memory_peak_bytes{${l},stage="search",figure="js-heap-used"} 1024`);
    expect(text).not.toContain('webgpu-buffers');
    expect(text).not.toContain('ragtab_roof');
    expect(lines.filter((x) => x.startsWith('# TYPE'))).toEqual([
      '# TYPE ragtab_run info',
      '# TYPE ragtab_stage_duration_seconds summary',
      '# TYPE ragtab_throughput gauge',
      '# TYPE ragtab_memory_peak_bytes gauge',
    ]);
    // every sample line: name{labels} value
    for (const line of lines.filter((x) => !x.startsWith('#'))) expect(line).toMatch(/^[a-z_]+\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)+\} [-+0-9.eE]+$/);
  });

  it('the roofs and the fractions as gauges', async () => {
    const r = (await runFake()).records[0]!;
    const text = toOpenMetrics(r);
    expect(text).toMatch(/^ragtab_roof\{.*roof="memory bandwidth",unit="GB\/s"\} 25\.6$/m);
    expect(text).toMatch(/^ragtab_roof\{.*roof="SIMD f32, 2 threads",unit="GFLOP\/s"\} 38$/m);
    expect(text).toMatch(/^ragtab_roof_fraction\{.*stage="embed",roof="SIMD f32 throughput"\} [\d.e-]+$/m);
  });

  it('escapes label values', () => {
    const r = recordOf([sample('a "b"\\c', 1)]);
    expect(toOpenMetrics(r)).toContain('stage="a \\"b\\"\\\\c"');
    expect(exportRecord(r, 'openmetrics')).toBe(toOpenMetrics(r));
  });
});

describe('a run that did not complete, as a baseline', () => {
  it('no verdict: the comparison names the failed side, and the default baseline is a complete run', async () => {
    const { defaultBaseline } = await import('../../src/core/record-compare');
    const ok = recordOf([sample('search', 1), sample('search', 1.1)]);
    const failed = recordOf([], { status: 'failed', errors: [{ name: 'FetchFailed', message: 'Could not reach the model', stage: 'ingest', at: 0 } as never] });
    const c = compareRecords(failed, ok);
    expect(c.incomplete).toEqual(['the baseline run failed (FetchFailed: Could not reach the model), with 0 samples']);
    expect(comparisonMarkdown(c)).toMatch(/^\*\*No verdict\*\*/);
    expect(compareRecords(ok, ok).incomplete).toEqual([]);
    const runs = [
      { id: 'newest', status: 'complete' },
      { id: 'f', status: 'failed' },
      { id: 'older', status: 'complete' },
    ];
    expect(defaultBaseline(runs, 'newest')).toBe('older');
    expect(defaultBaseline([{ id: 'a', status: 'complete' }, { id: 'f', status: 'failed' }], 'a')).toBe('f');
    expect(defaultBaseline([], '')).toBe('');
  });
});
