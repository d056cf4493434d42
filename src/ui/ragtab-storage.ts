import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { StorageEstimate } from '../storage/errors';
import type { PersistenceState, StoragePanelSource, StoredInventory, StoredItemRef } from '../storage/inventory';
import { errorInfo, type ErrorInfo } from '../core/errors';
import { safariStorageNotes, type CapabilityRecord } from '../core/browser-capabilities';
import { cardStyles } from './shared-styles';
import { bytes, num } from './format';
import { keyboardScrollable } from './scroll-focus';

/**
 * The storage panel: the browser's usage and quota estimate, persistent storage (with a button to
 * ask for it), and every stored corpus, index (committed / total chunks, complete or not), run and
 * cache (model files, the service worker's copies) with its size, each with a Delete button, plus
 * "Delete all" (asks for confirmation; it covers the caches too).
 *
 * In Safari (from the capability record, property `capabilities`) it also says Safari's storage
 * rules: 7 days without a visit erase a site not added to the Dock, Private Browsing keeps little,
 * and installing the app keeps the data. It says in which form vector blocks are stored.
 *
 * Property: `source` — a StoragePanelSource (`store.storage` from src/storage/store.ts); the panel
 * reads and deletes through it and refreshes itself when it is set, after each delete, and when
 * `refresh()` is called (call it after an ingestion or a stored run).
 * Events (bubbling, composed): `storage-changed` with `detail: {deleted: StoredItemRef | 'all'}`
 * after a delete; `storage-persist` with `detail: PersistenceState` after a persistence request.
 * Errors (an index being written cannot be deleted, a closed connection, …) show in the panel.
 */
export class RagtabStorage extends LitElement {
  static override properties = {
    source: { attribute: false },
    capabilities: { attribute: false },
    _estimate: { state: true },
    _persisted: { state: true },
    _inventory: { state: true },
    _error: { state: true },
    _busy: { state: true },
    _confirmAll: { state: true },
  };
  declare source: StoragePanelSource | null;
  declare capabilities: CapabilityRecord | null;
  declare _estimate: StorageEstimate | null;
  declare _persisted: PersistenceState | null;
  declare _inventory: StoredInventory | null;
  declare _error: ErrorInfo | null;
  declare _busy: boolean;
  declare _confirmAll: boolean;

  constructor() {
    super();
    this.source = null;
    this.capabilities = null;
    this._estimate = null;
    this._persisted = null;
    this._inventory = null;
    this._error = null;
    this._busy = false;
    this._confirmAll = false;
  }

  static override styles = [
    cardStyles,
    css`
      .row { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
      .usage { margin: 8px 0 12px; font-size: 13px; }
      .bar { height: 8px; background: var(--bar); border-radius: 4px; overflow: hidden; margin: 4px 0; max-width: 420px; }
      .bar > span { display: block; height: 100%; background: var(--accent); }
      .note { font-size: 12px; color: var(--muted); }
      h3 { font-size: 13px; margin: 14px 0 4px; font-weight: 600; }
      .error { color: var(--err); font-size: 13px; margin: 8px 0; }
      code { font-size: 12px; }
      button.danger { border-color: var(--err); color: var(--err); }
      .empty { font-size: 13px; color: var(--muted); margin: 2px 0 6px; }
      .safari { border: 1px solid var(--warn); border-radius: 10px; padding: 8px 12px; font-size: 13px; margin: 8px 0; }
      .safari ul { margin: 4px 0 0; padding-left: 18px; }
    `,
  ];

  /** Reads the estimate, the persistence state and the inventory again. */
  async refresh(): Promise<void> {
    const s = this.source;
    if (!s) return;
    try {
      const [estimate, persisted, inventory] = await Promise.all([s.estimate(), s.persisted(), s.list()]);
      this._estimate = estimate;
      this._persisted = persisted;
      this._inventory = inventory;
    } catch (e) {
      this._error = errorInfo(e);
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('source')) void this.refresh();
    keyboardScrollable(this.renderRoot); // tables that scroll sideways (a phone) are reachable by keyboard
  }

