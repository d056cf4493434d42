/**
 * A RunRecord's statistics, the view every report, export, share link and comparison starts from:
 * per stage (warm-ups excluded; cold, reload and warm kept apart), throughputs, the end-to-end check
 * of each query against its stages, each stage's share, the concurrency mode, memory peaks. Pure.
 */
import type { MemoryFigure, Phase, RunRecord } from './run-record';
import { QUERY_STAGE, CONCURRENT_BATCH_STAGE, CONCURRENT_QUERY_STAGE } from './stages';
import { summarize, type Summary } from './stats';
import { medianWithInterval, noiseVerdict, pairedDifference, type CalibrationDrift, type Difference, type MedianEstimate, type NoiseVerdict } from './robust-stats';
import { recordDrift } from './record-roofs';

export interface StageStats {
  stage: string;
  phase: Phase;
  unit: string;
  /** Measured samples (warm-ups excluded). */
  count: number;
  warmupsExcluded: number;
  /** Main-thread durations (ms). */
  duration: Summary;
  /** Durations measured inside the worker (extra.workerMs), when the stage reports them. */
  inWorker: Summary | null;
  /** The median with its exact order-statistic interval (src/core/robust-stats.ts). */
  median: MedianEstimate;
  /** CV against the noise threshold, with the run's calibration drift as the machine's context. */
  noise: NoiseVerdict;
}

export interface ThroughputStats {
  /** e.g. "embed: chunks/s". */
  name: string;
  stage: string;
  phase: Phase;
  unit: string;
  summary: Summary;
}

export interface EndToEndCheck {
  /** Queries timed end to end (warm, warm-ups excluded). */
  queries: number;
  measured: Summary;
  sumOfStages: Summary;
  /** measured − sum of stages, per query (what the stages do not account for: harness, events, rendering, the comparison search). */
  difference: Summary;
  /** Mean difference / mean measured × 100. */
  differencePct: number | null;
  /**
   * The same difference as a paired estimate (median of per-query differences, order-statistic
   * interval): a value only when its interval excludes 0, else "below resolution". Print this one.
   */
  resolved: Difference;
}

export interface StageShare {
  stage: string;
  /** Mean ms per query in which the stage ran. */
  meanMs: number;
  /** Share of the summed stage time over all timed queries (0..1). */
  share: number;
}

export interface MemoryPeak {
  stage: string;
  figure: MemoryFigure;
  /** Largest available reading during the stage; null when the figure was unavailable throughout. */
  peakBytes: number | null;
  samples: number;
  reason: string | null;
}

export interface ConcurrencyStats {
  concurrency: number;
  batches: number;
  /**
   * What each concurrent query went through: retrieval (embed query → search → format context),
   * or retrieval then generation (build prompt → generate) when the run had an LLM.
   */
  pipeline: ConcurrencyPipeline;
  queriesPerSecond: Summary;
  /** Submission → the query's last stage done. */
  latency: Summary;
  /** Submission → retrieval done. */
  retrieval: Summary | null;
  /** Generation only: retrieval done → the query's generate call started in the LLM worker (its queue). */
  llmWait: Summary | null;
  /** Generation only: submission → first token. */
  firstToken: Summary | null;
}

export const CONCURRENCY_PIPELINES = ['retrieval', 'retrieval+generation'] as const;
export type ConcurrencyPipeline = (typeof CONCURRENCY_PIPELINES)[number];

export interface RecordSummary {
  stages: StageStats[];
  /** The calibration workload before → after the run (null when not measured on both sides). */
  drift: CalibrationDrift | null;
  throughputs: ThroughputStats[];
  endToEnd: EndToEndCheck | null;
  shares: StageShare[];
  concurrency: ConcurrencyStats | null;
  memory: MemoryPeak[];
}


const PHASES: readonly Phase[] = ['cold', 'reload', 'warm'];

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** "chunksPerSecond" → "chunks/s", "engineTokensPerSecond" → "engine tokens/s". */
export function rateUnit(key: string): string {
  const base = key.replace(/PerSecond$/, '');
  return base.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() + '/s';
}

function groupKey(stage: string, phase: Phase): string {
  return `${phase}\u0000${stage}`;
}

/**
 * Per-stage statistics (warm-ups excluded; cold, reload and warm kept apart, never averaged
 * together), throughputs (every `…PerSecond` figure of the samples), the per-query sum of stages
 * beside the measured end-to-end time, each stage's share of a query, the concurrency figures and
 * the memory peak per stage.
 */
