import { describe, expect, it } from 'vitest';
import { compareFigures, computeLlmFigures, countsAgree, diffPct, fromWebLlmUsage, fromWllamaTimings } from '../../src/core/llm-figures';

describe('our figures from main-thread arrival times', () => {
  it('TTFT, prefill and decode rates, intervals', () => {
    // Request at 1000 ms; first token at 1100; then every 10 ms, one slow 40 ms gap.
    const arrivals = [1100, 1110, 1120, 1130, 1170, 1180];
    const f = computeLlmFigures({ tRequest: 1000, arrivals, promptTokens: 50 });
    expect(f.ttftMs).toBe(100);
    expect(f.prefillTokensPerS).toBeCloseTo(500, 9); // 50 tokens / 0.1 s
    expect(f.decodeTokensPerS).toBeCloseTo(62.5, 9); // (6 − 1) / 0.08 s
    expect(f.totalTokens).toBe(6);
    expect(f.totalMs).toBe(180);
    // intervals 10 10 10 40 10: sorted 10 10 10 10 40; R-7 p50 = 10, p99 = 10 + 0.96 × 30 = 38.8
    expect(f.interTokenMs).toMatchObject({ count: 5, mean: 16, p50: 10, max: 40 });
    expect(f.interTokenMs?.p99).toBeCloseTo(38.8, 9);
  });

  it('one token: TTFT only; no token: nothing', () => {
    const one = computeLlmFigures({ tRequest: 0, arrivals: [25], promptTokens: 10 });
    expect(one).toMatchObject({ ttftMs: 25, decodeTokensPerS: null, interTokenMs: null, totalTokens: 1 });
    const none = computeLlmFigures({ tRequest: 0, arrivals: [], promptTokens: 10 });
    expect(none).toMatchObject({ ttftMs: null, prefillTokensPerS: null, decodeTokensPerS: null, totalMs: null, totalTokens: 0 });
  });
});

describe("the engines' own figures", () => {
  it('wllama timings (recorded: stories260K, 1 thread, 32 greedy tokens, Chromium 150)', () => {
    const timings = {
      cache_n: 0,
      prompt_n: 16,
      prompt_ms: 3.72,
      prompt_per_token_ms: 0.2325,
      prompt_per_second: 4301.075268817204,
      predicted_n: 32,
      predicted_ms: 76.106,
      predicted_per_token_ms: 2.455032258064516,
      predicted_per_second: 407.3266233936878,
    };
    const e = fromWllamaTimings(timings);
    expect(e).toEqual({
      source: 'wllama-timings',
      ttftMs: 3.72,
      prefillTokensPerS: 4301.075268817204,
      decodeTokensPerS: 407.3266233936878,
      promptTokens: 16,
      generatedTokens: 32,
    });
  });

  it("web-llm usage (the final chunk's shape in web-llm 0.2.86; illustrative numbers consistent with its formulas)", () => {
    // makeStreamUsageChunk: prefill_tokens_per_s = prompt / prefill time; decode_tokens_per_s =
    // decode tokens (completion − 1) / decode time; time_to_first_token_s = prefill time.
    const usage = {
      prompt_tokens: 412,
      completion_tokens: 128,
      total_tokens: 540,
      extra: {
        e2e_latency_s: 3.412,
        prefill_tokens_per_s: 412 / 0.2596,
        decode_tokens_per_s: 127 / 3.02768,
        time_to_first_token_s: 0.2596,
        time_per_output_token_s: 3.02768 / 127,
      },
    };
    const e = fromWebLlmUsage(usage);
    expect(e.source).toBe('webllm-usage');
    expect(e.ttftMs).toBeCloseTo(259.6, 9);
    expect(e.prefillTokensPerS).toBeCloseTo(1587.057, 3);
    expect(e.decodeTokensPerS).toBeCloseTo(41.946, 3);
    expect(e.promptTokens).toBe(412);
    expect(e.generatedTokens).toBe(128);
    // Nothing decoded after the first token: web-llm reports 0, which is "no figure", not 0 tok/s.
    expect(fromWebLlmUsage({ ...usage, completion_tokens: 1, extra: { ...usage.extra, decode_tokens_per_s: 0 } }).decodeTokensPerS).toBeNull();
  });

  it('ours beside the engine with the % difference', () => {
    const ours = computeLlmFigures({ tRequest: 0, arrivals: Array.from({ length: 128 }, (_, i) => 270 + i * 23.84), promptTokens: 412 });
    const engine = fromWebLlmUsage({
      prompt_tokens: 412,
      completion_tokens: 128,
      extra: { prefill_tokens_per_s: 412 / 0.2596, decode_tokens_per_s: 127 / 3.02768, time_to_first_token_s: 0.2596 },
    });
    const cmp = compareFigures(ours, engine);
    expect(cmp.map((c) => c.figure)).toEqual(['ttftMs', 'prefillTokensPerS', 'decodeTokensPerS']);
    expect(cmp[0]?.diffPct).toBeCloseTo(((270 - 259.6) / 259.6) * 100, 9);
    expect(cmp[2]?.diffPct).toBeCloseTo(0, 9); // both 127 / 3.02768 s
    expect(countsAgree(ours, engine)).toEqual({ prompt: true, generated: true });
    expect(diffPct(1, 0)).toBeNull();
    expect(diffPct(null, 2)).toBeNull();
  });
});
