/**
 * Device roofs: the limits of the tab a run was measured in (memory bandwidth, WebAssembly SIMD f32
 * throughput at 1 and N threads, timer resolution), and stage figures as fractions of them. Pure.
 * The measurement itself is workers/lib/roofs.ts (run in workers by src/engine/roofs.ts).
 *
 * A fraction says how close a stage came to what this device can do, so results from a fast laptop
 * and a slow phone can each be read against their own limits:
 * - the search scan: vector bytes ÷ scan time, against the memory bandwidth (an exact scan reads
 *   every vector once per query);
 * - embedding: the encoder's FLOPs per token × tokens ÷ time, against the SIMD throughput at the
 *   embedder's thread count;
 * - LLM decode: the model's weight bytes per token × tokens ÷ time, against the memory bandwidth
 *   (each generated token reads every weight once; the KV cache is left out, so this is a lower bound
 *   of the bytes moved).
 */
import { RagtabError } from './errors';
import { fixed } from './figure-format';

export type RoofValue<T> = ({ available: true } & T) | { available: false; reason: string };

export interface DeviceRoofs {
  version: 1;
  /** Wall time of the whole measurement, ms. */
  durationMs: number;
  timer: { resolutionMs: number; crossOriginIsolated: boolean };
  /** WebAssembly SIMD read of a buffer beyond the caches: the best and the median repetition. */
  bandwidth: RoofValue<{ GBps: number; medianGBps: number; bytes: number; repsMs: number[] }>;
  /** The SIMD matrix multiply on one thread. */
  simd1: RoofValue<{ gflops: number; ms: number; warmupMs: number }>;
  /** The same in N workers at once on one shared memory (needs SharedArrayBuffer). */
  simdN: RoofValue<{ threads: number; gflops: number; perThread: number[] }>;
}

export type Resource = 'memory bandwidth' | 'SIMD f32 throughput';

export type RoofFraction =
  | {
      available: true;
      stage: string;
      resource: Resource;
      unit: 'GB/s' | 'GFLOP/s';
      achieved: number;
      roof: number;
      /** achieved ÷ roof (can exceed 1 when the stage's data sat in a cache the roof read missed). */
      fraction: number;
      /** What was assumed, in one sentence. */
      basis: string;
      /** Samples the achieved figure is the median of (absent: one measurement). */
      n?: number;
    }
  | { available: false; stage: string; resource: Resource; reason: string };

const positive = (x: number, what: string) => {
  if (!(Number.isFinite(x) && x > 0)) throw new RagtabError('InvalidArgument', `${what} must be a positive number, got ${x}`);
};

// ─────────────────────────────── encoder FLOPs ───────────────────────────────

/** A BERT-like encoder's shape (from its config.json). */
export interface EncoderShape {
  layers: number;
  hidden: number;
  intermediate: number;
}

/**
 * The shape of a BERT-like encoder from its config.json (`num_hidden_layers`, `hidden_size`,
 * `intermediate_size`), or why there is none. 0 layers (a static embedding: a lookup and a mean) is a
 * shape with no per-token FLOPs worth a roof.
 */
export function encoderShapeFromConfig(config: unknown): EncoderShape | { reason: string } {
  if (!config || typeof config !== 'object') return { reason: 'the model has no config.json object' };
  const c = config as Record<string, unknown>;
  const int = (k: string) => (typeof c[k] === 'number' && Number.isInteger(c[k]) && (c[k] as number) >= 0 ? (c[k] as number) : null);
  const layers = int('num_hidden_layers');
  const hidden = int('hidden_size');
  if (layers === null || hidden === null) return { reason: 'config.json has no num_hidden_layers / hidden_size (not a BERT-like encoder)' };
  if (layers === 0) return { reason: 'the model has 0 transformer layers (a static embedding: a table lookup, bound by memory, not by FLOPs)' };
  const intermediate = int('intermediate_size');
  if (intermediate === null) return { reason: 'config.json has no intermediate_size' };
  return { layers, hidden, intermediate };
}

