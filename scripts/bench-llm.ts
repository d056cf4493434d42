/**
 * The LLM micro-benchmark, in the style of llama-bench: prompt processing of N tokens (pp) and
 * generation of M tokens (tg), browser (llama.cpp in WebAssembly through wllama, in the app's LLM
 * worker, /bench/llm.html of the production build) against native (the same GGUF, prompt tokens and
 * threads through node-llama-cpp 3.21.1 in this process), alternating round by round:
 *
 *   npm run bench:llm -- [--json FILE] [--threads 1] [--pp 512] [--tg 128] [--reps 5] [--warmups 1]
 *        [--model PATH.gguf | SHAPE:TYPE] [--batch N] [--ubatch N] [--flash-attn on|off]
 *        [--url http://host:port/] [--browser PATH] [--batch-ms 16]
 *
 * Default model: the generated SmolLM2-135M-shape Q8_0 (scripts/lib/test-llm.ts; `--model
 * smollm2-135m:Q4_0` or `smollm2-360m:Q4_0` names another generated one). Each round's page measures
 * the tab's device roofs first (src/engine/roofs.ts). The figures follow the statistics rules
 * (scripts/lib/llm-rounds.ts); the record has the bench commands' header (scripts/lib/bench-output.ts)
 * and figures table (scripts/lib/figures.ts). See bench/README-llm.md for every figure.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { getLlama } from 'node-llama-cpp';
import { BASE_FLAGS, resolveChromium } from './lib/chromium';
import { serveApp, sharedDir, type Served } from './lib/server';
import { intArg, intListArg, parseArgs } from './lib/bench-args';
import { benchRecord, finishRecord, pageEnvironment } from './lib/bench-output';
import { FigureTable } from './lib/figures';
import { TG_PROMPT, promptOfTokens, runNative, type NativeRun } from './lib/llm-native';
import { LLM_LEVEL, roundFigures, summarizeRounds, summaryLines, tableFigures, within, type RoundFigures } from './lib/llm-rounds';
import type { MicroConfig, MicroResult, MicroRun } from '../bench/llm';
import type { EnvironmentRecord } from '../src/core/run-record';
import { parseGguf } from '../src/core/gguf';
import { llmWeightBytesPerToken, roofLines, type DeviceRoofs } from '../src/core/roofs';
import { LLM_SHAPES, decodeFlops, prefillFlops, shapeOfGguf, type LlmQuant, type LlmShape, type LlmShapeId } from '../src/core/random-llm';
import { ensureTestLlm } from './lib/test-llm';
import { GGML_KERNELS, inspectWllamaWasm } from './lib/wasm-inspect';

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
  batch: number | null;
  ubatch: number | null;
  flashAttn: boolean | null;
}

const USAGE =
  'usage: npm run bench:llm -- [--json FILE] [--threads 1[,2]] [--pp 512] [--tg 128] [--reps 5] [--warmups 1] [--model GGUF | SHAPE:TYPE] [--batch N] [--ubatch N] [--flash-attn on|off] [--url URL] [--browser PATH] [--batch-ms 16]';

function options(argv: string[]): Options {
  const defaults: Options = { json: null, threads: [1], pp: 512, tg: 128, reps: 5, warmups: 1, model: '', url: null, browser: undefined, batchMs: 16, batch: null, ubatch: null, flashAttn: null };
  const o = parseArgs<Options>(argv, defaults, {
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
      '--batch': (o, v) => (o.batch = intArg('--batch', v, 1)),
      '--ubatch': (o, v) => (o.ubatch = intArg('--ubatch', v, 1)),
      '--flash-attn': (o, v) => {
        if (v !== 'on' && v !== 'off') throw new Error(`--flash-attn takes on or off, got ${v}`);
        o.flashAttn = v === 'on';
      },
    },
  });
  if (o.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return { ...o, model: modelPath(o.model) };
}

/** A GGUF path, or a generated model named SHAPE:TYPE (made on demand); default the 135M-shape Q8_0. */
function modelPath(m: string): string {
  const g = /^([a-z0-9-]+):(Q8_0|Q4_0)$/i.exec(m || 'smollm2-135m:Q8_0');
  if (g && g[1]! in LLM_SHAPES) return ensureTestLlm(g[1] as LlmShapeId, g[2]!.toUpperCase() as LlmQuant, (l) => console.log(l));
  return resolve(m);
}

