/**
 * After the build: every asked index kind searched on the same probe queries against the exact scan
 * (latency, recall@k), and the kinds' reports (built or loaded, bytes in memory and on disk).
 */
import { STAGE } from '../core/stages';
import { codeBytesPerVector, kindLabel, needsVector, retrieveOptionsOf } from '../core/index-kinds';
import type { IndexKind } from '../core/vocabulary';
import { summarize } from '../core/stats';
import type { KindReport } from './reports';
import { retrieve, retrievalSource } from './retrieve';
import { kindsToBuild, need, type Ingestion } from './ingestion';

/** Probe queries of a check: the corpus's queries (up to 100), else 20 chunks sampled across the corpus. */
function probeTexts(g: Ingestion): string[] {
  const { corpus } = need(g.loaded);
  const { chunks } = g;
  return corpus.queries.length > 0
    ? corpus.queries.slice(0, 100).map((q) => q.text)
    : chunks
        .filter((_, i) => i % Math.max(1, Math.floor(chunks.length / 20)) === 0)
        .slice(0, 20)
        .map((c) => c.text);
}

/**
 * Every asked kind over the same probe queries (one warm-up each, left out): its search latency
 * and, for the vector kinds other than exact, its recall@k against the exact scan (the ground
 * truth, searched for the same probe). voy's figure is also the report's voyRecall.
 */
export async function kindCheck(g: Ingestion): Promise<void> {
  const { chunks, settings } = g;
  const emb = need(g.emb);
  const asked = settings.indexKinds;
  const probes = probeTexts(g);
  g.hooks.setProgress({ phase: 'check', label: `Checking ${asked.join(', ')} against the exact scan`, done: 0, total: probes.length * asked.length, unit: 'searches', startedAt: performance.now() });
  const source = retrievalSource({ embedder: emb.bridge, index: g.index, chunks, titles: new Map(), settings });
  // every probe embedded in one call (when a kind reads vectors); each then searched on every kind
  const dims = emb.info.dims;
  let vectors: Float32Array | null = null;
  if (asked.some(needsVector)) {
    const qv = await emb.bridge.call('embed probes', (api) => api.embed(probes.map((t) => source.queryPrefix + t)), g.signal);
    vectors = qv.value.vectors;
  }
  const k = Math.min(settings.k, chunks.length);
  const truth: Array<Set<number> | null> = [];
  const perKind = new Map<IndexKind, { rt: number[]; worker: number[]; recall: number[] }>(asked.map((kind) => [kind, { rt: [], worker: [], recall: [] }]));
  let done = 0;
  for (let i = -1; i < probes.length; i++) {
    const p = Math.max(0, i);
    const vector = vectors ? vectors.slice(p * dims, (p + 1) * dims) : null;
    const zero = vector !== null && vector.every((x) => x === 0);
    const base = { text: probes[p]!, k, context: false, signal: g.signal, ...(vector && !zero ? { vector } : {}) };
    if (i >= 0 && vector && !zero) {
      const exact = await retrieve(source, { ...base, kind: 'exact' });
      truth[i] = new Set(exact.searchHits.map((h) => h.index));
    }
    for (const kind of asked) {
      if (needsVector(kind) && (!vector || zero)) continue;
      const r = await retrieve(source, { ...base, kind, options: retrieveOptionsOf(kind, settings.kindOptions) });
      if (i < 0) continue; // the warm-up
      const search = r.stages.find((s) => s.name === STAGE.search);
      const f = perKind.get(kind)!;
      if (search) {
        f.rt.push(search.ms);
        if (search.workerMs !== undefined) f.worker.push(search.workerMs);
      }
      const want = truth[i];
      if (want && needsVector(kind) && kind !== 'hybrid' && kind !== 'exact') f.recall.push(r.searchHits.filter((h) => want.has(h.index)).length / Math.max(1, want.size));
      g.hooks.setProgress({ phase: 'check', label: `Checking ${asked.join(', ')} against the exact scan`, done: ++done, total: probes.length * asked.length, unit: 'searches' });
    }
  }
  for (const [kind, f] of perKind) {
    if (f.rt.length === 0) continue;
    const recall = f.recall.length > 0 ? { mean: f.recall.reduce((s, x) => s + x, 0) / f.recall.length, min: Math.min(...f.recall) } : null;
    g.checks.set(kind, { queries: f.rt.length, k, searchMs: summarize(f.rt), workerMs: summarize(f.worker), recall });
    if (kind === 'voy' && recall) g.voyRecall = { k, queries: f.recall.length, mean: recall.mean, min: recall.min };
  }
}

/** The kinds' reports: how each was built or loaded, its bytes in memory and on disk, its check. */
export function kindReports(g: Ingestion): KindReport[] {
  const asked = g.settings.indexKinds;
  const dims = need(g.emb).info.dims;
  return kindsToBuild(g).map((kind) => {
    const build = g.builds.find((b) => b.kind === kind) ?? null;
    const loaded = g.loadedKinds.get(kind);
    const role: KindReport['role'] = kind === asked[0] ? 'answer' : asked.includes(kind) ? 'compare' : kind === 'exact' ? 'ground truth' : 'fused';
    const disk = g.kindDisk.get(kind) ?? null;
    return {
      kind,
      label: kindLabel(kind, g.settings.kindOptions),
      role,
      build,
      loaded: loaded !== undefined,
      storedBuildMs: loaded?.storedBuildMs ?? null,
      diskBytes: disk,
      bytesPerVector: codeBytesPerVector(kind, dims),
      check: g.checks.get(kind) ?? null,
    };
  });
}