/**
 * Multiply–add FLOPs (2 per multiply–accumulate) one token costs in a BERT-like encoder at sequence
 * length `seqLen`, per layer: Q, K, V and output projections 4 · 2h², the feed-forward 2 · 2·h·i, and
 * attention (QKᵀ and the weighted sum of V) 2 · 2·s·h; times the layers. Embeddings, LayerNorm,
 * softmax, GELU and pooling are O(h) per token and left out (< 1% at MiniLM's shape).
 * all-MiniLM-L6-v2 (6 × 384, 1536) at 128 tokens: 6 · (1,179,648 + 2,359,296 + 196,608) = 22.4 MFLOP.
 */
export function encoderFlopsPerToken(s: EncoderShape, seqLen: number): number {
  positive(s.layers, 'layers');
  positive(s.hidden, 'hidden');
  positive(s.intermediate, 'intermediate');
  positive(seqLen, 'sequence length');
  const h = s.hidden;
  return s.layers * (8 * h * h + 4 * h * s.intermediate + 4 * seqLen * h);
}

// ─────────────────────────────── fractions ───────────────────────────────

function against(stage: string, resource: Resource, unit: 'GB/s' | 'GFLOP/s', achieved: number, roof: RoofValue<{ value: number }>, basis: string): RoofFraction {
  if (!roof.available) return { available: false, stage, resource, reason: roof.reason };
  return { available: true, stage, resource, unit, achieved, roof: roof.value, fraction: achieved / roof.value, basis };
}

const bandwidthRoof = (r: DeviceRoofs): RoofValue<{ value: number }> => (r.bandwidth.available ? { available: true, value: r.bandwidth.GBps } : r.bandwidth);

/** The exact search scan: `vectors × dims × 4` bytes read in `ms`, against the memory bandwidth. */
export function scanFraction(o: { stage?: string; vectors: number; dims: number; ms: number }, roofs: DeviceRoofs): RoofFraction {
  positive(o.ms, 'scan time');
  const bytes = o.vectors * o.dims * 4;
  return against(o.stage ?? 'search', 'memory bandwidth', 'GB/s', bytes / o.ms / 1e6, bandwidthRoof(roofs), `${o.vectors} vectors × ${o.dims} float32 read once per query`);
}

/**
 * Embedding: `tokens` positions through the encoder in `ms` (pass the positions computed, padding
 * included, for the hardware's work; the real tokens for the useful work), against the SIMD roof at
 * the embedder's thread count (1 thread: the 1-thread roof; more: the N-thread roof, which was
 * measured with all logical cores, so a run with fewer threads than that reads low).
 */
export function embeddingFraction(o: { stage?: string; shape: EncoderShape; seqLen: number; tokens: number; ms: number; threads: number }, roofs: DeviceRoofs): RoofFraction {
  positive(o.ms, 'embedding time');
  const stage = o.stage ?? 'embed';
  const flops = encoderFlopsPerToken(o.shape, o.seqLen) * o.tokens;
  const achieved = flops / o.ms / 1e6;
  const basis = `${fixed(encoderFlopsPerToken(o.shape, o.seqLen) / 1e6, 1)} MFLOP per token (${o.shape.layers} layers × ${o.shape.hidden}, FFN ${o.shape.intermediate}, ${o.seqLen} tokens a sequence) × ${o.tokens} tokens`;
  if (o.threads <= 1) return against(stage, 'SIMD f32 throughput', 'GFLOP/s', achieved, roofs.simd1.available ? { available: true, value: roofs.simd1.gflops } : roofs.simd1, `${basis}, 1 thread`);
  if (!roofs.simdN.available) return { available: false, stage, resource: 'SIMD f32 throughput', reason: `${o.threads} threads, but no multi-thread roof: ${roofs.simdN.reason}` };
  const n = roofs.simdN.threads;
  return against(stage, 'SIMD f32 throughput', 'GFLOP/s', achieved, { available: true, value: roofs.simdN.gflops }, `${basis}, ${o.threads} threads against the ${n}-thread roof${n !== o.threads ? ` (${n} ≠ ${o.threads}: read with care)` : ''}`);
}

