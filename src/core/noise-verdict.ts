/**
 * The one rule that decides whether a difference between two runs' figures is shown as a
 * difference (coloured faster / slower) or as "within noise": every comparison view calls it (the
 * share comparison; the history uses the same test through compare.ts), so a stricter rule (e.g.
 * "below resolution" from a paired interval) replaces it here, once. Pure.
 *
 * Today: beyond a 10% band and beyond both runs' noise by the two-sample Welch t-test of
 * src/core/compare.ts (the test the history view uses); a side with fewer than two samples (a cold
 * start, a reload, a summary that carries only a mean) has unknown noise, so its difference is
 * never called, and the verdict says so with the sample counts.
 */
import { compareMetric, type MetricKind } from './compare';

export type DifferenceVerdict = 'better' | 'worse' | 'same' | 'within-noise';

export interface FigureSide {
  mean: number;
  /** Every sample behind the mean, when known (a record); absent: a summary's mean alone. */
  samples?: readonly number[];
  /** How many samples the mean is of (null when unknown). */
  count: number | null;
}

export interface Judgement {
  verdict: DifferenceVerdict;
  /** One readable sentence: the test and its outcome, or why the noise is unknown, with n. */
  reason: string;
}

/** The band within which two figures are "about the same" whatever the noise. */
export const SAME_BAND = 0.1;

/**
 * `current` against `baseline` for a latency (lower is better) or a throughput (higher is better).
 */
export function judgeDifference(kind: Extract<MetricKind, 'latency' | 'throughput'>, baseline: FigureSide, current: FigureSide, band = SAME_BAND): Judgement {
  const n = `n ${baseline.count ?? '?'} vs ${current.count ?? '?'}`;
  const rel = baseline.mean === 0 ? (current.mean === 0 ? 0 : Infinity) : (current.mean - baseline.mean) / Math.abs(baseline.mean);
  if (Math.abs(rel) <= band + 1e-12) return { verdict: 'same', reason: `within ${Math.round(band * 100)}% (${n})` };
  const b = baseline.samples;
  const c = current.samples;
  if (!b || !c || b.length < 2 || c.length < 2) {
    const why = !b || !c ? 'a side carries only its mean, so its noise is unknown' : 'a single sample has no known noise';
    return { verdict: 'within-noise', reason: `within noise (${n}): ${why}` };
  }
  const m = compareMetric({ name: '', kind, unit: '', baseline: b, current: c }, { thresholds: { [kind]: band }, unknownNoise: 'within-noise' });
  if (m.verdict === 'regression') return { verdict: 'worse', reason: `beyond noise (${n}; ${m.reason})` };
  if (m.verdict === 'improvement') return { verdict: 'better', reason: `beyond noise (${n}; ${m.reason})` };
  if (m.verdict === 'unchanged') return { verdict: 'same', reason: `within ${Math.round(band * 100)}% (${n})` };
  return { verdict: 'within-noise', reason: `within noise (${n}; ${m.reason})` };
}
