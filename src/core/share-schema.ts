/**
 * The schemas of a share link's payload (valibot; the types are inferred from them): the pins
 * that make a run reproducible and the summary of its results, with bounds on every number and
 * string. The configuration itself is checked with bench-config's parseBenchConfig and a full
 * record with run-record's parseRunRecord. Pure.
 */
import * as v from 'valibot';
import type { BenchConfig } from './bench-config';
import type { RunRecord } from './run-record';

/**
 * 2: a stage row may carry its sample standard deviation (`sd`) and a throughput row its `count` and
 * `sd`, so a comparison can test a difference against both runs' noise. A version 1 link is read as
 * version 2 without them (its noise is unknown).
 */
export const SHARE_VERSION = 2;

const SHA256 = /^[0-9a-f]{64}$/;
const str = (max: number) => v.pipe(v.string(), v.maxLength(max, `expected at most ${max} characters`));
const sha = () => v.pipe(v.string(), v.regex(SHA256, 'expected a SHA-256 hex string (64 hex digits)'));
const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const real = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));
/** Milliseconds: up to about 11 days. */
const msNum = () => real(0, 1e9);
const PHASE = v.picklist(['cold', 'reload', 'warm']);

export const SourceFileSchema = v.strictObject({ name: v.pipe(str(260), v.minLength(1)), bytes: int(0, 2 ** 42), sha256: sha() });
export type SharedFile = v.InferOutput<typeof SourceFileSchema>;

/**
 * What makes a run reproducible beyond the configuration's own fields: the corpus by content hash
 * (user files by name, size and SHA-256), the embedding model by id and revision, the LLM by id
 * and library version (web-llm) or URL and SHA-256 (GGUF). A null means "not pinned".
 */
export const SharePinsSchema = v.strictObject({
  corpus: v.strictObject({
    /** files: the sharer's own files (asked for, checked by hash); folder: a BEIR folder of theirs (checked by corpus hash). */
    kind: v.picklist(['demo', 'beir', 'hub', 'files', 'folder']),
    name: v.nullable(str(300)),
    hash: v.nullable(sha()),
    docs: v.nullable(int(0, 10_000_000)),
    files: v.pipe(v.array(SourceFileSchema), v.maxLength(1000, 'expected at most 1000 files')),
  }),
  embedder: v.strictObject({ model: str(200), revision: v.nullable(str(200)), library: v.nullable(str(100)) }),
  llm: v.nullable(
    v.strictObject({
      engine: v.picklist(['wllama', 'webllm']),
      model: str(2048),
      variant: v.nullable(str(100)),
      /** GGUF: SHA-256 of the file (null when the sharer did not have it). */
      sha256: v.nullable(sha()),
      /** web-llm: the library version whose model list names the model (and wllama's, for the record). */
      library: v.nullable(str(100)),
    }),
  ),
});
export type SharePins = v.InferOutput<typeof SharePinsSchema>;

export const StageRowSchema = v.strictObject({
  stage: str(120),
  phase: PHASE,
  unit: str(40),
  count: int(0, 10_000_000),
  mean: msNum(),
  p50: v.nullable(msNum()),
  p90: v.nullable(msNum()),
  p99: v.nullable(msNum()),
  min: v.nullable(msNum()),
  max: v.nullable(msNum()),
  inWorkerP50: v.nullable(msNum()),
  /** Sample standard deviation (null with one sample); absent in version 1 links. */
  sd: v.optional(v.nullable(msNum())),
});
export type StageRow = v.InferOutput<typeof StageRowSchema>;

export const ThroughputRowSchema = v.strictObject({
  name: str(200),
  stage: str(120),
  phase: PHASE,
  unit: str(60),
  mean: real(0, 1e12),
  /** Samples and their standard deviation (absent in version 1 links). */
  count: v.optional(int(0, 10_000_000)),
  sd: v.optional(v.nullable(real(0, 1e12))),
});
export type ThroughputRow = v.InferOutput<typeof ThroughputRowSchema>;

const unit01 = () => real(0, 1);

export const ShareEnvironmentSchema = v.strictObject({
  userAgent: str(1000),
  platform: v.nullable(str(100)),
  hardwareConcurrency: v.nullable(int(1, 4096)),
  deviceMemoryGiB: v.nullable(real(0, 1e6)),
  crossOriginIsolated: v.boolean(),
  /** "vendor architecture" of the WebGPU adapter, null when there was none. */
  webgpu: v.nullable(str(300)),
  app: v.strictObject({ version: str(50), commit: str(50) }),
  date: str(40),
});
export type ShareEnvironment = v.InferOutput<typeof ShareEnvironmentSchema>;

export const ShareSummarySchema = v.strictObject({
  /** record: from a benchmark RunRecord; session: from the app's last ingest, evaluation and queries. */
  source: v.picklist(['record', 'session']),
  status: v.picklist(['running', 'complete', 'failed', 'cancelled']),
  startedAt: str(40),
  stages: v.pipe(v.array(StageRowSchema), v.maxLength(200)),
  throughputs: v.pipe(v.array(ThroughputRowSchema), v.maxLength(200)),
  quality: v.nullable(
    v.strictObject({ ndcg10: unit01(), recall10: unit01(), recall100: unit01(), mrr10: unit01(), evaluated: int(0, 10_000_000), voyRecall: v.nullable(unit01()) }),
  ),
  corpus: v.nullable(v.strictObject({ name: str(300), hash: sha(), docs: int(0, 10_000_000), chunks: int(0, 100_000_000), tokens: int(0, 1e12) })),
  embedder: v.nullable(
    v.strictObject({ model: str(200), device: str(20), requestedDevice: str(20), dtype: str(20), threads: int(1, 4096), batch: int(1, 65_536), dims: int(1, 65_536) }),
  ),
  llm: v.nullable(
    v.strictObject({
      engine: str(20),
      model: str(2048),
      modelName: v.nullable(str(300)),
      variant: v.nullable(str(100)),
      backend: str(40),
      threads: int(1, 4096),
      contextSize: int(0, 10_000_000),
      engineVersion: str(200),
    }),
  ),
  /** The questions the query stages were timed on (at most a few, each cut to 500 characters). */
  questions: v.pipe(v.array(str(500)), v.maxLength(20)),
  environment: ShareEnvironmentSchema,
});
export type ShareSummary = v.InferOutput<typeof ShareSummarySchema>;

export const PayloadShape = v.strictObject({
  v: v.literal(SHARE_VERSION),
  config: v.unknown(),
  pins: SharePinsSchema,
  summary: v.optional(ShareSummarySchema),
  record: v.optional(v.unknown()),
});

export interface SharePayload {
  readonly v: typeof SHARE_VERSION;
  readonly config: BenchConfig;
  readonly pins: SharePins;
  readonly summary?: ShareSummary;
  readonly record?: RunRecord;
}

/** Version 0: the app's URL search parameters (`model=…&k=…`), as shared before share links existed. */
export interface SharePayloadV0 {
  v: 0;
  params: string;
}
