/**
 * The LLM bench page: exposes `window.llmBench` (the LLM client plus figures) for the end-to-end
 * test and the micro-benchmark command, then fires `bench-ready`.
 */
import './lib/environment';
import { LlmClient, type ClientGenerateResult } from '../src/engine/llm-client';
import { errorInfo } from '../src/core/errors';
import { buildPrompt, type BuiltPrompt, type PromptChunk } from '../src/core/prompt';
import { computeLlmFigures, fromWebLlmUsage, fromWllamaTimings, type EngineFigures, type LlmFigures } from '../src/core/llm-figures';
import { measureDeviceRoofs } from '../src/engine/roofs';
import type { EngineLoopTimes, LlmEngine, LlmGenerateRequest, LlmGenerateResult, LlmInfo, LlmLoadProgress, LlmLoadSpec, LlmLoadTimings, LlmMessage } from '../workers/api';

/**
 * How the tokens of a micro-benchmark run travel (see bench/README-llm.md):
 * - 'engine-loop': the whole completion loops inside wllama's own worker, no message per token;
 *   figures on that worker's clock (the llama-bench-like figure, compared with native);
 * - 'stream-batched': wllama's createCompletion (one round trip to wllama's worker per token),
 *   tokens to the page every `batchMs`;
 * - 'stream': as the app runs, one message to the page per token (the end-to-end figure).
 */
export type MicroVariant = 'engine-loop' | 'stream-batched' | 'stream';

/** A llama-bench style run: prompt processing of a prompt, then generation of N tokens, repeated. */
export interface MicroConfig {
  spec: LlmLoadSpec;
  /** A prompt of exactly `ppTokens` tokens (BOS included), made by the caller with the model's tokenizer. */
  ppText: string;
  ppTokens: number;
  /** A short prompt the generation runs start from. */
  tgPrompt: string;
  tgTokens: number;
  warmups: number;
  reps: number;
  /** Variants run in turn within every repetition (so machine load hits them alike). Default all three. */
  variants?: MicroVariant[];
  /** Variants of the pp test (default `variants`): 'stream-batched' adds nothing to a one-token answer. */
  ppVariants?: MicroVariant[];
  /** 'stream-batched': ms between token messages to the page. Default 16. */
  batchMs?: number;
  /** Ask for token ids (n_probs 1, a small cost per token). Default false: native samples without them. */
  tokenIds?: boolean;
}

export interface MicroRun {
  test: 'pp' | 'tg';
  variant: MicroVariant;
  rep: number;
  warmup: boolean;
  promptTokens: number;
  generatedTokens: number;
  streamedTokens: number;
  /** Messages the tokens reached the page in. */
  tokenMessages: number;
  /** Main-thread figures (what the page saw). */
  ours: LlmFigures;
  /** Our worker's clock (the worker → page hop excluded); for 'engine-loop', wllama's worker's clock from the loop's start. */
  worker: { ttftMs: number | null; decodeTokensPerS: number | null; prefillTokensPerS: number | null };
  engine: EngineFigures | null;
  roundTripMs: number;
  /** Page → worker request, worker → page first token (ms). */
  hops: { requestMs: number; firstTokenMs: number | null };
  engineLoop: EngineLoopTimes | null;
  tokenIds: number[] | null;
}

export interface MicroResult {
  info: LlmInfo;
  loadTimings: LlmLoadTimings;
  runs: MicroRun[];
}

function engineFigures(r: LlmGenerateResult): EngineFigures | null {
  const e = r.engineReport;
  if (!e) return null;
  return e.engine === 'wllama' ? fromWllamaTimings(e.timings) : fromWebLlmUsage(e.usage);
}

const log = document.getElementById('log');
function say(line: string): void {
  if (log) log.textContent += line + '\n';
}

const clients = new Map<LlmEngine, LlmClient>();
function client(engine: LlmEngine): LlmClient {
  let c = clients.get(engine);
  if (!c) {
    c = new LlmClient(engine, undefined, { onWorkerReplaced: (r) => say(`worker replaced: ${r.name}: ${r.message}`) });
    clients.set(engine, c);
  }
  return c;
}

/** Runs `fn`; a failure comes back as `{error: {name, message}}` (names survive page.evaluate). */
async function guard<T>(fn: () => Promise<T>): Promise<T | { error: { name: string; message: string } }> {
  try {
    return await fn();
  } catch (e) {
    const info = errorInfo(e);
    say(`error ${info.name}: ${info.message}`);
    return { error: { name: String(info.name), message: info.message } };
  }
}

