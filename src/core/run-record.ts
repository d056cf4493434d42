/**
 * One benchmark run, as data: the configuration, the environment, every sample of every stage,
 * memory samples, quality, errors. The report, exports, history, comparison and the CLI are all
 * derived from it. Schema-versioned; the valibot schema below is what a JSON import is checked
 * against (and the types are inferred from it, so the two cannot drift).
 *
 * Times: `start` and `t` are ms since the run started (performance.now() − the run's origin);
 * `duration` is ms. Samples of stages the session times itself (its ingestion and query stages)
 * report durations only, so their `start` is the step's start plus the durations of the stages
 * before them (the session runs them one after another). Per-batch embedding samples
 * (`embed batch`) are timed inside the worker; their `start` is the embed stage's start plus the
 * earlier batches' durations.
 *
 * Pure: no DOM, no workers.
 */
import * as v from 'valibot';
import { BenchConfigSchema, formatPath, type BenchConfig } from './bench-config';
import { RagtabError } from './errors';
import { summarize, type Summary } from './stats';
import { pairedDifference, type Difference } from './robust-stats';

export const RUN_RECORD_SCHEMA = 'ragtab-run';
/**
 * 2: per-worker memory figures (index-wasm, llm-wasm, <worker>-webgpu-buffers) and a measured
 * webgpu-buffers total. A version-1 record (a subset: fewer figure names) is still imported: it is
 * checked against the version-1 schema and upgraded (nothing but the version number changes).
 */
export const RUN_RECORD_VERSION = 2;

const finite = () => v.pipe(v.number(), v.finite());
const nonNeg = () => v.pipe(v.number(), v.finite(), v.minValue(0));
const nullable = <S extends v.GenericSchema>(s: S) => v.nullable(s);
const strings = () => v.array(v.string());

export const PhaseSchema = v.picklist(['cold', 'reload', 'warm']);
export type Phase = v.InferOutput<typeof PhaseSchema>;

export const ExtraSchema = v.record(v.string(), v.union([v.number(), v.string(), v.boolean(), v.null()]));
export type Extra = v.InferOutput<typeof ExtraSchema>;

export const SampleSchema = v.strictObject({
  stage: v.string(),
  /** Counted from 0 separately for warm-ups and measured iterations. */
  iteration: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /** Warm-up samples are kept in the record and left out of every statistic. */
  warmup: v.boolean(),
  phase: PhaseSchema,
  start: finite(),
  duration: nonNeg(),
  extra: ExtraSchema,
});
export type Sample = v.InferOutput<typeof SampleSchema>;

/** The figures of version 1 records. */
const MEMORY_FIGURES_V1 = ['js-heap-used', 'js-heap-total', 'ua-memory', 'embedder-wasm', 'storage-usage', 'webgpu-buffers'] as const;
/** The workers whose own memory is counted (workers/lib/memory-accounting.ts). */
export const MEMORY_WORKERS = ['embedder', 'index', 'llm'] as const;
export type MemoryWorker = (typeof MEMORY_WORKERS)[number];
export const MEMORY_FIGURES = [
  ...MEMORY_FIGURES_V1,
  'index-wasm',
  'llm-wasm',
  'embedder-webgpu-buffers',
  'index-webgpu-buffers',
  'llm-webgpu-buffers',
] as const;
export const MemoryFigureSchema = v.picklist(MEMORY_FIGURES);
export type MemoryFigure = v.InferOutput<typeof MemoryFigureSchema>;
export const wasmFigure = (w: MemoryWorker): MemoryFigure => `${w}-wasm`;
export const gpuFigure = (w: MemoryWorker): MemoryFigure => `${w}-webgpu-buffers`;

const memorySample = <F extends v.GenericSchema<string>>(figure: F) => {
  const base = {
    t: finite(),
    /** The stage running when the sample was taken (null between stages). */
    stage: nullable(v.string()),
    phase: nullable(PhaseSchema),
    figure,
  };
  return v.variant('available', [
    v.strictObject({ ...base, available: v.literal(true), bytes: nonNeg(), detail: nullable(v.record(v.string(), nonNeg())) }),
    v.strictObject({ ...base, available: v.literal(false), reason: v.pipe(v.string(), v.minLength(1)) }),
  ]);
};
/**
 * A memory figure: bytes when the browser (or a worker's own count) gives it, else unavailable with
 * the reason (never 0 standing in). `detail`: a breakdown (per page/worker script for ua-memory,
 * per worker for the webgpu-buffers total, live/peak/created for a worker's buffers).
 */
