import { LitElement, css, html, nothing } from 'lit';
import type { ErrorInfo } from '../core/errors';

/**
 * What an optional part of the page shows in its own place when it failed to load or to draw
 * (a chart, the LLM panel, the storage panel ...): its name and the named error, so the rest of
 * the app stays usable. Properties: `label` (what failed, for the person), `error`.
 */
export class RagtabPartError extends LitElement {
  static override properties = { label: {}, error: { attribute: false } };
  declare label: string;
  declare error: ErrorInfo | null;

  constructor() {
    super();
    this.label = '';
    this.error = null;
  }

  static override styles = css`
    :host { display: block; }
    div { border: 1px dashed var(--err); border-radius: 10px; padding: 8px 12px; font-size: 13px; color: var(--fg); }
    b { font-family: ui-monospace, monospace; color: var(--err); }
  `;

  override render() {
    const e = this.error;
    if (!e) return nothing;
    return html`<div role="alert" data-part=${this.label} data-error-name=${e.name}><b>${e.name}</b> ${this.label} is unavailable: ${e.message} The rest of ragtab works without it.</div>`;
  }
}
customElements.define('ragtab-part-error', RagtabPartError);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-part-error': RagtabPartError;
  }
}
