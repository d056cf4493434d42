import { LitElement, css, html, nothing, svg } from 'lit';
import { u } from './user-text';
import { visibleControls } from '../core/visible-text';
import { compareSummaries, type CompareRow } from '../core/share-summary';
import type { ShareSummary } from '../core/share-link';
import { cardStyles } from './shared-styles';
import { ms, num } from './format';
import { signed } from '../core/figure-format';
import { keyboardScrollable } from './scroll-focus';

function ratioText(r: CompareRow, higherIsBetter: boolean, where: string, comparable: boolean): string {
  if (!comparable && r.theirs !== null && r.ours !== null) return 'not comparable';
  if (r.ratio === null) return '—';
  const x = r.ratio;
  const speed = higherIsBetter ? x : x > 0 ? 1 / x : Infinity;
  // only a difference beyond both runs' noise is called faster or slower; within it, no ratio is printed
  if (r.verdict === 'within-noise') return `below resolution (within noise: n ${r.n.theirs ?? '?'} vs ${r.n.ours ?? '?'})`;
  const word = r.verdict === 'same' ? 'about the same' : speed >= 1 ? `${num(speed, speed >= 10 ? 0 : 1)}× faster ${where}` : `${num(1 / speed, 1 / speed >= 10 ? 0 : 1)}× slower ${where}`;
  return `×${num(x, x >= 10 ? 1 : 2)} (${word})`;
}

/**
 * Someone else's run beside this device's, stage by stage: mean times, the ratio (ours / theirs)
 * and a verdict (faster / slower only beyond both runs' noise, else "within noise (n)"; no ratio
 * when the configurations differ), a bar chart of each stage (bars relative to the slower of the two), throughputs,
 * quality and what differs between the two set-ups. Properties: `theirs` (a ShareSummary, or null
 * when the link carried no results), `ours`, `theirsLabel`, `oursLabel`, `warnings`.
 */
export class RagtabShareCompare extends LitElement {
  static override properties = {
    theirs: { attribute: false },
    ours: { attribute: false },
    theirsLabel: { type: String },
    oursLabel: { type: String },
    warnings: { attribute: false },
  };
  declare theirs: ShareSummary | null;
  declare ours: ShareSummary | null;
  declare theirsLabel: string;
  declare oursLabel: string;
  declare warnings: string[];

  constructor() {
    super();
    this.theirs = null;
    this.ours = null;
    this.theirsLabel = 'theirs';
    this.oursLabel = 'this device';
    this.warnings = [];
  }

  static override styles = [
    cardStyles,
    css`
      .card { display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
      .legend { display: flex; gap: 16px; font-size: 12px; color: var(--muted); align-items: center; }
      .sw { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 5px; }
      .theirs { background: var(--muted); fill: var(--muted); }
      .ours { background: var(--accent); fill: var(--accent); }
      .faster { color: var(--accent-2); }
      .slower { color: var(--err); }
      svg { width: 100%; height: auto; display: block; }
      svg text { font: 11px ui-sans-serif, system-ui, sans-serif; fill: var(--fg); }
      svg text.v { fill: var(--muted); }
      ul { margin: 0; padding-left: 18px; font-size: 13px; }
      .warn { color: var(--warn); font-size: 13px; }
      h3 { font-size: 13px; margin: 0 0 6px; }
    `,
  ];

