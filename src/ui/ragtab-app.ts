import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { RagSession } from '../engine/session';
import { configFromSettings, type Settings } from '../core/settings';
import { errorInfo, type ErrorInfo } from '../core/errors';
import type { HeadlineTile } from '../core/headline';
import { headline } from '../core/headline';
import type { LocalModel } from '../core/local-models';
import type { RunRecord } from '../core/run-record';
import type { BenchConfig } from '../core/bench-config';
import type { ModelSpec } from '../core/vocabulary';
import { sessionHeadline } from '../engine/session-record';
import { deleteLeftoverBenchDatabases } from '../engine/bench-session';
import { modelUnreachable, reachableLocalModels } from '../engine/local-models';
import { IdbRunStore } from '../storage/run-store';
import { MemoryRunStore, type RunStore } from '../core/run-store';
import { VIEWS, rememberModel, startSettings, viewFromUrl, writeSettings, writeView, type ViewId } from './app-url';
import type { NavItem } from './ragtab-nav';
import './ragtab-nav';
import './ragtab-headline';
import './ragtab-isolation';
import './ragtab-error';
import './ragtab-model-help';
import './ragtab-progress';
import './ragtab-setup';
import './ragtab-query';
import './ragtab-results';
import './ragtab-timings';
import './ragtab-ingest-report';
import './ragtab-quality';
import './ragtab-answer';
import './ragtab-part-error';
import './ragtab-share';
import './ragtab-bench';
import { heldDuringBenchmarks } from './render-hold';
import './ragtab-report';
import './ragtab-history';

/**
 * Optional parts, each loaded on its own (a lazy `import()`): one that fails to load shows a named
 * error in its place and the rest of the app stays usable. Charts load uPlot the same way
 * (ragtab-chart.ts); the service worker is registered by its own script (pwa.config.ts).
 */
const OPTIONAL_PARTS = {
  llm: { label: 'The LLM panel', load: () => import('./ragtab-llm') },
  storage: { label: 'The storage panel', load: () => import('./ragtab-storage') },
} as const;
type PartName = keyof typeof OPTIONAL_PARTS;

const MODEL_ERRORS = new Set(['FetchFailed', 'ModelNotFound']);

/**
 * The root element: owns the user's RagSession (state and workers) and lays the work out as views
 * in its order — set up → ingest → ask → evaluate → benchmark → report & compare → storage — under
 * a headline of the current run. The settings and the view live in the URL (app-url.ts); an
 * unreachable embedding model offers the models this server has in its error; a benchmark and a
 * shared re-run run in sessions of their own, so this session is never replaced by theirs.
 * Window events: `ragtab-ready` once mounted, then the session's `ragtab-ingested`,
 * `ragtab-query-done`, `ragtab-evaluated`, `ragtab-llm-loaded`, `ragtab-error`, `ragtab-cancelled`;
 * `ragtab-view` (detail: the view shown).
 */
export class RagtabApp extends LitElement {
  static override properties = {
    _tick: { state: true },
    _relevant: { state: true },
    _view: { state: true },
    _record: { state: true },
    _sweep: { state: true },
    _historyVersion: { state: true },
    _benchRunning: { state: true },
    _local: { state: true },
    _unreachable: { state: true },
  };
  declare _tick: number;
  declare _relevant: Map<string, number> | null;
  declare _view: ViewId;
  /** The benchmark record the report shows (the newest run, or one opened from the history). */
  declare _record: RunRecord | null;
  declare _sweep: RunRecord[];
  declare _historyVersion: number;
  declare _benchRunning: boolean;
  /** The embedding models this server offers (null until looked up). */
  declare _local: LocalModel[] | null;
  /** The set-up's model does not answer (checked at start-up), or null. */
  declare _unreachable: { spec: ModelSpec; error: ErrorInfo } | null;

  private readonly session = new RagSession();
  private readonly failedParts = new Map<PartName, ErrorInfo>();
  private runStore: RunStore | null = null;
  private settings: Settings;
  private files: File[] = [];
  private notice: string | null = null;
  /** When the report's record and the session last changed (the headline shows the newer). */
  private recordAt = 0;
  private sessionAt = 0;
  private readonly hc = navigator.hardwareConcurrency;

