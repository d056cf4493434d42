/**
 * One benchmark configuration: versioned, validated with valibot, deep-frozen once parsed.
 * Everything a run does is named here (corpus, chunking, embedder, index, k, LLM, query set,
 * warm-ups, iterations, concurrency, sweep axes); the record keeps it beside the figures.
 *
 * Shapes are flat on purpose (a `mode` or `source` field beside its parameters rather than a
 * union of objects) so `applySet(config, 'chunking.mode=document')` just works from a command
 * line. Pure: no DOM, no workers.
 *
 * This is the one configuration schema: the app's settings are a view of it (src/core/settings.ts)
 * and the URL is parsed into it (src/core/config-url.ts). One cohesive thing at ~500 lines: the
 * schema, its validation, `--set`, the presets made with it and the sweep cells it expands to.
 */
import * as v from 'valibot';
import { RagtabError } from './errors';
import { DEFAULT_EMBEDDING_MODEL } from './models';
import { DEFAULT_WLLAMA_MODEL } from './capabilities';
import { DEVICES, DTYPES, EMBED_ORDERS, INDEX_KINDS, type IndexKind } from './vocabulary';
import { KIND_BOUNDS, VECTOR_KINDS, defaultKindOptions } from './index-kinds';

export const BENCH_CONFIG_VERSION = 1;

// ─────────────────────────────── field schemas ───────────────────────────────

/** How a received value reads in an error message. */
export function shown(x: unknown): string {
  if (x === undefined) return 'nothing (the field is missing)';
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  if (Array.isArray(x)) return 'a list';
  return 'an object';
}

const intIn = (min: number, max: number) => {
  const msg = (i: { input: unknown }) => `expected an integer from ${min} to ${max}, got ${shown(i.input)}`;
  return v.pipe(
    v.number(msg),
    v.check((n: number) => Number.isInteger(n) && n >= min && n <= max, msg),
  );
};

const intOrNull = (min: number, max: number) => {
  const msg = (i: { input: unknown }) => `expected an integer from ${min} to ${max} or null, got ${shown(i.input)}`;
  return v.union([v.null(), v.pipe(v.number(msg), v.check((n: number) => Number.isInteger(n) && n >= min && n <= max, msg))], msg);
};

const oneOf = <const T extends readonly [string, ...string[]]>(options: T) =>
  v.picklist(options, (i) => `expected one of ${options.join(', ')}, got ${shown(i.input)}`);

const bool = () => v.boolean((i) => `expected true or false, got ${shown(i.input)}`);

const text = (what: string, max = 2048) =>
  v.pipe(
    v.string((i) => `expected ${what}, got ${shown(i.input)}`),
    v.check((s: string) => s.trim().length > 0 && s.length <= max, (i) => `expected ${what} (1 to ${max} characters), got ${shown(i.input)}`),
  );

const textOrNull = (what: string, max = 2048) =>
  v.union([v.null(), text(what, max)], (i) => `expected ${what} or null, got ${shown(i.input)}`);

const numIn = (min: number, max: number) => {
  const msg = (i: { input: unknown }) => `expected a number from ${min} to ${max}, got ${shown(i.input)}`;
  return v.pipe(
    v.number(msg),
    v.check((n: number) => Number.isFinite(n) && n >= min && n <= max, msg),
  );
};

const obj = <const E extends v.ObjectEntries>(entries: E) =>
  v.strictObject(entries, (i) => (i.expected === 'never' ? `unknown field` : `expected an object, got ${shown(i.input)}`));

const MODEL_ID = /^[\w.\-/]+$/;

// ─────────────────────────────── the schema ───────────────────────────────

export const SWEEP_AXES = [
  'corpus.maxDocs',
  'k',
  'index',
  'kinds.hnsw.ef',
  'kinds.hnsw.m',
  'kinds.hnsw.efConstruction',
  'kinds.int8.rescore',
  'kinds.binary.rescore',
  'kinds.hybrid.fusedDepth',
  'kinds.hybrid.rrfK',
  'kinds.bm25.k1',
  'kinds.bm25.b',
  'kinds.bm25.stem',
  'embedder.model',
  'embedder.device',
  'embedder.dtype',
  'embedder.threads',
  'embedder.batch',
  'embedder.order',
  'chunking.mode',
  'chunking.size',
  'concurrency',
  'llm.maxNewTokens',
] as const;
export type SweepAxis = (typeof SWEEP_AXES)[number];
export const MAX_SWEEP_CELLS = 256;

