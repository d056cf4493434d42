import { benchmarkRunning } from './render-hold';
import { LitElement, css, html, nothing } from 'lit';
import type { Progress } from '../engine/session';

/** What the bar shows: the session's progress, or a long task's own (a benchmark's steps: phase 'bench'). */
export type ProgressView = Omit<Progress, 'phase'> & { phase: string };
import { bytes, clock, duration, num } from './format';

/**
 * Progress of long work: what runs, a bar with counts, the rate, the time elapsed (ticking every
 * second, not only when a step ends) and the time left where it can be estimated, and Cancel.
 * Properties: `progress` (the session's), `heading` (optional: the long task it belongs to, e.g.
 * "Benchmark · llm load · reload · 4/17"), `cancellable`. Fires `cancel`.
 */
export class RagtabProgress extends LitElement {
  static override properties = { progress: { attribute: false }, heading: { type: String }, headingStartedAt: { type: Number }, cancellable: { type: Boolean }, _now: { state: true } };
  declare progress: ProgressView | null;
  declare heading: string;
  /** When the long task of the heading started (performance.now()): its elapsed time ticks beside it. */
  declare headingStartedAt: number | null;
  declare cancellable: boolean;
  declare _now: number;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    super();
    this.progress = null;
    this.heading = '';
    this.headingStartedAt = null;
    this.cancellable = true;
    this._now = performance.now();
  }

  static override styles = css`
    :host { display: block; }
    .wrap { background: var(--card); border: 1px solid var(--accent); border-radius: 12px; padding: 10px 14px; }
    .row { display: flex; justify-content: space-between; gap: 6px 12px; font-size: 13px; align-items: center; flex-wrap: wrap; }
    .label { min-width: 0; overflow-wrap: anywhere; }
    .bar { height: 8px; border-radius: 4px; background: var(--bar); overflow: hidden; margin: 8px 0 4px; }
    .fill { height: 100%; background: var(--accent); }
    .indet { width: 30%; animation: slide 1.2s infinite ease-in-out; }
    @keyframes slide { 0% { margin-left: -30%; } 100% { margin-left: 100%; } }
    @media (prefers-reduced-motion: reduce) { .indet { animation: none; width: 100%; opacity: 0.4; } }
    .muted { color: var(--muted); font-variant-numeric: tabular-nums; }
    .heading { font-weight: 600; }
    button { font: inherit; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: 4px 12px; cursor: pointer; min-height: 28px; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  `;

  override connectedCallback(): void {
    super.connectedCallback();
    // The clock ticks once a second, except while a benchmark runs: a frame rendered inside a timed
    // step lands in its figures (issue 16); the progress then moves between steps only.
    this.timer = setInterval(() => {
      if (this.progress && !benchmarkRunning()) this._now = performance.now();
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Moves focus to Cancel (the Ingest button that started the work is disabled meanwhile). */
  override focus(): void {
    this.renderRoot.querySelector<HTMLButtonElement>('button')?.focus();
  }

  override render() {
    const p = this.progress;
    if (!p) return nothing;
    const now = Math.max(this._now, performance.now());
    const known = p.total > 0;
    const frac = known ? Math.min(1, p.done / p.total) : 0;
    const fmt = (v: number) => (p.unit === 'bytes' ? bytes(v) : num(v));
    const elapsedMs = now - p.startedAt;
    const rate = elapsedMs > 0 && p.done > 0 && p.unit !== 'bytes' ? `${num(p.done / (elapsedMs / 1000), 1)} ${p.unit}/s` : '';
    const left = known && p.done < p.total ? (p.etaMs === null ? 'estimating time left…' : duration(Math.max(0, p.etaMs - (now - (p.at ?? now))))) : '';
    return html`<div class="wrap" data-phase=${p.phase}>
      ${this.heading
        ? html`<div class="row heading" data-progress-heading><span class="label">${this.heading}</span>${this.headingStartedAt !== null
            ? html`<span class="muted" data-run-elapsed>${clock(now - this.headingStartedAt)} in all</span>`
            : nothing}</div>`
        : nothing}
      <div class="row">
        <span class="label" data-progress-label>${p.label}</span>
        ${this.cancellable ? html`<button data-cancel @click=${this._onCancel}>Cancel</button>` : nothing}
      </div>
      <div class="bar" role="progressbar" data-phase=${p.phase} aria-label=${p.label} aria-valuemin="0" aria-valuemax=${known ? p.total : nothing} aria-valuenow=${known ? p.done : nothing}
        aria-valuetext=${known ? `${fmt(p.done)} of ${fmt(p.total)}` : 'in progress'}>
        <div class="fill ${known ? '' : 'indet'}" style="width:${known ? (frac * 100).toFixed(1) + '%' : ''}"></div>
      </div>
      <div class="row muted">
        <span>${known ? `${fmt(p.done)} / ${fmt(p.total)} ${p.unit === 'bytes' ? '' : p.unit}` : p.done > 0 ? `${fmt(p.done)} ${p.unit}` : ''}</span>
        <span><span data-elapsed>${clock(elapsedMs)} elapsed</span>${rate ? ` · ${rate}` : ''}${left ? html` · <span data-left>${left}</span>` : nothing}</span>
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
