import { describe, expect, it } from 'vitest';
import { evaluateRun, mrrAtK, ndcgAtK, rankDocuments, recallAtK, type Qrels } from '../../src/core/metrics';

const j = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));
const LOG2_3 = Math.log2(3); // 1.5849625...

describe('rankDocuments', () => {
  it('collapses duplicate chunks of one document to its best (first) rank', () => {
    const hits = [
      { docId: 'd1', score: 0.9 },
      { docId: 'd2', score: 0.8 },
      { docId: 'd1', score: 0.7 }, // second chunk of d1: dropped
      { docId: 'd3', score: 0.6 },
      { docId: 'd2', score: 0.5 }, // dropped
    ];
    expect(rankDocuments(hits)).toEqual(['d1', 'd2', 'd3']);
  });

  it('keeps the given order for tied scores and does not re-sort', () => {
    expect(rankDocuments([{ docId: 'b', score: 0.5 }, { docId: 'a', score: 0.5 }])).toEqual(['b', 'a']);
    expect(rankDocuments([{ docId: 'a', score: 0.5 }, { docId: 'b', score: 0.5 }])).toEqual(['a', 'b']);
    expect(rankDocuments([])).toEqual([]);
  });

  it('a collapsed ranking changes the metrics: relevant d3 is at document rank 3, not chunk rank 4', () => {
    const hits = [
      { docId: 'd1', score: 0.9 },
      { docId: 'd1', score: 0.8 },
      { docId: 'd2', score: 0.7 },
      { docId: 'd3', score: 0.6 },
    ];
    // MRR = 1/3 at document level (it would be 1/4 over chunks).
    expect(mrrAtK(rankDocuments(hits), j({ d3: 1 }), 10)).toBeCloseTo(1 / 3, 12);
    // recall@3: d3 is inside the top 3 documents (1/1); over chunks it would be outside (0).
    expect(recallAtK(rankDocuments(hits), j({ d3: 1 }), 3)).toBe(1);
  });
});

