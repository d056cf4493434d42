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
 *
 * One file (~410 lines) because it is one schema: the types are inferred from it, so they stay together.
 */
import * as v from 'valibot';
import { BenchConfigSchema, formatPath, type BenchConfig } from './bench-config';
import { RagtabError } from './errors';
import type { BrowserProbe, CapabilityRecord } from './browser-capabilities';
import type { DeviceRoofs, EncoderShape } from './roofs';

// The runner's own sample names are defined with the pipeline's stages (src/core/stages.ts).
export { QUERY_STAGE, QUERY_SET_STAGE, INGEST_STAGE, CONCURRENT_QUERY_STAGE, CONCURRENT_BATCH_STAGE, EMBED_BATCH_STAGE } from './stages';

export const RUN_RECORD_SCHEMA = 'ragtab-run';
/** The suite of a record of the app's own run (ingest, evaluate, ask: src/engine/session-record.ts). */
export const APP_SUITE = 'app';
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

const flag = () => nullable(v.boolean());
const BrowserProbeSchema: v.GenericSchema<BrowserProbe> = v.strictObject({
  userAgent: v.string(),
  hardwareConcurrency: nullable(v.number()),
  crossOriginIsolated: v.boolean(),
  sharedArrayBuffer: v.boolean(),
  webgpu: v.variant('available', [
    v.strictObject({ available: v.literal(true), vendor: v.string(), architecture: v.string(), shaderF16: v.boolean(), limits: v.record(v.string(), v.number()) }),
    unavailable,
  ]),
  jspi: v.boolean(),
  simd: v.boolean(),
  relaxedSimd: v.boolean(),
  memory64: v.boolean(),
  coepCredentialless: flag(),
  opfs: v.boolean(),
  storageEstimate: v.boolean(),
  storagePersist: v.boolean(),
  schedulerYield: v.boolean(),
  measureUserAgentSpecificMemory: v.boolean(),
  webLocks: v.boolean(),
  compressionStream: v.boolean(),
  serviceWorker: v.boolean(),
  indexedDbBlobs: flag(),
});

export const CapabilitySchema: v.GenericSchema<CapabilityRecord> = v.strictObject({
  probe: BrowserProbeSchema,
  engine: v.picklist(['webkit', 'chromium', 'gecko', 'unknown']),
  safari: v.boolean(),
  threads: v.strictObject({ usable: v.number(), reason: v.string() }),
  decisions: v.array(v.strictObject({ topic: v.string(), choice: v.string(), reason: v.string() })),
});

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
  /**
   * The browser's capability record and the decisions taken from it (src/core/browser-capabilities.ts).
   * Optional: records written before it existed still import.
   */
  capabilities: v.optional(CapabilitySchema),
});
export type EnvironmentRecord = v.InferOutput<typeof EnvironmentSchema>;

const roofValue = <E extends v.ObjectEntries>(entries: E) => v.variant('available', [v.strictObject({ available: v.literal(true), ...entries }), unavailable]);

/**
 * The device roofs of the tab the run was measured in (src/core/roofs.ts, measured by
 * src/engine/roofs.ts at the start of the run): a roof that could not be measured is unavailable
 * with its reason, never 0.
 */
export const DeviceRoofsSchema: v.GenericSchema<DeviceRoofs> = v.strictObject({
  version: v.literal(1),
  durationMs: nonNeg(),
  timer: v.strictObject({ resolutionMs: nonNeg(), crossOriginIsolated: v.boolean() }),
  bandwidth: roofValue({ GBps: nonNeg(), medianGBps: nonNeg(), bytes: nonNeg(), repsMs: v.array(nonNeg()) }),
  simd1: roofValue({ gflops: nonNeg(), ms: nonNeg(), warmupMs: nonNeg() }),
  simdN: roofValue({ threads: v.pipe(v.number(), v.integer(), v.minValue(1)), gflops: nonNeg(), perThread: v.array(nonNeg()) }),
});

/**
 * The calibration workload (the roofs' small SIMD multiply, workers/lib/roofs.ts) timed before and
 * after the run: if its time changed, the machine's speed changed meanwhile
 * (src/core/robust-stats.ts calibrationDrift), and the figures are read with that in mind.
 */
