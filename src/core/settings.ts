/**
 * The app's settings: a view of the one configuration schema, BenchConfig (src/core/bench-config.ts).
 *
 * `toSettings` resolves a configuration on this machine into what the session and the workers need
 * (threads "auto" as a number, a local model's base URL, the index kinds to build, the chunker's
 * parameters); `configFromSettings` writes the app's settings back as a configuration (what a run in
 * the app shares). They are the only two conversions, side by side here. The URL is parsed into a
 * configuration (src/core/config-url.ts), never into settings directly; the app starts from
 * APP_CONFIG, the benchmark panel from a preset.
 *
 * What settings hold that a configuration cannot: a corpus of the user's own files or folder (the
 * files are not data a link can carry), and an LLM engine whose model is still to be chosen.
 */
import { deepFreeze, parseBenchConfig, type BenchConfig } from './bench-config';
import { DEFAULT_WLLAMA_MODEL } from './capabilities';
import type { ChunkParams } from './chunking';
import { DEFAULT_EMBEDDING_MODEL, embeddingModelInfo } from './models';
import type { Device, Dtype, EmbedOrder, IndexKind, LlmEngine, ModelSpec } from './vocabulary';
import type { KindOptions } from './index-kinds';

export type CorpusChoice =
  | { kind: 'demo' }
  | { kind: 'beir-url'; url: string; maxDocs: number | null }
  | { kind: 'beir-catalog'; name: string; maxDocs: number | null }
  | { kind: 'files' }
  | { kind: 'beir-folder'; maxDocs: number | null };

export interface LlmSettings {
  engine: 'none' | LlmEngine;
  /** wllama: a GGUF URL (relative to the page or absolute); web-llm: a model id of its list; '' = still to be chosen. */
  model: string;
  threads: number;
  maxNewTokens: number;
  /** null: the engine's default. */
  contextSize: number | null;
  seed: number;
}

export interface Settings {
  corpus: CorpusChoice;
  model: ModelSpec;
  device: Device;
  dtype: Dtype;
  threads: number;
  batchSize: number;
  /** Texts embedded sorted by token count (`length`, the default) or as given. */
  embedOrder: EmbedOrder;
  chunking: ChunkParams;
  /**
   * The index kinds asked for: the first answers queries, the others are built and compared beside
   * it (timed on the same queries, recall and quality recorded). The exact scan is always there too,
   * as every recall's ground truth (`builtKinds`, src/core/index-kinds.ts).
   */
  indexKinds: IndexKind[];
  /** Each kind's build and search options (HNSW M/efConstruction/ef, rescoring depths, RRF, BM25). */
  kindOptions: KindOptions;
  k: number;
  contextChars: number;
  llm: LlmSettings;
}

export function defaultThreads(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, hardwareConcurrency ?? 1));
}

/**
 * The app's starting configuration (what a page without URL parameters shows): the demo corpus,
 * the default models, both index kinds, one query at a time; what a run in the app shares.
 */
export const APP_CONFIG: BenchConfig = deepFreeze(
  parseBenchConfig({
    version: 1,
    name: 'app session',
    corpus: { source: 'demo', url: null, name: null, maxDocs: null, hash: null },
    chunking: { mode: 'tokens', size: 128, overlap: 16 },
    embedder: { model: DEFAULT_EMBEDDING_MODEL, revision: null, baseUrl: null, dtype: 'fp32', device: 'wasm', threads: 'auto', batch: 32 },
    index: 'both',
    k: 10,
    contextChars: 4000,
    llm: { engine: 'wllama', model: DEFAULT_WLLAMA_MODEL, variant: null, maxNewTokens: 128, contextSize: null, seed: 42, threads: 'auto' },
    queries: { from: 'corpus', list: [], count: 10 },
    warmups: 0,
    iterations: 1,
    reload: false,
    clearCache: false,
    concurrency: 1,
    quality: false,
    memory: { intervalMs: 100, full: false },
    sweep: [],
  }),
);

export function defaultSettings(hardwareConcurrency?: number): Settings {
  return toSettings(APP_CONFIG, hardwareConcurrency);
}

/** The index kinds a configuration asks for, the one that answers queries first (`both`: exact, then voy). */
export function indexKindsOf(index: BenchConfig['index'], compare: readonly IndexKind[] = []): IndexKind[] {
  const out: IndexKind[] = index === 'both' ? ['exact', 'voy'] : [index];
  for (const k of compare) if (!out.includes(k)) out.push(k);
  return out;
}

