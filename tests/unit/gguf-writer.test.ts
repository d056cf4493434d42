/**
 * The GGUF writer and the generated test LLMs (src/core/gguf-writer.ts, src/core/random-llm.ts):
 * ggml's fp16 and Q8_0/Q4_0 blocks on hand-checked values, a round trip through the project's
 * GGUF reader, and llama.cpp itself (node-llama-cpp 3.21.1) loading the files: the blocks read as
 * the values that were quantized (a tiny model in F32, Q8_0 and Q4_0 from the same weights gives
 * nearly the same next-token distribution), the 135M-shape model generates finite, varied tokens,
 * and the project's tokenizer port splits text as llama.cpp does with the synthesised vocabulary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getLlama, type Llama, type Token } from 'node-llama-cpp';
import { GGML_TYPE, dequantize, encodeGgufHeader, fp16ToFp32, fp32ToFp16, quantizeQ4_0, quantizeQ8_0 } from '../../src/core/gguf-writer';
import { parseGguf, validateGguf } from '../../src/core/gguf';
import { LLM_SHAPES, flopsPerToken, parameterCount, randomLlmLayout, synthesizeVocab, tensorData, type LlmQuant, type LlmShape } from '../../src/core/random-llm';
import { SPM_FULL_ARRAYS, SpmTokenizer } from '../../src/core/spm-tokenizer';
import { mulberry32 } from '../../src/core/prng';
import { ensureTestLlm, storiesVocab } from '../../scripts/lib/test-llm';

const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const haveStories = existsSync(join(shared, 'models/stories260K/stories260K.gguf'));

describe('fp16 and ggml blocks', () => {
  it('fp32 → fp16 rounds to nearest even, with subnormals, overflow and NaN', () => {
    expect(fp32ToFp16(1)).toBe(0x3c00);
    expect(fp32ToFp16(-2)).toBe(0xc000);
    expect(fp32ToFp16(65504)).toBe(0x7bff);
    expect(fp32ToFp16(65520)).toBe(0x7c00); // rounds up to Inf
    expect(fp32ToFp16(1e-7)).toBe(0x0002); // subnormal: 1e-7 / 2^-24 = 1.68 → 2
    expect(fp32ToFp16(1 + 2 ** -11)).toBe(0x3c00); // a tie: to even
    expect(fp32ToFp16(1 + 3 * 2 ** -11)).toBe(0x3c02); // a tie: to even (up)
    expect(fp32ToFp16(NaN) & 0x7e00).toBe(0x7e00);
    for (const h of [0x0001, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xfbff]) expect(fp32ToFp16(fp16ToFp32(h))).toBe(h);
  });

  it('Q8_0: d = amax / 127 in fp16, quants round(x / d) half away from zero', () => {
    const x = Array.from({ length: 32 }, (_, i) => (i - 16) / 8); // −2 … 1.875
    const out = new Uint8Array(34);
    quantizeQ8_0(x, out);
    const d = Math.fround(2 / 127);
    expect(out[0]! | (out[1]! << 8)).toBe(fp32ToFp16(d));
    const q = Array.from(new Int8Array(out.buffer, 2, 32));
    expect(q[0]).toBe(-127);
    expect(q[16]).toBe(0);
    expect(q[31]).toBe(Math.round(1.875 / d));
    // 0.5 / d ... = 31.75 → 32; a value exactly half way rounds away from zero.
    const half = new Uint8Array(34);
    quantizeQ8_0([127, -0.5, 0.5, ...new Array(29).fill(0)], half);
    expect(Array.from(new Int8Array(half.buffer, 2, 3))).toEqual([127, -1, 1]);
  });

  it('Q4_0: d = max / −8 (sign kept), nibble j = x[j], high nibble = x[j + 16]', () => {
    const x = Array.from({ length: 32 }, (_, i) => (i === 5 ? -4 : i === 20 ? 3 : 0));
    const out = new Uint8Array(18);
    quantizeQ4_0(x, out);
    expect(fp16ToFp32(out[0]! | (out[1]! << 8))).toBe(0.5); // −4 / −8
    // x / d + 8.5 truncated: 0 → 8; −4 / 0.5 = −8 → 0; 3 / 0.5 = 6 → 14, min 15.
    expect(out[2 + 5]! & 15).toBe(0);
    expect(out[2 + 4]! >> 4).toBe(14);
    expect(out[2 + 0]).toBe(8 | (8 << 4));
    const back = dequantize(GGML_TYPE.Q4_0, out, 32);
    expect(back[5]).toBe(-4);
    expect(back[20]).toBe(3);
  });

  it('random rows come back within half a step (Q4_0: a step at the clamped end), fp16 scale included', () => {
    const r = mulberry32(7);
    const x = Float32Array.from({ length: 32 * 64 }, () => r() * 2 - 1);
    for (const [type, bytes, steps] of [[GGML_TYPE.Q8_0, 34, 127], [GGML_TYPE.Q4_0, 18, 8]] as const) {
      const out = new Uint8Array((x.length / 32) * bytes);
      (type === GGML_TYPE.Q8_0 ? quantizeQ8_0 : quantizeQ4_0)(x, out);
      const y = dequantize(type, out, x.length);
      for (let b = 0; b < x.length; b += 32) {
        const amax = Math.max(...Array.from(x.subarray(b, b + 32), Math.abs));
        const step = amax / steps;
        const tol = step * ((type === GGML_TYPE.Q8_0 ? 0.5 : 1) + steps * 2 ** -11);
        for (let j = b; j < b + 32; j++) expect(Math.abs(y[j]! - x[j]!)).toBeLessThanOrEqual(tol);
      }
    }
  });
});

/** A tiny llama with stories260K's vocabulary, for fast llama.cpp checks. */
const TINY: LlmShape = { id: 'tiny', like: 'tiny', nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 128, nVocab: 512, nCtx: 256, ropeTheta: 10000, rmsEps: 1e-5 };