  override render() {
    if (!this.source) return nothing;
    const e = this._estimate;
    const inv = this._inventory;
    const share = e && e.quota > 0 ? Math.min(1, e.usage / e.quota) : 0;
    return html`<div class="card">
      <div class="row">
        <h2 style="flex:1;margin:0">Storage</h2>
        <button id="refresh" ?disabled=${this._busy} @click=${() => void this.refresh()}>Refresh</button>
        ${this._confirmAll
          ? html`<span>Delete every stored corpus, index and run, and every cached model and offline copy?</span>
              <button id="confirm-delete-all" class="danger" ?disabled=${this._busy} @click=${this._onDeleteAll}>Delete all</button>
              <button id="cancel-delete-all" @click=${() => (this._confirmAll = false)}>Keep</button>`
          : html`<button id="delete-all" class="danger" ?disabled=${this._busy || !inv || inv.totalBytes === 0} @click=${() => (this._confirmAll = true)}>Delete all…</button>`}
      </div>
      <div class="usage">
        ${e
          ? html`<div><b id="usage" data-usage=${e.usage}>${bytes(e.usage)}</b> used of <span id="quota" data-quota=${e.quota}>${bytes(e.quota)}</span> (this site, as the browser estimates it)</div>
              <div class="bar"><span style="width:${(share * 100).toFixed(2)}%"></span></div>
              ${e.quotaReliable ? nothing : html`<div class="note">The quota shown is the browser's placeholder (Chromium reports usage + 10 GiB), not the real limit: a write can still fail for lack of space, and ragtab then says how much it needed.</div>`}`
          : html`<div class="note">This browser does not report its storage usage.</div>`}
        <div class="row" style="margin-top:6px">
          <span id="persisted" data-persisted=${String(this._persisted?.persisted ?? 'unknown')}>${this._persistLabel()}</span>
          ${this._persisted?.persisted === true || this._persisted?.persisted === null
            ? nothing
            : html`<button id="persist" ?disabled=${this._busy} @click=${this._onPersist}>Request persistent storage</button>`}
        </div>
      </div>
      ${this._safari()}
      ${this.source.vectorForm
        ? html`<p class="note" id="vector-form" data-vectors-as=${this.source.vectorForm.form}>Vector blocks are stored as <b>${this.source.vectorForm.form}</b>: ${this.source.vectorForm.reason}</p>`
        : nothing}
      ${this._error ? html`<div class="error" role="alert" data-error=${this._error.name}>${this._error.message}</div>` : nothing}
      ${inv ? this._tables(inv) : html`<p class="note">Reading what is stored…</p>`}
    </div>`;
  }

  private _safari() {
    const notes = this.capabilities ? safariStorageNotes(this.capabilities) : null;
    if (!notes) return nothing;
    return html`<div class="safari" id="safari-storage" role="note"><b>Safari keeps this site's data only on its own terms.</b>
      <ul>${notes.map((n) => html`<li>${n}</li>`)}</ul></div>`;
  }

  private _persistLabel(): string {
    const p = this._persisted?.persisted;
    if (p === true) return 'Persistent storage: granted (the browser will not evict this data on its own).';
    if (p === false) return 'Persistent storage: not granted (the browser may evict this data when space runs low).';
    if (p === null) return 'Persistent storage: not supported by this browser.';
    return 'Persistent storage: …';
  }

