import { LitElement, css, html, nothing } from 'lit';
import { consistentPart, problemLines, summaryProblems, type SummaryProblems } from '../core/summary-check';
import { buildShareLink, decodeShareData, shareDataFromUrl, LINK_BUDGET, type BuiltLink, type DecodeResult, type SharePayload, type ShareSummary } from '../core/share-link';
import { fetchTargets, type FetchTarget } from '../core/share-config';
import { makePins, summaryFromRecord, type FileCheck } from '../core/share-summary';
import { errorInfo, type ErrorInfo } from '../core/errors';
import { fromJson, toJson } from '../core/exports';
import type { RunRecord } from '../core/run-record';
import { cachedGgufSha256, checkPickedFiles, runShared, shareFromSession, sharedRunCost } from '../engine/share-run';
import type { RagSession } from '../engine/session';
import { cardStyles } from './shared-styles';
import './ragtab-shared-run';
import './ragtab-share-compare';
import { heldDuringBenchmarks } from './render-hold';

type Incoming = { data: string; result: DecodeResult };

/** Their summary's check: what is inconsistent, the consistent part a comparison may use, and a line per problem. */
interface SummaryCheck {
  problems: SummaryProblems;
  usable: ShareSummary;
  lines: string[];
}


/**
 * Share links. "Create share link" turns the latest run (the app's own, or the last benchmark
 * record when it is newer) into a URL with a copy button and its size; when the full record does
 * not fit, it is offered as a JSON file. A page opened with `#share=…` shows the shared run
 * read-only (<ragtab-shared-run>), and after "Run on this device", the side-by-side comparison
 * (<ragtab-share-compare>). Two exported records can be compared the same way.
 * Property: `session` (else `window.ragtab`). Window events: `ragtab-share-opened` (detail
 * {ok, name?, message?}), `ragtab-share-created` ({url, chars, includesRecord, recordOmitted}) or
 * `ragtab-share-create-failed` ({name, message}); after "Run on this device": `ragtab-share-asks`
 * ({for: 'consent' | 'confirmation'}) when it waits for the person first, then
 * `ragtab-share-compared` or `ragtab-share-failed` ({name, message}).
 */
export class RagtabShare extends LitElement {
  static override properties = {
    session: { attribute: false },
    _incoming: { state: true },
    _link: { state: true },
    _linkError: { state: true },
    _making: { state: true },
    _running: { state: true },
    _status: { state: true },
    _runError: { state: true },
    _consent: { state: true },
    _confirm: { state: true },
    _fileCheck: { state: true },
    _ours: { state: true },
    _warnings: { state: true },
    _pair: { state: true },
    _tick: { state: true },
  };
  declare session: RagSession | null;
  declare _incoming: Incoming | null;
  declare _link: BuiltLink | null;
  declare _linkError: ErrorInfo | null;
  declare _making: boolean;
  declare _running: boolean;
  declare _status: string;
  declare _runError: ErrorInfo | null;
  declare _consent: FetchTarget[] | null;
  /** Why the link's run needs an explicit confirmation, while it waits for one. */
  declare _confirm: string[] | null;
  declare _fileCheck: FileCheck | null;
  declare _ours: ShareSummary | null;
  declare _warnings: string[];
  declare _pair: { a: ShareSummary; b: ShareSummary; labels: [string, string] } | null;
  declare _tick: number;

  /** The newest benchmark record (from `bench-done`), when newer than the app's own run. */
  private record: RunRecord | null = null;
  private recordAt = 0;
  private sessionAt = 0;
  private files: File[] = [];
  private consented = false;
  private confirmed = false;
  private abort: AbortController | null = null;
  private watched: RagSession | null = null;

  constructor() {
    super();
    this.session = null;
    this._incoming = null;
    this._link = null;
    this._linkError = null;
    this._making = false;
    this._running = false;
    this._status = '';
    this._runError = null;
    this._consent = null;
    this._confirm = null;
    this._fileCheck = null;
    this._ours = null;
    this._warnings = [];
    this._pair = null;
    this._tick = 0;
  }

