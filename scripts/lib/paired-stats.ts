/**
 * Paired figures for bench:llm, minimal and local: the median of per-pair values with a
 * distribution-free confidence interval (order statistics of the binomial), and the rule that a
 * difference whose interval crosses zero is "below resolution", never a value. To be replaced by
 * the shared statistics module (issue 16's statistics rules) when it lands.
 */

export interface MedianCi {
  n: number;
  median: number | null;
  lo: number | null;
  hi: number | null;
  /** The interval's actual coverage (order statistics give discrete levels: n = 5 → 93.8%). */
  coverage: number | null;
}

function binomCdf(k: number, n: number): number {
  // P(X ≤ k), X ~ Binomial(n, 1/2)
  let c = 0;
  let term = 0.5 ** n;
  for (let i = 0; i <= k; i++) {
    c += term;
    term = (term * (n - i)) / (i + 1);
  }
  return c;
}

/** Median and its CI from order statistics: the narrowest [x(j), x(n−j+1)] covering ≥ `level`, or the widest there is. */
export function medianCi(values: readonly number[], level = 0.95): MedianCi {
  const x = values.filter(Number.isFinite).slice().sort((a, b) => a - b);
  const n = x.length;
  if (n === 0) return { n, median: null, lo: null, hi: null, coverage: null };
  const median = n % 2 ? (x[(n - 1) / 2] as number) : ((x[n / 2 - 1] as number) + (x[n / 2] as number)) / 2;
  // [x[j], x[n−1−j]] (0-based) covers the median with probability 1 − 2·P(B ≤ j), B ~ Binomial(n, ½):
  // the narrowest that still covers `level` (j = 0, min to max, when none does: n = 5 gives 93.8%).
  const coverageOf = (j: number): number => 1 - 2 * binomCdf(j, n);
  let j = 0;
  while (j + 1 <= (n - 1) / 2 && coverageOf(j + 1) >= level) j++;
  const coverage = coverageOf(j);
  return { n, median, lo: x[j] as number, hi: x[n - 1 - j] as number, coverage };
}

/** Per-pair ratios a[i] / b[i] (pairs where both are finite and b > 0). */
export function pairRatios(a: readonly (number | null | undefined)[], b: readonly (number | null | undefined)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y) && y > 0) out.push(x / y);
  }
  return out;
}

/** Per-pair differences a[i] − b[i]. */
export function pairDiffs(a: readonly (number | null | undefined)[], b: readonly (number | null | undefined)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y)) out.push(x - y);
  }
  return out;
}

/** The least coverage a CI needs before a difference counts as resolved (n = 5 rounds give 93.8%; n = 4, 87.5%, does not). */
export const MIN_COVERAGE = 0.9;

/** True when the interval excludes `zero` (0 for differences, 1 for ratios) at a coverage of at least MIN_COVERAGE. */
export function resolved(ci: MedianCi, zero = 0): boolean {
  return ci.lo !== null && ci.hi !== null && (ci.coverage ?? 0) >= MIN_COVERAGE && (ci.lo > zero || ci.hi < zero);
}

/**
 * "1.23 [1.10, 1.31] (n 5, 94% CI)"; a difference whose CI holds `zero`, or whose CI covers less
 * than MIN_COVERAGE (too few pairs): "below resolution (n 5, 94% CI −0.4 … 0.7)".
 */
export function fmtCi(ci: MedianCi, digits = 2, opts: { zero?: number; unit?: string; difference?: boolean } = {}): string {
  if (ci.median === null || ci.lo === null || ci.hi === null) return '–';
  const u = opts.unit ?? '';
  const level = `${Math.round((ci.coverage ?? 0) * 100)}% CI`;
  if (ci.n < 2) return `${ci.median.toFixed(digits)}${u} (n 1, no CI)`;
  if (opts.difference && !resolved(ci, opts.zero ?? 0)) return `below resolution (n ${ci.n}, ${level} ${ci.lo.toFixed(digits)} … ${ci.hi.toFixed(digits)}${u})`;
  return `${ci.median.toFixed(digits)}${u} [${ci.lo.toFixed(digits)}, ${ci.hi.toFixed(digits)}] (n ${ci.n}, ${level})`;
}
