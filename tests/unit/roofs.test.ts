import { describe, expect, it } from 'vitest';
import { decodeFraction, embeddingFraction, encoderFlopsPerToken, encoderShapeFromConfig, roofAdvice, roofLines, scanFraction, type DeviceRoofs } from '../../src/core/roofs';

const ROOFS: DeviceRoofs = {
  version: 1,
  durationMs: 512,
  timer: { resolutionMs: 0.005, crossOriginIsolated: true },
  bandwidth: { available: true, GBps: 25.6, medianGBps: 24.9, bytes: 64 << 20, repsMs: [2.6, 2.7, 2.8] },
  simd1: { available: true, gflops: 20, ms: 150, warmupMs: 40 },
  simdN: { available: true, threads: 2, gflops: 38, perThread: [19, 19] },
};
const MINILM = { layers: 6, hidden: 384, intermediate: 1536 };

describe('encoder FLOPs per token', () => {
  it('all-MiniLM-L6-v2 at 128 tokens: 22.4 MFLOP', () => {
    // per layer 8·384² + 4·384·1536 + 4·128·384 = 1,179,648 + 2,359,296 + 196,608
    expect(encoderFlopsPerToken(MINILM, 128)).toBe(6 * 3_735_552);
    expect(() => encoderFlopsPerToken(MINILM, 0)).toThrow(/sequence length/);
  });

  it('reads the shape from config.json, and says why when there is none', () => {
    expect(encoderShapeFromConfig({ num_hidden_layers: 6, hidden_size: 384, intermediate_size: 1536, num_attention_heads: 12 })).toEqual(MINILM);
    expect(encoderShapeFromConfig({ num_hidden_layers: 0, hidden_size: 256 })).toEqual({ reason: expect.stringMatching(/0 transformer layers/) });
    expect(encoderShapeFromConfig({ model_type: 'llama' })).toEqual({ reason: expect.stringMatching(/not a BERT-like encoder/) });
    expect(encoderShapeFromConfig(null)).toEqual({ reason: expect.any(String) });
  });
});

describe('fractions of the roofs', () => {
  it('search scan: 60k × 384 in 4.5 ms is 20.5 GB/s, 80% of 25.6', () => {
    const f = scanFraction({ vectors: 60_000, dims: 384, ms: 4.5 }, ROOFS);
    expect(f.available && f.achieved).toBeCloseTo((60_000 * 384 * 4) / 4.5 / 1e6, 9);
    expect(f.available && f.fraction).toBeCloseTo(20.48 / 25.6, 9);
    expect(roofAdvice(f)).toBe("search runs at 80% of this tab's measured memory bandwidth (20.5 of 25.6 GB/s; 60000 vectors × 384 float32 read once per query)");
  });

  it('embedding at 1 and 2 threads against the matching roof; none without one', () => {
    // 1000 tokens at 22.4 MFLOP in 1.4 s = 16.0 GFLOP/s: 80% of 20
    const one = embeddingFraction({ shape: MINILM, seqLen: 128, tokens: 1000, ms: 1400.832, threads: 1 }, ROOFS);
    expect(one.available && one.fraction).toBeCloseTo(0.8, 6);
    expect(roofAdvice(one)).toMatch(/^embed runs at 80% of this tab's measured SIMD f32 throughput \(16\.0 of 20\.0 GFLOP\/s; 22\.4 MFLOP per token/);
    const two = embeddingFraction({ shape: MINILM, seqLen: 128, tokens: 1000, ms: 1400.832, threads: 2 }, ROOFS);
    expect(two.available && two.roof).toBe(38);
    const none = embeddingFraction({ shape: MINILM, seqLen: 128, tokens: 10, ms: 10, threads: 4 }, { ...ROOFS, simdN: { available: false, reason: 'no SharedArrayBuffer (the page is not cross-origin isolated)' } });
    expect(none).toMatchObject({ available: false, reason: '4 threads, but no multi-thread roof: no SharedArrayBuffer (the page is not cross-origin isolated)' });
    expect(roofAdvice(none)).toMatch(/^embed: no SIMD f32 throughput roof/);
  });

  it('decode: weight bytes per token against the bandwidth', () => {
    const f = decodeFraction({ modelBytes: 145e6, tokens: 32, ms: 1000 }, ROOFS);
    expect(f.available && f.achieved).toBeCloseTo(4.64, 9);
    expect(() => decodeFraction({ modelBytes: 0, tokens: 1, ms: 1 }, ROOFS)).toThrow(/model bytes/);
  });

  it('prints the roofs', () => {
    expect(roofLines(ROOFS)).toEqual([
      'memory bandwidth: 25.6 GB/s (best of 3; median 24.9)',
      'SIMD f32, 1 thread: 20.0 GFLOP/s',
      'SIMD f32, N threads: 38.0 GFLOP/s with 2 threads',
      'timer resolution: 5.0 µs (cross-origin isolated)',
      'measured in 512 ms',
    ]);
  });
});
