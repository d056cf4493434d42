import { LitElement, css, html } from 'lit';

export interface NavItem {
  id: string;
  label: string;
  /** done: this step has a result; busy: work of this step is running; todo: nothing yet. */
  state: 'done' | 'busy' | 'todo';
  /** A short note for assistive technology and the tooltip ("188 chunks", "running"). */
  note?: string;
}

/**
 * The steps of the work as a navigation list, in their order (set up → ingest → ask → evaluate →
 * benchmark → report → storage), each a link (`?view=<id>`, so it opens in a new tab too) with its
 * state; the current one is `aria-current="page"`. Wraps onto two rows on a phone, never scrolls
 * sideways. Properties: `items`, `current`. Fires `view` with `{id}` (the link's own navigation is
 * prevented).
 */
export class RagtabNav extends LitElement {
  static override properties = { items: { attribute: false }, current: { type: String } };
  declare items: NavItem[];
  declare current: string;

  constructor() {
    super();
    this.items = [];
    this.current = '';
  }

  static override styles = css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fit, minmax(104px, 1fr)); gap: 6px; counter-reset: step; }
    a { display: flex; align-items: center; gap: 7px; padding: 7px 10px; border-radius: 10px; border: 1px solid var(--line); background: var(--card);
      color: var(--fg); text-decoration: none; font-size: 13.5px; line-height: 1.2; min-height: 24px; }
    a:hover { border-color: var(--accent); }
    a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    a[aria-current='page'] { border-color: var(--accent); background: var(--bar); font-weight: 650; }
    .n { display: inline-grid; place-items: center; width: 20px; height: 20px; border-radius: 50%; font-size: 11.5px; font-weight: 650;
      border: 1.5px solid var(--muted); color: var(--muted); flex: none; }
    .done .n { background: var(--ok); border-color: var(--ok); color: var(--on-accent); }
    .busy .n { border-color: var(--accent); color: var(--accent); border-style: dashed; animation: spin 2.4s linear infinite; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
    @keyframes spin { to { transform: rotate(360deg); } }
    @media (prefers-reduced-motion: reduce) { .busy .n { animation: none; } }
    @media (max-width: 420px) {
      ol { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 4px; }
      a { flex-direction: column; gap: 3px; padding: 6px 2px; font-size: 11.5px; text-align: center; }
    }
  `;

  override render() {
    return html`<ol>
      ${this.items.map(
        (it, i) => html`<li class=${it.state}>
          <a href=${`?view=${it.id}`} data-view=${it.id} aria-current=${it.id === this.current ? 'page' : 'false'}
            title=${it.note ?? ''} @click=${(e: MouseEvent) => this._onClick(e, it.id)}>
            <span class="n" aria-hidden="true">${it.state === 'done' ? '✓' : i + 1}</span><span>${it.label}</span>${it.note
              ? html`<span class="sr">, ${it.note}</span>`
              : ''}
          </a>
        </li>`,
      )}
    </ol>`;
  }

  private _onClick(e: MouseEvent, id: string): void {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab or window: the link's own
    e.preventDefault();
    this.dispatchEvent(new CustomEvent('view', { detail: { id }, bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-nav', RagtabNav);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-nav': RagtabNav;
  }
}
