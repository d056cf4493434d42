import { LitElement, css, html, nothing } from 'lit';
import type { SharePayload } from '../core/share-link';
import { fetchTargets, type FetchTarget } from '../core/share-config';
import { unpinned, type FileCheck } from '../core/share-summary';
import { wallTime } from '../core/figure-format';
import type { RunCost } from '../core/run-cost';
import { cardStyles } from './shared-styles';
import { u } from './user-text';
import { stageKey, throughputKey, type SummaryProblems } from '../core/summary-check';
import { visibleControls } from '../core/visible-text';
import { bytes, ms, num } from './format';
import { keyboardScrollable } from './scroll-focus';

const VERDICT: Record<FetchTarget['verdict'], string> = {
  'same-origin': 'this site',
  'well-known': 'well-known host',
  consent: 'needs your consent',
  refused: 'refused',
};

/**
 * Someone else's run, opened from a share link, read-only: their configuration (with what is and
 * is not pinned), what it would download and from where, their environment and results. Every
 * string from the link is rendered as text. Nothing runs until "Run on this device" is clicked; a
 * download from outside the well-known hosts is listed with its full URL and needs "Allow".
 * Properties: `payload`, `migratedFrom`, `encodedChars`, `fileCheck`, `running`, `status`,
 * `consent` (targets awaiting consent, or null), `cost`, `confirm` (concerns awaiting a
 * confirmation, or null), `error`. Events: `files-picked` (File[]), `run-shared`, `consent-given`,
 * `consent-cancelled`, `cost-confirmed`, `cost-declined`, `cancel-shared`, `close-shared`.
 */
export class RagtabSharedRun extends LitElement {
  static override properties = {
    payload: { attribute: false },
    migratedFrom: { attribute: false },
    encodedChars: { type: Number },
    fileCheck: { attribute: false },
    running: { type: Boolean },
    status: { type: String },
    consent: { attribute: false },
    cost: { attribute: false },
    problems: { attribute: false },
    confirm: { attribute: false },
    error: { attribute: false },
  };
  declare payload: SharePayload | null;
  declare migratedFrom: number | null;
  declare encodedChars: number;
  declare fileCheck: FileCheck | null;
  declare running: boolean;
  declare status: string;
  declare consent: FetchTarget[] | null;
  /** What running it here costs (cells, steps, queries, deletions), shown before it runs. */
  declare cost: RunCost | null;
  /** Their summary's inconsistent figures (core/summary-check.ts), shown as such, not as results. */
  declare problems: SummaryProblems | null;
  /** Why it needs an explicit confirmation, while it waits for one (else null). */
  declare confirm: string[] | null;
  declare error: { name: string; message: string } | null;

  constructor() {
    super();
    this.payload = null;
    this.migratedFrom = null;
    this.encodedChars = 0;
    this.fileCheck = null;
    this.running = false;
    this.status = '';
    this.consent = null;
    this.cost = null;
    this.problems = null;
    this.confirm = null;
    this.error = null;
  }

  static override styles = [
    cardStyles,
    css`
      .card { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; border: 2px dashed var(--warn); }
      .banner { font-size: 13px; font-weight: 600; color: var(--warn); }
      .kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 14px; font-size: 13px; }
      @media (max-width: 520px) { .kv { grid-template-columns: minmax(0, 1fr); } }
      .kv dt { color: var(--muted); }
      .kv dd { margin: 0; overflow-wrap: anywhere; }
      code, pre { font: 12px ui-monospace, monospace; overflow-wrap: anywhere; white-space: pre-wrap; }
      pre { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px; max-height: 320px; overflow: auto; }
      .chip { font-size: 11px; border: 1px solid var(--line); border-radius: 99px; padding: 1px 8px; white-space: nowrap; }
      .chip.consent { color: var(--warn); border-color: var(--warn); }
      .consent-box { border: 1px solid var(--warn); border-radius: 8px; padding: 10px 12px; display: grid; gap: 8px; }
      .row { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
      .ok { color: var(--accent-2); }
      .bad, .err { color: var(--err); }
      .note { font-size: 12px; color: var(--muted); }
      ul { margin: 0; padding-left: 18px; font-size: 13px; }
      h3 { font-size: 13px; margin: 4px 0; }
    `,
  ];