function writeModel(dir: string, shape: LlmShape, quant: LlmQuant, vocab = storiesVocab(shared)): string {
  const { layout, tensors } = randomLlmLayout(shape, quant, vocab);
  const file = new Uint8Array(layout.header.byteLength + layout.dataBytes);
  file.set(layout.header);
  tensors.forEach((t, i) => file.set(tensorData(shape, t), layout.header.byteLength + (layout.offsets[i] as number)));
  const path = join(dir, `${shape.id}-${quant}.gguf`);
  writeFileSync(path, file);
  return path;
}


/** The same model with every quantized tensor replaced by its dequantized values in F32. */
function writeDequantized(dir: string, shape: LlmShape, quant: 'Q8_0' | 'Q4_0'): string {
  const vocab = storiesVocab(shared);
  const { layout, tensors } = randomLlmLayout(shape, 'F32', vocab);
  const quantized = randomLlmLayout(shape, quant, vocab).tensors;
  const file = new Uint8Array(layout.header.byteLength + layout.dataBytes);
  file.set(layout.header);
  tensors.forEach((_, i) => {
    const q = quantized[i]!;
    const data = tensorData(shape, q);
    const n = q.dims.reduce((a, b) => a * b, 1);
    const f = q.type === GGML_TYPE.F32 ? data : new Uint8Array(dequantize(q.type as 2 | 8, data, n).buffer);
    file.set(f, layout.header.byteLength + (layout.offsets[i] as number));
  });
  const path = join(dir, `${shape.id}-${quant}-dequantized.gguf`);
  writeFileSync(path, file);
  return path;
}