type Bench = { micro(c: MicroConfig): Promise<unknown>; roofs(): Promise<unknown> };
const la = (x: number[]): string => x.map((v) => v.toFixed(2)).join(' ');
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const fmt1 = (x: number | null) => (x === null ? '—' : x.toFixed(1));

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = loadavg();
  const o = options(process.argv.slice(2));
  console.log(
    `LLM micro-benchmark: ${o.model}\npp ${o.pp}, tg ${o.tg}, ${o.reps} rounds of (browser: ${o.warmups} warm-up(s) + 1 measured repetition; native: the same), threads ${o.threads.join(', ')}` +
      `${o.batch ? `, n_batch ${o.batch}` : ''}${o.ubatch ? `, n_ubatch ${o.ubatch}` : ''}${o.flashAttn !== null ? `, flash attention ${o.flashAttn ? 'on' : 'off'}` : ''}; intervals at ${LLM_LEVEL * 100}% (order statistics: 5 rounds give min–max at 93.8%)\n`,
  );

  // The model's shape, for FLOPs per token, and its weight bytes per generated token (fractions of the tab's roofs).
  const head = parseGguf(new Uint8Array(readFileSync(o.model).subarray(0, 8 << 20)));
  const shape: LlmShape | null = shapeOfGguf(head.metadata, head.vocabSize);
  const weightBytesPerToken = llmWeightBytesPerToken(head.tensors);
  // What wllama's WebAssembly holds: memory64, SIMD per ggml kernel (read from the file).
  const wasmDir = resolve('node_modules/@wllama/wllama');
  let engineBuild: unknown = null;
  try {
    engineBuild = inspectWllamaWasm(`${wasmDir}/esm/wasm/wllama.wasm`, `${wasmDir}/src/wasm/source-map.ts`, GGML_KERNELS);
  } catch (e) {
    engineBuild = { error: String(e) };
  }

  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: o.model });
  const pp = promptOfTokens(model, o.pp);
  const tgTokens = [...(model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : []), ...model.tokenize(TG_PROMPT)];

  // Models are served from the folder of the GGUF; an app served elsewhere (--url) serves ../shared/models at /models/.
  const dir = o.model.slice(0, o.model.lastIndexOf('/'));
  const file = o.model.slice(o.model.lastIndexOf('/') + 1);
  let served: Served | null = null;
  const base = o.url ?? (served = await serveApp({ build: true, dirs: { '/llm-models/': dir } })).url;
  const modelUrl = o.url ? `/models/${relative(resolve(sharedDir(), 'models'), o.model).split(sep).join('/')}` : `/llm-models/${file}`;
  const browser = await chromium.launch({ executablePath: resolveChromium(o.browser), args: [...BASE_FLAGS] });
  const table = new FigureTable();
  const summary: Array<Record<string, unknown>> = [];
  const runs: unknown[] = [];
  const flops = { prefillPerToken: shape ? prefillFlops(shape, o.pp) / o.pp : null, decodePerToken: shape ? decodeFlops(shape, tgTokens.length + 1, tgTokens.length + o.tg) / (o.tg - 1) : null };
  let environment: EnvironmentRecord | null = null;
  const oneThread: { pp: number | null; tg: number | null } = { pp: null, tg: null };
  const openPage = async (): Promise<Page> => {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) console.log('[page]', m.text().slice(0, 300));
    });
    await page.goto(new URL('bench/llm.html', base).href);
    await page.waitForFunction(() => !!(window as unknown as { llmBench?: unknown }).llmBench);
    environment ??= await pageEnvironment(page, { tool: 'ragtab bench:llm', browserFlags: BASE_FLAGS, browserVersion: browser.version() });
    return page;
  };
  try {
    for (const threads of o.threads) {
      // Browser and native alternate in rounds (warm-ups, then one measured repetition each), so the
      // load of this shared machine falls on both alike instead of on whichever ran second.
      const loadBefore = loadavg();
      const browserRuns: MicroRun[] = [];
      const nat: NativeRun[] = [];
      const rounds: RoundFigures[] = [];
      const roofs: DeviceRoofs[] = [];
      let first: Pick<MicroResult, 'info' | 'loadTimings'> | null = null;
      for (let round = 0; round < o.reps; round++) {
        const page = await openPage();
        // the tab's roofs first, in this page, before the model takes its memory
        const roof = (await page.evaluate(() => (window as unknown as { llmBench: Bench }).llmBench.roofs())) as DeviceRoofs | { error: { message: string } };
        if (!('error' in roof)) roofs.push(roof);
        else console.log(`  round ${round + 1}: the roofs could not be measured: ${roof.error.message}`);
        const cfg: MicroConfig = {
          spec: {
            engine: 'wllama',
            model: modelUrl,
            threads,
            contextSize: Math.max(1024, o.pp + o.tg + 64),
            gpuLayers: 0,
            batchSize: o.batch ?? Math.max(512, o.pp),
            ...(o.ubatch ? { ubatchSize: o.ubatch } : {}),
            ...(o.flashAttn !== null ? { flashAttention: o.flashAttn } : {}),
            warmup: true,
          },
          ppText: pp.text,
          ppTokens: o.pp,
          tgPrompt: TG_PROMPT,
          tgTokens: o.tg,
          warmups: o.warmups,
          reps: 1,
          batchMs: o.batchMs,
          ppVariants: ['engine-loop', 'stream'],
        };
        const one = (await page.evaluate((c) => (window as unknown as { llmBench: Bench }).llmBench.micro(c), cfg)) as MicroResult | { error: { name: string; message: string } };
        await page.close();
        if ('error' in one) throw new Error(`browser run failed: ${one.error.name}: ${one.error.message}`);
        first ??= one;
        const mine = one.runs.map((x) => ({ ...x, rep: x.warmup ? x.rep : round }));
        browserRuns.push(...mine);
        const natRound = (await runNative(model, threads, { ...o, reps: 1 }, pp.tokens, tgTokens)).map((x) => ({ ...x, rep: x.warmup ? x.rep : round }));
        nat.push(...natRound);
        const f = roundFigures(round, mine, natRound, 'error' in roof ? null : roof, threads);
        rounds.push(f);
        console.log(`  round ${round + 1}/${o.reps}: pp ${fmt1(f.ppLoop)} vs native ${fmt1(f.ppNative)} tok/s, tg ${fmt1(f.tgLoop)} vs ${fmt1(f.tgNative)}, SIMD roof ${fmt1(f.roofGflops)} GFLOP/s, load ${loadavg()[0]?.toFixed(2)}`);
      }
      const loadAfter = loadavg();
      const info = first!.info;
      runs.push({ threads, loadavg: { before: loadBefore, after: loadAfter }, roofs, rounds, browser: { info, loadTimings: first!.loadTimings, runs: browserRuns }, native: nat });

      const ppPromptTokens = [...new Set(browserRuns.filter((x) => x.test === 'pp').map((x) => x.promptTokens))];
      if (ppPromptTokens.length !== 1 || ppPromptTokens[0] !== o.pp) console.log(`note: the browser counted ${ppPromptTokens.join('/')} prompt tokens for the ${o.pp}-token prompt`);
      const tgCounts = [...new Set(browserRuns.filter((x) => x.test === 'tg').map((x) => `${x.variant} ${x.streamedTokens}/${x.generatedTokens}`))];
      const s = summarizeRounds({ threads, rounds, model: o.model, pp: o.pp, tg: o.tg, flops, weightBytesPerToken, logicalCores: cpus().length, loadavg: loadAfter, ...(threads > 1 ? { oneThread } : {}) });
      if (threads === 1) Object.assign(oneThread, { pp: s.rates.ppNative.median, tg: s.rates.tgNative.median });
      summary.push({
        threads,
        loadavg: { before: loadBefore, after: loadAfter },
        backend: info.backend,
        actualThreads: info.threads,
        engineNotes: info.engineNotes ?? [],
        loadMs: first!.loadTimings,
        tgTokenCounts: tgCounts,
        flops,
        weightBytesPerToken,
        ...s,
        targets: { overheadWithin2Pct: within(s.harness.overheadPct, 2, true), ttftWithin2Pct: within(s.harness.ttftVsPrefillPct, 2) },
      });
      tableFigures(table, s, { threads, pp: o.pp, tg: o.tg });
      console.log(`\nthreads ${threads} (browser: ${info.backend}, ${info.threads} thread(s); tg tokens streamed/engine: ${tgCounts.join(', ')}; load average ${la(loadBefore)} → ${la(loadAfter)})`);
      if (roofs[0]) console.log(`  the tab's roofs (round 1): ${roofLines(roofs[0]).slice(0, 3).join('; ')}`);
      console.log(`  medians over ${o.reps} rounds, per-round pairs`);
      for (const [label, text] of summaryLines(s, o)) console.log(`  ${pad(label, 48)}${text}`);
      if (info.engineNotes?.length) console.log(`  llama.cpp in the tab says: ${info.engineNotes.join(' | ')}`);
    }
  } finally {
    await browser.close();
    if (served) await served.close();
    await model.dispose();
    await llama.dispose();
  }
  table.print();
  const loadEnd = loadavg();
  const config = { model: o.model, shape, pp: o.pp, tg: o.tg, reps: o.reps, warmups: o.warmups, threads: o.threads, level: LLM_LEVEL, load: { nBatch: o.batch ?? Math.max(512, o.pp), nUbatch: o.ubatch, flashAttention: o.flashAttn }, native: 'node-llama-cpp 3.21.1 (CPU)' };
  if (!environment) throw new Error('no page was opened: nothing measured');
  const record = benchRecord({ schema: 'ragtab.bench.llm/2', suite: 'bench:llm', started, environment, loadStart, loadEnd }, { config, engineBuild, figures: table.figures, summary, runs });
  finishRecord(record, o.json, started, loadEnd);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
