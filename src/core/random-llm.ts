/**
 * Compute-realistic test LLMs (pure): deterministic random-weight GGUFs in the exact shape of real
 * small models, so that LLM speed is measured on llama.cpp's kernels at a real model's cost (10–100
 * ms per token) rather than on per-token messaging (stories260K costs ~0.6 ms per token).
 *
 * Shapes (llama architecture, tied embeddings, as SmolLM2's config.json): SmolLM2-135M — n_embd 576,
 * 30 layers, 9 heads, 3 KV heads (head dim 64), feed-forward 1536; SmolLM2-360M — 960, 32, 15, 5,
 * 2560; both vocabulary 49,152, context 8192, RoPE θ 100,000, RMS ε 1e-5. Special ids are those of
 * SmolLM2-Instruct's GGUFs (UNK 0, BOS 1, EOS 2; the base model's config has BOS = EOS = 0).
 *
 * Vocabulary: a SentencePiece ("llama") one, synthesised from stories260K's (`<unk>`, `<s>`, `</s>`,
 * the 256 byte tokens, its 253 pieces), then filler pieces up to the full size, each the
 * concatenation of an earlier piece and a stories piece that does not start a word (so every filler
 * can be reached by SentencePiece's pairwise merges), with distinct falling scores. llama.cpp and
 * the project's tokenizer port (spm-tokenizer.ts) tokenize with it alike (tests).
 *
 * Weights: uniform, zero mean, from mulberry32 seeded per tensor name, then quantized with ggml's
 * reference code (gguf-writer.ts) — every 2-D tensor in the file's type (like `llama-quantize
 * --pure`), norms in F32. Scales keep activations finite and the greedy tokens varied: the layers'
 * contributions dominate the residual stream (so the next token is not the current one, as it is
 * when a random model's tied embedding dominates), and the output norm's weight spreads the logits
 * (sd ≈ 5) so that near-ties between the two best candidates are rare.
 */
import { mulberry32 } from './prng';
import { GGML_TYPE, encodeGgufHeader, quantizeQ4_0, quantizeQ8_0, tensorBytes, type GgufKv, type GgufLayout, type GgufTensorSpec } from './gguf-writer';

export interface LlmShape {
  id: string;
  /** The model whose shape this is. */
  like: string;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nVocab: number;
  nCtx: number;
  ropeTheta: number;
  rmsEps: number;
}

export const LLM_SHAPES = {
  'smollm2-135m': { id: 'smollm2-135m', like: 'SmolLM2-135M', nEmbd: 576, nLayer: 30, nHead: 9, nHeadKv: 3, nFf: 1536, nVocab: 49152, nCtx: 8192, ropeTheta: 100000, rmsEps: 1e-5 },
  'smollm2-360m': { id: 'smollm2-360m', like: 'SmolLM2-360M', nEmbd: 960, nLayer: 32, nHead: 15, nHeadKv: 5, nFf: 2560, nVocab: 49152, nCtx: 8192, ropeTheta: 100000, rmsEps: 1e-5 },
} as const satisfies Record<string, LlmShape>;
export type LlmShapeId = keyof typeof LLM_SHAPES;
/** F32 only for tests (the same values before quantization). */
export type LlmQuant = 'F32' | 'Q8_0' | 'Q4_0';

/** Bumped whenever the bytes written change (it is part of the cached file's name). */
export const RANDOM_LLM_VERSION = 1;

/** A SentencePiece vocabulary as GGUF keeps it. */
export interface SpmVocab {
  tokens: string[];
  scores: number[];
  types: number[];
}

/** stories260K's vocabulary extended with reachable filler pieces to `size` tokens (deterministic). */
export function synthesizeVocab(base: SpmVocab, size: number, seed = 0x5eed): SpmVocab {
  const tokens = [...base.tokens];
  const scores = [...base.scores];
  const types = [...base.types];
  const seen = new Set(tokens);
  const normal = tokens.filter((_, i) => types[i] === 1);
  const tails = normal.filter((t) => !t.startsWith('\u2581') && t.length > 0);
  if (!normal.length || !tails.length) throw new Error('the base vocabulary has no normal pieces to extend');
  let score = Math.min(...scores.filter((_, i) => types[i] === 1)) - 1;
  const rand = mulberry32(seed);
  const pool = [...normal];
  while (tokens.length < size) {
    const head = pool[Math.floor(rand() * pool.length)] as string;
    const tail = tails[Math.floor(rand() * tails.length)] as string;
    const piece = head + tail;
    if (seen.has(piece) || piece.length > 24) continue;
    seen.add(piece);
    tokens.push(piece);
    scores.push(score--);
    types.push(1);
    pool.push(piece);
  }
  return { tokens, scores, types };
}

