/**
 * The data behind the report's charts, derived from a record (pure, so it is tested in Node):
 * latency distributions per stage, ingestion throughput over time, memory over time, and a sweep
 * table. Each chart is `{x, series: [{label, values}]}` on one shared x axis; a value missing at
 * an x is null.
 */
import { percentileSorted } from './stats';
import { EMBED_BATCH_STAGE, summarizeRecord, type ConcurrencyStats, type MemoryFigure, type RunRecord } from './run-record';

export interface ChartData {
  x: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
}

/** Joins series with their own x values on the union of the x values (sorted). */
export function alignSeries(list: ReadonlyArray<{ label: string; points: ReadonlyArray<[number, number]> }>): ChartData {
  const xs = [...new Set(list.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i] as const));
  return {
    x: xs,
    series: list.map((s) => {
      const values: Array<number | null> = xs.map(() => null);
      for (const [x, y] of s.points) values[index.get(x)!] = y;
      return { label: s.label, values };
    }),
  };
}

/** Stages shown in the latency chart: the warm stages of a query, in order of first appearance. */
export function queryStages(record: RunRecord): string[] {
  const out: string[] = [];
  for (const s of record.samples) {
    if (s.phase !== 'warm' || s.warmup || typeof s.extra['seq'] !== 'number' || out.includes(s.stage)) continue;
    out.push(s.stage);
  }
  return out;
}

/**
 * Latency distribution per stage as percentile curves: x = percentile (0..100), y = ms at that
 * percentile, one curve per warm query stage (warm-ups excluded).
 */
export function latencyDistribution(record: RunRecord, stages = queryStages(record)): ChartData {
  const x = Array.from({ length: 101 }, (_, i) => i);
  return {
    x,
    series: stages
      .map((stage) => {
        const d = record.samples.filter((s) => s.stage === stage && s.phase === 'warm' && !s.warmup).map((s) => s.duration).sort((a, b) => a - b);
        return { label: stage, values: d.length ? x.map((p) => percentileSorted(d, p / 100)) : x.map(() => null) };
      })
      .filter((s) => s.values.some((v) => v !== null)),
  };
}

/** Embedding throughput per batch (texts/s) against seconds since the embed stage began, per ingestion phase. */
export function ingestThroughput(record: RunRecord): ChartData {
  const phases = ['cold', 'reload'] as const;
  return alignSeries(
    phases
      .map((phase) => {
        const batches = record.samples.filter((s) => s.stage === EMBED_BATCH_STAGE && s.phase === phase);
        const t0 = batches[0]?.start ?? 0;
        return {
          label: `${phase}: texts/s`,
          points: batches
            .filter((b) => typeof b.extra['textsPerSecond'] === 'number')
            .map((b) => [Math.round((b.start - t0 + b.duration) * 1000) / 1e6, b.extra['textsPerSecond'] as number] as [number, number]),
        };
      })
      .filter((s) => s.points.length > 0),
  );
}

/** Labels of the memory figures, in the order the report shows them. */
export const MEMORY_LABELS: Record<MemoryFigure, string> = {
  'js-heap-used': 'JS heap used',
  'js-heap-total': 'JS heap total',
  'ua-memory': 'page + workers (UA-specific memory)',
  'storage-usage': 'storage usage',
  'embedder-wasm': 'embedder WASM',
  'index-wasm': 'index WASM',
  'llm-wasm': 'LLM WASM',
  'embedder-webgpu-buffers': 'embedder WebGPU buffers',
  'index-webgpu-buffers': 'index WebGPU buffers',
  'llm-webgpu-buffers': 'LLM WebGPU buffers',
  'webgpu-buffers': 'WebGPU buffers, all workers',
};

/** The figures present, in the report's order. */
export function memoryFigureOrder(figures: Iterable<MemoryFigure>): MemoryFigure[] {
  const order = Object.keys(MEMORY_LABELS);
  return [...new Set(figures)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** What the webgpu-buffers total covers (for the report's note under the memory table). */
export const GPU_TOTAL_NOTE =
  'WebGPU buffers are counted in each worker where they are created (GPUDevice.createBuffer) and freed (destroy()); the total sums the workers that count. A buffer dropped without destroy() stays counted until its device is destroyed; textures are not counted.';

const fmt = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));

/**
 * One paragraph on the concurrency mode: what the queries went through, queries/s and latency
 * under that load, and (with an LLM) how long they waited for it.
 */
export function concurrencyText(c: ConcurrencyStats): string {
  const head = `${c.concurrency} queries at once, ${c.batches} batch(es), through ${c.pipeline === 'retrieval' ? 'retrieval only (embed query → search → format context; the run had no LLM)' : 'retrieval and generation (embed query → search → format context → build prompt → generate)'}`;
  const load = `${fmt(c.queriesPerSecond.mean)} queries/s; latency from submission p50 ${fmt(c.latency.p50)} ms, p90 ${fmt(c.latency.p90)} ms, p99 ${fmt(c.latency.p99)} ms`;
  const retrieval = c.retrieval ? `; retrieval done p50 ${fmt(c.retrieval.p50)} ms` : '';
  const llm =
    c.pipeline === 'retrieval+generation'
      ? `. The LLM worker generates one answer at a time, so the queries queue for it: wait for the LLM p50 ${fmt(c.llmWait?.p50)} ms (max ${fmt(c.llmWait?.max)} ms), first token p50 ${fmt(c.firstToken?.p50)} ms after submission`
      : '';
  return `${head}: ${load}${retrieval}${llm}.`;
}

/** Available memory figures (MB) against seconds since the run started. */
export function memoryOverTime(record: RunRecord): ChartData {
  const figures = memoryFigureOrder(record.memory.filter((m) => m.available).map((m) => m.figure));
  return alignSeries(
    figures.map((figure) => ({
      label: MEMORY_LABELS[figure],
      points: record.memory.flatMap((m) => (m.figure === figure && m.available ? [[Math.round(m.t) / 1000, m.bytes / 1048576] as [number, number]] : [])),
    })),
  );
}

/** One row per sweep cell: its axis values and the warm p50 of each query stage plus the end-to-end p50. */
export interface SweepRow {
  id: string;
  values: Record<string, string | number | boolean | null>;
  status: RunRecord['status'];
  p50: Record<string, number | null>;
  queriesPerSecond: number | null;
}

export function sweepTable(records: readonly RunRecord[]): { axes: string[]; stages: string[]; rows: SweepRow[] } {
  const cells = records.filter((r) => r.sweep).sort((a, b) => a.sweep!.index - b.sweep!.index);
  const axes = [...new Set(cells.flatMap((r) => Object.keys(r.sweep!.values)))];
  const stages: string[] = [];
  const rows = cells.map((r) => {
    const s = summarizeRecord(r);
    const p50: Record<string, number | null> = {};
    for (const st of s.stages) {
      if (st.phase !== 'warm' || !queryStages(r).includes(st.stage)) continue;
      p50[st.stage] = st.duration.p50;
      if (!stages.includes(st.stage)) stages.push(st.stage);
    }
    const qps = s.throughputs.find((t) => t.name === 'query set: queries/s');
    return { id: r.id, values: { ...r.sweep!.values }, status: r.status, p50, queriesPerSecond: qps?.summary.mean ?? null };
  });
  return { axes, stages, rows };
}
