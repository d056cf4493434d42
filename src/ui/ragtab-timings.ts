import { LitElement, css, html, nothing } from 'lit';
import type { StageTiming } from '../engine/session';
import { cardStyles } from './shared-styles';
import { ms, num } from './format';
import { keyboardScrollable } from './scroll-focus';

const COLORS = ['#2f6fec', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777'];

/**
 * Each stage's time as a stacked bar and a table: main-thread round trip, time inside the worker,
 * and their difference (the cost of the worker boundary). Properties: `stages`, `heading`, `total`.
 * A stage that ran beside another (its `extra.during` names which) is said to, when the sum exceeds the total.
 */
export class RagtabTimings extends LitElement {
  static override properties = { stages: { attribute: false }, heading: { type: String }, total: { type: Number } };
  declare stages: StageTiming[];
  declare heading: string;
  declare total: number;

  constructor() {
    super();
    this.stages = [];
    this.heading = 'Stages';
    this.total = 0;
  }

  static override styles = [
    cardStyles,
    css`
      .stack { display: flex; height: 22px; border-radius: 6px; overflow: hidden; margin: 4px 0 12px; background: var(--bar); }
      .stack > div { height: 100%; min-width: 2px; }
      .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
      .extra { color: var(--muted); font-size: 12px; }
    `,
  ];

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    if (!this.stages.length) return nothing;
    const sum = this.stages.reduce((s, x) => s + x.ms, 0);
    const overlap = this.stages.some((s) => s.extra?.['during'] !== undefined) && this.total > 0 && sum > this.total;
    return html`<div class="card">
      <h2>${this.heading} <span class="muted">· ${ms(this.total || sum)} end to end</span></h2>
      ${overlap ? html`<p class="extra" data-overlap>Some stages ran at the same time (marked "during …"): their times add up to ${ms(sum)}, more than end to end.</p>` : nothing}
      <div class="stack" role="img" aria-label="Share of each stage">
        ${this.stages.map((s, i) => html`<div title="${s.name}: ${ms(s.ms)}" style="width:${sum > 0 ? (s.ms / sum) * 100 : 0}%;background:${COLORS[i % COLORS.length]}"></div>`)}
      </div>
      <table>
        <thead><tr><th>stage</th><th class="n">round trip</th><th class="n">in worker</th><th class="n">boundary</th><th class="n">share</th><th>details</th></tr></thead>
        <tbody>
          ${this.stages.map(
            (s, i) => html`<tr data-stage=${s.name}>
              <td><span class="sw" style="background:${COLORS[i % COLORS.length]}"></span>${s.name}</td>
              <td class="n">${ms(s.ms)}</td>
              <td class="n">${s.workerMs === undefined ? '—' : ms(s.workerMs)}</td>
              <td class="n">${s.workerMs === undefined ? '—' : ms(s.ms - s.workerMs)}</td>
              <td class="n">${sum > 0 ? num((s.ms / sum) * 100, 1) + '%' : '—'}</td>
              <td class="extra">${Object.entries(s.extra ?? {})
                .map(([k, v]) => `${k} ${typeof v === 'number' ? num(v, v < 100 && !Number.isInteger(v) ? 1 : 0) : v}`)
                .join(' · ')}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }
}
customElements.define('ragtab-timings', RagtabTimings);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-timings': RagtabTimings;
  }
}
