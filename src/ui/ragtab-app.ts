import { LitElement, css, html, nothing } from 'lit';
import { RagSession } from '../engine/session';
import { configFromSettings, toSettings, type Settings } from '../core/settings';
import { EMBEDDING_MODELS } from '../core/models';
import { appConfigFromParams, paramsFromConfig, PARAM_ALIASES } from '../core/config-url';
import { errorInfo, type ErrorInfo } from '../core/errors';
import './ragtab-isolation';
import './ragtab-error';
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
import './ragtab-headline';
import type { HeadlineInput } from '../core/headline';
import { IdbRunStore } from '../storage/idb-run-store';
import { HandoverRunStore } from '../core/run-store';
import { heldDuringBenchmarks } from './render-hold';

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

/**
 * The root element: owns the RagSession (state and workers) and lays out the panels.
 * Window events: `ragtab-ready` once mounted, then the session's `ragtab-ingested`,
 * `ragtab-query-done`, `ragtab-error`, `ragtab-cancelled`.
 */
export class RagtabApp extends LitElement {
  static override properties = { _tick: { state: true }, _relevant: { state: true }, _localModels: { state: true } };
  declare _tick: number;
  declare _relevant: Map<string, number> | null;
  /** The catalogue's local models this site serves (probed when a model cannot be reached), for the error's way forward. */
  declare _localModels: Array<{ id: string; label: string }> | null;

  private readonly session = new RagSession();
  /** Optional parts that failed to load, with their named error. */
  private readonly failedParts = new Map<PartName, ErrorInfo>();
  /**
   * Saved runs: in memory until IndexedDB opens, then handed over to it with every run saved or
   * imported before (one store object throughout, so the benchmark panel never loses one).
   */
  private storageSettled!: () => void;
  private readonly runStore = new HandoverRunStore(undefined, new Promise<void>((r) => (this.storageSettled = r)));
  private runsHandedOver = false;
  private handOverRuns(): void {
    const store = this.session.store;
    if (!store || this.runsHandedOver) return;
    this.runsHandedOver = true; // tried once: a failure is reported, not retried on every change
    this.runStore.handOver(new IdbRunStore(store.runs)).catch((e: unknown) => {
      const i = errorInfo(e);
      this.session.error = { name: 'StorageError', message: `Saved runs are kept in memory for this page only: copying them into IndexedDB failed (${i.name}: ${i.message}).` };
      this._tick++;
    });
  }
  private settings: Settings;

  constructor() {
    super();
    this._tick = 0;
    this._relevant = null;
    // Each bad URL parameter is reported and left out; the others apply.
    const url = appConfigFromParams(new URLSearchParams(location.search));
    this.settings = toSettings(url.config, navigator.hardwareConcurrency);
    this._localModels = null;
    // No model in the URL: the last model that ingested on this device (a working choice is remembered)
    const remembered = rememberedModel();
    if (!new URLSearchParams(location.search).has('model') && remembered) this.settings = { ...this.settings, model: remembered };
    if (url.errors.length > 0) {
      const ignored = url.errors.length === 1 ? 'That parameter was ignored' : 'Those parameters were ignored';
      this.session.error = { name: 'InvalidConfig', message: `${url.errors.map((e) => e.message).join(' ')} ${ignored}; the others apply.` };
    }
    const render = heldDuringBenchmarks(() => this._tick++);
    this.session.addEventListener('change', () => {
      this.handOverRuns();
      render(); // held during a benchmark
    });
    for (const [name, part] of Object.entries(OPTIONAL_PARTS) as Array<[PartName, (typeof OPTIONAL_PARTS)[PartName]]>) {
      part.load().catch((e: unknown) => {
        const i = errorInfo(e);
        this.failedParts.set(name, { name: 'ModuleLoadFailed', message: `its module failed to load (${i.name}: ${i.message}).` });
        this._tick++;
      });
    }
    window.ragtab = this.session;
    // the model that just ingested (the benchmark's own set-up included), never one that only failed
    window.addEventListener('ragtab-ingested', () => {
      const m = this.session.active?.settings.model;
      if (m) rememberModel(m);
    });
    window.addEventListener('ragtab-error', () => void this.offerLocalModels());
  }

  /**
   * A model that cannot be reached (no network to the hub, a 404): the error offers the local models
   * this site serves, each checked to answer first, so a newcomer without hub access has a way on.
   */
  private async offerLocalModels(): Promise<void> {
    const e = this.session.error;
    if (!e || !['FetchFailed', 'ModelNotFound'].includes(e.name)) return;
    const found: Array<{ id: string; label: string }> = [];
    for (const m of EMBEDDING_MODELS.filter((x) => !x.hub && x.id !== this.settings.model.id)) {
      const ok = await fetch(new URL(`models/${m.id}/config.json`, document.baseURI), { method: 'HEAD', cache: 'no-store' }).then((r) => r.ok, () => false);
      if (ok) found.push({ id: m.id, label: m.label });
    }
    this._localModels = found;
  }

