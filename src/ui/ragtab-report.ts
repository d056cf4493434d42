import { LitElement, css, html, nothing } from 'lit';
import { summarizeRecord, type RecordSummary, type RunRecord } from '../core/run-record';
import { adviseRecord } from '../core/advice';
import { EXPORT_FORMATS, exportFileName, exportRecord, fromJson, toKindsCsv, type ExportFormat } from '../core/exports';
import { concurrencyText, ingestThroughput, latencyDistribution, memoryOverTime, queryStages, sweepTable, memoryFigureOrder, GPU_TOTAL_NOTE, MEMORY_LABELS, type ChartData } from '../core/report-data';
import { errorInfo } from '../core/errors';
import { cardStyles } from './shared-styles';
import { PALETTE, type ChartSpec } from './ragtab-chart';
import { bytes, ms, num } from './format';
import './ragtab-chart';
import { difference, meanPlusMinus, medianInterval } from '../core/figure-format';
import { roofsView } from '../core/record-roofs';
import './ragtab-tradeoff';
import { tradeoffPoints } from '../core/tradeoff';
import { keyboardScrollable } from './scroll-focus';

function spec(
  title: string,
  xLabel: string,
  yLabel: string,
  d: ChartData,
  opts: Pick<ChartSpec, 'yScale' | 'height'> & { points?: boolean; colors?: ReadonlyMap<string, string> } = {},
): ChartSpec {
  const { points, colors, ...rest } = opts;
  return {
    title,
    xLabel,
    yLabel,
    series: d.series.map((s, i) => ({ label: s.label, color: colors?.get(s.label) ?? PALETTE[i % PALETTE.length]!, points: points ?? false })),
    data: [d.x, ...d.series.map((s) => s.values)],
    ...rest,
  };
}

/**
 * A run, as people would rather look at it than read it: the share of each stage in a query,
 * latency distributions, ingestion throughput and memory over time (uPlot), a table of every
 * statistic, the end-to-end check, advice, and exports (JSON, CSV, Markdown, OpenMetrics) with a
 * JSON import. Properties: `record`, `sweep` (the other cells of its sweep). Fires
 * `record-imported` with the imported RunRecord.
 */
export class RagtabReport extends LitElement {
  static override properties = { record: { attribute: false }, sweep: { attribute: false }, _importError: { state: true } };
  declare record: RunRecord | null;
  declare sweep: RunRecord[];
  declare _importError: string | null;

  private cache: { record: RunRecord; summary: RecordSummary } | null = null;

  constructor() {
    super();
    this.record = null;
    this.sweep = [];
    this._importError = null;
  }

  static override styles = [
    cardStyles,
    css`
      .card { display: grid; grid-template-columns: minmax(0, 1fr); gap: 16px; }
      .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
      .head h2 { margin: 0; flex: 1; }
      .status { font-size: 12px; padding: 2px 8px; border-radius: 99px; border: 1px solid var(--line); }
      .status.failed, .status.cancelled { color: var(--err); border-color: var(--err); }
      .kv { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
      .kv div { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
      .kv b { display: block; font-size: 18px; font-variant-numeric: tabular-nums; }
      .kv span { font-size: 12px; color: var(--muted); }
      .stack { display: flex; height: 24px; border-radius: 6px; overflow: hidden; background: var(--bar); }
      .stack > div { height: 100%; min-width: 2px; }
      .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin-top: 6px; }
      .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
      .charts { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
      .charts > :first-child { grid-column: 1 / -1; }
      @media (max-width: 860px) { .charts { grid-template-columns: minmax(0, 1fr); } }
      h3 { font-size: 13px; font-weight: 600; margin: 0 0 6px; }
      .scroll { overflow-x: auto; }
      .note { font-size: 12px; color: var(--muted); margin: 4px 0 0; }
      ul.advice { margin: 0; padding-left: 18px; font-size: 13px; display: grid; gap: 6px; }
      ul.advice .warn b { color: var(--warn); }
      .fig { color: var(--muted); font-size: 12px; }
      .noisy { color: var(--warn); font-size: 11px; margin-left: 4px; cursor: help; }
      ul.roofs { margin: 0; padding-left: 18px; font-size: 13px; display: grid; gap: 2px; }
      .bar { display: inline-block; width: 80px; height: 8px; border-radius: 4px; background: var(--bar); vertical-align: middle; overflow: hidden; }
      .bar > span { display: block; height: 100%; background: var(--accent, #2a6); }
      .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
      .err { color: var(--err); font-size: 13px; }
      details summary { cursor: pointer; font-size: 13px; color: var(--muted); }
      pre { font-size: 11px; white-space: pre-wrap; word-break: break-word; }
    `,
  ];

