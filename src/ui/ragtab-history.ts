import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { RunStore } from '../core/run-store';
import { runHeader, type RunHeader } from '../core/run-record';
import { baselineProblem, recordDifferences, runLabel, type Difference } from '../core/run-context';
import { compareRecords } from '../core/record-compare';
import { DEFAULT_THRESHOLDS } from '../core/compare';
import { errorInfo } from '../core/errors';
import { cardStyles } from './shared-styles';
import { num } from './format';
import { metricChange } from '../core/figure-format';

/**
 * Saved runs: listed, opened, deleted, and any run compared with a baseline, metric by metric
 * (change, noise and verdict; a regression when latency rises or throughput drops by more than
 * 10%, or quality drops by more than 5%, beyond the runs' own noise). Properties: `store`
 * (a RunStore), `version` (bump to reload the list), `selected` (the run shown). Fires `open-run`
 * and `run-deleted` with `{id}`.
 */
export class RagtabHistory extends LitElement {
  static override properties = {
    store: { attribute: false },
    version: { type: Number },
    selected: { type: String },
    _runs: { state: true },
    _baseline: { state: true },
    _current: { state: true },
    _comparison: { state: true },
    _error: { state: true },
  };
  declare store: RunStore | null;
  declare version: number;
  declare selected: string | null;
  declare _runs: RunHeader[];
  declare _baseline: string;
  declare _current: string;
  declare _comparison: (ReturnType<typeof compareRecords> & { differences: Difference[]; baselineProblem: string | null }) | null;
  declare _error: string | null;

  constructor() {
    super();
    this.store = null;
    this.version = 0;
    this.selected = null;
    this._runs = [];
    this._baseline = '';
    this._current = '';
    this._comparison = null;
    this._error = null;
  }

