/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): an item's fused score is
 * Σ over the lists that contain it of 1 / (k + rank), rank from 1, k = 60 by default. Each list is
 * cut at `depth` distinct items before fusing (the fused depth: how deep each ranking is read);
 * an item counts once per list, at its first position (later copies are dropped, ranks close up).
 *
 * Ties (equal fused score) go to the item with the better best rank, then to the item met first
 * when the lists are read rank by rank, list by list: deterministic for the same input.
 * Pure: no DOM, no workers.
 */
import { RagtabError } from './errors';

export const RRF_K = 60;

export interface FusedItem<T> {
  item: T;
  score: number;
  /** Rank (from 1) in each input list, null where the list (cut at depth) does not hold it. */
  ranks: Array<number | null>;
}

export interface RrfOptions {
  /** The constant k (default 60). */
  k?: number;
  /** Items read from each list (default: all). */
  depth?: number;
  /** Items returned (default: all fused). */
  limit?: number;
}

export function reciprocalRankFusion<T>(lists: ReadonlyArray<ReadonlyArray<T>>, opts: RrfOptions = {}): Array<FusedItem<T>> {
  const k = opts.k ?? RRF_K;
  if (!(Number.isFinite(k) && k >= 0)) throw new RagtabError('InvalidArgument', `RRF k must be a number ≥ 0, got ${k}.`);
  const depth = opts.depth ?? Infinity;
  if (!(depth === Infinity || (Number.isInteger(depth) && depth >= 1))) {
    throw new RagtabError('InvalidArgument', `RRF depth must be a positive integer, got ${depth}.`);
  }
  const limit = opts.limit ?? Infinity;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1))) {
    throw new RagtabError('InvalidArgument', `RRF limit must be a positive integer, got ${limit}.`);
  }
  // Each list: first occurrences only (later copies dropped, ranks close up), cut at depth.
  const cut = lists.map((list) => {
    const seen = new Set<T>();
    const out: T[] = [];
    for (const item of list) {
      if (out.length >= depth) break;
      if (seen.has(item)) continue;
      seen.add(item);
      out.push(item);
    }
    return out;
  });
  const fused = new Map<T, { score: number; ranks: Array<number | null>; best: number; order: number }>();
  let order = 0;
  const longest = Math.max(0, ...cut.map((l) => l.length));
  // Rank by rank across the lists, so `order` is the first-met order used for ties.
  for (let pos = 0; pos < longest; pos++) {
    cut.forEach((list, li) => {
      if (pos >= list.length) return;
      const item = list[pos] as T;
      const rank = pos + 1;
      let f = fused.get(item);
      if (!f) fused.set(item, (f = { score: 0, ranks: lists.map(() => null), best: rank, order: order++ }));
      f.score += 1 / (k + rank);
      f.ranks[li] = rank;
      if (rank < f.best) f.best = rank;
    });
  }
  const out = [...fused.entries()].sort(([, a], [, b]) => b.score - a.score || a.best - b.best || a.order - b.order);
  return out.slice(0, Math.min(limit, out.length)).map(([item, f]) => ({ item, score: f.score, ranks: f.ranks }));
}
