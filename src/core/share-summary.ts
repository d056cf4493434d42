/**
 * What a share link says about results: a compact summary (per-stage statistics, throughputs,
 * quality, corpus, models, environment) built from a RunRecord (the benchmark's, or the app's own
 * run as one: src/engine/session-record.ts); the pins that make it reproducible; the check of a user's
 * files against the shared hashes; and the stage-by-stage comparison of two summaries. Pure.
 */
import { APP_SUITE, summarizeRecord, type EnvironmentRecord, type Phase, type RunRecord } from './run-record';
import type { Summary } from './stats';
import { compareMoments, type MetricKind, type Moments } from './compare';
import type { BenchConfig } from './bench-config';
import type { ShareEnvironment, SharePins, SharedFile, ShareSummary, StageRow, ThroughputRow } from './share-link';

const cut = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const fin = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const clampMs = (x: number): number => Math.min(1e9, Math.max(0, x));
const optMs = (x: number | null | undefined): number | null => (fin(x) ? clampMs(x) : null);
const posInt = (x: number | null | undefined, max: number): number => (fin(x) ? Math.min(max, Math.max(1, Math.round(x))) : 1);

export function environmentSummary(env: EnvironmentRecord): ShareEnvironment {
  return {
    userAgent: cut(env.userAgent, 1000),
    platform: env.clientHints.available ? cut(env.clientHints.platform, 100) || null : null,
    hardwareConcurrency: fin(env.hardwareConcurrency) && env.hardwareConcurrency >= 1 ? Math.min(4096, Math.round(env.hardwareConcurrency)) : null,
    deviceMemoryGiB: fin(env.deviceMemoryGiB) && env.deviceMemoryGiB >= 0 ? Math.min(1e6, env.deviceMemoryGiB) : null,
    crossOriginIsolated: env.crossOriginIsolated,
    webgpu: env.webgpu.available ? cut(`${env.webgpu.vendor} ${env.webgpu.architecture}`.trim() || 'available', 300) : null,
    app: { version: cut(env.app.version, 50), commit: cut(env.app.commit, 50) },
    date: cut(env.date, 40),
  };
}

function rowFrom(stage: string, phase: Phase, unit: string, d: Summary, inWorker: Summary | null): StageRow | null {
  if (d.count === 0 || !fin(d.mean)) return null;
  return {
    stage: cut(stage, 120),
    phase,
    unit: cut(unit, 40),
    count: Math.min(10_000_000, d.count),
    mean: clampMs(d.mean),
    p50: optMs(d.p50),
    p90: optMs(d.p90),
    p99: optMs(d.p99),
    min: optMs(d.min),
    max: optMs(d.max),
    inWorkerP50: optMs(inWorker?.p50),
    sd: optMs(d.sd),
  };
}

function throughputRow(stage: string, phase: Phase, unit: string, t: Summary): ThroughputRow | null {
  const mean = t.mean;
  if (!fin(mean) || mean < 0) return null;
  return {
    name: cut(`${stage}: ${unit}`, 200),
    stage: cut(stage, 120),
    phase,
    unit: cut(unit, 60),
    mean: Math.min(1e12, mean),
    count: Math.min(10_000_000, t.count),
    sd: fin(t.sd) ? Math.min(1e12, t.sd) : null,
  };
}

const notNull = <T>(x: T | null): x is T => x !== null;

