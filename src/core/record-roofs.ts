/**
 * A run record read against its device's roofs (src/core/roofs.ts): the stages that can be
 * expressed against a roof, each as a fraction of it, and the calibration drift of the run. Pure.
 *
 * - search: the exact scan's vector bytes ÷ its time in the index worker (median over the warm
 *   queries), against the memory bandwidth; other index kinds read a part of the vectors, so no
 *   bandwidth roof applies to them;
 * - embed: the encoder's FLOPs per token (config.json's shape, at the corpus's mean tokens per
 *   chunk) × the tokens embedded ÷ the embedder worker's own time, against the SIMD roof at the
 *   embedder's thread count (on WebAssembly only: WebGPU is not this roof);
 * - decode: the LLM's weight bytes per token (its GGUF's tensors) × tokens/s (median over the warm
 *   answers), against the memory bandwidth (llama.cpp on the CPU only).
 * A stage that ran but cannot be expressed is listed as unavailable with its reason, never 0.
 */
import type { RunRecord, Sample } from './run-record';
import { calibrationDrift, medianWithInterval, type CalibrationDrift } from './robust-stats';
import { decodeFraction, embeddingFraction, roofDetail, roofHeadline, roofLines, scanFraction, type RoofFraction } from './roofs';
import { STAGE } from './stages';

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const median = (xs: number[]): number => medianWithInterval(xs).median as number;
const measured = (r: RunRecord, pred: (s: Sample) => boolean) => r.samples.filter((s) => !s.warmup && pred(s));
const NO_ROOFS = 'the record has no device roofs (it was made before ragtab measured them)';

function withN(f: RoofFraction, n: number): RoofFraction {
  return f.available ? { ...f, n } : f;
}

/** The exact search scan against the bandwidth, or why not. Null when the run searched nothing. */
export function searchRoofFraction(r: RunRecord): RoofFraction | null {
  const searches = measured(r, (s) => s.phase === 'warm' && (s.stage === STAGE.search || s.stage.startsWith(`${STAGE.search} (`)));
  if (searches.length === 0) return null;
  const exact = searches.filter((s) => s.extra['kind'] === 'exact');
  const stage = exact[0]?.stage ?? searches[0]!.stage;
  const resource = 'memory bandwidth' as const;
  if (exact.length === 0) return { available: false, stage, resource, reason: `the search ran ${String(searches[0]!.extra['kind'] ?? 'an index')}, which does not read every vector once: only the exact scan is read against the bandwidth` };
  if (!r.roofs) return { available: false, stage, resource, reason: NO_ROOFS };
  const dims = r.embedder?.dims ?? 0;
  const times = exact.map((s) => num(s.extra['workerMs']) ?? s.duration).filter((t) => t > 0);
  const vectors = num(exact[0]!.extra['vectors']);
  if (!dims || !vectors || times.length === 0) return { available: false, stage, resource, reason: 'the record lacks the vector count, dimensions or a positive search time' };
  const f = scanFraction({ stage, vectors, dims, ms: median(times) }, r.roofs);
  return withN(f.available ? { ...f, basis: `${f.basis}, median of ${times.length} queries in the index worker` } : f, times.length);
}

/** Embedding against the SIMD roof, or why not. Null when the run embedded nothing. */
export function embedRoofFraction(r: RunRecord): RoofFraction | null {
  const embeds = measured(r, (s) => s.stage === STAGE.embed);
  const s = embeds.find((x) => x.phase === 'cold') ?? embeds[0];
  if (!s) return null;
  const stage = s.phase === 'cold' ? STAGE.embed : `${STAGE.embed} (${s.phase})`;
  const resource = 'SIMD f32 throughput' as const;
  const e = r.embedder;
  if (!e) return { available: false, stage, resource, reason: 'the record names no embedder' };
  if (e.device !== 'wasm') return { available: false, stage, resource, reason: `the embedder ran on ${e.device}: the tab's SIMD roof is the CPU's WebAssembly throughput` };
  if (!e.shape) return { available: false, stage, resource, reason: "the record has no encoder shape (it was made before ragtab kept the model's config.json shape)" };
  if ('reason' in e.shape) return { available: false, stage, resource, reason: e.shape.reason };
  if (!r.roofs) return { available: false, stage, resource, reason: NO_ROOFS };
  const tokens = num(s.extra['tokens']);
  const chunks = num(s.extra['chunks']);
  const ms = num(s.extra['workerMs']) ?? s.duration;
  if (!tokens || !chunks || !(ms > 0)) return { available: false, stage, resource, reason: 'the embed stage kept no token count, chunk count or positive time' };
  const f = embeddingFraction({ stage, shape: e.shape, seqLen: Math.max(1, tokens / chunks), tokens, ms, threads: e.threads }, r.roofs);
  return f.available ? { ...f, basis: `${f.basis} (real tokens, padding not counted) in the embedder worker's own time` } : f;
}

