/**
 * Generation figures (pure), ours beside the engine's.
 *
 * Ours come from the main thread: the time the request was sent and the time each token arrived.
 * - TTFT = first token − request;
 * - prefill tokens/s = prompt tokens / TTFT (TTFT also holds the messaging and the first sampling,
 *   so it is a little below the engine's own prefill rate);
 * - decode tokens/s = (n − 1) / (t_last − t_first): the first token comes out of the prefill;
 * - inter-token intervals (p50, p99) and the total.
 *
 * The engine's own: wllama reports llama.cpp's server timings (`prompt_n`, `prompt_ms`,
 * `predicted_n`, `predicted_ms`: predicted_ms runs from the end of the prefill to the last token and
 * counts all n tokens, i.e. n / (t_last − t_prefill_end)); web-llm reports `usage` (decode rate =
 * decode tokens (n − 1) / decode time; TTFT = prefill time). Both are mapped to one shape and
 * compared figure by figure with the % difference.
 */
import { percentile } from './stats';

export interface TokenTiming {
  /** Main-thread request time (performance.now()). */
  tRequest: number;
  /** Main-thread arrival time of each token, in order. */
  arrivals: readonly number[];
  /** Prompt tokens (from the engine's count). */
  promptTokens: number;
}

export interface IntervalStats {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LlmFigures {
  ttftMs: number | null;
  prefillTokensPerS: number | null;
  decodeTokensPerS: number | null;
  /** Intervals between consecutive tokens, ms (null with fewer than 2 tokens). */
  interTokenMs: IntervalStats | null;
  totalTokens: number;
  promptTokens: number;
  /** Request → last token, ms (null without tokens). */
  totalMs: number | null;
}

export type EngineSource = 'wllama-timings' | 'webllm-usage';

export interface EngineFigures {
  source: EngineSource;
  ttftMs: number | null;
  prefillTokensPerS: number | null;
  decodeTokensPerS: number | null;
  promptTokens: number;
  generatedTokens: number;
}

export interface FigureComparison {
  figure: 'ttftMs' | 'prefillTokensPerS' | 'decodeTokensPerS';
  ours: number | null;
  engine: number | null;
  /** (ours − engine) / engine × 100; null when either is missing or the engine's is 0. */
  diffPct: number | null;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Our figures from main-thread times. */
export function computeLlmFigures(t: TokenTiming): LlmFigures {
  const n = t.arrivals.length;
  const first = t.arrivals[0];
  const last = t.arrivals[n - 1];
  const ttftMs = first === undefined ? null : first - t.tRequest;
  const intervals: number[] = [];
  for (let i = 1; i < n; i++) intervals.push((t.arrivals[i] as number) - (t.arrivals[i - 1] as number));
  let interTokenMs: IntervalStats | null = null;
  if (intervals.length) {
    interTokenMs = {
      count: intervals.length,
      mean: intervals.reduce((a, b) => a + b, 0) / intervals.length,
      p50: percentile(intervals, 0.5),
      p99: percentile(intervals, 0.99),
      max: Math.max(...intervals),
    };
  }
  const decodeSpan = first !== undefined && last !== undefined ? last - first : 0;
  return {
    ttftMs,
    prefillTokensPerS: ttftMs !== null && ttftMs > 0 && t.promptTokens > 0 ? finiteOrNull(t.promptTokens / (ttftMs / 1000)) : null,
    decodeTokensPerS: n >= 2 && decodeSpan > 0 ? finiteOrNull((n - 1) / (decodeSpan / 1000)) : null,
    interTokenMs,
    totalTokens: n,
    promptTokens: t.promptTokens,
    totalMs: last === undefined ? null : last - t.tRequest,
  };
}

/** llama.cpp server timings as wllama returns them (the fields used here). */
export interface WllamaTimingsLike {
  prompt_n: number;
  prompt_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_second: number;
  cache_n?: number;
}

export function fromWllamaTimings(t: WllamaTimingsLike): EngineFigures {
  return {
    source: 'wllama-timings',
    ttftMs: finiteOrNull(t.prompt_ms),
    prefillTokensPerS: t.prompt_n > 0 ? finiteOrNull(t.prompt_per_second) : null,
    decodeTokensPerS: t.predicted_n > 0 && t.predicted_ms > 0 ? finiteOrNull(t.predicted_per_second) : null,
    promptTokens: t.prompt_n + (t.cache_n ?? 0),
    generatedTokens: t.predicted_n,
  };
}

/** web-llm's usage object (final stream chunk with `stream_options: {include_usage: true}`). */
export interface WebLlmUsageLike {
  prompt_tokens: number;
  completion_tokens: number;
  extra: {
    prefill_tokens_per_s: number;
    decode_tokens_per_s: number;
    time_to_first_token_s: number;
    time_per_output_token_s?: number;
    e2e_latency_s?: number;
  };
}

export function fromWebLlmUsage(u: WebLlmUsageLike): EngineFigures {
  const decode = u.extra.decode_tokens_per_s;
  return {
    source: 'webllm-usage',
    ttftMs: finiteOrNull(u.extra.time_to_first_token_s * 1000),
    prefillTokensPerS: u.prompt_tokens > 0 ? finiteOrNull(u.extra.prefill_tokens_per_s) : null,
    // web-llm reports 0 when nothing was decoded after the first token.
    decodeTokensPerS: decode > 0 ? finiteOrNull(decode) : null,
    promptTokens: u.prompt_tokens,
    generatedTokens: u.completion_tokens,
  };
}

export function diffPct(ours: number | null, engine: number | null): number | null {
  if (ours === null || engine === null || engine === 0) return null;
  return ((ours - engine) / engine) * 100;
}

export function compareFigures(ours: LlmFigures, engine: EngineFigures): FigureComparison[] {
  return (['ttftMs', 'prefillTokensPerS', 'decodeTokensPerS'] as const).map((figure) => ({
    figure,
    ours: ours[figure],
    engine: engine[figure],
    diffPct: diffPct(ours[figure], engine[figure]),
  }));
}

/** Whether our token counts equal the engine's (prompt: the engine's own count is used for ours). */
export function countsAgree(ours: LlmFigures, engine: EngineFigures): { prompt: boolean; generated: boolean } {
  return { prompt: ours.promptTokens === engine.promptTokens, generated: ours.totalTokens === engine.generatedTokens };
}
