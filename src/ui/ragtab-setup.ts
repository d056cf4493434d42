import { LitElement, css, html } from 'lit';
import { EMBEDDING_MODELS } from '../core/models';
import { BEIR_CATALOG } from '../core/beir-catalog';
import type { CorpusChoice, Settings } from '../core/settings';
import type { Device, Dtype } from '../core/vocabulary';
import { cardStyles } from './shared-styles';

type CorpusKind = CorpusChoice['kind'];

/**
 * Picks the corpus, embedding model, device, chunking and index.
 * Properties: `settings` (initial values), `busy`. Fires `settings-change` with the settings at
 * every change (the app keeps them in the URL), and `ingest` with `{settings, files}`.
 */
export class RagtabSetup extends LitElement {
  static override properties = {
    settings: { attribute: false },
    busy: { type: Boolean },
    _files: { state: true },
    _dragging: { state: true },
  };
  /** Model ids given by URL that are not in the catalogue: kept selectable. */
  private readonly extraIds = new Set<string>();
  declare settings: Settings;
  declare busy: boolean;
  declare _files: File[];
  declare _dragging: boolean;

  constructor() {
    super();
    this.busy = false;
    this._files = [];
    this._dragging = false;
  }

  static override styles = [
    cardStyles,
    css`
      .grid { display: grid; grid-template-columns: 130px minmax(0, 1fr); gap: 8px 12px; align-items: center; font-size: 14px; }
      label.k { color: var(--muted); font-size: 13px; }
      .inline { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; min-width: 0; }
      select { max-width: 100%; min-width: 0; }
      @media (max-width: 560px) {
        .grid { grid-template-columns: minmax(0, 1fr); gap: 4px; }
        .grid > span:empty { display: none; }
        label.k { margin-top: 8px; }
      }
      .drop { border: 1.5px dashed var(--line); border-radius: 10px; padding: 10px; font-size: 13px; color: var(--muted); }
      .drop.on { border-color: var(--accent); color: var(--fg); }
      .note { font-size: 12px; color: var(--muted); }
      .actions { margin-top: 14px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
      input[type='number'] { width: 80px; }
      input.wide { width: 100%; box-sizing: border-box; min-width: 0; }
      input[name='modelBase'] { flex: 1 1 180px; min-width: 0; }
    `,
  ];

  private update_<K extends keyof Settings>(key: K, value: Settings[K]): void {
    this.settings = { ...this.settings, [key]: value };
    this.dispatchEvent(new CustomEvent('settings-change', { detail: this.settings, bubbles: true, composed: true }));
  }

  /** Moves focus to the Ingest button (after a model was chosen from an error's suggestions). */
  override focus(): void {
    this.renderRoot.querySelector<HTMLButtonElement>('#ingest')?.focus();
  }

  private setCorpusKind(kind: CorpusKind): void {
    const prev = this.settings.corpus;
    const maxDocs = 'maxDocs' in prev ? prev.maxDocs : null;
    const c: CorpusChoice =
      kind === 'demo'
        ? { kind }
        : kind === 'beir-url'
          ? { kind, url: prev.kind === 'beir-url' ? prev.url : '', maxDocs }
          : kind === 'beir-catalog'
            ? { kind, name: prev.kind === 'beir-catalog' ? prev.name : (BEIR_CATALOG[0]?.name ?? ''), maxDocs }
            : kind === 'beir-folder'
              ? { kind, maxDocs }
              : { kind: 'files' };
    this._files = [];
    this.update_('corpus', c);
  }

