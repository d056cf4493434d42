/**
 * Retrieval quality: every judged corpus query through `retrieve()` (one warm-up query first,
 * excluded from the figures), documents ranked by their best chunk, nDCG@10, recall@10/100 and
 * MRR@10 beside the stages' latencies.
 */
import type { Corpus } from '../core/documents';
import { RagtabError } from '../core/errors';
import { evaluateRun, rankDocuments } from '../core/metrics';
import { summarize } from '../core/stats';
import type { StageTiming } from '../core/stages';
import type { IndexKind } from '../core/vocabulary';
import type { RetrieveOptions } from '../core/index-kinds';
import type { EvaluationReport } from './reports';
import { retrieve, type RetrievalSource } from './retrieve';

export interface EvaluateInput {
  source: RetrievalSource;
  corpus: Corpus;
  kind: IndexKind;
  /** The kind and its settings in a few words (the report's label). */
  label?: string;
  /** The kind's search options. */
  options?: RetrieveOptions;
  /** Chunks retrieved per query. */
  depth: number;
  signal: AbortSignal;
  onProgress(done: number, total: number, startedAt: number): void;
}

/** The judged queries of a corpus (those with judgments). */
export function judgedQueries(corpus: Corpus): Corpus['queries'] {
  return corpus.queries.filter((q) => corpus.qrels.has(q.id));
}

export async function evaluateQueries(o: EvaluateInput): Promise<EvaluationReport> {
  const judged = judgedQueries(o.corpus);
  const t0 = performance.now();
  const run = new Map<string, string[]>();
  const rt = new Map<string, number[]>();
  const inWorker = new Map<string, number[]>();
  const warmups = 1;
  const queryStages: StageTiming[][] = [];
  const startedAt = performance.now();
  for (let i = -warmups; i < judged.length; i++) {
    // Cancel is checked between queries: terminating the index worker would lose the index.
    if (o.signal.aborted) throw new RagtabError('Cancelled', 'Evaluation cancelled.');
    const q = judged[Math.max(0, i)]!;
    const r = await retrieve(o.source, { text: q.text, k: o.depth, kind: o.kind, context: false, ...(o.options ? { options: o.options } : {}) });
    if (i < 0) continue;
    queryStages.push(r.stages);
    for (const s of r.stages) {
      if (!rt.has(s.name)) rt.set(s.name, []);
      rt.get(s.name)!.push(s.ms);
      if (s.workerMs !== undefined) {
        if (!inWorker.has(s.name)) inWorker.set(s.name, []);
        inWorker.get(s.name)!.push(s.workerMs);
      }
    }
    run.set(q.id, rankDocuments(r.hits.map((h) => ({ docId: h.docId, score: h.score }))));
    o.onProgress(i + 1, judged.length, startedAt);
  }
  return {
    queries: judged.length,
    depth: o.depth,
    kind: o.kind,
    label: o.label ?? o.kind,
    quality: evaluateRun(run, o.corpus.qrels),
    latency: [...rt].map(([stage, ms]) => ({ stage, roundTrip: summarize(ms), inWorker: inWorker.has(stage) ? summarize(inWorker.get(stage)!) : null })),
    warmups,
    queryStages,
    totalMs: performance.now() - t0,
  };
}