const CorpusSchema = v.pipe(
  obj({
    /** demo: the bundled corpus; beir: a BEIR folder at a URL (relative to the page, or absolute); hub: a BEIR dataset of the catalogue by name. */
    source: oneOf(['demo', 'beir', 'hub'] as const),
    url: textOrNull('a URL'),
    name: textOrNull('a BEIR dataset name', 200),
    maxDocs: intOrNull(1, 10_000_000),
    /** Expected content hash (SHA-256 hex, as the ingest report gives it); the run fails if the corpus differs. */
    hash: v.union(
      [v.null(), v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, (i) => `expected a SHA-256 hex string (64 hex digits) or null, got ${shown(i.input)}`))],
      (i) => `expected a SHA-256 hex string (64 hex digits) or null, got ${shown(i.input)}`,
    ),
  }),
  v.forward(v.check((c) => c.source !== 'beir' || c.url !== null, 'a BEIR corpus needs a url'), ['url']),
  v.forward(v.check((c) => c.source !== 'hub' || c.name !== null, 'a hub corpus needs a name'), ['name']),
  v.forward(v.check((c) => c.source !== 'demo' || c.maxDocs === null, 'must be null for the demo corpus (58 documents)'), ['maxDocs']),
);

const ChunkingSchema = v.pipe(
  obj({
    mode: oneOf(['document', 'tokens'] as const),
    size: intIn(8, 8192),
    overlap: intIn(0, 8191),
  }),
  v.forward(
    v.check((c) => c.mode === 'document' || c.overlap < c.size, (i) => `must be smaller than chunking.size (${(i.input as { size: number }).size}), got ${(i.input as { overlap: number }).overlap}`),
    ['overlap'],
  ),
);

const EmbedderSchema = obj({
  model: v.pipe(text('a model id'), v.regex(MODEL_ID, (i) => `expected a model id (letters, digits, . - _ /), got ${shown(i.input)}`)),
  revision: textOrNull('a revision', 200),
  /** Folder URL the model is read from (`${baseUrl}${model}/`); null = the hub (or models/ for the local test models). */
  baseUrl: textOrNull('a URL'),
  dtype: oneOf(DTYPES),
  device: oneOf(DEVICES),
  threads: v.union([v.literal('auto'), intIn(1, 64)], (i) => `expected an integer from 1 to 64 or "auto", got ${shown(i.input)}`),
  batch: intIn(1, 1024),
  /** Texts sorted by token count before batching (`length`), or as given: what the sorting wins. */
  order: v.optional(oneOf(EMBED_ORDERS), 'length'),
});

const LlmSchema = v.pipe(
  obj({
    engine: oneOf(['none', 'wllama', 'webllm'] as const),
    /**
     * wllama: a GGUF URL (relative to the page or absolute); webllm: a model id of web-llm's list;
     * "auto": the engine's default for this browser (the app's LLM panel picks web-llm's from the
     * capabilities; a benchmark of web-llm needs a model id).
     */
    model: textOrNull('a model URL or id'),
    /** Quantisation variant (e.g. q4f32_1, Q8_0): a label for the record. */
    variant: textOrNull('a variant', 100),
    maxNewTokens: intIn(1, 4096),
    /** Context window in tokens; null: the engine's default. */
    contextSize: intOrNull(16, 131_072),
    seed: intIn(0, 2 ** 31 - 1),
    threads: v.union([v.literal('auto'), intIn(1, 64)], (i) => `expected an integer from 1 to 64 or "auto", got ${shown(i.input)}`),
  }),
  v.forward(v.check((c) => c.engine === 'none' || c.model !== null, 'an LLM engine needs a model'), ['model']),
);

const QueriesSchema = v.pipe(
  obj({
    /** corpus: the corpus's own queries (judged ones first); list: the questions below. */
    from: oneOf(['corpus', 'list'] as const),
    list: v.pipe(
      v.array(text('a question', 4000), (i) => `expected a list of questions, got ${shown(i.input)}`),
      v.maxLength(10_000, 'expected at most 10000 questions'),
    ),
    /** Questions per iteration (the first `count` of the set, cycled when the set is smaller). */
    count: intIn(1, 100_000),
  }),
  v.forward(v.check((q) => q.from !== 'list' || q.list.length > 0, 'a list query set needs at least one question'), ['list']),
);

const MemorySchema = obj({
  /** How often the cheap sources (performance.memory) are read during a stage, ms. */
  intervalMs: intIn(10, 60_000),
  /** Whether to call performance.measureUserAgentSpecificMemory() between stages (cross-origin isolated pages only). */
  full: bool(),
});

