/**
 * The retrieval benchmark: figures, not tests.
 *
 *   npx tsx scripts/bench-retrieval.ts [--json FILE] [--quick] [--no-probe] [--no-voy] [--n N] [--only SECTIONS] [--browser PATH]
 *
 * Builds and serves the app (production build, real isolation headers), opens
 * /bench/retrieval.html in Chromium and measures there (embedding through the app's embedder
 * worker, exact / SIMD / voy search, the worker round trip, and a probe of where embedding time
 * goes); measures the same embedding natively in Node (transformers.js on onnxruntime-node) and a
 * native HNSW index (usearch) on the same vectors; prints a table and writes the figures as JSON.
 * Keys of the JSON: bench/README-retrieval.md. The Node side lives in scripts/lib/native-retrieval.ts,
 * the page's kinds section in scripts/lib/bench-kinds.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { BASE_FLAGS, resolveChromium } from './lib/chromium';
import { serveApp, sharedDir } from './lib/server';
import { benchRecord, finishRecord, pageEnvironment } from './lib/bench-output';
import { intArg, parseArgs } from './lib/bench-args';
import { FigureTable, fmt } from './lib/figures';
import { RagtabError } from '../src/core/errors';
import { kindsSection, kindsStorageSection } from './lib/bench-kinds';
import { realEmbeddings } from './lib/real-embeddings';
import { BATCH, K, MODEL, corpusPadding, nodeSearch, openNative, openNodeWasm, type CorpusOrder, type NodeRun, type NodeSearch, type Sort } from './lib/native-retrieval';
import { DIMS, corpusTexts } from '../bench/lib/vectors';
import { comparability } from '../src/core/comparability';
import { pairedRatio } from '../src/core/robust-stats';
import { embeddingFraction, encoderShapeFromConfig, roofAdvice, roofLines, scanFraction, type DeviceRoofs, type RoofFraction } from '../src/core/roofs';
import type { BenchHandle, EmbedderRunResult, EmbedderStarted, ProbeConfig, ProbeOutcome, RoundTripResult, SearchSize } from '../bench/retrieval';

// ─────────────────────────────── options ───────────────────────────────

interface Options {
  json: string | null;
  quick: boolean;
  probe: boolean;
  voy: boolean;
  n: number;
  probeN: number;
  browser: string | undefined;
  only: Section[];
}

function options(argv: string[]): Options {
  const usage = `usage: tsx scripts/bench-retrieval.ts [--json FILE] [--quick] [--no-probe] [--no-voy] [--n TEXTS] [--only ${SECTIONS.join(',')}] [--browser PATH]`;
  const o = parseArgs<Options>(argv, { json: null, quick: false, probe: true, voy: true, n: 0, probeN: 0, browser: undefined, only: [...SECTIONS] }, {
    values: {
      '--json': (o, v) => (o.json = v),
      '--n': (o, v) => (o.n = intArg('--n', v, 1)),
      '--browser': (o, v) => (o.browser = v),
      '--only': (o, v) => {
        const list = v.split(',').map((x) => x.trim());
        for (const x of list) if (!(SECTIONS as readonly string[]).includes(x)) throw new RagtabError('InvalidArgument', `--only: unknown section ${x} (${SECTIONS.join(', ')})`);
        o.only = list as Section[];
      },
    },
    flags: { '--quick': (o) => (o.quick = true), '--no-probe': (o) => (o.probe = false), '--no-voy': (o) => (o.voy = false) },
  });
  if (o.help) {
    console.log(usage);
    process.exit(0);
  }
  if (!o.probe) o.only = o.only.filter((x) => x !== 'probe');
  if (!o.n) o.n = o.quick ? 64 : 256;
  o.probeN = o.quick ? 64 : 96;
  return o;
}

const THREADS = [1, 2];

// ─────────────────────────────── figures ───────────────────────────────

// The one figures table of the bench commands (scripts/lib/figures.ts).
const table = new FigureTable();
const figures = table.figures;
const fig = table.fig.bind(table);
const target = table.target.bind(table);
const printTable = () => table.print();

/** A fraction of a device roof as a figure (its advice line as the note), or why there is none. */
const roofNotes: string[] = [];
const notComparableNotes: string[] = [];
function roofFig(key: string, f: RoofFraction): void {
  roofNotes.push(roofAdvice(f));
  fig(key, f.available ? f.fraction : `n/a: ${f.reason}`.slice(0, 80), f.available ? 'of roof' : '', { note: roofAdvice(f) });
}

const sizeLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

// ─────────────────────────────── main ───────────────────────────────

async function pageCall<T>(page: Page, method: keyof BenchHandle, arg: unknown): Promise<T> {
  return page.evaluate(
    async ([m, a]) => {
      const b = window.bench;
      if (!b) throw new Error('window.bench missing');
      return (b[m as keyof BenchHandle] as (x: unknown) => Promise<unknown>)(a);
    },
    [method, arg] as const,
  ) as Promise<T>;
}

const SECTIONS = ['embedding', 'search', 'roundtrip', 'probe', 'hnsw', 'kinds'] as const;
type Section = (typeof SECTIONS)[number];

interface RoundRecord {
  round: number;
  loadavg1: number;
  browser: EmbedderRunResult;
  native: NodeRun;
}

/** (a): browser (the app's embedder worker) and native, interleaved round by round on the same texts. */
async function embeddingSection(page: Page, texts: string[], rounds: number, corpusUrl: string, roofs: DeviceRoofs): Promise<unknown> {
  const out: Record<string, unknown> = {};
  const per = Math.ceil(texts.length / rounds);
  const tps: Record<number, { browser: number; native: number }> = {};
  for (const t of THREADS) {
    console.log(`  threads ${t}: loading …`);
    const started = await pageCall<EmbedderStarted>(page, 'embedderStart', { n: texts.length, threads: t, batchSize: BATCH, model: MODEL, modelBase: '/models/', corpusUrl });
    const native = await openNative(t, texts.slice(0, BATCH));
    const recs: RoundRecord[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        const from = r * per;
        const to = Math.min(texts.length, from + per);
        if (from >= to) break;
        const browser = await pageCall<EmbedderRunResult>(page, 'embedderRun', { id: started.id, from, to });
        const nat = await native.run(texts.slice(from, to), 'none');
        recs.push({ round: r, loadavg1: loadavg()[0] ?? 0, browser, native: nat });
        console.log(`  threads ${t}, round ${r + 1}/${rounds}: browser ${((browser.rows / browser.workerMs) * 1000).toFixed(1)}, native ${((nat.rows / nat.ms) * 1000).toFixed(1)} texts/s`);
      }
    } finally {
      await pageCall(page, 'embedderStop', started.id);
      await native.close();
    }
    const sum = (f: (x: RoundRecord) => number) => recs.reduce((acc, x) => acc + f(x), 0);
    const rows = sum((x) => x.browser.rows);
    const bMs = sum((x) => x.browser.workerMs);
    const nMs = sum((x) => x.native.ms);
    const b = { textsPerSecond: (rows / bMs) * 1000, tokensPerSecond: (sum((x) => x.browser.tokens) / bMs) * 1000 };
    const n = { textsPerSecond: (rows / nMs) * 1000, tokensPerSecond: (sum((x) => x.native.tokens) / nMs) * 1000 };
    const ratios = recs.map((x) => (x.browser.rows / x.browser.workerMs) / (x.native.rows / x.native.ms));
    tps[t] = { browser: b.textsPerSecond, native: n.textsPerSecond };
    const threadNote = started.threads !== t ? `ran with ${started.threads} thread(s)` : undefined;
    fig(`embed.browser.t${t}.textsPerSecond`, b.textsPerSecond, 'texts/s', threadNote ? { note: threadNote } : {});
    fig(`embed.browser.t${t}.tokensPerSecond`, b.tokensPerSecond, 'tokens/s');
    fig(`embed.native.t${t}.textsPerSecond`, n.textsPerSecond, 'texts/s');
    fig(`embed.native.t${t}.tokensPerSecond`, n.tokensPerSecond, 'tokens/s');
    const paired = pairedRatio(recs.map((x) => x.browser.rows / x.browser.workerMs), recs.map((x) => x.native.rows / x.native.ms));
    const pairedNote = paired.ci ? `median of ${paired.n} per-round ratios ${fmt(paired.median)} (${Math.round(paired.ci.coverage * 1000) / 10}% CI ${fmt(paired.ci.lo)}–${fmt(paired.ci.hi)})` : `median of ${paired.n} per-round ratios ${fmt(paired.median)}, rounds ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))} (too few rounds for a 95% interval)`;
    target(`embed.ratio.t${t}`, b.textsPerSecond / n.textsPerSecond, '× native', '>=', 0.8, pairedNote);
    fig(`embed.browser.t${t}.overheadMs`, sum((x) => x.browser.roundTripMs - x.browser.workerMs) / recs.length, 'ms/call', { note: 'embed() round trip − worker time' });
    // against this tab's SIMD roof: the encoder's FLOPs per (real) token at the mean tokens per text
    const shape = encoderShapeFromConfig(JSON.parse(readFileSync(join(sharedDir(), 'models', MODEL, 'config.json'), 'utf8')));
    if ('layers' in shape) {
      const tokens = sum((x) => x.browser.tokens);
      roofFig(`embed.browser.t${t}.ofSimdRoof`, embeddingFraction({ stage: `embedding (${t} thread${t > 1 ? 's' : ''})`, shape, seqLen: Math.max(1, Math.round(tokens / rows)), tokens, ms: bMs, threads: started.threads }, roofs));
    }
    out[`t${t}`] = { started, nativeLoadMs: native.loadMs, nativeWarmupMs: native.warmupMs, rounds: recs, browser: b, native: n, roundRatios: ratios };
  }
  const [t1, t2] = [tps[1], tps[2]];
  if (t1 && t2) {
    fig('embed.threadGain.browser', t2.browser / t1.browser, '× (2 vs 1 thread)');
    fig('embed.threadGain.native', t2.native / t1.native, '× (2 vs 1 thread)');
    // a side that ran slower with 2 threads than with 1 on this many cores is a known pathology
    // (src/core/comparability.ts): its 2-thread ratio compares nothing, so it is not given
    const side = (label: string, rate: number, one: number) => ({ label, config: { model: MODEL, threads: 2 }, facts: { engine: label, task: 'embedding' as const, threads: 2, logicalCores: cpus().length, rate, rateOneThread: one } });
    const c = comparability(side('browser (onnxruntime-web)', t2.browser, t1.browser), side('native (onnxruntime-node)', t2.native, t1.native));
    if (!c.comparable) {
      fig('embed.ratio.t2', 'not comparable', '', { target: '≥ 0.8', status: 'n/a', note: c.reasons.join('; ') });
      notComparableNotes.push(`embed.ratio.t2 not comparable: ${c.reasons.join('; ')}`);
    }
  }
  return out;
}