/** A benchmark record's summary: its per-stage statistics (warm-ups excluded, phases apart). */
export function summaryFromRecord(r: RunRecord): ShareSummary {
  const s = summarizeRecord(r);
  const q = r.quality;
  const e = r.embedder;
  const l = r.llm;
  const str = (x: unknown): string | null => (typeof x === 'string' && x ? x : null);
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return {
    source: r.suite === APP_SUITE ? 'session' : 'record',
    status: r.status,
    startedAt: cut(r.startedAt, 40),
    stages: s.stages.map((x) => rowFrom(x.stage, x.phase, x.unit, x.duration, x.inWorker)).filter(notNull).slice(0, 200),
    throughputs: s.throughputs.map((t) => throughputRow(t.stage, t.phase, t.unit, t.summary)).filter(notNull).slice(0, 200),
    quality: q?.mean ? { ...q.mean, evaluated: q.evaluated, voyRecall: q.voyRecall ? q.voyRecall.mean : null } : null,
    corpus: r.corpus ? { name: cut(r.corpus.name, 300), hash: r.corpus.hash, docs: r.corpus.docs, chunks: r.corpus.chunks, tokens: r.corpus.tokens } : null,
    embedder: e
      ? { model: cut(e.model, 200), device: cut(e.device, 20), requestedDevice: cut(e.requestedDevice, 20), dtype: cut(e.dtype, 20), threads: posInt(e.threads, 4096), batch: posInt(e.batchSize, 65_536), dims: posInt(e.dims, 65_536) }
      : null,
    llm: l
      ? {
          engine: cut(l.engine, 20),
          model: cut(l.model, 2048),
          modelName: str(l.detail['modelName']),
          variant: str(l.detail['variant']),
          backend: cut(str(l.detail['backend']) ?? 'unknown', 40),
          threads: posInt(num(l.detail['threads']), 4096),
          contextSize: Math.max(0, Math.round(num(l.detail['contextSize']) ?? 0)),
          engineVersion: cut(str(l.detail['engineVersion']) ?? '', 200),
        }
      : null,
    questions: r.config.queries.from === 'list' ? r.config.queries.list.slice(0, 20).map((x) => cut(x, 500)) : [],
    environment: environmentSummary(r.environment),
  };
}

// ─────────────────────────────── pins ───────────────────────────────

export interface PinInputs {
  corpusKind?: SharePins['corpus']['kind'];
  corpusName?: string | null;
  corpusHash?: string | null;
  docs?: number | null;
  files?: SharedFile[];
  /** SHA-256 of the GGUF file, when the sharer could compute it. */
  llmSha256?: string | null;
  llmVariant?: string | null;
  /** The app's dependency versions (`__RAGTAB_DEPS__`). */
  deps?: Record<string, string>;
}

/** The pins of a configuration, from what the sharer knows. */
export function makePins(config: BenchConfig, p: PinInputs = {}): SharePins {
  const deps = p.deps ?? {};
  const kind = p.corpusKind ?? (config.corpus.source as 'demo' | 'beir' | 'hub');
  const l = config.llm;
  const lib = (name: string) => (deps[name] ? `${name} ${deps[name]}` : null);
  return {
    corpus: {
      kind,
      name: p.corpusName ? cut(p.corpusName, 300) : null,
      hash: p.corpusHash ?? config.corpus.hash,
      docs: fin(p.docs) ? Math.round(p.docs) : null,
      files: kind === 'files' ? (p.files ?? []).map((f) => ({ name: cut(f.name, 260), bytes: f.bytes, sha256: f.sha256 })) : [],
    },
    embedder: { model: config.embedder.model, revision: config.embedder.revision, library: lib('@huggingface/transformers') },
    llm:
      l.engine === 'none' || l.model === null
        ? null
        : {
            engine: l.engine,
            model: l.model,
            variant: p.llmVariant ? cut(p.llmVariant, 100) : l.variant,
            sha256: l.engine === 'wllama' ? (p.llmSha256 ?? null) : null,
            library: lib(l.engine === 'webllm' ? '@mlc-ai/web-llm' : '@wllama/wllama'),
          },
  };
}

/** What is not pinned, in words (shown beside the shared configuration). */
export function unpinned(pins: SharePins): string[] {
  const out: string[] = [];
  if (pins.corpus.hash === null) out.push('the corpus content (no hash: it may have changed since)');
  if (pins.embedder.revision === null) out.push(`the embedding model's revision (${pins.embedder.model} as it is now)`);
  if (pins.llm?.engine === 'wllama' && pins.llm.sha256 === null) out.push('the GGUF file (no SHA-256)');
  if (pins.llm?.engine === 'webllm' && pins.llm.library === null) out.push("web-llm's library version");
  return out;
}

// ─────────────────────────────── files ───────────────────────────────

export interface FileCheckRow {
  expected: SharedFile;
  /** Index of the picked file that matches (by hash), null when none. */
  picked: number | null;
  problem: string | null;
}

export interface FileCheck {
  ok: boolean;
  rows: FileCheckRow[];
  /** Picked files that are not part of the shared corpus. */
  extra: string[];
  /** The picked files' indices in the shared order (when ok): the corpus hash depends on the order. */
  order: number[];
  message: string | null;
}

const short = (h: string) => `${h.slice(0, 12)}…`;

