import { LitElement, css, html } from 'lit';
import type { LocalModel } from '../core/local-models';
import type { ModelSpec } from '../core/vocabulary';
import { bytes } from './format';

/**
 * The way forward when the embedding model cannot be reached: the models this server offers (each
 * one click: use it, and ingest again when the failure came from an ingestion), or a base URL of
 * a model folder. Shown inside the error. Properties: `model` (the model that failed), `local`
 * (the reachable local models; null while they are looked up), `retry` (whether choosing one
 * ingests at once). Fires `use-model` with `{spec, ingest}`.
 */
export class RagtabModelHelp extends LitElement {
  static override properties = { model: { attribute: false }, local: { attribute: false }, retry: { type: Boolean }, _base: { state: true } };
  declare model: ModelSpec | null;
  declare local: LocalModel[] | null;
  declare retry: boolean;
  declare _base: string;

  constructor() {
    super();
    this.model = null;
    this.local = null;
    this.retry = false;
    this._base = '';
  }

  static override styles = css`
    :host { display: block; color: var(--fg); font-size: 13.5px; }
    h3 { font-size: 13.5px; margin: 8px 0 6px; }
    ul { margin: 0; padding: 0; list-style: none; display: grid; gap: 6px; }
    li { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    .note { color: var(--muted); font-size: 12px; }
    form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 8px; }
    label { display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
    input { font: inherit; padding: 5px 8px; border-radius: 8px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); min-width: 0; width: min(320px, 100%); box-sizing: border-box; }
    button { font: inherit; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: 6px 12px; cursor: pointer; }
    button.primary { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
    button:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  `;

  private use(spec: ModelSpec): void {
    this.dispatchEvent(new CustomEvent('use-model', { detail: { spec, ingest: this.retry }, bubbles: true, composed: true }));
  }

  override render() {
    const local = this.local;
    const verb = this.retry ? 'Ingest with' : 'Use';
    return html`<div data-model-help>
      <h3>Ways forward</h3>
      ${local === null
        ? html`<p class="note" role="status">Looking for models this server offers…</p>`
        : local.length
          ? html`<p>This server offers ${local.length === 1 ? 'a model' : 'models'} that need no hub access:</p>
              <ul>
                ${local.map(
                  (m, i) => html`<li data-local-model=${m.id}>
                    <button class=${i === 0 ? 'primary' : ''} data-use-model=${m.id} @click=${() => this.use({ id: m.id, baseUrl: m.baseUrl })}>${verb} ${m.id}</button>
                    <span class="note">${m.note}${m.bytes ? ` · ${bytes(m.bytes)}` : ''}</span>
                  </li>`,
                )}
              </ul>`
          : html`<p class="note" data-no-local-models>This server offers no local model (start it with <code>npm start</code> beside a <code>models/</code> folder, e.g. ../shared/models).</p>`}
      <form @submit=${this._onBase}>
        <label>Or read <b>${this.model?.id ?? 'the model'}</b> from a folder at
          <input type="text" inputmode="url" name="helpBaseUrl" required placeholder="https://host/models/ (holds ${this.model?.id ?? 'id'}/config.json …)"
            .value=${this._base} @input=${(e: Event) => (this._base = (e.target as HTMLInputElement).value)} /></label>
        <button type="submit" ?disabled=${!this._base.trim()}>${verb} this base URL</button>
      </form>
    </div>`;
  }

  private _onBase(e: Event): void {
    e.preventDefault();
    const base = this._base.trim();
    if (!base || !this.model) return;
    this.use({ id: this.model.id, baseUrl: base.endsWith('/') ? base : `${base}/` });
  }
}
customElements.define('ragtab-model-help', RagtabModelHelp);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-model-help': RagtabModelHelp;
  }
}