/** The tensors of a llama model of this shape, in llama.cpp's names and ggml order. */
export function llamaTensors(s: LlmShape, quant: LlmQuant): GgufTensorSpec[] {
  const q = GGML_TYPE[quant];
  const kv = (s.nEmbd / s.nHead) * s.nHeadKv;
  const out: GgufTensorSpec[] = [
    { name: 'token_embd.weight', dims: [s.nEmbd, s.nVocab], type: q },
    { name: 'output_norm.weight', dims: [s.nEmbd], type: GGML_TYPE.F32 },
  ];
  for (let i = 0; i < s.nLayer; i++) {
    out.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [s.nEmbd], type: GGML_TYPE.F32 },
      { name: `blk.${i}.attn_q.weight`, dims: [s.nEmbd, s.nEmbd], type: q },
      { name: `blk.${i}.attn_k.weight`, dims: [s.nEmbd, kv], type: q },
      { name: `blk.${i}.attn_v.weight`, dims: [s.nEmbd, kv], type: q },
      { name: `blk.${i}.attn_output.weight`, dims: [s.nEmbd, s.nEmbd], type: q },
      { name: `blk.${i}.ffn_norm.weight`, dims: [s.nEmbd], type: GGML_TYPE.F32 },
      { name: `blk.${i}.ffn_gate.weight`, dims: [s.nEmbd, s.nFf], type: q },
      { name: `blk.${i}.ffn_down.weight`, dims: [s.nFf, s.nEmbd], type: q },
      { name: `blk.${i}.ffn_up.weight`, dims: [s.nEmbd, s.nFf], type: q },
    );
  }
  return out;
}

/** Parameters (weights) of the model: 2 × this ≈ its FLOPs per token, attention excluded. */
export function parameterCount(s: LlmShape): number {
  return llamaTensors(s, 'Q8_0').reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0);
}

/**
 * FLOPs of one token's forward pass at position `pos` (0-based): 2 per weight of every matrix
 * plus attention's QKᵀ and AV over pos + 1 keys (4 × n_head × head_dim × (pos + 1)) per layer, and
 * (`output`) the projection to the vocabulary (the tied embedding; its lookup is free). llama.cpp
 * computes that projection for the last prompt token only: a prefill of N tokens costs
 * Σ flopsPerToken(pos, false) + one output projection (`prefillFlops`).
 */
export function flopsPerToken(s: LlmShape, pos: number, output = true): number {
  const headDim = s.nEmbd / s.nHead;
  const kv = headDim * s.nHeadKv;
  const perLayer = 2 * (s.nEmbd * s.nEmbd * 2 + s.nEmbd * kv * 2 + 3 * s.nEmbd * s.nFf) + 4 * s.nHead * headDim * (pos + 1);
  return s.nLayer * perLayer + (output ? 2 * s.nEmbd * s.nVocab : 0);
}

/** FLOPs of a prefill of `n` tokens from position 0 (logits of the last token only). */
export function prefillFlops(s: LlmShape, n: number): number {
  let f = 2 * s.nEmbd * s.nVocab;
  for (let pos = 0; pos < n; pos++) f += flopsPerToken(s, pos, false);
  return f;
}

/** FLOPs of decoding tokens at positions from, from + 1, ..., to − 1 (each with its logits). */
export function decodeFlops(s: LlmShape, from: number, to: number): number {
  let f = 0;
  for (let pos = from; pos < to; pos++) f += flopsPerToken(s, pos);
  return f;
}

/** A llama-style GGUF's shape from its metadata (null when a field is missing). */
export function shapeOfGguf(md: Readonly<Record<string, unknown>>, vocabSize: number | null): LlmShape | null {
  const arch = md['general.architecture'];
  if (typeof arch !== 'string') return null;
  const n = (k: string): number | null => (typeof md[`${arch}.${k}`] === 'number' ? (md[`${arch}.${k}`] as number) : null);
  const nEmbd = n('embedding_length');
  const nLayer = n('block_count');
  const nHead = n('attention.head_count');
  const nFf = n('feed_forward_length');
  if (!nEmbd || !nLayer || !nHead || !nFf || !vocabSize) return null;
  return {
    id: 'gguf', like: String(md['general.name'] ?? arch), nEmbd, nLayer, nHead, nHeadKv: n('attention.head_count_kv') ?? nHead, nFf, nVocab: vocabSize,
    nCtx: n('context_length') ?? 0, ropeTheta: n('rope.freq_base') ?? 10000, rmsEps: n('attention.layer_norm_rms_epsilon') ?? 1e-5,
  };
}