/** Matches picked files (name, size, SHA-256) to the shared ones: by hash, whatever their names. */
export function checkFiles(expected: readonly SharedFile[], picked: readonly SharedFile[]): FileCheck {
  const used = new Set<number>();
  const rows: FileCheckRow[] = expected.map((f) => {
    const i = picked.findIndex((p, j) => !used.has(j) && p.sha256 === f.sha256);
    if (i >= 0) {
      used.add(i);
      return { expected: f, picked: i, problem: null };
    }
    const same = picked.find((p) => p.name === f.name);
    return {
      expected: f,
      picked: null,
      problem: same
        ? `${same.name} is not the shared file: SHA-256 ${short(same.sha256)} (${same.bytes} bytes), expected ${short(f.sha256)} (${f.bytes} bytes)`
        : `${f.name} (${f.bytes} bytes, SHA-256 ${short(f.sha256)}) was not picked`,
    };
  });
  const extra = picked.filter((_, j) => !used.has(j)).map((p) => p.name);
  const problems = rows.map((r) => r.problem).filter((x): x is string => x !== null);
  const extraProblems = extra.filter((n) => !rows.some((r) => r.problem?.startsWith(`${n} is not`))).map((n) => `${n} is not part of the shared corpus`);
  const all = [...problems, ...extraProblems];
  const ok = all.length === 0;
  return { ok, rows, extra, order: ok ? rows.map((r) => r.picked as number) : [], message: ok ? null : `The files do not match the shared corpus: ${all.join('; ')}.` };
}

// ─────────────────────────────── comparison ───────────────────────────────

/**
 * From this device's side: faster / slower (time down or throughput up by more than 10%, and beyond
 * both runs' noise by the Welch test of src/core/compare.ts), the same (within 10%), or within noise
 * (more than 10% apart, but not beyond the noise, or the noise is unknown: a single sample, or a
 * summary that carries no spread).
 */
export type Verdict = 'faster' | 'slower' | 'same' | 'within-noise';

export interface CompareRow {
  key: string;
  label: string;
  phase: Phase;
  unit: string;
  theirs: number | null;
  ours: number | null;
  /** ours / theirs (null when either is missing or theirs is 0, or when the set-ups are not comparable). */
  ratio: number | null;
  verdict: Verdict | null;
  /** Samples behind each side's mean (null when unknown). */
  n: { theirs: number | null; ours: number | null };
  /** Why the verdict (the test, or why the noise is unknown). */
  reason: string | null;
}

export interface SummaryComparison {
  stages: CompareRow[];
  throughputs: CompareRow[];
  quality: Array<{ metric: string; theirs: number | null; ours: number | null; diff: number | null }>;
  /** What differs between the two set-ups (and so may explain the figures). */
  differences: string[];
  /**
   * Differences of configuration (corpus, embedding model, requested device, LLM) that make the
   * figures measure different things: when any, no ratio or verdict is given.
   */
  notComparable: string[];
}

const SAME_BAND = 0.1;

interface RowStats {
  mean: number;
  count: number | null;
  sd: number | null | undefined;
}

function judge(kind: MetricKind, unit: string, t: RowStats, o: RowStats): { verdict: Verdict; reason: string } {
  const moments = (x: RowStats): Moments | null => (x.count === null || x.sd === undefined ? null : { count: x.count, mean: x.mean, sd: x.count >= 2 ? x.sd : null });
  const [mt, mo] = [moments(t), moments(o)];
  const thresholds = { latency: SAME_BAND, throughput: SAME_BAND };
  const c = compareMoments(
    { name: '', kind, unit, baseline: mt ?? { count: Math.max(1, t.count ?? 1), mean: t.mean, sd: null }, current: mo ?? { count: Math.max(1, o.count ?? 1), mean: o.mean, sd: null } },
    { unknownNoise: 'within-noise', thresholds },
  );
  const n = `n ${t.count ?? '?'} vs ${o.count ?? '?'}`;
  if (c.verdict === 'unchanged') return { verdict: 'same', reason: `within ${SAME_BAND * 100}% (${n})` };
  if (c.verdict === 'within-noise') {
    const why = !mt || !mo ? 'no spread recorded: an older link' : c.test === null ? 'a single sample' : `Welch t = ${c.test.t.toFixed(2)}`;
    return { verdict: 'within-noise', reason: `within noise (${n}; ${why})` };
  }
  return { verdict: c.verdict === 'improvement' ? 'faster' : 'slower', reason: `beyond noise (${n}; ${c.test?.df != null ? `Welch t = ${c.test.t.toFixed(2)}, df ${c.test.df.toFixed(1)}` : 'both without variance'})` };
}