describe('ndcgAtK', () => {
  it('uses the graded score as a linear gain (2 vs 1), log2(rank+1) discount', () => {
    // judgments a:2, b:1, c:0; ranking b, x (unjudged), a
    // DCG  = 1/log2(2) + 0/log2(3) + 2/log2(4) = 1 + 0 + 1 = 2
    // IDCG = 2/log2(2) + 1/log2(3)             = 2 + 0.6309298 = 2.6309298
    // nDCG = 2 / 2.6309298 = 0.7601875
    // (with exponential gains 2^rel-1 it would be (1 + 3/2) / (3 + 0.6309) = 0.6885)
    const judg = j({ a: 2, b: 1, c: 0 });
    const v = ndcgAtK(['b', 'x', 'a'], judg);
    expect(v).toBeCloseTo(2 / (2 + 1 / LOG2_3), 12);
    expect(v).toBeCloseTo(0.7601875, 6);
    // perfect order a, b → 1
    expect(ndcgAtK(['a', 'b', 'c'], judg)).toBeCloseTo(1, 12);
    // reversed grades b, a: DCG = 1 + 2/log2(3) = 2.2618595; /2.6309298 = 0.8597187
    expect(ndcgAtK(['b', 'a'], judg)).toBeCloseTo(0.8597187, 6);
  });

  it('ties in the ranking are judged in the order given', () => {
    // a (2) and b (1) tied in score: the ranking's order decides.
    const judg = j({ a: 2, b: 1 });
    const first = ndcgAtK(rankDocuments([{ docId: 'a', score: 1 }, { docId: 'b', score: 1 }]), judg);
    const second = ndcgAtK(rankDocuments([{ docId: 'b', score: 1 }, { docId: 'a', score: 1 }]), judg);
    expect(first).toBeCloseTo(1, 12);
    // (1 + 2/log2 3) / (2 + 1/log2 3) = 2.2618595 / 2.6309298 = 0.8597187
    expect(second).toBeCloseTo(0.8597187, 6);
  });

  it('unjudged documents have gain 0', () => {
    // u1, u2 unjudged, a:1 at rank 3 → DCG = 1/log2(4) = 0.5, IDCG = 1 → 0.5
    expect(ndcgAtK(['u1', 'u2', 'a'], j({ a: 1 }))).toBeCloseTo(0.5, 12);
    // negative judgments count as gain 0 too: DCG = 0 + 1/log2(3) = 0.6309298, IDCG = 1
    expect(ndcgAtK(['n', 'a'], j({ n: -1, a: 1 }))).toBeCloseTo(1 / LOG2_3, 12);
  });

  it('fewer than k results is fine', () => {
    // a, b, c all 1; ranking [a] only
    // DCG = 1; IDCG@10 = 1 + 1/log2(3) + 1/log2(4) = 1 + 0.6309298 + 0.5 = 2.1309298 → 0.4692787
    expect(ndcgAtK(['a'], j({ a: 1, b: 1, c: 1 }))).toBeCloseTo(0.4692787, 6);
    expect(ndcgAtK([], j({ a: 1 }))).toBe(0);
  });

  it('truncates the ideal DCG at k', () => {
    // three relevant docs, k = 2, ranking a, b: DCG@2 = IDCG@2 = 1 + 1/log2(3) → 1
    expect(ndcgAtK(['a', 'b'], j({ a: 1, b: 1, c: 1 }), 2)).toBeCloseTo(1, 12);
    // only the top k of the ranking count: relevant doc at rank 3 with k = 2 → 0
    expect(ndcgAtK(['x', 'y', 'a'], j({ a: 1 }), 2)).toBe(0);
    // 12 relevant docs ranked first, k = 10 → exactly 1 (an untruncated ideal would give < 1)
    const twelve = Array.from({ length: 12 }, (_, i) => `d${i}`);
    expect(ndcgAtK(twelve, new Map(twelve.map((d) => [d, 1])), 10)).toBeCloseTo(1, 12);
  });

  it('counts a document repeated in the ranking once', () => {
    // [a, a, b] → [a, b]: DCG = 1/1 + 1/log2(3) = IDCG → 1 (double counting would give > 1)
    expect(ndcgAtK(['a', 'a', 'b'], j({ a: 1, b: 1 }))).toBeCloseTo(1, 12);
  });

  it('is 0 for a query with no positive judgment and rejects a bad k', () => {
    expect(ndcgAtK(['a'], j({ a: 0 }))).toBe(0);
    expect(() => ndcgAtK(['a'], j({ a: 1 }), 0)).toThrow(/k must be/);
    expect(() => ndcgAtK(['a'], j({ a: 1 }), 2.5)).toThrow(/k must be/);
  });
});

describe('recallAtK', () => {
  it('is |relevant ∩ top k| / |relevant| with relevant = score > 0', () => {
    // relevant: a (2), b (1); c (0) is not relevant
    const judg = j({ a: 2, b: 1, c: 0 });
    expect(recallAtK(['c', 'b', 'x', 'a'], judg, 10)).toBe(1); // 2/2
    expect(recallAtK(['c', 'b', 'x', 'a'], judg, 2)).toBe(0.5); // {b} → 1/2
    expect(recallAtK(['c', 'x'], judg, 10)).toBe(0); // 0/2
    // fewer than k results: [a] of 3 relevant → 1/3
    expect(recallAtK(['a'], j({ a: 1, b: 1, c: 1 }), 100)).toBeCloseTo(1 / 3, 12);
    // a repeated document is not counted twice: [a, a] → 1/2, not 2/2
    expect(recallAtK(['a', 'a'], j({ a: 1, b: 1 }), 10)).toBe(0.5);
  });
});

describe('mrrAtK', () => {
  it('is 1/rank of the first relevant document within k', () => {
    const judg = j({ a: 1, c: 0 });
    expect(mrrAtK(['a', 'b'], judg)).toBe(1);
    expect(mrrAtK(['c', 'x', 'a'], judg)).toBeCloseTo(1 / 3, 12); // judged 0 and unjudged do not count
    expect(mrrAtK(['c', 'x', 'a'], judg, 2)).toBe(0); // beyond k
    expect(mrrAtK([], judg)).toBe(0);
  });
});

