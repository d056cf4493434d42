/**
 * A run record in the formats people take elsewhere: JSON (the record itself, which imports back
 * exactly), CSV (one row per sample), a Markdown summary, and OpenMetrics text for Prometheus and
 * Grafana. Pure: no DOM.
 */
import { RagtabError } from './errors';
import { adviseRecord } from './advice';
import { parseRunRecord, summarizeRecord, type RecordSummary, type RunRecord } from './run-record';
import { concurrencyText } from './report-data';
import type { Summary } from './stats';
import type { Comparison } from './compare';
import { difference, medianInterval, metricChange } from './figure-format';
import { recordRoofFractions, roofsView } from './record-roofs';
import { bestKind, bestKindText, tradeoffCsvRows, tradeoffPoints } from './tradeoff';

export type ExportFormat = 'json' | 'csv' | 'markdown' | 'openmetrics' | 'kinds-csv';

export const EXPORT_FORMATS: ReadonlyArray<{ format: ExportFormat; extension: string; mime: string; label: string }> = Object.freeze([
  { format: 'json', extension: 'json', mime: 'application/json', label: 'JSON' },
  { format: 'csv', extension: 'csv', mime: 'text/csv', label: 'CSV' },
  { format: 'markdown', extension: 'md', mime: 'text/markdown', label: 'Markdown' },
  { format: 'openmetrics', extension: 'prom', mime: 'application/openmetrics-text; version=1.0.0; charset=utf-8', label: 'OpenMetrics' },
  { format: 'kinds-csv', extension: 'kinds.csv', mime: 'text/csv', label: 'Index kinds (CSV)' },
]);

// ─────────────────────────────── JSON ───────────────────────────────

export function toJson(record: RunRecord): string {
  return JSON.stringify(record, null, 2) + '\n';
}

/** Parses and checks an exported record: `fromJson(toJson(r))` deep-equals `r`. */
export function fromJson(text: string): RunRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new RagtabError('MalformedJson', `The file is not JSON: ${(e as Error).message}`);
  }
  return parseRunRecord(data);
}

// ─────────────────────────────── CSV ───────────────────────────────

function csvCell(x: unknown): string {
  if (x === null || x === undefined) return '';
  const s = typeof x === 'string' ? x : String(x);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The record's figures that are not samples, as CSV rows (`kind` roof, fraction or calibration;
 * `stage` names what they are of; `value` and `unit`): the device roofs (an unavailable one has an
 * empty value and its reason as the note), each stage against its roof, the calibration repetitions.
 */