export function summarizeRecord(record: RunRecord): RecordSummary {
  const unitOf = new Map(record.stages.map((s) => [s.name, s.unit] as const));
  const groups = new Map<string, { stage: string; phase: Phase; durations: number[]; worker: number[]; warmups: number }>();
  const rates = new Map<string, { stage: string; phase: Phase; key: string; values: number[] }>();
  for (const s of record.samples) {
    const key = groupKey(s.stage, s.phase);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { stage: s.stage, phase: s.phase, durations: [], worker: [], warmups: 0 }));
    if (s.warmup) {
      g.warmups++;
      continue;
    }
    g.durations.push(s.duration);
    const w = num(s.extra['workerMs']);
    if (w !== null) g.worker.push(w);
    for (const [k, val] of Object.entries(s.extra)) {
      const x = num(val);
      if (!k.endsWith('PerSecond') || x === null) continue;
      const rk = `${key}\u0000${k}`;
      let r = rates.get(rk);
      if (!r) rates.set(rk, (r = { stage: s.stage, phase: s.phase, key: k, values: [] }));
      r.values.push(x);
    }
  }
  const order = (a: { phase: Phase }, b: { phase: Phase }) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase);
  const drift = recordDrift(record);
  const context = drift ? ({ kind: 'drift', drift } as const) : ({ kind: 'none' } as const);
  const stages: StageStats[] = [...groups.values()].sort(order).map((g) => ({
    stage: g.stage,
    phase: g.phase,
    unit: unitOf.get(g.stage) ?? 'ms',
    count: g.durations.length,
    warmupsExcluded: g.warmups,
    duration: summarize(g.durations),
    inWorker: g.worker.length > 0 ? summarize(g.worker) : null,
    median: medianWithInterval(g.durations),
    noise: noiseVerdict(g.durations, context),
  }));
  const throughputs: ThroughputStats[] = [...rates.values()].sort(order).map((r) => ({
    name: `${r.stage}: ${rateUnit(r.key)}`,
    stage: r.stage,
    phase: r.phase,
    unit: rateUnit(r.key),
    summary: summarize(r.values),
  }));

  // per query: the runner's end-to-end sample beside the session's stages of the same query (extra.seq)
  const bySeq = new Map<number, { measured: number | null; stages: Array<{ stage: string; duration: number }> }>();
  for (const s of record.samples) {
    const seq = num(s.extra['seq']);
    if (s.warmup || s.phase !== 'warm' || seq === null) continue;
    let q = bySeq.get(seq);
    if (!q) bySeq.set(seq, (q = { measured: null, stages: [] }));
    if (s.stage === QUERY_STAGE || s.stage.startsWith(`${QUERY_STAGE} (`)) q.measured = s.duration;
    else q.stages.push({ stage: s.stage, duration: s.duration });
  }
  const measured: number[] = [];
  const sums: number[] = [];
  const diffs: number[] = [];
  const shareTotals = new Map<string, { total: number; n: number }>();
  let allStages = 0;
  for (const q of bySeq.values()) {
    if (q.measured === null) continue;
    const sum = q.stages.reduce((t, x) => t + x.duration, 0);
    measured.push(q.measured);
    sums.push(sum);
    diffs.push(q.measured - sum);
    allStages += sum;
    for (const x of q.stages) {
      const t = shareTotals.get(x.stage) ?? { total: 0, n: 0 };
      t.total += x.duration;
      t.n++;
      shareTotals.set(x.stage, t);
    }
  }
  const endToEnd: EndToEndCheck | null =
    measured.length === 0
      ? null
      : (() => {
          const m = summarize(measured);
          const d = summarize(diffs);
          return {
            queries: measured.length,
            measured: m,
            sumOfStages: summarize(sums),
            difference: d,
            differencePct: m.mean && d.mean !== null ? (d.mean / m.mean) * 100 : null,
            resolved: pairedDifference(measured, sums),
          };
        })();
  const shares: StageShare[] = [...shareTotals.entries()].map(([stage, t]) => ({
    stage,
    meanMs: t.total / t.n,
    share: allStages > 0 ? t.total / allStages : 0,
  }));

  // concurrency
  const batches = record.samples.filter((s) => !s.warmup && s.stage === CONCURRENT_BATCH_STAGE);
  const latencies = record.samples.filter((s) => !s.warmup && s.stage === CONCURRENT_QUERY_STAGE).map((s) => s.duration);
  const qps = batches.map((b) => num(b.extra['queriesPerSecond'])).filter((x): x is number => x !== null);
  const queries = record.samples.filter((s) => !s.warmup && s.stage === CONCURRENT_QUERY_STAGE);
  const extras = (key: string) => {
    const xs = queries.map((s) => num(s.extra[key])).filter((x): x is number => x !== null);
    return xs.length ? summarize(xs) : null;
  };
  // records of version 1 ran retrieval only and did not say so
  const pipeline = batches[0]?.extra['pipeline'] === 'retrieval+generation' ? 'retrieval+generation' : 'retrieval';
  const concurrency: ConcurrencyStats | null =
    batches.length === 0
      ? null
      : {
          concurrency: num(batches[0]!.extra['concurrency']) ?? 0,
          batches: batches.length,
          pipeline,
          queriesPerSecond: summarize(qps),
          latency: summarize(latencies),
          retrieval: extras('retrievalMs'),
          llmWait: pipeline === 'retrieval+generation' ? extras('llmWaitMs') : null,
          firstToken: pipeline === 'retrieval+generation' ? extras('firstTokenMs') : null,
        };

  // memory: the peak of each figure per stage
  const peaks = new Map<string, MemoryPeak>();
  for (const m of record.memory) {
    const stage = m.stage ?? '(between stages)';
    const key = `${stage}\u0000${m.figure}`;
    let p = peaks.get(key);
    if (!p) peaks.set(key, (p = { stage, figure: m.figure, peakBytes: null, samples: 0, reason: null }));
    p.samples++;
    if (m.available) {
      p.peakBytes = p.peakBytes === null ? m.bytes : Math.max(p.peakBytes, m.bytes);
      p.reason = null;
    } else if (p.peakBytes === null) p.reason = m.reason;
  }

  return { stages, drift, throughputs, endToEnd, shares, concurrency, memory: [...peaks.values()] };
}

