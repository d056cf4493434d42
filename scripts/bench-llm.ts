/**
 * The LLM micro-benchmark, in the style of llama-bench: prompt processing of N tokens (pp) and
 * generation of M tokens (tg), warm-ups then repetitions, mean ± sd, for each thread count:
 *
 *   npx tsx scripts/bench-llm.ts [--json FILE] [--threads 1,2] [--pp 512] [--tg 128] [--reps 5]
 *                                [--warmups 1] [--model PATH.gguf] [--url http://host:port/] [--browser PATH] [--batch-ms 16]
 *
 * Browser: the app's production build served with its isolation headers, /bench/llm.html in
 * Chromium, llama.cpp in WebAssembly (wllama) in the app's LLM worker. Native: the same GGUF, the
 * same prompt tokens and thread counts through llama.cpp in this Node process (node-llama-cpp
 * 3.21.1, CPU). Printed: our figures (main thread) beside the engine's own (llama.cpp's timings in
 * the browser), native, and the ratio browser / native. `--url` uses an app already served there.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative, sep } from 'node:path';
import { chromium } from '@playwright/test';
import { getLlama, type LlamaModel, type Token } from 'node-llama-cpp';
import { BASE_FLAGS, resolveChromium } from './lib/chromium';
import { serveApp, sharedDir, type Served } from './lib/server';
import { summarize, type Summary } from '../src/core/stats';
import { intArg, intListArg, parseArgs } from './lib/bench-args';
import { benchRecord, pageEnvironment } from './lib/bench-output';
import { FigureTable } from './lib/figures';
import type { EnvironmentRecord } from '../src/core/run-record';
import type { MicroConfig, MicroResult, MicroRun, MicroVariant } from '../bench/llm';

interface Options {
  json: string | null;
  threads: number[];
  pp: number;
  tg: number;
  reps: number;
  warmups: number;
  model: string;
  url: string | null;
  browser: string | undefined;
  batchMs: number;
}

function options(argv: string[]): Options {
  const o = parseArgs<Options>(
    argv,
    { json: null, threads: [1, 2], pp: 512, tg: 128, reps: 5, warmups: 1, model: join(sharedDir(), 'models/stories260K/stories260K.gguf'), url: null, browser: undefined, batchMs: 16 },
    {
      values: {
        '--json': (o, v) => (o.json = v),
        '--threads': (o, v) => (o.threads = intListArg('--threads', v, 1)),
        '--pp': (o, v) => (o.pp = intArg('--pp', v, 2)),
        '--tg': (o, v) => (o.tg = intArg('--tg', v, 2)),
        '--reps': (o, v) => (o.reps = intArg('--reps', v, 1)),
        '--warmups': (o, v) => (o.warmups = intArg('--warmups', v, 0)),
        '--model': (o, v) => (o.model = v),
        '--url': (o, v) => (o.url = v),
        '--browser': (o, v) => (o.browser = v),
        '--batch-ms': (o, v) => (o.batchMs = intArg('--batch-ms', v, 1)),
      },
    },
  );
  if (o.help) {
    console.log('usage: tsx scripts/bench-llm.ts [--json FILE] [--threads 1,2] [--pp 512] [--tg 128] [--reps 5] [--warmups 1] [--model GGUF] [--url URL] [--browser PATH] [--batch-ms 16]');
    process.exit(0);
  }
  return o;
}

const STORY =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. ' +
  'One day, she saw a big red ball under a tree. She wanted to play with it, so she ran to get it. ' +
  'Her mom said, "Be careful, Lily!" Lily was happy and they played all day until the sun went down. ';
const TG_PROMPT = 'Once upon a time';

/** A text whose tokens, with BOS, number exactly `n` for this model. */
function promptOfTokens(model: LlamaModel, n: number): { text: string; tokens: Token[] } {
  const bos = model.tokens.bos;
  const withBos = model.tokens.shouldPrependBosToken && bos !== null;
  const want = withBos ? n - 1 : n;
  let long = STORY;
  while (model.tokenize(long).length < want + 16) long += STORY;
  const all = model.tokenize(long);
  // Cutting between tokens can merge differently when re-tokenized: try cut points around `want`.
  for (let cut = want; cut < all.length; cut++) {
    const text = model.detokenize(all.slice(0, cut));
    const again = model.tokenize(text);
    if (again.length === want) return { text, tokens: withBos ? [bos as Token, ...again] : again };
  }
  throw new Error(`could not make a prompt of exactly ${n} tokens`);
}