export const CalibrationSchema = v.strictObject({
  /** What was timed, e.g. "300 × SIMD f32 matmul 16×128·128×32, in a worker". */
  workload: v.string(),
  /** When the two sets were taken, e.g. "before the first step and after the last". */
  between: v.string(),
  /** ms per repetition. */
  beforeMs: v.array(nonNeg()),
  afterMs: v.array(nonNeg()),
});
export type CalibrationRecord = v.InferOutput<typeof CalibrationSchema>;

/** An encoder's shape from its config.json (for FLOPs per token), or why there is none. */
const EncoderShapeSchema: v.GenericSchema<EncoderShape | { reason: string }> = v.union([
  v.strictObject({ layers: v.pipe(v.number(), v.integer(), v.minValue(1)), hidden: v.pipe(v.number(), v.integer(), v.minValue(1)), intermediate: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  v.strictObject({ reason: v.string() }),
]);

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

const numOrNull = () => nullable(v.pipe(v.number(), v.finite()));

/**
 * One index kind of the run (issue 14): how it was built or loaded, its bytes in memory and on
 * disk, its check against the exact scan (search latency over probe queries, recall@k for vector
 * kinds) and its quality over the judged queries (with each query's nDCG@10, for paired
 * comparisons). The query set's own search samples per kind are in `samples`.
 */
export const KindFiguresSchema = v.strictObject({
  kind: v.string(),
  /** The kind and its settings in a few words (`hnsw M 16 efC 100 ef 64`). */
  label: v.string(),
  /** answer, compare, ground truth (exact, beside the others), fused (a hybrid's part). */
  role: v.string(),
  /** Read from IndexedDB instead of built (`buildMs` is then the import's time). */
  loaded: v.boolean(),
  buildMs: numOrNull(),
  /** For a loaded kind: what its build took when it was stored. */
  storedBuildMs: numOrNull(),
  /** Bytes in the index worker (null where not countable: `bytesNote` says why). */
  bytes: numOrNull(),
  bytesNote: nullable(v.string()),
  /** Bytes in IndexedDB (null: not stored, rebuilt at each load). */
  diskBytes: numOrNull(),
  bytesPerVector: numOrNull(),
  check: nullable(
    v.strictObject({
      queries: v.number(),
      k: v.number(),
      p50: numOrNull(),
      p90: numOrNull(),
      workerP50: numOrNull(),
      recall: numOrNull(),
      recallMin: numOrNull(),
    }),
  ),
  quality: nullable(
    v.strictObject({
      evaluated: v.number(),
      depth: v.number(),
      ndcg10: v.number(),
      recall10: v.number(),
      recall100: v.number(),
      mrr10: v.number(),
      perQuery: v.array(v.strictObject({ queryId: v.string(), ndcg10: v.number(), recall10: v.number() })),
    }),
  ),
});
export type KindFigures = v.InferOutput<typeof KindFiguresSchema>;

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
      /** The encoder's shape (config.json), for its FLOPs per token; optional: older records lack it. */
      shape: v.optional(EncoderShapeSchema),
    }),
  ),
  llm: nullable(v.strictObject({ engine: v.string(), model: v.string(), detail: ExtraSchema })),
  quality: nullable(QualitySchema),
  errors: v.array(v.strictObject({ name: v.string(), message: v.string(), stage: nullable(v.string()), t: v.number() })),
  warnings: strings(),
  /** The tab's device roofs, measured at the start of the run. Optional: older records lack them. */
  roofs: v.optional(DeviceRoofsSchema),
  /** The calibration workload before and after the run. Optional: older records lack it. */
  calibration: v.optional(CalibrationSchema),
  /** The index kinds built or loaded and their figures (optional: records made before them still import). */
  kinds: v.optional(v.array(KindFiguresSchema)),
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

// ─────────────────────────────── views ───────────────────────────────

// The record's statistics (per stage, throughputs, end-to-end, concurrency, memory peaks) are its
// first view: src/core/record-summary.ts, re-exported here.
export {
  CONCURRENCY_PIPELINES,
  rateUnit,
  summarizeRecord,
  type ConcurrencyPipeline,
  type ConcurrencyStats,
  type EndToEndCheck,
  type MemoryPeak,
  type RecordSummary,
  type StageShare,
  type StageStats,
  type ThroughputStats,
} from './record-summary';

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
