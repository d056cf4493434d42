/**
 * The app's own run as a RunRecord (suite `app`), so a share link, its summary and a comparison
 * read the same record a benchmark run makes: the ingestion's stages (phase cold, the page's first
 * real work), the LLM load (cold), and the warm stages: every evaluated query's retrieval stages,
 * then the last query's stages (those the evaluation already measured on its many queries are left
 * out, so one query's figure is not mixed into the evaluation's).
 */
import type { BenchConfig } from '../core/bench-config';
import { APP_SUITE, type CalibrationRecord, type EnvironmentRecord, type Phase, type RunRecord } from '../core/run-record';
import type { DeviceRoofs } from '../core/roofs';
import { STAGE, type StageTiming } from '../core/stages';
import type { LlmLoadReport } from './generation';
import { fillFromReports, newRecord, stageSamples } from './record';
import type { EvaluationReport, IngestReport, QueryResult } from './reports';

export interface SessionRun {
  config: BenchConfig;
  environment: EnvironmentRecord;
  startedAt: string;
  ingest: IngestReport;
  evaluation: EvaluationReport | null;
  /** Every kind's evaluation (the first is `evaluation`). */
  evaluations?: readonly EvaluationReport[];
  query: QueryResult | null;
  llm: LlmLoadReport | null;
  warnings?: readonly string[];
  /** The tab's roofs and calibration (measured at the session's first ingestion; the calibration again when the record is made). */
  roofs?: DeviceRoofs;
  calibration?: CalibrationRecord;
}

export function recordFromSession(run: SessionRun): RunRecord {
  const record = newRecord({ suite: APP_SUITE, config: run.config, environment: run.environment, startedAt: run.startedAt });
  const first = run.ingest.stages.find((s) => s.start !== undefined)?.start ?? 0;
  const at = (t: number) => t - first;
  const add = (stages: readonly StageTiming[], phase: Phase, iteration: number) => {
    for (const s of stageSamples(stages, { at, from: 0 })) record.samples.push({ ...s, iteration, warmup: false, phase });
  };
  add(run.ingest.stages, 'cold', 0);
  if (run.llm) record.samples.push({ stage: STAGE.llmLoad, iteration: 0, warmup: false, phase: 'cold', start: 0, duration: run.llm.roundTripMs, extra: { source: run.llm.source } });
  const evaluated = new Set<string>();
  (run.evaluation?.queryStages ?? []).forEach((stages, i) => {
    for (const s of stages) evaluated.add(s.name);
    add(stages, 'warm', i);
  });
  if (run.query) add(run.query.stages.filter((s) => !evaluated.has(s.name)), 'warm', 0);
  record.warnings.push(...(run.warnings ?? []));
  if (run.roofs) record.roofs = run.roofs;
  if (run.calibration) record.calibration = run.calibration;
  fillFromReports(record, { ingest: run.ingest, llm: run.llm, evaluation: run.evaluation, ...(run.evaluations ? { evaluations: run.evaluations } : {}) });
  record.status = 'complete';
  record.finishedAt = new Date().toISOString();
  return record;
}