  static override styles = [
    cardStyles,
    css`
      :host { display: grid; grid-template-columns: minmax(0, 1fr); gap: 14px; }
      .row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
      input.url { flex: 1; min-width: min(240px, 100%); font: 12px ui-monospace, monospace; padding: 6px 8px; border-radius: 8px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); }
      .note { font-size: 12px; color: var(--muted); }
      .err { color: var(--err); font-size: 13px; }
      .link-error { border-color: var(--err); }
    `,
  ];

  private readonly onHash = (): void => void this.readHash();
  private readonly onChange = heldDuringBenchmarks(() => this._tick++);
  private readonly onIngested = (): void => {
    this.sessionAt = performance.now();
    this._link = null;
  };
  private readonly onQuery = (): void => {
    this.sessionAt = performance.now();
    this._link = null;
  };
  private readonly onBenchDone = (e: Event): void => void this.fetchRecord((e as CustomEvent<string>).detail);

  private get s(): RagSession | null {
    return this.session ?? window.ragtab ?? null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    window.addEventListener('ragtab-ingested', this.onIngested);
    window.addEventListener('ragtab-query-done', this.onQuery);
    window.addEventListener('ragtab-evaluated', this.onQuery);
    window.addEventListener('bench-done', this.onBenchDone);
    void this.readHash();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    window.removeEventListener('ragtab-ingested', this.onIngested);
    window.removeEventListener('ragtab-query-done', this.onQuery);
    window.removeEventListener('ragtab-evaluated', this.onQuery);
    window.removeEventListener('bench-done', this.onBenchDone);
    this.watched?.removeEventListener('change', this.onChange);
    this.watched = null;
  }

  override updated(): void {
    const s = this.s;
    if (s !== this.watched) {
      this.watched?.removeEventListener('change', this.onChange);
      s?.addEventListener('change', this.onChange);
      this.watched = s;
    }
  }

  private async fetchRecord(id: string): Promise<void> {
    const r = await window.ragtabBench?.get(id).catch(() => undefined);
    if (!r) return;
    this.record = r;
    this.recordAt = performance.now();
    this._link = null;
  }

  /** Decodes `#share=…` (a link never starts work by itself: this only reads it). */
  private async readHash(): Promise<void> {
    const data = shareDataFromUrl(location.hash);
    if (data === null) return;
    const result = await decodeShareData(data);
    this._incoming = { data, result };
    this._ours = null;
    this._runError = null;
    this._fileCheck = null;
    this._consent = null;
    this._confirm = null;
    this._status = '';
    this.files = [];
    this.consented = false;
    this.confirmed = false;
    await this.updateComplete;
    window.dispatchEvent(new CustomEvent('ragtab-share-opened', { detail: result.ok ? { ok: true } : { ok: false, name: result.error.name, message: result.error.message } }));
  }

  private closeIncoming(): void {
    this._incoming = null;
    this._ours = null;
    history.replaceState(null, '', location.pathname + location.search);
  }

  // ─────────────────────────── making a link ───────────────────────────

  private async _onCreate(): Promise<void> {
    const s = this.s;
    this._making = true;
    this._linkError = null;
    try {
      const page = location.href;
      const useRecord = this.record !== null && (this.recordAt > this.sessionAt || !s?.lastIngest);
      if (useRecord) {
        const r = this.record!;
        const l = r.config.llm;
        const pins = makePins(r.config, {
          corpusName: r.corpus?.name ?? null,
          corpusHash: r.corpus?.hash ?? null,
          docs: r.corpus?.docs ?? null,
          llmSha256: l.engine === 'wllama' && l.model ? await cachedGgufSha256(l.model) : null,
          deps: { ...__RAGTAB_DEPS__ },
        });
        this._link = await buildShareLink(page, { config: r.config, pins, summary: summaryFromRecord(r), record: r });
      } else {
        if (!s) throw new Error('No session: the app is not mounted.');
        const parts = await shareFromSession(s);
        this._link = await buildShareLink(page, parts);
      }
      const l = this._link;
      window.dispatchEvent(new CustomEvent('ragtab-share-created', { detail: { url: l.url, chars: l.chars, includesRecord: l.includesRecord, recordOmitted: l.recordOmitted } }));
    } catch (e) {
      this._linkError = errorInfo(e);
      this._link = null;
      window.dispatchEvent(new CustomEvent('ragtab-share-create-failed', { detail: this._linkError }));
    } finally {
      this._making = false;
    }
  }

