import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { PRESET_NAMES, applySets, parseBenchConfig, preset, type BenchConfig } from '../core/bench-config';
import { benchConfigFor, setupSummary, type BenchTarget } from '../core/bench-plan';
import { configFromParams } from '../core/config-url';
import { errorInfo, RagtabError, type ErrorInfo } from '../core/errors';
import { exportRecord, fromJson } from '../core/exports';
import { MemoryRunStore, type RunStore } from '../core/run-store';
import type { RunRecord } from '../core/run-record';
import type { CorpusChoice } from '../core/settings';
import { Runner, type StageEvent, type StageStartEvent } from '../engine/runner';
import { RETRIEVAL_SUITE } from '../engine/retrieval-suite';
import { withBenchSession } from '../engine/bench-session';
import type { RagSession } from '../engine/session';
import type { RagtabBenchApi } from '../engine/bench-api';
import { cardStyles } from './shared-styles';
import { clock } from './format';
import type { ProgressView } from './ragtab-progress';
import './ragtab-progress';

type Mode = BenchTarget | 'custom';

/** How the run is going: the step running now, the steps done, each finished step's duration (for the time left). */
interface RunProgress {
  startedAt: number;
  cell: number;
  cells: number;
  step: StageStartEvent | null;
  finished: StageEvent[];
}

/**
 * The benchmark panel. "Run benchmark" runs a preset's method (counts and phases) on the user's
 * set-up (`setup`: the app's settings as a configuration) — or the preset as it is, when asked, or
 * the JSON as edited — in a session of its own (src/engine/bench-session.ts): the user's session,
 * panels and stored index are untouched. A cold phase that clears cached model files asks first.
 * Progress names the step running now, counts steps, ticks its elapsed time, estimates the time
 * left of repeated steps and shows the running task's own bar; Cancel stops the run.
 *
 * Each record is saved in `store` (in memory unless the app gives one bound to IndexedDB) and
 * announced with `run-recorded` (detail `{record, sweep}`); the app shows it in the report.
 * Properties: `setup`, `corpus` (the user's files when the set-up's corpus is made of them), `store`,
 * `blocked` (the user's session is busy: a run would measure both). Installs `window.ragtabBench`
 * (src/engine/bench-api.ts: the CLI and tests run through it, a configuration as given) and fires
 * the window events `bench-ready`, `bench-started`, `bench-progress` (the runner's StageEvent),
 * `bench-done` (record id), `bench-error` and `bench-finished` (the run and its session ended).
 * URL: `?bench=<preset>&benchSet=<field=value>...` preselects a configuration as given.
 */
export class RagtabBench extends LitElement {
  static override properties = {
    setup: { attribute: false },
    corpus: { attribute: false },
    store: { attribute: false },
    blocked: { type: Boolean },
    _mode: { state: true },
    _preset: { state: true },
    _configText: { state: true },
    _configError: { state: true },
    _progress: { state: true },
    _inner: { state: true },
    _confirm: { state: true },
    _last: { state: true },
  };
  declare setup: BenchConfig | null;
  declare corpus: { choice: CorpusChoice; files: readonly File[] } | null;
  declare store: RunStore;
  declare blocked: boolean;
  declare _mode: Mode;
  declare _preset: string;
  declare _configText: string;
  declare _configError: string | null;
  declare _progress: RunProgress | null;
  declare _inner: ProgressView | null;
  /** A configuration waiting for the user's consent to clear cached model files. */
  declare _confirm: BenchConfig | null;
  declare _last: { id: string; status: RunRecord['status']; error: ErrorInfo | null } | null;

  private runner: Runner | null = null;
  private session: RagSession | null = null;

  constructor() {
    super();
    this.setup = null;
    this.corpus = null;
    this.store = new MemoryRunStore();
    this.blocked = false;
    this._configError = null;
    this._progress = null;
    this._inner = null;
    this._confirm = null;
    this._last = null;
    this._preset = 'quick';
    this._mode = 'setup';
    this._configText = '';
    const params = new URLSearchParams(location.search);
    if (params.has('bench') || params.has('benchSet')) {
      // a configuration named by the link runs as given
      this._mode = 'custom';
      try {
        const c = configFromParams(params) ?? preset('quick');
        this._preset = (PRESET_NAMES as readonly string[]).includes(c.name) ? c.name : 'quick';
        this._configText = JSON.stringify(c, null, 2);
      } catch (e) {
        this._configError = errorInfo(e).message;
        this._configText = JSON.stringify(preset('quick'), null, 2);
      }
    }
  }

