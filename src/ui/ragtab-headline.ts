import { LitElement, css, html } from 'lit';
import { headline, type HeadlineInput } from '../core/headline';
import { cardStyles } from './shared-styles';

/**
 * The session's headline (src/core/headline.ts): embedding throughput, retrieval p50, nDCG@10, time
 * to first token and decode speed, each with where it came from, or what would measure it.
 * Property: `input`.
 */
export class RagtabHeadline extends LitElement {
  static override properties = { input: { attribute: false } };
  declare input: HeadlineInput;

  constructor() {
    super();
    this.input = { ingest: null, evaluation: null, answer: null };
  }

  static override styles = [
    cardStyles,
    css`
      .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
      .tile { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
      .tile b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
      .tile b.none { font-size: 15px; color: var(--muted); font-weight: 550; }
      .tile .k { font-size: 12.5px; font-weight: 600; }
      .tile .w { font-size: 11.5px; color: var(--muted); display: block; margin-top: 2px; }
    `,
  ];

  override render() {
    return html`<section class="card" aria-labelledby="headline-h">
      <h2 id="headline-h">This session, at a glance</h2>
      <div class="tiles">
        ${headline(this.input).map(
          (t) => html`<div class="tile" data-headline=${t.key} data-measured=${t.value !== null ? 'yes' : 'no'}>
            <span class="k">${t.label}</span>
            <b class=${t.value === null ? 'none' : ''}>${t.value ?? 'not yet'}</b>
            <span class="w">${t.note}</span>
          </div>`,
        )}
      </div>
    </section>`;
  }
}
customElements.define('ragtab-headline', RagtabHeadline);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-headline': RagtabHeadline;
  }
}