const bench = {
  crossOriginIsolated: self.crossOriginIsolated,
  hardwareConcurrency: navigator.hardwareConcurrency,

  load: (spec: LlmLoadSpec) =>
    guard(async () => {
      const progress: LlmLoadProgress[] = [];
      const r = await client(spec.engine).load(spec, (p) => progress.push(p));
      say(`loaded ${spec.model}: ${r.value.info.backend}, ${r.value.info.threads} thread(s)`);
      return { ...r.value, roundTripMs: r.roundTripMs, progress };
    }),

  generate: (engine: LlmEngine, request: LlmGenerateRequest) =>
    guard(async (): Promise<ClientGenerateResult> => client(engine).generate(request)),

  /** Starts a generation and interrupts it once `afterTokens` tokens reached this thread. */
  generateAndInterrupt: (engine: LlmEngine, request: LlmGenerateRequest, afterTokens: number) =>
    guard(async () => {
      const c = client(engine);
      let tInterrupt: number | null = null;
      const r = await c.generate(request, (a) => {
        if (a.index + 1 === afterTokens && tInterrupt === null) {
          tInterrupt = performance.now();
          void c.interrupt();
        }
      });
      return { ...r, tInterrupt };
    }),

  /** The micro-benchmark: load, then warm-ups and repetitions of pp and tg, all figures per run. */
  micro: (cfg: MicroConfig) =>
    guard(async (): Promise<MicroResult> => {
      const c = client(cfg.spec.engine);
      const loaded = await c.load(cfg.spec);
      const runs: MicroRun[] = [];
      const variants = cfg.variants ?? (['engine-loop', 'stream-batched', 'stream'] as const);
      const variantsOf = (test: 'pp' | 'tg') => (test === 'pp' ? (cfg.ppVariants ?? variants) : variants);
      const once = async (test: 'pp' | 'tg', variant: MicroVariant, rep: number, warmup: boolean): Promise<void> => {
        const base: LlmGenerateRequest =
          test === 'pp'
            ? { prompt: cfg.ppText, maxNewTokens: 1, ignoreEos: true }
            : { prompt: cfg.tgPrompt, maxNewTokens: cfg.tgTokens, ignoreEos: true };
        const request: LlmGenerateRequest = {
          ...base,
          tokenIds: cfg.tokenIds ?? false,
          delivery: variant === 'engine-loop' ? 'engine-loop' : 'stream',
          tokenBatchMs: variant === 'stream-batched' ? (cfg.batchMs ?? 16) : 0,
        };
        const g = await c.generate(request);
        const r = g.result;
        const ours = computeLlmFigures({ tRequest: g.tRequest, arrivals: g.arrivals.map((a) => a.tMain), promptTokens: r.promptTokens });
        // The loop's own start on our worker's clock (engine-loop), else the request's arrival in our worker.
        const start = r.engineLoop ? r.tStart + r.engineLoop.requestMs : r.tStart;
        const w = computeLlmFigures({ tRequest: start, arrivals: g.arrivals.map((a) => a.tWorker), promptTokens: r.promptTokens });
        runs.push({
          test,
          variant,
          rep,
          warmup,
          promptTokens: r.promptTokens,
          generatedTokens: r.generatedTokens,
          streamedTokens: r.streamedTokens,
          tokenMessages: r.tokenMessages ?? r.streamedTokens,
          ours,
          worker: { ttftMs: w.ttftMs, decodeTokensPerS: w.decodeTokensPerS, prefillTokensPerS: w.prefillTokensPerS },
          engine: engineFigures(r),
          roundTripMs: g.roundTripMs,
          hops: g.hops,
          engineLoop: r.engineLoop ?? null,
          tokenIds: r.tokenIds,
        });
      };
      for (const test of ['pp', 'tg'] as const) {
        // Warm-ups: the first variant only (the engine's first runs of a test are what they warm).
        for (let i = 0; i < cfg.warmups; i++) await once(test, variantsOf(test)[0] ?? 'engine-loop', i, true);
        for (let i = 0; i < cfg.reps; i++) for (const v of variantsOf(test)) await once(test, v, i, false);
      }
      say(`micro ${cfg.spec.model} threads ${cfg.spec.threads ?? 1}: ${runs.length} runs`);
      return { info: loaded.value.info, loadTimings: loaded.value.timings, runs };
    }),

  /** The RAG prompt for `chunks` (best first), trimmed with the engine's own token counter and template. */
  ragPrompt: (engine: LlmEngine, input: { question: string; chunks: PromptChunk[]; contextSize: number; maxNewTokens: number }) =>
    guard(async (): Promise<BuiltPrompt> => {
      const c = client(engine);
      return buildPrompt({
        ...input,
        countTokens: async (text) => (await c.countTokens(text)).value.tokens,
        applyTemplate: (messages) => c.applyTemplate(messages),
      });
    }),

  /** The tab's device roofs (src/engine/roofs.ts): the SIMD f32 GFLOP/s and bandwidth LLM figures are read against. */
  roofs: () => guard(() => measureDeviceRoofs()),

  countTokens: (engine: LlmEngine, text: string) => guard(async () => (await client(engine).countTokens(text)).value),
  applyTemplate: (engine: LlmEngine, messages: LlmMessage[]) => guard(async () => client(engine).applyTemplate(messages)),
  stats: (engine: LlmEngine) => guard(async () => client(engine).stats()),
  unload: (engine: LlmEngine) => guard(async () => client(engine).unload()),
  catalog: (engine: LlmEngine) => guard(async () => client(engine).catalog()),
  memory: (engine: LlmEngine) => guard(async () => client(engine).memory()),
};

declare global {
  interface Window {
    llmBench: typeof bench;
  }
}

window.llmBench = bench;
say(`ready (crossOriginIsolated ${String(self.crossOriginIsolated)}, ${navigator.hardwareConcurrency} cores)`);
window.dispatchEvent(new Event('bench-ready'));