  static override styles = [
    cardStyles,
    css`
      :host { display: grid; gap: 14px; }
      .row { display: flex; gap: 8px 12px; align-items: center; flex-wrap: wrap; }
      .bar { height: 8px; border-radius: 99px; background: var(--bar); overflow: hidden; margin-top: 8px; }
      .bar > div { height: 100%; background: var(--accent); }
      .note { font-size: 12px; color: var(--muted); }
      .err { color: var(--err); font-size: 13px; overflow-wrap: anywhere; }
      textarea { width: 100%; box-sizing: border-box; min-height: 260px; font: 12px ui-monospace, monospace; background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
      details summary { cursor: pointer; font-size: 13px; color: var(--muted); margin-top: 10px; }
      fieldset { border: 1px solid var(--line); border-radius: 10px; padding: 8px 12px; margin: 10px 0 0; min-width: 0; }
      legend { font-size: 13px; color: var(--muted); padding: 0 4px; }
      fieldset label { display: flex; gap: 8px; align-items: baseline; font-size: 13.5px; margin: 4px 0; }
      dl.plan { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 12px; font-size: 13px; margin: 10px 0 0; }
      dl.plan dt { color: var(--muted); }
      dl.plan dd { margin: 0; overflow-wrap: anywhere; }
      .confirm { border: 1px solid var(--warn); border-radius: 10px; padding: 10px 12px; margin-top: 10px; display: grid; gap: 8px; }
      .done { margin-top: 10px; }
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

  get running(): boolean {
    return this.runner?.running ?? this._progress !== null;
  }

  /** The configuration the panel would run now, from its mode (null in custom mode: the JSON as written). */
  private planned(): BenchConfig | null {
    if (this._mode === 'custom') return null;
    if (this._mode === 'preset' || !this.setup) return preset(this._preset);
    return benchConfigFor(this._preset, this.setup, 'setup');
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this._mode !== 'custom' && (changed.has('setup') || changed.has('_preset') || changed.has('_mode') || this._configText === '')) {
      try {
        const c = this.planned();
        if (c) this._configText = JSON.stringify(c, null, 2);
      } catch (e) {
        this._configError = errorInfo(e).message;
      }
    }
  }

  /** The API the CLI and tests use: a configuration as given (a preset and assignments), in a session of its own. */
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
        this._mode = 'custom';
        this._configText = JSON.stringify(c, null, 2);
        return this.start(c, null);
      },
      cancel: () => this.cancel(),
      get: (id) => this.store.get(id),
      list: () => this.store.list(),
      export: async (id, format) => {
        const r = await this.store.get(id);
        if (!r) throw new RagtabError('InvalidArgument', `No saved run ${id}.`);
        return exportRecord(r, format);
      },
      import: async (json) => {
        const r = fromJson(json);
        await this.store.put(r);
        this.announce(r, []);
        return r.id;
      },
    };
  }

  private cancel(): void {
    this.runner?.cancel();
  }

  private renderProgress() {
    const p = this._progress;
    if (!p) return nothing;
    const s = p.step;
    const stepText = s ? `${s.step} · ${s.phase}${s.warmup ? ' · warm-up' : s.remainingOfStep > 0 || s.iteration > 0 ? ` · iteration ${s.iteration + 1}` : ''}` : 'starting…';
    const heading = `Benchmark ${this._preset}${p.cells > 1 ? ` · cell ${p.cell + 1}/${p.cells}` : ''} · step ${Math.min((s?.done ?? 0) + 1, s?.total ?? 1)}/${s?.total ?? '…'}: ${stepText}`;
    // time left of a repeated step: the mean of its finished executions × those still to run
    const same = s ? p.finished.filter((f) => f.step === s.step && f.phase === s.phase) : [];
    const eta = s && same.length > 0 ? (same.reduce((t, f) => t + f.duration, 0) / same.length) * (s.remainingOfStep + 1) : null;
    const steps: ProgressView = {
      phase: 'bench',
      label: eta !== null ? `${stepText} (about ${clock(eta)} left for this step's ${s!.remainingOfStep + 1} remaining run(s))` : stepText,
      done: s?.done ?? 0,
      total: s?.total ?? 0,
      unit: 'steps',
      startedAt: p.startedAt,
      etaMs: eta,
      at: performance.now(),
    };
    return html`<ragtab-progress id="bench-progress" .progress=${this._inner ?? steps} heading=${heading} .headingStartedAt=${p.startedAt}
      @cancel=${(e: Event) => {
        e.stopPropagation();
        this.cancel();
      }}></ragtab-progress>`;
  }