/** The configuration's kind options as the settings' (mutable) value. */
export function kindOptionsOf(kinds: BenchConfig['kinds']): KindOptions {
  const { compare: _compare, ...options } = structuredClone(kinds) as KindOptions & { compare: IndexKind[] };
  return options;
}

/** The chunker's parameters for a configuration's chunking (size and overlap mean nothing for whole documents). */
export function chunkParamsOf(c: BenchConfig['chunking']): ChunkParams {
  return c.mode === 'document' ? { mode: 'document' } : { mode: 'tokens', size: c.size, overlap: c.overlap };
}

/** A configuration resolved on this machine: the session's settings (threads "auto" resolved). */
export function toSettings(config: BenchConfig, hardwareConcurrency?: number): Settings {
  const c = config.corpus;
  const corpus: Settings['corpus'] =
    c.source === 'demo'
      ? { kind: 'demo' }
      : c.source === 'beir'
        ? { kind: 'beir-url', url: c.url as string, maxDocs: c.maxDocs }
        : { kind: 'beir-catalog', name: c.name as string, maxDocs: c.maxDocs };
  const e = config.embedder;
  const model: Settings['model'] = { id: e.model };
  const info = embeddingModelInfo(e.model);
  if (e.baseUrl !== null) model.baseUrl = e.baseUrl;
  else if (info && !info.hub) model.baseUrl = 'models/';
  if (e.revision !== null) model.revision = e.revision;
  const l = config.llm;
  const llmModel = l.model === 'auto' ? (l.engine === 'wllama' ? DEFAULT_WLLAMA_MODEL : '') : (l.model ?? '');
  return {
    corpus,
    model,
    device: e.device,
    dtype: e.dtype,
    threads: e.threads === 'auto' ? defaultThreads(hardwareConcurrency) : e.threads,
    batchSize: e.batch,
    embedOrder: e.order,
    chunking: chunkParamsOf(config.chunking),
    indexKinds: indexKindsOf(config.index, config.kinds.compare),
    kindOptions: kindOptionsOf(config.kinds),
    k: config.k,
    contextChars: config.contextChars,
    llm: {
      engine: l.engine,
      model: llmModel,
      threads: l.threads === 'auto' ? defaultThreads(hardwareConcurrency) : l.threads,
      maxNewTokens: l.maxNewTokens,
      contextSize: l.contextSize,
      seed: l.seed,
    },
  };
}

export interface FromSettingsOptions {
  name?: string;
  /** Content hash of the corpus (pins it: the runner refuses a different corpus). */
  corpusHash?: string | null;
  /** The questions the query stages ran on; none: the corpus's own queries. */
  questions?: readonly string[];
  /** Whether the judged queries were scored. */
  quality?: boolean;
  /** Keep threads as "auto" (resolved on the machine that runs) instead of the number. */
  threadsAuto?: { embedder: boolean; llm: boolean };
}

/**
 * The app's settings as a validated configuration: APP_CONFIG's run fields (one iteration, no
 * warm-up: what a run in the app did) with the settings' values. A corpus of the user's files or
 * folder has no configuration source: it is written as the demo source with the corpus's hash, and
 * the share link's pins name the files (see SharePins). An LLM without a model is written as none.
 */
