/**
 * Statistics that refuse to over-claim. Pure: no DOM, no workers.
 *
 * - A median's confidence interval is exact and distribution-free: the order-statistic interval
 *   [x(k), x(n−k+1)] of the sorted sample, whose coverage is 1 − 2·P(B ≤ k − 1) for B ~ Bin(n, ½)
 *   (the interval that inverts the sign test). It needs no assumption about the shape of the timing
 *   distribution (skewed, bimodal), only independent samples. The largest k whose coverage is at
 *   least the level is used; the achieved coverage is returned. Below 6 samples no interval reaches
 *   95% (min–max covers 1 − 2⁻⁽ⁿ⁻¹⁾ = 93.75% at n = 5): the interval is then null.
 * - Paired comparisons (A and B alternated within each repetition, so a change of machine speed
 *   hits both alike): a ratio is the median of the per-pair ratios aᵢ / bᵢ, a difference the median
 *   of the per-pair differences aᵢ − bᵢ, each with the order-statistic interval above.
 * - Unpaired differences: the difference of the two medians, with a bootstrap percentile interval
 *   (resampling each side, `BOOTSTRAP_RESAMPLES` times, seeded with mulberry32 so the same samples
 *   always give the same interval).
 * - A difference is a value only when its interval excludes 0 and its estimate is at least the
 *   timer's resolution; otherwise it is "below resolution", with n and the interval, and no value.
 * - A figure is noisy when its coefficient of variation exceeds a stated threshold
 *   (`NOISY_CV`); the verdict carries what the machine was doing (the load average in Node, a
 *   measured calibration drift in the browser).
 */
import { RagtabError } from './errors';
import { mulberry32 } from './prng';
import { percentileSorted, summarize } from './stats';

/** The default confidence level of every interval here. */
export const LEVEL = 0.95;
/** A figure whose coefficient of variation (sd / mean) exceeds this is marked noisy. */
export const NOISY_CV = 0.1;
/** Resamples of the bootstrap interval, and its seed. */
export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 0x5eed;

export interface Interval {
  lo: number;
  hi: number;
  /** The coverage actually achieved (order statistics: ≥ the level asked for; bootstrap: the level). */
  coverage: number;
}

export interface MedianEstimate {
  n: number;
  /** Median (R-7, as everywhere in ragtab); null for n = 0. */
  median: number | null;
  /** null when n is too small for the level. */
  ci: Interval | null;
  method: string;
}

const ORDER_METHOD = 'median, order-statistic (sign-test) interval';

function finiteSamples(xs: ReadonlyArray<number>, what: string): number[] {
  for (const x of xs) if (!Number.isFinite(x)) throw new RagtabError('InvalidArgument', `${what}: samples must be finite numbers, got ${x}`);
  return [...xs].sort((a, b) => a - b);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RagtabError('InvalidArgument', `confidence level must be in (0, 1), got ${level}`);
}