describe('evaluateRun', () => {
  const qrels: Qrels = new Map([
    ['q1', j({ a: 2, b: 1, c: 0 })],
    ['q2', j({ d: 1 })],
    ['q3', j({ e: 0, f: 0 })], // only score-0 judgments: skipped
    ['q4', j({ g: 1 })], // not in the run
    ['q6', j({ h: 0 })], // no positive judgment and not run: counted as noPositiveJudgment
  ]);
  const run = new Map<string, string[]>([
    ['q1', ['b', 'x', 'a']], // ndcg 0.7601875, recall 1, mrr 1
    ['q2', ['x', 'y', 'd']], // ndcg 1/log2(4) = 0.5, recall 1, mrr 1/3
    ['q3', ['e']],
    ['q5', ['z']], // not in qrels: no positive judgment
  ]);

  it('averages the evaluated queries and counts the skipped ones', () => {
    const r = evaluateRun(run, qrels);
    expect(r.evaluated).toBe(2);
    expect(r.perQuery.map((q) => q.queryId)).toEqual(['q1', 'q2']);
    expect(r.skipped.noPositiveJudgment).toEqual(['q3', 'q5', 'q6']);
    expect(r.skipped.notRun).toEqual(['q4']);
    const [q1, q2] = r.perQuery;
    expect(q1?.ndcg10).toBeCloseTo(0.7601875, 6);
    expect(q2?.ndcg10).toBeCloseTo(0.5, 12);
    expect(q2?.mrr10).toBeCloseTo(1 / 3, 12);
    // means: ndcg (0.7601875 + 0.5)/2 = 0.6300938; recall (1 + 1)/2 = 1; mrr (1 + 1/3)/2 = 0.6666667
    expect(r.mean?.ndcg10).toBeCloseTo(0.6300938, 6);
    expect(r.mean?.recall10).toBe(1);
    expect(r.mean?.recall100).toBe(1);
    expect(r.mean?.mrr10).toBeCloseTo(2 / 3, 12);
    expect(r.mean?.atK).toBeUndefined();
  });

  it('reports extra cutoffs when asked', () => {
    const r = evaluateRun(run, qrels, { ks: [1] });
    // @1: q1 [b] → ndcg 1/2 (b:1 vs ideal a:2), recall 1/2, mrr 1; q2 [x] → 0, 0, 0
    expect(r.perQuery[0]?.atK?.[1]).toEqual({ ndcg: 0.5, recall: 0.5, mrr: 1 });
    expect(r.mean?.atK?.[1]).toEqual({ ndcg: 0.25, recall: 0.25, mrr: 0.5 });
  });

  it('an empty ranking is evaluated as zeros; nothing evaluated gives a null mean', () => {
    const r = evaluateRun(new Map([['q2', []]]), new Map([['q2', j({ d: 1 })]]));
    expect(r.evaluated).toBe(1);
    expect(r.mean).toEqual({ ndcg10: 0, recall10: 0, recall100: 0, mrr10: 0 });
    const none = evaluateRun(new Map([['q3', ['e']]]), new Map([['q3', j({ e: 0 })]]));
    expect(none.evaluated).toBe(0);
    expect(none.mean).toBeNull();
    expect(none.skipped.noPositiveJudgment).toEqual(['q3']);
  });

  it('recall@100 differs from recall@10 when a relevant doc is between ranks 11 and 100', () => {
    const ranked = [...Array.from({ length: 20 }, (_, i) => `x${i}`), 'a'];
    const r = evaluateRun(new Map([['q', ranked]]), new Map([['q', j({ a: 1 })]]));
    expect(r.perQuery[0]).toMatchObject({ recall10: 0, recall100: 1, mrr10: 0, ndcg10: 0 });
  });
});