  override render() {
    const running = this.running;
    const plan = this._mode === 'custom' ? null : this.planned();
    return html`<div class="card">
        <h2>Benchmark</h2>
        <div class="row">
          <label>Preset
            <select id="preset" ?disabled=${running} @change=${this._onPreset}>
              ${PRESET_NAMES.map((n) => html`<option value=${n} ?selected=${n === this._preset}>${n}</option>`)}
            </select></label>
          <button id="run-bench" class="primary" ?disabled=${running || this.blocked} @click=${this._onRun}>Run benchmark</button>
          ${running ? html`<button id="cancel-bench" @click=${() => this.cancel()}>Cancel</button>` : nothing}
        </div>
        <p class="note">quick: 1 warm-up, 5 iterations of 10 queries, a reload · standard: 2 warm-ups, 20 iterations of 20 queries, 4 at once · full: 3 warm-ups, 30 iterations of 50, 8 at once, cold caches.
          ${this.blocked ? html`<b>Wait for the running work to finish: a benchmark beside it would measure both.</b>` : nothing}</p>
        <fieldset ?disabled=${running}>
          <legend>What it measures</legend>
          <label><input type="radio" name="bench-target" value="setup" .checked=${this._mode === 'setup'} @change=${() => this.setMode('setup')} />
            <span>my set-up (the corpus, models, chunking and index chosen in Set up, and the LLM loaded in Ask), with the preset's counts and phases</span></label>
          <label><input type="radio" name="bench-target" value="preset" .checked=${this._mode === 'preset'} @change=${() => this.setMode('preset')} />
            <span>the preset's own corpus and models (the hub's: they need network access)</span></label>
          ${this._mode === 'custom' ? html`<label><input type="radio" name="bench-target" value="custom" checked /><span>the configuration below, as written</span></label>` : nothing}
        </fieldset>
        ${plan ? html`<dl class="plan" data-bench-plan>${setupSummary(plan).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>` : nothing}
        <p class="note">It runs in a session of its own: what you ingested, asked and stored stays as it is. Its record is saved and opens in Report when it ends.</p>
        ${this._confirm ? this.renderConfirm(this._confirm) : nothing}
        ${running ? this.renderProgress() : nothing}
        ${this._configError ? html`<p class="err" role="alert" id="bench-error">${this._configError}</p>` : nothing}
        ${this._last && !running
          ? html`<p class="note done" data-last-run=${this._last.status} role="status">${this._last.status === 'complete'
              ? html`Run ${this._last.id} complete: its report is in Report.`
              : html`Run ${this._last.id} ${this._last.status}${this._last.error ? ` (${this._last.error.name})` : ''}: saved apart, under "Failed or cancelled runs" in Report, never as a result.`}</p>`
          : nothing}
        <details>
          <summary>Configuration (JSON, validated before the run)</summary>
          <textarea id="bench-config" aria-label="Benchmark configuration (JSON)" spellcheck="false" .value=${this._configText} ?disabled=${running}
            @input=${(e: Event) => {
              this._configText = (e.target as HTMLTextAreaElement).value;
              this._mode = 'custom';
            }}></textarea>
        </details>
      </div>`;
  }

  private renderConfirm(c: BenchConfig) {
    return html`<div class="confirm" role="alertdialog" aria-labelledby="confirm-title" data-confirm-clear>
      <strong id="confirm-title">The cold phase clears cached files first</strong>
      <span>To measure a real first load, "${c.name}" deletes the cached files of ${c.embedder.model}${c.llm.engine !== 'none' && c.llm.model ? ` and of the LLM ${c.llm.model}` : ''} from this browser's model cache before its cold phase.
        They download again (with no network the run fails, and the app needs the network to load them again).</span>
      <div class="row">
        <button class="primary" data-confirm-clear-run @click=${() => this.confirmed(c)}>Clear and run</button>
        <button data-confirm-keep-run @click=${() => this.confirmed(applySets(c, ['clearCache=false']))}>Run without clearing</button>
        <button data-confirm-cancel @click=${() => (this._confirm = null)}>Cancel</button>
      </div>
    </div>`;
  }

  private setMode(m: Mode): void {
    this._mode = m;
    this._configError = null;
  }

  private _onPreset(e: Event): void {
    this._preset = (e.target as HTMLSelectElement).value;
    if (this._mode === 'custom') this._mode = 'setup';
    this._configError = null;
  }

  private _onRun(): void {
    let config: BenchConfig;
    try {
      let data: unknown;
      try {
        data = JSON.parse(this._configText);
      } catch (e) {
        throw new RagtabError('InvalidConfig', `The configuration is not JSON: ${(e as Error).message}`);
      }
      config = parseBenchConfig(data);
    } catch (e) {
      this.reportError(errorInfo(e));
      return;
    }
    if (config.clearCache) {
      this._confirm = config;
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>('[data-confirm-clear-run]')?.focus());
      return;
    }
    void this.start(config, this._mode === 'setup' ? this.corpus : null).catch(() => undefined);
  }

