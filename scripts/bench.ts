/**
 * The headless benchmark: `npm run bench -- [options]` (see USAGE in scripts/lib/bench-args.ts).
 *
 * Builds the app and serves it with its real headers (local folders given on the command line, and
 * ../shared's models and datasets, under URL prefixes), drives Chromium headless through
 * Playwright, runs the configuration through the page's own runner (`window.ragtabBench.run`, the
 * same path as the "Run benchmark" button), writes each record as JSON, CSV and Markdown into
 * --out, prints a summary table, and compares with --baseline.
 * Exit code: 0; 1 when a metric regressed against the baseline; 2 on an error (named) or a baseline of another configuration.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from '@playwright/test';
import { BASE_FLAGS, EAGER_MEMORY_FLAG, WEBGPU_FLAGS, resolveChromium } from './lib/chromium';
import { buildOutDir, serveApp, sharedDir, type Served } from './lib/server';
import { USAGE, parseCliArgs, resolveCliConfig, type CliOptions } from './lib/bench-args';
import { fromJson, toCsv, toJson, toMarkdown, comparisonMarkdown } from '../src/core/exports';
import { summarizeRecord, type RunRecord } from '../src/core/run-record';
import { concurrencyText } from '../src/core/report-data';
import { compareRecords } from '../src/core/record-compare';
import { errorInfo, RagtabError } from '../src/core/errors';
import type { BenchConfig } from '../src/core/bench-config';
import type { StageEvent } from '../src/engine/runner';
import type {} from '../src/engine/bench-api'; // declares window.ragtabBench
import { difference, medianInterval } from '../src/core/figure-format';
import { roofsView } from '../src/core/record-roofs';
import { LLM_SHAPES, type LlmQuant, type LlmShapeId } from '../src/core/random-llm';
import { ensureTestLlm } from './lib/test-llm';

/**
 * The LLM phases run on a generated model of real size unless told otherwise: no --llm (and no
 * --no-llm, --config or --set llm.*) means the SmolLM2-135M-shape Q8_0 (scripts/lib/test-llm.ts,
 * made on demand: offline, a real model's compute); `--llm SHAPE:TYPE` (smollm2-360m:Q4_0) names
 * another generated one.
 */
function withGeneratedLlm(o: CliOptions): CliOptions {
  const named = o.llm ? /^([a-z0-9-]+):(Q8_0|Q4_0)$/i.exec(o.llm) : null;
  if (named && named[1]! in LLM_SHAPES) return { ...o, llm: ensureTestLlm(named[1] as LlmShapeId, named[2]!.toUpperCase() as LlmQuant) };
  // An app served elsewhere (--url) cannot be given a local file: it keeps the configuration's model.
  if (o.llm || o.noLlm || o.config || o.record || o.help || o.url || o.sets.some((x) => x.startsWith('llm.'))) return o;
  return { ...o, llm: ensureTestLlm('smollm2-135m', 'Q8_0') };
}

const log = (...a: unknown[]) => console.error(...a);

