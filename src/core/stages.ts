/**
 * The pipeline's stages as data (pure): their names, the progress phase each one shows while it
 * runs, and the one record of a timed stage (StageTiming) that the session's reports, the
 * benchmark runner, share links and the UI all read.
 *
 *   ingest: read+parse → model load → (load → load kinds | chunk → embed → persist → commit) → index build
 *           → persist kinds → kind check   (load and load kinds run during the model load: ingest.ts)
 *   query:  embed query → search → format context → build prompt → time to first token → decode
 *
 * The stages that run them are in src/engine (ingest.ts, retrieve.ts, generation.ts); the runner's
 * own sample names (ingest, query, query set, …) are at the end.
 */

/** Figures a stage reports beside its time (counts, rates `…PerSecond`, labels). */
export type StageExtra = Record<string, number | string>;

/** A timed part inside a stage, one after another from the stage's start (the embed stage's batches, timed in the worker). */
export interface StagePart {
  name: string;
  ms: number;
  extra?: StageExtra;
}

/** One stage as it ran. */
export interface StageTiming {
  name: string;
  /** Main-thread wall time of the stage (for worker calls: the round trip). */
  ms: number;
  /** performance.now() on the main thread when the stage started (absent in records made before it was kept). */
  start?: number;
  /** Time measured inside the worker, when the stage ran in one. */
  workerMs?: number;
  extra?: StageExtra;
  parts?: StagePart[];
}

/** What the progress bar shows; each phase belongs to one stage (memory samples are tagged with it). */
export type ProgressPhase = 'model' | 'read' | 'chunk' | 'embed' | 'index' | 'check' | 'reload' | 'llm' | 'load';

export interface Progress {
  phase: ProgressPhase;
  label: string;
  done: number;
  total: number;
  unit: string;
  startedAt: number;
  /** Estimated ms left, from the rate so far (null until there is a rate). */
  etaMs: number | null;
  files?: Record<string, { loaded: number; total: number; source: string }>;
}

export const STAGE = Object.freeze({
  readParse: 'read+parse',
  modelLoad: 'model load',
  load: 'load',
  chunk: 'chunk',
  embed: 'embed',
  persist: 'persist',
  commit: 'commit',
  loadKinds: 'load kinds',
  indexBuild: 'index build',
  persistKinds: 'persist kinds',
  /** Each kind against the exact scan (recall@k) and its search latency over probe queries (was 'voy check'). */
  kindCheck: 'kind check',
  embedQuery: 'embed query',
  search: 'search',
  formatContext: 'format context',
  buildPrompt: 'build prompt',
  timeToFirstToken: 'time to first token',
  decode: 'decode',
  modelReload: 'model reload',
  llmLoad: 'llm load',
} as const);

/** The stage each progress phase belongs to. */
export const PHASE_STAGE: Readonly<Record<ProgressPhase, string>> = Object.freeze({
  read: STAGE.readParse,
  model: STAGE.modelLoad,
  load: STAGE.load,
  chunk: STAGE.chunk,
  embed: STAGE.embed,
  index: STAGE.indexBuild,
  check: STAGE.kindCheck,
  reload: STAGE.modelReload,
  llm: STAGE.llmLoad,
});

/** The name of one kind's part of the index build stage (a sample of its own in a record): `build (hnsw)`. */
export function kindBuildPart(kind: string): string {
  return `build (${kind})`;
}

/** The name under which a stage shows in the browser's Performance panel: `ragtab:embed-query`. */
export function measureName(stage: string): string {
  return `ragtab:${stage.toLowerCase().replace(/\s+/g, '-')}`;
}

/** The embed stage's batches (timed in the worker) as its parts, with texts/s and tokens/s. */
export function embedBatchParts(batches: ReadonlyArray<{ size: number; tokens: number; ms: number }>): StagePart[] {
  return batches.map((b, i) => ({
    name: EMBED_BATCH_STAGE,
    ms: b.ms,
    extra: { batch: i, size: b.size, tokens: b.tokens, ...(b.ms > 0 ? { textsPerSecond: (b.size * 1000) / b.ms, tokensPerSecond: (b.tokens * 1000) / b.ms } : {}) },
  }));
}

/** The benchmark runner's own sample names (the rest are the stages above). */
export const QUERY_STAGE = 'query';
export const QUERY_SET_STAGE = 'query set';
export const INGEST_STAGE = 'ingest';
export const CONCURRENT_QUERY_STAGE = 'concurrent query';
export const CONCURRENT_BATCH_STAGE = 'concurrent batch';
export const EMBED_BATCH_STAGE = 'embed batch';