export const MemorySampleSchema = memorySample(MemoryFigureSchema);
export type MemorySample = v.InferOutput<typeof MemorySampleSchema>;

const unavailable = v.strictObject({ available: v.literal(false), reason: v.string() });

export const EnvironmentSchema = v.strictObject({
  userAgent: v.string(),
  clientHints: v.variant('available', [
    v.strictObject({
      available: v.literal(true),
      brands: strings(),
      mobile: v.boolean(),
      platform: v.string(),
      platformVersion: nullable(v.string()),
      architecture: nullable(v.string()),
      bitness: nullable(v.string()),
      model: nullable(v.string()),
      fullVersionList: strings(),
    }),
    unavailable,
  ]),
  hardwareConcurrency: nullable(v.number()),
  deviceMemoryGiB: nullable(v.number()),
  crossOriginIsolated: v.boolean(),
  webgpu: v.variant('available', [
    v.strictObject({
      available: v.literal(true),
      vendor: v.string(),
      architecture: v.string(),
      device: v.string(),
      description: v.string(),
      features: strings(),
      limits: v.record(v.string(), v.number()),
    }),
    unavailable,
  ]),
  app: v.strictObject({ version: v.string(), commit: v.string(), deps: v.record(v.string(), v.string()) }),
  date: v.string(),
  timeZone: nullable(v.string()),
  language: nullable(v.string()),
  /** Set by the headless CLI: what launched the browser, with which flags. */
  launcher: nullable(v.strictObject({ tool: v.string(), browserFlags: strings(), browserVersion: nullable(v.string()) })),
});
export type EnvironmentRecord = v.InferOutput<typeof EnvironmentSchema>;

export const StageDefSchema = v.strictObject({ name: v.string(), unit: v.string() });
export type StageDef = v.InferOutput<typeof StageDefSchema>;

const QualityMetricsSchema = v.strictObject({ ndcg10: v.number(), recall10: v.number(), recall100: v.number(), mrr10: v.number() });

export const QualitySchema = v.strictObject({
  /** Index kind and chunk depth the queries were ranked with. */
  kind: v.string(),
  depth: v.number(),
  evaluated: v.number(),
  skipped: v.number(),
  mean: nullable(QualityMetricsSchema),
  perQuery: v.array(v.strictObject({ queryId: v.string(), ndcg10: v.number(), recall10: v.number(), recall100: v.number(), mrr10: v.number() })),
  /** voy's recall@k against the exact scan, from ingestion (null when voy was not built beside exact). */
  voyRecall: nullable(v.strictObject({ k: v.number(), queries: v.number(), mean: v.number(), min: v.number() })),
});
export type QualityRecord = v.InferOutput<typeof QualitySchema>;

export const RunRecordSchema = v.strictObject({
  schema: v.literal(RUN_RECORD_SCHEMA),
  version: v.literal(RUN_RECORD_VERSION),
  id: v.pipe(v.string(), v.minLength(1)),
  suite: v.string(),
  status: v.picklist(['running', 'complete', 'failed', 'cancelled']),
  startedAt: v.string(),
  finishedAt: nullable(v.string()),
  config: BenchConfigSchema,
  sweep: nullable(
    v.strictObject({
      id: v.string(),
      index: v.number(),
      of: v.number(),
      values: v.record(v.string(), v.union([v.string(), v.number(), v.boolean(), v.null()])),
    }),
  ),
  environment: EnvironmentSchema,
  /** The suite's stages as data, in order of first appearance (generation stages only when present). */
  stages: v.array(StageDefSchema),
  samples: v.array(SampleSchema),
  memory: v.array(MemorySampleSchema),
  corpus: nullable(
    v.strictObject({ name: v.string(), hash: v.string(), docs: v.number(), chunks: v.number(), tokens: v.number(), emptyDocs: v.number(), truncatedChunks: v.number() }),
  ),
  embedder: nullable(
    v.strictObject({
      model: v.string(),
      revision: nullable(v.string()),
      baseUrl: nullable(v.string()),
      requestedDevice: v.string(),
      device: v.string(),
      fallbackReason: nullable(v.string()),
      dtype: v.string(),
      threads: v.number(),
      batchSize: v.number(),
      dims: v.number(),
      maxTokens: v.number(),
    }),
  ),
  llm: nullable(v.strictObject({ engine: v.string(), model: v.string(), detail: ExtraSchema })),
  quality: nullable(QualitySchema),
  errors: v.array(v.strictObject({ name: v.string(), message: v.string(), stage: nullable(v.string()), t: v.number() })),
  warnings: strings(),
});
/** The record; its configuration is the validated, read-only BenchConfig. */
export type RunRecord = Omit<v.InferOutput<typeof RunRecordSchema>, 'config'> & { config: BenchConfig };
export type RunStatus = RunRecord['status'];

