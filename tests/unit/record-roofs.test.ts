import { describe, expect, it } from 'vitest';
import { FAKE_ROOFS, recordOf, runFake, sample } from './bench-fixtures';
import { decodeRoofFraction, embedRoofFraction, recordDrift, recordRoofFractions, searchRoofFraction } from '../../src/core/record-roofs';
import { llmWeightBytesPerToken } from '../../src/core/roofs';
import { fromJson, toJson } from '../../src/core/exports';
import { parseRunRecord, summarizeRecord, type RunRecord } from '../../src/core/run-record';

const MINILM = { layers: 6, hidden: 384, intermediate: 1536 };
const EMBEDDER: NonNullable<RunRecord['embedder']> = {
  model: 'minilm-shape-random',
  revision: null,
  baseUrl: null,
  requestedDevice: 'wasm',
  device: 'wasm',
  fallbackReason: null,
  dtype: 'fp32',
  threads: 1,
  batchSize: 32,
  dims: 384,
  maxTokens: 512,
  shape: MINILM,
};

const searches = (ms: number[], kind = 'exact') => ms.map((w, i) => sample('search', w + 0.2, { iteration: i, extra: { kind, k: 10, vectors: 60_000, workerMs: w } }));

describe('a record read against its roofs', () => {
  it('the exact scan: vector bytes ÷ the median worker time, against the bandwidth', () => {
    // 60k × 384 × 4 bytes in 4.5 ms = 20.48 GB/s, 80% of 25.6
    const r = recordOf(searches([4.4, 4.5, 9, 4.5, 4.6]), { roofs: FAKE_ROOFS, embedder: EMBEDDER });
    const f = searchRoofFraction(r);
    expect(f).toMatchObject({ available: true, stage: 'search', resource: 'memory bandwidth', unit: 'GB/s', roof: 25.6, n: 5 });
    expect(f?.available && f.fraction).toBeCloseTo(0.8, 9);
    expect(f?.available && f.basis).toContain('median of 5 queries in the index worker');
    // voy reads a part of the vectors: no roof, with the reason
    const voy = searchRoofFraction(recordOf(searches([1, 2], 'voy'), { roofs: FAKE_ROOFS, embedder: EMBEDDER }));
    expect(voy).toMatchObject({ available: false, reason: expect.stringContaining('only the exact scan') });
    // no search: nothing to say
    expect(searchRoofFraction(recordOf([]))).toBeNull();
  });

  it('embedding: FLOPs per token at the mean chunk length × tokens ÷ the worker time, against the SIMD roof of its threads', () => {
    // 1000 tokens in 8 chunks (125 a chunk): 6 · (8·384² + 4·384·1536 + 4·125·384) = 22.383 MFLOP a token
    const flops = 6 * (8 * 384 * 384 + 4 * 384 * 1536 + 4 * 125 * 384) * 1000;
    const ms = flops / 1e6 / 10; // 10 GFLOP/s: half of the 1-thread roof (20)
    const embed = sample('embed', ms + 5, { phase: 'cold', extra: { chunks: 8, tokens: 1000, workerMs: ms } });
    const f = embedRoofFraction(recordOf([embed], { roofs: FAKE_ROOFS, embedder: EMBEDDER }));
    expect(f).toMatchObject({ available: true, stage: 'embed', roof: 20 });
    expect(f?.available && f.fraction).toBeCloseTo(0.5, 9);
    // 2 threads: against the 2-thread roof (38)
    const two = embedRoofFraction(recordOf([embed], { roofs: FAKE_ROOFS, embedder: { ...EMBEDDER, threads: 2 } }));
    expect(two?.available && two.fraction).toBeCloseTo(10 / 38, 9);
    // WebKit: no SharedArrayBuffer, so no N-thread roof: unavailable with its reason, never 0
    const webkit = { ...FAKE_ROOFS, simdN: { available: false as const, reason: 'SharedArrayBuffer is not available in this browser (one thread only)' } };
    expect(embedRoofFraction(recordOf([embed], { roofs: webkit, embedder: { ...EMBEDDER, threads: 2 } }))).toMatchObject({ available: false, reason: expect.stringContaining('SharedArrayBuffer') });
    // WebGPU, a static model, an older record: each says why
    expect(embedRoofFraction(recordOf([embed], { roofs: FAKE_ROOFS, embedder: { ...EMBEDDER, device: 'webgpu' } }))).toMatchObject({ available: false, reason: expect.stringContaining('ran on webgpu') });
    expect(embedRoofFraction(recordOf([embed], { roofs: FAKE_ROOFS, embedder: { ...EMBEDDER, shape: { reason: 'the model has 0 transformer layers' } } }))).toMatchObject({ available: false, reason: 'the model has 0 transformer layers' });
    const { shape: _shape, ...noShape } = EMBEDDER;
    expect(embedRoofFraction(recordOf([embed], { roofs: FAKE_ROOFS, embedder: noShape }))).toMatchObject({ available: false, reason: expect.stringContaining('no encoder shape') });
    expect(embedRoofFraction(recordOf([embed], { embedder: EMBEDDER }))).toMatchObject({ available: false, reason: expect.stringContaining('no device roofs') });
  });

  it('decode: weight bytes per token × tokens/s (first → last token), against the bandwidth', () => {
    // 33 tokens in 1 s of first → last: 32 tokens/s × 145 MB = 4.64 GB/s
    const decodes = [1000, 1100, 900].map((d, i) => sample('decode', d, { iteration: i, extra: { tokens: 33 } }));
    const llm = { engine: 'wllama', model: 'm.gguf', detail: { backend: 'wasm-single-thread', weightBytesPerToken: 145e6 } };
    const f = decodeRoofFraction(recordOf(decodes, { roofs: FAKE_ROOFS, llm }));
    expect(f).toMatchObject({ available: true, n: 3 });
    expect(f?.available && f.achieved).toBeCloseTo(4.64, 9);
    expect(decodeRoofFraction(recordOf(decodes, { roofs: FAKE_ROOFS, llm: { ...llm, engine: 'webllm' } }))).toMatchObject({ available: false, reason: expect.stringContaining('webllm') });
    expect(decodeRoofFraction(recordOf(decodes, { roofs: FAKE_ROOFS, llm: { ...llm, detail: { backend: 'wasm-single-thread' } } }))).toMatchObject({ available: false, reason: expect.stringContaining('weight bytes') });
    expect(recordRoofFractions(recordOf(decodes, { roofs: FAKE_ROOFS, llm })).map((x) => x.stage)).toEqual(['decode']);
  });

  it("a GGUF's weight bytes per token: the token table counts only when tied to the output", () => {
    const tensors = [
      { name: 'token_embd.weight', bytes: 100 },
      { name: 'blk.0.attn_q.weight', bytes: 10 },
      { name: 'output_norm.weight', bytes: 1 },
    ];
    expect(llmWeightBytesPerToken(tensors)).toBe(111);
    expect(llmWeightBytesPerToken([...tensors, { name: 'output.weight', bytes: 100 }])).toBe(111);
    expect(llmWeightBytesPerToken([...tensors, { name: 'x', bytes: null }])).toBeNull();
    expect(llmWeightBytesPerToken([])).toBeNull();
  });
});

