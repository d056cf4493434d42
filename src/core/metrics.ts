/**
 * Retrieval quality, judged at document level (BEIR / pytrec_eval conventions).
 *
 * - A run ranks documents: chunks are collapsed to their document, a document taking the rank of
 *   its best (first) chunk and counting once (`rankDocuments`).
 * - nDCG@k: linear gain = the graded qrels score (not 2^rel − 1), discount log2(rank + 1) with
 *   ranks from 1; the ideal DCG ranks the query's own judgments by score (scores > 0 only),
 *   truncated at k. Unjudged documents and documents judged ≤ 0 have gain 0.
 * - recall@k: |relevant ∩ top k| / |relevant|, relevant = score > 0.
 * - MRR@k: 1 / rank of the first relevant document within the top k, else 0.
 * - A ranking may be shorter than k. A document id that appears twice in a ranking counts once,
 *   at its first position (later copies are dropped, the ranks after them close up).
 *
 * Pure: no DOM, no workers; runs in Node and browsers.
 */
import type { Qrels } from './documents';
import { RagtabError } from './errors';

/** query id → (document id → graded relevance), as parsed from BEIR qrels (src/core/documents.ts). */
export type { Qrels };

export interface RankedHit {
  docId: string;
  score: number;
}

/**
 * Collapse ranked chunk hits (best first, as given: this function does not re-sort, so the
 * caller's order, including its tie-breaking, is kept) into ranked document ids: each document
 * once, at the position of its first (best) chunk.
 */
export function rankDocuments(hits: ReadonlyArray<RankedHit>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const h of hits) {
    if (seen.has(h.docId)) continue;
    seen.add(h.docId);
    out.push(h.docId);
  }
  return out;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new RagtabError('InvalidArgument', `k must be a positive integer, got ${k}`);
  }
}

/** The first k distinct ids of `ranked`, in order. */
function topDistinct(ranked: ReadonlyArray<string>, k: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of ranked) {
    if (out.length >= k) break;
    if (seen.has(d)) continue;
    seen.add(d);
    out.push(d);
  }
  return out;
}

/** Gain of a judgment: the score when positive, else 0 (unjudged → 0). */
function gain(judgments: ReadonlyMap<string, number>, docId: string): number {
  const s = judgments.get(docId);
  return s !== undefined && s > 0 ? s : 0;
}

function countRelevant(judgments: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const s of judgments.values()) if (s > 0) n++;
  return n;
}

/** True when the query has at least one judgment with score > 0 (otherwise it is skipped). */
export function hasPositiveJudgment(judgments: ReadonlyMap<string, number> | undefined): boolean {
  return judgments !== undefined && countRelevant(judgments) > 0;
}

/** DCG@k of gains in rank order: Σ gain_i / log2(i + 1), i from 1. */
function dcg(gains: ReadonlyArray<number>, k: number): number {
  let sum = 0;
  const n = Math.min(k, gains.length);
  for (let i = 0; i < n; i++) sum += (gains[i] as number) / Math.log2(i + 2);
  return sum;
}

/** nDCG@k with linear graded gains. 0 when the query has no positive judgment. */
export function ndcgAtK(ranked: ReadonlyArray<string>, judgments: ReadonlyMap<string, number>, k = 10): number {
  checkK(k);
  const ideal = [...judgments.values()].filter((s) => s > 0).sort((a, b) => b - a);
  const idcg = dcg(ideal, k);
  if (idcg === 0) return 0;
  const gains = topDistinct(ranked, k).map((d) => gain(judgments, d));
  return dcg(gains, k) / idcg;
}

/** recall@k over relevant (score > 0) documents. 0 when the query has none. */
export function recallAtK(ranked: ReadonlyArray<string>, judgments: ReadonlyMap<string, number>, k: number): number {
  checkK(k);
  const relevant = countRelevant(judgments);
  if (relevant === 0) return 0;
  let hit = 0;
  for (const d of topDistinct(ranked, k)) if (gain(judgments, d) > 0) hit++;
  return hit / relevant;
}