/** P(B ≤ k) for B ~ Binomial(n, ½), summed in log space (no underflow for large n). */
export function binomialHalfCdf(n: number, k: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RagtabError('InvalidArgument', `n must be an integer ≥ 0, got ${n}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logP = -n * Math.LN2; // P(B = 0)
  let sum = Math.exp(logP);
  for (let i = 0; i < k; i++) {
    logP += Math.log(n - i) - Math.log(i + 1);
    sum += Math.exp(logP);
  }
  return Math.min(1, sum);
}

/**
 * The order-statistic interval of the median of sorted values: [x(k), x(n−k+1)] (1-based) with the
 * largest k whose coverage 1 − 2·P(B ≤ k − 1) is at least `level`; null when even min–max falls short.
 */
export function orderStatisticInterval(sorted: ReadonlyArray<number>, level = LEVEL): Interval | null {
  checkLevel(level);
  const n = sorted.length;
  if (n === 0) return null;
  // the coverage of [x(k), x(n−k+1)] falls as k grows: take the largest k that still reaches the
  // level, accumulating P(B ≤ k − 1) term by term (log space: no underflow for large n)
  let k = 0;
  let coverage = 0;
  let logP = -n * Math.LN2; // P(B = 0)
  let cdf = 0;
  for (let cand = 1; cand <= Math.floor((n + 1) / 2); cand++) {
    cdf += Math.exp(logP); // now P(B ≤ cand − 1)
    const c = 1 - 2 * cdf;
    if (c < level - 1e-12) break;
    k = cand;
    coverage = c;
    logP += Math.log(n - (cand - 1)) - Math.log(cand);
  }
  if (k === 0) return null;
  return { lo: sorted[k - 1] as number, hi: sorted[n - k] as number, coverage };
}

/** Median with its exact order-statistic interval. */
export function medianWithInterval(samples: ReadonlyArray<number>, level = LEVEL): MedianEstimate {
  const sorted = finiteSamples(samples, 'median');
  return {
    n: sorted.length,
    median: sorted.length ? percentileSorted(sorted, 0.5) : null,
    ci: orderStatisticInterval(sorted, level),
    method: ORDER_METHOD,
  };
}

// ─────────────────────────────── paired ───────────────────────────────

export interface Pair {
  a: number;
  b: number;
}

function pairsOf(a: ReadonlyArray<number>, b: ReadonlyArray<number>): Pair[] {
  if (a.length !== b.length) throw new RagtabError('InvalidArgument', `paired samples need the same count on both sides, got ${a.length} and ${b.length}`);
  return a.map((x, i) => ({ a: x, b: b[i] as number }));
}

export interface PairedRatio extends MedianEstimate {
  /** The interval excludes 1: A and B differ beyond the pairs' noise. */
  differs: boolean;
}

/**
 * The ratio a / b of paired measurements (`a[i]` and `b[i]` taken in the same repetition): the
 * median of the per-pair ratios with its order-statistic interval. Pairs whose b is 0 are refused.
 */
export function pairedRatio(a: ReadonlyArray<number>, b: ReadonlyArray<number>, level = LEVEL): PairedRatio {
  const ratios = pairsOf(a, b).map((p, i) => {
    if (p.b === 0) throw new RagtabError('InvalidArgument', `pair ${i}: a ratio needs a non-zero denominator`);
    return p.a / p.b;
  });
  const m = medianWithInterval(ratios, level);
  return { ...m, method: 'median of per-pair ratios, order-statistic (sign-test) interval', differs: m.ci !== null && (m.ci.lo > 1 || m.ci.hi < 1) };
}

// ─────────────────────────────── differences ───────────────────────────────

export type Difference =
  | { kind: 'value'; n: number; estimate: number; ci: Interval; method: string }
  | {
      kind: 'below-resolution';
      n: number;
      /** The interval when one could be had (it contains 0, or the estimate is under the resolution). */
      ci: Interval | null;
      /** Why: 'interval includes 0', 'under the timer resolution', 'too few samples'. */
      reason: string;
      method: string;
    };

export interface DifferenceOptions {
  level?: number;
  /** The timer's resolution (ms): an estimate smaller than it is below resolution whatever its interval. */
  resolution?: number;
}

function decide(n: number, estimate: number | null, ci: Interval | null, method: string, o: DifferenceOptions): Difference {
  if (estimate === null || ci === null) return { kind: 'below-resolution', n, ci: null, reason: 'too few samples for an interval', method };
  if (ci.lo <= 0 && ci.hi >= 0) return { kind: 'below-resolution', n, ci, reason: 'interval includes 0', method };
  const res = o.resolution ?? 0;
  if (Math.abs(estimate) < res) return { kind: 'below-resolution', n, ci, reason: `under the timer resolution (${res})`, method };
  return { kind: 'value', n, estimate, ci, method };
}

/** a − b of paired measurements: the median of per-pair differences, order-statistic interval. */
export function pairedDifference(a: ReadonlyArray<number>, b: ReadonlyArray<number>, o: DifferenceOptions = {}): Difference {
  const d = pairsOf(a, b).map((p) => p.a - p.b);
  const m = medianWithInterval(d, o.level ?? LEVEL);
  return decide(m.n, m.median, m.ci, 'median of per-pair differences, order-statistic (sign-test) interval', o);
}

/** Percentile bootstrap interval of median(a) − median(b), seeded (the same samples give the same interval). */
export function bootstrapMedianDifference(a: ReadonlyArray<number>, b: ReadonlyArray<number>, level = LEVEL, resamples = BOOTSTRAP_RESAMPLES, seed = BOOTSTRAP_SEED): Interval | null {
  checkLevel(level);
  if (a.length < 2 || b.length < 2) return null;
  const rand = mulberry32(seed);
  const ra = new Float64Array(a.length);
  const rb = new Float64Array(b.length);
  const med = (xs: Float64Array): number => {
    xs.sort();
    return percentileSorted(xs as unknown as number[], 0.5);
  };
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) ra[i] = a[Math.floor(rand() * a.length)] as number;
    for (let i = 0; i < b.length; i++) rb[i] = b[Math.floor(rand() * b.length)] as number;
    diffs[r] = med(ra) - med(rb);
  }
  diffs.sort();
  const s = diffs as unknown as number[];
  return { lo: percentileSorted(s, (1 - level) / 2), hi: percentileSorted(s, 1 - (1 - level) / 2), coverage: level };
}

/** Minimum samples per side for the bootstrap interval (fewer: below resolution, too few samples). */
export const MIN_UNPAIRED = 5;

/** median(a) − median(b) of independent samples, with a seeded bootstrap percentile interval. */
export function unpairedDifference(a: ReadonlyArray<number>, b: ReadonlyArray<number>, o: DifferenceOptions = {}): Difference {
  const sa = finiteSamples(a, 'difference');
  const sb = finiteSamples(b, 'difference');
  const n = Math.min(sa.length, sb.length);
  const method = `difference of medians, bootstrap percentile interval (${BOOTSTRAP_RESAMPLES} resamples, fixed seed)`;
  if (n < MIN_UNPAIRED) return { kind: 'below-resolution', n, ci: null, reason: `too few samples for an interval (need ${MIN_UNPAIRED} per side)`, method };
  const est = percentileSorted(sa, 0.5) - percentileSorted(sb, 0.5);
  return decide(n, est, bootstrapMedianDifference(sa, sb, o.level ?? LEVEL), method, o);
}

// ─────────────────────────────── noise ───────────────────────────────

/** What the machine was doing while a figure was measured. */
export type MachineContext =
  | { kind: 'load'; /** 1, 5 and 15-minute load averages (Node's os.loadavg()). */ loadavg: readonly number[]; cores: number }
  | { kind: 'drift'; drift: CalibrationDrift }
  | { kind: 'none' };

export interface NoiseVerdict {
  n: number;
  cv: number | null;
  threshold: number;
  noisy: boolean;
  /** One sentence: the CV against the threshold and the machine context. */
  note: string;
}

function contextText(c: MachineContext): string {
  if (c.kind === 'load') return `load average ${c.loadavg.map((x) => x.toFixed(2)).join(' / ')} on ${c.cores} core(s)`;
  if (c.kind === 'drift') return c.drift.note;
  return 'no machine context recorded';
}

/** Marks a figure noisy when its CV exceeds `threshold` (default NOISY_CV), with the machine's context. */
export function noiseVerdict(samples: ReadonlyArray<number>, context: MachineContext = { kind: 'none' }, threshold = NOISY_CV): NoiseVerdict {
  const s = summarize(samples);
  const noisy = s.cv !== null && Math.abs(s.cv) > threshold;
  const cvText = s.cv === null ? 'CV unknown (fewer than 2 samples or a mean of 0)' : `CV ${(Math.abs(s.cv) * 100).toFixed(1)}%`;
  return {
    n: s.count,
    cv: s.cv,
    threshold,
    noisy,
    note: `${noisy ? 'noisy' : 'steady'}: ${cvText} (threshold ${(threshold * 100).toFixed(0)}%, n ${s.count}); ${contextText(context)}`,
  };
}

// ─────────────────────────────── calibration ───────────────────────────────

/**
 * A fixed tiny workload timed before and after a run (or between its steps): if the machine's speed
 * changed during the run (another process, thermal throttling, a frequency change), its time changed
 * too. `drift` is median(after) / median(before) − 1 (positive: the machine got slower), with the
 * bootstrap interval of the ratio; `drifted` when that interval excludes 0 and |drift| exceeds
 * `DRIFT_THRESHOLD`. `spreadCv` is the calibration's own CV over all its samples: contention shows
 * there even when the two medians agree.
 */
export interface CalibrationDrift {
  before: { n: number; median: number };
  after: { n: number; median: number };
  drift: number;
  ci: Interval | null;
  spreadCv: number | null;
  drifted: boolean;
  note: string;
}

/** |drift| above which the machine's speed is said to have changed during a run. */
export const DRIFT_THRESHOLD = 0.05;

export function calibrationDrift(before: ReadonlyArray<number>, after: ReadonlyArray<number>, level = LEVEL): CalibrationDrift {
  const sb = finiteSamples(before, 'calibration');
  const sa = finiteSamples(after, 'calibration');
  if (sb.length === 0 || sa.length === 0) throw new RagtabError('InvalidArgument', 'calibration needs samples before and after');
  const mb = percentileSorted(sb, 0.5);
  const ma = percentileSorted(sa, 0.5);
  if (!(mb > 0)) throw new RagtabError('InvalidArgument', `calibration median before must be > 0, got ${mb}`);
  const drift = ma / mb - 1;
  // the interval of the ratio from the interval of the difference, relative to the median before
  const d = bootstrapMedianDifference(sa, sb, level);
  const ci = d ? { lo: d.lo / mb, hi: d.hi / mb, coverage: d.coverage } : null;
  const spread = summarize([...sb, ...sa]).cv;
  const drifted = ci !== null && (ci.lo > 0 || ci.hi < 0) && Math.abs(drift) > DRIFT_THRESHOLD;
  const pct = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}%`;
  const detail = ci ? `${Math.round(ci.coverage * 100)}% CI ${pct(ci.lo)} to ${pct(ci.hi)}, n ${sb.length}+${sa.length}${spread !== null ? `, spread CV ${(spread * 100).toFixed(1)}%` : ''}` : '';
  const beyondNoise = ci !== null && (ci.lo > 0 || ci.hi < 0);
  const note = !ci
    ? `calibration drift unknown (n ${sb.length}+${sa.length}: too few samples)`
    : drifted
      ? `calibration drift ${pct(drift)}: the machine's speed changed (${detail})`
      : beyondNoise
        ? `calibration drift ${pct(drift)}, under the ${(DRIFT_THRESHOLD * 100).toFixed(0)}% threshold (${detail})`
        : `calibration drift within noise (${detail})`;
  return { before: { n: sb.length, median: mb }, after: { n: sa.length, median: ma }, drift, ci, spreadCv: spread, drifted, note };
}
