import { LitElement, css, html } from 'lit';

/**
 * Whether the page is cross-origin isolated, and why it matters.
 * Reads `crossOriginIsolated`; no events.
 */
export class RagtabIsolation extends LitElement {
  static override styles = css`
    :host { display: inline-block; font-size: 12px; }
    .badge { border-radius: 999px; padding: 3px 10px; border: 1px solid var(--line); cursor: help; }
    .ok { color: var(--accent-2); }
    .no { color: var(--warn); }
  `;

  override render() {
    const iso = globalThis.crossOriginIsolated === true;
    const cores = navigator.hardwareConcurrency ?? 1;
    const tip = iso
      ? `Cross-origin isolated (COOP + COEP): SharedArrayBuffer is available, so ONNX Runtime and llama.cpp can run multi-threaded WASM (up to ${cores} threads), and performance.measureUserAgentSpecificMemory() works.`
      : 'Not cross-origin isolated: the server did not send Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp. Without them there is no SharedArrayBuffer, so WASM runs single-threaded (slower embedding and generation) and full memory measurement is unavailable.';
    return html`<span class="badge ${iso ? 'ok' : 'no'}" title=${tip} data-isolated=${iso ? 'yes' : 'no'}
      >${iso ? `● isolated · ${cores} threads available` : '▲ not isolated · WASM single-threaded'}</span
    >`;
  }
}
customElements.define('ragtab-isolation', RagtabIsolation);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-isolation': RagtabIsolation;
  }
}