export function configFromSettings(s: Settings, o: FromSettingsOptions = {}): BenchConfig {
  const hash = o.corpusHash ?? null;
  const c = s.corpus;
  const corpus =
    c.kind === 'beir-url'
      ? { source: 'beir', url: c.url, name: null, maxDocs: c.maxDocs, hash }
      : c.kind === 'beir-catalog'
        ? { source: 'hub', url: null, name: c.name, maxDocs: c.maxDocs, hash }
        : { source: 'demo', url: null, name: null, maxDocs: null, hash };
  const kinds = s.indexKinds.length ? s.indexKinds : (['exact'] as IndexKind[]);
  // exact + voy alone is written as `both`, as older configurations (and APP_CONFIG) say it
  const both = kinds.length === 2 && kinds[0] === 'exact' && kinds[1] === 'voy';
  const index = both ? 'both' : kinds[0]!;
  const compare = both ? [] : kinds.slice(1);
  const hasLlm = s.llm.engine !== 'none' && s.llm.model.trim() !== '';
  const questions = (o.questions ?? []).map((q) => q.trim()).filter((q) => q.length > 0).slice(0, 20);
  return parseBenchConfig({
    ...APP_CONFIG,
    name: (o.name ?? 'app session').slice(0, 100) || 'app session',
    corpus,
    chunking: s.chunking.mode === 'document' ? { mode: 'document', size: 128, overlap: 16 } : { mode: 'tokens', size: s.chunking.size, overlap: s.chunking.overlap },
    embedder: {
      model: s.model.id,
      revision: s.model.revision ?? null,
      baseUrl: s.model.baseUrl ?? null,
      dtype: s.dtype,
      device: s.device,
      threads: o.threadsAuto?.embedder ? 'auto' : s.threads,
      batch: s.batchSize,
      order: s.embedOrder,
    },
    index,
    kinds: { compare, ...structuredClone(s.kindOptions) },
    k: s.k,
    contextChars: s.contextChars,
    llm: {
      engine: hasLlm ? s.llm.engine : 'none',
      model: hasLlm ? s.llm.model : null,
      variant: null,
      maxNewTokens: s.llm.maxNewTokens,
      contextSize: s.llm.contextSize,
      seed: s.llm.seed,
      threads: o.threadsAuto?.llm ? 'auto' : s.llm.threads,
    },
    queries: questions.length > 0 ? { from: 'list', list: questions, count: questions.length } : APP_CONFIG.queries,
    quality: o.quality ?? false,
  });
}

/** Whether two settings produce the same embedder (same worker state can be reused). */
export function sameEmbedder(a: Settings, b: Settings): boolean {
  return (
    a.model.id === b.model.id &&
    (a.model.baseUrl ?? '') === (b.model.baseUrl ?? '') &&
    (a.model.revision ?? 'main') === (b.model.revision ?? 'main') &&
    a.device === b.device &&
    a.dtype === b.dtype &&
    a.threads === b.threads &&
    a.batchSize === b.batchSize
  );
}

/** What `presetOnSetup` took from where, for the panel to say. */
export interface OnSetup {
  config: BenchConfig;
  /** One line per part of the set-up the run could not take, and why (the preset's value is used). */
  kept: string[];
}

/**
 * A preset run on the user's current set-up: the preset decides the counts and the phases
 * (warm-ups, iterations, queries, concurrency, reload, clearCache, quality, memory, sweep), the
 * set-up decides the models, the corpus, the chunking and the index. Except where the preset's
 * point is one of those: a preset without an LLM (`engine: none`) stays without one, a preset that
 * compares index kinds keeps its kinds, and a preset with a corpus of its own (not the demo) keeps
 * it. A set-up corpus of the user's own files has no configuration form: the preset's corpus is
 * used, and `kept` says so.
 */
export function presetOnSetup(preset: BenchConfig, setup: Settings): OnSetup {
  const s = configFromSettings(setup, { threadsAuto: { embedder: false, llm: false } });
  const kept: string[] = [];
  const ownCorpus = preset.corpus.source !== 'demo';
  const filesCorpus = setup.corpus.kind === 'files' || setup.corpus.kind === 'beir-folder';
  if (filesCorpus && !ownCorpus) kept.push(`the corpus: your own files cannot be named in a configuration, so the run uses the preset's (${preset.corpus.source})`);
  if (ownCorpus && setup.corpus.kind !== 'demo') kept.push(`the corpus: the ${preset.name} preset brings its own (${preset.corpus.name ?? preset.corpus.url})`);
  const comparesKinds = preset.kinds.compare.length > 0 || preset.sweep.some((a) => a.path.startsWith('kinds.') || a.path === 'index');
  if (comparesKinds) kept.push(`the index kinds: the ${preset.name} preset compares its own`);
  const noLlm = preset.llm.engine === 'none';
  if (noLlm && s.llm.engine !== 'none') kept.push(`the LLM: the ${preset.name} preset measures retrieval only`);
  return {
    config: parseBenchConfig({
      ...preset,
      corpus: ownCorpus || filesCorpus ? preset.corpus : s.corpus,
      chunking: s.chunking,
      embedder: s.embedder,
      index: comparesKinds ? preset.index : s.index,
      kinds: comparesKinds ? preset.kinds : s.kinds,
      k: s.k,
      contextChars: s.contextChars,
      llm: noLlm ? preset.llm : s.llm,
    }),
    kept,
  };
}
