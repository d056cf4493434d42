import { LitElement, css, html, nothing } from 'lit';
import { capabilityRows, usableThreads, type CapabilityRecord } from '../core/browser-capabilities';
import { keyboardScrollable } from './scroll-focus';

/**
 * Whether the page is cross-origin isolated and how many WebAssembly threads are really usable
 * (isolation AND SharedArrayBuffer: an isolated page may still lack it), and, on click, the whole
 * capability record of this browser with every decision the app takes from it and why.
 * Property: `capabilities` (the session's CapabilityRecord, null until probed). No events.
 */
export class RagtabIsolation extends LitElement {
  static override properties = { capabilities: { attribute: false }, _open: { state: true } };
  declare capabilities: CapabilityRecord | null;
  declare _open: boolean;

  constructor() {
    super();
    this.capabilities = null;
    this._open = false;
  }

  static override styles = css`
    :host { display: inline-block; font-size: 12px; position: relative; }
    .badge { border-radius: 999px; padding: 3px 10px; border: 1px solid var(--line); cursor: pointer; background: none; color: inherit; font: inherit; }
    .ok { color: var(--accent-2); }
    .no { color: var(--warn); }
    .panel { position: absolute; right: 0; top: calc(100% + 6px); z-index: 10; width: min(560px, 92vw); max-height: 70vh; overflow: auto;
      background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; box-shadow: 0 6px 24px rgba(0,0,0,.15); }
    table { border-collapse: collapse; width: 100%; margin-bottom: 8px; }
    td, th { text-align: left; vertical-align: top; padding: 2px 6px 2px 0; border-bottom: 1px solid var(--line); }
    th { font-weight: 600; white-space: nowrap; }
    h3 { font-size: 12px; margin: 6px 0 4px; }
  `;

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const iso = globalThis.crossOriginIsolated === true;
    const sab = typeof (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer === 'function';
    const t = this.capabilities?.threads ?? usableThreads({ crossOriginIsolated: iso, sharedArrayBuffer: sab, hardwareConcurrency: navigator.hardwareConcurrency ?? null });
    const label = !iso ? '▲ not isolated · WASM single-threaded' : sab ? `● isolated · ${t.usable} threads available` : '▲ isolated, no SharedArrayBuffer · 1 thread';
    const tip = iso
      ? `Cross-origin isolated (COOP + COEP). ${t.reason}.${sab ? ' performance.measureUserAgentSpecificMemory() can work.' : ''}`
      : 'Not cross-origin isolated: the server did not send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp. Without them there is no SharedArrayBuffer, so WASM runs single-threaded (slower embedding and generation) and full memory measurement is unavailable.';
    const c = this.capabilities;
    return html`<button class="badge ${iso && sab ? 'ok' : 'no'}" title=${tip} aria-expanded=${String(this._open)}
        data-isolated=${iso ? 'yes' : 'no'} data-shared-array-buffer=${sab ? 'yes' : 'no'} data-threads=${t.usable}
        @click=${() => (this._open = !this._open)}>${label}</button>
      ${this._open
        ? html`<div class="panel" role="dialog" aria-label="What this browser offers">
            ${c
              ? html`<h3>What this browser offers (${c.engine}${c.safari ? ', Safari rules apply' : ''})</h3>
                  <table id="capabilities">${capabilityRows(c.probe).map(([k, v]) => html`<tr data-capability=${k}><th>${k}</th><td>${v}</td></tr>`)}</table>
                  <h3>What ragtab does with it</h3>
                  <table id="decisions">${c.decisions.map((d) => html`<tr data-decision=${d.topic}><th>${d.topic}</th><td><b>${d.choice}</b>: ${d.reason}</td></tr>`)}</table>`
              : html`<p>${tip}</p>`}
          </div>`
        : nothing}`;
  }
}
customElements.define('ragtab-isolation', RagtabIsolation);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-isolation': RagtabIsolation;
  }
}