  private confirmed(c: BenchConfig): void {
    this._confirm = null;
    void this.start(c, this._mode === 'setup' ? this.corpus : null).catch(() => undefined);
  }

  private reportError(info: ErrorInfo, id?: string): void {
    this._configError = `${info.name}: ${info.message}`;
    window.dispatchEvent(new CustomEvent('bench-error', { detail: { ...info, ...(id ? { id } : {}) } }));
  }

  private announce(record: RunRecord, sweep: RunRecord[]): void {
    this.dispatchEvent(new CustomEvent('run-recorded', { detail: { record, sweep }, bubbles: true, composed: true }));
  }

  /** Runs a validated configuration in a session of its own: one record per sweep cell, each saved and announced. */
  private async start(config: BenchConfig, corpus: { choice: CorpusChoice; files: readonly File[] } | null): Promise<string[]> {
    if (this.running) throw new RagtabError('InvalidArgument', 'A benchmark is already running.');
    this._configError = null;
    this._last = null;
    const ids: string[] = [];
    let sweep: RunRecord[] = [];
    this._progress = { startedAt: performance.now(), cell: 0, cells: 1, step: null, finished: [] };
    window.dispatchEvent(new CustomEvent('bench-started', { detail: { name: config.name } }));
    const onInner = (): void => {
      const p = this.session?.progress ?? null;
      this._inner = p;
    };
    try {
      await withBenchSession(async (session) => {
        this.session = session;
        session.addEventListener('change', onInner);
        let cells = 1;
        this.runner = new Runner({
          session,
          suite: RETRIEVAL_SUITE,
          ...(corpus && (corpus.choice.kind === 'files' || corpus.choice.kind === 'beir-folder') ? { corpus } : {}),
          client: {
            willStart: (e) => {
              cells = e.cells;
              this._progress = { startedAt: this._progress?.startedAt ?? performance.now(), cell: e.cell, cells: e.cells, step: null, finished: [] };
            },
            willStartStage: (e) => {
              if (this._progress) this._progress = { ...this._progress, step: e };
            },
            didFinishStage: (e) => {
              window.dispatchEvent(new CustomEvent('bench-progress', { detail: { ...e, cells } }));
              if (this._progress) this._progress = { ...this._progress, finished: [...this._progress.finished, e] };
            },
          },
        });
        const records = await this.runner.run(config);
        if (records.length > 1 || records[0]?.sweep) sweep = records.filter((r) => r.sweep);
        for (const r of records) {
          await this.store.put(r);
          ids.push(r.id);
          const last = r.errors[r.errors.length - 1] ?? null;
          this._last = { id: r.id, status: r.status, error: last };
          this.announce(r, sweep);
          if (r.status !== 'complete' && last) this.reportError(last, r.id);
          window.dispatchEvent(new CustomEvent('bench-done', { detail: r.id }));
        }
      });
      return ids;
    } catch (e) {
      this.reportError(errorInfo(e));
      throw e;
    } finally {
      this.session?.removeEventListener('change', onInner);
      this.session = null;
      this.runner = null;
      this._progress = null;
      this._inner = null;
      window.dispatchEvent(new CustomEvent('bench-finished'));
    }
  }
}
customElements.define('ragtab-bench', RagtabBench);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-bench': RagtabBench;
  }
}
