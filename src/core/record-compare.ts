/**
 * A run against a baseline, metric by metric, with src/core/compare.ts's thresholds and Welch test:
 * every stage's durations (per phase; warm-ups excluded), every throughput, and the retrieval
 * quality per query. Pure.
 */
import { compareRuns, type CompareOptions, type Comparison, type MetricSamples } from './compare';
import { configDifferences } from './comparability';
import {
  CONCURRENT_BATCH_STAGE,
  EMBED_BATCH_STAGE,
  QUERY_SET_STAGE,
  rateUnit,
  type Phase,
  type RunRecord,
} from './run-record';

/** Stages whose durations are compared as throughputs instead (or not at all). */
const NOT_LATENCY = new Set([QUERY_SET_STAGE, CONCURRENT_BATCH_STAGE, EMBED_BATCH_STAGE]);

interface Series {
  kind: MetricSamples['kind'];
  unit: string;
  values: number[];
}

/** Every comparable series of a record, by metric name (e.g. "search · warm", "embed: chunks/s · cold", "nDCG@10"). */
export function recordSeries(r: RunRecord): Map<string, Series> {
  const out = new Map<string, Series>();
  const add = (name: string, kind: Series['kind'], unit: string, x: number): void => {
    let s = out.get(name);
    if (!s) out.set(name, (s = { kind, unit, values: [] }));
    s.values.push(x);
  };
  const unitOf = new Map(r.stages.map((s) => [s.name, s.unit] as const));
  for (const s of r.samples) {
    if (s.warmup) continue;
    const at = (phase: Phase) => ` · ${phase}`;
    if (!NOT_LATENCY.has(s.stage)) add(`${s.stage}${at(s.phase)}`, 'latency', unitOf.get(s.stage) ?? 'ms', s.duration);
    for (const [k, val] of Object.entries(s.extra)) {
      if (k.endsWith('PerSecond') && typeof val === 'number' && Number.isFinite(val)) add(`${s.stage}: ${rateUnit(k)}${at(s.phase)}`, 'throughput', rateUnit(k), val);
    }
  }
  const q = r.quality;
  if (q) {
    for (const p of q.perQuery) {
      add('nDCG@10', 'quality', '', p.ndcg10);
      add('recall@10', 'quality', '', p.recall10);
      add('recall@100', 'quality', '', p.recall100);
      add('MRR@10', 'quality', '', p.mrr10);
    }
    if (q.voyRecall) add(`voy recall@${q.voyRecall.k}`, 'quality', '', q.voyRecall.mean);
  }
  return out;
}

/** Configuration fields that do not change what a sample measures (only how many are taken, or the label). */
const NOT_MEASURED = new Set(['name', 'warmups', 'iterations', 'sweep']);

/** A configuration as dotted leaves (`embedder.threads` → value; arrays as JSON). */
function leaves(x: unknown, prefix = '', out: Record<string, string | number | boolean | null> = {}): Record<string, string | number | boolean | null> {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    for (const [k, v] of Object.entries(x)) if (!(prefix === '' && NOT_MEASURED.has(k))) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = Array.isArray(x) ? JSON.stringify(x) : (x as string | number | boolean | null);
  return out;
}

/**
 * The configuration fields two records differ in (name, warm-ups, iterations and sweep aside):
 * when any do, their figures measured different things and are not comparable.
 */
export function recordConfigDifferences(baseline: RunRecord, current: RunRecord): string[] {
  return configDifferences({ label: 'baseline', config: leaves(baseline.config) }, { label: 'current', config: leaves(current.config) });
}

/**
 * Compares every metric both records have. Metrics present in only one record are listed in
 * `onlyIn` (e.g. generation stages when one run had no LLM), not judged. By default a metric with
 * a single sample on either side (a cold start, a reload) is never called a regression or an
 * improvement: its noise is unknown (`unknownNoise: 'within-noise'`). `notComparable` lists the
 * configuration fields the two differ in: when it is not empty, no verdict should be drawn from the
 * metrics (the report and the CLI say "not comparable" instead). `incomplete` has a line for each
 * side that did not complete (failed, cancelled, still running): its figures are partial, so no
 * verdict should be drawn either.
 */
export function compareRecords(
  baseline: RunRecord,
  current: RunRecord,
  opts: CompareOptions = { unknownNoise: 'within-noise' },
): Comparison & { onlyIn: { baseline: string[]; current: string[] }; notComparable: string[]; incomplete: string[] } {
  const b = recordSeries(baseline);
  const c = recordSeries(current);
  const metrics: MetricSamples[] = [];
  for (const [name, cs] of c) {
    const bs = b.get(name);
    if (!bs || bs.values.length === 0 || cs.values.length === 0) continue;
    metrics.push({ name, kind: cs.kind, unit: cs.unit, baseline: bs.values, current: cs.values });
  }
  return {
    ...compareRuns(metrics, opts),
    onlyIn: { baseline: [...b.keys()].filter((k) => !c.has(k)), current: [...c.keys()].filter((k) => !b.has(k)) },
    notComparable: recordConfigDifferences(baseline, current),
    incomplete: [incompleteLine('baseline', baseline), incompleteLine('current', current)].filter((x): x is string => x !== null),
  };
}

/** Why a run's figures are partial ("the baseline failed: …, 0 samples"), or null when it completed. */
export function incompleteLine(side: string, r: RunRecord): string | null {
  if (r.status === 'complete') return null;
  const e = r.errors[r.errors.length - 1];
  return `the ${side} run ${r.status === 'running' ? 'did not finish' : r.status === 'failed' ? 'failed' : 'was cancelled'}${e ? ` (${e.name}: ${e.message.slice(0, 160)})` : ''}, with ${r.samples.length} sample${r.samples.length === 1 ? '' : 's'}`;
}

/**
 * The run offered as a baseline by default: the newest complete run other than `current`; an
 * incomplete one only when there is no complete one (the view then warns).
 */
export function defaultBaseline(runs: ReadonlyArray<{ id: string; status: string }>, current: string): string {
  const others = runs.filter((r) => r.id !== current);
  return (others.find((r) => r.status === 'complete') ?? others[0] ?? runs[0])?.id ?? '';
}
