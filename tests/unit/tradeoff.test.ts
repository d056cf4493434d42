import { describe, expect, it } from 'vitest';
import { bestKind, bestKindText, tradeoffPoints } from '../../src/core/tradeoff';
import { adviseKinds, adviseRecord } from '../../src/core/advice';
import { exportRecord, fromJson, toJson, toKindsCsv, toMarkdown } from '../../src/core/exports';
import type { KindFigures, RunRecord } from '../../src/core/run-record';
import { recordOf, runFake, sample } from './bench-fixtures';

/** nDCG@10 per query for 12 queries: a base list, shifted by `delta` (noise in `jitter`). */
function perQuery(base: number, delta = 0, jitter: number[] = []): KindFigures['quality'] {
  const q = Array.from({ length: 12 }, (_, i) => ({ queryId: `q${i}`, ndcg10: Math.min(1, Math.max(0, base + ((i % 3) - 1) * 0.1 + delta + (jitter[i] ?? 0))), recall10: 0.5 }));
  const mean = q.reduce((s, x) => s + x.ndcg10, 0) / q.length;
  return { evaluated: 12, depth: 100, ndcg10: mean, recall10: 0.5, recall100: 0.8, mrr10: 0.6, perQuery: q };
}

function kind(kind: string, over: Partial<KindFigures> = {}): KindFigures {
  return {
    kind,
    label: kind,
    role: 'compare',
    loaded: false,
    buildMs: 10,
    storedBuildMs: null,
    bytes: 1000,
    bytesNote: null,
    diskBytes: null,
    bytesPerVector: kind === 'int8' ? 256 : kind === 'binary' ? 32 : kind === 'exact' ? 1024 : null,
    check: { queries: 20, k: 10, p50: 9, p90: 12, workerP50: 8, recall: kind === 'exact' || kind === 'bm25' ? null : 0.99, recallMin: 0.9 },
    quality: null,
    ...over,
  };
}

/** A record whose query set timed these kinds' search stages (ms per sample). */
function withKinds(kinds: KindFigures[], search: Record<string, number[]>): RunRecord {
  const samples = Object.entries(search).flatMap(([k, ds]) => ds.map((d, i) => sample(`search (${k})`, d, { iteration: i, extra: { kind: k, seq: i } })));
  return { ...recordOf(samples), kinds };
}

