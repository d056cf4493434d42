/**
 * Deterministic benchmark data shared by the page and the Node script: the same seed gives the
 * same bits in both (uniform floats from an integer PRNG, normalised with a correctly rounded
 * sqrt: no transcendental functions whose last bit could differ between engines).
 */
import { normalizeRows } from '../../src/core/topk';
import { mulberry32 } from '../../src/core/prng';

export const VECTOR_SEED = 0x5eed;
export const QUERY_SEED = 0x9e37;
export const DIMS = 384;

/** `count` random directions (uniform in [−1, 1) per coordinate, then L2-normalised), row-major. */
export function randomUnitVectors(count: number, dims: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const v = new Float32Array(count * dims);
  for (let i = 0; i < v.length; i++) v[i] = next() * 2 - 1;
  normalizeRows(v, dims);
  return v;
}

/** FNV-1a over the float bits: proves the page and Node used identical vectors. */
export function checksum(v: Float32Array): string {
  const u = new Uint32Array(v.buffer, v.byteOffset, v.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) {
    h ^= u[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Texts of a BEIR corpus.jsonl as the benchmark embeds them: title + ' ' + text, first `n`. */
export function corpusTexts(jsonl: string, n: number): string[] {
  const out: string[] = [];
  for (const line of jsonl.split('\n')) {
    if (out.length >= n) break;
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { title?: string; text?: string };
    out.push(`${o.title ?? ''} ${o.text ?? ''}`);
  }
  return out;
}

/** Linear-interpolated percentile of unsorted samples; null when empty. */
export function pct(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const s = [...samples].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
}
