/**
 * Repeatability: the same configuration run several times in a row on one machine; per stage, the
 * coefficient of variation of its p50 across the runs (sample sd ÷ mean of the runs' p50s). The
 * target (issue 16): at most 5% for stages whose p50 is over 5 ms, on a quiet machine. Pure.
 */
import { summarizeRecord, type Phase, type RunRecord, type StageStats } from './run-record';
import { summarize } from './stats';
import { fixed } from './figure-format';

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
    ...r.p50s.map((p) => (p === null ? '—' : fixed(p, p >= 100 ? 0 : p >= 10 ? 1 : 2))),
    r.cv === null ? '—' : fixed(Math.abs(r.cv) * 100, 1),
    r.status === 'short' ? `n/a (≤ ${minMs} ms)` : r.status,
  ]);
  const all = [head, ...body];
  const w = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  return all.map((row, i) => row.map((cell, c) => (c < 2 || i === 0 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  ')).join('\n');
}