  private chart(rows: CompareRow[]) {
    const both = rows.filter((r) => r.theirs !== null && r.ours !== null);
    if (both.length === 0) return nothing;
    const W = 720;
    const labelW = 170;
    const valueW = 80;
    const barW = W - labelW - valueW - 10;
    const rowH = 34;
    const H = both.length * rowH + 6;
    return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Stage times, theirs and here" data-compare-chart>
      ${both.map((r, i) => {
        const max = Math.max(r.theirs!, r.ours!, 1e-9);
        const y = i * rowH + 4;
        const tw = Math.max(1, (r.theirs! / max) * barW);
        const ow = Math.max(1, (r.ours! / max) * barW);
        return svg`<g>
          <text x="0" y=${y + 19}>${visibleControls(r.label)}${r.phase === 'warm' ? '' : ` (${visibleControls(r.phase)})`}</text>
          <rect class="theirs" x=${labelW} y=${y} width=${tw} height="13" rx="2"></rect>
          <rect class="ours" x=${labelW} y=${y + 15} width=${ow} height="13" rx="2"></rect>
          <text class="v" x=${labelW + tw + 4} y=${y + 11}>${ms(r.theirs)}</text>
          <text class="v" x=${labelW + ow + 4} y=${y + 26}>${ms(r.ours)}</text>
        </g>`;
      })}
    </svg>`;
  }

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    if (!this.ours) return nothing;
    const c = compareSummaries(this.theirs, this.ours);
    const where = this.oursLabel === 'this device' ? 'here' : `in ${this.oursLabel}`;
    const per = `${this.oursLabel} / ${this.theirsLabel}`;
    const ok = c.notComparable.length === 0;
    return html`<div class="card" data-compare>
      <h2>Side by side: ${u(this.theirsLabel)} and ${u(this.oursLabel)}</h2>
      ${this.theirs ? nothing : html`<p class="muted">The link carried no results, so only this device's figures are shown.</p>`}
      ${this.warnings.map((w) => html`<p class="warn" role="status">${u(w)}</p>`)}
      ${c.notComparable.length
        ? html`<p class="warn" role="status" data-not-comparable>Not comparable: the two runs measured different configurations (${u(c.notComparable.join('; '))}), so no ratio is given.</p>`
        : nothing}
      ${c.differences.length
        ? html`<div><h3>What differs between the two set-ups</h3><ul data-compare-differences>${c.differences.map((d) => html`<li>${u(d)}</li>`)}</ul></div>`
        : nothing}
      <div class="legend"><span><span class="sw theirs"></span>${u(this.theirsLabel)}</span><span><span class="sw ours"></span>${u(this.oursLabel)}</span></div>
      ${this.chart(c.stages)}
      <table>
        <thead><tr><th>stage</th><th>phase</th><th class="n">${u(this.theirsLabel)} (mean)</th><th class="n">${u(this.oursLabel)} (mean)</th><th class="n">${u(per)}</th></tr></thead>
        <tbody>
          ${c.stages.map(
            (r) => html`<tr data-compare-row=${r.label} data-phase=${r.phase} data-ratio=${r.ratio ?? ''}>
              <td>${u(r.label)}</td><td>${u(r.phase)}</td><td class="n">${ms(r.theirs)}</td><td class="n">${ms(r.ours)}</td>
              <td class="n ${r.verdict ?? ''}" title=${r.reason ?? ''}>${ratioText(r, false, where, ok)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${c.throughputs.length
        ? html`<table>
            <thead><tr><th>throughput</th><th>phase</th><th class="n">${this.theirsLabel}</th><th class="n">${this.oursLabel}</th><th class="n">${per}</th></tr></thead>
            <tbody>
              ${c.throughputs.map(
                (r) => html`<tr data-compare-throughput=${r.label}><td>${u(r.label)}</td><td>${u(r.phase)}</td><td class="n">${num(r.theirs, 1)}</td><td class="n">${num(r.ours, 1)}</td><td class="n ${r.verdict ?? ''}" title=${r.reason ?? ''}>${ratioText(r, true, where, ok)}</td></tr>`,
              )}
            </tbody>
          </table>`
        : nothing}
      ${c.quality.length
        ? html`<table>
            <thead><tr><th>quality</th><th class="n">${this.theirsLabel}</th><th class="n">${this.oursLabel}</th><th class="n">difference</th></tr></thead>
            <tbody>
              ${c.quality.map((q) => html`<tr data-compare-quality=${q.metric}><td>${q.metric}</td><td class="n">${num(q.theirs, 4)}</td><td class="n">${num(q.ours, 4)}</td><td class="n">${q.diff === null ? '—' : signed(q.diff, '', 4)}</td></tr>`)}
            </tbody>
          </table>`
        : nothing}
    </div>`;
  }
}
customElements.define('ragtab-share-compare', RagtabShareCompare);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-share-compare': RagtabShareCompare;
  }
}
