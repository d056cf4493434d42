import { LitElement, css, html, nothing } from 'lit';
import type { Progress } from '../engine/session';
import { bytes, num, timeLeft } from './format';

/**
 * Progress of long work: a bar with counts, rate and time left, and a cancel button.
 * Property: `progress`. Fires `cancel`.
 */
export class RagtabProgress extends LitElement {
  static override properties = { progress: { attribute: false } };
  declare progress: Progress | null;

  constructor() {
    super();
    this.progress = null;
  }

  static override styles = css`
    :host { display: block; }
    .wrap { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 12px 16px; }
    .row { display: flex; justify-content: space-between; gap: 12px; font-size: 13px; align-items: center; }
    .bar { height: 8px; border-radius: 4px; background: var(--bar); overflow: hidden; margin: 8px 0 4px; }
    .fill { height: 100%; background: var(--accent); transition: width 0.15s; }
    .indet { width: 30%; animation: slide 1.2s infinite ease-in-out; }
    @keyframes slide { 0% { margin-left: -30%; } 100% { margin-left: 100%; } }
    .muted { color: var(--muted); font-variant-numeric: tabular-nums; }
    button { font: inherit; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: 4px 10px; cursor: pointer; }
  `;

  override render() {
    const p = this.progress;
    if (!p) return nothing;
    const known = p.total > 0;
    const frac = known ? Math.min(1, p.done / p.total) : 0;
    const fmt = (v: number) => (p.unit === 'bytes' ? bytes(v) : num(v));
    const elapsed = (performance.now() - p.startedAt) / 1000;
    const rate = elapsed > 0 && p.done > 0 && p.unit !== 'bytes' ? `${num(p.done / elapsed, 1)} ${p.unit}/s` : '';
    return html`<div class="wrap" role="progressbar" aria-valuemin="0" aria-valuemax=${p.total} aria-valuenow=${p.done} data-phase=${p.phase}>
      <div class="row">
        <span>${p.label}</span>
        <button @click=${this._onCancel}>Cancel</button>
      </div>
      <div class="bar"><div class="fill ${known ? '' : 'indet'}" style="width:${known ? (frac * 100).toFixed(1) + '%' : ''}"></div></div>
      <div class="row muted">
        <span>${known ? `${fmt(p.done)} / ${fmt(p.total)} ${p.unit === 'bytes' ? '' : p.unit}` : p.done > 0 ? `${fmt(p.done)} ${p.unit}` : ''}</span>
        <span>${rate}${rate && known ? ' · ' : ''}${known && p.done < p.total ? timeLeft(p.etaMs) : ''}</span>
      </div>
    </div>`;
  }

  private _onCancel(): void {
    this.dispatchEvent(new CustomEvent('cancel', { bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-progress', RagtabProgress);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-progress': RagtabProgress;
  }
}
