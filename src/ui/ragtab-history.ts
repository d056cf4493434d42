import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { RunStore } from '../core/run-store';
import type { RunHeader } from '../core/run-record';
import { compareRecords, defaultBaseline } from '../core/record-compare';
import { DEFAULT_THRESHOLDS } from '../core/compare';
import { errorInfo } from '../core/errors';
import { cardStyles } from './shared-styles';
import { num } from './format';
import { metricChange } from '../core/figure-format';
import { keyboardScrollable } from './scroll-focus';

/**
 * Saved runs: listed, opened, deleted, and any run compared with a baseline, metric by metric
 * (change, noise and verdict; a regression when latency rises or throughput drops by more than
 * 10%, or quality drops by more than 5%, beyond the runs' own noise). Properties: `store`
 * (a RunStore), `version` (bump to reload the list), `selected` (the run shown). Fires `open-run`
 * and `run-deleted` with `{id}`; on the window, once a comparison is shown, `ragtab-runs-compared`
 * (`{baseline, current, verdict}`), or `ragtab-runs-compare-failed` (`{message}`).
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
  declare _comparison: (ReturnType<typeof compareRecords>) | null;
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
      /* each picker takes a share of the row and its select the rest of the label, whatever its
         longest option (its text past the box is clipped: cardStyles) */
      .row label { display: inline-flex; flex: 1 1 16rem; gap: 6px; align-items: center; max-width: 100%; min-width: 0; }
      .row label select { flex: 1 1 0; width: 0; min-width: 0; text-overflow: ellipsis; }
      tr.sel td { background: var(--bar); }
      .regression { color: var(--err); font-weight: 600; }
      .improvement { color: var(--accent-2); font-weight: 600; }
      .within-noise { color: var(--warn); }
      .note { font-size: 12px; color: var(--muted); }
      td button { padding: 2px 8px; font-size: 12px; }
      .scroll { overflow-x: auto; }
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
      if (!ids.has(this._current)) this._current = this._runs[0]?.id ?? '';
      if (!ids.has(this._baseline)) this._baseline = defaultBaseline(this._runs, this._current);
      this._comparison = null;
    } catch (e) {
      this._error = errorInfo(e).message;
    }
  }

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const runs = this._runs;
    return html`<div class="card">
      <h2>Saved runs <span class="muted">· ${runs.length}</span></h2>
      ${this._error ? html`<p class="regression" role="alert">${this._error}</p>` : nothing}
      ${runs.length === 0
        ? html`<p class="note">Runs are saved here when they finish.</p>`
        : html`<div class="scroll"><table id="runs">
            <thead><tr><th>started</th><th>configuration</th><th>model</th><th>device</th><th>corpus</th><th class="n">samples</th><th>status</th><th><span class="sr">actions</span></th></tr></thead>
            <tbody>${runs.map(
              (r) => html`<tr data-run=${r.id} class=${r.id === this.selected ? 'sel' : ''}>
                <td>${new Date(r.startedAt).toLocaleString()}</td>
                <td>${r.name}${r.sweep ? html` <span class="muted">(cell ${r.sweep.index + 1}/${r.sweep.of})</span>` : nothing}</td>
                <td>${r.model}</td><td>${r.device}</td><td>${r.corpus}</td><td class="n">${num(r.samples)}</td><td>${r.status}</td>
                <td><button data-open=${r.id} @click=${() => this.fire('open-run', r.id)}>Open</button>
                  <button data-delete=${r.id} @click=${() => void this._onDelete(r.id)}>Delete</button></td>
              </tr>`,
            )}</tbody>
          </table></div>
          <div class="row">
            <label>Baseline <select id="baseline" .value=${this._baseline} @change=${(e: Event) => (this._baseline = (e.target as HTMLSelectElement).value)}>
              ${runOptions(runs, this._baseline)}</select></label>
            <label>against <select id="current" .value=${this._current} @change=${(e: Event) => (this._current = (e.target as HTMLSelectElement).value)}>
              ${runOptions(runs, this._current)}</select></label>
            <button id="compare" class="primary" ?disabled=${!this._baseline || !this._current} @click=${this._onCompare}>Compare</button>
          </div>`}
      ${this.renderComparison()}
    </div>`;
  }

  private renderComparison() {
    const c = this._comparison;
    if (!c) return nothing;
    return html`${c.incomplete.length
        ? html`<p id="verdict" class="regression" data-incomplete role="alert">No verdict: ${c.incomplete.join('; ')}. Its figures are partial; compare complete runs.</p>`
        : c.notComparable.length
        ? html`<p id="verdict" data-not-comparable>Not comparable: the runs measured different configurations (${c.notComparable.join('; ')}), so no change is judged.</p>`
        : html`<p>Overall: <span class=${c.verdict} id="verdict">${c.verdict}</span>
        ${c.regressions.length ? html` · regressions: ${c.regressions.join(', ')}` : nothing}</p>`}
      <p class="note">Thresholds: latency +${DEFAULT_THRESHOLDS.latency * 100}%, throughput −${DEFAULT_THRESHOLDS.throughput * 100}%, quality −${DEFAULT_THRESHOLDS.quality * 100}%;
        a change counts only beyond the runs' noise (Welch t-test, 95%). Single-sample figures (cold start, reload) are shown but never called: their noise is unknown.</p>
      <div class="scroll"><table id="comparison">
        <thead><tr><th>metric</th><th class="n">baseline</th><th class="n">current</th><th class="n">change</th><th class="n">noise</th><th>verdict</th><th>why</th></tr></thead>
        <tbody>${c.metrics.map(
          (m) => html`<tr data-metric=${m.name}>
            <td>${m.name}</td><td class="n">${num(m.baselineMean, 3)}</td><td class="n">${num(m.currentMean, 3)}</td>
            <td class="n">${metricChange(m)}</td>
            <td class="n">${m.noisePct === null ? '—' : `±${num(m.noisePct, 1)}%`}</td>
            <td class=${m.verdict}>${m.verdict}</td><td class="note">${m.reason}</td>
          </tr>`,
        )}</tbody>
      </table></div>
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
      const comparison = compareRecords(b, c);
      this._comparison = comparison;
      this._error = null;
      await this.updateComplete;
      window.dispatchEvent(new CustomEvent('ragtab-runs-compared', { detail: { baseline: b.id, current: c.id, verdict: comparison.verdict } }));
    } catch (e) {
      this._error = errorInfo(e).message;
      window.dispatchEvent(new CustomEvent('ragtab-runs-compare-failed', { detail: { message: this._error } }));
    }
  }
}
/** A run as a person picks it (when, what, which model, how it ended); runs that did not complete apart, marked. */
function runOptions(runs: readonly RunHeader[], selected: string) {
  const label = (r: RunHeader) => `${new Date(r.startedAt).toLocaleString()} · ${r.name}${r.sweep ? ` (cell ${r.sweep.index + 1}/${r.sweep.of})` : ''} · ${r.model} · ${r.samples} samples`;
  const option = (r: RunHeader) => html`<option value=${r.id} ?selected=${r.id === selected}>${label(r)}${r.status === 'complete' ? '' : ` · ${r.status}`}</option>`;
  const complete = runs.filter((r) => r.status === 'complete');
  const other = runs.filter((r) => r.status !== 'complete');
  return html`<optgroup label="complete">${complete.map(option)}</optgroup>${other.length ? html`<optgroup label="did not complete (partial figures, no verdict)">${other.map(option)}</optgroup>` : nothing}`;
}

customElements.define('ragtab-history', RagtabHistory);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-history': RagtabHistory;
  }
}
