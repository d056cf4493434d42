import { LitElement, css, html, nothing } from 'lit';
import type { HeadlineTile } from '../core/headline';
import { ms, num } from './format';

function value(t: HeadlineTile): string {
  if (t.value === null) return '—';
  if (t.unit === 'ms') return ms(t.value);
  if (t.unit === '') return t.value.toFixed(4);
  return `${num(t.value, t.value >= 100 ? 0 : 1)} ${t.unit}`;
}

/**
 * The current run in five figures (query latency, time to first token, decode speed, embedding
 * throughput, nDCG@10), each with the phase and sample count it came from, and where the run comes
 * from (this session, or a benchmark run). Properties: `tiles` (src/core/headline.ts), `source`
 * (a sentence: "this session" / "benchmark quick · complete"). No events.
 */
export class RagtabHeadline extends LitElement {
  static override properties = { tiles: { attribute: false }, source: { type: String } };
  declare tiles: HeadlineTile[];
  declare source: string;

  constructor() {
    super();
    this.tiles = [];
    this.source = '';
  }

  static override styles = css`
    :host { display: block; }
    section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 10px 14px; }
    h2 { font-size: 13px; margin: 0 0 8px; font-weight: 600; color: var(--muted); }
    h2 b { color: var(--fg); font-weight: 600; }
    dl { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 8px; margin: 0; }
    dl > div { min-width: 0; }
    dt { font-size: 12px; color: var(--muted); }
    dd { margin: 0; }
    .v { display: block; font-size: 19px; font-weight: 650; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
    .none .v { color: var(--muted); font-weight: 500; }
    .p { display: block; font-size: 11.5px; color: var(--muted); overflow-wrap: anywhere; }
    @media (max-width: 760px) { dl { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
    @media (max-width: 480px) {
      dl { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px 10px; }
      .v { font-size: 16px; }
    }
  `;

  override render() {
    if (!this.tiles.length) return nothing;
    return html`<section aria-labelledby="h">
      <h2 id="h">Current run: <b data-headline-source>${this.source}</b></h2>
      <dl>
        ${this.tiles.map(
          (t) => html`<div class=${t.value === null ? 'none' : ''} data-headline=${t.id} data-phase=${t.phaseName ?? 'none'}>
            <dt>${t.label}</dt>
            <dd><span class="v">${value(t)}</span><span class="p">${t.phase}</span></dd>
          </div>`,
        )}
      </dl>
    </section>`;
  }
}
customElements.define('ragtab-headline', RagtabHeadline);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-headline': RagtabHeadline;
  }
}
