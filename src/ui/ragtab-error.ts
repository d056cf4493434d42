import { LitElement, css, html, nothing } from 'lit';
import type { ErrorInfo } from '../core/errors';

/**
 * A named, readable error. Property: `error`. Fires `dismiss`.
 */
export class RagtabErrorBanner extends LitElement {
  static override properties = { error: { attribute: false }, warnings: { attribute: false } };
  declare error: ErrorInfo | null;
  declare warnings: string[];

  constructor() {
    super();
    this.error = null;
    this.warnings = [];
  }

  static override styles = css`
    :host { display: block; }
    .err { border: 1px solid var(--err); color: var(--err); background: color-mix(in srgb, var(--err) 8%, transparent); border-radius: 10px; padding: 10px 14px; display: flex; gap: 12px; align-items: flex-start; }
    .err b { font-family: ui-monospace, monospace; }
    .msg { flex: 1; color: var(--fg); }
    .warn { border: 1px solid var(--warn); border-radius: 10px; padding: 8px 14px; margin-top: 8px; color: var(--fg); font-size: 13px; }
    .warn::before { content: '⚠ '; color: var(--warn); }
    button { font: inherit; background: none; border: none; color: var(--muted); cursor: pointer; }
  `;

  override render() {
    return html`${this.error
      ? html`<div class="err" role="alert" data-error-name=${this.error.name}>
          <b class="name">${this.error.name}</b><span class="msg">${this.error.message}</span>
          <button aria-label="Dismiss" @click=${this._onDismiss}>✕</button>
        </div>`
      : nothing}
    ${this.warnings.map((w) => html`<div class="warn" role="status">${w}</div>`)}`;
  }

  private _onDismiss(): void {
    this.dispatchEvent(new CustomEvent('dismiss', { bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-error', RagtabErrorBanner);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-error': RagtabErrorBanner;
  }
}