  private corpusFields() {
    const c = this.settings.corpus;
    const maxDocs = 'maxDocs' in c ? c.maxDocs : null;
    const maxDocsInput = html`<label class="note">max docs
      <input type="number" min="1" name="maxDocs" .value=${maxDocs === null ? '' : String(maxDocs)} placeholder="all"
        @change=${(e: Event) => {
          const v = (e.target as HTMLInputElement).value;
          this.update_('corpus', { ...c, maxDocs: v ? Math.max(1, Math.floor(Number(v))) : null } as CorpusChoice);
        }} /></label>`;
    switch (c.kind) {
      case 'demo':
        return html`<span class="note">ragtab's own documentation (${'~'}50 documents) with questions and judged answers, so quality figures are shown.</span>`;
      case 'beir-url':
        return html`<div class="inline">
          <input class="wide" type="url" name="datasetUrl" aria-label="BEIR dataset folder URL" placeholder="https://…/scifact/ (folder with corpus.jsonl[.gz], queries.jsonl, qrels/test.tsv)"
            .value=${c.url} @change=${(e: Event) => this.update_('corpus', { ...c, url: (e.target as HTMLInputElement).value })} />
          ${maxDocsInput}</div>`;
      case 'beir-catalog':
        return html`<div class="inline">
          <select name="beirName" aria-label="BEIR dataset" @change=${(e: Event) => this.update_('corpus', { ...c, name: (e.target as HTMLSelectElement).value })}>
            ${BEIR_CATALOG.map((b) => html`<option value=${b.name} ?selected=${b.name === c.name}>${b.name} (~${b.docs.toLocaleString('en-US')} docs)</option>`)}
          </select>${maxDocsInput}<span class="note">downloaded from the Hugging Face hub</span></div>`;
      case 'beir-folder':
        return html`<div class="inline"><input type="file" name="folder" aria-label="BEIR dataset folder" webkitdirectory @change=${this._onFiles} />${maxDocsInput}
          <span class="note">${this._files.length ? `${this._files.length} files` : 'a folder with corpus.jsonl, queries.jsonl, qrels/test.tsv'}</span></div>`;
      case 'files':
        return html`<div class="drop ${this._dragging ? 'on' : ''}" @dragover=${this._onDragOver} @dragleave=${() => (this._dragging = false)} @drop=${this._onDrop}>
          <input type="file" name="files" aria-label="Your files" multiple accept=".txt,.md,.markdown,.html,.htm,.json,.jsonl,.ndjson" @change=${this._onFiles} />
          ${this._files.length ? html`<div>${this._files.map((f) => f.name).join(', ')}</div>` : html`<div>or drop .txt, .md, .html, .json, .jsonl files here</div>`}
        </div>`;
    }
  }

