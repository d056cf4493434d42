/**
 * The page's URL as a configuration: one syntax, field assignments on a base configuration.
 *
 *   ?bench=quick&benchSet=k%3D5&benchSet=chunking.mode%3Ddocument    (any field, by its path)
 *   ?k=5&chunking=document&chunkSize=64                              (the short names below)
 *   ?index=hnsw&ef=128&compare=exact,int8,bm25                        (index kinds: lists comma-separated)
 *
 * The short names are the app's original parameters; each is an alias of one configuration field
 * (PARAM_ALIASES, also in the README), so old links keep working and mean the same. `bench` picks
 * the benchmark panel's base preset; the app starts from APP_CONFIG. Every assignment is checked
 * against the schema; a bad one is reported by name (`Invalid k param: 'x', expected an integer
 * from 1 to 1000.`) and left out, and the others are kept.
 */
import * as v from 'valibot';
import { BenchConfigSchema, formatPath, getPath, parseBenchConfig, parseSetValue, preset, setPath, type BenchConfig, type Mutable } from './bench-config';
import { RagtabError } from './errors';
import { APP_CONFIG, toSettings, type Settings } from './settings';

interface Alias {
  /** The configuration field the parameter sets. */
  path: string;
  /** The value is text as written (a model id, a URL), never read as a number or null. */
  text?: boolean;
  /** The value is a comma-separated list (`compare=int8,bm25`); empty items are dropped. */
  list?: boolean;
}

/** Each short URL parameter and the configuration field it sets. */
export const PARAM_ALIASES: Readonly<Record<string, Alias>> = Object.freeze({
  dataset: { path: 'corpus.url', text: true },
  beir: { path: 'corpus.name', text: true },
  maxDocs: { path: 'corpus.maxDocs' },
  model: { path: 'embedder.model', text: true },
  modelBase: { path: 'embedder.baseUrl', text: true },
  revision: { path: 'embedder.revision', text: true },
  device: { path: 'embedder.device' },
  dtype: { path: 'embedder.dtype' },
  threads: { path: 'embedder.threads' },
  batch: { path: 'embedder.batch' },
  chunking: { path: 'chunking.mode' },
  chunkSize: { path: 'chunking.size' },
  chunkOverlap: { path: 'chunking.overlap' },
  index: { path: 'index' },
  compare: { path: 'kinds.compare', list: true },
  ef: { path: 'kinds.hnsw.ef' },
  hnswM: { path: 'kinds.hnsw.m' },
  efConstruction: { path: 'kinds.hnsw.efConstruction' },
  int8Rescore: { path: 'kinds.int8.rescore' },
  binaryRescore: { path: 'kinds.binary.rescore' },
  dense: { path: 'kinds.hybrid.dense' },
  fusedDepth: { path: 'kinds.hybrid.fusedDepth' },
  rrfK: { path: 'kinds.hybrid.rrfK' },
  bm25K1: { path: 'kinds.bm25.k1' },
  bm25B: { path: 'kinds.bm25.b' },
  stem: { path: 'kinds.bm25.stem' },
  stopWords: { path: 'kinds.bm25.stopWords', list: true },
  k: { path: 'k' },
  llm: { path: 'llm.engine' },
  llmModel: { path: 'llm.model', text: true },
  llmThreads: { path: 'llm.threads' },
  maxTokens: { path: 'llm.maxNewTokens' },
  llmContext: { path: 'llm.contextSize' },
  seed: { path: 'llm.seed' },
});

/** A URL parameter that was reported and left out. */
export interface ParamError {
  param: string;
  value: string;
  message: string;
}

export interface UrlConfig {
  config: BenchConfig;
  errors: ParamError[];
  /** Whether the URL names any configuration at all (a preset, an assignment or a short name). */
  given: boolean;
}

interface Assignment {
  param: string;
  value: string;
  /** The fields it sets: [path, value]. */
  sets: Array<[string, unknown]>;
  /** How an issue reads: short names as `Invalid <param> param`, benchSet as `<path>: …` (as --set). */
  short: boolean;
}

const withoutGot = (m: string) => m.replace(/, got .*$/, '');

function issueMessage(a: Assignment, issuePath: string, message: string): string {
  if (!a.short) return `${issuePath}: ${message}`;
  const own = a.sets.some(([p]) => p === issuePath);
  return `Invalid ${a.param} param: '${a.value}', ${own ? '' : `${issuePath}: `}${withoutGot(message)}.`;
}

