/**
 * Compare a run with a baseline, metric by metric. Pure: no DOM, no workers.
 *
 * Per metric: the means, their ratio and change, the noise (the larger of the two runs' 95% CI
 * half-widths, each relative to its own mean) and a verdict:
 * - `unchanged`: the change is no larger than the threshold (in either direction);
 * - `within-noise`: the change exceeds the threshold but is not larger than the runs' noise;
 * - `regression`: worse by more than the threshold (latency up, throughput or quality down)
 *   and beyond the noise;
 * - `improvement`: better by more than the threshold and beyond the noise.
 *
 * "Beyond the noise" is decided by a two-sample Welch t-test at 95% (two-sided): the difference
 * of means is significant when |t| > t₀.₉₇₅(df) with Welch–Satterthwaite df (rounded down, see
 * `tCritical95`). Welch is chosen over "non-overlapping CIs" because the latter is much too strict
 * (two 95% CIs can overlap while the difference is significant at ~99%), and Welch does not assume
 * equal variances, which runs on different machines or builds rarely have. When both runs have
 * zero variance (e.g. a deterministic quality figure repeated), any difference is significant.
 * When either run has a single sample the noise is unknown: by default the verdict then rests on
 * the threshold alone (`test: null` says so); `unknownNoise: 'within-noise'` refuses to call it.
 */
import { RagtabError } from './errors';
import { summarize, tCritical95, type Summary } from './stats';

export type MetricKind = 'latency' | 'throughput' | 'quality';
export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'within-noise';

export interface MetricSamples {
  name: string;
  kind: MetricKind;
  unit: string;
  baseline: ReadonlyArray<number>;
  current: ReadonlyArray<number>;
}

export interface CompareOptions {
  /**
   * Relative change (a fraction) beyond which a metric counts as changed. Defaults: latency 0.10
   * (a rise > 10% regresses), throughput 0.10 (a drop > 10%), quality 0.05 (a drop > 5%).
   * The same threshold applies to improvements.
   */
  thresholds?: Partial<Record<MetricKind, number>>;
  /** What to do when a run has a single sample (noise unknown). Default 'threshold-only'. */
  unknownNoise?: 'threshold-only' | 'within-noise';
}

export const DEFAULT_THRESHOLDS: Readonly<Record<MetricKind, number>> = Object.freeze({
  latency: 0.1,
  throughput: 0.1,
  quality: 0.05,
});

export interface WelchTest {
  /** (current − baseline) / se; ±Infinity when both variances are 0 and the means differ. */
  t: number;
  /** Welch–Satterthwaite degrees of freedom; null when both variances are 0. */
  df: number | null;
  /** The critical value used (null when df is). */
  tCritical: number | null;
  significant: boolean;
}

export interface MetricComparison {
  name: string;
  kind: MetricKind;
  unit: string;
  baselineMean: number;
  currentMean: number;
  baselineCount: number;
  currentCount: number;
  /** current / baseline; null when the baseline mean is 0. */
  ratio: number | null;
  /** (current − baseline) / |baseline| × 100; null when the baseline mean is 0. */
  changePct: number | null;
  /**
   * The Welch 95% interval of the difference of means, relative to |baseline| × 100; null when the
   * noise is unknown (a run with one sample or no sd) or the baseline mean is 0. The change is a
   * value only when this interval excludes 0 (src/core/figure-format.ts metricChange).
   */
  changeCiPct: [number, number] | null;
  /**
   * The larger of the two runs' 95% CI half-widths relative to their means, × 100; null when
   * unknown (a run with one sample, or a mean of 0 with a non-zero spread).
   */
  noisePct: number | null;
  /** The threshold applied, × 100. */
  thresholdPct: number;
  /** The significance test; null when a run has a single sample (or, from moments, no sd). */
  test: WelchTest | null;
  verdict: Verdict;
  /** One readable sentence explaining the verdict. */
  reason: string;
}

export interface Comparison {
  metrics: MetricComparison[];
  /** regression if any metric regressed; else improvement if any improved; else within-noise if any; else unchanged. */
  verdict: Verdict;
  regressions: string[];
  improvements: string[];
}

/** What the comparison needs of a sample: its count, mean and sample standard deviation (null for n < 2). */
export type Moments = Pick<Summary, 'count' | 'mean' | 'sd'>;

/** Two-sample Welch t-test at 95% (two-sided) from two summaries with n ≥ 2 each. */
export function welchTest(b: Moments, c: Moments): WelchTest {
  if (b.count < 2 || c.count < 2 || b.mean === null || c.mean === null || b.sd === null || c.sd === null) {
    throw new RagtabError('InvalidArgument', 'Welch test needs at least two samples on each side');
  }
  const vb = (b.sd * b.sd) / b.count;
  const vc = (c.sd * c.sd) / c.count;
  const diff = c.mean - b.mean;
  const se2 = vb + vc;
  if (se2 === 0) {
    return { t: diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity, df: null, tCritical: null, significant: diff !== 0 };
  }
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((vb * vb) / (b.count - 1) + (vc * vc) / (c.count - 1));
  const tc = tCritical95(df);
  return { t, df, tCritical: tc, significant: Math.abs(t) > tc };
}

function relativeHalfWidth(s: Moments): number | null {
  if (s.count < 2 || s.sd === null || s.mean === null) return null;
  const hw = tCritical95(s.count - 1) * (s.sd / Math.sqrt(s.count));
  if (s.mean === 0) return hw === 0 ? 0 : null;
  return hw / Math.abs(s.mean);
}

const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
const unknownWhy = (b: Moments, c: Moments): string =>
  b.count < 2 || c.count < 2 ? `a run has a single sample (n ${b.count} and ${c.count})` : 'a run has no recorded spread';

