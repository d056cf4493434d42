/**
 * Repeatability: the same configuration run several times in a row on one machine; per stage, the
 * coefficient of variation of its p50 across the runs (sample sd ÷ mean of the runs' p50s). The
 * target (issue 16): at most 5% for stages whose p50 is over 5 ms, on a quiet machine. Pure.
 */
import { summarizeRecord, type Phase, type RunRecord, type StageStats } from './run-record';
import { summarize } from './stats';
import { fixed } from './figure-format';
import { LEVEL, pairedRatio, type PairedRatio } from './robust-stats';

export const REPEAT_TARGET_CV = 0.05;
export const REPEAT_MIN_MS = 5;

export interface RepeatRow {
  stage: string;
  phase: Phase;
  /** Samples per run (warm-ups excluded). */
  counts: number[];
  /** p50 of each run, ms (null where the run has no sample of the stage). */
  p50s: Array<number | null>;
  /** CV of the p50s across the runs; null with fewer than two runs holding the stage. */
  cv: number | null;
  /** met / not met (p50 over `minMs` in every run), 'short' (a p50 under it: timer-and-noise bound), 'missing'. */
  status: 'met' | 'not met' | 'short' | 'missing';
}

export function repeatability(records: readonly RunRecord[], o: { targetCv?: number; minMs?: number } = {}): RepeatRow[] {
  const target = o.targetCv ?? REPEAT_TARGET_CV;
  const minMs = o.minMs ?? REPEAT_MIN_MS;
  const per = records.map((r) => new Map<string, StageStats>(summarizeRecord(r).stages.map((s) => [`${s.phase}\u0000${s.stage}`, s])));
  const keys: string[] = [];
  for (const m of per) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => {
    const [phase, stage] = k.split('\u0000') as [Phase, string];
    const stats = per.map((m) => m.get(k) ?? null);
    const p50s = stats.map((s) => s?.duration.p50 ?? null);
    const present = p50s.filter((x): x is number => x !== null);
    const cv = present.length >= 2 ? summarize(present).cv : null;
    const status: RepeatRow['status'] =
      present.length < records.length || cv === null ? 'missing' : present.some((x) => x <= minMs) ? 'short' : Math.abs(cv) <= target ? 'met' : 'not met';
    return { stage, phase, counts: stats.map((s) => s?.count ?? 0), p50s, cv, status };
  });
}

/** A time in ms with the digits the tables use: none from 100 ms, one from 10, two below. */
const msText = (p: number): string => fixed(p, p >= 100 ? 0 : p >= 10 ? 1 : 2);

/** A plain-text table: the header and the first two columns (stage, phase) left-aligned, figures right-aligned. */
function textTable(head: readonly string[], body: readonly string[][]): string {
  const all = [head, ...body];
  const w = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  return all.map((row, i) => row.map((cell, c) => (c < 2 || i === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ')).join('\n');
}

/** The rows as a plain-text table (one unit per column: ms, %). */
export function repeatabilityTable(rows: readonly RepeatRow[], o: { targetCv?: number; minMs?: number } = {}): string {
  const target = o.targetCv ?? REPEAT_TARGET_CV;
  const minMs = o.minMs ?? REPEAT_MIN_MS;
  const runs = rows[0]?.p50s.length ?? 0;
  const head = ['stage', 'phase', 'n', ...Array.from({ length: runs }, (_, i) => `p50 run ${i + 1} (ms)`), 'CV of p50 (%)', `≤ ${fixed(target * 100, 0)}% (p50 > ${minMs} ms)`];
  const body = rows.map((r) => [
    r.stage,
    r.phase,
    r.counts.join('/'),
    ...r.p50s.map((p) => (p === null ? '—' : msText(p))),
    r.cv === null ? '—' : fixed(Math.abs(r.cv) * 100, 1),
    r.status === 'short' ? `n/a (≤ ${minMs} ms)` : r.status,
  ]);
  return textTable(head, body);
}

// ─────────────────────────── A/B: one change, paired runs ───────────────────────────

export interface AbRow {
  stage: string;
  phase: Phase;
  /** Each pair's p50, ms: A (the configuration as given) and B (with the change). */
  a: number[];
  b: number[];
  /** B ÷ A: the median of the per-pair ratios of p50s, with its order-statistic interval. */
  ratio: PairedRatio | null;
}

/**
 * One change measured as pairs of runs (A then B, B then A, alternating, so a drift of the machine
 * hits both sides alike): per stage, B ÷ A of its p50, the median of the pairs' ratios with its
 * interval (pairedRatio). A stage missing from a run of a pair leaves that pair out of its row.
 */
export function abComparison(a: readonly RunRecord[], b: readonly RunRecord[], level?: number): AbRow[] {
  if (a.length !== b.length) throw new RangeError(`pairs need as many A runs as B runs, got ${a.length} and ${b.length}`);
  const p50 = (r: RunRecord) => {
    const m = new Map<string, number>();
    for (const s of summarizeRecord(r).stages) if (s.duration.p50 !== null) m.set(`${s.phase}\u0000${s.stage}`, s.duration.p50);
    return m;
  };
  const pa = a.map(p50);
  const pb = b.map(p50);
  const keys: string[] = [];
  for (const m of [...pa, ...pb]) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
  return keys.map((k) => {
    const [phase, stage] = k.split('\u0000') as [Phase, string];
    const xs: number[] = [];
    const ys: number[] = [];
    pa.forEach((m, i) => {
      const x = m.get(k);
      const y = pb[i]!.get(k);
      if (x !== undefined && y !== undefined && x > 0) {
        xs.push(x);
        ys.push(y);
      }
    });
    return { stage, phase, a: xs, b: ys, ratio: xs.length > 0 ? pairedRatio(ys, xs, level) : null };
  });
}

/** The A/B rows as a plain-text table: medians of each side, B ÷ A with its interval, or "within noise". */
export function abTable(rows: readonly AbRow[], level = LEVEL): string {
  const med = (xs: number[]) => summarize(xs).p50 ?? undefined;
  const head = ['stage', 'phase', 'pairs', 'A p50 (ms, median)', 'B p50 (ms, median)', `B ÷ A [${fixed(level * 100, 0)}% CI]`];
  const body = rows.map((r) => {
    const q = r.ratio;
    const verdict =
      !q || q.median === null
        ? '—'
        : q.ci === null
          ? `${fixed(q.median, 3)} (no interval at n ${q.n})`
          : q.differs
            ? `${fixed(q.median, 3)} [${fixed(q.ci.lo, 3)}, ${fixed(q.ci.hi, 3)}]`
            : `within noise [${fixed(q.ci.lo, 3)}, ${fixed(q.ci.hi, 3)}]`;
    const ma = med(r.a);
    const mb = med(r.b);
    return [r.stage, r.phase, String(r.a.length), ma === undefined ? '—' : msText(ma), mb === undefined ? '—' : msText(mb), verdict];
  });
  return textTable(head, body);
}
