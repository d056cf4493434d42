/**
 * A RunRecord (src/core/run-record.ts) assembled: a new one, samples from timed stages, and what
 * ran, from the session's reports. The benchmark runner, the app's own run (session-record.ts) and
 * a shared re-run all make their records here, so every view reads the same record.
 */
import type { EnvironmentRecord, Extra, KindFigures, RunRecord, Sample } from '../core/run-record';
import { RUN_RECORD_SCHEMA, RUN_RECORD_VERSION } from '../core/run-record';
import type { BenchConfig } from '../core/bench-config';
import type { StageTiming } from '../core/stages';
import type { LlmLoadReport } from './generation';
import type { EvaluationReport, IngestReport } from './reports';

/** A run id that sorts by time: `20261125T231339-3fa9c1`. */
export function newRunId(date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').slice(0, 15);
  const rand = Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  return `${stamp}-${rand}`;
}

export function newRecord(o: { id?: string; suite: string; config: BenchConfig; sweep?: RunRecord['sweep']; environment: EnvironmentRecord; startedAt?: string }): RunRecord {
  return {
    schema: RUN_RECORD_SCHEMA,
    version: RUN_RECORD_VERSION,
    id: o.id ?? newRunId(),
    suite: o.suite,
    status: 'running',
    startedAt: o.startedAt ?? new Date().toISOString(),
    finishedAt: null,
    config: o.config,
    sweep: o.sweep ?? null,
    environment: o.environment,
    stages: [],
    samples: [],
    memory: [],
    corpus: null,
    embedder: null,
    llm: null,
    quality: null,
    errors: [],
    warnings: [],
  };
}

/** A timing's figures as a sample's extras (time inside the worker as `workerMs`). */
export function extraOf(t: { workerMs?: number; extra?: Record<string, number | string> }): Extra {
  const out: Extra = { ...(t.extra ?? {}) };
  if (t.workerMs !== undefined) out['workerMs'] = t.workerMs;
  return out;
}

export type StageSample = Pick<Sample, 'stage' | 'start' | 'duration' | 'extra'>;

/**
 * Timed stages as samples, in order (a stage that kept no start follows the one before), then the
 * parts inside them (embed batches), one after another from their stage's start. With
 * `kindSuffix`, a stage that reports an index kind is named per kind (`search (voy)`).
 */
export function stageSamples(stages: readonly StageTiming[], o: { at: (performanceNow: number) => number; from: number; extra?: Extra; kindSuffix?: boolean }): StageSample[] {
  const out: StageSample[] = [];
  let cursor = o.from;
  const starts: number[] = [];
  for (const s of stages) {
    const start = s.start !== undefined ? o.at(s.start) : cursor;
    starts.push(start);
    const kind = s.extra?.['kind'];
    const stage = o.kindSuffix && typeof kind === 'string' ? `${s.name} (${kind})` : s.name;
    out.push({ stage, start, duration: Math.max(0, s.ms), extra: { ...extraOf(s), ...(o.extra ?? {}) } });
    cursor = start + s.ms;
  }
  stages.forEach((s, i) => {
    let p0 = starts[i]!;
    for (const p of s.parts ?? []) {
      out.push({ stage: p.name, start: p0, duration: Math.max(0, p.ms), extra: { ...(p.extra ?? {}) } });
      p0 += p.ms;
    }
  });
  return out;
}

/** The reports a record is filled from. */
export interface RunReports {
  ingest: IngestReport | null;
  llm: LlmLoadReport | null;
  evaluation: EvaluationReport | null;
  /** Every kind's evaluation (the first is `evaluation`); absent: that one only. */
  evaluations?: readonly EvaluationReport[];
  /**
   * The corpus's tokens as the ingestion that embedded all of it counted them (a later ingestion
   * that loaded the vectors from storage embedded nothing, and counts 0); absent: `ingest.tokens`.
   */
  corpusTokens?: number | null;
}