  private async _onCopy(): Promise<void> {
    const l = this._link;
    if (!l) return;
    try {
      await navigator.clipboard.writeText(l.url);
      this._status = 'Link copied.';
    } catch {
      const input = this.renderRoot.querySelector<HTMLInputElement>('input.url');
      input?.select();
      this._status = 'Select the link and copy it (the clipboard is not available here).';
    }
  }

  private _onDownloadRecord(): void {
    const r = this.record;
    if (!r) return;
    const url = URL.createObjectURL(new Blob([toJson(r)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `ragtab-${r.id}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  private async _onComparePick(e: Event): Promise<void> {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    this._pair = null;
    this._linkError = null;
    try {
      if (files.length !== 2) throw new Error('Pick exactly two exported records (JSON).');
      const [a, b] = await Promise.all(files.map(async (f) => fromJson(await f.text())));
      this._pair = { a: summaryFromRecord(a!), b: summaryFromRecord(b!), labels: [files[0]!.name, files[1]!.name] };
    } catch (err) {
      this._linkError = errorInfo(err);
    }
  }

  // ─────────────────────────── running a shared configuration ───────────────────────────

  private async _onFilesPicked(e: CustomEvent<File[]>): Promise<void> {
    const inc = this._incoming;
    if (!inc?.result.ok) return;
    this.files = e.detail;
    const pins = inc.result.payload.pins;
    this._fileCheck = pins.corpus.kind === 'files' ? await checkPickedFiles(pins.corpus.files, this.files) : { ok: this.files.length > 0, rows: [], extra: [], order: [], message: null };
  }

  private async _onRun(): Promise<void> {
    const inc = this._incoming;
    const s = this.s;
    if (!inc?.result.ok || !s || this._running) return;
    const payload = inc.result.payload;
    const needs = fetchTargets(payload.config, payload.pins, document.baseURI).filter((t) => t.verdict === 'consent' || t.verdict === 'refused');
    if (needs.length > 0 && !this.consented) {
      this._consent = needs;
      window.dispatchEvent(new CustomEvent('ragtab-share-asks', { detail: { for: 'consent' } }));
      return;
    }
    this._consent = null;
    const concerns = this.factsOf(payload).cost.concerns;
    if (concerns.length > 0 && !this.confirmed) {
      this._confirm = concerns;
      window.dispatchEvent(new CustomEvent('ragtab-share-asks', { detail: { for: 'confirmation' } }));
      return;
    }
    this._confirm = null;
    this._running = true;
    this._runError = null;
    this._ours = null;
    this.abort = new AbortController();
    try {
      const r = await runShared({ session: s, payload, files: this.files, signal: this.abort.signal, onStatus: (m) => (this._status = m) });
      this._ours = r.summary;
      this._warnings = r.warnings;
      this._status = 'Done: compare below.';
      window.dispatchEvent(new CustomEvent('ragtab-share-compared'));
    } catch (e) {
      this._runError = errorInfo(e);
      this._status = '';
      window.dispatchEvent(new CustomEvent('ragtab-share-failed', { detail: this._runError }));
    } finally {
      this._running = false;
      this.abort = null;
    }
  }

  private facts: { payload: SharePayload; cost: ReturnType<typeof sharedRunCost>; check: SummaryCheck | null } | null = null;
  /**
   * What a link's view shows beside it, worked out once per link (the view renders on every status
   * change): its cost here, and their summary checked for consistency (against their record too,
   * when the link carries it).
   */
  private factsOf(payload: SharePayload): { cost: ReturnType<typeof sharedRunCost>; check: SummaryCheck | null } {
    if (this.facts?.payload !== payload) {
      const s = payload.summary;
      const problems = s ? summaryProblems(s, payload.record ?? null) : null;
      const check = s && problems ? { problems, usable: consistentPart(s, problems), lines: problemLines(s, problems) } : null;
      this.facts = { payload, cost: sharedRunCost(payload), check };
    }
    return this.facts;
  }

  private _onConfirm(): void {
    this.confirmed = true;
    this._confirm = null;
    void this._onRun();
  }

  private _onConsent(): void {
    this.consented = true;
    this._consent = null;
    void this._onRun();
  }

  // ─────────────────────────── render ───────────────────────────

  private incoming() {
    const inc = this._incoming;
    if (!inc) return nothing;
    const r = inc.result;
    if (!r.ok) {
      return html`<div class="card link-error" role="alert" data-share-error=${r.error.name}>
        <h2>This share link cannot be opened</h2>
        <p class="err"><strong>${r.error.name}</strong>: ${r.error.message}</p>
        <p class="note">Nothing from the link was used; the app works as usual.</p>
        <button @click=${() => this.closeIncoming()}>Dismiss</button>
      </div>`;
    }
    return html`<ragtab-shared-run .payload=${r.payload} .migratedFrom=${r.migratedFrom} .encodedChars=${r.encodedChars}
        .fileCheck=${this._fileCheck} ?running=${this._running} .status=${this._status} .consent=${this._consent} .confirm=${this._confirm} .cost=${this.factsOf(r.payload).cost} .problems=${this.factsOf(r.payload).check?.problems ?? null} .error=${this._runError}
        @files-picked=${this._onFilesPicked} @run-shared=${() => void this._onRun()} @consent-given=${this._onConsent}
        @consent-cancelled=${() => (this._consent = null)} @cost-confirmed=${this._onConfirm} @cost-declined=${() => (this._confirm = null)}
        @cancel-shared=${() => this.abort?.abort()} @close-shared=${() => this.closeIncoming()}></ragtab-shared-run>
      ${this._ours ? html`<ragtab-share-compare .theirs=${this.factsOf(r.payload).check?.usable ?? null} .ours=${this._ours} theirsLabel="theirs (shared)" oursLabel="this device" .warnings=${[...(this.factsOf(r.payload).check?.lines ?? []), ...this._warnings]}></ragtab-share-compare>` : nothing}`;
  }

  private maker() {
    const s = this.s;
    const canShare = !!s?.lastIngest || this.record !== null;
    const l = this._link;
    return html`<div class="card" data-share-maker>
      <h2>Share</h2>
      <div class="row">
        <button id="create-share" class="primary" ?disabled=${!canShare || this._making || !!s?.busy} @click=${() => void this._onCreate()}>Create share link</button>
        <span class="note">${canShare ? 'The configuration, a summary of the results and this environment, in the link itself (after #: nothing is sent to a server).' : 'Ingest a corpus (or run a benchmark) to share it.'}</span>
      </div>
      ${l
        ? html`<div class="row" style="margin-top:10px">
              <input class="url" readonly data-share-url .value=${l.url} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
              <button data-copy-share @click=${() => void this._onCopy()}>Copy</button>
            </div>
            <p class="note" data-share-size=${l.chars}>
              ${(l.chars / 1024).toFixed(1)} KB of data (${l.chars} characters; links are kept within ${LINK_BUDGET / 1024} KB) ·
              ${l.includesRecord ? 'with the full benchmark record' : 'configuration, summary and environment'}${l.summaryTrimmed ? ' (summary shortened to fit)' : ''}
              ${this._status ? html` · ${this._status}` : nothing}
            </p>
            ${l.recordOmitted
              ? html`<p class="note" data-record-offer>The full record does not fit in a link: <button data-download-record @click=${this._onDownloadRecord}>Download the full record (JSON)</button></p>`
              : nothing}`
        : nothing}
      ${this._linkError ? html`<p class="err" role="alert" data-share-make-error=${this._linkError.name}>${this._linkError.name}: ${this._linkError.message}</p>` : nothing}
      <details style="margin-top:10px">
        <summary class="note">Compare two exported records</summary>
        <input type="file" accept=".json,application/json" multiple data-compare-records @change=${(e: Event) => void this._onComparePick(e)} />
      </details>
    </div>
    ${this._pair ? html`<ragtab-share-compare .theirs=${this._pair.a} .ours=${this._pair.b} .theirsLabel=${this._pair.labels[0]} .oursLabel=${this._pair.labels[1]}></ragtab-share-compare>` : nothing}`;
  }

  override render() {
    return html`${this.incoming()}${this.maker()}`;
  }
}
customElements.define('ragtab-share', RagtabShare);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-share': RagtabShare;
  }
}