interface NativeRun {
  /** tg: greedy generation (decode + sampling per token); tg-decode: M single-token decodes, no sampling (llama-bench's tg). */
  test: 'pp' | 'tg' | 'tg-decode';
  rep: number;
  warmup: boolean;
  tokensPerS: number;
  ms: number;
}

async function runNative(model: LlamaModel, threads: number, o: Options, ppTokens: Token[], tgTokens: Token[]): Promise<NativeRun[]> {
  const context = await model.createContext({ contextSize: Math.max(1024, o.pp + o.tg + 64), threads, batchSize: Math.max(512, o.pp) });
  const runs: NativeRun[] = [];
  try {
    for (const test of ['pp', 'tg', 'tg-decode'] as const) {
      for (let i = 0; i < o.warmups + o.reps; i++) {
        const warmup = i < o.warmups;
        const rep = warmup ? i : i - o.warmups;
        const seq = context.getSequence();
        try {
          if (test === 'tg-decode') {
            // llama-bench's tg: o.tg decodes of one token each (the token does not matter), no sampling.
            const t0 = performance.now();
            for (let k = 0; k < o.tg; k++) await seq.evaluateWithoutGeneratingNewTokens([ppTokens[k % ppTokens.length] as Token]);
            const ms = performance.now() - t0;
            runs.push({ test, rep, warmup, ms, tokensPerS: (o.tg * 1000) / ms });
          } else if (test === 'pp') {
            const t0 = performance.now();
            await seq.evaluateWithoutGeneratingNewTokens(ppTokens);
            const ms = performance.now() - t0;
            runs.push({ test, rep, warmup, ms, tokensPerS: (ppTokens.length * 1000) / ms });
          } else {
            const times: number[] = [];
            for await (const _t of seq.evaluate(tgTokens, { temperature: 0 })) {
              times.push(performance.now());
              if (times.length >= o.tg) break;
            }
            const span = (times[times.length - 1] as number) - (times[0] as number);
            runs.push({ test, rep, warmup, ms: span, tokensPerS: ((times.length - 1) * 1000) / span });
          }
        } finally {
          seq.dispose();
        }
      }
    }
  } finally {
    await context.dispose();
  }
  return runs;
}

function mean(runs: number[]): Summary {
  return summarize(runs);
}