  /** Runs are saved in IndexedDB when it is open, else kept in memory for this page. */
  private runs(): RunStore {
    const store = this.session.store;
    if (store && !(this.runStore instanceof IdbRunStore)) this.runStore = new IdbRunStore(store.runs);
    return (this.runStore ??= new MemoryRunStore());
  }

  constructor() {
    super();
    this._tick = 0;
    this._relevant = null;
    this._record = null;
    this._sweep = [];
    this._historyVersion = 0;
    this._benchRunning = false;
    this._local = null;
    this._unreachable = null;
    // Each bad URL parameter is reported and left out; the others apply.
    const start = startSettings(location.search, this.hc);
    this.settings = start.settings;
    if (start.errors.length > 0) {
      const ignored = start.errors.length === 1 ? 'That parameter was ignored' : 'Those parameters were ignored';
      this.session.error = { name: 'InvalidConfig', message: `${start.errors.map((e) => e.message).join(' ')} ${ignored}; the others apply.` };
    }
    if (start.remembered) this.notice = `Using ${start.remembered.id}, the embedding model that worked here last time.`;
    this._view = viewFromUrl() ?? (location.hash.startsWith('#share=') ? 'report' : 'setup');
    const render = heldDuringBenchmarks(() => this._tick++);
    this.session.addEventListener('change', () => {
      // held during a benchmark, except once when IndexedDB opens: the benchmark panel must keep the
      // run's records in the store the app gives it afterwards (runs())
      if (this.session.store && !(this.runStore instanceof IdbRunStore)) this._tick++;
      else render();
    });
    for (const [name, part] of Object.entries(OPTIONAL_PARTS) as Array<[PartName, (typeof OPTIONAL_PARTS)[PartName]]>) {
      part.load().catch((e: unknown) => {
        const i = errorInfo(e);
        this.failedParts.set(name, { name: 'ModuleLoadFailed', message: `its module failed to load (${i.name}: ${i.message}).` });
        this._tick++;
      });
    }
    window.ragtab = this.session;
  }

  static override styles = css`
    :host { display: block; max-width: 1080px; margin: 0 auto; padding: 16px 16px 48px; box-sizing: border-box; }
    [hidden] { display: none !important; }
    header { display: flex; align-items: center; gap: 6px 14px; margin-bottom: 12px; flex-wrap: wrap; }
    h1 { font-size: 22px; margin: 0; letter-spacing: -0.01em; }
    h1 span { color: var(--accent); }
    .tag { color: var(--muted); font-size: 14px; flex: 1 1 240px; min-width: 0; }
    nav { margin-bottom: 12px; }
    main { display: grid; gap: 14px; min-width: 0; }
    section.view { display: grid; gap: 14px; min-width: 0; }
    section.view:focus { outline: none; }
    .two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
    @media (max-width: 860px) { .two { grid-template-columns: minmax(0, 1fr); } }
    .empty { background: var(--card); border: 1px dashed var(--line); border-radius: 12px; padding: 16px 18px; font-size: 14px; }
    .empty p { margin: 0 0 10px; }
    .next { display: flex; justify-content: flex-end; gap: 10px; flex-wrap: wrap; }
    button { font: inherit; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: 6px 12px; cursor: pointer; min-height: 32px; }
    button.primary { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .notice { font-size: 13px; color: var(--muted); margin: 0; }
    footer { margin-top: 28px; color: var(--muted); font-size: 12px; overflow-wrap: anywhere; }
    @media (max-width: 480px) { :host { padding: 12px 10px 40px; } h1 { font-size: 20px; } .tag { font-size: 13px; } }
  `;