function limitRows(record: RunRecord): Array<{ kind: string; stage: string; value: number | null; unit: string; note: string }> {
  const out: Array<{ kind: string; stage: string; value: number | null; unit: string; note: string }> = [];
  const r = record.roofs;
  if (r) {
    const roof = <T>(name: string, x: ({ available: true } & T) | { available: false; reason: string }, value: (y: T) => number, unit: string, note: (y: T) => string = () => '') =>
      out.push(x.available ? { kind: 'roof', stage: name, value: value(x), unit, note: note(x) } : { kind: 'roof', stage: name, value: null, unit, note: `unavailable: ${x.reason}` });
    roof('memory bandwidth', r.bandwidth, (b) => b.GBps, 'GB/s', (b) => `best of ${b.repsMs.length}; median ${b.medianGBps}`);
    roof('SIMD f32, 1 thread', r.simd1, (x) => x.gflops, 'GFLOP/s');
    roof('SIMD f32, N threads', r.simdN, (x) => x.gflops, 'GFLOP/s', (x) => `${x.threads} threads`);
    out.push({ kind: 'roof', stage: 'timer resolution', value: r.timer.resolutionMs, unit: 'ms', note: r.timer.crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated' });
  }
  for (const f of recordRoofFractions(record)) {
    out.push(f.available ? { kind: 'fraction', stage: f.stage, value: f.fraction, unit: `of ${f.resource}`, note: `${f.achieved} of ${f.roof} ${f.unit}; ${f.basis}` } : { kind: 'fraction', stage: f.stage, value: null, unit: `of ${f.resource}`, note: `unavailable: ${f.reason}` });
  }
  const c = record.calibration;
  if (c) {
    for (const [side, xs] of [['before', c.beforeMs], ['after', c.afterMs]] as const) xs.forEach((x) => out.push({ kind: 'calibration', stage: side, value: x, unit: 'ms', note: c.workload }));
  }
  return out;
}

/**
 * One row per sample (warm-ups included, flagged; `kind` sample); the extras as columns
 * `extra.<key>`. Then the roofs, the fractions and the calibration, one row each (limitRows).
 */
export function toCsv(record: RunRecord): string {
  const keys = [...new Set(record.samples.flatMap((s) => Object.keys(s.extra)))].sort();
  const head = ['run', 'kind', 'stage', 'phase', 'iteration', 'warmup', 'start_ms', 'duration_ms', 'value', 'unit', 'note', ...keys.map((k) => `extra.${k}`)];
  const rows = record.samples.map((s) =>
    [record.id, 'sample', s.stage, s.phase, s.iteration, s.warmup, s.start, s.duration, '', '', '', ...keys.map((k) => s.extra[k])].map(csvCell).join(','),
  );
  const limits = limitRows(record).map((l) => [record.id, l.kind, l.stage, '', '', '', '', '', l.value, l.unit, l.note, ...keys.map(() => '')].map(csvCell).join(','));
  return [head.map(csvCell).join(','), ...rows, ...limits].join('\r\n') + '\r\n';
}

/**
 * The index kinds as points of quality against latency (src/core/tradeoff.ts), one row per kind
 * and setting, of this record or of the cells of its sweep given together.
 */
export function toKindsCsv(records: readonly RunRecord[]): string {
  return tradeoffCsvRows(tradeoffPoints(records)).map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ─────────────────────────────── Markdown ───────────────────────────────

function f(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toFixed(digits);
}

function mb(bytes: number | null): string {
  return bytes === null ? '—' : `${(bytes / 1048576).toFixed(1)} MB`;
}

function ci(s: Summary, digits = 2): string {
  return s.ci95 ? `± ${f((s.ci95[1] - s.ci95[0]) / 2, digits)}` : '';
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function toMarkdown(record: RunRecord, summary: RecordSummary = summarizeRecord(record)): string {
  const r = record;
  const env = r.environment;
  const out: string[] = [];
  out.push(`# ragtab run ${r.id}`, '');
  out.push(`- **configuration**: ${r.config.name} (${r.status}), started ${r.startedAt}${r.sweep ? `, sweep cell ${r.sweep.index + 1}/${r.sweep.of}: ${Object.entries(r.sweep.values).map(([k, v]) => `${k}=${String(v)}`).join(', ')}` : ''}`);
  out.push(`- **corpus**: ${r.corpus ? `${r.corpus.name}: ${r.corpus.docs} documents, ${r.corpus.chunks} chunks, ${r.corpus.tokens} tokens (sha256 ${r.corpus.hash.slice(0, 12)}…)` : r.config.corpus.source}`);
  if (r.embedder) {
    out.push(`- **embedder**: ${r.embedder.model} on ${r.embedder.device}${r.embedder.fallbackReason ? ` (asked for ${r.embedder.requestedDevice}: ${r.embedder.fallbackReason})` : ''}, ${r.embedder.dtype}, ${r.embedder.threads} thread(s), batch ${r.embedder.batchSize}${r.config.embedder.order === 'given' ? ', texts in the given order (not sorted by token count)' : ''}`);
  }
  out.push(`- **index**: ${r.config.index}, k ${r.config.k}; **LLM**: ${r.llm ? `${r.llm.engine} ${r.llm.model}` : 'none'}`);
  out.push(`- **method**: ${r.config.warmups} warm-up(s) excluded, ${r.config.iterations} iteration(s) of ${r.config.queries.count} queries${r.config.concurrency > 1 ? `, concurrency ${r.config.concurrency}` : ''}`);
  out.push(`- **browser**: ${env.userAgent}; ${env.hardwareConcurrency ?? '?'} logical cores; cross-origin isolated: ${env.crossOriginIsolated ? 'yes' : 'no'}; WebGPU: ${env.webgpu.available ? `${env.webgpu.vendor} ${env.webgpu.architecture}` : `no (${env.webgpu.reason})`}`);
  out.push(`- **app**: ragtab ${env.app.version} (${env.app.commit})`, '');

  const resolution = r.roofs ? { resolution: r.roofs.timer.resolutionMs } : {};
  out.push('## Stages (ms)', '', '| stage | phase | n | mean | ± 95% CI | sd | min | p50 | p50 95% CI | p90 | p99 | max | CV | p50 in worker |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const s of summary.stages) {
    const d = s.duration;
    out.push(
      `| ${esc(s.stage)} | ${s.phase} | ${s.count} | ${f(d.mean)} | ${ci(d)} | ${f(d.sd)} | ${f(d.min)} | ${f(d.p50)} | ${medianInterval(s.median, resolution)} | ${f(d.p90)} | ${f(d.p99)} | ${f(d.max)} | ${f(d.cv, 3)}${s.noise.noisy ? ' (noisy)' : ''} | ${f(s.inWorker?.p50)} |`,
    );
  }
  out.push('');
  const noisy = summary.stages.filter((s) => s.noise.noisy);
  if (noisy.length) out.push(`Noisy (coefficient of variation above ${Math.round(noisy[0]!.noise.threshold * 100)}%): ${noisy.map((s) => `${esc(s.stage)} (${s.phase})`).join(', ')}. ${summary.drift ? `The machine meanwhile: ${summary.drift.note}.` : 'No calibration was recorded with this run.'}`, '');
  const lim = roofsView(r);
  out.push("## Against this tab's measured limits", '');
  if (lim.missing) out.push(`${lim.missing}.`, '');
  else out.push(...lim.roofs.map((l) => `- ${l}`), '');
  if (lim.fractions.length) {
    out.push('| stage | roof | share | figures |', '|---|---|--:|---|');
    for (const x of lim.fractions) out.push(`| ${esc(x.stage)} | ${x.resource} | ${x.fraction === null ? 'unavailable' : `${f(x.fraction * 100, x.fraction >= 0.1 ? 0 : 1)}%`} | ${esc(x.detail)} |`);
    out.push('');
  }
  if (lim.drift) out.push(`Calibration: ${lim.drift}.`, '');
  if (summary.throughputs.length) {
    out.push('## Throughput', '', '| figure | phase | n | mean | p50 | min | max |', '|---|---|--:|--:|--:|--:|--:|');
    for (const t of summary.throughputs) out.push(`| ${esc(t.name)} | ${t.phase} | ${t.summary.count} | ${f(t.summary.mean, 1)} | ${f(t.summary.p50, 1)} | ${f(t.summary.min, 1)} | ${f(t.summary.max, 1)} |`);
    out.push('');
  }
  const e = summary.endToEnd;
  if (e) {
    out.push('## End to end vs the sum of stages', '');
    out.push(`${e.queries} queries: measured mean ${f(e.measured.mean)} ms (p50 ${f(e.measured.p50)}), sum of stages mean ${f(e.sumOfStages.mean)} ms; difference (median per query) ${difference(e.resolved, 'ms')}, max ${f(e.difference.max)} ms.`, '');
  }
  if (summary.shares.length) {
    out.push('## Share of a query', '', '| stage | mean ms | share |', '|---|--:|--:|');
    for (const s of summary.shares) out.push(`| ${esc(s.stage)} | ${f(s.meanMs)} | ${f(s.share * 100, 1)}% |`);
    out.push('');
  }
  if (summary.concurrency) {
    const c = summary.concurrency;
    out.push('## Concurrency', '', concurrencyText(c), '');
  }
  if (r.quality?.mean) {
    const m = r.quality.mean;
    out.push('## Retrieval quality', '', `${r.quality.evaluated} judged queries (${r.quality.kind}): nDCG@10 ${f(m.ndcg10, 4)}, recall@10 ${f(m.recall10, 4)}, recall@100 ${f(m.recall100, 4)}, MRR@10 ${f(m.mrr10, 4)}${r.quality.voyRecall ? `; voy recall@${r.quality.voyRecall.k} vs exact ${f(r.quality.voyRecall.mean, 4)}` : ''}.`, '');
  }
  const kinds = tradeoffPoints([record]);
  if (kinds.points.length) {
    out.push(
      '## Index kinds (quality against latency)',
      '',
      `Search p50/p90: the search stage's round trip over the query set's warm samples, else the ingestion's kind check; quality: ${kinds.metric}.`,
      '',
      '| kind | search p50 ms | p90 | from | nDCG@10 | recall@100 | recall vs exact | bytes/vector | memory | on disk | build ms |',
      '|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const p of kinds.points) {
      out.push(
        `| ${esc(p.label)} | ${f(p.latencyP50)} | ${f(p.latencyP90)} | ${p.latencySource ?? '—'} | ${f(p.ndcg10, 4)} | ${f(p.recall100, 4)} | ${p.recallVsExact === null ? '—' : `${f(p.recallVsExact, 4)}@${p.recallK ?? ''}`} | ${p.bytesPerVector ?? '—'} | ${mb(p.bytes)} | ${mb(p.diskBytes)} | ${p.loaded ? `loaded (${f(p.buildMs)})` : f(p.buildMs)} |`,
      );
    }
    const best = bestKind(kinds);
    if (best && kinds.points.length > 1) out.push('', `**Best here**: ${bestKindText(best)}`);
    out.push('');
  }
  if (summary.memory.length) {
    out.push('## Memory (peak per stage)', '', '| stage | figure | peak | samples | note |', '|---|---|--:|--:|---|');
    for (const m of summary.memory) out.push(`| ${esc(m.stage)} | ${m.figure} | ${mb(m.peakBytes)} | ${m.samples} | ${m.peakBytes === null ? esc(m.reason ?? 'unavailable') : ''} |`);
    out.push('');
  }
  const advice = adviseRecord(record, summary);
  if (advice.length) {
    out.push('## Advice', '');
    for (const a of advice) out.push(`- **${a.title}** ${a.detail} _(${a.figure.name}: ${a.figure.value}${a.figure.unit ? ' ' + a.figure.unit : ''})_`);
    out.push('');
  }
  if (r.errors.length || r.warnings.length) {
    out.push('## Errors and warnings', '');
    for (const x of r.errors) out.push(`- error ${x.name}${x.stage ? ` in ${x.stage}` : ''}: ${x.message}`);
    for (const w of r.warnings) out.push(`- warning: ${w}`);
    out.push('');
  }
  return out.join('\n');
}

/** A comparison as a Markdown table (CLI and report). */
export function comparisonMarkdown(c: Comparison & { notComparable?: string[]; incomplete?: string[] }): string {
  if (c.incomplete?.length) {
    return `**No verdict**: a run did not complete, so its figures are partial.\n\n${c.incomplete.map((d) => `- ${esc(d)}`).join('\n')}\n`;
  }
  if (c.notComparable?.length) {
    return `**Not comparable**: the two runs measured different configurations, so no change is judged.\n\n${c.notComparable.map((d) => `- ${esc(d)}`).join('\n')}\n`;
  }
  const out = ['| metric | baseline | current | change | noise | verdict |', '|---|--:|--:|--:|--:|---|'];
  for (const m of c.metrics) {
    out.push(`| ${esc(m.name)} | ${f(m.baselineMean)} | ${f(m.currentMean)} | ${metricChange(m)} | ${m.noisePct === null ? '—' : `${f(m.noisePct, 1)}%`} | ${m.verdict} |`);
  }
  return out.join('\n') + `\n\nOverall: **${c.verdict}**${c.regressions.length ? ` (regressions: ${c.regressions.join(', ')})` : ''}\n`;
}

// ─────────────────────────────── OpenMetrics ───────────────────────────────

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  return `{${Object.entries(l)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;
}

function om(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/**
 * OpenMetrics text: stage durations as summaries in seconds (quantiles 0.5, 0.9, 0.99, with
 * _sum and _count), throughputs, quality and memory peaks as gauges, and an info metric naming the
 * run. Ends with `# EOF`.
 */
export function toOpenMetrics(record: RunRecord, summary: RecordSummary = summarizeRecord(record)): string {
  const base = { run: record.id, config: record.config.name, model: record.embedder?.model ?? record.config.embedder.model, device: record.embedder?.device ?? record.config.embedder.device };
  const out: string[] = [];
  out.push('# TYPE ragtab_run info', '# HELP ragtab_run A ragtab benchmark run.');
  out.push(`ragtab_run_info${labels({ ...base, status: record.status, started: record.startedAt, commit: record.environment.app.commit, version: record.environment.app.version })} 1`);

  out.push('# TYPE ragtab_stage_duration_seconds summary', '# UNIT ragtab_stage_duration_seconds seconds', '# HELP ragtab_stage_duration_seconds Stage durations, warm-ups excluded.');
  for (const s of summary.stages) {
    if (s.count === 0) continue;
    const l = { ...base, stage: s.stage, phase: s.phase };
    const d = s.duration;
    for (const [q, val] of [['0.5', d.p50], ['0.9', d.p90], ['0.99', d.p99]] as const) {
      if (val !== null) out.push(`ragtab_stage_duration_seconds${labels({ ...l, quantile: q })} ${om(val / 1000)}`);
    }
    out.push(`ragtab_stage_duration_seconds_sum${labels(l)} ${om(((d.mean ?? 0) * d.count) / 1000)}`);
    out.push(`ragtab_stage_duration_seconds_count${labels(l)} ${d.count}`);
  }
  out.push('# TYPE ragtab_throughput gauge', '# HELP ragtab_throughput Mean throughput per figure (unit in the label).');
  for (const t of summary.throughputs) {
    if (t.summary.mean !== null) out.push(`ragtab_throughput${labels({ ...base, stage: t.stage, phase: t.phase, unit: t.unit })} ${om(t.summary.mean)}`);
  }
  if (record.quality?.mean) {
    out.push('# TYPE ragtab_quality gauge', '# HELP ragtab_quality Retrieval quality over the judged queries.');
    for (const [k, val] of Object.entries(record.quality.mean)) out.push(`ragtab_quality${labels({ ...base, metric: k })} ${om(val)}`);
  }
  out.push('# TYPE ragtab_memory_peak_bytes gauge', '# UNIT ragtab_memory_peak_bytes bytes', '# HELP ragtab_memory_peak_bytes Peak of each available memory figure per stage (unavailable figures are omitted).');
  for (const m of summary.memory) {
    if (m.peakBytes !== null) out.push(`ragtab_memory_peak_bytes${labels({ ...base, stage: m.stage, figure: m.figure })} ${om(m.peakBytes)}`);
  }
  const roofs = record.roofs;
  if (roofs) {
    out.push('# TYPE ragtab_roof gauge', "# HELP ragtab_roof This tab's measured limits (unit in the label); unavailable roofs are omitted.");
    if (roofs.bandwidth.available) out.push(`ragtab_roof${labels({ ...base, roof: 'memory bandwidth', unit: 'GB/s' })} ${om(roofs.bandwidth.GBps)}`);
    if (roofs.simd1.available) out.push(`ragtab_roof${labels({ ...base, roof: 'SIMD f32, 1 thread', unit: 'GFLOP/s' })} ${om(roofs.simd1.gflops)}`);
    if (roofs.simdN.available) out.push(`ragtab_roof${labels({ ...base, roof: `SIMD f32, ${roofs.simdN.threads} threads`, unit: 'GFLOP/s' })} ${om(roofs.simdN.gflops)}`);
    const fractions = recordRoofFractions(record).filter((x) => x.available);
    if (fractions.length) {
      out.push('# TYPE ragtab_roof_fraction gauge', '# HELP ragtab_roof_fraction Each stage with a roof: achieved ÷ the roof.');
      for (const x of fractions) if (x.available) out.push(`ragtab_roof_fraction${labels({ ...base, stage: x.stage, roof: x.resource })} ${om(x.fraction)}`);
    }
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

export function exportRecord(record: RunRecord, format: ExportFormat): string {
  switch (format) {
    case 'json':
      return toJson(record);
    case 'csv':
      return toCsv(record);
    case 'markdown':
      return toMarkdown(record);
    case 'openmetrics':
      return toOpenMetrics(record);
    case 'kinds-csv':
      return toKindsCsv([record]);
  }
}

/** File name for an export: `ragtab-<config>-<id>.<ext>`. */
export function exportFileName(record: RunRecord, format: ExportFormat): string {
  const ext = EXPORT_FORMATS.find((x) => x.format === format)?.extension ?? 'txt';
  return `ragtab-${record.config.name.replace(/[^\w.-]+/g, '_')}-${record.id}.${ext}`;
}
