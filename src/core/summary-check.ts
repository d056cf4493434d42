/**
 * A share link's summary is someone else's claim: before it is shown as a result or compared, each
 * figure is checked for internal consistency (n = 0 with a mean, p90 above p99, a mean outside
 * [min, max], nDCG over 0 queries, recall@100 below recall@10 …) and, where the link carries the
 * full record, against the summary recomputed from the record's own samples. What fails is marked
 * "inconsistent" with the reason, and left out of every comparison. Pure.
 */
import type { RunRecord } from './run-record';
import type { ShareSummary, StageRow, ThroughputRow } from './share-link';
import { summaryFromRecord } from './share-summary';

export interface SummaryProblems {
  /** By `${phase}\u0000${stage}`: why the stage row is inconsistent. */
  stages: Map<string, string>;
  /** By `${phase}\u0000${name}`. */
  throughputs: Map<string, string>;
  quality: string | null;
}

export const stageKey = (r: Pick<StageRow, 'phase' | 'stage'>): string => `${r.phase}\u0000${r.stage}`;
export const throughputKey = (r: Pick<ThroughputRow, 'phase' | 'name'>): string => `${r.phase}\u0000${r.name}`;

/** a ≤ b, allowing for the rounding of a link's numbers. */
const le = (a: number, b: number): boolean => a <= b + 1e-9 * Math.max(1, Math.abs(b));
const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
/** Two means that should be the same figure: within 1% (a link rounds). */
const same = (a: number, b: number): boolean => Math.abs(a - b) <= 0.01 * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;

function stageProblem(r: StageRow): string | null {
  if (r.count === 0) return 'n = 0 with a mean';
  if (r.sd != null && r.count < 2) return `a standard deviation from n = ${r.count}`;
  const order: Array<[string, number | null]> = [
    ['min', r.min],
    ['p50', r.p50],
    ['p90', r.p90],
    ['p99', r.p99],
    ['max', r.max],
  ];
  const present = order.filter((x): x is [string, number] => x[1] !== null);
  for (let i = 1; i < present.length; i++) {
    const [a, x] = present[i - 1]!;
    const [b, y] = present[i]!;
    if (!le(x, y)) return `${a} ${fmt(x)} above ${b} ${fmt(y)}`;
  }
  if (r.min !== null && !le(r.min, r.mean)) return `mean ${fmt(r.mean)} below min ${fmt(r.min)}`;
  if (r.max !== null && !le(r.mean, r.max)) return `mean ${fmt(r.mean)} above max ${fmt(r.max)}`;
  return null;
}

function throughputProblem(t: ThroughputRow): string | null {
  if (t.count === 0) return 'n = 0 with a mean';
  if (t.sd != null && t.count !== undefined && t.count < 2) return `a standard deviation from n = ${t.count}`;
  return null;
}

function qualityProblem(q: NonNullable<ShareSummary['quality']>): string | null {
  const any = q.ndcg10 > 0 || q.recall10 > 0 || q.recall100 > 0 || q.mrr10 > 0;
  if (q.evaluated === 0 && any) return 'scores over 0 judged queries';
  if (!le(q.recall10, q.recall100)) return `recall@100 ${q.recall100.toFixed(4)} below recall@10 ${q.recall10.toFixed(4)}`;
  // a relevant document in the top 10 gives all three a positive score, none gives all three 0
  if (q.ndcg10 > 0 !== q.recall10 > 0 || q.mrr10 > 0 !== q.recall10 > 0) return `nDCG@10 ${q.ndcg10.toFixed(4)}, recall@10 ${q.recall10.toFixed(4)} and MRR@10 ${q.mrr10.toFixed(4)} disagree on whether any relevant document was in the top 10`;
  return null;
}

/** Every inconsistent figure of `summary`, checked against `record`'s samples when the link carries it. */
export function summaryProblems(summary: ShareSummary, record?: RunRecord | null): SummaryProblems {
  const out: SummaryProblems = { stages: new Map(), throughputs: new Map(), quality: null };
  const fromRecord = record ? summaryFromRecord(record) : null;
  const recStages = new Map(fromRecord?.stages.map((r) => [stageKey(r), r]));
  const recThroughputs = new Map(fromRecord?.throughputs.map((t) => [throughputKey(t), t]));
  for (const r of summary.stages) {
    let why = stageProblem(r);
    if (!why && fromRecord) {
      const m = recStages.get(stageKey(r));
      if (!m) why = 'not in the samples of the record the link carries';
      else if (m.count !== r.count || !same(m.mean, r.mean)) why = `the record the link carries gives n ${m.count}, mean ${fmt(m.mean)} ms (the summary says n ${r.count}, mean ${fmt(r.mean)} ms)`;
    }
    if (why) out.stages.set(stageKey(r), why);
  }
  for (const t of summary.throughputs) {
    let why = throughputProblem(t);
    if (!why && fromRecord) {
      const m = recThroughputs.get(throughputKey(t));
      if (!m) why = 'not in the samples of the record the link carries';
      else if (!same(m.mean, t.mean)) why = `the record the link carries gives ${fmt(m.mean)} (the summary says ${fmt(t.mean)})`;
    }
    if (why) out.throughputs.set(throughputKey(t), why);
  }
  if (summary.quality) {
    out.quality = qualityProblem(summary.quality);
    const rq = fromRecord?.quality;
    if (!out.quality && fromRecord) {
      if (!rq) out.quality = 'the record the link carries has no quality figures';
      else if (rq.evaluated !== summary.quality.evaluated || !same(rq.ndcg10, summary.quality.ndcg10) || !same(rq.recall10, summary.quality.recall10)) out.quality = `the record the link carries gives nDCG@10 ${rq.ndcg10.toFixed(4)} over ${rq.evaluated} queries`;
    }
  }
  return out;
}

/** The summary without its inconsistent figures: what a comparison may use. */
export function consistentPart(summary: ShareSummary, p: SummaryProblems): ShareSummary {
  return {
    ...summary,
    stages: summary.stages.filter((r) => !p.stages.has(stageKey(r))),
    throughputs: summary.throughputs.filter((t) => !p.throughputs.has(throughputKey(t))),
    quality: p.quality ? null : summary.quality,
  };
}

/** One line per inconsistent figure, for the comparison's warnings. */
export function problemLines(summary: ShareSummary, p: SummaryProblems): string[] {
  const lines: string[] = [];
  for (const r of summary.stages) {
    const why = p.stages.get(stageKey(r));
    if (why) lines.push(`Their "${r.stage}" (${r.phase}) is inconsistent (${why}): left out of the comparison.`);
  }
  for (const t of summary.throughputs) {
    const why = p.throughputs.get(throughputKey(t));
    if (why) lines.push(`Their "${t.name}" is inconsistent (${why}): left out of the comparison.`);
  }
  if (p.quality) lines.push(`Their quality figures are inconsistent (${p.quality}): left out of the comparison.`);
  return lines;
}
