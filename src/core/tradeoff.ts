/**
 * The comparison people come for (issue 14): each index kind and setting as a point of quality
 * against latency, with its bytes per vector, from one record or the cells of a sweep; and which
 * kind is best for this corpus on this device, with the figures behind it. Pure: the report's
 * chart (src/ui/ragtab-tradeoff.ts), the exports and the advice read it.
 *
 * Latency: the search stage's round trip (page → index worker → page), p50 and p90 over the query
 * set's warm samples of that kind (warm-ups excluded); where a kind has none (the ground-truth exact
 * scan beside other kinds, or a record of the app's own run), the ingestion's kind check over its
 * probe queries, and the point says which. Quality: nDCG@10 over the judged queries where the run
 * evaluated the kind; without judgments, recall@k against the exact scan (the exact scan itself
 * is 1 by definition).
 *
 * Best kind: the highest quality; a kind whose difference to it is below resolution counts as
 * tied (nDCG: the 95% confidence interval of the per-query paired difference, Student t, includes
 * zero; recall: less than one hit in queries × k); among the tied, the fastest (search p50).
 */
import { percentile, tCritical95 } from './stats';
import type { KindFigures, RunRecord } from './run-record';

export interface TradeoffPoint {
  /** The kind and its settings (`hnsw M 16 efC 100 ef 64`): a point's name. */
  label: string;
  kind: string;
  /** The record it comes from, and its sweep cell (null outside a sweep). */
  run: string;
  cell: number | null;
  latencyP50: number | null;
  latencyP90: number | null;
  latencySource: 'query set' | 'kind check' | null;
  latencySamples: number;
  /** nDCG@10 (judged queries) or recall@k against the exact scan, per `TradeoffSet.metric`. */
  quality: number | null;
  ndcg10: number | null;
  recall100: number | null;
  mrr10: number | null;
  evaluated: number;
  recallVsExact: number | null;
  recallK: number | null;
  recallQueries: number;
  bytesPerVector: number | null;
  bytes: number | null;
  diskBytes: number | null;
  buildMs: number | null;
  loaded: boolean;
  perQuery: ReadonlyArray<{ queryId: string; ndcg10: number }>;
}

export interface TradeoffSet {
  metric: 'nDCG@10' | 'recall@k vs exact';
  points: TradeoffPoint[];
}

/** The warm search samples of one kind in a record: `search` when it alone was timed, else `search (kind)`. */
function searchSamples(record: RunRecord, kind: string): number[] {
  return record.samples
    .filter((s) => s.phase === 'warm' && !s.warmup && (s.stage === 'search' || s.stage === `search (${kind})`) && s.extra['kind'] === kind)
    .map((s) => s.duration);
}

function point(record: RunRecord, k: KindFigures): TradeoffPoint {
  const own = searchSamples(record, k.kind);
  const fromSet = own.length > 0;
  const q = k.quality;
  return {
    label: k.label,
    kind: k.kind,
    run: record.id,
    cell: record.sweep?.index ?? null,
    latencyP50: fromSet ? percentile(own, 0.5) : (k.check?.p50 ?? null),
    latencyP90: fromSet ? percentile(own, 0.9) : (k.check?.p90 ?? null),
    latencySource: fromSet ? 'query set' : k.check ? 'kind check' : null,
    latencySamples: fromSet ? own.length : (k.check?.queries ?? 0),
    quality: null,
    ndcg10: q?.ndcg10 ?? null,
    recall100: q?.recall100 ?? null,
    mrr10: q?.mrr10 ?? null,
    evaluated: q?.evaluated ?? 0,
    recallVsExact: k.kind === 'exact' ? 1 : (k.check?.recall ?? null),
    recallK: k.check?.k ?? null,
    recallQueries: k.check?.queries ?? 0,
    bytesPerVector: k.bytesPerVector,
    bytes: k.bytes,
    diskBytes: k.diskBytes,
    buildMs: k.buildMs,
    loaded: k.loaded,
    perQuery: q?.perQuery.map((p) => ({ queryId: p.queryId, ndcg10: p.ndcg10 })) ?? [],
  };
}

const rank = (p: TradeoffPoint) => (p.latencySource === 'query set' ? 2 : p.latencySource ? 1 : 0) * 1e9 + p.latencySamples + (p.ndcg10 !== null ? 1e12 : 0);

/**
 * The points of a record and the other cells of its sweep: one per kind label (a kind measured in
 * several cells with the same settings keeps its best-measured point: quality, then query-set
 * latency, then the most samples), in order of first appearance.
 */
export function tradeoffPoints(records: readonly RunRecord[]): TradeoffSet {
  const byLabel = new Map<string, TradeoffPoint>();
  for (const r of records) {
    for (const k of r.kinds ?? []) {
      if (k.role === 'fused' && !k.quality && !k.check) continue;
      const p = point(r, k);
      const had = byLabel.get(p.label);
      if (!had || rank(p) > rank(had)) byLabel.set(p.label, p);
    }
  }
  const points = [...byLabel.values()];
  const judged = points.some((p) => p.ndcg10 !== null);
  for (const p of points) p.quality = judged ? p.ndcg10 : p.recallVsExact;
  return { metric: judged ? 'nDCG@10' : 'recall@k vs exact', points };
}

/** How a point's quality compares with the best one's. */
export interface QualityGap {
  point: TradeoffPoint;
  /** best − this point (≥ 0 for the best itself: 0). */
  difference: number;
  /** 95% CI of the paired per-query difference (nDCG), null without per-query values. */
  ci95: [number, number] | null;
  /** The difference is below resolution: the point counts as tied with the best. */
  tied: boolean;
  /** Queries the paired difference is over. */
  pairs: number;
}