  override firstUpdated(): void {
    window.addEventListener('ragtab-ingested', () => this.afterIngest());
    window.addEventListener('ragtab-error', () => this.afterError());
    window.addEventListener('ragtab-query-done', () => (this.sessionAt = performance.now()));
    window.addEventListener('ragtab-evaluated', () => (this.sessionAt = performance.now()));
    window.addEventListener('bench-started', () => (this._benchRunning = true));
    window.addEventListener('bench-finished', () => (this._benchRunning = false));
    window.addEventListener('popstate', () => {
      const v = viewFromUrl() ?? 'setup';
      if (v !== this._view) this.show(v, { push: false });
    });
    void deleteLeftoverBenchDatabases();
    void this.session.init().finally(() => {
      window.dispatchEvent(new CustomEvent('ragtab-ready'));
      void this.checkModel();
    });
  }

  // ─────────────────────────── views ───────────────────────────

  /** Shows a view (a history entry unless `push: false`) and moves focus into it, unless told where. */
  private show(v: ViewId, o: { push?: boolean; focus?: string | null } = {}): void {
    this._view = v;
    writeView(v, o.push ?? true);
    void this.updateComplete.then(() => {
      const section = this.renderRoot.querySelector<HTMLElement>(`section[data-view="${v}"]`);
      if (o.focus === null) return;
      const target = o.focus ? this.renderRoot.querySelector<HTMLElement>(o.focus) : null;
      (target ?? section)?.focus();
      window.dispatchEvent(new CustomEvent('ragtab-view', { detail: v }));
    });
  }

  private navItems(): NavItem[] {
    const s = this.session;
    const a = s.active;
    const busy = (st: string) => s.status === st;
    const state = (done: boolean, running = false): NavItem['state'] => (running ? 'busy' : done ? 'done' : 'todo');
    return VIEWS.map((v) => {
      switch (v.id) {
        case 'setup':
          return { ...v, state: state(a !== null) };
        case 'ingest':
          return { ...v, state: state(a !== null, busy('ingesting')), ...(a ? { note: `${a.report.chunks} chunks` } : {}) };
        case 'ask':
          return { ...v, state: state(s.lastQuery !== null, busy('querying') && s.progress?.phase !== 'check') };
        case 'evaluate':
          return { ...v, state: state(s.lastEvaluation !== null, s.progress?.phase === 'check') };
        case 'benchmark':
          return { ...v, state: state(this._record !== null, this._benchRunning) };
        case 'report':
          return { ...v, state: state(this._record !== null) };
        default:
          return { ...v, state: 'todo' };
      }
    });
  }

  // ─────────────────────────── the headline ───────────────────────────

  private headline(): { tiles: HeadlineTile[]; source: string } {
    const s = this.session;
    const r = this._record;
    if (r && (this.recordAt >= this.sessionAt || !s.lastIngest)) {
      return { tiles: headline(r), source: `benchmark "${r.config.name}" · ${r.status} · ${new Date(r.startedAt).toLocaleTimeString('en-US')}` };
    }
    const a = s.active;
    if (!a || !s.lastIngest) return { tiles: [], source: '' };
    const config = configFromSettings(a.settings, { quality: s.lastEvaluation !== null });
    return {
      tiles: sessionHeadline({ config, ingest: s.lastIngest, evaluation: s.lastEvaluation, query: s.lastQuery, llm: s.llmLoad }),
      source: `this session · ${s.lastIngest.corpusName} · ${a.settings.model.id}`,
    };
  }

  // ─────────────────────────── the model's way forward ───────────────────────────

  /** At start-up: does the set-up's model answer? If not, say so now, with the models this server offers. */
  private async checkModel(): Promise<void> {
    const spec = this.settings.model;
    const [error] = await Promise.all([modelUnreachable(spec), this.lookUpLocal()]);
    if (error && this.settings.model.id === spec.id && (this.settings.model.baseUrl ?? '') === (spec.baseUrl ?? '') && !this.session.active) {
      this._unreachable = { spec, error };
    }
  }

  private localPending: Promise<void> | null = null;

  /** Looks up the models this server offers, once (again after a model was chosen). */
  private lookUpLocal(): Promise<void> {
    if (this._local !== null) return Promise.resolve();
    this.localPending ??= reachableLocalModels()
      .then((r) => r.embedding.filter((m) => m.id !== this.settings.model.id || (m.baseUrl ?? '') !== (this.settings.model.baseUrl ?? '')))
      .catch(() => [])
      .then((list) => {
        this._local = list;
        this.localPending = null;
      });
    return this.localPending;
  }