const SweepAxisSchema = obj({
  path: oneOf(SWEEP_AXES),
  values: v.pipe(
    v.array(v.union([v.string(), v.number(), v.boolean(), v.null()], (i) => `expected a string, number, boolean or null, got ${shown(i.input)}`), (i) => `expected a list of values, got ${shown(i.input)}`),
    v.minLength(1, 'expected at least one value'),
    v.maxLength(64, 'expected at most 64 values'),
  ),
});

/** The index choices: a kind answers; `both` (older configurations) is exact answering with voy timed beside it. */
export const INDEX_CHOICES = [...INDEX_KINDS, 'both'] as const;
export type IndexChoice = (typeof INDEX_CHOICES)[number];

const B = KIND_BOUNDS;
/**
 * The kinds beyond the one that answers (`index`): `compare`, the kinds built and timed beside it on
 * the same queries (their recall against the exact scan and their quality recorded too), and each
 * kind's options. Optional in a configuration: older ones (share links, records) read as the defaults.
 */
const KindsSchema = v.pipe(
  obj({
    compare: v.pipe(
      v.array(oneOf(INDEX_KINDS), (i) => `expected a list of index kinds, got ${shown(i.input)}`),
      v.maxLength(INDEX_KINDS.length, `expected at most ${INDEX_KINDS.length} kinds`),
      v.check((l) => new Set(l).size === l.length, 'expected each kind once'),
    ),
    hnsw: obj({ m: intIn(B.hnswM[0], B.hnswM[1]), efConstruction: intIn(B.efConstruction[0], B.efConstruction[1]), ef: intIn(B.ef[0], B.ef[1]) }),
    int8: obj({ rescore: intOrNull(B.rescore[0], B.rescore[1]) }),
    binary: obj({ rescore: intOrNull(B.rescore[0], B.rescore[1]) }),
    hybrid: obj({ dense: oneOf(VECTOR_KINDS), fusedDepth: intIn(B.fusedDepth[0], B.fusedDepth[1]), rrfK: numIn(B.rrfK[0], B.rrfK[1]) }),
    bm25: obj({
      k1: numIn(B.k1[0], B.k1[1]),
      b: numIn(B.b[0], B.b[1]),
      stem: oneOf(['none', 'porter2'] as const),
      stopWords: v.pipe(
        v.array(text('a stop word', B.stopWordChars), (i) => `expected a list of words, got ${shown(i.input)}`),
        v.maxLength(B.stopWords, `expected at most ${B.stopWords} stop words`),
      ),
    }),
  }),
);

export const BenchConfigSchema = obj({
  version: v.literal(BENCH_CONFIG_VERSION, (i) => `expected ${BENCH_CONFIG_VERSION}, got ${shown(i.input)}`),
  name: text('a name', 100),
  corpus: CorpusSchema,
  chunking: ChunkingSchema,
  embedder: EmbedderSchema,
  /** The index kind that answers queries (`both`: exact, with voy timed beside it). A sweep axis. */
  index: oneOf(INDEX_CHOICES),
  kinds: v.optional(KindsSchema, () => ({ compare: [], ...defaultKindOptions() })),
  k: intIn(1, 1000),
  /** Character budget of the formatted context. */
  contextChars: intIn(100, 1_000_000),
  llm: LlmSchema,
  queries: QueriesSchema,
  warmups: intIn(0, 100),
  iterations: intIn(1, 10_000),
  /** Measure a second ingest with the model reloaded in a fresh worker (from the browser's cache). */
  reload: bool(),
  /** Delete this model's files from the browser's model cache before the cold ingest. */
  clearCache: bool(),
  /** Queries submitted at once in the concurrency mode; 1 = no concurrency mode. */
  concurrency: intIn(1, 256),
  /** Score the corpus's judged queries (nDCG@10 ...) after the timed iterations. */
  quality: bool(),
  memory: MemorySchema,
  sweep: v.pipe(
    v.array(SweepAxisSchema, (i) => `expected a list of axes, got ${shown(i.input)}`),
    v.maxLength(4, 'expected at most 4 axes'),
  ),
});

export type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
export type Mutable<T> = T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;
/** A validated configuration: deep-frozen at run time, deep-readonly to the compiler. */
export type BenchConfig = DeepReadonly<v.InferOutput<typeof BenchConfigSchema>>;

// ─────────────────────────────── parsing ───────────────────────────────