describe('quality against latency', () => {
  it("takes each kind's search p50/p90 from the query set, else from its kind check, and nDCG@10 where judged", () => {
    const r = withKinds([kind('exact', { role: 'answer', quality: perQuery(0.6) }), kind('int8', { quality: perQuery(0.6) }), kind('hnsw', { label: 'hnsw M 16 efC 100 ef 64' })], { exact: [4, 5, 6, 40], int8: [1, 2, 3] });
    const set = tradeoffPoints([r]);
    expect(set.metric).toBe('nDCG@10');
    const [exact, int8, hnsw] = set.points;
    expect(exact).toMatchObject({ label: 'exact', latencyP50: 5.5, latencySource: 'query set', latencySamples: 4, bytesPerVector: 1024, recallVsExact: 1 });
    expect(int8).toMatchObject({ latencyP50: 2, latencySource: 'query set', recallVsExact: 0.99, recallK: 10 });
    expect(hnsw).toMatchObject({ label: 'hnsw M 16 efC 100 ef 64', latencyP50: 9, latencyP90: 12, latencySource: 'kind check', quality: null });
  });

  it('uses recall against the exact scan without judgments; one point per kind and setting over sweep cells', () => {
    const cells = [16, 64].map((ef, i) => ({
      ...withKinds([kind('exact'), kind('hnsw', { label: `hnsw ef ${ef}`, check: { queries: 20, k: 10, p50: ef / 32, p90: ef / 16, workerP50: 0.5, recall: ef === 16 ? 0.9 : 0.99, recallMin: 0.5 } })], {}),
      id: `cell${i}`,
      sweep: { id: 's', index: i, of: 2, values: { 'kinds.hnsw.ef': ef } },
    }));
    const set = tradeoffPoints(cells);
    expect(set.metric).toBe('recall@k vs exact');
    expect(set.points.map((p) => [p.label, p.quality])).toEqual([
      ['exact', 1],
      ['hnsw ef 16', 0.9],
      ['hnsw ef 64', 0.99],
    ]);
  });

  it('names the fastest kind whose quality is within resolution of the best (paired per-query CI), and says why', () => {
    // int8 = exact up to tiny per-query noise around zero; binary clearly worse; bm25 best but slow
    const noise = [0.01, -0.01, 0.02, -0.02, 0.01, -0.01, 0.015, -0.015, 0, 0.005, -0.005, 0];
    const r = withKinds(
      [kind('exact', { role: 'answer', quality: perQuery(0.6) }), kind('int8', { quality: perQuery(0.6, 0, noise) }), kind('binary', { quality: perQuery(0.6, -0.15) }), kind('bm25', { quality: perQuery(0.6, 0.001, noise.map((x) => -x)) })],
      { exact: [5, 5, 5], int8: [2, 2, 2], binary: [0.5, 0.5, 0.5], bm25: [30, 30, 30] },
    );
    const b = bestKind(tradeoffPoints([r]))!;
    expect(b.top.label).toBe('bm25');
    expect(b.tied.map((p) => p.label)).toEqual(['int8', 'exact', 'bm25']);
    expect(b.best.label).toBe('int8');
    const binary = b.gaps.find((g) => g.point.label === 'binary')!;
    expect(binary.tied).toBe(false);
    expect(binary.ci95![0]).toBeGreaterThan(0);
    expect(binary.pairs).toBe(12);
    const text = bestKindText(b);
    expect(text).toMatch(/^int8 answers as well as the best-scoring bm25 \(nDCG@10 0\.\d{4} vs 0\.\d{4}; difference -?0\.\d{4}, 95% CI .* over 12 queries: below resolution\) at 0\.07× its search time: search p50 2\.00 ms, 256 bytes per vector\.$/);
    const advice = adviseKinds([r]);
    expect(advice).toMatchObject({ id: 'best-kind', severity: 'info', title: 'Best index here: int8.' });
    expect(adviseRecord(r).map((a) => a.id)).toContain('best-kind');
  });

  it('names no best kind from a single kind, and ties on recall within one hit', () => {
    expect(adviseKinds([withKinds([kind('exact')], {})])).toBeNull();
    const set = tradeoffPoints([withKinds([kind('exact'), kind('int8', { check: { queries: 20, k: 10, p50: 1, p90: 1, workerP50: 1, recall: 0.996, recallMin: 0.9 } })], {})]);
    expect(bestKind(set)!.best.label).toBe('int8');
  });

  it('exports the points as CSV and in the Markdown summary; the record round-trips through JSON with its kinds', () => {
    const r = withKinds([kind('exact', { role: 'answer', quality: perQuery(0.6) }), kind('int8', { quality: perQuery(0.6), diskBytes: 2560, loaded: true })], { exact: [4, 6], int8: [1, 3] });
    const csv = toKindsCsv([r]).trim().split('\r\n');
    expect(csv[0]).toBe('label,kind,run,cell,search_p50_ms,search_p90_ms,latency_source,latency_samples,ndcg10,recall100,mrr10,evaluated,recall_vs_exact,recall_k,bytes_per_vector,bytes_in_memory,bytes_on_disk,build_ms,loaded');
    expect(csv).toHaveLength(3);
    expect(csv[2]).toMatch(/^int8,int8,[^,]+,,2,2\.8,query set,2,0\.6\d*,0\.8,0\.6,12,0\.99,10,256,1000,2560,10,yes$/);
    expect(exportRecord(r, 'kinds-csv')).toBe(toKindsCsv([r]));
    const md = toMarkdown(r);
    expect(md).toContain('## Index kinds (quality against latency)');
    expect(md).toMatch(/\| int8 \| 2\.00 \| 2\.80 \| query set \|/);
    expect(md).toContain('**Best here**: int8');
    expect(fromJson(toJson(r))).toEqual(r);
  });

  it('a runner record keeps each kind of the run with its quality', async () => {
    const { records } = await runFake(['corpus.source=demo', 'index=exact', 'kinds.compare=["int8"]', 'warmups=0', 'iterations=1', 'queries.count=2', 'reload=false', 'llm.engine=none', 'llm.model=null']);
    const r = records[0]!;
    expect(r.kinds?.map((k) => [k.kind, k.role])).toEqual([
      ['exact', 'answer'],
      ['int8', 'compare'],
    ]);
    expect(r.kinds![0]!.quality?.evaluated).toBe(2);
    expect(tradeoffPoints([r]).points.map((p) => p.latencySource)).toEqual(['query set', 'query set']);
  });
});