  /** The set-up's model failed in the session's last error (an ingestion that could not reach it). */
  private modelFailed(): boolean {
    const e = this.session.error;
    return e !== null && MODEL_ERRORS.has(e.name) && e.message.includes(`"${this.settings.model.id}"`);
  }

  private modelHelp(retry: boolean): TemplateResult {
    void this.lookUpLocal();
    return html`<ragtab-model-help .model=${this.settings.model} .local=${this._local} ?retry=${retry} @use-model=${this._onUseModel}></ragtab-model-help>`;
  }

  private _onUseModel(e: CustomEvent<{ spec: ModelSpec; ingest: boolean }>): void {
    this.setSettings({ ...this.settings, model: e.detail.spec });
    this._unreachable = null;
    this.session.clearError();
    this._local = null;
    this.notice = null;
    if (e.detail.ingest) this.ingest();
    else this.show('setup', { focus: 'ragtab-setup' });
  }

  // ─────────────────────────── work ───────────────────────────

  private setSettings(s: Settings): void {
    this.settings = s;
    writeSettings(s, this.hc);
    this._tick++;
  }

  private ingest(): void {
    void this.session.ingest(this.settings, this.files);
    this.show('ingest', { focus: 'ragtab-progress' });
  }

  private afterIngest(): void {
    this.sessionAt = performance.now();
    this._unreachable = null;
    const a = this.session.active;
    if (a) rememberModel(a.settings.model);
    void this.renderRoot.querySelector('ragtab-storage')?.refresh();
    if (this._view === 'ingest') void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[data-next="ask"]')?.focus());
  }

  private afterError(): void {
    // focus the error, never the body (the button that started the work may be disabled or hidden)
    void this.updateComplete.then(() => this.renderRoot.querySelector('ragtab-error')?.focusAlert());
  }

  private _onIngest(e: CustomEvent<{ settings: Settings; files: File[] }>): void {
    this.setSettings(e.detail.settings);
    this.files = e.detail.files;
    this.ingest();
  }

  private _onAsk(e: CustomEvent<{ question: string; queryId?: string }>): void {
    const qrels = this.session.active?.corpus.qrels;
    this._relevant = e.detail.queryId && qrels ? (qrels.get(e.detail.queryId) ?? null) : null;
    void this.session.query(e.detail.question);
  }

  private _onRecorded(e: CustomEvent<{ record: RunRecord; sweep: RunRecord[] }>): void {
    this._record = e.detail.record;
    this._sweep = e.detail.sweep;
    this._historyVersion++;
    this.recordAt = performance.now();
    if (e.detail.record.status === 'complete' && this._view === 'benchmark') this.show('report', { focus: 'ragtab-report' });
  }

  private async _onOpenRun(e: CustomEvent<{ id: string }>): Promise<void> {
    const store = this.runs();
    const r = await store.get(e.detail.id);
    if (!r) return;
    this._record = r;
    this.recordAt = performance.now();
    if (r.sweep) {
      const all = await Promise.all((await store.list()).filter((h) => h.sweep?.id === r.sweep!.id).map((h) => store.get(h.id)));
      this._sweep = all.filter((x): x is RunRecord => !!x);
    } else this._sweep = [];
  }

  private async _onImported(e: CustomEvent<RunRecord>): Promise<void> {
    await this.runs().put(e.detail);
    this._record = e.detail;
    this._sweep = [];
    this._historyVersion++;
    this.recordAt = performance.now();
  }

  private setupMemo: { key: string; config: BenchConfig | null } | null = null;

  /** What the benchmark measures "on my set-up": the set-up's settings, with the LLM that is loaded (none when none is). */
  private setupConfig(): BenchConfig | null {
    const s = this.session;
    const llm = s.llmLoad && s.generator.settings ? { ...s.generator.settings } : { ...this.settings.llm, engine: 'none' as const };
    const settings = { ...this.settings, llm };
    const key = JSON.stringify(settings);
    if (this.setupMemo?.key !== key) {
      let config: BenchConfig | null = null;
      try {
        config = configFromSettings(settings);
      } catch {
        config = null;
      }
      this.setupMemo = { key, config };
    }
    return this.setupMemo.config;
  }

