import { LitElement, css, html } from 'lit';
import type { Query } from '../core/documents';
import { cardStyles } from './shared-styles';

/**
 * A question box and the corpus's own queries to pick from.
 * Properties: `queries`, `busy`. Fires `ask` with `{question}`.
 */
export class RagtabQuery extends LitElement {
  static override properties = { queries: { attribute: false }, busy: { type: Boolean }, _text: { state: true } };
  declare queries: Query[];
  declare busy: boolean;
  declare _text: string;

  constructor() {
    super();
    this.queries = [];
    this.busy = false;
    this._text = '';
  }

  static override styles = [
    cardStyles,
    css`
      form { display: flex; gap: 8px; }
      input[type='text'] { flex: 1; font-size: 15px; padding: 8px 10px; }
      select { margin-top: 8px; max-width: 100%; }
    `,
  ];

  override render() {
    return html`<div class="card">
      <h2>Ask</h2>
      <form @submit=${this._onSubmit}>
        <input type="text" name="question" placeholder="Type a question about the corpus…" .value=${this._text}
          @input=${(e: Event) => (this._text = (e.target as HTMLInputElement).value)} />
        <button class="primary" type="submit" aria-disabled=${this.busy ? 'true' : 'false'}>Retrieve</button>
      </form>
      ${this.queries.length
        ? html`<select name="corpusQuery" aria-label="A query of the corpus" @change=${this._onPick}>
            <option value="">…or pick one of the corpus's ${this.queries.length} queries</option>
            ${this.queries.map((q) => html`<option value=${q.id}>${q.text}</option>`)}
          </select>`
        : ''}
    </div>`;
  }

  /**
   * A corpus query picked fills the question (it does not run it: arrow keys on the list change the
   * value at every keypress, which ran a query each); Enter or Retrieve runs it, with its id.
   */
  private _onPick(e: Event): void {
    const id = (e.target as HTMLSelectElement).value;
    const q = this.queries.find((x) => x.id === id);
    if (!q) return;
    this._text = q.text;
    this.pickedId = q.id;
  }

  private pickedId: string | null = null;

  private _onSubmit(e: Event): void {
    e.preventDefault();
    if (this.busy) return;
    const q = this.pickedId !== null ? this.queries.find((x) => x.id === this.pickedId && x.text === this._text) : undefined;
    this.dispatchEvent(new CustomEvent('ask', { detail: { question: this._text, ...(q ? { queryId: q.id } : {}) }, bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-query', RagtabQuery);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-query': RagtabQuery;
  }
}