/** LLM decode against the bandwidth, or why not. Null when the run generated nothing. */
export function decodeRoofFraction(r: RunRecord): RoofFraction | null {
  const decodes = measured(r, (s) => s.stage === STAGE.decode && s.phase === 'warm');
  if (decodes.length === 0) return null;
  const stage = STAGE.decode;
  const resource = 'memory bandwidth' as const;
  const d = r.llm?.detail ?? {};
  if (r.llm?.engine !== 'wllama') return { available: false, stage, resource, reason: `the LLM ran on ${r.llm?.engine ?? 'an unknown engine'} (WebGPU): the tab's bandwidth roof is the CPU's memory read` };
  if (d['backend'] === 'webgpu') return { available: false, stage, resource, reason: "llama.cpp offloaded layers to WebGPU: the tab's bandwidth roof is the CPU's memory read" };
  const bytes = num(d['weightBytesPerToken']);
  if (!bytes) return { available: false, stage, resource, reason: "the record has no weight bytes per token (the GGUF's tensor sizes were not read)" };
  if (!r.roofs) return { available: false, stage, resource, reason: NO_ROOFS };
  // tokens − 1 intervals from the first token to the last
  const rates = decodes.flatMap((s) => {
    const n = num(s.extra['tokens']);
    return n !== null && n >= 2 && s.duration > 0 ? [((n - 1) * 1000) / s.duration] : [];
  });
  if (rates.length === 0) return { available: false, stage, resource, reason: 'no answer generated two tokens or more' };
  const f = decodeFraction({ stage, modelBytes: bytes, tokens: median(rates), ms: 1000 }, r.roofs);
  return withN(f.available ? { ...f, basis: `${bytes} bytes of weights per token (KV cache not counted: a lower bound) × ${median(rates).toFixed(1)} tokens/s, median of ${rates.length} answers` } : f, rates.length);
}

/** Every stage of the run that has a roof, as a fraction of it (or unavailable, with the reason). */
export function recordRoofFractions(r: RunRecord): RoofFraction[] {
  return [searchRoofFraction(r), embedRoofFraction(r), decodeRoofFraction(r)].filter((f): f is RoofFraction => f !== null);
}

/** The run's calibration drift (before → after), or null when it was not measured on both sides. */
export function recordDrift(r: RunRecord): CalibrationDrift | null {
  const c = r.calibration;
  if (!c || c.beforeMs.length === 0 || c.afterMs.length === 0 || !c.beforeMs.some((x) => x > 0)) return null;
  return calibrationDrift(c.beforeMs, c.afterMs);
}

/** What every view (report, Markdown, CLI) shows of a record's roofs: one source, the same words. */
export interface RoofsView {
  /** The roofs, one line each (empty when the record has none). */
  roofs: string[];
  /** Why there are no roofs (null when there are). */
  missing: string | null;
  /** Each stage with a roof: the headline, the figures or the reason, the fraction (null: unavailable). */
  fractions: Array<{ stage: string; resource: string; headline: string; detail: string; fraction: number | null }>;
  /** The calibration drift's note (null when not measured on both sides). */
  drift: string | null;
}

export function roofsView(r: RunRecord): RoofsView {
  const drift = recordDrift(r);
  return {
    roofs: r.roofs ? roofLines(r.roofs) : [],
    missing: r.roofs ? null : NO_ROOFS,
    fractions: recordRoofFractions(r).map((f) => ({ stage: f.stage, resource: f.resource, headline: roofHeadline(f), detail: roofDetail(f), fraction: f.available ? f.fraction : null })),
    drift: drift ? drift.note : r.calibration ? `calibration drift unknown (n ${r.calibration.beforeMs.length}+${r.calibration.afterMs.length}: the workload did not run on both sides)` : null,
  };
}
