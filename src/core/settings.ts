/**
 * What the user picks before ingesting: corpus, embedding model, device, chunking, index.
 * Parsed from the page's URL search params (so tests, the CLI and bookmarks can preset them), with
 * a clear message naming the parameter when a value is invalid.
 */
import type { Device, Dtype, IndexKind, LlmEngine, ModelSpec } from './vocabulary';
import { RagtabError } from './errors';
import { DEFAULT_EMBEDDING_MODEL, embeddingModelInfo } from './models';
import { DEFAULT_WLLAMA_MODEL } from './capabilities';

export type ChunkSettings = { mode: 'document' } | { mode: 'tokens'; size: number; overlap: number };

export type CorpusChoice =
  | { kind: 'demo' }
  | { kind: 'beir-url'; url: string; maxDocs: number | null }
  | { kind: 'beir-catalog'; name: string; maxDocs: number | null }
  | { kind: 'files' }
  | { kind: 'beir-folder'; maxDocs: number | null };

export interface LlmSettings {
  engine: 'none' | LlmEngine;
  /** wllama: a GGUF URL (relative to the page or absolute); web-llm: a model id of its list. */
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
  chunking: ChunkSettings;
  indexKinds: IndexKind[];
  k: number;
  contextChars: number;
  llm: LlmSettings;
}

export function defaultThreads(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(4, hardwareConcurrency ?? 1));
}

export function defaultSettings(hardwareConcurrency?: number): Settings {
  return {
    corpus: { kind: 'demo' },
    model: { id: DEFAULT_EMBEDDING_MODEL },
    device: 'wasm',
    dtype: 'fp32',
    threads: defaultThreads(hardwareConcurrency),
    batchSize: 32,
    chunking: { mode: 'tokens', size: 128, overlap: 16 },
    indexKinds: ['exact', 'voy'],
    k: 10,
    contextChars: 4000,
    llm: { engine: 'wllama', model: DEFAULT_WLLAMA_MODEL, threads: defaultThreads(hardwareConcurrency), maxNewTokens: 128, contextSize: null, seed: 42 },
  };
}

function int(params: URLSearchParams, name: string, min: number, max: number): number | null {
  const raw = params.get(name);
  if (raw === null || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RagtabError('InvalidConfig', `Invalid ${name} param: '${raw}', expected an integer from ${min} to ${max}.`);
  }
  return n;
}

function oneOf<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T | null {
  const raw = params.get(name);
  if (raw === null || raw === '') return null;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new RagtabError('InvalidConfig', `Invalid ${name} param: '${raw}', expected one of ${allowed.join(', ')}.`);
  }
  return raw as T;
}

/**
 * URL params: dataset (BEIR folder URL), beir (hub dataset name), maxDocs, model, modelBase,
 * revision, device, dtype, threads, batch, chunking (document|tokens), chunkSize, chunkOverlap,
 * index (exact|voy|both), k.
 */
export function settingsFromParams(params: URLSearchParams, hardwareConcurrency?: number): Settings {
  const s = defaultSettings(hardwareConcurrency);
  const maxDocs = int(params, 'maxDocs', 1, 10_000_000);
  const dataset = params.get('dataset');
  const beir = params.get('beir');
  if (dataset) s.corpus = { kind: 'beir-url', url: dataset, maxDocs };
  else if (beir) s.corpus = { kind: 'beir-catalog', name: beir, maxDocs };
  const model = params.get('model');
  if (model) {
    if (!/^[\w.\-/]+$/.test(model)) throw new RagtabError('InvalidConfig', `Invalid model param: '${model}'.`);
    s.model = { id: model };
    const info = embeddingModelInfo(model);
    if (info && !info.hub && !params.get('modelBase')) s.model.baseUrl = 'models/';
  }
  const base = params.get('modelBase');
  if (base) s.model.baseUrl = base;
  const rev = params.get('revision');
  if (rev) s.model.revision = rev;
  s.device = oneOf(params, 'device', ['webgpu', 'wasm'] as const) ?? s.device;
  s.dtype = oneOf(params, 'dtype', ['fp32', 'fp16', 'q8', 'q4'] as const) ?? s.dtype;
  s.threads = int(params, 'threads', 1, 64) ?? s.threads;
  s.batchSize = int(params, 'batch', 1, 1024) ?? s.batchSize;
  const mode = oneOf(params, 'chunking', ['document', 'tokens'] as const);
  if (mode === 'document') s.chunking = { mode: 'document' };
  const size = int(params, 'chunkSize', 8, 8192);
  const overlap = int(params, 'chunkOverlap', 0, 8191);
  if (s.chunking.mode === 'tokens') {
    s.chunking = { mode: 'tokens', size: size ?? s.chunking.size, overlap: overlap ?? s.chunking.overlap };
    if (s.chunking.overlap >= s.chunking.size) {
      throw new RagtabError('InvalidConfig', `Invalid chunkOverlap param: ${s.chunking.overlap} must be smaller than chunkSize ${s.chunking.size}.`);
    }
  }
  const index = oneOf(params, 'index', ['exact', 'voy', 'both'] as const);
  if (index === 'exact') s.indexKinds = ['exact'];
  else if (index === 'voy') s.indexKinds = ['voy', 'exact'];
  else if (index === 'both') s.indexKinds = ['exact', 'voy'];
  s.k = int(params, 'k', 1, 1000) ?? s.k;
  const engine = oneOf(params, 'llm', ['none', 'wllama', 'webllm'] as const);
  if (engine) s.llm.engine = engine;
  const llmModel = params.get('llmModel');
  if (llmModel) s.llm.model = llmModel;
  else if (engine === 'webllm') s.llm.model = '';
  s.llm.threads = int(params, 'llmThreads', 1, 64) ?? s.llm.threads;
  s.llm.maxNewTokens = int(params, 'maxTokens', 1, 4096) ?? s.llm.maxNewTokens;
  s.llm.contextSize = int(params, 'llmContext', 16, 131072) ?? s.llm.contextSize;
  s.llm.seed = int(params, 'seed', 0, 2 ** 31 - 1) ?? s.llm.seed;
  return s;
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