  private summary(r: RunRecord): RecordSummary {
    if (this.cache?.record !== r) this.cache = { record: r, summary: summarizeRecord(r) };
    return this.cache.summary;
  }

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const r = this.record;
    const importer = html`<label class="row" style="font-size:13px">Import a JSON record
      <input id="import" type="file" accept=".json,application/json" @change=${this._onImport} /></label>
      ${this._importError ? html`<span class="err" role="alert">${this._importError}</span>` : nothing}`;
    if (!r) return html`<div class="card"><h2>Benchmark report</h2><p class="note">Run a benchmark, or open a saved one.</p><div class="row">${importer}</div></div>`;
    const s = this.summary(r);
    const e2e = s.endToEnd;
    const qps = s.throughputs.find((t) => t.name === 'query set: queries/s');
    const embed = s.throughputs.find((t) => t.name === 'embed: chunks/s' && t.phase === 'cold');
    const cells = this.sweep.filter((x) => x.sweep && x.sweep.id === r.sweep?.id);
    const advice = adviseRecord(r, s, cells);
    const kinds = tradeoffPoints([r, ...cells.filter((x) => x.id !== r.id)]);
    const colors = new Map(queryStages(r).map((st, i) => [st, PALETTE[i % PALETTE.length]!] as const));
    return html`<div class="card" data-run=${r.id}>
      <div class="head">
        <h2>Benchmark report · ${r.config.name}</h2>
        <span class="status ${r.status}" data-status=${r.status}>${r.status}</span>
        <span class="muted" style="font-size:12px">${r.id}${r.sweep ? ` · sweep cell ${r.sweep.index + 1}/${r.sweep.of}` : ''}</span>
      </div>
      ${r.errors.map((x) => html`<p class="err" role="alert" data-error-name=${x.name}>${x.name}${x.stage ? ` in ${x.stage}` : ''}: ${x.message}</p>`)}
      <div class="kv">
        <div><b>${ms(e2e?.measured.p50)}</b><span>query end to end, p50 (${e2e?.queries ?? 0} queries)</span></div>
        <div><b>${num(qps?.summary.mean, 1)}</b><span>queries/s, one at a time</span></div>
        ${s.concurrency ? html`<div data-concurrency=${s.concurrency.pipeline}><b>${num(s.concurrency.queriesPerSecond.mean, 1)}</b><span>queries/s, ${s.concurrency.concurrency} at once through ${s.concurrency.pipeline === 'retrieval' ? 'retrieval only' : 'retrieval + generation'} (p90 ${ms(s.concurrency.latency.p90)})</span></div>` : nothing}
        <div><b>${num(embed?.summary.mean, 1)}</b><span>chunks/s embedded (cold)</span></div>
        ${r.quality?.mean ? html`<div><b>${r.quality.mean.ndcg10.toFixed(4)}</b><span>nDCG@10 (${r.quality.evaluated} judged queries)</span></div>` : nothing}
      </div>
      <p class="note">
        ${r.corpus ? `${r.corpus.name}: ${num(r.corpus.docs)} documents, ${num(r.corpus.chunks)} chunks` : r.config.corpus.source} ·
        ${r.embedder ? `${r.embedder.model} on ${r.embedder.device}, ${r.embedder.threads} thread(s)` : r.config.embedder.model} ·
        ${r.llm ? `${r.llm.engine} ${r.llm.model}` : 'no LLM'} · ${r.config.warmups} warm-up(s) excluded, ${r.config.iterations} iterations ×
        ${r.config.queries.count} queries · ${r.environment.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated'}
      </p>
      ${this.renderShares(s, colors)}
      <div class="charts">
        <ragtab-chart .spec=${spec('Latency distribution per stage (warm)', 'percentile', 'ms', latencyDistribution(r), { yScale: 'log', height: 240, colors })}></ragtab-chart>
        <ragtab-chart .spec=${spec('Ingestion throughput per batch', 's since embedding began', 'texts/s', ingestThroughput(r), { points: true })}></ragtab-chart>
        <ragtab-chart .spec=${spec('Memory over time', 's since the run began', 'MB', memoryOverTime(r))}></ragtab-chart>
      </div>
      ${kinds.points.length > 1 ? html`<ragtab-tradeoff .set=${kinds}></ragtab-tradeoff>` : nothing}
      ${this.renderStats(s, r)} ${this.renderChecks(r, s)} ${this.renderRoofs(r)} ${this.renderMemory(s)} ${this.renderSweep()}
      ${advice.length
        ? html`<div><h3>Advice</h3><ul class="advice">${advice.map(
            (a) => html`<li class=${a.severity} data-advice=${a.id}><b>${a.title}</b> ${a.detail} <span class="fig">(${a.figure.name}: ${String(a.figure.value)}${a.figure.unit ? ' ' + a.figure.unit : ''})</span></li>`,
          )}</ul></div>`
        : nothing}
      <details><summary>Environment</summary><pre>${JSON.stringify(r.environment, null, 2)}</pre></details>
      <div class="row">
        <span style="font-size:13px">Export:</span>
        ${EXPORT_FORMATS.map((f) => html`<button data-export=${f.format} @click=${() => this._download(f.format)}>${f.label}</button>`)}
        <span style="flex:1"></span>${importer}
      </div>
    </div>`;
  }

  private renderShares(s: RecordSummary, colors: ReadonlyMap<string, string>) {
    if (!s.shares.length) return nothing;
    return html`<div>
      <h3>Share of each stage in a query (warm, ${s.endToEnd?.queries ?? 0} queries)</h3>
      <div class="stack" role="img" aria-label="Share of each stage in a query">
        ${s.shares.map((x, i) => html`<div title="${x.stage}: ${(x.share * 100).toFixed(1)}%" style="width:${x.share * 100}%;background:${colors.get(x.stage) ?? PALETTE[i % PALETTE.length]}"></div>`)}
      </div>
      <div class="legend">${s.shares.map((x, i) => html`<span data-share=${x.stage}><span class="sw" style="background:${colors.get(x.stage) ?? PALETTE[i % PALETTE.length]}"></span>${x.stage} ${(x.share * 100).toFixed(1)}% · ${ms(x.meanMs)}</span>`)}</div>
    </div>`;
  }

  private renderStats(s: RecordSummary, r: RunRecord) {
    const resolution = r.roofs?.timer.resolutionMs;
    const digits = resolution ? { resolution } : {};
    return html`<div class="scroll">
      <h3>Statistics (ms; warm-ups excluded; cold, reload and warm apart)</h3>
      <table id="stats" aria-label="Statistics per stage">
        <thead><tr><th>stage</th><th>phase</th><th class="n">n</th><th class="n">mean ± 95% CI</th><th class="n">sd</th><th class="n">min</th><th class="n">p50</th><th class="n" title="order-statistic (sign-test) interval of the median: distribution-free">p50 95% CI</th><th class="n">p90</th><th class="n">p99</th><th class="n">max</th><th class="n">CV</th><th class="n">p50 in worker</th></tr></thead>
        <tbody>
          ${s.stages.map((x) => {
            const d = x.duration;
            return html`<tr data-stage=${x.stage} data-phase=${x.phase} data-noisy=${x.noise.noisy ? 'yes' : 'no'}>
              <td>${x.stage}</td><td>${x.phase}</td><td class="n">${x.count}${x.warmupsExcluded ? html` <span class="fig">+${x.warmupsExcluded}</span>` : nothing}</td>
              <td class="n">${meanPlusMinus(d.mean, d.ci95)}</td><td class="n">${num(d.sd, 2)}</td>
              <td class="n">${ms(d.min)}</td><td class="n">${ms(d.p50)}</td><td class="n" data-p50-ci>${medianInterval(x.median, digits)}</td><td class="n">${ms(d.p90)}</td><td class="n">${ms(d.p99)}</td><td class="n">${ms(d.max)}</td>
              <td class="n">${num(d.cv, 3)}${x.noise.noisy ? html`<span class="noisy" title=${x.noise.note}>noisy</span>` : nothing}</td><td class="n">${ms(x.inWorker?.p50)}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${s.stages.some((x) => x.noise.noisy)
        ? html`<p class="note" id="noise-note">noisy: a coefficient of variation above ${Math.round((s.stages[0]?.noise.threshold ?? 0.1) * 100)}%. ${s.drift ? `The machine meanwhile: ${s.drift.note}.` : 'No calibration was recorded with this run, so whether the machine itself changed speed is unknown.'}</p>`
        : nothing}
      ${s.throughputs.length
        ? html`<table id="throughputs" style="margin-top:10px">
            <thead><tr><th>throughput</th><th>phase</th><th class="n">n</th><th class="n">mean</th><th class="n">p50</th><th class="n">min</th><th class="n">max</th></tr></thead>
            <tbody>${s.throughputs.map((t) => html`<tr><td>${t.name}</td><td>${t.phase}</td><td class="n">${t.summary.count}</td><td class="n">${num(t.summary.mean, 1)}</td><td class="n">${num(t.summary.p50, 1)}</td><td class="n">${num(t.summary.min, 1)}</td><td class="n">${num(t.summary.max, 1)}</td></tr>`)}</tbody>
          </table>`
        : nothing}
    </div>`;
  }

  /** This tab's measured limits, and each stage that has one as a fraction of it. */
  private renderRoofs(r: RunRecord) {
    const v = roofsView(r);
    return html`<div id="roofs">
      <h3>Against this tab's measured limits</h3>
      ${v.missing ? html`<p class="note" data-roofs="none">${v.missing}.</p>` : html`<ul class="roofs">${v.roofs.map((l) => html`<li data-roof>${l}</li>`)}</ul>`}
      ${v.fractions.length
        ? html`<table id="roof-fractions" style="margin-top:8px">
            <thead><tr><th>stage</th><th>roof</th><th class="n">share</th><th><span class="sr">bar</span></th><th>figures</th></tr></thead>
            <tbody>${v.fractions.map(
              (f) => html`<tr data-roof-stage=${f.stage} data-available=${f.fraction === null ? 'no' : 'yes'}>
                <td>${f.stage}</td><td>${f.resource}</td>
                <td class="n">${f.fraction === null ? html`<span class="fig">unavailable</span>` : `${num(f.fraction * 100, f.fraction >= 0.1 ? 0 : 1)}%`}</td>
                <td>${f.fraction === null ? nothing : html`<span class="bar" aria-hidden="true"><span style="width:${Math.min(100, f.fraction * 100)}%"></span></span>`}</td>
                <td class="fig">${f.detail}</td>
              </tr>`,
            )}</tbody>
          </table>`
        : nothing}
      ${v.drift ? html`<p class="note" id="drift">${v.drift}.</p>` : nothing}
    </div>`;
  }

  private renderChecks(r: RunRecord, s: RecordSummary) {
    const e = s.endToEnd;
    return html`${s.concurrency ? html`<p class="note" id="concurrency">Concurrency: ${concurrencyText(s.concurrency)}</p>` : nothing}
      ${e
        ? html`<p class="note" id="e2e">End to end vs the sum of stages, per query: measured mean ${ms(e.measured.mean)}, stages ${ms(e.sumOfStages.mean)},
            difference (median per query) ${difference(e.resolved, 'ms')}, max ${ms(e.difference.max)}: the harness, events and rendering the stages do not cover.</p>`
        : nothing}
      ${r.quality?.mean
        ? html`<p class="note">Quality over ${r.quality.evaluated} judged queries: nDCG@10 ${r.quality.mean.ndcg10.toFixed(4)}, recall@10 ${r.quality.mean.recall10.toFixed(4)},
            recall@100 ${r.quality.mean.recall100.toFixed(4)}, MRR@10 ${r.quality.mean.mrr10.toFixed(4)}${r.quality.voyRecall ? `; voy recall@${r.quality.voyRecall.k} vs exact ${r.quality.voyRecall.mean.toFixed(4)}` : ''}.</p>`
        : nothing}
      ${r.warnings.map((w) => html`<p class="note">⚠ ${w}</p>`)}`;
  }

  private renderMemory(s: RecordSummary) {
    if (!s.memory.length) return nothing;
    const figures = memoryFigureOrder(s.memory.map((m) => m.figure));
    const stages = [...new Set(s.memory.map((m) => m.stage))];
    const peak = new Map(s.memory.map((m) => [`${m.stage}\u0000${m.figure}`, m] as const));
    const reasons = new Map<string, string>();
    for (const m of s.memory) if (m.peakBytes === null && m.reason) reasons.set(m.figure, m.reason);
    return html`<div class="scroll">
      <h3>Memory, peak per stage</h3>
      <table id="memory">
        <thead><tr><th>stage</th>${figures.map((f) => html`<th class="n">${MEMORY_LABELS[f]}</th>`)}</tr></thead>
        <tbody>${stages.map(
          (st) => html`<tr data-stage=${st}><td>${st}</td>${figures.map((f) => {
            const m = peak.get(`${st}\u0000${f}`);
            if (!m) return html`<td class="n"></td>`;
            return m.peakBytes === null
              ? html`<td class="n fig" data-figure=${f} data-available="no" title=${m.reason ?? ''}>unavailable</td>`
              : html`<td class="n" data-figure=${f} data-available="yes">${bytes(m.peakBytes)}</td>`;
          })}</tr>`,
        )}</tbody>
      </table>
      ${[...reasons].map(([f, r]) => html`<p class="note" data-unavailable=${f}>${MEMORY_LABELS[f as keyof typeof MEMORY_LABELS]}: unavailable — ${r}</p>`)}
      ${figures.some((f) => f.endsWith('webgpu-buffers')) ? html`<p class="note" id="gpu-note">${GPU_TOTAL_NOTE}</p>` : nothing}
    </div>`;
  }

  private renderSweep() {
    const cells = this.sweep.filter((x) => x.sweep && x.sweep.id === this.record?.sweep?.id);
    if (cells.length < 2) return nothing;
    const t = sweepTable(cells);
    const chart: ChartData = { x: t.rows.map((_, i) => i + 1), series: t.stages.map((st) => ({ label: `${st} p50`, values: t.rows.map((row) => row.p50[st] ?? null) })) };
    return html`<div class="scroll">
      <h3>Sweep: ${t.axes.join(' × ')} (${t.rows.length} cells)</h3>
      <table id="sweep">
        <thead><tr><th>#</th>${t.axes.map((a) => html`<th>${a}</th>`)}${t.stages.map((st) => html`<th class="n">${st} p50</th>`)}<th class="n">queries/s</th></tr></thead>
        <tbody>${t.rows.map((row, i) => html`<tr><td>${i + 1}</td>${t.axes.map((a) => html`<td>${String(row.values[a])}</td>`)}${t.stages.map((st) => html`<td class="n">${ms(row.p50[st])}</td>`)}<td class="n">${num(row.queriesPerSecond, 1)}</td></tr>`)}</tbody>
      </table>
      <ragtab-chart .spec=${spec('Sweep: p50 per cell', 'cell', 'ms', chart, { points: true })}></ragtab-chart>
    </div>`;
  }

  private _download(format: ExportFormat): void {
    const r = this.record;
    if (!r) return;
    const f = EXPORT_FORMATS.find((x) => x.format === format)!;
    // the kinds table of a sweep holds every cell's points
    const cells = this.sweep.filter((x) => x.sweep && x.sweep.id === r.sweep?.id && x.id !== r.id);
    const text = format === 'kinds-csv' ? toKindsCsv([r, ...cells]) : exportRecord(r, format);
    const url = URL.createObjectURL(new Blob([text], { type: f.mime }));
    const a = document.createElement('a');
    a.href = url;
    a.download = exportFileName(r, format);
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private async _onImport(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    try {
      const record = fromJson(await file.text());
      this._importError = null;
      this.dispatchEvent(new CustomEvent('record-imported', { detail: record, bubbles: true, composed: true }));
    } catch (err) {
      const info = errorInfo(err);
      this._importError = `${info.name}: ${info.message}`;
    } finally {
      input.value = '';
    }
  }
}

customElements.define('ragtab-report', RagtabReport);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-report': RagtabReport;
  }
}
