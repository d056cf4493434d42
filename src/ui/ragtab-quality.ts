import { LitElement, css, html, nothing } from 'lit';
import type { EvaluationReport } from '../engine/session';
import { cardStyles } from './shared-styles';
import { ms } from './format';
import { meanPlusMinus } from '../core/figure-format';
import { keyboardScrollable } from './scroll-focus';

/**
 * Retrieval quality over the corpus's judged queries, beside the latency of the stages that
 * produced it; with several index kinds, one row per kind (its quality and search latency) under
 * the answering kind's figures. Properties: `report`, `reports` (every kind's), `canEvaluate`,
 * `busy`, `unavailable` (why a corpus that has queries cannot be evaluated: shown instead of the
 * button). Fires `evaluate`.
 */
export class RagtabQuality extends LitElement {
  static override properties = { report: { attribute: false }, reports: { attribute: false }, canEvaluate: { type: Boolean }, busy: { type: Boolean }, queries: { type: Number }, unavailable: { attribute: false } };
  declare report: EvaluationReport | null;
  declare reports: readonly EvaluationReport[];
  declare canEvaluate: boolean;
  declare busy: boolean;
  declare queries: number;
  declare unavailable: string | null;

  constructor() {
    super();
    this.report = null;
    this.reports = [];
    this.canEvaluate = false;
    this.busy = false;
    this.queries = 0;
    this.unavailable = null;
  }

  static override styles = [
    cardStyles,
    css`
      .kv { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px; margin: 10px 0; }
      .kv div { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
      .kv b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
      .kv span { font-size: 12px; color: var(--muted); }
      .note { font-size: 12px; color: var(--muted); }
      .row { display: flex; gap: 12px; align-items: center; }
    `,
  ];

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    if (!this.canEvaluate) {
      return this.unavailable
        ? html`<div class="card"><h2 style="margin:0 0 6px">Retrieval quality</h2><p class="note" data-unavailable role="status">Nothing to evaluate: ${this.unavailable}</p></div>`
        : nothing;
    }
    const r = this.report;
    const m = r?.quality.mean;
    return html`<div class="card">
      <div class="row">
        <h2 style="flex:1;margin:0">Retrieval quality</h2>
        <button id="evaluate" class="primary" ?disabled=${this.busy} @click=${this._onEvaluate}>${r ? 'Evaluate again' : `Evaluate ${this.queries} judged queries`}</button>
      </div>
      ${r && m
        ? html`<div class="kv">
              <div><b data-metric="ndcg10">${m.ndcg10.toFixed(4)}</b><span>nDCG@10</span></div>
              <div><b data-metric="recall10">${m.recall10.toFixed(4)}</b><span>recall@10</span></div>
              <div><b data-metric="recall100">${m.recall100.toFixed(4)}</b><span>recall@100</span></div>
              <div><b data-metric="mrr10">${m.mrr10.toFixed(4)}</b><span>MRR@10</span></div>
            </div>
            <p class="note">
              ${r.quality.evaluated} queries evaluated${r.quality.skipped.noPositiveJudgment.length ? `, ${r.quality.skipped.noPositiveJudgment.length} skipped (no positive judgment)` : ''};
              documents ranked by their best chunk among the top ${r.depth} chunks (${r.label}); graded gains, log2 discount.
            </p>
            ${this.reports.length > 1 ? this.kindsTable() : nothing}
            <table>
              <thead><tr><th>stage (${r.queries} queries, ${r.warmups} warm-up excluded)</th><th class="n">p50</th><th class="n">p90</th><th class="n">p99</th><th class="n">mean ± 95% CI</th><th class="n">p50 in worker</th></tr></thead>
              <tbody>
                ${r.latency.map(
                  (l) => html`<tr>
                    <td>${l.stage}</td><td class="n">${ms(l.roundTrip.p50)}</td><td class="n">${ms(l.roundTrip.p90)}</td><td class="n">${ms(l.roundTrip.p99)}</td>
                    <td class="n">${meanPlusMinus(l.roundTrip.mean, l.roundTrip.ci95)}</td>
                    <td class="n">${ms(l.inWorker?.p50)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
        : html`<p class="note">Runs every judged query of the corpus through embed query → search and scores the ranking against the judgments.</p>`}
    </div>`;
  }

  /** One row per evaluated kind: quality and its search stage's latency over the same queries. */
  private kindsTable() {
    const search = (e: EvaluationReport) => e.latency.find((l) => l.stage === 'search')?.roundTrip;
    return html`<table id="kinds-quality">
      <thead><tr><th>index kind (same ${this.reports[0]?.quality.evaluated ?? 0} queries)</th><th class="n">nDCG@10</th><th class="n">recall@10</th><th class="n">recall@100</th><th class="n">MRR@10</th><th class="n">search p50</th><th class="n">p90</th></tr></thead>
      <tbody>
        ${this.reports.map((e) => {
          const m = e.quality.mean;
          return html`<tr data-kind-quality=${e.kind}>
            <td>${e.label}</td><td class="n">${m ? m.ndcg10.toFixed(4) : '—'}</td><td class="n">${m ? m.recall10.toFixed(4) : '—'}</td><td class="n">${m ? m.recall100.toFixed(4) : '—'}</td><td class="n">${m ? m.mrr10.toFixed(4) : '—'}</td>
            <td class="n">${ms(search(e)?.p50)}</td><td class="n">${ms(search(e)?.p90)}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  private _onEvaluate(): void {
    this.dispatchEvent(new CustomEvent('evaluate', { bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-quality', RagtabQuality);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-quality': RagtabQuality;
  }
}