export function compareMetric(m: MetricSamples, opts: CompareOptions = {}): MetricComparison {
  if (m.baseline.length === 0 || m.current.length === 0) {
    throw new RagtabError('InvalidArgument', `metric "${m.name}": baseline and current need at least one sample each`);
  }
  return compareMoments({ name: m.name, kind: m.kind, unit: m.unit, baseline: summarize(m.baseline), current: summarize(m.current) }, opts);
}

/**
 * The same judgement from each side's count, mean and sd only (what a share link's summary
 * carries): a side without sd (or with one sample) has unknown noise.
 */
export function compareMoments(m: { name: string; kind: MetricKind; unit: string; baseline: Moments; current: Moments }, opts: CompareOptions = {}): MetricComparison {
  const { baseline: b, current: c } = m;
  if (b.count === 0 || c.count === 0 || b.mean === null || c.mean === null) {
    throw new RagtabError('InvalidArgument', `metric "${m.name}": baseline and current need at least one sample each`);
  }
  const threshold = opts.thresholds?.[m.kind] ?? DEFAULT_THRESHOLDS[m.kind];
  if (!(threshold >= 0) || !Number.isFinite(threshold)) {
    throw new RagtabError('InvalidArgument', `threshold for ${m.kind} must be a finite fraction ≥ 0, got ${threshold}`);
  }
  const mb = b.mean as number;
  const mc = c.mean as number;

  // relative change; a zero baseline makes any change infinite
  const rel = mb === 0 ? (mc === 0 ? 0 : Math.sign(mc) * Infinity) : (mc - mb) / Math.abs(mb);
  const ratio = mb === 0 ? null : mc / mb;
  const changePct = Number.isFinite(rel) ? rel * 100 : null;

  const nb = relativeHalfWidth(b);
  const nc = relativeHalfWidth(c);
  const noise = b.count < 2 || c.count < 2 || nb === null || nc === null ? null : Math.max(nb, nc);

  const test = b.count >= 2 && c.count >= 2 && b.sd !== null && c.sd !== null ? welchTest(b, c) : null;
  let changeCiPct: [number, number] | null = null;
  if (test && mb !== 0 && b.sd !== null && c.sd !== null) {
    const half = (test.tCritical ?? 0) * Math.sqrt((b.sd * b.sd) / b.count + (c.sd * c.sd) / c.count);
    changeCiPct = [((mc - mb - half) / Math.abs(mb)) * 100, ((mc - mb + half) / Math.abs(mb)) * 100];
  }
  const worse = m.kind === 'latency' ? rel > 0 : rel < 0;
  const direction = m.kind === 'latency' ? (rel > 0 ? 'rose' : 'fell') : rel < 0 ? 'dropped' : 'rose';
  // a tolerance so that a change of exactly the threshold (100 → 110 at 10%) is not over it
  const overThreshold = Math.abs(rel) > threshold + 1e-12;
  const change = Number.isFinite(rel) ? `${m.kind} ${direction} ${pct(Math.abs(rel))}` : `${m.kind} changed from a baseline of 0`;

  let verdict: Verdict;
  let reason: string;
  if (!overThreshold) {
    verdict = 'unchanged';
    reason = `${change}, within the ${pct(threshold, 0)} threshold`;
  } else if (test === null) {
    if ((opts.unknownNoise ?? 'threshold-only') === 'within-noise') {
      verdict = 'within-noise';
      reason = `${change} (threshold ${pct(threshold, 0)}), but ${unknownWhy(b, c)}, so its noise is unknown`;
    } else {
      verdict = worse ? 'regression' : 'improvement';
      reason = `${change} (threshold ${pct(threshold, 0)}); ${unknownWhy(b, c)}, noise unknown: judged on the threshold alone`;
    }
  } else if (!test.significant) {
    verdict = 'within-noise';
    reason =
      `${change} (threshold ${pct(threshold, 0)}), but not beyond the runs' noise ` +
      `(Welch t = ${test.t.toFixed(2)}${test.df !== null ? `, df ${test.df.toFixed(1)}, needs |t| > ${test.tCritical}` : ''})`;
  } else {
    verdict = worse ? 'regression' : 'improvement';
    reason =
      `${change} (threshold ${pct(threshold, 0)}), beyond the runs' noise ` +
      (test.df !== null ? `(Welch t = ${test.t.toFixed(2)}, df ${test.df.toFixed(1)}, p < 0.05)` : '(both runs without variance)');
  }

  return {
    name: m.name,
    kind: m.kind,
    unit: m.unit,
    baselineMean: mb,
    currentMean: mc,
    baselineCount: b.count,
    currentCount: c.count,
    ratio,
    changePct,
    changeCiPct,
    noisePct: noise === null ? null : noise * 100,
    thresholdPct: threshold * 100,
    test,
    verdict,
    reason,
  };
}

/** Compare every metric and give an overall verdict (regression if any metric regressed). */
export function compareRuns(metrics: ReadonlyArray<MetricSamples>, opts: CompareOptions = {}): Comparison {
  const out = metrics.map((m) => compareMetric(m, opts));
  const regressions = out.filter((m) => m.verdict === 'regression').map((m) => m.name);
  const improvements = out.filter((m) => m.verdict === 'improvement').map((m) => m.name);
  const verdict: Verdict =
    regressions.length > 0
      ? 'regression'
      : improvements.length > 0
        ? 'improvement'
        : out.some((m) => m.verdict === 'within-noise')
          ? 'within-noise'
          : 'unchanged';
  return { metrics: out, verdict, regressions, improvements };
}