function joinRows<T extends { phase: Phase }>(
  theirs: readonly T[],
  ours: readonly T[],
  key: (x: T) => string,
  label: (x: T) => string,
  stats: (x: T) => RowStats,
  unit: (x: T) => string,
  kind: MetricKind,
  comparable: boolean,
): CompareRow[] {
  const mine = new Map(ours.map((x) => [key(x), x] as const));
  const seen = new Set<string>();
  const rows: CompareRow[] = [];
  const push = (t: T | undefined, o: T | undefined) => {
    const x = (t ?? o) as T;
    const a = t ? stats(t) : null;
    const b = o ? stats(o) : null;
    const ratio = comparable && a !== null && b !== null && a.mean > 0 ? b.mean / a.mean : null;
    const j = ratio !== null && a && b ? judge(kind, unit(x), a, b) : null;
    rows.push({ key: key(x), label: label(x), phase: x.phase, unit: unit(x), theirs: a?.mean ?? null, ours: b?.mean ?? null, ratio, verdict: j?.verdict ?? null, n: { theirs: a?.count ?? null, ours: b?.count ?? null }, reason: j?.reason ?? null });
  };
  for (const t of theirs) {
    seen.add(key(t));
    push(t, mine.get(key(t)));
  }
  for (const o of ours) if (!seen.has(key(o))) push(undefined, o);
  return rows;
}

/** Their summary beside ours, stage by stage (mean ms), throughput by throughput, metric by metric. */
export function compareSummaries(theirs: ShareSummary | null | undefined, ours: ShareSummary): SummaryComparison {
  const t = theirs ?? null;
  const differences: string[] = [];
  const notComparable: string[] = [];
  if (t) {
    const diff = (what: string, a: unknown, b: unknown, blocks = false) => {
      if (a === b) return;
      const line = `${what}: theirs ${String(a ?? '—')}, here ${String(b ?? '—')}`;
      differences.push(line);
      if (blocks) notComparable.push(line);
    };
    diff('corpus hash', t.corpus?.hash.slice(0, 12), ours.corpus?.hash.slice(0, 12), true);
    diff('embedding model', t.embedder?.model, ours.embedder?.model, true);
    diff('requested embedding device', t.embedder?.requestedDevice, ours.embedder?.requestedDevice, true);
    diff('embedding device', t.embedder?.device, ours.embedder?.device);
    diff('embedding threads', t.embedder?.threads, ours.embedder?.threads);
    diff('LLM', t.llm ? `${t.llm.engine} ${t.llm.model}` : null, ours.llm ? `${ours.llm.engine} ${ours.llm.model}` : null, true);
    diff('cross-origin isolated', t.environment.crossOriginIsolated, ours.environment.crossOriginIsolated);
    diff('logical cores', t.environment.hardwareConcurrency, ours.environment.hardwareConcurrency);
    diff('ragtab version', `${t.environment.app.version} (${t.environment.app.commit})`, `${ours.environment.app.version} (${ours.environment.app.commit})`);
  }
  const comparable = notComparable.length === 0;
  const stages = joinRows(t?.stages ?? [], ours.stages, (x) => `${x.phase}\u0000${x.stage}`, (x) => x.stage, (x) => ({ mean: x.mean, count: x.count, sd: x.sd }), (x) => x.unit, 'latency', comparable);
  const throughputs = joinRows(t?.throughputs ?? [], ours.throughputs, (x) => `${x.phase}\u0000${x.name}`, (x) => x.name, (x) => ({ mean: x.mean, count: x.count ?? null, sd: x.sd }), (x) => x.unit, 'throughput', comparable);
  const metrics = [
    ['nDCG@10', 'ndcg10'],
    ['recall@10', 'recall10'],
    ['recall@100', 'recall100'],
    ['MRR@10', 'mrr10'],
    ['voy recall vs exact', 'voyRecall'],
  ] as const;
  const quality = metrics
    .map(([metric, k]) => {
      const a = t?.quality?.[k] ?? null;
      const b = ours.quality?.[k] ?? null;
      return { metric, theirs: a, ours: b, diff: a !== null && b !== null ? b - a : null };
    })
    .filter((q) => q.theirs !== null || q.ours !== null);
  return { stages, throughputs, quality, differences, notComparable };
}