/** Reciprocal rank of the first relevant document within the top k, else 0. */
export function mrrAtK(ranked: ReadonlyArray<string>, judgments: ReadonlyMap<string, number>, k = 10): number {
  checkK(k);
  const top = topDistinct(ranked, k);
  for (let i = 0; i < top.length; i++) if (gain(judgments, top[i] as string) > 0) return 1 / (i + 1);
  return 0;
}

export interface QualityMetrics {
  ndcg10: number;
  recall10: number;
  recall100: number;
  mrr10: number;
}

/** Metrics at an extra cutoff requested with `opts.ks`. */
export interface MetricsAtK {
  ndcg: number;
  recall: number;
  mrr: number;
}

export interface QueryQuality extends QualityMetrics {
  queryId: string;
  /** Present only when `opts.ks` was given: cutoff → metrics at that cutoff. */
  atK?: Record<number, MetricsAtK>;
}

export interface RunQuality {
  /** Evaluated queries, in the run's order. */
  perQuery: QueryQuality[];
  /** Means over the evaluated queries; null when none was evaluated (never NaN). */
  mean: (QualityMetrics & { atK?: Record<number, MetricsAtK> }) | null;
  evaluated: number;
  skipped: {
    /**
     * Queries of the run or of the qrels with no judgment of score > 0 (including run queries
     * absent from the qrels). Skipped, not averaged.
     */
    noPositiveJudgment: string[];
    /** Queries with a positive judgment that the run has no entry for. Not averaged. */
    notRun: string[];
  };
}

export interface EvaluateOptions {
  /** Extra cutoffs (positive integers) reported in `atK` beside the standard four metrics. */
  ks?: ReadonlyArray<number>;
}

/**
 * Evaluate a run (query id → ranked document ids, best first) against qrels. A query present
 * in the run with an empty ranking is evaluated (all metrics 0).
 */
export function evaluateRun(
  run: ReadonlyMap<string, ReadonlyArray<string>>,
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>>,
  opts: EvaluateOptions = {},
): RunQuality {
  const ks = [...new Set(opts.ks ?? [])];
  ks.forEach(checkK);
  const perQuery: QueryQuality[] = [];
  const noPositiveJudgment: string[] = [];
  const notRun: string[] = [];

  for (const [queryId, ranked] of run) {
    const j = qrels.get(queryId);
    if (!j || !hasPositiveJudgment(j)) {
      noPositiveJudgment.push(queryId);
      continue;
    }
    const q: QueryQuality = {
      queryId,
      ndcg10: ndcgAtK(ranked, j, 10),
      recall10: recallAtK(ranked, j, 10),
      recall100: recallAtK(ranked, j, 100),
      mrr10: mrrAtK(ranked, j, 10),
    };
    if (ks.length > 0) {
      const atK: Record<number, MetricsAtK> = {};
      for (const k of ks) atK[k] = { ndcg: ndcgAtK(ranked, j, k), recall: recallAtK(ranked, j, k), mrr: mrrAtK(ranked, j, k) };
      q.atK = atK;
    }
    perQuery.push(q);
  }
  for (const [queryId, j] of qrels) {
    if (run.has(queryId)) continue;
    if (hasPositiveJudgment(j)) notRun.push(queryId);
    else noPositiveJudgment.push(queryId);
  }

  const n = perQuery.length;
  let mean: RunQuality['mean'] = null;
  if (n > 0) {
    const avg = (f: (q: QueryQuality) => number): number => perQuery.reduce((s, q) => s + f(q), 0) / n;
    mean = {
      ndcg10: avg((q) => q.ndcg10),
      recall10: avg((q) => q.recall10),
      recall100: avg((q) => q.recall100),
      mrr10: avg((q) => q.mrr10),
    };
    if (ks.length > 0) {
      const atK: Record<number, MetricsAtK> = {};
      for (const k of ks) {
        atK[k] = {
          ndcg: avg((q) => q.atK?.[k]?.ndcg ?? 0),
          recall: avg((q) => q.atK?.[k]?.recall ?? 0),
          mrr: avg((q) => q.atK?.[k]?.mrr ?? 0),
        };
      }
      mean.atK = atK;
    }
  }
  return { perQuery, mean, evaluated: n, skipped: { noPositiveJudgment, notRun } };
}
