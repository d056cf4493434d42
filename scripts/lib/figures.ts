/**
 * The one figures table of the bench commands: each figure a key (`search.60k.simd.p50`), a value
 * and its unit, a target and where the value stands against it where one is set, a note. Written
 * into the command's JSON as `figures` and printed as a table grouped by the key's first part.
 */

export interface Figure {
  value: number | string | null;
  unit: string;
  /** e.g. "≤ 300", "≥ 100,000": only where a target is set. */
  target?: string;
  /** `meets`, `misses (1.25× off)`, or `not measured`. */
  status?: string;
  note?: string;
}

/** A value as the table prints it: never more digits than a benchmark on a busy machine resolves. */
export function fmt(v: number | string | null | undefined): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export class FigureTable {
  readonly figures: Record<string, Figure> = {};

  fig(key: string, value: number | string | null | undefined, unit: string, extra: Omit<Figure, 'value' | 'unit'> = {}): void {
    this.figures[key] = { value: value ?? null, unit, ...extra };
  }

  /** A figure with a target: `op` limit, and whether (and by how much) the value misses it. */
  target(key: string, value: number | null | undefined, unit: string, op: '<=' | '>=', limit: number, note?: string): void {
    const v = value ?? null;
    const pass = v !== null && (op === '<=' ? v <= limit : v >= limit);
    const status = v === null ? 'not measured' : pass ? 'meets' : `misses (${fmt(op === '<=' ? v / limit : limit / v)}× off)`;
    this.fig(key, v, unit, { target: `${op === '<=' ? '≤' : '≥'} ${fmt(limit)}`, status, ...(note ? { note } : {}) });
  }

  print(log: (line: string) => void = console.log): void {
    const rows = Object.entries(this.figures).map(([k, f]) => [k, fmt(f.value), f.unit, f.target ?? '', f.status ?? '', f.note ?? '']);
    const head = ['figure', 'value', 'unit', 'target', 'where it stands', 'note'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
    const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(w[i] as number) : c.padEnd(w[i] as number))).join('  ').trimEnd();
    log('\n' + line(head));
    log(w.map((n) => '─'.repeat(n)).join('  '));
    let group = '';
    for (const r of rows) {
      const g = (r[0] as string).split('.')[0] as string;
      if (group && g !== group) log('');
      group = g;
      log(line(r));
    }
  }
}