/** The kinds of an ingestion with their evaluations, as the record keeps them. */
export function kindFigures(ing: IngestReport, evaluations: readonly EvaluationReport[]): KindFigures[] {
  return ing.kinds.map((k) => {
    const ev = evaluations.find((e) => e.kind === k.kind);
    const m = ev?.quality.mean;
    const c = k.check;
    return {
      kind: k.kind,
      label: k.label,
      role: k.role,
      loaded: k.loaded,
      buildMs: k.build?.ms ?? null,
      storedBuildMs: k.storedBuildMs,
      bytes: typeof k.build?.bytes === 'number' ? k.build.bytes : null,
      bytesNote: k.build?.bytesNote ?? null,
      diskBytes: k.diskBytes,
      bytesPerVector: k.bytesPerVector,
      check: c ? { queries: c.queries, k: c.k, p50: c.searchMs.p50, p90: c.searchMs.p90, workerP50: c.workerMs.p50, recall: c.recall?.mean ?? null, recallMin: c.recall?.min ?? null } : null,
      quality:
        ev && m
          ? {
              evaluated: ev.quality.evaluated,
              depth: ev.depth,
              ndcg10: m.ndcg10,
              recall10: m.recall10,
              recall100: m.recall100,
              mrr10: m.mrr10,
              perQuery: ev.quality.perQuery.map((q) => ({ queryId: q.queryId, ndcg10: q.ndcg10, recall10: q.recall10 })),
            }
          : null,
    };
  });
}

/**
 * The record's stage list (in order of first appearance) and what ran, from the reports: the
 * corpus and embedder of the last ingestion, the LLM, quality (the evaluation, voy's recall).
 */
export function fillFromReports(record: RunRecord, state: RunReports): void {
  const seen = new Set<string>();
  record.stages = [];
  for (const s of record.samples) {
    if (seen.has(s.stage)) continue;
    seen.add(s.stage);
    record.stages.push({ name: s.stage, unit: 'ms' });
  }
  const ing = state.ingest;
  if (ing) {
    record.corpus = { name: ing.corpusName, hash: ing.corpusHash, docs: ing.docs, chunks: ing.chunks, tokens: state.corpusTokens ?? ing.tokens, emptyDocs: ing.emptyDocs, truncatedChunks: ing.truncatedChunks };
    const e = ing.embedder;
    record.embedder = {
      model: e.model.id,
      revision: e.model.revision ?? null,
      baseUrl: e.model.baseUrl ?? null,
      requestedDevice: e.requestedDevice,
      device: e.device,
      fallbackReason: e.fallbackReason,
      dtype: e.dtype,
      threads: e.threads,
      batchSize: e.batchSize,
      dims: e.dims,
      maxTokens: e.maxTokens,
      ...(e.shape ? { shape: { ...e.shape } } : {}),
    };
  }
  const l = state.llm;
  if (l) {
    record.llm = {
      engine: l.info.engine,
      model: l.info.model,
      detail: {
        modelName: l.info.modelName,
        backend: l.info.backend,
        threads: l.info.threads,
        variant: l.info.variant,
        contextSize: l.info.contextSize,
        engineVersion: l.info.engineVersion,
        source: l.source,
        bytes: l.files.reduce((t, f) => t + f.bytes, 0),
        weightBytesPerToken: l.info.weightBytesPerToken ?? null,
      },
    };
  }
  if (ing?.kinds?.length) record.kinds = kindFigures(ing, state.evaluations ?? (state.evaluation ? [state.evaluation] : []));
  const ev = state.evaluation;
  if (ev || ing?.voyRecall) {
    record.quality = {
      kind: ev?.kind ?? '',
      depth: ev?.depth ?? 0,
      evaluated: ev?.quality.evaluated ?? 0,
      skipped: ev ? ev.quality.skipped.noPositiveJudgment.length + ev.quality.skipped.notRun.length : 0,
      mean: ev?.quality.mean ? { ndcg10: ev.quality.mean.ndcg10, recall10: ev.quality.mean.recall10, recall100: ev.quality.mean.recall100, mrr10: ev.quality.mean.mrr10 } : null,
      perQuery: (ev?.quality.perQuery ?? []).map((q) => ({ queryId: q.queryId, ndcg10: q.ndcg10, recall10: q.recall10, recall100: q.recall100, mrr10: q.mrr10 })),
      voyRecall: ing?.voyRecall ? { ...ing.voyRecall } : null,
    };
  }
}
