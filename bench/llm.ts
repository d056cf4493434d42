/**
 * The LLM bench page: exposes `window.llmBench` (the LLM client plus figures) for the end-to-end
 * test and the micro-benchmark command, then fires `bench-ready`.
 */
import { LlmClient, type ClientGenerateResult } from '../src/engine/llm-client';
import { errorInfo } from '../src/core/errors';
import { buildPrompt, type BuiltPrompt, type RetrievedChunk } from '../src/core/prompt';
import { computeLlmFigures, fromWebLlmUsage, fromWllamaTimings, type EngineFigures, type LlmFigures } from '../src/core/llm-figures';
import type { LlmEngine, LlmGenerateRequest, LlmGenerateResult, LlmInfo, LlmLoadProgress, LlmLoadSpec, LlmLoadTimings, LlmMessage } from '../workers/api';

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
}

export interface MicroRun {
  test: 'pp' | 'tg';
  rep: number;
  warmup: boolean;
  promptTokens: number;
  generatedTokens: number;
  streamedTokens: number;
  /** Main-thread figures. */
  ours: LlmFigures;
  /** The same from the worker's own clock (messaging to the main thread excluded). */
  worker: { ttftMs: number | null; decodeTokensPerS: number | null };
  engine: EngineFigures | null;
  roundTripMs: number;
  /** Page → worker request, worker → page first token (ms). */
  hops: { requestMs: number; firstTokenMs: number | null };
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
      const once = async (test: 'pp' | 'tg', rep: number, warmup: boolean): Promise<void> => {
        const request: LlmGenerateRequest =
          test === 'pp'
            ? { prompt: cfg.ppText, maxNewTokens: 1, ignoreEos: true }
            : { prompt: cfg.tgPrompt, maxNewTokens: cfg.tgTokens, ignoreEos: true };
        const g = await c.generate(request);
        const r = g.result;
        const ours = computeLlmFigures({ tRequest: g.tRequest, arrivals: g.arrivals.map((a) => a.tMain), promptTokens: r.promptTokens });
        const wTtft = r.tFirstToken === null ? null : r.tFirstToken - r.tStart;
        const span = r.tFirstToken !== null && r.tLastToken !== null ? r.tLastToken - r.tFirstToken : 0;
        runs.push({
          test,
          rep,
          warmup,
          promptTokens: r.promptTokens,
          generatedTokens: r.generatedTokens,
          streamedTokens: r.streamedTokens,
          ours,
          worker: { ttftMs: wTtft, decodeTokensPerS: r.streamedTokens >= 2 && span > 0 ? ((r.streamedTokens - 1) * 1000) / span : null },
          engine: engineFigures(r),
          roundTripMs: g.roundTripMs,
          hops: g.hops,
        });
      };
      for (const test of ['pp', 'tg'] as const) {
        for (let i = 0; i < cfg.warmups; i++) await once(test, i, true);
        for (let i = 0; i < cfg.reps; i++) await once(test, i, false);
      }
      say(`micro ${cfg.spec.model} threads ${cfg.spec.threads ?? 1}: ${runs.length} runs`);
      return { info: loaded.value.info, loadTimings: loaded.value.timings, runs };
    }),

  /** The RAG prompt for `chunks` (best first), trimmed with the engine's own token counter and template. */
  ragPrompt: (engine: LlmEngine, input: { question: string; chunks: RetrievedChunk[]; contextSize: number; maxNewTokens: number }) =>
    guard(async (): Promise<BuiltPrompt> => {
      const c = client(engine);
      return buildPrompt({
        ...input,
        countTokens: async (text) => (await c.countTokens(text)).value.tokens,
        applyTemplate: (messages) => c.applyTemplate(messages),
      });
    }),

  countTokens: (engine: LlmEngine, text: string) => guard(async () => (await client(engine).countTokens(text)).value),
  applyTemplate: (engine: LlmEngine, messages: LlmMessage[]) => guard(async () => client(engine).applyTemplate(messages)),
  stats: (engine: LlmEngine) => guard(async () => client(engine).stats()),
  unload: (engine: LlmEngine) => guard(async () => client(engine).unload()),
  catalog: (engine: LlmEngine) => guard(async () => client(engine).catalog()),
};

declare global {
  interface Window {
    llmBench: typeof bench;
  }
}

window.llmBench = bench;
say(`ready (crossOriginIsolated ${String(self.crossOriginIsolated)}, ${navigator.hardwareConcurrency} cores)`);
window.dispatchEvent(new Event('bench-ready'));