/** Version 1: the same record with the first six memory figures only. */
const RunRecordV1Schema = v.strictObject({
  ...RunRecordSchema.entries,
  version: v.literal(1),
  memory: v.array(memorySample(v.picklist(MEMORY_FIGURES_V1))),
});

/**
 * Checks an unknown value (parsed JSON) against the record schema, naming the fields at fault. A
 * version-1 record is checked against its own schema and upgraded to the current version.
 */
export function parseRunRecord(input: unknown): RunRecord {
  const version = input && typeof input === 'object' ? (input as { version?: unknown }).version : undefined;
  if (version === 1) {
    const old = v.safeParse(RunRecordV1Schema, input);
    if (!old.success) throw recordError(old.issues, 1);
    return { ...old.output, version: RUN_RECORD_VERSION };
  }
  const r = v.safeParse(RunRecordSchema, input);
  if (r.success) return r.output;
  throw recordError(r.issues, RUN_RECORD_VERSION);
}

function recordError(issues: ReadonlyArray<v.BaseIssue<unknown>>, version: number): RagtabError {
  const lines = issues.slice(0, 5).map((i) => `${formatPath(i.path as ReadonlyArray<{ key: unknown }> | undefined) || 'record'}: ${i.message}`);
  if (issues.length > 5) lines.push(`(and ${issues.length - 5} more)`);
  return new RagtabError('InvalidArgument', `Not a ragtab run record (version ${version}; this app reads versions 1 to ${RUN_RECORD_VERSION}): ${lines.join('; ')}`);
}

// ─────────────────────────────── summary ───────────────────────────────

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
  throughputs: ThroughputStats[];
  endToEnd: EndToEndCheck | null;
  shares: StageShare[];
  concurrency: ConcurrencyStats | null;
  memory: MemoryPeak[];
}

/** The runner's own sample names (the rest come from the session's stage lists). */
export const QUERY_STAGE = 'query';
export const QUERY_SET_STAGE = 'query set';
export const INGEST_STAGE = 'ingest';
export const CONCURRENT_QUERY_STAGE = 'concurrent query';
export const CONCURRENT_BATCH_STAGE = 'concurrent batch';
export const EMBED_BATCH_STAGE = 'embed batch';

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
  const stages: StageStats[] = [...groups.values()].sort(order).map((g) => ({
    stage: g.stage,
    phase: g.phase,
    unit: unitOf.get(g.stage) ?? 'ms',
    count: g.durations.length,
    warmupsExcluded: g.warmups,
    duration: summarize(g.durations),
    inWorker: g.worker.length > 0 ? summarize(g.worker) : null,
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

  return { stages, throughputs, endToEnd, shares, concurrency, memory: [...peaks.values()] };
}

/** A short line for lists (history, CLI): what ran, where, when. */
export interface RunHeader {
  id: string;
  name: string;
  status: RunStatus;
  startedAt: string;
  model: string;
  device: string;
  corpus: string;
  samples: number;
  sweep: RunRecord['sweep'];
}

export function runHeader(r: RunRecord): RunHeader {
  return {
    id: r.id,
    name: r.config.name,
    status: r.status,
    startedAt: r.startedAt,
    model: r.embedder?.model ?? r.config.embedder.model,
    device: r.embedder?.device ?? r.config.embedder.device,
    corpus: r.corpus?.name ?? r.config.corpus.source,
    samples: r.samples.length,
    sweep: r.sweep,
  };
}