export interface BestKind {
  metric: TradeoffSet['metric'];
  /** The chosen kind: the fastest of those tied with the highest quality. */
  best: TradeoffPoint;
  /** The highest quality (may be the chosen kind). */
  top: TradeoffPoint;
  gaps: QualityGap[];
  /** Tied with the top, fastest first. */
  tied: TradeoffPoint[];
}

function gap(top: TradeoffPoint, p: TradeoffPoint, metric: TradeoffSet['metric']): QualityGap {
  const difference = (top.quality as number) - (p.quality as number);
  if (p === top) return { point: p, difference: 0, ci95: null, tied: true, pairs: 0 };
  if (metric === 'nDCG@10') {
    const mine = new Map(p.perQuery.map((q) => [q.queryId, q.ndcg10] as const));
    const d = top.perQuery.filter((q) => mine.has(q.queryId)).map((q) => q.ndcg10 - (mine.get(q.queryId) as number));
    if (d.length >= 2) {
      const mean = d.reduce((s, x) => s + x, 0) / d.length;
      const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (d.length - 1));
      const h = tCritical95(d.length - 1) * (sd / Math.sqrt(d.length));
      const ci: [number, number] = [mean - h, mean + h];
      return { point: p, difference, ci95: ci, tied: ci[0] <= 0 && ci[1] >= 0, pairs: d.length };
    }
    return { point: p, difference, ci95: null, tied: difference === 0, pairs: d.length };
  }
  // recall@k against the exact scan: resolution is one hit in queries × k
  const n = Math.max(1, Math.min(p.recallQueries, top.recallQueries || p.recallQueries) * (p.recallK ?? 10));
  return { point: p, difference, ci95: null, tied: Math.abs(difference) < 1 / n, pairs: 0 };
}

/** The best kind of a set (null when no point has a quality figure). */
export function bestKind(set: TradeoffSet): BestKind | null {
  const rated = set.points.filter((p) => p.quality !== null);
  if (rated.length === 0) return null;
  const top = rated.reduce((a, b) => ((b.quality as number) > (a.quality as number) ? b : a));
  const gaps = rated.map((p) => gap(top, p, set.metric));
  const fast = (p: TradeoffPoint) => p.latencyP50 ?? Infinity;
  const tied = gaps
    .filter((g) => g.tied)
    .map((g) => g.point)
    .sort((a, b) => fast(a) - fast(b));
  return { metric: set.metric, best: tied[0] ?? top, top, gaps, tied };
}

const f = (x: number | null | undefined, d: number) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/** One sentence on the best kind with its figures (advice, Markdown). */
export function bestKindText(b: BestKind): string {
  const m = b.metric === 'nDCG@10' ? 'nDCG@10' : 'recall@k against the exact scan';
  const p = b.best;
  const speed = `search p50 ${f(p.latencyP50, 2)} ms${p.latencySource === 'kind check' ? ' (kind check)' : ''}`;
  const bytes = p.bytesPerVector !== null ? `, ${p.bytesPerVector} bytes per vector` : '';
  if (p === b.top) {
    const others = b.tied.filter((x) => x !== p);
    return `${p.label} has the highest ${m} (${f(p.quality, 4)}) and ${speed}${bytes}${others.length ? `; ${others.map((x) => x.label).join(', ')} ${others.length === 1 ? 'is' : 'are'} within resolution but slower` : ''}.`;
  }
  const g = b.gaps.find((x) => x.point === p);
  const within = g?.ci95 ? `difference ${f(g.difference, 4)}, 95% CI ${f(g.ci95[0], 4)} to ${f(g.ci95[1], 4)} over ${g.pairs} queries: below resolution` : `difference ${f(g?.difference, 4)}: below resolution`;
  const ratio = p.latencyP50 !== null && b.top.latencyP50 ? ` at ${f(p.latencyP50 / b.top.latencyP50, 2)}× its search time` : '';
  return `${p.label} answers as well as the best-scoring ${b.top.label} (${m} ${f(p.quality, 4)} vs ${f(b.top.quality, 4)}; ${within})${ratio}: ${speed}${bytes}.`;
}

/** The points as CSV rows (one per kind and setting): the exports' `kinds` table. */
export function tradeoffCsvRows(set: TradeoffSet): string[][] {
  const head = ['label', 'kind', 'run', 'cell', 'search_p50_ms', 'search_p90_ms', 'latency_source', 'latency_samples', 'ndcg10', 'recall100', 'mrr10', 'evaluated', 'recall_vs_exact', 'recall_k', 'bytes_per_vector', 'bytes_in_memory', 'bytes_on_disk', 'build_ms', 'loaded'];
  const rows = set.points.map((p) => [
    p.label,
    p.kind,
    p.run,
    p.cell === null ? '' : String(p.cell),
    p.latencyP50 === null ? '' : String(p.latencyP50),
    p.latencyP90 === null ? '' : String(p.latencyP90),
    p.latencySource ?? '',
    String(p.latencySamples),
    p.ndcg10 === null ? '' : String(p.ndcg10),
    p.recall100 === null ? '' : String(p.recall100),
    p.mrr10 === null ? '' : String(p.mrr10),
    String(p.evaluated),
    p.recallVsExact === null ? '' : String(p.recallVsExact),
    p.recallK === null ? '' : String(p.recallK),
    p.bytesPerVector === null ? '' : String(p.bytesPerVector),
    p.bytes === null ? '' : String(p.bytes),
    p.diskBytes === null ? '' : String(p.diskBytes),
    p.buildMs === null ? '' : String(p.buildMs),
    p.loaded ? 'yes' : 'no',
  ]);
  return [head, ...rows];
}
