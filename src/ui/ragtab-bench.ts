import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { PRESET_NAMES, applySets, parseBenchConfig, preset, type BenchConfig } from '../core/bench-config';
import { configFromParams } from '../core/config-url';
import { errorInfo, RagtabError, type ErrorInfo } from '../core/errors';
import { exportRecord, fromJson } from '../core/exports';
import { HandoverRunStore, MemoryRunStore, type RunStore } from '../core/run-store';
import type { RunRecord } from '../core/run-record';
import { presetOnSetup, type Settings } from '../core/settings';
import type { Progress } from '../core/stages';
import { Runner, type BenchSession, type StageEvent } from '../engine/runner';
import { RETRIEVAL_SUITE } from '../engine/retrieval-suite';
import type { RagtabBenchApi } from '../engine/bench-api';
import { cardStyles } from './shared-styles';
import { num } from './format';
import { wallTime } from '../core/figure-format';
import './ragtab-report';
import './ragtab-history';

/**
 * The benchmark panel: a preset picker (its configuration editable as JSON), "Run benchmark",
 * progress and Cancel; it owns a Runner over a session of its own (`sessionFactory`, given by the
 * app: the user's session is the same after a run as before), else over `session` or
 * `window.ragtab`. From the button, a preset runs on the current set-up (`setup`: the models, corpus,
 * chunking and index; the preset sets counts and phases) unless "on the current set-up" is off; a
 * run that clears cached model files asks first. It saves
 * each record in `store` (in memory unless the app gives one bound to IndexedDB), and shows the
 * report and the saved runs. Installs `window.ragtabBench` (src/engine/bench-api.ts) and fires the
 * window events `bench-ready`, `bench-progress` (detail: the runner's StageEvent), `bench-done`
 * (detail: record id) and `bench-error`.
 * URL: `?bench=<preset>&benchSet=<field=value>...` preselects a configuration.
 */
export class RagtabBench extends LitElement {
  static override properties = {
    session: { attribute: false },
    sessionFactory: { attribute: false },
    setup: { attribute: false },
    store: { attribute: false },
    _onSetup: { state: true },
    _confirm: { state: true },
    _tick: { state: true },
    _configText: { state: true },
    _configError: { state: true },
    _progress: { state: true },
    _record: { state: true },
    _sweep: { state: true },
    _historyVersion: { state: true },
  };
  declare session: BenchSession | null;
  /** Makes the session a run uses and disposes of it after (the app's: a session of its own). */
  declare sessionFactory: (() => BenchSession & { dispose(): void }) | null;
  /** The app's current set-up, which a preset runs on when `_onSetup` is on. */
  declare setup: Settings | null;
  declare store: RunStore;
  declare _onSetup: boolean;
  /** A run that clears cached files, waiting for the user's yes. */
  declare _confirm: { config: BenchConfig; what: string } | null;
  declare _tick: number;
  /** The run's own session while it runs (its progress is shown live). */
  private runSession: BenchSession | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  declare _configText: string;
  declare _configError: string | null;
  declare _progress: (StageEvent & { cell: number; cells: number; startedAt: number }) | { done: 0; total: 0; step: string; cell: number; cells: number; startedAt: number } | null;
  declare _record: RunRecord | null;
  declare _sweep: RunRecord[];
  declare _historyVersion: number;

  private runner: Runner | null = null;
  private preset = 'quick';

  constructor() {
    super();
    this.session = null;
    this.sessionFactory = null;
    this.setup = null;
    this._confirm = null;
    this._tick = 0;
    this.store = new MemoryRunStore();
    this._configError = null;
    this._progress = null;
    this._record = null;
    this._sweep = [];
    this._historyVersion = 0;
    let initial: BenchConfig = preset('quick');
    // a configuration given in the address is run as given; a preset picked here, on the set-up
    this._onSetup = true;
    try {
      const params = new URLSearchParams(location.search);
      if (params.has('bench') || params.has('benchSet')) this._onSetup = false;
      initial = configFromParams(params) ?? initial;
      this.preset = (PRESET_NAMES as readonly string[]).includes(initial.name) ? initial.name : 'quick';
    } catch (e) {
      this._configError = errorInfo(e).message;
    }
    this._configText = JSON.stringify(initial, null, 2);
  }