async function probeSection(page: Page, texts: string[], corpusAll: string[], corpusUrl: string): Promise<unknown> {
  const configs: ProbeConfig[] = [
    { threads: 1, build: 'asyncify', bundle: 'webgpu', sort: 'none' }, // what the embedder worker does
    { threads: 1, build: 'asyncify', bundle: 'webgpu', sort: 'tokens' },
    { threads: 1, build: 'plain', bundle: 'webgpu', sort: 'none' },
  ];
  // Threads are measured by the embedding section (embed.threadGain.*): one thread here keeps the
  // probe short and away from the noise another process on a core causes a thread pool.
  console.log(`  browser: ${configs.length} configurations × ${texts.length} texts …`);
  const probe = await pageCall<{ outcomes: ProbeOutcome[] }>(page, 'embeddingProbe', { n: texts.length, batchSize: BATCH, model: MODEL, modelBase: '/models/', corpusUrl, configs });
  const threadsUsed = [...new Set(configs.map((c) => c.threads))];
  console.log('  native and Node-WebAssembly …');
  const native: Array<NodeRun & { threads: number; sort: Sort }> = [];
  const nodeWasm: Array<NodeRun & { threads: number; sort: Sort }> = [];
  for (const t of threadsUsed) {
    const n = await openNative(t, texts.slice(0, BATCH));
    for (const sort of ['none', 'tokens'] as const) native.push({ threads: t, sort, ...(await n.run(texts, sort)) });
    await n.close();
    const w = await openNodeWasm(t, texts.slice(0, BATCH));
    nodeWasm.push({ threads: t, sort: 'none', ...(await w.run(texts, 'none')) });
    await w.close();
  }
  const padding = await corpusPadding(corpusAll, [8, 32, 64]);
  const tpsOf = (r: NodeRun) => (r.rows / r.ms) * 1000;
  const nativeOf = (t: number, sort: Sort) => native.find((x) => x.threads === t && x.sort === sort);
  const browserOf = (t: number, build: string, sort: string) => probe.outcomes.find((o) => o.config.threads === t && o.config.build === build && o.config.sort === sort)?.run ?? null;
  for (const o of probe.outcomes) {
    const c = o.config;
    const key = `probe.browser.t${c.threads}.${c.build}.${c.sort === 'none' ? 'unsorted' : 'sorted'}`;
    if (!o.run) {
      fig(`${key}.textsPerSecond`, `failed: ${(o.error ?? '').slice(0, 60)}`, '');
      continue;
    }
    const n = nativeOf(c.threads, c.sort === 'none' ? 'none' : 'tokens');
    fig(`${key}.textsPerSecond`, o.run.textsPerSecond, 'texts/s', { note: `ORT numThreads ${o.load?.ortNumThreads}` });
    fig(`${key}.ratioToNative`, n ? o.run.textsPerSecond / tpsOf(n) : null, '× native');
    fig(`${key}.inferShare`, o.run.inferMs / o.run.totalMs, 'of time', { note: `tokenise ${fmt(o.run.tokenizeMs)} ms, pool ${fmt(o.run.poolMs)} ms` });
  }
  for (const n of native) fig(`probe.native.t${n.threads}.${n.sort === 'none' ? 'unsorted' : 'sorted'}.textsPerSecond`, tpsOf(n), 'texts/s', { note: `padding ${fmt(1 - n.tokens / n.paddedTokens)}` });
  for (const w of nodeWasm) {
    const n = nativeOf(w.threads, 'none');
    fig(`probe.nodeWasm.t${w.threads}.textsPerSecond`, tpsOf(w), 'texts/s', { note: 'onnxruntime-web (WebAssembly) in Node' });
    fig(`probe.nodeWasm.t${w.threads}.ratioToNative`, n ? tpsOf(w) / tpsOf(n) : null, '× native');
  }
  const bu = browserOf(1, 'asyncify', 'none');
  const bs = browserOf(1, 'asyncify', 'tokens');
  const bp = browserOf(1, 'plain', 'none');
  if (bu && bs) fig('probe.sortGain.browser.t1', bs.textsPerSecond / bu.textsPerSecond, '× (sorted / given order)', { note: `${texts.length} texts` });
  const nu = nativeOf(1, 'none');
  const ns = nativeOf(1, 'tokens');
  if (nu && ns) fig('probe.sortGain.native.t1', tpsOf(ns) / tpsOf(nu), '× (sorted / given order)', { note: `${texts.length} texts` });
  if (bu && bp) fig('probe.plainOverAsyncify.t1', bp.textsPerSecond / bu.textsPerSecond, '×', { note: 'ORT WebAssembly build without asyncify' });
  fig('probe.corpus.tokenizeMs', padding.tokenizeMs, 'ms', { note: `tokenising all ${corpusAll.length} texts once` });
  for (const b of [8, 32, 64]) {
    const get = (order: CorpusOrder) => padding.rows.find((x) => x.batchSize === b && x.order === order);
    const [u, c, t] = [get('none'), get('chars'), get('tokens')];
    if (!u || !c || !t) continue;
    fig(`probe.corpus.b${b}.paddingShare.unsorted`, 1 - u.tokens / u.paddedTokens, 'of positions', { note: `${corpusAll.length} texts` });
    fig(`probe.corpus.b${b}.paddingShare.byChars`, 1 - c.tokens / c.paddedTokens, 'of positions');
    fig(`probe.corpus.b${b}.paddingShare.byTokens`, 1 - t.tokens / t.paddedTokens, 'of positions');
    fig(`probe.corpus.b${b}.positionsSaved`, u.paddedTokens / t.paddedTokens, '× fewer positions', { note: 'sorted by tokens vs given order' });
  }
  return { browser: probe.outcomes, native, nodeWasm, corpusPadding: padding };
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const started = Date.now();
  const shared = sharedDir();
  const models = join(shared, 'models');
  const datasets = join(shared, 'datasets');
  const corpus = join(datasets, 'msmarco-5k', 'corpus.jsonl');
  for (const p of [join(models, MODEL, 'onnx', 'model.onnx'), corpus]) {
    if (!existsSync(p)) throw new Error(`missing ${p} (set RAGTAB_SHARED to the shared folder)`);
  }
  const run = (s: Section) => opts.only.includes(s);
  const sectionSeconds: Record<string, number> = {};
  let mark = Date.now();
  const lap = (name: string) => {
    sectionSeconds[name] = (Date.now() - mark) / 1000;
    mark = Date.now();
  };
  const sizes = [10_000, 60_000];
  const hnswSize = opts.quick ? 10_000 : 60_000;
  const queries = opts.quick ? 50 : 200;
  const jsQueries = opts.quick ? 10 : 30;
  const rounds = opts.quick ? 2 : 4;
  const config = { model: MODEL, batchSize: BATCH, threads: THREADS, n: opts.n, rounds, probeN: opts.probeN, sizes, hnswSize, dims: DIMS, k: K, queries, jsQueries, quick: opts.quick, sections: opts.only };
  const loadStart = loadavg();
  console.log(`ragtab retrieval benchmark${opts.quick ? ' (quick)' : ''}: ${cpus().length} cores, load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  if ((loadStart[0] ?? 0) > 0.5) console.log('  note: the machine is busy: timings, multi-threaded ones most, will be noisier and slower than on an idle machine.');

  // real embeddings for the kinds section (cached in a temporary folder, served to the page)
  const real = run('kinds') ? await realEmbeddings(shared, (m) => console.log('  ' + m)) : null;
  console.log('building and serving the app …');
  const served = await serveApp({ build: true, dirs: { '/models/': models, '/datasets/': datasets, ...(real ? { '/bench-cache/': real.dir } : {}) } });
  const browser = await chromium.launch({ executablePath: resolveChromium(opts.browser), args: [...BASE_FLAGS] });
  const raw: Record<string, unknown> = {};
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const t = m.text();
      if (t.startsWith('[bench]')) console.log('  ' + t.slice(8));
      else if (m.type() === 'error' && !t.includes('404')) console.log(`  [page error] ${t}`);
    });
    page.on('pageerror', (e) => console.log(`  [page exception] ${e.message}`));
    await page.goto(new URL('bench/retrieval.html', served.url).href);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
    const env = await page.evaluate(() => window.bench!.env());
    raw['page'] = env;
    if (!env.crossOriginIsolated) {
      throw new Error('the benchmark page is not cross-origin isolated (COOP/COEP headers missing): multi-threaded WASM and SharedArrayBuffer would silently degrade. Aborting.');
    }
    const chromiumVersion = browser.version();
    console.log(`Chromium ${chromiumVersion}, crossOriginIsolated, timer step ${env.timerResolutionMs.toFixed(3)} ms`);
    // the tab's own limits, first (src/engine/roofs.ts): what the figures below are read against
    const roofs = await page.evaluate(() => window.bench!.roofs());
    raw['roofs'] = roofs;
    for (const line of roofLines(roofs)) console.log(`  roof: ${line}`);
    fig('roofs.bandwidth.GBps', roofs.bandwidth.available ? roofs.bandwidth.GBps : `unavailable: ${roofs.bandwidth.reason}`, 'GB/s', { note: 'WebAssembly SIMD read of 64 MiB, best of 5' });
    fig('roofs.simd.t1.gflops', roofs.simd1.available ? roofs.simd1.gflops : `unavailable: ${roofs.simd1.reason}`, 'GFLOP/s', { note: 'WebAssembly SIMD f32 matmul, 1 worker' });
    fig('roofs.simd.tN.gflops', roofs.simdN.available ? roofs.simdN.gflops : `unavailable: ${roofs.simdN.reason}`, 'GFLOP/s', roofs.simdN.available ? { note: `${roofs.simdN.threads} workers on one shared memory` } : {});
    fig('roofs.timerResolutionMs', roofs.timer.resolutionMs, 'ms');
    fig('roofs.durationMs', roofs.durationMs, 'ms');
    lap('setup');

    const corpusUrl = '/datasets/msmarco-5k/corpus.jsonl';
    const corpusAll = corpusTexts(readFileSync(corpus, 'utf8'), Infinity);
    const texts = corpusAll.slice(0, opts.n);

    if (run('embedding')) {
      console.log(`embedding: ${opts.n} texts, batch ${BATCH}, threads ${THREADS.join(' and ')}, browser and native interleaved in ${rounds} rounds …`);
      raw['embedding'] = await embeddingSection(page, texts, rounds, corpusUrl, roofs);
      lap('embedding');
    }

    let search: { sizes: SearchSize[] } | null = null;
    if (run('search')) {
      console.log(`search: ${sizes.map(sizeLabel).join(', ')} × ${DIMS}, ${queries} queries …`);
      search = await pageCall<{ sizes: SearchSize[] }>(page, 'search', { sizes, queries, warmup: 10, k: K, jsQueries, voy: opts.voy, twoWorkers: true });
      raw['search'] = search;
      for (const s of search.sizes) {
        const L = sizeLabel(s.count);
        fig(`search.${L}.js.p50`, s.jsMs.p50, 'ms');
        fig(`search.${L}.js.p90`, s.jsMs.p90, 'ms');
        fig(`search.${L}.simd.p50`, s.simdMs.p50, 'ms');
        fig(`search.${L}.simd.p90`, s.simdMs.p90, 'ms');
        fig(`search.${L}.twoWorkers.p50`, s.twoWorkersMs?.p50, 'ms');
        fig(`search.${L}.reference.p50`, s.referenceMs.p50, 'ms');
        fig(`search.${L}.reference.GBps`, s.referenceGBps, 'GB/s');
        if (s.count === 60_000) target(`search.${L}.simdOverReference`, s.simdOverReference, '×', '<=', 1.5);
        else fig(`search.${L}.simdOverReference`, s.simdOverReference, '×');
        fig(`search.${L}.jsOverReference`, s.jsOverReference, '×');
        if (s.simdMs.p50) roofFig(`search.${L}.simd.ofBandwidthRoof`, scanFraction({ stage: `the SIMD scan over ${L}`, vectors: s.count, dims: s.dims, ms: s.simdMs.p50 }, roofs));
        if (s.voyMs) {
          fig(`search.${L}.voy.p50`, s.voyMs.p50, 'ms');
          fig(`search.${L}.voy.p90`, s.voyMs.p90, 'ms');
          fig(`search.${L}.voy.buildMs`, s.voyBuildMs, 'ms');
          fig(`search.${L}.voy.recallAt10`, s.voyRecall, '');
        }
        fig(`search.${L}.mismatches`, s.simdMismatches + (s.twoWorkersMismatches ?? 0), 'queries', { note: 'SIMD / two-worker top-10 ≠ JS scan' });
      }
      lap('search');
    }

    if (run('roundtrip')) {
      console.log('worker round trip …');
      const rt = await pageCall<RoundTripResult>(page, 'roundTrip', { calls: opts.quick ? 200 : 1000, warmup: 50, count: 10_000, k: K });
      raw['roundTrip'] = rt;
      fig('roundtrip.emptyPostMessage.p50', rt.emptyPostMessageMs.p50, 'ms');
      target('roundtrip.emptyComlink.p50', rt.emptyComlinkMs.p50, 'ms', '<=', 0.2);
      target('roundtrip.searchOverhead.p50', rt.searchOverheadMs.p50, 'ms', '<=', 0.2, `p90 ${fmt(rt.searchOverheadMs.p90)}`);
      fig('roundtrip.searchOverheadCopy.p50', rt.searchOverheadCopyMs.p50, 'ms', { note: 'query and result copied, not transferred' });
      fig('roundtrip.busyOverhead.p50', rt.busyOverheadMs.p50, 'ms', { note: 'a 0.5 ms call moving no data, minus the 0.5 ms' });
      fig('roundtrip.searchWorker.p50', rt.searchWorkerMs.p50, 'ms', { note: `SIMD top-10 over ${sizeLabel(rt.count)} inside the worker` });
      lap('roundtrip');
    }

    if (run('probe')) {
      console.log(`probe: where embedding time goes (${opts.probeN} texts) …`);
      raw['probe'] = await probeSection(page, corpusAll.slice(0, opts.probeN), corpusAll, corpusUrl);
      lap('probe');
    }

    if (run('hnsw') || run('search')) {
      console.log(`Node: exact SIMD scan${run('hnsw') ? ` and native HNSW (usearch) over ${sizeLabel(hnswSize)}` : ''} …`);
      const nodeRes: NodeSearch[] = [];
      for (const count of sizes) nodeRes.push(await nodeSearch(count, queries, run('hnsw') && count === hnswSize));
      raw['node'] = nodeRes;
      for (const n of nodeRes) {
        const L = sizeLabel(n.count);
        const p = search?.sizes.find((s) => s.count === n.count);
        if (p && (p.vectorsChecksum !== n.vectorsChecksum || p.queriesChecksum !== n.queriesChecksum)) {
          throw new Error(`the page and Node generated different vectors for ${L} (${p.vectorsChecksum} vs ${n.vectorsChecksum})`);
        }
        fig(`node.${L}.simd.p50`, n.simdMs.p50, 'ms');
        fig(`node.${L}.reference.p50`, n.referenceMs.p50, 'ms');
        if (n.hnsw) {
          fig(`hnsw.${L}.buildMs`, n.hnsw.buildMs, 'ms');
          fig(`hnsw.${L}.p50`, n.hnsw.ms.p50, 'ms');
          fig(`hnsw.${L}.p90`, n.hnsw.ms.p90, 'ms');
          fig(`hnsw.${L}.recallAt10`, n.hnsw.recallAtK, '', { note: `M=${n.hnsw.connectivity}, ef_add=${n.hnsw.expansionAdd}, ef_search=${n.hnsw.expansionSearch}; random vectors: HNSW's worst case` });
        }
      }
    }

    if (run('hnsw') || run('search')) lap('node');

    if (run('kinds') && real) {
      console.log(`kinds: int8, binary, HNSW, BM25, hybrid beside the f32 scan and the bandwidth reference (random 10k/60k × ${DIMS}; real ${real.count} × ${real.dims}) …`);
      const kinds = await kindsSection(browser, served.url, real, shared, { quick: opts.quick, k: K, queries }, fig, target);
      const storage = await kindsStorageSection(served.url, resolveChromium(opts.browser), [...BASE_FLAGS], { count: 50_000, rounds: opts.quick ? 2 : 4 }, fig, target);
      raw['kinds'] = { ...(kinds as object), storage };
      lap('kinds');
    }
    const loadEnd = loadavg();
    const environment = await pageEnvironment(page, { tool: 'ragtab bench:retrieval', browserFlags: BASE_FLAGS, browserVersion: chromiumVersion });
    const record = benchRecord({ schema: 'ragtab.bench.retrieval/2', suite: 'bench:retrieval', started, environment, loadStart, loadEnd }, { config, sectionSeconds, figures, raw });
    printTable();
    for (const n of notComparableNotes) console.log(`\n${n}`);
    if (roofNotes.length) console.log(`\nagainst this tab's roofs:\n${roofNotes.map((n) => `  ${n}`).join('\n')}`);
    finishRecord(record, opts.json, started, loadEnd);
  } finally {
    await browser.close();
    await served.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench-retrieval: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