function fmt(s: Summary | null, digits = 1): string {
  if (!s || s.mean === null) return '–';
  return s.sd === null ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  console.log(
    `LLM micro-benchmark: ${o.model}\npp ${o.pp}, tg ${o.tg}, ${o.reps} rounds of (${o.warmups} warm-up(s) + 1 measured repetition, browser then native), threads ${o.threads.join(', ')}`,
  );
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}\n`);

  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: o.model });
  const pp = promptOfTokens(model, o.pp);
  const tgTokens = [...(model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : []), ...model.tokenize(TG_PROMPT)];

  // Models are served from the folder of the GGUF.
  const dir = o.model.slice(0, o.model.lastIndexOf('/'));
  const file = o.model.slice(o.model.lastIndexOf('/') + 1);
  let served: Served | null = null;
  const base = o.url ?? (served = await serveApp({ build: true, dirs: { '/llm-models/': dir } })).url;
  // An app served elsewhere (--url) serves ../shared/models at /models/.
  const modelUrl = o.url ? `/models/${relative(join(sharedDir(), 'models'), o.model).split(sep).join('/')}` : `/llm-models/${file}`;
  const browser = await chromium.launch({ executablePath: resolveChromium(o.browser), args: [...BASE_FLAGS] });
  const rows: Array<Record<string, unknown>> = [];
  const started = Date.now();
  const loadStart = loadavg();
  let environment: EnvironmentRecord | null = null;
  const figures = new FigureTable();
  const out: Record<string, unknown> = {
    model: o.model,
    pp: o.pp,
    tg: o.tg,
    reps: o.reps,
    warmups: o.warmups,
    browser: { executable: resolveChromium(o.browser), version: browser.version() },
    native: { engine: 'node-llama-cpp 3.21.1 (CPU)' },
    runs: [] as unknown[],
  };
  try {
    for (const threads of o.threads) {
      // Browser and native alternate in rounds (warm-ups, then one measured repetition each), so the
      // load of this shared machine falls on both alike instead of on whichever ran second.
      const loadBefore = loadavg();
      const browserRuns: MicroRun[] = [];
      const nat: NativeRun[] = [];
      let info: MicroResult['info'] | null = null;
      let loadTimings: MicroResult['loadTimings'] | null = null;
      for (let round = 0; round < o.reps; round++) {
        const page = await browser.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) console.log('[page]', m.text().slice(0, 300));
        });
        await page.goto(new URL('bench/llm.html', base).href);
        await page.waitForFunction(() => !!(window as unknown as { llmBench?: unknown }).llmBench);
        environment ??= await pageEnvironment(page, { tool: 'ragtab bench:llm', browserFlags: BASE_FLAGS, browserVersion: browser.version() });
        const cfg: MicroConfig = {
          spec: { engine: 'wllama', model: modelUrl, threads, contextSize: Math.max(1024, o.pp + o.tg + 64), gpuLayers: 0, batchSize: Math.max(512, o.pp), warmup: true },
          ppText: pp.text,
          ppTokens: o.pp,
          tgPrompt: TG_PROMPT,
          tgTokens: o.tg,
          warmups: o.warmups,
          reps: 1,
          batchMs: o.batchMs,
        };
        const one = (await page.evaluate((c) => (window as unknown as { llmBench: { micro(c: MicroConfig): Promise<unknown> } }).llmBench.micro(c), cfg)) as
          | MicroResult
          | { error: { name: string; message: string } };
        await page.close();
        if ('error' in one) throw new Error(`browser run failed: ${one.error.name}: ${one.error.message}`);
        info ??= one.info;
        loadTimings ??= one.loadTimings;
        for (const x of one.runs) browserRuns.push({ ...x, rep: x.warmup ? x.rep : round });
        for (const x of await runNative(model, threads, { ...o, reps: 1 }, pp.tokens, tgTokens)) nat.push({ ...x, rep: x.warmup ? x.rep : round });
      }
      const r: MicroResult = { info: info!, loadTimings: loadTimings!, runs: browserRuns };
      const loadAfter = loadavg();
      (out['runs'] as unknown[]).push({ threads, loadavg: { before: loadBefore, after: loadAfter }, browser: r, native: nat });

      const measured = (test: 'pp' | 'tg', variant: MicroVariant): MicroRun[] => r.runs.filter((x) => x.test === test && x.variant === variant && !x.warmup);
      const nat_ = (test: NativeRun['test']): Summary => mean(nat.filter((x) => x.test === test && !x.warmup).map((x) => x.tokensPerS));
      const fig = (runs: MicroRun[], f: (x: MicroRun) => number | null | undefined): Summary => mean(runs.map((x) => f(x) ?? NaN).filter(Number.isFinite));
      const ppPromptTokens = [...new Set(r.runs.filter((x) => x.test === 'pp').map((x) => x.promptTokens))];
      if (ppPromptTokens.length !== 1 || ppPromptTokens[0] !== o.pp) {
        console.log(`note: the browser counted ${ppPromptTokens.join('/')} prompt tokens for the ${o.pp}-token prompt`);
      }
      const tgCounts = [...new Set(r.runs.filter((x) => x.test === 'tg').map((x) => `${x.variant} ${x.streamedTokens}/${x.generatedTokens}`))];
      const ppLoop = measured('pp', 'engine-loop');
      const ppStream = measured('pp', 'stream');
      const tgLoop = measured('tg', 'engine-loop');
      const tgBatched = measured('tg', 'stream-batched');
      const tgStream = measured('tg', 'stream');
      const s = {
        // pp: prompt tokens / (loop start → first token) on wllama's worker clock; the engine's prompt_per_second.
        ppLoop: fig(ppLoop, (x) => x.worker.prefillTokensPerS),
        ppLoopEngine: fig(ppLoop, (x) => x.engine?.prefillTokensPerS),
        ppStreamPage: fig(ppStream, (x) => x.ours.prefillTokensPerS),
        ppStreamEngine: fig(ppStream, (x) => x.engine?.prefillTokensPerS),
        ppNative: nat_('pp'),
        // tg: (n − 1) / (t_last − t_first) on the clock named; the engine's predicted_per_second.
        tgLoop: fig(tgLoop, (x) => x.worker.decodeTokensPerS),
        tgLoopEngine: fig(tgLoop, (x) => x.engine?.decodeTokensPerS),
        tgBatchedWorker: fig(tgBatched, (x) => x.worker.decodeTokensPerS),
        tgBatchedPage: fig(tgBatched, (x) => x.ours.decodeTokensPerS),
        tgBatchedEngine: fig(tgBatched, (x) => x.engine?.decodeTokensPerS),
        tgStreamWorker: fig(tgStream, (x) => x.worker.decodeTokensPerS),
        tgStreamPage: fig(tgStream, (x) => x.ours.decodeTokensPerS),
        tgStreamEngine: fig(tgStream, (x) => x.engine?.decodeTokensPerS),
        tgNative: nat_('tg'),
        tgNativeDecode: nat_('tg-decode'),
        ttftPage: fig(ppStream, (x) => x.ours.ttftMs),
        ttftStreamEngine: fig(ppStream, (x) => x.engine?.ttftMs),
        ttftLoop: fig(ppLoop, (x) => x.worker.ttftMs),
        ttftLoopEngine: fig(ppLoop, (x) => x.engine?.ttftMs),
        itlP50: fig(tgStream, (x) => x.ours.interTokenMs?.p50),
        itlP99: fig(tgStream, (x) => x.ours.interTokenMs?.p99),
        hopRequest: fig(ppStream, (x) => x.hops.requestMs),
        hopFirstToken: fig(ppStream, (x) => x.hops.firstTokenMs),
        loopCompletionAction: fig(ppLoop, (x) => x.engineLoop?.completionActionMs),
        messagesStream: fig(tgStream, (x) => x.tokenMessages),
        messagesBatched: fig(tgBatched, (x) => x.tokenMessages),
      };
      const ratio = (a: Summary, b: Summary): number | null => (a.mean !== null && b.mean ? a.mean / b.mean : null);
      const diff = (a: Summary, b: Summary): number | null => (a.mean !== null && b.mean ? ((a.mean - b.mean) / b.mean) * 100 : null);
      const perTokenMs = (x: Summary): number | null => (x.mean ? 1000 / x.mean : null);
      const row = {
        threads,
        loadavg: { before: loadBefore, after: loadAfter },
        backend: r.info.backend,
        actualThreads: r.info.threads,
        loadMs: r.loadTimings,
        tgTokenCounts: tgCounts,
        ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { mean: v.mean, sd: v.sd, n: v.count }])),
        // The like-for-like ratios: the engine loop (no message per token) against native.
        ratioPp: ratio(s.ppLoop, s.ppNative),
        ratioTg: ratio(s.tgLoop, s.tgNative),
        // llama-bench's tg definition on the native side (decode only, no sampling): the browser has no such call.
        ratioTgDecode: ratio(s.tgLoop, s.tgNativeDecode),
        // What the app sees (one message per token, page clock) against native.
        ratioPpPage: ratio(s.ppStreamPage, s.ppNative),
        ratioTgPage: ratio(s.tgStreamPage, s.tgNative),
        oursVsEnginePpPct: diff(s.ppLoop, s.ppLoopEngine),
        oursVsEngineTgPct: diff(s.tgLoop, s.tgLoopEngine),
        pagePpVsEnginePct: diff(s.ppStreamPage, s.ppStreamEngine),
        pageTgVsEnginePct: diff(s.tgStreamPage, s.tgStreamEngine),
        // ms per generated token: the loop, + one round trip to wllama's worker, + one message to the page.
        perTokenMs: {
          engineLoop: perTokenMs(s.tgLoop),
          wllamaRoundTrip: perTokenMs(s.tgBatchedWorker) !== null && perTokenMs(s.tgLoop) !== null ? (perTokenMs(s.tgBatchedWorker) as number) - (perTokenMs(s.tgLoop) as number) : null,
          pageMessage: perTokenMs(s.tgStreamPage) !== null && perTokenMs(s.tgBatchedWorker) !== null ? (perTokenMs(s.tgStreamPage) as number) - (perTokenMs(s.tgBatchedWorker) as number) : null,
          native: perTokenMs(s.tgNative),
          nativeDecodeOnly: perTokenMs(s.tgNativeDecode),
        },
      };
      rows.push(row);
      const t = `t${threads}`;
      figures.fig(`${t}.pp${o.pp}.engineLoop`, s.ppLoop.mean, 'tokens/s', { note: `llama.cpp's own ${fmt(s.ppLoopEngine)}` });
      figures.fig(`${t}.pp${o.pp}.page`, s.ppStreamPage.mean, 'tokens/s', { note: 'prompt tokens / TTFT on the page' });
      figures.fig(`${t}.pp${o.pp}.native`, s.ppNative.mean, 'tokens/s');
      figures.fig(`${t}.pp${o.pp}.ratioToNative`, row.ratioPp, '× native', { note: 'engine loop' });
      figures.fig(`${t}.tg${o.tg}.engineLoop`, s.tgLoop.mean, 'tokens/s', { note: `llama.cpp's own ${fmt(s.tgLoopEngine)}` });
      figures.fig(`${t}.tg${o.tg}.page`, s.tgStreamPage.mean, 'tokens/s', { note: 'one message per token' });
      figures.fig(`${t}.tg${o.tg}.native`, s.tgNative.mean, 'tokens/s');
      figures.fig(`${t}.tg${o.tg}.ratioToNative`, row.ratioTg, '× native', { note: 'engine loop' });
      const p = (x: number | null, d = 2): string => (x === null ? '–' : x.toFixed(d));
      const line = (cells: string[], widths: number[]): string => '  ' + cells.map((c, i) => pad(c, widths[i] ?? 18)).join('');
      const wd = [46, 20, 20, 20];
      const la = (x: number[]): string => x.map((v) => v.toFixed(2)).join(' ');
      console.log(`threads ${threads} (browser: ${r.info.backend}, ${r.info.threads} thread(s); tg tokens streamed/engine: ${tgCounts.join(', ')}; load average ${la(loadBefore)} → ${la(loadAfter)})`);
      console.log(line(['tokens/s, mean ± sd of ' + o.reps, 'ours', 'engine (llama.cpp)', 'ours vs engine'], wd));
      console.log(line([`pp${o.pp} engine loop (wllama worker)`, fmt(s.ppLoop), fmt(s.ppLoopEngine), `${p(row.oursVsEnginePpPct, 1)}%`], wd));
      console.log(line([`pp${o.pp} page (TTFT)`, fmt(s.ppStreamPage), fmt(s.ppStreamEngine), `${p(row.pagePpVsEnginePct, 1)}%`], wd));
      console.log(line([`pp${o.pp} native`, fmt(s.ppNative), '', `browser/native ${p(row.ratioPp)} (loop), ${p(row.ratioPpPage)} (page)`], wd));
      console.log(line([`tg${o.tg} engine loop (wllama worker)`, fmt(s.tgLoop), fmt(s.tgLoopEngine), `${p(row.oursVsEngineTgPct, 1)}%`], wd));
      console.log(line([`tg${o.tg} stream, page every ${o.batchMs} ms (our worker)`, fmt(s.tgBatchedWorker), fmt(s.tgBatchedEngine), `${p(diff(s.tgBatchedWorker, s.tgBatchedEngine), 1)}%`], wd));
      console.log(line([`tg${o.tg} stream, per token (page)`, fmt(s.tgStreamPage), fmt(s.tgStreamEngine), `${p(row.pageTgVsEnginePct, 1)}%`], wd));
      console.log(line([`tg${o.tg} native greedy`, fmt(s.tgNative), '', `browser/native ${p(row.ratioTg)} (loop), ${p(row.ratioTgPage)} (page)`], wd));
      console.log(line([`tg${o.tg} native decode only`, fmt(s.tgNativeDecode), '', `browser (loop)/native ${p(row.ratioTgDecode)}`], wd));
      const pt = row.perTokenMs;
      console.log(
        `  per generated token: engine loop ${p(pt.engineLoop, 3)} ms + round trip to wllama's worker ${p(pt.wllamaRoundTrip, 3)} ms + message to the page ${p(pt.pageMessage, 3)} ms; ` +
          `native ${p(pt.native, 3)} ms (decode only ${p(pt.nativeDecodeOnly, 3)} ms). Messages to the page per tg run: ${fmt(s.messagesStream, 0)} per token, ${fmt(s.messagesBatched, 0)} batched.`,
      );
      console.log(
        `  TTFT page ${fmt(s.ttftPage, 2)} ms vs engine prefill ${fmt(s.ttftStreamEngine, 2)} ms (page → worker ${fmt(s.hopRequest, 2)} ms, first token worker → page ${fmt(s.hopFirstToken, 2)} ms); ` +
          `engine loop: start → first token ${fmt(s.ttftLoop, 2)} ms vs prefill ${fmt(s.ttftLoopEngine, 2)} ms (completion action ${fmt(s.loopCompletionAction, 2)} ms); ` +
          `inter-token (page, per token) p50 ${fmt(s.itlP50, 2)} ms, p99 ${fmt(s.itlP99, 2)} ms\n`,
      );
    }
  } finally {
    await browser.close();
    if (served) await served.close();
    await model.dispose();
    await llama.dispose();
  }
  out['summary'] = rows;
  figures.print();
  if (o.json) {
    if (!environment) throw new Error('no page ran: nothing to record');
    const record = benchRecord({ schema: 'ragtab.bench.llm/2', suite: 'bench:llm', started, environment, loadStart, loadEnd: loadavg() }, { ...out, figures: figures.figures });
    writeFileSync(o.json, JSON.stringify(record, null, 2));
    console.log(`figures written to ${o.json}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
