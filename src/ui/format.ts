/** Small display helpers shared by the elements. */
export function ms(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '—';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(3)} ms`;
}

export function num(v: number | undefined | null, digits = 0): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function bytes(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '—';
  if (n < 1024) return `${n} B`;
  const u = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${u[i]}`;
}

export function duration(msLeft: number | null): string {
  if (msLeft === null || !Number.isFinite(msLeft)) return 'estimating…';
  const s = Math.round(msLeft / 1000);
  if (s < 60) return `${s} s left`;
  return `${Math.floor(s / 60)} min ${s % 60} s left`;
}

/** The unit `ms()` picks for a value: one figure and its spread are written in the same one. */
function msUnit(v: number): { div: number; unit: 'ms' | 's'; digits: number } {
  if (v >= 10_000) return { div: 1000, unit: 's', digits: 1 };
  if (v >= 100) return { div: 1, unit: 'ms', digits: 0 };
  if (v >= 1) return { div: 1, unit: 'ms', digits: 1 };
  return { div: 1, unit: 'ms', digits: 3 };
}

/**
 * A mean and its 95% interval's half-width in one unit, the mean's: "28.2 s ± 8.5 s", never
 * "28.2 s ± 8,517.45" (seconds beside milliseconds). The half-width keeps at least the mean's
 * digits, and enough to show a small spread as more than zero.
 */
export function msPlusMinus(mean: number | null | undefined, half: number | null | undefined): string {
  if (mean === undefined || mean === null || !Number.isFinite(mean)) return '—';
  if (half === undefined || half === null || !Number.isFinite(half)) return ms(mean);
  const u = msUnit(mean);
  const h = half / u.div;
  let digits = u.digits;
  while (digits < 3 && h > 0 && Number(h.toFixed(digits)) === 0) digits++;
  const f = (x: number, d: number) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  return `${f(mean / u.div, u.digits)} ${u.unit} ± ${f(h, digits)} ${u.unit}`;
}

/** A signed percentage that never reads "−0.0%" or "+0.0%": a change that rounds to zero is "0.0%". */
export function signedPct(pct: number | null | undefined, digits = 1): string {
  if (pct === undefined || pct === null || !Number.isFinite(pct)) return '—';
  const rounded = Number(pct.toFixed(digits));
  if (rounded === 0) return `${(0).toFixed(digits)}%`;
  return `${rounded > 0 ? '+' : '−'}${num(Math.abs(rounded), digits)}%`;
}

/** A duration ticking by: "0:07", "2:05", "1:02:03". */
export function clock(msElapsed: number): string {
  const s = Math.max(0, Math.floor(msElapsed / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
