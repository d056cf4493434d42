import { LitElement, css, html, nothing } from 'lit';
import type { Query } from '../core/documents';
import { cardStyles } from './shared-styles';

/**
 * A question box and the corpus's own queries to pick from. Picking a query fills the box (arrow
 * keys through the list do not run a query per keypress); Ask (or Enter in the box) runs it.
 * Properties: `queries`, `busy`. Fires `ask` with `{question, queryId?}` (the id when the question
 * is a corpus query, unedited, so its judged documents can be marked).
 */
export class RagtabQuery extends LitElement {
  static override properties = { queries: { attribute: false }, busy: { type: Boolean }, _text: { state: true }, _picked: { state: true } };
  declare queries: Query[];
  declare busy: boolean;
  declare _text: string;
  declare _picked: string;

  constructor() {
    super();
    this.queries = [];
    this.busy = false;
    this._text = '';
    this._picked = '';
  }

  static override styles = [
    cardStyles,
    css`
      form { display: flex; gap: 8px; flex-wrap: wrap; }
      input[type='text'] { flex: 1 1 200px; min-width: 0; font-size: 15px; padding: 8px 10px; }
      .pick { margin-top: 10px; display: grid; gap: 4px; font-size: 13px; color: var(--muted); }
      select { max-width: 100%; min-width: 0; }
    `,
  ];

  override render() {
    return html`<div class="card">
      <h2 id="ask-h">Ask</h2>
      <form @submit=${this._onSubmit} aria-labelledby="ask-h">
        <input type="text" name="question" aria-label="Question" placeholder="Type a question about the corpus…" .value=${this._text}
          @input=${(e: Event) => {
            this._text = (e.target as HTMLInputElement).value;
            const q = this.queries.find((x) => x.id === this._picked);
            if (q && q.text !== this._text) this._picked = '';
          }} />
        <button class="primary" type="submit" ?disabled=${this.busy}>Ask</button>
      </form>
      ${this.queries.length
        ? html`<label class="pick">Or pick one of the corpus's ${this.queries.length} queries (it fills the box; Ask runs it)
            <select name="corpusQuery" .value=${this._picked} @change=${this._onPick}>
              <option value="">—</option>
              ${this.queries.map((q) => html`<option value=${q.id} ?selected=${q.id === this._picked}>${q.text}</option>`)}
            </select></label>`
        : nothing}
    </div>`;
  }

  private _onPick(e: Event): void {
    const id = (e.target as HTMLSelectElement).value;
    const q = this.queries.find((x) => x.id === id);
    this._picked = q ? id : '';
    if (q) this._text = q.text;
  }

  private _onSubmit(e: Event): void {
    e.preventDefault();
    const q = this.queries.find((x) => x.id === this._picked);
    this.dispatchEvent(new CustomEvent('ask', { detail: { question: this._text, ...(q && q.text === this._text ? { queryId: q.id } : {}) }, bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-query', RagtabQuery);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-query': RagtabQuery;
  }
}
