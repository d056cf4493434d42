/**
 * Descriptive statistics of benchmark samples. Pure: no DOM, no workers.
 *
 * A figure that cannot be computed is null, never 0 or NaN: an empty sample has only a count;
 * one sample has no sd, no interval and no coefficient of variation.
 */
import { RagtabError } from './errors';

export interface Summary {
  count: number;
  mean: number | null;
  /** Sample standard deviation (divisor n − 1). */
  sd: number | null;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  /** 95% confidence interval of the mean (Student t, n − 1 df); null for n < 2. */
  ci95: [number, number] | null;
  /** Coefficient of variation sd / mean; null when n < 2 or the mean is 0. */
  cv: number | null;
}

/**
 * Two-sided 95% critical values of Student's t (0.975 quantile) for df = 1..30, four decimals
 * (as printed in standard tables; e.g. SciPy `t.ppf(0.975, df)`).
 */
const T95: readonly number[] = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, // 1..10
  2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086, // 11..20
  2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423, // 21..30
];

/**
 * Two-sided 95% critical value of Student's t with `df` degrees of freedom: the table for
 * df 1..30, 1.96 (the normal value) beyond. A fractional df (Welch's test) is rounded down,
 * which gives the larger, more conservative value. Throws for df < 1 or NaN.
 * (Beyond 30 the normal value understates t slightly: t(40) = 2.021, t(120) = 1.980.)
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) throw new RagtabError('InvalidArgument', `degrees of freedom must be ≥ 1, got ${df}`);
  const d = Math.floor(df);
  return d <= 30 ? (T95[d - 1] as number) : 1.96;
}

/**
 * Percentile of sorted values by linear interpolation between closest ranks: the R-7 method,
 * NumPy's default (`numpy.percentile(x, q)` with method 'linear') and Excel's PERCENTILE.INC.
 * h = (n − 1)·p; result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]), 0-based.
 * `p` is a fraction in [0, 1].
 */
export function percentileSorted(sorted: ReadonlyArray<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RagtabError('InvalidArgument', 'percentile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RagtabError('InvalidArgument', `percentile must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/** Percentile (fraction p in [0, 1]) of unsorted samples, R-7 as above. */
export function percentile(samples: ReadonlyArray<number>, p: number): number {
  return percentileSorted([...samples].sort((x, y) => x - y), p);
}

/** Summary statistics of samples. Non-finite samples (NaN, ±Infinity) are rejected. */
export function summarize(samples: ReadonlyArray<number>): Summary {
  for (const x of samples) {
    if (!Number.isFinite(x)) throw new RagtabError('InvalidArgument', `samples must be finite numbers, got ${x}`);
  }
  const n = samples.length;
  if (n === 0) {
    return { count: 0, mean: null, sd: null, min: null, p50: null, p90: null, p99: null, max: null, ci95: null, cv: null };
  }
  const sorted = [...samples].sort((x, y) => x - y);
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / n;
  let sd: number | null = null;
  let ci95: [number, number] | null = null;
  let cv: number | null = null;
  if (n >= 2) {
    // two-pass: sum of squared deviations from the mean (stable for large offsets)
    let ss = 0;
    for (const x of sorted) ss += (x - mean) ** 2;
    sd = Math.sqrt(ss / (n - 1));
    const half = tCritical95(n - 1) * (sd / Math.sqrt(n));
    ci95 = [mean - half, mean + half];
    cv = mean === 0 ? null : sd / mean;
  }
  return {
    count: n,
    mean,
    sd,
    min: sorted[0] as number,
    p50: percentileSorted(sorted, 0.5),
    p90: percentileSorted(sorted, 0.9),
    p99: percentileSorted(sorted, 0.99),
    max: sorted[n - 1] as number,
    ci95,
    cv,
  };
}

/** Half-width of the 95% confidence interval of the mean; null for n < 2. */
export function ci95HalfWidth(s: Summary): number | null {
  return s.ci95 === null ? null : (s.ci95[1] - s.ci95[0]) / 2;
}

/** Units per second for `units` done in `ms` milliseconds; null when ms ≤ 0 or not finite. */
export function throughput(units: number, ms: number): number | null {
  if (!Number.isFinite(ms) || ms <= 0 || !Number.isFinite(units)) return null;
  return (units * 1000) / ms;
}