  private _tables(inv: StoredInventory) {
    const del = (ref: StoredItemRef, label: string) =>
      html`<button class="delete danger" aria-label=${`Delete ${label}`} ?disabled=${this._busy} @click=${() => void this._onDelete(ref)}>Delete</button>`;
    return html`
      <p class="note">Stored in total: <b id="total-bytes" data-bytes=${inv.totalBytes}>${bytes(inv.totalBytes)}</b> (raw sizes of the data).</p>
      <h3>Corpora (${inv.corpora.length})</h3>
      ${inv.corpora.length === 0
        ? html`<p class="empty">None.</p>`
        : html`<table>
            <thead><tr><th>name</th><th>source</th><th class="n">documents</th><th class="n">queries</th><th class="n">size</th><th><span class="sr">actions</span></th></tr></thead>
            <tbody>
              ${inv.corpora.map(
                (c) => html`<tr data-kind="corpus" data-id=${c.hash}>
                  <td>${c.name}${c.complete ? nothing : html` <span class="note">(incomplete)</span>`}<br /><code title=${c.hash}>${c.hash.slice(0, 12)}</code></td>
                  <td>${c.source}</td><td class="n">${num(c.docs)}</td><td class="n">${num(c.queries)}</td><td class="n">${bytes(c.bytes)}</td>
                  <td>${del({ kind: 'corpus', hash: c.hash }, `corpus ${c.name}`)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
      <h3>Indexes (${inv.indexes.length})</h3>
      ${inv.indexes.length === 0
        ? html`<p class="empty">None.</p>`
        : html`<table>
            <thead><tr><th>corpus</th><th>model</th><th>chunking</th><th class="n">dims</th><th class="n">chunks stored</th><th>state</th><th class="n">size</th><th><span class="sr">actions</span></th></tr></thead>
            <tbody>
              ${inv.indexes.map(
                (x) => html`<tr data-kind="index" data-id=${x.key} data-complete=${String(x.complete)} data-committed=${x.committedChunks} data-total=${x.totalChunks}>
                  <td>${x.corpusName ?? html`<span class="note">not stored</span>`}<br /><code title=${x.corpusHash}>${x.corpusHash.slice(0, 12)}</code></td>
                  <td>${x.model.id}${x.model.revision !== 'main' ? html` <span class="note">@${x.model.revision}</span>` : nothing}<br /><span class="note">${x.dtype}</span></td>
                  <td>${x.chunking.mode === 'document' ? 'whole documents' : `${x.chunking.size} tokens, overlap ${x.chunking.overlap}`}</td>
                  <td class="n">${x.dims}</td>
                  <td class="n">${num(x.committedChunks)} / ${num(x.totalChunks)}</td>
                  <td>${x.complete ? 'complete' : 'partial (resumes on the next ingest)'}</td>
                  <td class="n">${bytes(x.bytes)}</td>
                  <td>${del({ kind: 'index', key: x.key }, `index ${x.key.slice(0, 12)}`)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
      <h3>Caches (${inv.caches.length})</h3>
      ${inv.caches.length === 0
        ? html`<p class="empty">None.</p>`
        : html`<table>
            <thead><tr><th>cache</th><th>holds</th><th class="n">files</th><th class="n">size</th><th><span class="sr">actions</span></th></tr></thead>
            <tbody>
              ${inv.caches.map(
                (c) => html`<tr data-kind="cache" data-id=${c.name} data-entries=${c.entries} data-bytes=${c.bytes}>
                  <td><code>${c.name}</code></td><td>${c.label}</td><td class="n">${num(c.entries)}</td><td class="n">${bytes(c.bytes)}</td>
                  <td>${del({ kind: 'cache', name: c.name }, `cache ${c.name}`)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
      <h3>Runs (${inv.runs.length})</h3>
      ${inv.runs.length === 0
        ? html`<p class="empty">None.</p>`
        : html`<table>
            <thead><tr><th>when</th><th>run</th><th class="n">size</th><th><span class="sr">actions</span></th></tr></thead>
            <tbody>
              ${inv.runs.map(
                (r) => html`<tr data-kind="run" data-id=${r.id}>
                  <td>${new Date(r.createdAt).toLocaleString()}</td><td>${r.label ?? html`<code>${r.id.slice(0, 12)}</code>`}</td><td class="n">${bytes(r.bytes)}</td>
                  <td>${del({ kind: 'run', id: r.id }, `run ${r.label ?? r.id}`)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    `;
  }

  private async _act(fn: () => Promise<void>): Promise<void> {
    this._busy = true;
    this._error = null;
    try {
      await fn();
    } catch (e) {
      this._error = errorInfo(e);
    } finally {
      this._busy = false;
    }
    await this.refresh();
  }

  private async _onDelete(ref: StoredItemRef): Promise<void> {
    await this._act(async () => {
      await this.source!.delete(ref);
      this.dispatchEvent(new CustomEvent('storage-changed', { detail: { deleted: ref }, bubbles: true, composed: true }));
    });
  }

  private async _onDeleteAll(): Promise<void> {
    this._confirmAll = false;
    await this._act(async () => {
      await this.source!.deleteAll();
      this.dispatchEvent(new CustomEvent('storage-changed', { detail: { deleted: 'all' }, bubbles: true, composed: true }));
    });
  }

  private async _onPersist(): Promise<void> {
    await this._act(async () => {
      const state = await this.source!.persist();
      this._persisted = state;
      this.dispatchEvent(new CustomEvent('storage-persist', { detail: state, bubbles: true, composed: true }));
    });
  }
}
customElements.define('ragtab-storage', RagtabStorage);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-storage': RagtabStorage;
  }
}