describe('the roofs and the calibration in the record', () => {
  it('the runner keeps them; they survive export → import; the drift marks each stage', async () => {
    const r = (await runFake()).records[0]!;
    expect(r.roofs).toEqual(FAKE_ROOFS);
    expect(r.calibration).toMatchObject({ beforeMs: [2, 2.1, 1.9, 2, 2.05], afterMs: [2, 2.02, 1.98, 2.1, 1.95], between: expect.stringContaining('first step') });
    expect(r.embedder?.shape).toEqual(MINILM);
    expect(fromJson(toJson(r))).toEqual(r);
    const s = summarizeRecord(r);
    expect(s.drift?.note).toMatch(/^calibration drift/);
    const search = s.stages.find((x) => x.stage === 'search' && x.phase === 'warm')!;
    expect(search.median.n).toBe(12);
    expect(search.noise.note).toContain('calibration drift');
    // fractions: the fake's exact search (4 vectors × 4 dims) and its embed stage
    expect(recordRoofFractions(r).map((f) => f.stage)).toEqual(['search', 'embed']);
  });

  it('a record without them (older) still imports, and says there are none', async () => {
    const r = (await runFake()).records[0]!;
    const old = JSON.parse(toJson(r));
    delete old.roofs;
    delete old.calibration;
    delete old.embedder.shape;
    const back = parseRunRecord(old);
    expect(back.roofs).toBeUndefined();
    expect(recordDrift(back)).toBeNull();
    expect(summarizeRecord(back).drift).toBeNull();
    expect(recordRoofFractions(back).every((f) => !f.available)).toBe(true);
    // a damaged roof is refused, named
    const bad = JSON.parse(toJson(r));
    bad.roofs.bandwidth = { available: true, GBps: 'fast' };
    expect(() => parseRunRecord(bad)).toThrow(/roofs/);
    // an unavailable roof needs its reason
    const noReason = JSON.parse(toJson(r));
    noReason.roofs.simdN = { available: false };
    expect(() => parseRunRecord(noReason)).toThrow(/roofs/);
  });
});
