import { LitElement, css, html, nothing } from 'lit';
import { EMBEDDING_MODELS, embeddingModelInfo } from '../core/models';
import { INDEX_KINDS, KIND_BOUNDS, VECTOR_KINDS, kindRefusal, type IndexKind, type KindOptions } from '../core/index-kinds';
import { BEIR_CATALOG } from '../core/beir-catalog';
import type { CorpusChoice, Settings } from '../core/settings';
import type { Device, Dtype } from '../core/vocabulary';
import { cardStyles, formStyles } from './shared-styles';

type CorpusKind = CorpusChoice['kind'];

/** How each index kind reads in the set-up. */
const KIND_TEXT: Record<IndexKind, string> = {
  exact: 'exact scan (f32, SIMD)',
  voy: 'voy (k-d tree)',
  int8: 'int8 codes, rescored in f32',
  binary: 'binary codes, rescored in f32',
  hnsw: 'HNSW graph (hnswlib)',
  bm25: 'BM25 (keywords)',
  hybrid: 'hybrid: dense + BM25 (RRF)',
};

/**
 * Picks the corpus, embedding model, device, chunking and index: the kind that answers, the kinds
 * compared beside it (built and timed on the same queries), and each kind's options. A kind that
 * cannot serve the chosen model (voy over 768 dimensions) is refused here with its named error.
 * Properties: `settings`, `busy`. Fires `setup-settings` with the settings on every change, and
 * `ingest` with `{settings, files}`.
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
    formStyles,
    css`
      .drop { border: 1.5px dashed var(--line); border-radius: 10px; padding: 10px; font-size: 13px; color: var(--muted); }
      .drop.on { border-color: var(--accent); color: var(--fg); }
      .actions { margin-top: 14px; display: flex; gap: 10px; align-items: center; }
      input.wide { width: 100%; box-sizing: border-box; }
      .kinds { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 13px; }
      .kinds label { display: inline-flex; gap: 4px; align-items: center; }
      details.opts summary { cursor: pointer; font-size: 13px; color: var(--muted); }
      details.opts .grid { margin-top: 8px; }
      .refused { color: var(--err); font-size: 13px; }
    `,
  ];

  /**
   * Every change is told to the owner (`setup-settings`), which passes the same object back on its
   * next render: Lit re-sets an object-valued property on every render of its owner, so a choice
   * kept only here would be lost to the owner's next re-render (a session change, a panel loading).
   */
  private update_<K extends keyof Settings>(key: K, value: Settings[K]): void {
    this.settings = { ...this.settings, [key]: value };
    this.dispatchEvent(new CustomEvent('setup-settings', { detail: this.settings, bubbles: true, composed: true }));
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
          <input class="wide" type="url" name="datasetUrl" placeholder="https://…/scifact/ (folder with corpus.jsonl[.gz], queries.jsonl, qrels/test.tsv)"
            .value=${c.url} @change=${(e: Event) => this.update_('corpus', { ...c, url: (e.target as HTMLInputElement).value })} />
          ${maxDocsInput}</div>`;
      case 'beir-catalog':
        return html`<div class="inline">
          <select name="beirName" @change=${(e: Event) => this.update_('corpus', { ...c, name: (e.target as HTMLSelectElement).value })}>
            ${BEIR_CATALOG.map((b) => html`<option value=${b.name} ?selected=${b.name === c.name}>${b.name} (~${b.docs.toLocaleString('en-US')} docs)</option>`)}
          </select>${maxDocsInput}<span class="note">downloaded from the Hugging Face hub</span></div>`;
      case 'beir-folder':
        return html`<div class="inline"><input type="file" name="folder" webkitdirectory @change=${this._onFiles} />${maxDocsInput}
          <span class="note">${this._files.length ? `${this._files.length} files` : 'a folder with corpus.jsonl, queries.jsonl, qrels/test.tsv'}</span></div>`;
      case 'files':
        return html`<div class="drop ${this._dragging ? 'on' : ''}" @dragover=${this._onDragOver} @dragleave=${() => (this._dragging = false)} @drop=${this._onDrop}>
          <input type="file" name="files" multiple accept=".txt,.md,.markdown,.html,.htm,.json,.jsonl,.ndjson" @change=${this._onFiles} />
          ${this._files.length ? html`<div>${this._files.map((f) => f.name).join(', ')}</div>` : html`<div>or drop .txt, .md, .html, .json, .jsonl files here</div>`}
        </div>`;
    }
  }

  /** Why a chosen kind cannot serve the chosen model (voy over 768 dimensions), or null. */
  private refusal(): string | null {
    const dims = embeddingModelInfo(this.settings.model.id)?.dims ?? null;
    for (const k of this.settings.indexKinds) {
      const r = kindRefusal(k, dims);
      if (r) return r;
    }
    return null;
  }

  /** The answering kind replaces the previous one; the compared kinds stay (this one leaves their list). */
  private setAnswer(kind: IndexKind): void {
    this.update_('indexKinds', [kind, ...this.settings.indexKinds.slice(1).filter((k) => k !== kind)]);
  }

  private setCompare(kind: IndexKind, on: boolean): void {
    const list = this.settings.indexKinds.filter((k) => k !== kind);
    this.update_('indexKinds', on ? [...list, kind] : list);
  }

  private setOption<G extends keyof KindOptions>(group: G, value: Partial<KindOptions[G]>): void {
    const o = this.settings.kindOptions;
    this.update_('kindOptions', { ...o, [group]: { ...o[group], ...value } });
  }

  /** The kinds' options, folded away (defaults reproduce the references). */
  private kindOptions(o: KindOptions) {
    const B = KIND_BOUNDS;
    const int = (e: Event, [lo, hi]: readonly [number, number], fallback: number) => {
      const v = Math.round(Number((e.target as HTMLInputElement).value));
      return Number.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : fallback;
    };
    const real = (e: Event, [lo, hi]: readonly [number, number], fallback: number) => {
      const v = Number((e.target as HTMLInputElement).value);
      return Number.isFinite(v) ? Math.max(lo, Math.min(hi, v)) : fallback;
    };
    const nullableInt = (e: Event) => {
      const t = (e.target as HTMLInputElement).value.trim();
      return t === '' ? null : int(e, B.rescore, 40);
    };
    return html`<details class="opts">
      <summary>Index options (HNSW, rescoring, hybrid, BM25)</summary>
      <div class="grid">
        <label class="k">HNSW</label>
        <div class="inline">
          <label class="note">M <input type="number" name="hnswM" min=${B.hnswM[0]} max=${B.hnswM[1]} .value=${String(o.hnsw.m)} @change=${(e: Event) => this.setOption('hnsw', { m: int(e, B.hnswM, o.hnsw.m) })} /></label>
          <label class="note">efConstruction <input type="number" name="efConstruction" min=${B.efConstruction[0]} max=${B.efConstruction[1]} .value=${String(o.hnsw.efConstruction)} @change=${(e: Event) => this.setOption('hnsw', { efConstruction: int(e, B.efConstruction, o.hnsw.efConstruction) })} /></label>
          <label class="note">ef <input type="number" name="ef" min=${B.ef[0]} max=${B.ef[1]} .value=${String(o.hnsw.ef)} @change=${(e: Event) => this.setOption('hnsw', { ef: int(e, B.ef, o.hnsw.ef) })} /></label>
        </div>
        <label class="k">Rescoring</label>
        <div class="inline">
          <label class="note">int8 <input type="number" name="int8Rescore" min="1" placeholder="max(4k, 40)" .value=${o.int8.rescore === null ? '' : String(o.int8.rescore)} @change=${(e: Event) => this.setOption('int8', { rescore: nullableInt(e) })} /></label>
          <label class="note">binary <input type="number" name="binaryRescore" min="1" placeholder="max(20k, 200)" .value=${o.binary.rescore === null ? '' : String(o.binary.rescore)} @change=${(e: Event) => this.setOption('binary', { rescore: nullableInt(e) })} /></label>
          <span class="note">candidates rescored with the f32 vectors</span>
        </div>
        <label class="k">Hybrid</label>
        <div class="inline">
          <select name="dense" @change=${(e: Event) => this.setOption('hybrid', { dense: (e.target as HTMLSelectElement).value as KindOptions['hybrid']['dense'] })}>
            ${VECTOR_KINDS.map((k) => html`<option value=${k} ?selected=${o.hybrid.dense === k}>${k} + bm25</option>`)}
          </select>
          <label class="note">fused depth <input type="number" name="fusedDepth" min=${B.fusedDepth[0]} max=${B.fusedDepth[1]} .value=${String(o.hybrid.fusedDepth)} @change=${(e: Event) => this.setOption('hybrid', { fusedDepth: int(e, B.fusedDepth, o.hybrid.fusedDepth) })} /></label>
          <label class="note">RRF k <input type="number" name="rrfK" min=${B.rrfK[0]} max=${B.rrfK[1]} .value=${String(o.hybrid.rrfK)} @change=${(e: Event) => this.setOption('hybrid', { rrfK: real(e, B.rrfK, o.hybrid.rrfK) })} /></label>
        </div>
        <label class="k">BM25</label>
        <div class="inline">
          <label class="note">k1 <input type="number" name="bm25K1" step="0.1" min=${B.k1[0]} max=${B.k1[1]} .value=${String(o.bm25.k1)} @change=${(e: Event) => this.setOption('bm25', { k1: real(e, B.k1, o.bm25.k1) })} /></label>
          <label class="note">b <input type="number" name="bm25B" step="0.05" min=${B.b[0]} max=${B.b[1]} .value=${String(o.bm25.b)} @change=${(e: Event) => this.setOption('bm25', { b: real(e, B.b, o.bm25.b) })} /></label>
          <select name="stem" @change=${(e: Event) => this.setOption('bm25', { stem: (e.target as HTMLSelectElement).value as 'none' | 'porter2' })}>
            <option value="none" ?selected=${o.bm25.stem === 'none'}>no stemming</option>
            <option value="porter2" ?selected=${o.bm25.stem === 'porter2'}>porter2 stemming</option>
          </select>
          <input type="text" name="stopWords" placeholder="stop words, comma-separated" .value=${o.bm25.stopWords.join(', ')}
            @change=${(e: Event) => this.setOption('bm25', { stopWords: (e.target as HTMLInputElement).value.split(',').map((w) => w.trim().toLowerCase()).filter((w) => w !== '' && w.length <= B.stopWordChars).slice(0, B.stopWords) })} />
        </div>
      </div>
    </details>`;
  }

  override render() {
    const s = this.settings;
    if (!EMBEDDING_MODELS.some((m) => m.id === s.model.id)) this.extraIds.add(s.model.id);
    const refused = this.refusal();
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
          <input type="text" name="modelBase" aria-label="Model base URL (optional)" placeholder="local base URL (optional)" .value=${s.model.baseUrl ?? ''} title="Read the model from this base URL instead of the Hugging Face hub: files at <base><model id>/"
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
          <select name="dtype" aria-label="Weights data type (dtype)" @change=${(e: Event) => this.update_('dtype', (e.target as HTMLSelectElement).value as Dtype)}>
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
          <select id="index" name="index" @change=${(e: Event) => this.setAnswer((e.target as HTMLSelectElement).value as IndexKind)}>
            ${INDEX_KINDS.map((k) => html`<option value=${k} ?selected=${s.indexKinds[0] === k}>${KIND_TEXT[k]}</option>`)}
          </select>
          <label class="note">k <input type="number" name="k" min="1" max="1000" .value=${String(s.k)} @change=${(e: Event) => this.update_('k', Math.max(1, Number((e.target as HTMLInputElement).value) || 10))} /></label>
        </div>
        <span class="k">Compare with</span>
        <div class="kinds" role="group" aria-label="Index kinds built and timed beside the answering one">
          ${INDEX_KINDS.filter((k) => k !== s.indexKinds[0]).map(
            (k) => html`<label><input type="checkbox" name=${`compare-${k}`} .checked=${s.indexKinds.includes(k)} @change=${(e: Event) => this.setCompare(k, (e.target as HTMLInputElement).checked)} />${k}</label>`,
          )}
          <span class="note">built and timed on the same queries; recall against the exact scan and quality are recorded for each</span>
        </div>
        ${refused
          ? html`<span></span><p class="refused" role="alert" data-error-name="IndexUnsupported">IndexUnsupported: ${refused}</p>`
          : nothing}
        <span></span>${this.kindOptions(s.kindOptions)}
      </div>
      <div class="actions">
        <!-- aria-disabled while busy, not disabled: a disabled button drops the keyboard focus to the page's body -->
        <button class="primary" id="ingest" ?disabled=${refused !== null} aria-disabled=${this.busy ? 'true' : 'false'} @click=${this._onIngest}>Ingest</button>
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
    if (this.busy) return;
    this.dispatchEvent(new CustomEvent('ingest', { detail: { settings: this.settings, files: this._files }, bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-setup', RagtabSetup);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-setup': RagtabSetup;
  }
}