/** The assignments a URL makes, in order: short names first (the corpus ones together), then each benchSet. */
function assignmentsOf(params: URLSearchParams, base: BenchConfig, errors: ParamError[]): Assignment[] {
  const out: Assignment[] = [];
  const dataset = params.get('dataset');
  for (const [param, alias] of Object.entries(PARAM_ALIASES)) {
    const raw = params.get(param);
    if (raw === null || raw === '') continue;
    if (param === 'beir' && dataset) continue; // a dataset URL wins over a hub name
    const value = alias.list
      ? raw
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '')
      : alias.text
        ? raw
        : parseSetValue(raw, getPath(base, alias.path));
    const sets: Array<[string, unknown]> = [[alias.path, value]];
    if (param === 'dataset') sets.unshift(['corpus.source', 'beir'], ['corpus.name', null]);
    if (param === 'beir') sets.unshift(['corpus.source', 'hub'], ['corpus.url', null]);
    // web-llm without a model id: its default for this browser, chosen by the LLM panel
    if (param === 'llm' && raw === 'webllm' && !params.get('llmModel')) sets.push(['llm.model', 'auto']);
    out.push({ param, value: raw, sets, short: true });
  }
  for (const raw of params.getAll('benchSet')) {
    const eq = raw.indexOf('=');
    if (eq <= 0) {
      errors.push({ param: 'benchSet', value: raw, message: `--set: expected field=value, got "${raw}"` });
      continue;
    }
    const path = raw.slice(0, eq).trim();
    try {
      setPath(structuredClone(base) as Mutable<BenchConfig>, path, null);
    } catch (e) {
      errors.push({ param: 'benchSet', value: raw, message: (e as Error).message });
      continue;
    }
    try {
      out.push({ param: 'benchSet', value: raw, sets: [[path, parseSetValue(raw.slice(eq + 1), getPath(base, path))]], short: false });
    } catch (e) {
      errors.push({ param: 'benchSet', value: raw, message: (e as Error).message });
    }
  }
  return out;
}

const within = (inner: string, outer: string) => inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
const overlaps = (a: string, b: string) => a === b || within(a, b) || within(b, a);
const group = (p: string) => p.split('.')[0] as string;

/**
 * Applies the URL's assignments to `base`. Assignments that make the configuration invalid are
 * found from the schema's issues (the field at fault, else the assignments of the same group of
 * fields), reported and left out, and the rest applied again, until what remains is valid.
 */
export function applyUrl(params: URLSearchParams, base: BenchConfig): UrlConfig {
  const errors: ParamError[] = [];
  let active = assignmentsOf(params, base, errors);
  const given = active.length > 0 || errors.length > 0;
  for (;;) {
    const draft = structuredClone(base) as Mutable<BenchConfig>;
    for (const a of active) for (const [p, val] of a.sets) setPath(draft, p, val);
    const r = v.safeParse(BenchConfigSchema, draft);
    let issues: Array<{ path: string; message: string }> = [];
    if (r.success) {
      try {
        return { config: parseBenchConfig(draft), errors, given };
      } catch (e) {
        issues = [{ path: 'sweep', message: (e as Error).message }];
      }
    } else issues = r.issues.map((i) => ({ path: formatPath(i.path as ReadonlyArray<{ key: unknown }> | undefined), message: i.message }));
    const blamed = new Map<Assignment, { path: string; message: string }>();
    for (const issue of issues) {
      let who = active.filter((a) => a.sets.some(([p]) => overlaps(p, issue.path)));
      if (who.length === 0) who = active.filter((a) => a.sets.some(([p]) => group(p) === group(issue.path)));
      if (who.length === 0) who = active;
      for (const a of who) if (!blamed.has(a)) blamed.set(a, issue);
    }
    for (const [a, issue] of blamed) errors.push({ param: a.param, value: a.value, message: issueMessage(a, issue.path || 'config', issue.message) });
    active = active.filter((a) => !blamed.has(a));
  }
}

function strict(r: UrlConfig): BenchConfig {
  const first = r.errors[0];
  if (first) throw new RagtabError('InvalidConfig', first.message);
  return r.config;
}

/**
 * The benchmark panel's configuration: the preset named by `bench` (default quick) with the URL's
 * assignments; null when the URL names no configuration. Throws InvalidConfig at the first bad one.
 */
export function configFromParams(params: URLSearchParams): BenchConfig | null {
  const name = params.get('bench');
  const r = applyUrl(params, preset(name || 'quick'));
  if (name === null && !r.given) return null;
  return strict(r);
}

/** The app's configuration from its URL: APP_CONFIG with the URL's assignments, each bad one reported and left out. */
export function appConfigFromParams(params: URLSearchParams): UrlConfig {
  return applyUrl(params, APP_CONFIG);
}

/** The app's settings for a URL; throws InvalidConfig at the first bad parameter (version 0 share links). */
export function settingsFromParams(params: URLSearchParams, hardwareConcurrency?: number): Settings {
  return toSettings(strict(appConfigFromParams(params)), hardwareConcurrency);
}

/**
 * The app's configuration as URL parameters, the inverse of `appConfigFromParams`: one short
 * parameter per field that differs from `base` (APP_CONFIG), in PARAM_ALIASES order, so a reload
 * (or a copied address) opens the same set-up. Fields without a short name are not written.
 */
export function paramsFromConfig(config: BenchConfig, base: BenchConfig = APP_CONFIG): URLSearchParams {
  const out = new URLSearchParams();
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const [param, alias] of Object.entries(PARAM_ALIASES)) {
    if (param === 'beir' && config.corpus.source !== 'hub') continue;
    if (param === 'dataset' && config.corpus.source !== 'beir') continue;
    const value = getPath(config, alias.path);
    if (same(value, getPath(base, alias.path)) && param !== 'dataset' && param !== 'beir') continue;
    if (value === null || value === undefined) continue;
    out.set(param, Array.isArray(value) ? value.join(',') : String(value));
  }
  return out;
}