/** A path as people read it: `embedder.threads`, `sweep[1].values[0]`. */
export function formatPath(path: ReadonlyArray<{ key: unknown }> | undefined): string {
  let out = '';
  for (const p of path ?? []) {
    const k = p.key;
    if (typeof k === 'number') out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out;
}

function issuesMessage(issues: ReadonlyArray<v.BaseIssue<unknown>>, prefix = ''): string {
  const lines = issues.slice(0, 5).map((i) => {
    const p = formatPath(i.path as ReadonlyArray<{ key: unknown }> | undefined);
    const where = prefix + p;
    return `${where || 'config'}: ${i.message}`;
  });
  if (issues.length > 5) lines.push(`(and ${issues.length - 5} more)`);
  return lines.join('; ');
}

export function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const val of Object.values(x as object)) deepFreeze(val);
  }
  return x;
}

function parseOnly(input: unknown, prefix = ''): BenchConfig {
  const r = v.safeParse(BenchConfigSchema, input);
  if (!r.success) throw new RagtabError('InvalidConfig', issuesMessage(r.issues, prefix));
  return r.output;
}

/**
 * Validates a configuration (e.g. parsed JSON) and returns it deep-frozen. Each sweep cell is
 * validated too. Throws `RagtabError('InvalidConfig', 'embedder.threads: expected an integer from
 * 1 to 64, got 0')`, naming every field at fault (up to five).
 */
export function parseBenchConfig(input: unknown): BenchConfig {
  const config = parseOnly(input);
  const cells = config.sweep.reduce((n, a) => n * a.values.length, 1);
  if (cells > MAX_SWEEP_CELLS) {
    throw new RagtabError('InvalidConfig', `sweep: ${cells} cells, expected at most ${MAX_SWEEP_CELLS}`);
  }
  const seen = new Set<string>();
  config.sweep.forEach((axis, i) => {
    if (seen.has(axis.path)) throw new RagtabError('InvalidConfig', `sweep[${i}].path: ${axis.path} is swept twice`);
    seen.add(axis.path);
    axis.values.forEach((value, j) => {
      const cell = setPath(structuredClone(config) as Mutable<BenchConfig>, axis.path, value);
      cell.sweep = [];
      parseOnly(cell, `sweep[${i}].values[${j}]: `);
    });
  });
  return deepFreeze(config);
}

// ─────────────────────────────── --set ───────────────────────────────

/** Sets `a.b.c` in a configuration-shaped object (no validation); rejects prototype keys. */
export function setPath<T extends object>(target: T, path: string, value: unknown): T {
  const keys = path.split('.');
  if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) {
    throw new RagtabError('InvalidConfig', `${path}: not a field path`);
  }
  let node: Record<string, unknown> = target as Record<string, unknown>;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i] as string];
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      throw new RagtabError('InvalidConfig', `${keys.slice(0, i + 1).join('.')}: no such group of fields`);
    }
    node = next as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
  return target;
}

/** Reads `a.b.c` from a configuration-shaped object (undefined when absent). */
export function getPath(target: unknown, path: string): unknown {
  let node = target;
  for (const k of path.split('.')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

/**
 * A command-line value as the field expects it: `null` is null; a field that holds a string (other
 * than "auto") keeps the text as is; otherwise numbers, true/false and JSON lists/objects are parsed.
 */
export function parseSetValue(raw: string, current: unknown): unknown {
  const t = raw.trim();
  if (t === 'null') return null;
  if (typeof current === 'string' && current !== 'auto') return raw;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return Number(t);
  if (t.startsWith('[') || t.startsWith('{') || t.startsWith('"')) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      throw new RagtabError('InvalidConfig', `--set: "${raw}" is not valid JSON`);
    }
  }
  return raw;
}

function assign(copy: Mutable<BenchConfig>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new RagtabError('InvalidConfig', `--set: expected field=value, got "${assignment}"`);
  const path = assignment.slice(0, eq).trim();
  setPath(copy, path, parseSetValue(assignment.slice(eq + 1), getPath(copy, path)));
}

/** `applySet(config, 'embedder.threads=2')`: a new validated, frozen configuration. */
export function applySet(config: BenchConfig, assignment: string): BenchConfig {
  return applySets(config, [assignment]);
}

/**
 * Applies several `field=value` assignments in order, then validates once (so fields that go
 * together can be set one by one: `corpus.source=beir`, then `corpus.url=...`).
 */
export function applySets(config: BenchConfig, assignments: readonly string[]): BenchConfig {
  const copy = structuredClone(config) as Mutable<BenchConfig>;
  for (const a of assignments) assign(copy, a);
  return parseBenchConfig(copy);
}

// ─────────────────────────────── presets ───────────────────────────────

