/**
 * Whether two measurements may be compared at all, and their paired ratio when they may. Pure.
 *
 * A comparison is "not comparable" (no ratio is given) when
 * - the two sides ran different configurations (the fields named in `Side.config` differ), or
 * - a side matches a known pathology: a rule that recognises a measurement known to say nothing
 *   about what it claims to measure (e.g. native llama.cpp generating with 2 threads on a 2-core VM,
 *   several times slower than with 1), each firing with its evidence.
 */
import { RagtabError } from './errors';
import { LEVEL, noiseVerdict, pairedRatio, type Interval, type MachineContext, type NoiseVerdict } from './robust-stats';

/** Facts about one side that the pathology rules read (all optional: a rule needs its own). */
export interface SideFacts {
  /** e.g. 'llama.cpp (native)', 'wllama', 'onnxruntime-node', 'onnxruntime-web'. */
  engine?: string;
  task?: 'llm-prefill' | 'llm-generation' | 'embedding' | 'search';
  threads?: number;
  /** Logical cores of the machine (os.cpus().length, navigator.hardwareConcurrency). */
  logicalCores?: number;
  /** The side's measured rate (higher is better, e.g. tokens/s) at `threads`. */
  rate?: number;
  /** The same measurement with one thread, when it was taken. */
  rateOneThread?: number;
}

export interface Side {
  label: string;
  /** The configuration fields that must match for the two sides to be compared (model, threads, batch...). */
  config: Readonly<Record<string, string | number | boolean | null>>;
  facts?: SideFacts;
}

export interface PathologyRule {
  id: string;
  /** What the rule recognises, in one sentence. */
  summary: string;
  /** The evidence (a sentence with the figures) when the side matches, else null. */
  check(f: SideFacts): string | null;
}

const num = (x: number, d = 1) => x.toFixed(d);

export const PATHOLOGY_RULES: readonly PathologyRule[] = Object.freeze([
  {
    id: 'threads-slower-than-one',
    summary: 'a run with at least as many threads as logical cores that was slower than one thread (oversubscribed: a pool waits for its slowest thread)',
    check(f) {
      if (!f.threads || f.threads < 2 || !f.logicalCores || f.threads < f.logicalCores) return null;
      if (f.rate === undefined || f.rateOneThread === undefined || !(f.rate < f.rateOneThread)) return null;
      return `${f.threads} threads on ${f.logicalCores} logical cores ran at ${num(f.rate)} vs ${num(f.rateOneThread)} with 1 thread (${num(f.rate / f.rateOneThread, 2)}×)`;
    },
  },
  {
    id: 'native-llama-all-cores-2core-vm',
    summary: 'native llama.cpp generation with as many threads as cores on a machine of ≤ 2 logical cores (measured pathologically slow on the 2-core CI VMs: ../shared/docs/ENVIRONMENT.md)',
    check(f) {
      if (f.task !== 'llm-generation' || !f.engine || !/llama\.cpp.*native|native.*llama|node-llama-cpp/i.test(f.engine)) return null;
      if (!f.threads || !f.logicalCores || f.logicalCores > 2 || f.threads < f.logicalCores || f.threads < 2) return null;
      const measured = f.rate !== undefined && f.rateOneThread !== undefined ? `: ${num(f.rate)} tokens/s vs ${num(f.rateOneThread)} with 1 thread` : ' (no 1-thread figure beside it)';
      return `native llama.cpp generating with ${f.threads} threads on ${f.logicalCores} logical cores${measured}`;
    },
  },
] satisfies PathologyRule[]);

export interface Pathology {
  side: string;
  rule: string;
  evidence: string;
}

/** The rules a side matches, each with its evidence. */
export function pathologiesOf(side: Side, rules: readonly PathologyRule[] = PATHOLOGY_RULES): Pathology[] {
  const f = side.facts;
  if (!f) return [];
  return rules.flatMap((r) => {
    const evidence = r.check(f);
    return evidence ? [{ side: side.label, rule: r.id, evidence }] : [];
  });
}

/** The configuration fields whose values differ, as "field: a vs b". */
export function configDifferences(a: Side, b: Side): string[] {
  const keys = [...new Set([...Object.keys(a.config), ...Object.keys(b.config)])].sort();
  const show = (x: unknown) => (x === undefined ? '(absent)' : String(x));
  return keys.filter((k) => a.config[k] !== b.config[k]).map((k) => `${k}: ${show(a.config[k])} (${a.label}) vs ${show(b.config[k])} (${b.label})`);
}

export type Comparability = { comparable: true } | { comparable: false; reasons: string[]; pathologies: Pathology[]; differences: string[] };

export function comparability(a: Side, b: Side, rules: readonly PathologyRule[] = PATHOLOGY_RULES): Comparability {
  const differences = configDifferences(a, b);
  const pathologies = [...pathologiesOf(a, rules), ...pathologiesOf(b, rules)];
  if (differences.length === 0 && pathologies.length === 0) return { comparable: true };
  const reasons = [
    ...differences.map((d) => `different configuration: ${d}`),
    ...pathologies.map((p) => `${p.side} is a known pathology (${p.rule}): ${p.evidence}`),
  ];
  return { comparable: false, reasons, pathologies, differences };
}

/** A paired ratio a / b, or why there is none. */
export type RatioClaim =
  | { kind: 'not-comparable'; reasons: string[] }
  | {
      kind: 'ratio';
      n: number;
      /** Median of per-pair ratios; null with no pairs. */
      estimate: number | null;
      ci: Interval | null;
      /** The interval excludes 1. */
      differs: boolean;
      method: string;
      /** Noise of each side's samples (CV against the threshold, with the machine's context). */
      noise: { a: NoiseVerdict; b: NoiseVerdict };
    };

/**
 * Compares two sides measured in alternation (`a[i]` and `b[i]` in repetition i): not comparable
 * (with reasons) or the median of per-pair ratios a / b with its interval and each side's noise.
 */
export function pairedComparison(
  a: Side & { samples: ReadonlyArray<number> },
  b: Side & { samples: ReadonlyArray<number> },
  o: { context?: MachineContext; level?: number; rules?: readonly PathologyRule[] } = {},
): RatioClaim {
  if (a.samples.length !== b.samples.length) throw new RagtabError('InvalidArgument', `paired sides need as many samples: ${a.label} ${a.samples.length}, ${b.label} ${b.samples.length}`);
  const c = comparability(a, b, o.rules);
  if (!c.comparable) return { kind: 'not-comparable', reasons: c.reasons };
  const r = pairedRatio(a.samples, b.samples, o.level ?? LEVEL);
  return {
    kind: 'ratio',
    n: r.n,
    estimate: r.median,
    ci: r.ci,
    differs: r.differs,
    method: r.method,
    noise: { a: noiseVerdict(a.samples, o.context), b: noiseVerdict(b.samples, o.context) },
  };
}
