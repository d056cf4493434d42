/**
 * Rendering figures honestly, as text. Pure.
 *
 * - One unit per cell: every function takes exactly one unit, and a value, its interval and its
 *   difference are all written in it.
 * - Never more digits than the figure can carry: the decimals are the fewest that the timer's
 *   resolution, the interval's width (two significant digits of its half-width) and three
 *   significant digits of the value allow.
 * - No negative zero: a value that rounds to 0 is written "0", never "−0.0" or "−0.0%".
 * - A difference below resolution is written as such, with n and its interval, never as a value;
 *   a comparison that is not comparable gets no ratio.
 * Negative numbers use the minus sign (U+2212).
 */
import type { Difference, Interval, MedianEstimate, NoiseVerdict } from './robust-stats';
import type { RatioClaim } from './comparability';
import type { MetricComparison } from './compare';

export const MINUS = '\u2212';

/** A wall time for people: "42 s", "3 min 5 s", "2 h 10 min" (whole seconds; the one spelling of a duration in the UI). */
export function wallTime(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export interface DigitsOptions {
  /** The smallest step the measurement can resolve (e.g. the timer's, in the figure's unit). */
  resolution?: number;
  /** Half-width of the figure's interval, in its unit. */
  uncertainty?: number;
  /** Significant digits of the value itself (default 3). */
  significant?: number;
  /** Upper bound on decimals (default 6). */
  max?: number;
}

const decimalsOf = (step: number): number => Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));

/** The decimals a value may be written with (see the header). */
export function decimalsFor(value: number, o: DigitsOptions = {}): number {
  const limits: number[] = [o.max ?? 6];
  const sig = o.significant ?? 3;
  const a = Math.abs(value);
  if (a > 0 && Number.isFinite(a)) limits.push(Math.max(0, sig - 1 - Math.floor(Math.log10(a))));
  if (o.resolution !== undefined && o.resolution > 0) limits.push(decimalsOf(o.resolution));
  if (o.uncertainty !== undefined && o.uncertainty > 0 && Number.isFinite(o.uncertainty)) limits.push(Math.max(0, 1 - Math.floor(Math.log10(o.uncertainty))));
  return Math.max(0, Math.min(...limits));
}

/** `x` with `decimals` decimals; "0" rather than a negative zero; U+2212 for negatives. */
export function fixed(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return '—';
  const s = x.toFixed(decimals);
  if (Number(s) === 0) return s.replace('-', '');
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

const withUnit = (s: string, unit: string): string => (unit === '' ? s : unit === '%' || unit === '×' ? `${s}${unit}` : `${s} ${unit}`);

/** A value in its unit, e.g. "12.3 ms". */
export function quantity(x: number | null | undefined, unit: string, o: DigitsOptions = {}): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return withUnit(fixed(x, decimalsFor(x, o)), unit);
}

/**
 * A mean time and the half-width of its 95% interval, both in one unit (ms, or s from 10 s up, so
 * "28.2 ± 8.5 s", never "28.2 s ± 8,517.45"), with the digits the value and the interval allow.
 */
export function meanPlusMinus(meanMs: number | null | undefined, ci95?: readonly [number, number] | null, o: DigitsOptions = {}): string {
  if (meanMs === null || meanMs === undefined || !Number.isFinite(meanMs)) return '—';
  const k = Math.abs(meanMs) >= 10_000 ? 1000 : 1;
  const unit = k === 1000 ? 's' : 'ms';
  const m = meanMs / k;
  const half = ci95 ? (ci95[1] - ci95[0]) / 2 / k : null;
  const d = decimalsFor(m, { ...o, ...(o.resolution !== undefined ? { resolution: o.resolution / k } : {}), ...(half !== null && half > 0 ? { uncertainty: half } : {}) });
  return half !== null && Number.isFinite(half) ? `${fixed(m, d)} ± ${fixed(half, d)} ${unit}` : `${fixed(m, d)} ${unit}`;
}

/** A signed value ("+1.2 ms", "−0.8 ms", "0 ms"). */
export function signed(x: number, unit: string, decimals: number): string {
  const body = fixed(x, decimals);
  const sign = body === fixed(0, decimals) || body.startsWith(MINUS) ? '' : '+';
  return withUnit(sign + body, unit);
}

/** A relative change (a fraction) as a signed percentage: "+12.3%", "−4.0%", "0.0%". */
export function percentChange(fraction: number, decimals = 1): string {
  if (!Number.isFinite(fraction)) return '—';
  return signed(fraction * 100, '%', decimals);
}