  private fire(name: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private files(p: SharePayload) {
    const c = p.pins.corpus;
    if (c.kind !== 'files' && c.kind !== 'folder') return nothing;
    const check = this.fileCheck;
    return html`<div data-files>
      <h3>Their corpus is made of their own files: pick the same ones to run it here</h3>
      ${c.kind === 'files'
        ? html`<ul>
              ${c.files.map((f, i) => {
                const row = check?.rows[i];
                return html`<li data-expected-file=${f.name}>
                  <code>${u(f.name)}</code> · ${bytes(f.bytes)} · SHA-256 <code>${f.sha256.slice(0, 16)}…</code>
                  ${row ? (row.problem ? html` <span class="bad">✗</span>` : html` <span class="ok">✓ matches</span>`) : nothing}
                </li>`;
              })}
            </ul>
            <input type="file" multiple data-file-picker ?disabled=${this.running} @change=${this._onFiles} />`
        : html`<p class="note">A BEIR folder (${c.docs ?? '?'} documents), checked against the shared content hash once loaded.</p>
            <input type="file" webkitdirectory multiple data-file-picker ?disabled=${this.running} @change=${this._onFiles} />`}
      ${check && !check.ok ? html`<p class="err" role="alert" data-file-error>${check.message}</p>` : nothing}
    </div>`;
  }

  private canRun(p: SharePayload): boolean {
    if (this.running) return false;
    const k = p.pins.corpus.kind;
    if (k === 'files') return this.fileCheck?.ok === true;
    if (k === 'folder') return this.fileCheck !== null;
    return true;
  }

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const p = this.payload;
    if (!p) return nothing;
    const c = p.config;
    const s = p.summary;
    const targets = fetchTargets(c, p.pins, document.baseURI);
    const loose = unpinned(p.pins);
    const env = s?.environment;
    return html`<section class="card" data-shared-run aria-label="Someone else's run">
      <div class="banner">⚑ Someone else's run, opened from a share link · read-only · nothing runs or downloads until you click “Run on this device”</div>
      <h2>Shared configuration: <span data-shared-name>${u(c.name)}</span></h2>
      ${this.migratedFrom !== null ? html`<p class="note" data-migrated=${this.migratedFrom}>This link was made by an older ragtab (share link version ${this.migratedFrom}) and was converted; it carries settings only.</p>` : nothing}
      <dl class="kv">
        <dt>corpus</dt><dd data-shared-corpus>${p.pins.corpus.kind}${p.pins.corpus.name ? html` · ${u(p.pins.corpus.name)}` : nothing}${c.corpus.url ? html` · <code>${u(c.corpus.url)}</code>` : nothing}${c.corpus.name ? html` · ${u(c.corpus.name)}` : nothing}${c.corpus.maxDocs ? ` · first ${c.corpus.maxDocs} documents` : ''}${p.pins.corpus.hash ? html` · content SHA-256 <code>${p.pins.corpus.hash.slice(0, 16)}…</code>` : nothing}</dd>
        <dt>embedding model</dt><dd><code>${u(c.embedder.model)}</code>${c.embedder.revision ? html` @ <code>${u(c.embedder.revision)}</code>` : ' (revision not pinned)'} · ${c.embedder.device} · ${c.embedder.dtype} · threads ${c.embedder.threads} · batch ${c.embedder.batch}${c.embedder.order === 'given' ? ' · texts in the given order' : ''}${p.pins.embedder.library ? html` · ${u(p.pins.embedder.library)}` : ''}</dd>
        <dt>chunking, index</dt><dd>${c.chunking.mode === 'document' ? 'whole documents' : `${c.chunking.size} tokens, overlap ${c.chunking.overlap}`} · ${c.index} · k ${c.k}</dd>
        <dt>LLM</dt><dd data-shared-llm>${p.pins.llm
          ? html`${p.pins.llm.engine} <code>${u(p.pins.llm.model)}</code>${p.pins.llm.variant ? html` · ${u(p.pins.llm.variant)}` : ''}${p.pins.llm.sha256 ? html` · SHA-256 <code>${p.pins.llm.sha256.slice(0, 16)}…</code>` : nothing}${p.pins.llm.library ? html` · ${u(p.pins.llm.library)}` : ''} · ${c.llm.maxNewTokens} new tokens · seed ${c.llm.seed}`
          : 'none'}</dd>
        <dt>method</dt><dd>${c.warmups} warm-up(s), ${c.iterations} iteration(s), ${c.queries.from === 'list' ? html`questions: ${c.queries.list.map((q, i) => html`${i ? ' · ' : ''}“<span data-shared-question>${u(q)}</span>”`)}` : `${c.queries.count} corpus queries`}${c.quality ? ' · quality scored' : ''}</dd>
        ${this.cost ? html`<dt>running it here</dt><dd data-cost>${costLine(this.cost)}</dd>` : nothing}
        ${loose.length ? html`<dt>not pinned</dt><dd data-unpinned>${u(loose.join('; '))}</dd>` : nothing}
      </dl>
      ${targets.length
        ? html`<div><h3>Running it downloads from</h3><ul>${targets.map(
            (t) => html`<li data-fetch=${t.field}><code>${u(t.href)}</code> (${u(t.what)}${owner(t)}) <span class="chip ${t.verdict}">${VERDICT[t.verdict]}</span></li>`,
          )}</ul></div>`
        : nothing}
      ${this.files(p)}
      ${env
        ? html`<div><h3>Their environment</h3><dl class="kv" data-shared-env>
            <dt>browser</dt><dd>${u(env.userAgent)}</dd>
            <dt>device</dt><dd>${u(env.platform ?? 'platform unknown')} · ${env.hardwareConcurrency ?? '?'} logical cores · ${env.deviceMemoryGiB !== null ? `${env.deviceMemoryGiB} GiB` : 'memory unknown'} · WebGPU ${env.webgpu ?? 'none'} · ${env.crossOriginIsolated ? 'cross-origin isolated' : 'not isolated'}</dd>
            <dt>ragtab</dt><dd>${u(env.app.version)} (${u(env.app.commit)}) · ${u(env.date)}</dd>
          </dl></div>`
        : nothing}
      ${s
        ? html`<div><h3>Their results (${s.source === 'record' ? 'a benchmark run' : 'a run in the app'}, ${s.status})</h3>
            <table>
              <thead><tr><th>stage</th><th>phase</th><th class="n">n</th><th class="n">mean</th><th class="n">p50</th><th class="n">p90</th><th class="n">p99</th><th class="n">p50 in worker</th></tr></thead>
              <tbody>${s.stages.map((r) => {
                const bad = this.problems?.stages.get(stageKey(r));
                return bad
                  ? html`<tr data-shared-stage=${r.stage} data-phase=${r.phase} data-inconsistent><td>${u(r.stage)}</td><td>${u(r.phase)}</td><td colspan="6" class="bad">inconsistent: ${u(bad)}</td></tr>`
                  : html`<tr data-shared-stage=${r.stage} data-phase=${r.phase}><td>${u(r.stage)}</td><td>${u(r.phase)}</td><td class="n">${r.count}</td><td class="n" data-mean>${ms(r.mean)}</td><td class="n">${ms(r.p50)}</td><td class="n">${ms(r.p90)}</td><td class="n">${ms(r.p99)}</td><td class="n">${ms(r.inWorkerP50)}</td></tr>`;
              })}</tbody>
            </table>
            ${s.throughputs.length
              ? html`<p class="note">${s.throughputs.map((t, i) => {
                  const bad = this.problems?.throughputs.get(throughputKey(t));
                  return html`${i ? ' · ' : ''}${u(t.name)} ${bad ? html`<span class="bad" data-inconsistent>inconsistent: ${u(bad)}</span>` : num(t.mean, 1)}`;
                })}</p>`
              : nothing}
            ${s.quality && this.problems?.quality
              ? html`<p class="note bad" data-shared-quality data-inconsistent>quality: inconsistent (${u(this.problems.quality)})</p>`
              : s.quality ? html`<p class="note" data-shared-quality>nDCG@10 ${s.quality.ndcg10.toFixed(4)} · recall@10 ${s.quality.recall10.toFixed(4)} · recall@100 ${s.quality.recall100.toFixed(4)} · MRR@10 ${s.quality.mrr10.toFixed(4)} over ${s.quality.evaluated} judged queries</p>` : nothing}
          </div>`
        : html`<p class="note">The link carries the configuration only, no results.</p>`}
      ${p.record ? html`<p class="note" data-shared-record>The link carries their full benchmark record (${p.record.samples.length} samples).</p>` : nothing}
      <details><summary class="note">Full configuration (JSON)</summary><pre data-shared-config>${visibleControls(JSON.stringify(c, null, 2))}</pre></details>
      ${this.consent
        ? html`<div class="consent-box" role="alertdialog" data-consent>
            <strong>This configuration downloads from outside ragtab's well-known sources (another site, or someone else's repository on a hub that hosts anyone's uploads).</strong>
            <ul>${this.consent.map((t) => html`<li><code data-consent-url>${u(t.href)}</code> (${u(t.what)}${owner(t)})</li>`)}</ul>
            <div class="row">
              <button class="primary" data-consent-allow @click=${() => this.fire('consent-given')}>Allow these downloads and run</button>
              <button data-consent-cancel @click=${() => this.fire('consent-cancelled')}>Cancel</button>
            </div>
          </div>`
        : nothing}
      ${this.confirm
        ? html`<div class="consent-box" role="alertdialog" aria-labelledby="confirm-title" data-confirm-cost>
            <strong id="confirm-title">This link asks for more than a link may start on one click:</strong>
            <ul>${this.confirm.map((c) => html`<li data-concern>${c}</li>`)}</ul>
            ${this.cost ? html`<p class="note">${costLine(this.cost)}. You can cancel it at any step.</p>` : nothing}
            <div class="row">
              <button class="primary" data-confirm-run @click=${() => this.fire('cost-confirmed')}>Run it anyway</button>
              <button data-confirm-cancel @click=${() => this.fire('cost-declined')}>Don't run</button>
            </div>
          </div>`
        : nothing}
      <div class="row">
        <button class="primary" data-run-shared ?disabled=${!this.canRun(p)} @click=${() => this.fire('run-shared')}>Run on this device</button>
        ${this.running ? html`<button data-cancel-shared @click=${() => this.fire('cancel-shared')}>Cancel</button>` : nothing}
        <button data-close-shared ?disabled=${this.running} @click=${() => this.fire('close-shared')}>Close</button>
        ${this.status ? html`<span class="note" aria-live="polite" data-share-status>${this.status}</span>` : nothing}
      </div>
      ${this.error ? html`<p class="err" role="alert" data-run-error=${this.error.name}>${this.error.name}: ${this.error.message}</p>` : nothing}
    </section>`;
  }

  private _onFiles(e: Event): void {
    const input = e.target as HTMLInputElement;
    this.fire('files-picked', [...(input.files ?? [])]);
  }
}
/** ", owner X, repository Y" for a hub or GitHub URL (whoever uploaded it), else nothing. */
function owner(t: FetchTarget) {
  return t.owner ? html`, owner <strong data-owner>${u(t.owner)}</strong>, repository ${u(t.repo)}` : nothing;
}

/** "2 sweep cells · 26 steps · 240 timed queries · deletes …", every count from the plan. */
function costLine(c: RunCost): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const cells = c.cells > 1 ? `${n(c.cells)} sweep cells, ` : '';
  const theirs = c.theirMs !== undefined ? `; their run took ${wallTime(c.theirMs)} on their device, as their record says (the time here is shown as it runs)` : '; no estimate of time before it starts (the time left is shown as it runs)';
  return `${cells}${n(c.steps)} step${c.steps === 1 ? '' : 's'} (at most), ${n(c.queries)} timed quer${c.queries === 1 ? 'y' : 'ies'}${theirs}; it deletes ${c.deletes.join('; ')}`;
}

customElements.define('ragtab-shared-run', RagtabSharedRun);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-shared-run': RagtabSharedRun;
  }
}