function fmt(x: number | null | undefined, d = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r, i) => r.map((cell, c) => (c === 0 || i === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

/** The summary table printed on stdout. */
export function summaryText(r: RunRecord): string {
  const s = summarizeRecord(r);
  const out: string[] = [];
  out.push(`run ${r.id} · ${r.config.name} · ${r.status}${r.sweep ? ` · sweep cell ${r.sweep.index + 1}/${r.sweep.of} (${Object.entries(r.sweep.values).map(([k, v]) => `${k}=${String(v)}`).join(', ')})` : ''}`);
  out.push(`${r.corpus ? `${r.corpus.name}: ${r.corpus.docs} docs, ${r.corpus.chunks} chunks` : r.config.corpus.source} · ${r.embedder ? `${r.embedder.model} on ${r.embedder.device} (${r.embedder.threads} thread(s))` : r.config.embedder.model} · ${r.llm ? `${r.llm.engine} ${r.llm.model}` : 'no LLM'}`);
  out.push('');
  const resolution = r.roofs ? { resolution: r.roofs.timer.resolutionMs } : {};
  out.push(
    table([
      ['stage (ms)', 'phase', 'n', 'mean', '±95%', 'p50', 'p50 95% CI', 'p90', 'p99', 'max', 'CV'],
      ...s.stages.map((x) => [x.stage, x.phase, String(x.count), fmt(x.duration.mean), x.duration.ci95 ? fmt((x.duration.ci95[1] - x.duration.ci95[0]) / 2) : '—', fmt(x.duration.p50), medianInterval(x.median, resolution), fmt(x.duration.p90), fmt(x.duration.p99), fmt(x.duration.max), `${fmt(x.duration.cv, 3)}${x.noise.noisy ? ' noisy' : ''}`]),
    ]),
  );
  const noisy = s.stages.filter((x) => x.noise.noisy);
  if (noisy.length) out.push(`noisy (CV above ${Math.round(noisy[0]!.noise.threshold * 100)}%): ${noisy.map((x) => `${x.stage} (${x.phase})`).join(', ')}; ${s.drift ? `the machine meanwhile: ${s.drift.note}` : 'no calibration recorded'}`);
  if (s.throughputs.length) {
    out.push('');
    out.push(table([['throughput', 'phase', 'n', 'mean', 'p50'], ...s.throughputs.map((t) => [t.name, t.phase, String(t.summary.count), fmt(t.summary.mean, 1), fmt(t.summary.p50, 1)])]));
  }
  if (s.endToEnd) out.push('', `end to end per query: measured mean ${fmt(s.endToEnd.measured.mean)} ms, sum of stages ${fmt(s.endToEnd.sumOfStages.mean)} ms, difference ${difference(s.endToEnd.resolved, 'ms')}`);
  if (s.concurrency) out.push(`concurrency: ${concurrencyText(s.concurrency)}`);
  if (r.quality?.mean) out.push(`quality (${r.quality.evaluated} judged queries): nDCG@10 ${fmt(r.quality.mean.ndcg10, 4)}, recall@100 ${fmt(r.quality.mean.recall100, 4)}, MRR@10 ${fmt(r.quality.mean.mrr10, 4)}`);
  const lim = roofsView(r);
  out.push('', "this tab's measured limits:", ...(lim.missing ? [`  ${lim.missing}`] : lim.roofs.map((l) => `  ${l}`)));
  for (const f of lim.fractions) out.push(`  ${f.headline} (${f.detail})`);
  if (lim.drift) out.push(`  ${lim.drift}`);
  const unavailable = [...new Set(r.memory.filter((m) => !m.available).map((m) => m.figure))];
  if (unavailable.length) out.push(`memory figures unavailable: ${unavailable.join(', ')}`);
  for (const e of r.errors) out.push(`error ${e.name}${e.stage ? ` in ${e.stage}` : ''}: ${e.message}`);
  return out.join('\n');
}

function writeRecord(r: RunRecord, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const base = join(out, `ragtab-${r.config.name.replace(/[^\w.-]+/g, '_')}-${r.id}`);
  const files = [`${base}.json`, `${base}.csv`, `${base}.md`];
  writeFileSync(files[0]!, toJson(r));
  writeFileSync(files[1]!, toCsv(r));
  writeFileSync(files[2]!, toMarkdown(r));
  return files;
}

function readRecord(path: string, what: string): RunRecord {
  if (!existsSync(path)) throw new RagtabError('InvalidArgument', `${what} ${path}: no such file`);
  try {
    return fromJson(readFileSync(path, 'utf8'));
  } catch (e) {
    const i = errorInfo(e);
    throw new RagtabError(i.name === 'MalformedJson' ? 'MalformedJson' : 'InvalidArgument', `${what} ${path}: ${i.message}`);
  }
}

/** Runs the configuration in the page; resolves with the records, each checked against the schema. */
async function runInBrowser(o: CliOptions, config: BenchConfig, dirs: Record<string, string>): Promise<RunRecord[]> {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  const profile = mkdtempSync(join(tmpdir(), 'ragtab-bench-'));
  const flags = [...BASE_FLAGS, EAGER_MEMORY_FLAG, ...(o.swiftshader ? WEBGPU_FLAGS : ['--enable-unsafe-webgpu'])];
  try {
    let base = o.url;
    if (!base) {
      log(o.build ? `building the app into ${buildOutDir()} (RAGTAB_OUT_DIR) and serving it…` : `serving the app from ${buildOutDir()}…`);
      served = await serveApp({ build: o.build, dirs });
      base = served.url;
      log(`serving the app at ${base}`);
    } else if (Object.keys(dirs).some((p) => p.startsWith('/cli-'))) {
      throw new RagtabError('InvalidArgument', '--url serves nothing itself: give local folders only without --url');
    }
    const executablePath = resolveChromium(o.browser);
    // a fresh persistent profile: the cold start has empty caches, and storage behaves as in a real browser
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: !o.headed, args: flags });
    const page = context.pages()[0] ?? (await context.newPage());
    const browserVersion = context.browser()?.version() ?? null;
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') log(`console: ${m.text()}`);
    });
    await page.exposeFunction('__ragtabCliProgress', (e: StageEvent & { cells: number }) => {
      log(`  ${e.step} · ${e.phase} · ${e.warmup ? 'warm-up' : 'iteration'} ${e.iteration + 1} · ${e.duration.toFixed(1)} ms (${e.done}/${e.total})`);
    });
    await page.addInitScript(() => {
      window.addEventListener('bench-progress', (e) => (window as unknown as { __ragtabCliProgress(d: unknown): void }).__ragtabCliProgress((e as CustomEvent).detail));
    });
    const url = new URL(o.page, base).href;
    log(`opening ${url} in ${executablePath}`);
    await page.goto(url);
    await page.waitForFunction(() => !!window.ragtabBench, null, { timeout: 60_000 }).catch(() => {
      throw new RagtabError('InvalidArgument', `${url} has no benchmark panel (window.ragtabBench): is <ragtab-bench> on that page?`);
    });
    type CliResult = { ok: true; exports: string[] } | { ok: false; name: string; message: string };
    // the run's promise is held by the page (window) and awaited from there: V8's inspector holds a
    // promise that page.evaluate awaits only weakly, and the tests once saw a run's promise reported
    // "garbage collected" while the run went on (tests/e2e/helpers.ts, runBench)
    await page.evaluate((cfg) => {
      (window as unknown as { __ragtabCliRun?: Promise<CliResult> }).__ragtabCliRun = (async (): Promise<CliResult> => {
        try {
          const ids = await window.ragtabBench!.run(cfg);
          return { ok: true as const, exports: await Promise.all(ids.map((id) => window.ragtabBench!.export(id, 'json'))) };
        } catch (e) {
          const err = e as { name?: string; message?: string };
          return { ok: false as const, name: err?.name ?? 'Error', message: err?.message ?? String(e) };
        }
      })();
    }, config as object);
    const result = await page.evaluate(() => (window as unknown as { __ragtabCliRun: Promise<CliResult> }).__ragtabCliRun);
    if (!result.ok) {
      const named = new Error(result.message);
      named.name = result.name;
      throw named;
    }
    return result.exports.map((json) => {
      const r = fromJson(json);
      r.environment.launcher = { tool: 'ragtab bench CLI', browserFlags: flags, browserVersion };
      return r;
    });
  } finally {
    await context?.close().catch(() => undefined);
    await served?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const o = withGeneratedLlm(parseCliArgs(argv));
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const baseline = o.baseline ? readRecord(o.baseline, '--baseline') : null;
  let records: RunRecord[];
  if (o.record) {
    records = [readRecord(o.record, '--record')];
  } else {
    const io = {
      exists: (p: string) => existsSync(p),
      isDir: (p: string) => existsSync(p) && statSync(p).isDirectory(),
      readJson: (p: string): unknown => {
        if (!existsSync(p)) throw new RagtabError('InvalidArgument', `--config ${p}: no such file`);
        try {
          return JSON.parse(readFileSync(p, 'utf8'));
        } catch (e) {
          throw new RagtabError('MalformedJson', `--config ${p}: ${(e as Error).message}`);
        }
      },
      shared: sharedDir(),
    };
    const { config, dirs } = resolveCliConfig(o, io);
    for (const [p, d] of Object.entries(dirs)) log(`serving ${d} at ${p}`);
    records = await runInBrowser(o, config, dirs);
    for (const r of records) for (const f of writeRecord(r, resolve(o.out))) log(`wrote ${f}`);
  }
  let code = 0;
  for (const r of records) {
    console.log(summaryText(r));
    console.log('');
    if (r.status !== 'complete') {
      const e = r.errors[r.errors.length - 1];
      log(`error ${e?.name ?? 'Unknown'}: ${e?.message ?? `the run ended ${r.status}`}`);
      code = 2;
      continue;
    }
    if (baseline) {
      const c = compareRecords(baseline, r, { unknownNoise: 'within-noise', thresholds: o.thresholds });
      console.log(`against baseline ${baseline.id}:\n`);
      console.log(comparisonMarkdown(c));
      if (c.incomplete.length) {
        log(`error IncompleteBaseline: ${c.incomplete.join('; ')}: no regression can be judged`);
        code = 2;
      } else if (c.notComparable.length) {
        log(`error NotComparable: the baseline ran a different configuration (${c.notComparable.join('; ')}): no regression can be judged`);
        code = 2;
      } else if (c.verdict === 'regression' && code === 0) code = 1;
    }
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const i = errorInfo(e);
    log(`error ${i.name}: ${i.message}`);
    process.exit(2);
  },
);