/** Standard deviation (uniform weights) of each tensor kind; see the module comment. */
function scaleOf(name: string, s: LlmShape): { sd: number } | { constant: number } {
  if (name === 'output_norm.weight') return { constant: 5 };
  if (name.endsWith('_norm.weight')) return { constant: 1 };
  if (name === 'token_embd.weight') return { sd: 1 / Math.sqrt(s.nEmbd) };
  // Unit-scale inputs (after RMS norm) give unit-scale outputs; the attention and FFN outputs add
  // ~1 per element to the residual stream per layer, which dwarfs the embedding (1/√n_embd).
  const fanIn = name.includes('ffn_down') ? s.nFf : s.nEmbd;
  return { sd: 1 / Math.sqrt(fanIn) };
}

function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The file's header and its tensor specs: write `layout.header`, then each tensor's `tensorData` at its offset. */
export function randomLlmLayout(shape: LlmShape, quant: LlmQuant, vocab: SpmVocab): { layout: GgufLayout; tensors: GgufTensorSpec[] } {
  if (vocab.tokens.length !== shape.nVocab) throw new Error(`the vocabulary has ${vocab.tokens.length} tokens, the shape needs ${shape.nVocab}`);
  const headDim = shape.nEmbd / shape.nHead;
  const md: Record<string, GgufKv> = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: `ragtab random ${shape.like}-shape ${quant}` },
    'general.file_type': { type: 'u32', value: { F32: 0, Q8_0: 7, Q4_0: 2 }[quant] },
    'general.quantization_version': { type: 'u32', value: 2 },
    'llama.context_length': { type: 'u32', value: shape.nCtx },
    'llama.embedding_length': { type: 'u32', value: shape.nEmbd },
    'llama.block_count': { type: 'u32', value: shape.nLayer },
    'llama.feed_forward_length': { type: 'u32', value: shape.nFf },
    'llama.attention.head_count': { type: 'u32', value: shape.nHead },
    'llama.attention.head_count_kv': { type: 'u32', value: shape.nHeadKv },
    'llama.rope.freq_base': { type: 'f32', value: shape.ropeTheta },
    'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: shape.rmsEps },
    'llama.rope.dimension_count': { type: 'u32', value: headDim },
    'llama.vocab_size': { type: 'u32', value: shape.nVocab },
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: vocab.tokens },
    'tokenizer.ggml.scores': { type: 'f32[]', value: vocab.scores },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: vocab.types },
    'tokenizer.ggml.unknown_token_id': { type: 'u32', value: 0 },
    'tokenizer.ggml.bos_token_id': { type: 'u32', value: 1 },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: 2 },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
  };
  const tensors = llamaTensors(shape, quant);
  return { layout: encodeGgufHeader(md, tensors), tensors };
}

/** One tensor's bytes (deterministic: depends on the shape, the tensor's name and type only). */
export function tensorData(shape: LlmShape, t: GgufTensorSpec): Uint8Array {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(tensorBytes(t));
  const scale = scaleOf(t.name, shape);
  if (t.type === GGML_TYPE.F32) {
    const v = new Float32Array(out.buffer);
    if ('constant' in scale) v.fill(scale.constant);
    else {
      const a = scale.sd * Math.sqrt(3);
      const r = mulberry32(seedOf(t.name));
      for (let i = 0; i < n; i++) v[i] = (r() * 2 - 1) * a;
    }
    return out;
  }
  if (!('sd' in scale)) throw new Error(`${t.name}: no scale`);
  const a = scale.sd * Math.sqrt(3);
  const r = mulberry32(seedOf(t.name));
  const row = t.dims[0] as number;
  const buf = new Float32Array(row);
  const rowBytes = tensorBytes({ ...t, dims: [row] });
  const quantize = t.type === GGML_TYPE.Q8_0 ? quantizeQ8_0 : quantizeQ4_0;
  for (let o = 0, at = 0; o < n; o += row, at += rowBytes) {
    for (let i = 0; i < row; i++) buf[i] = (r() * 2 - 1) * a;
    quantize(buf, out, at);
  }
  return out;
}
