/**
 * The bench commands' arguments: the one argv loop they all use (`parseArgs`), and the headless
 * CLI's options and how they become one BenchConfig plus the local folders to serve. Pure apart
 * from checking whether paths exist (injected), so it is unit-tested.
 */
import { basename, dirname, resolve } from 'node:path';
import { applySets, parseBenchConfig, preset, type BenchConfig } from '../../src/core/bench-config';
import { findBeirDataset } from '../../src/core/beir-catalog';
import { RagtabError } from '../../src/core/errors';
import type { MetricKind } from '../../src/core/compare';

export interface CliOptions {
  preset: string | null;
  config: string | null;
  sets: string[];
  dataset: string | null;
  embedder: string | null;
  llm: string | null;
  noLlm: boolean;
  baseline: string | null;
  out: string;
  browser: string | undefined;
  /** Use an app already served at this URL (no build, no server). */
  url: string | null;
  /** Compare / summarise a saved record instead of running. */
  record: string | null;
  /** Page of the app that has the benchmark panel. */
  page: string;
  build: boolean;
  swiftshader: boolean;
  headed: boolean;
  thresholds: Partial<Record<MetricKind, number>>;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [--preset quick|standard|full | --config FILE] [--set field=value ...]
         [--dataset DIR_OR_URL_OR_NAME] [--embedder MODEL_DIR_OR_ID] [--llm GGUF_OR_ID_OR_SHAPE:TYPE | --no-llm]
         [--baseline RECORD.json] [--threshold latency|throughput|quality=FRACTION ...] [--out DIR]
         [--browser PATH] [--swiftshader] [--url APP_URL] [--no-build] [--record RECORD.json] [--headed]

Runs a benchmark configuration in headless Chromium through the app's own runner and writes the
record as JSON, CSV and Markdown into --out (default bench-results/). Exit code: 0, 1 when a
metric regressed against --baseline, 2 on an error (named) or a baseline of another configuration (not comparable). --record summarises (and compares) a
saved record without running. --set overrides any field, e.g. --set chunking.mode=document.
Without --llm the LLM phases run the generated SmolLM2-135M-shape Q8_0 (made on demand; --llm
smollm2-360m:Q4_0 names another generated one).`;

/** The page with the benchmark panel: the app itself. */
export const DEFAULT_BENCH_PAGE = './';

// ─────────────────────────────── every bench command's argv ───────────────────────────────

/** How a command reads its arguments: options with a value, and flags. */
export interface ArgSpec<O> {
  /** Options that take a value (`--n 64`): flag → how the value sets the options. */
  values?: Readonly<Record<string, (o: O, value: string) => void>>;
  /** Options without a value (`--quick`). */
  flags?: Readonly<Record<string, (o: O) => void>>;
}

/**
 * The one argv loop of the bench commands (`npm run bench`, `bench:retrieval`, `bench:storage`,
 * `bench:llm`): a leading `--` is skipped, `-h`/`--help` sets `help`, an option missing its value or
 * an unknown argument is an InvalidArgument error naming it.
 */
export function parseArgs<O extends object>(argv: readonly string[], defaults: O, spec: ArgSpec<O>): O & { help: boolean } {
  const o = { ...defaults, help: false };
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const takes = spec.values?.[a];
    const flag = spec.flags?.[a];
    if (takes) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new RagtabError('InvalidArgument', `${a} needs a value`);
      takes(o, v);
    } else if (flag) flag(o);
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new RagtabError('InvalidArgument', `unknown argument "${a}" (see --help)`);
  }
  return o;
}

/** An integer option's value, at least `min`. */
export function intArg(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RagtabError('InvalidArgument', `${name} must be an integer ≥ ${min}, got ${value}`);
  return n;
}

/** A comma-separated list of integers, each at least `min`. */
export function intListArg(name: string, value: string, min: number): number[] {
  return value.split(',').map((x) => intArg(name, x.trim(), min));
}

// ─────────────────────────────── npm run bench ───────────────────────────────

const CLI_DEFAULTS: Omit<CliOptions, 'help'> = {
  preset: null,
  config: null,
  sets: [],
  dataset: null,
  embedder: null,
  llm: null,
  noLlm: false,
  baseline: null,
  out: 'bench-results',
  browser: undefined,
  url: null,
  record: null,
  page: DEFAULT_BENCH_PAGE,
  build: true,
  swiftshader: false,
  headed: false,
  thresholds: {},
};

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const o = parseArgs<Omit<CliOptions, 'help'>>(argv, { ...CLI_DEFAULTS, sets: [], thresholds: {} }, {
    values: {
      '--preset': (o, v) => (o.preset = v),
      '--config': (o, v) => (o.config = v),
      '--set': (o, v) => void o.sets.push(v),
      '--dataset': (o, v) => (o.dataset = v),
      '--embedder': (o, v) => (o.embedder = v),
      '--llm': (o, v) => (o.llm = v),
      '--baseline': (o, v) => (o.baseline = v),
      '--out': (o, v) => (o.out = v),
      '--browser': (o, v) => (o.browser = v),
      '--url': (o, v) => (o.url = v),
      '--record': (o, v) => (o.record = v),
      '--page': (o, v) => (o.page = v),
      '--threshold': (o, v) => {
        const m = /^(latency|throughput|quality)=([0-9.]+)$/.exec(v);
        if (!m || !(Number(m[2]) >= 0)) throw new RagtabError('InvalidArgument', `--threshold: expected latency|throughput|quality=FRACTION (e.g. latency=0.1), got "${v}"`);
        o.thresholds[m[1] as MetricKind] = Number(m[2]);
      },
    },
    flags: {
      '--no-llm': (o) => (o.noLlm = true),
      '--no-build': (o) => (o.build = false),
      '--swiftshader': (o) => (o.swiftshader = true),
      '--headed': (o) => (o.headed = true),
    },
  });
  if (o.preset && o.config) throw new RagtabError('InvalidArgument', '--preset and --config exclude each other');
  if (o.llm && o.noLlm) throw new RagtabError('InvalidArgument', '--llm and --no-llm exclude each other');
  return o;
}

export interface Resolved {
  config: BenchConfig;
  /** URL prefix → local folder, served beside the app. */
  dirs: Record<string, string>;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/**
 * The configuration the options describe: the preset or file, then --dataset / --embedder / --llm
 * / --no-llm, then every --set in order (so --set has the last word). Local folders become served
 * prefixes: ../shared's models/ and datasets/ (when present) at /models/ and /datasets/, a dataset
 * folder at /cli-dataset/, a model folder's parent at /cli-models/, a GGUF's folder at /cli-llm/.
 */
export function resolveCliConfig(
  o: CliOptions,
  io: { exists(path: string): boolean; isDir(path: string): boolean; readJson(path: string): unknown; shared: string },
): Resolved {
  let config: BenchConfig = o.config ? parseBenchConfig(io.readJson(o.config)) : preset(o.preset ?? 'quick');
  const dirs: Record<string, string> = {};
  if (io.isDir(resolve(io.shared, 'models'))) dirs['/models/'] = resolve(io.shared, 'models');
  if (io.isDir(resolve(io.shared, 'datasets'))) dirs['/datasets/'] = resolve(io.shared, 'datasets');
  const sets: string[] = [];
  if (o.dataset) {
    const d = o.dataset;
    if (isUrl(d)) sets.push('corpus.source=beir', `corpus.url=${d}`);
    else if (io.isDir(d)) {
      if (!io.exists(resolve(d, 'corpus.jsonl')) && !io.exists(resolve(d, 'corpus.jsonl.gz'))) {
        throw new RagtabError('BeirMissingFile', `--dataset ${d}: no corpus.jsonl in that folder (a BEIR folder has corpus.jsonl, queries.jsonl, qrels/test.tsv)`);
      }
      dirs['/cli-dataset/'] = resolve(d);
      sets.push('corpus.source=beir', 'corpus.url=cli-dataset/');
    } else if (findBeirDataset(d)) sets.push('corpus.source=hub', `corpus.name=${d}`);
    else throw new RagtabError('InvalidArgument', `--dataset ${d}: not a folder, a URL or a BEIR dataset name`);
  }
  if (o.embedder) {
    const e = o.embedder.replace(/\/+$/, '');
    if (io.isDir(e)) {
      dirs['/cli-models/'] = resolve(dirname(resolve(e)));
      sets.push(`embedder.model=${basename(resolve(e))}`, 'embedder.baseUrl=cli-models/');
    } else sets.push(`embedder.model=${e}`, 'embedder.baseUrl=null');
  }
  if (o.noLlm) sets.push('llm.engine=none');
  if (o.llm) {
    const l = o.llm;
    if (io.exists(l) && !io.isDir(l)) {
      dirs['/cli-llm/'] = resolve(dirname(resolve(l)));
      sets.push('llm.engine=wllama', `llm.model=cli-llm/${basename(l)}`);
    } else if (isUrl(l) || /\.gguf$/i.test(l)) sets.push('llm.engine=wllama', `llm.model=${l}`);
    else sets.push('llm.engine=webllm', `llm.model=${l}`);
  }
  config = applySets(config, [...sets, ...o.sets]);
  return { config, dirs };
}