/** LLM decode: `modelBytes` of weights read per token, `tokens` in `ms`, against the memory bandwidth. */
export function decodeFraction(o: { stage?: string; modelBytes: number; tokens: number; ms: number }, roofs: DeviceRoofs): RoofFraction {
  positive(o.ms, 'decode time');
  positive(o.modelBytes, 'model bytes');
  return against(o.stage ?? 'decode', 'memory bandwidth', 'GB/s', (o.modelBytes * o.tokens) / o.ms / 1e6, bandwidthRoof(roofs), `${o.tokens} tokens × ${o.modelBytes} bytes of weights each (KV cache not counted: a lower bound)`);
}

// ─────────────────────────────── LLM weights ───────────────────────────────

/**
 * The weight bytes one generated token reads, from a GGUF's tensor list: every tensor, except the
 * token-embedding table when the model has its own output matrix (then only one row of the table is
 * read per token; with tied embeddings the table is the output matrix and is read whole). Null when
 * a tensor's size is unknown (a ggml type this reader does not know) or there are no tensors.
 */
export function llmWeightBytesPerToken(tensors: ReadonlyArray<{ name: string; bytes: number | null }>): number | null {
  if (tensors.length === 0 || tensors.some((t) => t.bytes === null)) return null;
  const tied = !tensors.some((t) => t.name === 'output.weight');
  return tensors.reduce((sum, t) => sum + (!tied && t.name === 'token_embd.weight' ? 0 : (t.bytes as number)), 0);
}

const pct = (f: number) => `${fixed(f * 100, f >= 0.1 ? 0 : 1)}%`;
const three = (x: number) => fixed(x, Math.max(0, 2 - Math.floor(Math.log10(Math.max(Math.abs(x), 1e-9)))));

/** "embed runs at 38% of this tab's measured SIMD f32 throughput", or why there is no roof. */
export function roofHeadline(f: RoofFraction): string {
  if (!f.available) return `${f.stage}: no ${f.resource} roof to read it against`;
  return `${f.stage} runs at ${pct(f.fraction)} of this tab's measured ${f.resource}`;
}

/** "8.1 of 21.3 GFLOP/s; <basis>", or the reason there is no roof. */
export function roofDetail(f: RoofFraction): string {
  return f.available ? `${three(f.achieved)} of ${three(f.roof)} ${f.unit}; ${f.basis}` : f.reason;
}

/** One advice line: "embed runs at 38% of this tab's measured SIMD f32 throughput (8.1 of 21.3 GFLOP/s, …)". */
export function roofAdvice(f: RoofFraction): string {
  return `${roofHeadline(f)} (${roofDetail(f)})`;
}

/** The roofs in one line each, for a report or a CLI. */
export function roofLines(r: DeviceRoofs): string[] {
  const v = <T>(x: RoofValue<T>, text: (y: T) => string) => (x.available ? text(x) : `unavailable: ${x.reason}`);
  return [
    `memory bandwidth: ${v(r.bandwidth, (b) => `${three(b.GBps)} GB/s (best of ${b.repsMs.length}; median ${three(b.medianGBps)})`)}`,
    `SIMD f32, 1 thread: ${v(r.simd1, (s) => `${three(s.gflops)} GFLOP/s`)}`,
    `SIMD f32, N threads: ${v(r.simdN, (s) => `${three(s.gflops)} GFLOP/s with ${s.threads} threads`)}`,
    `timer resolution: ${fixed(r.timer.resolutionMs * 1000, 1)} µs (${r.timer.crossOriginIsolated ? '' : 'not '}cross-origin isolated)`,
    `measured in ${fixed(r.durationMs, 0)} ms`,
  ];
}