  private useModel(id: string): void {
    this.settings = { ...this.settings, model: { id, baseUrl: 'models/' } };
    this._localModels = null;
    this.writeUrl(this.settings);
    this.session.clearError();
  }

  /** The set-up in the address (short parameters only; the benchmark's and others kept), so a reload keeps it. */
  private writeUrl(settings: Settings): void {
    const next = paramsFromConfig(configFromSettings(settings));
    for (const [k, v] of new URLSearchParams(location.search)) if (!(k in PARAM_ALIASES)) next.append(k, v);
    const qs = next.toString();
    history.replaceState(history.state, '', `${location.pathname}${qs ? `?${qs}` : ''}${location.hash}`);
  }

  static override styles = css`
    :host { display: block; max-width: 1080px; margin: 0 auto; padding: 20px 18px 60px; }
    @media (max-width: 520px) { :host { padding: 14px 10px 40px; } }
    header { display: flex; align-items: center; gap: 14px; margin-bottom: 16px; flex-wrap: wrap; }
    h1 { font-size: 22px; margin: 0; letter-spacing: -0.01em; }
    h1 span { color: var(--accent); }
    .tag { color: var(--muted); font-size: 14px; flex: 1; }
    .col { display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
    .col > *, .two > * { min-width: 0; }
    .two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
    @media (max-width: 860px) { .two { grid-template-columns: minmax(0, 1fr); } }
    footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
  `;

  override firstUpdated(): void {
    window.addEventListener('ragtab-ingested', () => void this.renderRoot.querySelector('ragtab-storage')?.refresh());
    void this.session.init().finally(() => {
      // saved runs go to IndexedDB from now on (or stay in memory when it did not open)
      this.handOverRuns();
      this.storageSettled();
      window.dispatchEvent(new CustomEvent('ragtab-ready'));
    });
  }

  override render() {
    const s = this.session;
    const a = s.active;
    return html`<header>
        <h1>rag<span>tab</span></h1>
        <span class="tag">How fast, and how good, is retrieval-augmented generation in this browser, on this machine?</span>
        <ragtab-isolation .capabilities=${s.capabilities}></ragtab-isolation>
      </header>
      <main class="col">
        <ragtab-error .error=${s.error} .warnings=${s.warnings} .suggestions=${s.error && this._localModels?.length ? this._localModels : []}
          @use-model=${(e: CustomEvent<string>) => this.useModel(e.detail)} @dismiss=${() => s.clearError()}></ragtab-error>
        ${this.shareFirst ? html`<ragtab-share .session=${s}></ragtab-share>` : nothing}
        <ragtab-headline .input=${this.headlineInput()}></ragtab-headline>
        <ragtab-setup .settings=${this.settings} ?busy=${s.busy} @setup-settings=${(e: CustomEvent<Settings>) => this.setSettings(e.detail)} @ingest=${this._onIngest}></ragtab-setup>
        ${s.progress ? html`<ragtab-progress .progress=${s.progress} @cancel=${() => s.cancel()}></ragtab-progress>` : nothing}
        ${a ? html`<ragtab-ingest-report .report=${a.report}></ragtab-ingest-report>` : nothing}
        ${a ? html`<ragtab-timings heading="Ingestion stages" .stages=${a.report.stages} .total=${a.report.totalMs}></ragtab-timings>` : nothing}
        ${this.partError('llm') ?? html`<ragtab-llm .settings=${this.settings.llm} .load=${s.llmLoad} ?busy=${s.busy}
          @llm-settings=${(e: CustomEvent<Settings['llm']>) => this.setSettings({ ...this.settings, llm: e.detail })}
          @load-llm=${(e: CustomEvent<Settings['llm']>) => void s.loadLlm(e.detail)}
          @unload-llm=${() => void s.generator.unload().then(() => { s.llmLoad = null; this._tick++; })}></ragtab-llm>`}
        ${a ? html`<ragtab-query .queries=${a.corpus.queries} ?busy=${s.busy} @ask=${this._onAsk}></ragtab-query>` : nothing}
        ${s.streaming || s.lastQuery?.generation
          ? html`<ragtab-answer .streaming=${s.streaming} .report=${s.streaming ? null : (s.lastQuery?.generation ?? null)}
              .titles=${new Map((s.lastQuery?.hits ?? []).map((h) => [h.id, h.title || h.docId] as const))}
              @stop=${() => void s.interrupt()} @cite=${(e: CustomEvent<{ id: string }>) => this.renderRoot.querySelector('ragtab-results')?.showChunk(e.detail.id)}></ragtab-answer>`
          : nothing}
        ${s.lastQuery ? html`<ragtab-timings heading="Query stages" .stages=${s.lastQuery.stages} .total=${s.lastQuery.totalMs}></ragtab-timings>` : nothing}
        ${s.lastQuery ? html`<ragtab-results .result=${s.lastQuery} .relevant=${this._relevant}></ragtab-results>` : nothing}
        ${a
          ? html`<ragtab-quality .report=${s.lastEvaluation} .reports=${s.lastEvaluations} ?canEvaluate=${a.corpus.qrels.size > 0} ?busy=${s.busy}
              .queries=${a.corpus.queries.filter((q) => a.corpus.qrels.has(q.id)).length}
              .unavailable=${a.corpus.source.kind === 'beir' && a.corpus.qrels.size === 0 ? 'no judged query is left in this BEIR dataset: none of its judgments is on a document it contains, or on a query it has (the warnings above say what was left out).' : null} @evaluate=${() => void s.evaluate()}></ragtab-quality>`
          : nothing}
        <ragtab-bench .session=${this.session} .sessionFactory=${this.benchSession} .setup=${this.settings} .store=${this.runStore}></ragtab-bench>
        ${this.shareFirst ? nothing : html`<ragtab-share .session=${s}></ragtab-share>`}
        ${this.partError('storage') ?? html`<ragtab-storage .source=${s.store?.storage ?? null} .capabilities=${s.capabilities}></ragtab-storage>`}
      </main>
      <footer>ragtab ${__RAGTAB_VERSION__} (${__RAGTAB_COMMIT__}) · every figure is measured in this tab; round trip = main thread, in worker = the worker's own clock.</footer>`;
  }