  static override styles = [
    cardStyles,
    css`
      :host { display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
      .row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
      .bar { height: 8px; border-radius: 99px; background: var(--bar); overflow: hidden; margin-top: 8px; }
      .bar > div { height: 100%; background: var(--accent); }
      .note { font-size: 12px; color: var(--muted); }
      .err { color: var(--err); font-size: 13px; }
      textarea { width: 100%; box-sizing: border-box; min-height: 260px; font: 12px ui-monospace, monospace; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
      label.check { display: inline-flex; gap: 6px; align-items: center; font-size: 13px; }
      .confirm { margin-top: 10px; padding: 10px; border: 1px solid var(--warn, var(--line)); border-radius: 8px; display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
      .confirm p { margin: 0; flex-basis: 100%; font-size: 13px; }
      details summary { cursor: pointer; font-size: 13px; color: var(--muted); margin-top: 10px; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.ragtabBench = this.api;
    window.dispatchEvent(new CustomEvent('bench-ready'));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (window.ragtabBench === this.api) delete window.ragtabBench;
  }

  private get running(): boolean {
    return this.runner?.running ?? false;
  }

  /** The API the CLI and tests use: the same path as the button. */
  readonly api: RagtabBenchApi = this.makeApi();

  private makeApi(): RagtabBenchApi {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const host = this;
    return {
      presets: PRESET_NAMES,
      get running() {
        return host.running;
      },
      run: (config, sets = []) => {
        const base = typeof config === 'string' ? preset(config) : parseBenchConfig(config);
        const c = sets.length ? applySets(base, sets) : base;
        this._configText = JSON.stringify(c, null, 2);
        return this.start(c);
      },
      cancel: () => this.runner?.cancel(),
      get: (id) => this.store.get(id),
      list: () => this.store.list(),
      export: async (id, format) => {
        const r = await this.store.get(id);
        if (!r) throw new RagtabError('InvalidArgument', `No saved run ${id}.`);
        return exportRecord(r, format);
      },
      import: async (json) => (await this.keep(fromJson(json))).id,
    };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // a store that moves to IndexedDB lists the earlier visits' runs too once it has: show them
    const s = this.store;
    if (changed.has('store') && s instanceof HandoverRunStore)
      void s.handedOver.then(() => {
        if (this.store === s) this._historyVersion++;
      });
  }

  override render() {
    const p = this._progress;
    const running = this.running;
    return html`<div class="card">
        <h2>Benchmark</h2>
        <div class="row">
          <label>Preset
            <select id="preset" ?disabled=${running} @change=${this._onPreset}>
              ${PRESET_NAMES.map((n) => html`<option value=${n} ?selected=${n === this.preset}>${n}</option>`)}
            </select></label>
          <label class="check"><input type="checkbox" id="on-setup" .checked=${this._onSetup} ?disabled=${running}
            @change=${(e: Event) => (this._onSetup = (e.target as HTMLInputElement).checked)} /> on the current set-up</label>
          <button id="run-bench" class="primary" aria-disabled=${running || this._confirm !== null ? 'true' : 'false'} @click=${this._onRun}>Run benchmark</button>
          ${running ? html`<button id="cancel-bench" @click=${() => this.runner?.cancel()}>Cancel</button>` : nothing}
        </div>
        <p class="note">quick: 1 warm-up, 5 iterations · standard: both index kinds, 20 iterations, concurrency 4 · full: a BEIR corpus from the hub, 30 iterations, a cold start that clears the cached model files · kinds: every index kind, HNSW's ef swept, no LLM.
          The run has a session of its own: what the panels above show stays as it is.</p>
        ${this._onSetup ? this.renderSetupLine() : nothing}
        ${this._confirm
          ? html`<div class="confirm" role="alertdialog" aria-labelledby="bench-confirm-text">
              <p id="bench-confirm-text">${this._confirm.what}</p>
              <button id="bench-confirm" class="primary" @click=${this._onConfirm}>Clear and run</button>
              <button id="bench-confirm-cancel" @click=${() => (this._confirm = null)}>Cancel</button>
            </div>`
          : nothing}
        ${p ? this.renderProgress(p) : nothing}
        ${this._configError ? html`<p class="err" role="alert" id="bench-error">${this._configError}</p>` : nothing}
        <details>
          <summary>Configuration (JSON, validated before the run)</summary>
          <textarea id="bench-config" spellcheck="false" .value=${this._configText} ?disabled=${running}
            @input=${(e: Event) => (this._configText = (e.target as HTMLTextAreaElement).value)}></textarea>
        </details>
      </div>
      <ragtab-report .record=${this._record} .sweep=${this._sweep} @record-imported=${this._onImported}></ragtab-report>
      <ragtab-history .store=${this.store} .version=${this._historyVersion} .selected=${this._record?.id ?? null}
        @open-run=${this._onOpen} @run-deleted=${this._onDeleted}></ragtab-history>`;
  }

  /** What a preset run takes from the set-up, and what it cannot. */
  private renderSetupLine() {
    const s = this.setup;
    if (!s) return html`<p class="note" id="setup-line">No set-up to run on here: the configuration below runs as written.</p>`;
    const chunking = s.chunking.mode === 'document' ? 'whole documents' : `${s.chunking.size}-token chunks`;
    const corpus = s.corpus.kind === 'demo' ? 'the demo corpus' : s.corpus.kind === 'beir-catalog' ? s.corpus.name : s.corpus.kind === 'beir-url' ? s.corpus.url : 'your files';
    const llm = s.llm.engine === 'none' || s.llm.model === '' ? 'no LLM' : s.llm.model.split('/').pop();
    let kept: string[] = [];
    try {
      kept = presetOnSetup(preset(this.preset), s).kept;
    } catch {
      /* a set-up the configuration cannot hold is reported when the run starts */
    }
    return html`<p class="note" id="setup-line">On the current set-up: ${s.model.id} · ${corpus} · ${chunking} · ${s.indexKinds.join(', ')} · ${llm}${kept.length ? html`<br />Kept from the preset: ${kept.join('; ')}.` : nothing}</p>`;
  }

  /** The run's progress: its step, the session's own progress inside a long step, elapsed time ticking. */
  private renderProgress(p: NonNullable<RagtabBench['_progress']>) {
    void this._tick; // re-rendered by the ticker during a long step
    const inner: Progress | null = this.runSession?.progress ?? null;
    const innerLine = inner && inner.label ? `${inner.label}${inner.total > 0 ? ` · ${num(inner.done)}/${num(inner.total)} ${inner.unit}` : ''}` : '';
    return html`<div id="bench-progress" aria-live="polite">
      <div class="bar"><div style="width:${p.total ? (p.done / p.total) * 100 : 0}%"></div></div>
      <p class="note">${p.cells > 1 ? `cell ${p.cell + 1}/${p.cells} · ` : ''}${'phase' in p ? `${p.step} · ${p.phase} · ${p.warmup ? 'warm-up' : 'iteration'} ${p.iteration + 1} · ${p.done}/${p.total} steps` : 'starting…'}
        · ${wallTime(performance.now() - p.startedAt)} elapsed</p>
      ${innerLine ? html`<p class="note" id="bench-step">now: ${innerLine}</p>` : nothing}
    </div>`;
  }

  private _onPreset(e: Event): void {
    this.preset = (e.target as HTMLSelectElement).value;
    this._configText = JSON.stringify(preset(this.preset), null, 2);
    this._configError = null;
  }

  /** Run (aria-disabled, not disabled, while a run or its confirmation is on: the keyboard focus stays on the button). */
  private _onRun(): void {
    if (this.running || this._confirm !== null) return;
    let config: BenchConfig;
    try {
      let data: unknown;
      try {
        data = JSON.parse(this._configText);
      } catch (e) {
        throw new RagtabError('InvalidConfig', `The configuration is not JSON: ${(e as Error).message}`);
      }
      config = parseBenchConfig(data);
      if (this._onSetup && this.setup) config = presetOnSetup(config, this.setup).config;
    } catch (e) {
      this.reportError(errorInfo(e));
      return;
    }
    if (config.clearCache) {
      const llm = config.llm.engine !== 'none' && config.llm.model ? ` and of ${config.llm.model}` : '';
      this._confirm = { config, what: `This run's cold start deletes the cached files of ${config.embedder.model}${llm} from this browser, so they are downloaded again (a real first visit). The index of this configuration is embedded again too.` };
      return;
    }
    void this.start(config).catch(() => undefined);
  }

  private _onConfirm(): void {
    const c = this._confirm;
    this._confirm = null;
    if (c) void this.start(c.config).catch(() => undefined);
  }

  private reportError(info: ErrorInfo, id?: string): void {
    this._configError = `${info.name}: ${info.message}`;
    window.dispatchEvent(new CustomEvent('bench-error', { detail: { ...info, ...(id ? { id } : {}) } }));
  }

  private sessionOrThrow(): BenchSession {
    const s: BenchSession | null = this.session ?? window.ragtab ?? null;
    if (!s) throw new RagtabError('InvalidArgument', 'No session: the benchmark needs the app (window.ragtab).');
    return s;
  }

  private async keep(record: RunRecord): Promise<RunRecord> {
    await this.store.put(record);
    this._record = record;
    this._historyVersion++;
    return record;
  }

  /** Runs a validated configuration: one record per sweep cell, each saved and announced. */
  private async start(config: BenchConfig): Promise<string[]> {
    if (this.running) throw new RagtabError('InvalidArgument', 'A benchmark is already running.');
    this._configError = null;
    let cells = 1;
    const ids: string[] = [];
    this._sweep = [];
    const factory = this.sessionFactory;
    let session: (BenchSession & { dispose?(): void }) | null = null;
    let lastEventAt = performance.now();
    try {
      session = factory ? factory() : this.sessionOrThrow();
      this.runSession = session;
      // elapsed time and the session's own progress, ticking inside a long step (a load, an
      // ingestion); steps that end within a second re-render on their own event instead
      this.ticker = setInterval(() => {
        if (performance.now() - lastEventAt > 1000) this._tick++;
      }, 1000);
      this.runner = new Runner({
        session,
        suite: RETRIEVAL_SUITE,
        client: {
          willStart: (e) => {
            cells = e.cells;
            this._progress = { done: 0, total: 0, step: 'starting', cell: e.cell, cells: e.cells, startedAt: performance.now() };
          },
          didFinishStage: (e) => {
            lastEventAt = performance.now();
            window.dispatchEvent(new CustomEvent('bench-progress', { detail: { ...e, cells } }));
            const prev = this._progress;
            this._progress = { ...e, cell: prev?.cell ?? 0, cells, startedAt: prev?.startedAt ?? performance.now() };
          },
        },
      });
      this.requestUpdate();
      const records = await this.runner.run(config);
      for (const r of records) {
        await this.keep(r);
        if (r.sweep) this._sweep = [...this._sweep, r];
        ids.push(r.id);
        const last = r.errors[r.errors.length - 1];
        if (r.status !== 'complete' && last) this.reportError(last, r.id);
        window.dispatchEvent(new CustomEvent('bench-done', { detail: r.id }));
      }
      return ids;
    } catch (e) {
      this.reportError(errorInfo(e));
      throw e;
    } finally {
      if (this.ticker) clearInterval(this.ticker);
      this.ticker = null;
      this.runSession = null;
      // a session made for this run ends with it (its workers, its LLM)
      if (factory && session) session.dispose?.();
      this.runner = null;
      this._progress = null;
    }
  }

  private async _onImported(e: CustomEvent<RunRecord>): Promise<void> {
    await this.keep(e.detail);
    this._sweep = [];
  }

  private async _onOpen(e: CustomEvent<{ id: string }>): Promise<void> {
    const r = await this.store.get(e.detail.id);
    if (!r) return;
    this._record = r;
    if (r.sweep) {
      const all = await Promise.all((await this.store.list()).filter((h) => h.sweep?.id === r.sweep!.id).map((h) => this.store.get(h.id)));
      this._sweep = all.filter((x): x is RunRecord => !!x);
    } else this._sweep = [];
  }

  private _onDeleted(e: CustomEvent<{ id: string }>): void {
    if (this._record?.id === e.detail.id) this._record = null;
  }
}
customElements.define('ragtab-bench', RagtabBench);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-bench': RagtabBench;
  }
}