  static override styles = [
    cardStyles,
    css`
      .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 13px; margin: 10px 0; }
      tr.sel td { background: var(--bar); }
      .regression { color: var(--err); font-weight: 600; }
      .improvement { color: var(--accent-2); font-weight: 600; }
      .within-noise { color: var(--warn); }
      .note { font-size: 12px; color: var(--muted); }
      .warn { color: var(--warn); font-size: 13px; }
      td button { padding: 2px 8px; font-size: 12px; }
      td.actions { white-space: nowrap; }
      h3 { font-size: 13px; margin: 14px 0 6px; }
      select { max-width: 100%; min-width: 0; }
      .row label { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; min-width: 0; max-width: 100%; }
      ul.diff { margin: 0 0 8px; padding-left: 18px; font-size: 13px; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('store') || changed.has('version')) void this.reload();
  }

  private async reload(): Promise<void> {
    if (!this.store) return;
    try {
      this._runs = await this.store.list();
      const ids = new Set(this._runs.map((r) => r.id));
      // by default the two newest complete runs: a failed run is never preselected as a baseline
      const ok = this._runs.filter((r) => baselineProblem(r) === null);
      if (!ids.has(this._baseline)) this._baseline = ok[1]?.id ?? ok[0]?.id ?? '';
      if (!ids.has(this._current)) this._current = ok[0]?.id ?? this._runs[0]?.id ?? '';
      this._comparison = null;
    } catch (e) {
      this._error = errorInfo(e).message;
    }
  }

  private runsTable(runs: RunHeader[], id: string, caption: string) {
    return html`<div class="scroll"><table id=${id}>
      <caption class="sr">${caption}</caption>
      <thead><tr><th>started</th><th>configuration</th><th>model</th><th>device</th><th>corpus</th><th class="n">samples</th><th>status</th><th><span class="sr">actions</span></th></tr></thead>
      <tbody>${runs.map(
        (r) => html`<tr data-run=${r.id} data-status=${r.status} class=${r.id === this.selected ? 'sel' : ''}>
          <td>${new Date(r.startedAt).toLocaleString('en-US')}</td>
          <td>${r.name}${r.sweep ? html` <span class="muted">(cell ${r.sweep.index + 1}/${r.sweep.of})</span>` : nothing}</td>
          <td>${r.model}</td><td>${r.device}</td><td>${r.corpus}</td><td class="n">${num(r.samples)}</td><td>${r.status}</td>
          <td class="actions"><button data-open=${r.id} aria-label=${`Open run ${r.id}`} @click=${() => this.fire('open-run', r.id)}>Open</button>
            <button data-delete=${r.id} aria-label=${`Delete run ${r.id}`} @click=${() => void this._onDelete(r.id)}>Delete</button></td>
        </tr>`,
      )}</tbody>
    </table></div>`;
  }

  /** A picker of runs: complete ones first; failed or cancelled ones apart, each labelled with why it is no baseline. */
  private picker(id: 'baseline' | 'current', label: string, value: string) {
    const ok = this._runs.filter((r) => baselineProblem(r) === null);
    const bad = this._runs.filter((r) => baselineProblem(r) !== null);
    return html`<label>${label}
      <select id=${id} .value=${value} @change=${(e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        if (id === 'baseline') this._baseline = v;
        else this._current = v;
        this._comparison = null;
      }}>
        ${ok.map((r) => html`<option value=${r.id} ?selected=${r.id === value}>${runLabel(r)}</option>`)}
        ${bad.length
          ? html`<optgroup label="Failed, cancelled or empty (not a result)">${bad.map((r) => html`<option value=${r.id} ?selected=${r.id === value}>⚠ ${runLabel(r)}</option>`)}</optgroup>`
          : nothing}
      </select></label>`;
  }

  override render() {
    const runs = this._runs;
    const complete = runs.filter((r) => r.status === 'complete');
    const others = runs.filter((r) => r.status !== 'complete');
    const b = runs.find((r) => r.id === this._baseline);
    const problem = b ? baselineProblem(b) : null;
    return html`<div class="card">
      <h2>Saved runs <span class="muted">· ${complete.length} complete${others.length ? `, ${others.length} failed or cancelled` : ''}</span></h2>
      ${this._error ? html`<p class="regression" role="alert">${this._error}</p>` : nothing}
      ${runs.length === 0
        ? html`<p class="note">Runs are saved here when they finish.</p>`
        : html`${complete.length ? this.runsTable(complete, 'runs', 'Complete runs') : html`<p class="note">No complete run yet.</p>`}
          ${others.length
            ? html`<h3>Failed or cancelled runs <span class="muted">(kept for their errors; not results)</span></h3>${this.runsTable(others, 'failed-runs', 'Failed or cancelled runs')}`
            : nothing}
          <h3>Compare two runs</h3>
          <div class="row">
            ${this.picker('baseline', 'Baseline', this._baseline)}
            ${this.picker('current', 'against', this._current)}
            <button id="compare" class="primary" ?disabled=${!this._baseline || !this._current} @click=${this._onCompare}>Compare</button>
          </div>
          ${problem ? html`<p class="warn" role="status" data-baseline-warning>⚠ The baseline is no baseline: ${problem}.</p>` : nothing}`}
      ${this.renderComparison()}
    </div>`;
  }

  private renderComparison() {
    const c = this._comparison;
    if (!c) return nothing;
    const problem = c.baselineProblem;
    const empty = c.metrics.length === 0;
    return html`${c.differences.length
        ? html`<div data-differences><h3>What differs between the two runs</h3><ul class="diff">${c.differences.map(
            (d) => html`<li data-difference=${d.what}><b>${d.what}</b>: baseline ${d.baseline} · current ${d.current}${d.changesWhatIsMeasured ? html` <span class="warn">(the figures measure different things)</span>` : nothing}</li>`,
          )}</ul></div>`
        : html`<p class="note" data-differences="none">Same configuration, browser and device: the figures are comparable.</p>`}
      ${c.notComparable.length
        ? html`<p id="verdict" data-not-comparable>Not comparable: the runs measured different configurations (${c.notComparable.join('; ')}), so no change is judged.</p>`
        : problem || empty
        ? html`<p class="warn" id="verdict" data-verdict="none" role="status">No verdict: ${problem ? `the baseline ${problem}` : 'the two runs share no measured figure'}.</p>`
        : html`<p>Overall: <span class=${c.verdict} id="verdict" data-verdict=${c.verdict}>${c.verdict}</span>
            ${c.regressions.length ? html` · regressions: ${c.regressions.join(', ')}` : nothing}
            ${c.differences.some((d) => d.changesWhatIsMeasured) ? html`<span class="warn"> — across different configurations: read it with the differences above</span>` : nothing}</p>`}
      <p class="note">Thresholds: latency +${DEFAULT_THRESHOLDS.latency * 100}%, throughput −${DEFAULT_THRESHOLDS.throughput * 100}%, quality −${DEFAULT_THRESHOLDS.quality * 100}%;
        a change counts only beyond the runs' noise (Welch t-test, 95%). Single-sample figures (cold start, reload) are shown but never called: their noise is unknown.</p>
      ${empty
        ? nothing
        : html`<div class="scroll"><table id="comparison">
        <thead><tr><th>metric</th><th class="n">baseline</th><th class="n">current</th><th class="n">n</th><th class="n">change</th><th class="n">noise</th><th>verdict</th><th>why</th></tr></thead>
        <tbody>${c.metrics.map(
          (m) => html`<tr data-metric=${m.name}>
            <td>${m.name}</td><td class="n">${num(m.baselineMean, 3)}${m.unit ? ` ${m.unit}` : ''}</td><td class="n">${num(m.currentMean, 3)}${m.unit ? ` ${m.unit}` : ''}</td>
            <td class="n">${m.baselineCount} vs ${m.currentCount}</td>
            <td class="n">${metricChange(m)}</td>
            <td class="n">${m.noisePct === null ? '—' : `±${num(m.noisePct, 1)}%`}</td>
            <td class=${m.verdict}>${m.verdict === 'within-noise' ? 'within noise' : m.verdict}</td><td class="note">${m.reason}</td>
          </tr>`,
        )}</tbody>
      </table></div>`}
      ${c.onlyIn.baseline.length || c.onlyIn.current.length
        ? html`<p class="note">Not compared (in one run only): ${[...c.onlyIn.baseline, ...c.onlyIn.current].join(', ')}</p>`
        : nothing}`;
  }

  private fire(name: string, id: string): void {
    this.dispatchEvent(new CustomEvent(name, { detail: { id }, bubbles: true, composed: true }));
  }

  private async _onDelete(id: string): Promise<void> {
    if (!this.store) return;
    await this.store.delete(id);
    this.fire('run-deleted', id);
    await this.reload();
  }

  private async _onCompare(): Promise<void> {
    if (!this.store) return;
    try {
      const [b, c] = await Promise.all([this.store.get(this._baseline), this.store.get(this._current)]);
      if (!b || !c) throw new Error('A selected run is no longer saved.');
      this._comparison = { ...compareRecords(b, c), differences: recordDifferences(b, c), baselineProblem: baselineProblem(runHeader(b)) };
      this._error = null;
    } catch (e) {
      this._error = errorInfo(e).message;
    }
  }
}
customElements.define('ragtab-history', RagtabHistory);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-history': RagtabHistory;
  }
}
