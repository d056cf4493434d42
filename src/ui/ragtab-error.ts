import { LitElement, css, html, nothing } from 'lit';
import type { ErrorInfo } from '../core/errors';

/**
 * A named, readable error, and the way forward when there is one (slotted: e.g. the models this
 * server offers when the embedding model cannot be reached). Properties: `error`, `warnings`.
 * Fires `dismiss`. `focusAlert()` moves focus to the error (after failed work, so focus never falls
 * to the page's body).
 */
export class RagtabErrorBanner extends LitElement {
  static override properties = { error: { attribute: false }, warnings: { attribute: false }, notice: { type: Boolean } };
  declare error: ErrorInfo | null;
  declare warnings: string[];
  /** A heads-up found before any work (role=status), not the failure of something the user did (role=alert). */
  declare notice: boolean;

  constructor() {
    super();
    this.error = null;
    this.warnings = [];
    this.notice = false;
  }

  static override styles = css`
    :host { display: block; }
    .err { border: 1px solid var(--err); color: var(--err); background: color-mix(in srgb, var(--err) 8%, transparent); border-radius: 10px; padding: 10px 14px; display: flex; gap: 12px; align-items: flex-start; }
    .err b { font-family: ui-monospace, monospace; }
    .err.notice { border-color: var(--warn); color: var(--warn); background: color-mix(in srgb, var(--warn) 7%, transparent); }
    .err:focus { outline: 2px solid var(--err); outline-offset: 2px; }
    .body { flex: 1; min-width: 0; }
    .msg { color: var(--fg); overflow-wrap: anywhere; }
    .head { display: flex; gap: 6px 12px; flex-wrap: wrap; align-items: baseline; }
    .warn { border: 1px solid var(--warn); border-radius: 10px; padding: 8px 14px; margin-top: 8px; color: var(--fg); font-size: 13px; overflow-wrap: anywhere; }
    .warn::before { content: '⚠ '; color: var(--warn); }
    button { font: inherit; background: none; border: none; color: var(--muted); cursor: pointer; min-width: 28px; min-height: 28px; }
  `;

  override render() {
    return html`${this.error
      ? html`<div class="err ${this.notice ? 'notice' : ''}" role=${this.notice ? 'status' : 'alert'} tabindex="-1" data-error-name=${this.error.name}>
          <div class="body"><div class="head"><b class="name">${this.error.name}</b><span class="msg">${this.error.message}</span></div><slot></slot></div>
          <button aria-label="Dismiss" @click=${this._onDismiss}>✕</button>
        </div>`
      : nothing}
    ${this.warnings.map((w) => html`<div class="warn" role="status">${w}</div>`)}`;
  }

  /** Moves focus to the error, when one is shown. */
  async focusAlert(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('.err')?.focus();
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
