/**
 * The LLM micro-benchmark, in the style of llama-bench: prompt processing of N tokens (pp) and
 * generation of M tokens (tg), browser (llama.cpp in WebAssembly through wllama, in the app's LLM
 * worker, /bench/llm.html of the production build) against native (the same GGUF, prompt tokens and
 * threads through node-llama-cpp 3.21.1 in this process), alternating round by round:
 *
 *   npx tsx scripts/bench-llm.ts [--json FILE] [--threads 1] [--pp 512] [--tg 128] [--reps 5] [--warmups 1]
 *        [--model PATH.gguf | SHAPE:TYPE] [--batch N] [--ubatch N] [--flash-attn on|off]
 *        [--url http://host:port/] [--browser PATH] [--batch-ms 16]
 *
 * Default model: the generated SmolLM2-135M-shape Q8_0 (scripts/lib/test-llm.ts; `--model
 * smollm2-135m:Q4_0` or `smollm2-360m:Q4_0` names another generated one). Ratios are the median of
 * per-round ratios with a distribution-free CI; a derived difference whose CI crosses zero is
 * printed as "below resolution". See bench/README-llm.md for every figure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import { chromium } from '@playwright/test';
import { getLlama, type LlamaModel, type Token } from 'node-llama-cpp';
import { BASE_FLAGS, resolveChromium } from './lib/chromium';
import { serveApp, sharedDir, type Served } from './lib/server';
import type { MicroConfig, MicroResult, MicroRun } from '../bench/llm';
import type { GflopsRoof } from '../bench/lib/gflops';
import { parseGguf } from '../src/core/gguf';
import { LLM_SHAPES, decodeFlops, prefillFlops, shapeOfGguf, type LlmQuant, type LlmShape, type LlmShapeId } from '../src/core/random-llm';
import { ensureTestLlm } from './lib/test-llm';
import { GGML_KERNELS, inspectWllamaWasm } from './lib/wasm-inspect';
import { fmtCi, medianCi, pairDiffs, pairRatios, type MedianCi } from './lib/paired-stats';

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

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: null,
    threads: [1],
    pp: 512,
    tg: 128,
    reps: 5,
    warmups: 1,
    model: '',
    url: null,
    browser: undefined,
    batchMs: 16,
    batch: null,
    ubatch: null,
    flashAttn: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (what: string, v: string, min: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be an integer ≥ ${min}, got ${v}`);
      return n;
    };
    if (a === '--json') o.json = value();
    else if (a === '--threads') o.threads = value().split(',').map((t) => int('--threads', t, 1));
    else if (a === '--pp') o.pp = int('--pp', value(), 2);
    else if (a === '--tg') o.tg = int('--tg', value(), 2);
    else if (a === '--reps') o.reps = int('--reps', value(), 1);
    else if (a === '--warmups') o.warmups = int('--warmups', value(), 0);
    else if (a === '--model') o.model = value();
    else if (a === '--url') o.url = value();
    else if (a === '--browser') o.browser = value();
    else if (a === '--batch-ms') o.batchMs = int('--batch-ms', value(), 1);
    else if (a === '--batch') o.batch = int('--batch', value(), 1);
    else if (a === '--ubatch') o.ubatch = int('--ubatch', value(), 1);
    else if (a === '--flash-attn') {
      const v = value();
      if (v !== 'on' && v !== 'off') throw new Error(`--flash-attn takes on or off, got ${v}`);
      o.flashAttn = v === 'on';
    }
    else if (a === '--help' || a === '-h') {
      console.log('usage: tsx scripts/bench-llm.ts [--json FILE] [--threads 1] [--pp 512] [--tg 128] [--reps 5] [--warmups 1] [--model GGUF | SHAPE:TYPE] [--batch N] [--ubatch N] [--flash-attn on|off] [--url URL] [--browser PATH] [--batch-ms 16]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  o.model = modelPath(o.model);
  return o;
}

/** A GGUF path, or a generated model named SHAPE:TYPE (made on demand); default the 135M-shape Q8_0. */
function modelPath(m: string): string {
  const g = /^([a-z0-9-]+):(Q8_0|Q4_0)$/i.exec(m || 'smollm2-135m:Q8_0');
  if (g && g[1]! in LLM_SHAPES) return ensureTestLlm(g[1] as LlmShapeId, g[2]!.toUpperCase() as LlmQuant, (l) => console.log(l));
  return resolve(m);
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
  const context = await model.createContext({
    contextSize: Math.max(1024, o.pp + o.tg + 64),
    threads,
    batchSize: o.batch ?? Math.max(512, o.pp),
    ...(o.flashAttn !== null ? { flashAttention: o.flashAttn } : {}),
  });
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

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** One round's figures, browser and native, paired by round. */
interface RoundFigures {
  round: number;
  roofGflops: number | null;
  ppLoop: number | null;
  ppLoopEngine: number | null;
  ppPage: number | null;
  ppNative: number | null;
  tgLoop: number | null;
  /** llama.cpp's decode figure on our definition: (predicted_n − 1) / predicted_ms (its own counts n over n − 1 intervals). */
  tgLoopEngine: number | null;
  tgLoopEngineOwn: number | null;
  tgBatchedWorker: number | null;
  tgPage: number | null;
  tgNative: number | null;
  tgNativeDecode: number | null;
  ttftPageMs: number | null;
  enginePrefillMs: number | null;
  hopRequestMs: number | null;
  hopFirstTokenMs: number | null;
  completionActionMs: number | null;
}

const num = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const perToken = (tps: number | null): number | null => (tps ? 1000 / tps : null);

function roundFigures(round: number, runs: MicroRun[], nat: NativeRun[], roof: GflopsRoof | null): RoundFigures {
  const one = (test: 'pp' | 'tg', variant: MicroRun['variant']): MicroRun | undefined => runs.find((x) => x.test === test && x.variant === variant && !x.warmup);
  const native = (test: NativeRun['test']): number | null => num(nat.find((x) => x.test === test && !x.warmup)?.tokensPerS);
  const ppLoop = one('pp', 'engine-loop');
  const ppStream = one('pp', 'stream');
  const tgLoop = one('tg', 'engine-loop');
  const tgBatched = one('tg', 'stream-batched');
  const tgStream = one('tg', 'stream');
  const sameDef = (r: MicroRun | undefined): number | null => {
    const e = r?.engine;
    if (!e || e.decodeTokensPerS === null || e.generatedTokens < 2) return null;
    // predicted_per_second = n / predicted_ms, predicted_ms spanning first → last token (n − 1 intervals).
    const predictedMs = (e.generatedTokens * 1000) / e.decodeTokensPerS;
    return ((e.generatedTokens - 1) * 1000) / predictedMs;
  };
  return {
    round,
    roofGflops: roof?.gflops ?? null,
    ppLoop: num(ppLoop?.worker.prefillTokensPerS),
    ppLoopEngine: num(ppLoop?.engine?.prefillTokensPerS),
    ppPage: num(ppStream?.ours.prefillTokensPerS),
    ppNative: native('pp'),
    tgLoop: num(tgLoop?.worker.decodeTokensPerS),
    tgLoopEngine: sameDef(tgLoop),
    tgLoopEngineOwn: num(tgLoop?.engine?.decodeTokensPerS),
    tgBatchedWorker: num(tgBatched?.worker.decodeTokensPerS),
    tgPage: num(tgStream?.ours.decodeTokensPerS),
    tgNative: native('tg'),
    tgNativeDecode: native('tg-decode'),
    ttftPageMs: num(ppStream?.ours.ttftMs),
    enginePrefillMs: num(ppStream?.engine?.ttftMs),
    hopRequestMs: num(ppStream?.hops.requestMs),
    hopFirstTokenMs: num(ppStream?.hops.firstTokenMs),
    completionActionMs: num(ppLoop?.engineLoop?.completionActionMs),
  };
}

const col = <K extends keyof RoundFigures>(rs: RoundFigures[], k: K): (number | null)[] => rs.map((r) => r[k] as number | null);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  console.log(
    `LLM micro-benchmark: ${o.model}\npp ${o.pp}, tg ${o.tg}, ${o.reps} rounds of (browser: ${o.warmups} warm-up(s) + 1 measured repetition; native: the same), threads ${o.threads.join(', ')}` +
      `${o.batch ? `, n_batch ${o.batch}` : ''}${o.ubatch ? `, n_ubatch ${o.ubatch}` : ''}${o.flashAttn !== null ? `, flash attention ${o.flashAttn ? 'on' : 'off'}` : ''}`,
  );
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}\n`);

  // The model's shape, for FLOPs per token (fractions of the tab's roof).
  const head = parseGguf(new Uint8Array(readFileSync(o.model).subarray(0, 8 << 20)));
  const shape: LlmShape | null = shapeOfGguf(head.metadata, head.vocabSize);
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

  // Models are served from the folder of the GGUF.
  const dir = o.model.slice(0, o.model.lastIndexOf('/'));
  const file = o.model.slice(o.model.lastIndexOf('/') + 1);
  let served: Served | null = null;
  const base = o.url ?? (served = await serveApp({ build: true, dirs: { '/llm-models/': dir } })).url;
  // An app served elsewhere (--url) serves ../shared/models at /models/.
  const modelUrl = o.url ? `/models/${relative(resolve(sharedDir(), 'models'), o.model).split(sep).join('/')}` : `/llm-models/${file}`;
  const browser = await chromium.launch({ executablePath: resolveChromium(o.browser), args: [...BASE_FLAGS] });
  const rows: Array<Record<string, unknown>> = [];
  const out: Record<string, unknown> = {
    model: o.model,
    shape,
    pp: o.pp,
    tg: o.tg,
    reps: o.reps,
    warmups: o.warmups,
    load: { nBatch: o.batch ?? Math.max(512, o.pp), nUbatch: o.ubatch, flashAttention: o.flashAttn },
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: totalmem() / 2 ** 30, node: process.version },
    browser: { executable: resolveChromium(o.browser), version: browser.version() },
    native: { engine: 'node-llama-cpp 3.21.1 (CPU)' },
    engineBuild,
    runs: [] as unknown[],
  };
  try {
    for (const threads of o.threads) {
      // Browser and native alternate in rounds (warm-ups, then one measured repetition each), so the
      // load of this shared machine falls on both alike instead of on whichever ran second.
      const loadBefore = loadavg();
      const browserRuns: MicroRun[] = [];
      const nat: NativeRun[] = [];
      const rounds: RoundFigures[] = [];
      const roofs: GflopsRoof[] = [];
      let info: MicroResult['info'] | null = null;
      let loadTimings: MicroResult['loadTimings'] | null = null;
      for (let round = 0; round < o.reps; round++) {
        const page = await browser.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) console.log('[page]', m.text().slice(0, 300));
        });
        await page.goto(new URL('bench/llm.html', base).href);
        await page.waitForFunction(() => !!(window as unknown as { llmBench?: unknown }).llmBench);
        type Bench = { micro(c: MicroConfig): Promise<unknown>; roof(): Promise<unknown> };
        const roof = (await page.evaluate(() => (window as unknown as { llmBench: Bench }).llmBench.roof())) as GflopsRoof | { error: unknown };
        if (!('error' in roof)) roofs.push(roof);
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
        info ??= one.info;
        loadTimings ??= one.loadTimings;
        const mine = one.runs.map((x) => ({ ...x, rep: x.warmup ? x.rep : round }));
        browserRuns.push(...mine);
        const natRound = (await runNative(model, threads, { ...o, reps: 1 }, pp.tokens, tgTokens)).map((x) => ({ ...x, rep: x.warmup ? x.rep : round }));
        nat.push(...natRound);
        const f = roundFigures(round, mine, natRound, 'error' in roof ? null : roof);
        rounds.push(f);
        console.log(
          `  round ${round + 1}/${o.reps}: pp ${f.ppLoop?.toFixed(1)} vs native ${f.ppNative?.toFixed(1)} tok/s, tg ${f.tgLoop?.toFixed(1)} vs ${f.tgNative?.toFixed(1)}, roof ${f.roofGflops?.toFixed(1)} GFLOP/s, load ${loadavg()[0]?.toFixed(2)}`,
        );
      }
      const r: MicroResult = { info: info!, loadTimings: loadTimings!, runs: browserRuns };
      const loadAfter = loadavg();
      (out['runs'] as unknown[]).push({ threads, loadavg: { before: loadBefore, after: loadAfter }, roofs, rounds, browser: r, native: nat });

      const ppPromptTokens = [...new Set(r.runs.filter((x) => x.test === 'pp').map((x) => x.promptTokens))];
      if (ppPromptTokens.length !== 1 || ppPromptTokens[0] !== o.pp) console.log(`note: the browser counted ${ppPromptTokens.join('/')} prompt tokens for the ${o.pp}-token prompt`);
      const tgCounts = [...new Set(r.runs.filter((x) => x.test === 'tg').map((x) => `${x.variant} ${x.streamedTokens}/${x.generatedTokens}`))];

      const ci = (xs: (number | null)[]): MedianCi => medianCi(xs.filter((x): x is number => x !== null));
      const ratio = (a: keyof RoundFigures, b: keyof RoundFigures): MedianCi => medianCi(pairRatios(col(rounds, a), col(rounds, b)));
      const pct = (a: keyof RoundFigures, b: keyof RoundFigures): MedianCi => medianCi(pairRatios(col(rounds, a), col(rounds, b)).map((x) => (x - 1) * 100));
      const perTok = (k: keyof RoundFigures) => col(rounds, k).map(perToken);
      // Per generated token: the page stream's cost over the engine loop's (ms), and as % of the loop's.
      const overheadMs = pairDiffs(perTok('tgPage'), perTok('tgLoop'));
      const overheadPct = overheadMs.map((d, i) => (d / (perTok('tgLoop')[i] ?? NaN)) * 100);
      const roundTripMs = pairDiffs(perTok('tgBatchedWorker'), perTok('tgLoop'));
      const pageMessageMs = pairDiffs(perTok('tgPage'), perTok('tgBatchedWorker'));
      const ttftMinusPrefill = pairDiffs(col(rounds, 'ttftPageMs'), col(rounds, 'enginePrefillMs'));
      const ttftPct = pairRatios(col(rounds, 'ttftPageMs'), col(rounds, 'enginePrefillMs')).map((x) => (x - 1) * 100);
      // Fractions of the tab's roof (measured in the same page, same round).
      const ppFlops = shape ? prefillFlops(shape, o.pp) : null;
      const tgStart = tgTokens.length;
      const tgFlopsPerToken = shape ? decodeFlops(shape, tgStart + 1, tgStart + o.tg) / (o.tg - 1) : null;
      const ppGflops = rounds.map((f) => (ppFlops && f.ppLoop ? (ppFlops / o.pp) * f.ppLoop / 1e9 : null));
      const tgGflops = rounds.map((f) => (tgFlopsPerToken && f.tgLoop ? (tgFlopsPerToken * f.tgLoop) / 1e9 : null));
      const ppNativeGflops = rounds.map((f) => (ppFlops && f.ppNative ? (ppFlops / o.pp) * f.ppNative / 1e9 : null));
      const tgNativeGflops = rounds.map((f) => (tgFlopsPerToken && f.tgNativeDecode ? tgFlopsPerToken * f.tgNativeDecode / 1e9 : null));
      const s = {
        ppLoop: ci(col(rounds, 'ppLoop')),
        ppPage: ci(col(rounds, 'ppPage')),
        ppNative: ci(col(rounds, 'ppNative')),
        tgLoop: ci(col(rounds, 'tgLoop')),
        tgPage: ci(col(rounds, 'tgPage')),
        tgNative: ci(col(rounds, 'tgNative')),
        tgNativeDecode: ci(col(rounds, 'tgNativeDecode')),
        roof: ci(col(rounds, 'roofGflops')),
        ratioPp: ratio('ppLoop', 'ppNative'),
        ratioPpPage: ratio('ppPage', 'ppNative'),
        ratioTg: ratio('tgLoop', 'tgNative'),
        ratioTgDecode: ratio('tgLoop', 'tgNativeDecode'),
        ratioTgPage: ratio('tgPage', 'tgNative'),
        oursVsEnginePpPct: pct('ppLoop', 'ppLoopEngine'),
        oursVsEngineTgPct: pct('tgLoop', 'tgLoopEngine'),
        oursVsEngineOwnTgPct: pct('tgLoop', 'tgLoopEngineOwn'),
        overheadMs: medianCi(overheadMs),
        overheadPct: medianCi(overheadPct),
        roundTripMs: medianCi(roundTripMs),
        pageMessageMs: medianCi(pageMessageMs),
        ttftMinusPrefillMs: medianCi(ttftMinusPrefill),
        ttftVsPrefillPct: medianCi(ttftPct),
        hopRequestMs: ci(col(rounds, 'hopRequestMs')),
        hopFirstTokenMs: ci(col(rounds, 'hopFirstTokenMs')),
        completionActionMs: ci(col(rounds, 'completionActionMs')),
        ppGflops: ci(ppGflops),
        tgGflops: ci(tgGflops),
        ppRoofFraction: medianCi(pairRatios(ppGflops, col(rounds, 'roofGflops'))),
        tgRoofFraction: medianCi(pairRatios(tgGflops, col(rounds, 'roofGflops'))),
        ppNativeGflops: ci(ppNativeGflops),
        tgNativeGflops: ci(tgNativeGflops),
      };
      const row = {
        threads,
        loadavg: { before: loadBefore, after: loadAfter },
        backend: r.info.backend,
        actualThreads: r.info.threads,
        engineNotes: r.info.engineNotes ?? [],
        loadMs: r.loadTimings,
        tgTokenCounts: tgCounts,
        flops: { prefillPerToken: ppFlops ? ppFlops / o.pp : null, decodePerToken: tgFlopsPerToken },
        ...s,
        targets: {
          overheadWithin2Pct: s.overheadPct.hi !== null ? s.overheadPct.hi <= 2 : null,
          ttftWithin2Pct: s.ttftVsPrefillPct.hi !== null && s.ttftVsPrefillPct.lo !== null ? Math.max(Math.abs(s.ttftVsPrefillPct.hi), Math.abs(s.ttftVsPrefillPct.lo)) <= 2 : null,
        },
      };
      rows.push(row);
      const la = (x: number[]): string => x.map((v) => v.toFixed(2)).join(' ');
      const line = (label: string, value: string): void => console.log(`  ${pad(label, 52)}${value}`);
      const d = (c: MedianCi, unit: string, digits = 2): string => fmtCi(c, digits, { difference: true, unit });
      console.log(`\nthreads ${threads} (browser: ${r.info.backend}, ${r.info.threads} thread(s); tg tokens streamed/engine: ${tgCounts.join(', ')}; load average ${la(loadBefore)} → ${la(loadAfter)})`);
      console.log(`  medians over ${o.reps} rounds [CI]`);
      line(`pp${o.pp} browser, engine loop (tok/s)`, fmtCi(s.ppLoop, 1));
      line(`pp${o.pp} browser, page TTFT-based (tok/s)`, fmtCi(s.ppPage, 1));
      line(`pp${o.pp} native (tok/s)`, fmtCi(s.ppNative, 1));
      line(`  browser / native, per-round ratio`, `${fmtCi(s.ratioPp, 3)} (loop); ${fmtCi(s.ratioPpPage, 3)} (page)`);
      line(`tg${o.tg} browser, engine loop (tok/s)`, fmtCi(s.tgLoop, 2));
      line(`tg${o.tg} browser, page stream (tok/s)`, fmtCi(s.tgPage, 2));
      line(`tg${o.tg} native greedy / decode only (tok/s)`, `${fmtCi(s.tgNative, 2)} / ${fmtCi(s.tgNativeDecode, 2)}`);
      line(`  browser / native, per-round ratio`, `${fmtCi(s.ratioTg, 3)} (loop vs greedy); ${fmtCi(s.ratioTgDecode, 3)} (loop vs decode only); ${fmtCi(s.ratioTgPage, 3)} (page vs greedy)`);
      line(`ours vs engine, same definitions (%)`, `pp ${d(s.oursVsEnginePpPct, '%')}; tg ${d(s.oursVsEngineTgPct, '%')} (vs llama.cpp's own n/(n−1 intervals): ${fmtCi(s.oursVsEngineOwnTgPct, 2, { unit: '%' })})`);
      line(`harness per token: page stream − engine loop`, `${d(s.overheadMs, ' ms', 3)} = ${d(s.overheadPct, '% of decode', 2)} (target ≤ 2%)`);
      line(`  of which round trip to wllama's worker`, d(s.roundTripMs, ' ms', 3));
      line(`  of which message to the page`, d(s.pageMessageMs, ' ms', 3));
      line(`TTFT (page) − engine prefill clock`, `${d(s.ttftMinusPrefillMs, ' ms', 2)} = ${d(s.ttftVsPrefillPct, '%', 2)} (target within 2%)`);
      line(`  hops: page → worker; first token → page; completion action`, `${fmtCi(s.hopRequestMs, 2, { unit: ' ms' })}; ${fmtCi(s.hopFirstTokenMs, 2, { unit: ' ms' })}; ${fmtCi(s.completionActionMs, 2, { unit: ' ms' })}`);
      line(`tab's f32 SIMD roof, 1 thread (GFLOP/s)`, fmtCi(s.roof, 1));
      line(`prefill / decode, browser (GFLOP/s)`, `${fmtCi(s.ppGflops, 2)} / ${fmtCi(s.tgGflops, 2)}`);
      line(`  as a fraction of the roof`, `${fmtCi(s.ppRoofFraction, 3)} / ${fmtCi(s.tgRoofFraction, 3)}`);
      line(`prefill / decode-only, native (GFLOP/s)`, `${fmtCi(s.ppNativeGflops, 1)} / ${fmtCi(s.tgNativeGflops, 1)}`);
      if (row.engineNotes.length) console.log(`  llama.cpp in the tab says: ${row.engineNotes.join(' | ')}`);
    }
  } finally {
    await browser.close();
    if (served) await served.close();
    await model.dispose();
    await llama.dispose();
  }
  out['summary'] = rows;
  if (o.json) {
    writeFileSync(o.json, JSON.stringify(out, null, 2));
    console.log(`figures written to ${o.json}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