  override render() {
    const s = this.settings;
    if (!EMBEDDING_MODELS.some((m) => m.id === s.model.id)) this.extraIds.add(s.model.id);
    return html`<div class="card">
      <h2>Set-up</h2>
      <div class="grid">
        <label class="k" for="corpus">Corpus</label>
        <select id="corpus" name="corpusKind" @change=${(e: Event) => this.setCorpusKind((e.target as HTMLSelectElement).value as CorpusKind)}>
          <option value="demo" ?selected=${s.corpus.kind === 'demo'}>Demo: ragtab docs</option>
          <option value="files" ?selected=${s.corpus.kind === 'files'}>My files</option>
          <option value="beir-url" ?selected=${s.corpus.kind === 'beir-url'}>BEIR dataset from a URL</option>
          <option value="beir-catalog" ?selected=${s.corpus.kind === 'beir-catalog'}>BEIR dataset from the hub</option>
          <option value="beir-folder" ?selected=${s.corpus.kind === 'beir-folder'}>BEIR dataset from a folder</option>
        </select>
        <span></span>${this.corpusFields()}

        <label class="k" for="model">Embedding model</label>
        <div class="inline">
          <select id="model" name="model" @change=${(e: Event) => {
            const id = (e.target as HTMLSelectElement).value;
            const info = EMBEDDING_MODELS.find((m) => m.id === id);
            const local = (info && !info.hub) || this.extraIds.has(id);
            this.update_('model', local ? { id, baseUrl: s.model.baseUrl ?? 'models/' } : { id });
          }}>
            ${EMBEDDING_MODELS.map((m) => html`<option value=${m.id} ?selected=${m.id === s.model.id}>${m.label}</option>`)}
            ${[...this.extraIds].map((id) => html`<option value=${id} ?selected=${id === s.model.id}>${id}</option>`)}
          </select>
          <input type="text" name="modelBase" aria-label="Model base URL (optional: read the model from <base><model id>/ instead of the Hugging Face hub)" placeholder="base URL (optional)" .value=${s.model.baseUrl ?? ''} title="Read the model from this base URL instead of the Hugging Face hub: files at <base><model id>/"
            @change=${(e: Event) => {
              const v = (e.target as HTMLInputElement).value.trim();
              this.update_('model', v ? { ...s.model, baseUrl: v } : { id: s.model.id, ...(s.model.revision ? { revision: s.model.revision } : {}) });
            }} />
        </div>

        <label class="k" for="device">Device</label>
        <div class="inline">
          <select id="device" name="device" @change=${(e: Event) => this.update_('device', (e.target as HTMLSelectElement).value as Device)}>
            <option value="wasm" ?selected=${s.device === 'wasm'}>WASM (CPU)</option>
            <option value="webgpu" ?selected=${s.device === 'webgpu'}>WebGPU</option>
          </select>
          <select name="dtype" aria-label="Weights' data type (dtype)" @change=${(e: Event) => this.update_('dtype', (e.target as HTMLSelectElement).value as Dtype)}>
            ${(['fp32', 'fp16', 'q8', 'q4'] as const).map((d) => html`<option value=${d} ?selected=${s.dtype === d}>${d}</option>`)}
          </select>
          <label class="note">threads <input type="number" name="threads" min="1" max="64" .value=${String(s.threads)} @change=${(e: Event) => this.update_('threads', Math.max(1, Number((e.target as HTMLInputElement).value) || 1))} /></label>
          <label class="note">batch <input type="number" name="batch" min="1" max="1024" .value=${String(s.batchSize)} @change=${(e: Event) => this.update_('batchSize', Math.max(1, Number((e.target as HTMLInputElement).value) || 1))} /></label>
        </div>

        <label class="k" for="chunking">Chunking</label>
        <div class="inline">
          <select id="chunking" name="chunking" @change=${(e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            this.update_('chunking', v === 'document' ? { mode: 'document' } : { mode: 'tokens', size: 128, overlap: 16 });
          }}>
            <option value="tokens" ?selected=${s.chunking.mode === 'tokens'}>by tokens</option>
            <option value="document" ?selected=${s.chunking.mode === 'document'}>whole documents</option>
          </select>
          ${s.chunking.mode === 'tokens'
            ? html`<label class="note">size <input type="number" name="chunkSize" min="8" .value=${String(s.chunking.size)} @change=${(e: Event) => this.update_('chunking', { mode: 'tokens', size: Number((e.target as HTMLInputElement).value), overlap: (s.chunking as { overlap: number }).overlap })} /></label>
                <label class="note">overlap <input type="number" name="chunkOverlap" min="0" .value=${String(s.chunking.overlap)} @change=${(e: Event) => this.update_('chunking', { mode: 'tokens', size: (s.chunking as { size: number }).size, overlap: Number((e.target as HTMLInputElement).value) })} /></label>
                <span class="note">in model tokens, split at paragraphs and sentences</span>`
            : html`<span class="note">one chunk per document, truncated at the model's token limit</span>`}
        </div>

        <label class="k" for="index">Index</label>
        <div class="inline">
          <select id="index" name="index" @change=${(e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            this.update_('indexKinds', v === 'exact' ? ['exact'] : v === 'voy' ? ['voy', 'exact'] : ['exact', 'voy']);
          }}>
            <option value="both" ?selected=${s.indexKinds[0] === 'exact' && s.indexKinds.length > 1}>exact scan + voy (compare)</option>
            <option value="exact" ?selected=${s.indexKinds.length === 1}>exact scan only</option>
            <option value="voy" ?selected=${s.indexKinds[0] === 'voy'}>voy (exact beside it as ground truth)</option>
          </select>
          <label class="note">k <input type="number" name="k" min="1" max="1000" .value=${String(s.k)} @change=${(e: Event) => this.update_('k', Math.max(1, Number((e.target as HTMLInputElement).value) || 10))} /></label>
        </div>
      </div>
      <div class="actions">
        <button class="primary" id="ingest" ?disabled=${this.busy} @click=${this._onIngest}>Ingest</button>
        <span class="note">Loads the model, reads, chunks, embeds and indexes the corpus; every stage is timed.</span>
      </div>
    </div>`;
  }

  private _onFiles(e: Event): void {
    this._files = [...((e.target as HTMLInputElement).files ?? [])];
  }

  private _onDragOver(e: DragEvent): void {
    e.preventDefault();
    this._dragging = true;
  }

  private _onDrop(e: DragEvent): void {
    e.preventDefault();
    this._dragging = false;
    this._files = [...(e.dataTransfer?.files ?? [])];
  }

  private _onIngest(): void {
    this.dispatchEvent(new CustomEvent('ingest', { detail: { settings: this.settings, files: this._files }, bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-setup', RagtabSetup);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-setup': RagtabSetup;
  }
}