describe.skipIf(!haveStories)('generated GGUFs: the reader and llama.cpp', () => {
  let dir = '';
  let llama: Llama;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ragtab-gguf-'));
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  });
  afterAll(async () => {
    await llama?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips through the project reader: metadata, tensors, offsets, size', () => {
    for (const quant of ['F32', 'Q8_0', 'Q4_0'] as const) {
      const path = writeModel(dir, TINY, quant);
      const bytes = new Uint8Array(readFileSync(path));
      const h = validateGguf(bytes, bytes.byteLength, bytes.byteLength, { fullArrays: SPM_FULL_ARRAYS });
      expect(h).toMatchObject({ version: 3, architecture: 'llama', contextLength: 256, vocabSize: 512, bosTokenId: 1, eosTokenId: 2, addBosToken: true, tokenizerModel: 'llama' });
      expect(h.fileTypeName).toBe(quant === 'F32' ? 'F32' : quant);
      expect(h.expectedFileBytes).toBe(bytes.byteLength);
      expect(h.tensors.map((t) => t.name)).toEqual(['token_embd.weight', 'output_norm.weight', ...Array.from({ length: 2 }, (_, i) => ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_down', 'ffn_up'].map((n) => `blk.${i}.${n}.weight`)).flat()]);
      expect(h.tensors.find((t) => t.name === 'blk.1.attn_k.weight')).toMatchObject({ dims: [64, 32], type: GGML_TYPE[quant] });
      expect(h.metadata['llama.rope.freq_base']).toBe(10000);
      // The data of one tensor is where the header says, and is what the generator made.
      const t = h.tensors[3]!;
      const at = h.dataOffset + t.offset;
      expect(Array.from(bytes.subarray(at, at + t.bytes!))).toEqual(Array.from(tensorData(TINY, { name: t.name, dims: t.dims, type: t.type as 0 })));
    }
    // Metadata kinds the generator does not use still encode as the reader expects.
    const { header } = encodeGgufHeader({ a: { type: 'i32', value: -5 }, b: { type: 'string', value: 'é' } }, []);
    const h = parseGguf(header);
    expect([h.metadata['a'], h.metadata['b']]).toEqual([-5, 'é']);
  });

  it('llama.cpp reads the Q8_0 and Q4_0 blocks as the values quantized (same next-token distribution as F32 of those values)', async () => {
    const prompt = 'Once upon a time, there was a little girl named Lily.';
    const next = async (path: string): Promise<Map<Token, number>> => {
      const model = await llama.loadModel({ modelPath: path });
      const ctx = await model.createContext({ contextSize: 256, threads: 1 });
      try {
        const tokens = [model.tokens.bos!, ...model.tokenize(prompt)];
        for await (const o of ctx.getSequence().evaluateWithMetadata(tokens, { probabilities: true }, { temperature: 0 })) return o.probabilities;
        throw new Error('no token');
      } finally {
        await ctx.dispose();
        await model.dispose();
      }
    };
    const tv = (a: Map<Token, number>, b: Map<Token, number>): number => {
      let s = 0;
      for (const [k, p] of a) s += Math.abs(p - (b.get(k) ?? 0));
      return s / 2;
    };
    const f32 = await next(writeModel(dir, TINY, 'F32'));
    const figures: string[] = [];
    for (const quant of ['Q8_0', 'Q4_0'] as const) {
      const quantized = await next(writeModel(dir, TINY, quant));
      const asF32 = await next(writeDequantized(dir, TINY, quant));
      const same = tv(quantized, asF32);
      figures.push(`${quant}: vs F32 of its dequantized values ${same.toFixed(4)}, vs the F32 weights ${tv(quantized, f32).toFixed(4)}`);
      // Only the activations' own Q8_0 rounding inside llama.cpp's dot products separates the two.
      expect(same).toBeLessThan(0.05);
      // 4-bit rounding moves the distribution far more than the layout check's tolerance: the check can fail.
      if (quant === 'Q4_0') expect(tv(quantized, f32)).toBeGreaterThan(4 * same);
    }
    console.log(`next-token total variation: ${figures.join('; ')}`);
  });

  it('the SmolLM2-135M-shape Q8_0: llama.cpp loads it, generates finite varied tokens, tokenizes as our port', async () => {
    const path = ensureTestLlm('smollm2-135m', 'Q8_0', (l) => console.log(l));
    const s = LLM_SHAPES['smollm2-135m'];
    expect(parameterCount(s)).toBe(134_515_008); // 28,311,552 embedding + 30 × 3,538,944 + 30 × 1,152 + 576
    expect(flopsPerToken(s, 0)).toBeGreaterThan(2 * 134e6 * 0.99);
    const bytes = new Uint8Array(readFileSync(path).subarray(0, 4 << 20));
    const h = validateGguf(bytes, statSync(path).size, null, { fullArrays: SPM_FULL_ARRAYS });
    expect(h).toMatchObject({ contextLength: 8192, vocabSize: 49152, fileTypeName: 'Q8_0' });
    const model = await llama.loadModel({ modelPath: path });
    const ctx = await model.createContext({ contextSize: 512, threads: 1 });
    try {
      expect(model.fileInsights.trainContextSize).toBe(8192);
      expect(model.tokens.bos).toBe(1);
      expect(model.tokens.eos).toBe(2);
      const tok = SpmTokenizer.fromGguf(h);
      const corpus = join(shared, 'datasets/msmarco-5k/corpus.jsonl');
      const passages = existsSync(corpus) ? readFileSync(corpus, 'utf8').split('\n').slice(0, 40).filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text) : [];
      const texts = ['', ' ', 'Hello world', 'Once upon a time, there was a little girl named Lily.', 'café 中文 😀\n\ttabs', '<s> and </s> inline', ...passages];
      for (const text of texts) expect(Array.from(tok.encode(text)), text).toEqual([1, ...Array.from(model.tokenize(text, true), Number)]);
      const ids: number[] = [];
      const probs: number[] = [];
      const prompt = [model.tokens.bos!, ...model.tokenize('Once upon a time')];
      for await (const o of ctx.getSequence().evaluateWithMetadata(prompt, { confidence: true }, { temperature: 0 })) {
        ids.push(o.token);
        probs.push(o.confidence);
        if (ids.length >= 24) break;
      }
      console.log('135M-shape Q8_0 greedy ids', ids.join(' '), 'top probabilities', probs.map((p) => p.toFixed(3)).join(' '));
      expect(probs.every((p) => Number.isFinite(p) && p > 0 && p <= 1)).toBe(true);
      expect(new Set(ids).size).toBeGreaterThanOrEqual(6);
    } finally {
      await ctx.dispose();
      await model.dispose();
    }
  });

  it('the synthesised vocabulary: stories260K first, then reachable fillers with falling scores', () => {
    const base = storiesVocab(shared);
    const v = synthesizeVocab(base, 2000);
    expect(v.tokens.slice(0, 512)).toEqual(base.tokens);
    expect(new Set(v.tokens).size).toBe(2000);
    const ids = new Map(v.tokens.map((t, i) => [t, i]));
    for (let i = 512; i < 2000; i++) {
      expect(v.scores[i]).toBeLessThan(v.scores[i - 1]!);
      // Reachable: some split into two earlier pieces.
      const t = v.tokens[i]!;
      const splits = Array.from({ length: t.length - 1 }, (_, k) => [t.slice(0, k + 1), t.slice(k + 1)]);
      expect(splits.some(([a, b]) => (ids.get(a!) ?? Infinity) < i && (ids.get(b!) ?? Infinity) < i), t).toBe(true);
    }
    expect(synthesizeVocab(base, 2000)).toEqual(v); // deterministic
  });
});