/** An interval in one unit: "95% CI 0.50 to 2.0 ms". */
export function interval(ci: Interval, unit: string, decimals: number): string {
  const cov = Math.round(ci.coverage * 1000) / 10;
  const level = Number.isInteger(cov) ? cov.toFixed(0) : cov.toFixed(1);
  return `${level}% CI ${withUnit(`${fixed(ci.lo, decimals)} to ${fixed(ci.hi, decimals)}`, unit)}`;
}

/** A difference: "+1.23 ms (95% CI 0.51 to 2.0 ms, n 20)", or "below resolution (n 20, 95% CI −0.8 to 1.1 ms)". */
export function difference(d: Difference, unit: string, o: DigitsOptions = {}): string {
  if (d.kind === 'below-resolution') {
    if (!d.ci) return `below resolution (n ${d.n}: ${d.reason})`;
    const dec = decimalsFor(Math.max(Math.abs(d.ci.lo), Math.abs(d.ci.hi)), { ...o, uncertainty: (d.ci.hi - d.ci.lo) / 2 });
    return `below resolution (n ${d.n}, ${interval(d.ci, unit, dec)})`;
  }
  const dec = decimalsFor(d.estimate, { ...o, uncertainty: (d.ci.hi - d.ci.lo) / 2 });
  return `${signed(d.estimate, unit, dec)} (${interval(d.ci, unit, dec)}, n ${d.n})`;
}

/** A ratio claim: "1.24× (95% CI 1.10 to 1.40×, n 8)", "not comparable: …", or the same within noise. */
export function ratio(c: RatioClaim): string {
  if (c.kind === 'not-comparable') return `not comparable: ${c.reasons.join('; ')}`;
  if (c.estimate === null) return 'no pairs';
  if (!c.ci) return `${quantity(c.estimate, '×', { significant: 2 })} (n ${c.n}: too few pairs for an interval)`;
  const dec = decimalsFor(c.estimate, { uncertainty: (c.ci.hi - c.ci.lo) / 2 });
  const body = `${fixed(c.estimate, dec)}× (${interval(c.ci, '×', dec)}, n ${c.n})`;
  const noisy = [c.noise.a, c.noise.b].filter((v) => v.noisy);
  return `${c.differs ? body : `no difference beyond noise: ${body}`}${noisy.length ? ` · ${noisy.map(noise).join(' · ')}` : ''}`;
}

/** A noise verdict as a short note: "noisy: CV 23.0% (threshold 10%, n 20); load average …". */
export function noise(v: NoiseVerdict): string {
  return v.note;
}

/**
 * A median's interval as a table cell in the median's unit: "11.8 to 13.0", digits from the
 * interval's width and the resolution; "n 4: none" when there are too few samples for the level.
 */
export function medianInterval(m: MedianEstimate, o: DigitsOptions = {}): string {
  if (m.median === null) return '—';
  if (!m.ci) return `n ${m.n}: none`;
  const dec = decimalsFor(m.median, { ...o, uncertainty: (m.ci.hi - m.ci.lo) / 2 || undefined });
  return `${fixed(m.ci.lo, dec)} to ${fixed(m.ci.hi, dec)}`;
}

/** A median with its interval, in prose: "12.3 ms (95% CI 11.8 to 13.0 ms, n 20)". */
export function medianText(m: MedianEstimate, unit: string, o: DigitsOptions = {}): string {
  if (m.median === null) return '—';
  if (!m.ci) return `${quantity(m.median, unit, o)} (n ${m.n}: too few samples for an interval)`;
  const dec = decimalsFor(m.median, { ...o, uncertainty: (m.ci.hi - m.ci.lo) / 2 || undefined });
  return `${withUnit(fixed(m.median, dec), unit)} (${interval(m.ci, unit, dec)}, n ${m.n})`;
}

/**
 * A metric's change against a baseline: "+12.3% (95% CI +8.1 to +16.5%)" when the Welch test says
 * it is beyond both runs' noise, else "below resolution (n 5 vs 5, 95% CI −3.0 to +4.1%)" — never a
 * change that the runs' noise could have made.
 */
export function metricChange(m: Pick<MetricComparison, 'changePct' | 'changeCiPct' | 'baselineCount' | 'currentCount' | 'test'>): string {
  if (m.changePct === null) return '—';
  const ci = m.changeCiPct;
  const dec = ci ? decimalsFor(m.changePct, { uncertainty: (ci[1] - ci[0]) / 2 || undefined, max: 1 }) : 1;
  const range = ci ? `95% CI ${signed(ci[0], '', dec)} to ${signed(ci[1], '%', dec)}` : 'noise unknown: a run without spread';
  if (!m.test?.significant) return `below resolution (n ${m.baselineCount} vs ${m.currentCount}, ${range})`;
  return `${percentChange(m.changePct / 100, dec)}${ci ? ` (${range})` : ''}`;
}
