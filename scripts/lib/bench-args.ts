/**
 * The headless CLI's arguments and how they become one BenchConfig plus the local folders to
 * serve. Pure apart from checking whether paths exist (injected), so it is unit-tested.
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
         [--dataset DIR_OR_URL_OR_NAME] [--embedder MODEL_DIR_OR_ID] [--llm GGUF_OR_ID | --no-llm]
         [--baseline RECORD.json] [--threshold latency|throughput|quality=FRACTION ...] [--out DIR]
         [--browser PATH] [--swiftshader] [--url APP_URL] [--no-build] [--record RECORD.json] [--headed]

Runs a benchmark configuration in headless Chromium through the app's own runner and writes the
record as JSON, CSV and Markdown into --out (default bench-results/). Exit code: 0, 1 when a
metric regressed against --baseline, 2 on an error (named) or a baseline of another configuration (not comparable). --record summarises (and compares) a
saved record without running. --set overrides any field, e.g. --set chunking.mode=document.`;

/** The page with the benchmark panel: the app itself. */
export const DEFAULT_BENCH_PAGE = './';

export function parseCliArgs(argv: readonly string[]): CliOptions {
  const o: CliOptions = {
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
    help: false,
  };
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new RagtabError('InvalidArgument', `${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--preset': o.preset = value(); break;
      case '--config': o.config = value(); break;
      case '--set': o.sets.push(value()); break;
      case '--dataset': o.dataset = value(); break;
      case '--embedder': o.embedder = value(); break;
      case '--llm': o.llm = value(); break;
      case '--no-llm': o.noLlm = true; break;
      case '--baseline': o.baseline = value(); break;
      case '--out': o.out = value(); break;
      case '--browser': o.browser = value(); break;
      case '--url': o.url = value(); break;
      case '--record': o.record = value(); break;
      case '--page': o.page = value(); break;
      case '--no-build': o.build = false; break;
      case '--swiftshader': o.swiftshader = true; break;
      case '--headed': o.headed = true; break;
      case '--threshold': {
        const m = /^(latency|throughput|quality)=([0-9.]+)$/.exec(value());
        if (!m || !(Number(m[2]) >= 0)) throw new RagtabError('InvalidArgument', `--threshold: expected latency|throughput|quality=FRACTION (e.g. latency=0.1), got "${args[i]}"`);
        o.thresholds[m[1] as MetricKind] = Number(m[2]);
        break;
      }
      case '-h':
      case '--help': o.help = true; break;
      default: throw new RagtabError('InvalidArgument', `unknown argument "${a}" (see --help)`);
    }
  }
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