const BASE = {
  version: BENCH_CONFIG_VERSION,
  corpus: { source: 'demo', url: null, name: null, maxDocs: null, hash: null },
  chunking: { mode: 'tokens', size: 128, overlap: 16 },
  embedder: { model: DEFAULT_EMBEDDING_MODEL, revision: null, baseUrl: null, dtype: 'fp32', device: 'wasm', threads: 'auto', batch: 32, order: 'length' },
  index: 'exact',
  k: 10,
  contextChars: 4000,
  llm: { engine: 'wllama', model: DEFAULT_WLLAMA_MODEL, variant: 'Q8_0', maxNewTokens: 64, contextSize: null, seed: 42, threads: 'auto' },
  queries: { from: 'corpus', list: [], count: 10 },
  reload: true,
  clearCache: false,
  concurrency: 1,
  quality: true,
  memory: { intervalMs: 100, full: true },
  sweep: [],
} as const;

export const PRESETS = deepFreeze({
  /** One click: the demo corpus and the default models, 1 warm-up, 5 iterations. */
  quick: parseBenchConfig({ ...BASE, name: 'quick', warmups: 1, iterations: 5 }),
  /** The demo corpus with both index kinds, more iterations and a concurrency mode. */
  standard: parseBenchConfig({ ...BASE, name: 'standard', index: 'both', queries: { ...BASE.queries, count: 20 }, warmups: 2, iterations: 20, concurrency: 4 }),
  /** A BEIR corpus from the hub (scifact, 5,183 documents), a real cold start, 30 iterations, concurrency 8. */
  full: parseBenchConfig({
    ...BASE,
    name: 'full',
    corpus: { ...BASE.corpus, source: 'hub', name: 'scifact' },
    index: 'both',
    queries: { ...BASE.queries, count: 50 },
    warmups: 3,
    iterations: 30,
    clearCache: true,
    concurrency: 8,
  }),
  /**
   * The index kinds side by side on the demo corpus (issue 14): exact answering, every other kind
   * compared on the same queries and judged questions, HNSW's ef swept (16, 64, 128): one point per
   * kind and setting in the report's quality-against-latency chart. No LLM: retrieval only.
   */
  kinds: parseBenchConfig({
    ...BASE,
    name: 'kinds',
    kinds: { compare: ['voy', 'int8', 'binary', 'hnsw', 'bm25', 'hybrid'], ...defaultKindOptions() },
    llm: { ...BASE.llm, engine: 'none', model: null, variant: null },
    queries: { ...BASE.queries, count: 20 },
    warmups: 1,
    iterations: 3,
    sweep: [{ path: 'kinds.hnsw.ef', values: [16, 64, 128] }],
  }),
});
export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.freeze(Object.keys(PRESETS) as PresetName[]);

export function preset(name: string): BenchConfig {
  if (!(name in PRESETS)) throw new RagtabError('InvalidConfig', `preset: expected one of ${PRESET_NAMES.join(', ')}, got ${shown(name)}`);
  return PRESETS[name as PresetName];
}

// ─────────────────────────────── reading a configuration ───────────────────────────────

/**
 * The index kinds queries are timed on, the one that answers first: `index` (`both`: exact, then
 * voy), then the kinds compared beside it (`kinds.compare`), each once.
 */
export function queryKinds(config: BenchConfig): IndexKind[] {
  const out: IndexKind[] = config.index === 'both' ? ['exact', 'voy'] : [config.index];
  for (const k of config.kinds.compare) if (!out.includes(k)) out.push(k);
  return out;
}

/** Whether the configuration asks for generation (an LLM engine and model). */
export function wantsGeneration(config: BenchConfig): boolean {
  return config.llm.engine !== 'none' && config.llm.model !== null;
}

// ─────────────────────────────── sweeps ───────────────────────────────

export type SweepValue = string | number | boolean | null;
export interface SweepCell {
  index: number;
  /** axis path → value of this cell. */
  values: Record<string, SweepValue>;
  config: BenchConfig;
}

/** The cells of the sweep matrix, first axis slowest; a configuration without axes is one cell. */
export function sweepCells(config: BenchConfig): SweepCell[] {
  let combos: Array<Record<string, SweepValue>> = [{}];
  for (const axis of config.sweep) {
    combos = combos.flatMap((c) => axis.values.map((val) => ({ ...c, [axis.path]: val })));
  }
  return combos.map((values, index) => {
    const cell = structuredClone(config) as Mutable<BenchConfig>;
    for (const [p, val] of Object.entries(values)) setPath(cell, p, val);
    cell.sweep = [];
    return { index, values, config: parseBenchConfig(cell) };
  });
}
