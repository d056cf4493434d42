import { LitElement, css, html, nothing } from 'lit';
import type { ErrorInfo } from '../core/errors';

/**
 * A named, readable error, with a way forward where there is one. Properties: `error`, `warnings`,
 * `suggestions`. Fires `dismiss`, `use-model` (a suggested model's id).
 */
export class RagtabErrorBanner extends LitElement {
  static override properties = { error: { attribute: false }, warnings: { attribute: false }, suggestions: { attribute: false } };
  declare error: ErrorInfo | null;
  declare warnings: string[];
  /** Models to use instead (the local ones this site serves), offered in the error; `use-model` fires with the id. */
  declare suggestions: Array<{ id: string; label: string }>;

  constructor() {
    super();
    this.error = null;
    this.warnings = [];
    this.suggestions = [];
  }

  static override styles = css`
    :host { display: block; }
    .err { border: 1px solid var(--err); color: var(--err); background: color-mix(in srgb, var(--err) 8%, transparent); border-radius: 10px; padding: 10px 14px; display: flex; gap: 12px; align-items: flex-start; }
    .err b { font-family: ui-monospace, monospace; }
    .msg { flex: 1; color: var(--fg); }
    .warn { border: 1px solid var(--warn); border-radius: 10px; padding: 8px 14px; margin-top: 8px; color: var(--fg); font-size: 13px; }
    .warn::before { content: '⚠ '; color: var(--warn); }
    button { font: inherit; background: none; border: none; color: var(--muted); cursor: pointer; }
    .way { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; margin-top: 8px; font-size: 13px; }
    button.use { color: var(--fg); border: 1px solid var(--accent); border-radius: 8px; padding: 4px 10px; }
  `;

  override render() {
    return html`${this.error
      ? html`<div class="err" role="alert" data-error-name=${this.error.name}>
          <b class="name">${this.error.name}</b><span class="msg">${this.error.message}${this.suggestions.length
            ? html`<span class="way" data-suggestions>This site serves these models, which need no network:
                ${this.suggestions.map((m) => html`<button class="use" data-use-model=${m.id} @click=${() => this.dispatchEvent(new CustomEvent('use-model', { detail: m.id, bubbles: true, composed: true }))}>Use ${m.label}</button>`)}</span>`
            : nothing}</span>
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
