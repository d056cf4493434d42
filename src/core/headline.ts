/**
 * The headline of a run: the few figures llama-bench and Speedometer users look for first, each
 * with the phase and the number of samples it came from. Read from a RunRecord (a benchmark's, or
 * the app's own run as one: src/engine/session-record.ts), so the headline, the report and the
 * share link agree. Pure.
 */
import { APP_SUITE, type Phase, type RunRecord } from './run-record';
import { QUERY_STAGE, STAGE } from './stages';
import { summarize } from './stats';

export type HeadlineId = 'query' | 'ttft' | 'decode' | 'embed' | 'ndcg';

export interface HeadlineTile {
  id: HeadlineId;
  label: string;
  /** null: not measured in this run (the tile says why in `phase`). */
  value: number | null;
  unit: 'ms' | 'tokens/s' | 'chunks/s' | '';
  /** Where the figure comes from, in words: "warm · p50 of 50 queries", "cold ingest", "not measured: no LLM". */
  phase: string;
  /** The run's phase the figure belongs to (null when not measured). */
  phaseName: Phase | 'evaluate' | null;
  /** Samples behind the figure (0 when not measured). */
  n: number;
}

const RETRIEVAL = new Set<string>([STAGE.embedQuery, STAGE.search, STAGE.formatContext]);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What the headline reads of a record. */
export type HeadlineSource = Pick<RunRecord, 'suite' | 'samples' | 'quality' | 'llm' | 'corpus'>;

/** Query latency: the runner's end-to-end samples (a benchmark), else the sum of each query's retrieval stages (the app's run). */
function queryTile(r: HeadlineSource): HeadlineTile {
  const label = 'query, p50';
  const measured = r.samples.filter((x) => !x.warmup && x.phase === 'warm' && (x.stage === QUERY_STAGE || x.stage.startsWith(`${QUERY_STAGE} (`))).map((x) => x.duration);
  if (measured.length) {
    const n = measured.length;
    return { id: 'query', label, value: summarize(measured).p50, unit: 'ms', phase: `warm · ${plural(n, 'query', 'queries')}, end to end`, phaseName: 'warm', n };
  }
  const perQuery = new Map<number, number>();
  for (const x of r.samples) {
    if (x.warmup || x.phase !== 'warm' || !RETRIEVAL.has(x.stage)) continue;
    perQuery.set(x.iteration, (perQuery.get(x.iteration) ?? 0) + x.duration);
  }
  const sums = [...perQuery.values()];
  if (sums.length === 0) return { id: 'query', label, value: null, unit: 'ms', phase: 'not measured yet: ask a question or evaluate', phaseName: null, n: 0 };
  const p50 = summarize(sums).p50;
  return { id: 'query', label: sums.length === 1 ? 'query (retrieval)' : 'query (retrieval), p50', value: p50, unit: 'ms', phase: `warm · ${sums.length === 1 ? 'your last question' : `${sums.length} queries`}`, phaseName: 'warm', n: sums.length };
}

function stagePhase(r: HeadlineSource, stage: string): { values: number[]; phase: Phase } | null {
  for (const phase of ['warm', 'reload', 'cold'] as const) {
    const values = r.samples.filter((x) => !x.warmup && x.phase === phase && x.stage === stage).map((x) => x.duration);
    if (values.length) return { values, phase };
  }
  return null;
}

function rate(r: HeadlineSource, stage: string, key: string, phases: readonly Phase[]): { values: number[]; phase: Phase } | null {
  for (const phase of phases) {
    const values = r.samples
      .filter((x) => !x.warmup && x.phase === phase && x.stage === stage)
      .map((x) => x.extra[key])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length) return { values, phase };
  }
  return null;
}

function ttftTile(r: HeadlineSource): HeadlineTile {
  const t = stagePhase(r, STAGE.timeToFirstToken);
  const label = 'time to first token';
  if (!t) return { id: 'ttft', label, value: null, unit: 'ms', phase: r.llm ? 'not measured: no question was answered' : 'not measured: no LLM loaded', phaseName: null, n: 0 };
  const n = t.values.length;
  return { id: 'ttft', label: n > 1 ? `${label}, p50` : label, value: summarize(t.values).p50, unit: 'ms', phase: `${t.phase} · ${plural(n, 'answer')}`, phaseName: t.phase, n };
}

function decodeTile(r: HeadlineSource): HeadlineTile {
  const t = rate(r, STAGE.decode, 'tokensPerSecond', ['warm', 'reload', 'cold']);
  const label = 'decode';
  if (!t) return { id: 'decode', label, value: null, unit: 'tokens/s', phase: r.llm ? 'not measured: no question was answered' : 'not measured: no LLM loaded', phaseName: null, n: 0 };
  const n = t.values.length;
  return { id: 'decode', label: n > 1 ? `${label}, p50` : label, value: summarize(t.values).p50, unit: 'tokens/s', phase: `${t.phase} · ${plural(n, 'answer')}`, phaseName: t.phase, n };
}

/** Embedding throughput of the ingest that embedded (cold); after a reload that read the vectors back, that load instead. */
function embedTile(r: HeadlineSource): HeadlineTile {
  const t = rate(r, STAGE.embed, 'chunksPerSecond', ['cold', 'reload', 'warm']);
  if (t) {
    const n = t.values.length;
    return { id: 'embed', label: 'embedding', value: summarize(t.values).p50 ?? null, unit: 'chunks/s', phase: `${t.phase} ingest${n > 1 ? ` · ${n} runs` : ''}`, phaseName: t.phase, n };
  }
  const load = stagePhase(r, STAGE.load);
  if (load) {
    const chunks = r.corpus?.chunks;
    return {
      id: 'embed',
      label: 'index loaded from storage',
      value: load.values[0] ?? null,
      unit: 'ms',
      phase: `${load.phase === 'cold' && r.suite === APP_SUITE ? 'ingest' : load.phase} · ${chunks !== undefined ? `${chunks.toLocaleString('en-US')} vectors read back, ` : ''}nothing embedded`,
      phaseName: load.phase,
      n: load.values.length,
    };
  }
  return { id: 'embed', label: 'embedding', value: null, unit: 'chunks/s', phase: 'not measured yet: ingest a corpus', phaseName: null, n: 0 };
}

function ndcgTile(r: HeadlineSource): HeadlineTile {
  const q = r.quality;
  if (!q?.mean) return { id: 'ndcg', label: 'nDCG@10', value: null, unit: '', phase: 'not measured: evaluate the judged queries', phaseName: null, n: 0 };
  return { id: 'ndcg', label: 'nDCG@10', value: q.mean.ndcg10, unit: '', phase: `evaluate · ${plural(q.evaluated, 'judged query', 'judged queries')}`, phaseName: 'evaluate', n: q.evaluated };
}

/** The five headline figures of a run, in the order people read them. */
export function headline(r: HeadlineSource): HeadlineTile[] {
  return [queryTile(r), ttftTile(r), decodeTile(r), embedTile(r), ndcgTile(r)];
}