  // ─────────────────────────── render ───────────────────────────

  override render() {
    const s = this.session;
    const a = s.active;
    const v = this._view;
    const busy = s.busy || this._benchRunning;
    const h = this.headline();
    const modelFailed = this.modelFailed();
    const view = (id: ViewId, content: unknown) =>
      html`<section class="view" data-view=${id} ?hidden=${v !== id} tabindex="-1" aria-label=${VIEWS.find((x) => x.id === id)!.label}>${content}</section>`;
    const next = (id: ViewId, text: string) => html`<div class="next"><button class="primary" data-next=${id} @click=${() => this.show(id)}>${text} →</button></div>`;
    return html`<header>
        <h1>rag<span>tab</span></h1>
        <span class="tag">How fast, and how good, is retrieval-augmented generation in this browser, on this machine?</span>
        <ragtab-isolation .capabilities=${s.capabilities}></ragtab-isolation>
      </header>
      <nav aria-label="Steps of the work"><ragtab-nav .items=${this.navItems()} current=${v} @view=${(e: CustomEvent<{ id: ViewId }>) => this.show(e.detail.id)}></ragtab-nav></nav>
      <main id="main">
        ${h.tiles.length ? html`<ragtab-headline .tiles=${h.tiles} source=${h.source}></ragtab-headline>` : nothing}
        ${s.error || s.warnings.length
          ? html`<ragtab-error .error=${s.error} .warnings=${s.warnings} @dismiss=${() => s.clearError()}>${modelFailed ? this.modelHelp(true) : nothing}</ragtab-error>`
          : nothing}
        ${this._unreachable && !modelFailed
          ? html`<ragtab-error notice data-unreachable .error=${this._unreachable.error} @dismiss=${() => (this._unreachable = null)}>${this.modelHelp(false)}</ragtab-error>`
          : nothing}
        ${this.notice ? html`<p class="notice" role="status" data-notice>${this.notice}</p>` : nothing}
        ${s.progress ? html`<ragtab-progress .progress=${s.progress} @cancel=${() => s.cancel()}></ragtab-progress>` : nothing}
        ${view(
          'setup',
          html`<ragtab-setup .settings=${this.settings} ?busy=${busy} @settings-change=${(e: CustomEvent<Settings>) => this.setSettings(e.detail)} @ingest=${this._onIngest}></ragtab-setup>`,
        )}
        ${view(
          'ingest',
          a
            ? html`<ragtab-ingest-report .report=${a.report}></ragtab-ingest-report>
                <ragtab-timings heading="Ingestion stages" phase="ingest" .stages=${a.report.stages} .total=${a.report.totalMs}></ragtab-timings>
                ${next('ask', 'Next: ask a question')}`
            : html`<div class="empty"><p>${s.status === 'ingesting' ? 'Ingesting: the progress is above.' : 'Nothing is ingested yet. Choose a corpus and an embedding model, then Ingest.'}</p>
                ${s.status === 'ingesting' ? nothing : html`<button class="primary" data-next="setup" @click=${() => this.show('setup')}>Go to Set up</button>`}</div>`,
        )}
        ${view(
          'ask',
          html`${this.partError('llm') ??
            html`<ragtab-llm .settings=${this.settings.llm} .load=${s.llmLoad} ?busy=${busy}
              @llm-settings=${(e: CustomEvent<Settings['llm']>) => this.setSettings({ ...this.settings, llm: e.detail })}
              @load-llm=${(e: CustomEvent<Settings['llm']>) => void s.loadLlm(e.detail)}
              @unload-llm=${() => void s.generator.unload().then(() => {
                s.llmLoad = null;
                this._tick++;
              })}></ragtab-llm>`}
            ${a
              ? html`<ragtab-query .queries=${a.corpus.queries} ?busy=${busy} @ask=${this._onAsk}></ragtab-query>`
              : html`<div class="empty"><p>Ingest a corpus first: questions are answered from it.</p><button data-next="setup" @click=${() => this.show('setup')}>Go to Set up</button></div>`}
            ${s.streaming || s.lastQuery?.generation
              ? html`<ragtab-answer .streaming=${s.streaming} .report=${s.streaming ? null : (s.lastQuery?.generation ?? null)}
                  .titles=${new Map((s.lastQuery?.hits ?? []).map((x) => [x.id, x.title || x.docId] as const))}
                  @stop=${() => void s.interrupt()} @cite=${(e: CustomEvent<{ id: string }>) => this.renderRoot.querySelector('ragtab-results')?.showChunk(e.detail.id)}></ragtab-answer>`
              : nothing}
            ${s.lastQuery ? html`<ragtab-timings heading="Query stages" phase="your last question" .stages=${s.lastQuery.stages} .total=${s.lastQuery.totalMs}></ragtab-timings>` : nothing}
            ${s.lastQuery ? html`<ragtab-results .result=${s.lastQuery} .relevant=${this._relevant}></ragtab-results>` : nothing}
            ${s.lastQuery ? next(a && a.corpus.qrels.size > 0 ? 'evaluate' : 'benchmark', a && a.corpus.qrels.size > 0 ? 'Next: evaluate the judged queries' : 'Next: benchmark') : nothing}`,
        )}
        ${view(
          'evaluate',
          a && a.corpus.qrels.size > 0
            ? html`<ragtab-quality .report=${s.lastEvaluation} .reports=${s.lastEvaluations} ?canEvaluate=${true} ?busy=${busy}
                  .queries=${a.corpus.queries.filter((q) => a.corpus.qrels.has(q.id)).length} @evaluate=${() => void s.evaluate()}></ragtab-quality>
                ${s.lastEvaluation ? next('benchmark', 'Next: benchmark') : nothing}`
            : html`<div class="empty"><p>${a ? `The corpus "${a.corpus.name}" has no judged queries, so its retrieval quality cannot be measured. The demo corpus and BEIR datasets have them.` : 'Ingest a corpus with judged queries (the demo, a BEIR dataset) to measure retrieval quality.'}</p></div>`,
        )}
        ${view(
          'benchmark',
          html`<ragtab-bench .store=${this.runs()} .setup=${this.setupConfig()} .blocked=${s.busy}
            .corpus=${this.settings.corpus.kind === 'files' || this.settings.corpus.kind === 'beir-folder' ? { choice: this.settings.corpus, files: this.files } : null}
            @run-recorded=${this._onRecorded}></ragtab-bench>`,
        )}
        ${view(
          'report',
          html`<ragtab-share .session=${s} @share-recorded=${this._onImported}></ragtab-share>
            <ragtab-report .record=${this._record} .sweep=${this._sweep} @record-imported=${this._onImported}></ragtab-report>
            <ragtab-history .store=${this.runs()} .version=${this._historyVersion} .selected=${this._record?.id ?? null}
              @open-run=${this._onOpenRun} @run-deleted=${(e: CustomEvent<{ id: string }>) => {
                if (this._record?.id === e.detail.id) this._record = null;
              }}></ragtab-history>`,
        )}
        ${view('storage', this.partError('storage') ?? html`<ragtab-storage .source=${s.store?.storage ?? null} .capabilities=${s.capabilities}></ragtab-storage>`)}
      </main>
      <footer>ragtab ${__RAGTAB_VERSION__} (${__RAGTAB_COMMIT__}) · every figure is measured in this tab; round trip = main thread, in worker = the worker's own clock.</footer>`;
  }

  /** The named error shown in place of an optional part that failed to load (undefined when it loaded). */
  private partError(name: PartName) {
    const e = this.failedParts.get(name);
    return e ? html`<ragtab-part-error label=${OPTIONAL_PARTS[name].label} .error=${e} data-part-name=${name}></ragtab-part-error>` : undefined;
  }
}
customElements.define('ragtab-app', RagtabApp);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-app': RagtabApp;
  }
}