  /** The session's figures for the headline (plain numbers: the headline's logic is in core). */
  private headlineInput(): HeadlineInput {
    const s = this.session;
    const ing = s.lastIngest;
    const embed = ing?.stages.find((x) => x.name === 'embed');
    const load = ing?.stages.find((x) => x.name === 'load');
    const ev = s.lastEvaluation;
    const gen = s.lastQuery?.generation ?? null;
    return {
      ingest: ing ? { chunks: ing.chunks, embedMs: embed?.ms ?? null, fromStorage: ing.storage.fromStorage, loadMs: load?.ms ?? null } : null,
      evaluation: ev ? { kind: ev.label, queryStages: ev.queryStages, ndcg10: ev.quality.mean?.ndcg10 ?? null } : null,
      answer: gen ? { ttftMs: gen.figures.ttftMs, decodeTokensPerS: gen.figures.decodeTokensPerS, generatedTokens: gen.generatedTokens, promptTokens: gen.prompt.tokens } : null,
    };
  }

  /** The named error shown in place of an optional part that failed to load (undefined when it loaded). */
  private partError(name: PartName) {
    const e = this.failedParts.get(name);
    return e ? html`<ragtab-part-error label=${OPTIONAL_PARTS[name].label} .error=${e} data-part-name=${name}></ragtab-part-error>` : undefined;
  }

  /**
   * The panels follow the order of the work (set up, ingest, ask, evaluate, benchmark, share,
   * storage); a page opened on a share link shows that link's view first.
   */
  private readonly shareFirst = /[#&]share=/.test(location.hash);

  /** A benchmark runs in a session of its own (same storage), so the user's stays as it was. */
  private readonly benchSession = () => this.session.forBenchmark();

  private setSettings(settings: Settings): void {
    this.settings = settings;
    this.writeUrl(settings);
    this._tick++; // the benchmark panel shows the set-up it runs on
  }

  private _onIngest(e: CustomEvent<{ settings: Settings; files: File[] }>): void {
    this.setSettings(e.detail.settings);
    this._localModels = null;
    void this.session.ingest(e.detail.settings, e.detail.files);
  }

  private _onAsk(e: CustomEvent<{ question: string; queryId?: string }>): void {
    const qrels = this.session.active?.corpus.qrels;
    this._relevant = e.detail.queryId && qrels ? (qrels.get(e.detail.queryId) ?? null) : null;
    void this.session.query(e.detail.question);
  }
}
const MODEL_KEY = 'ragtab:last-working-model';

/** Remembers the model of the last successful ingestion on this device (a catalogue model only). */
function rememberModel(m: Settings['model']): void {
  try {
    if (EMBEDDING_MODELS.some((x) => x.id === m.id)) localStorage.setItem(MODEL_KEY, JSON.stringify({ id: m.id, ...(m.baseUrl ? { baseUrl: m.baseUrl } : {}) }));
  } catch {
    /* storage refused (private mode): nothing is remembered */
  }
}

function rememberedModel(): Settings['model'] | null {
  try {
    const v = JSON.parse(localStorage.getItem(MODEL_KEY) ?? 'null') as { id?: unknown; baseUrl?: unknown } | null;
    if (!v || typeof v.id !== 'string' || !EMBEDDING_MODELS.some((x) => x.id === v.id)) return null;
    return { id: v.id, ...(typeof v.baseUrl === 'string' && v.baseUrl === 'models/' ? { baseUrl: v.baseUrl } : {}) };
  } catch {
    return null;
  }
}

customElements.define('ragtab-app', RagtabApp);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-app': RagtabApp;
  }
}
