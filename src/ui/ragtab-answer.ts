import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import type { GenerationReport } from '../engine/generation';
import { cardStyles } from './shared-styles';
import { ms, num } from './format';
import { keyboardScrollable } from './scroll-focus';

const FIGURE_LABEL: Record<string, string> = {
  ttftMs: 'time to first token (ms)',
  prefillTokensPerS: 'prefill (tokens/s)',
  decodeTokensPerS: 'decode (tokens/s)',
};

/**
 * The LLM's answer, streamed, with its citations linked to the retrieved chunks, and its figures
 * beside the engine's own. Properties: `streaming` ({text, tokens} while generating), `report`,
 * `chunks` (citation number → chunk id and title). Fires `stop`, and `cite` with `{id}`.
 */
export class RagtabAnswer extends LitElement {
  static override properties = { streaming: { attribute: false }, report: { attribute: false }, titles: { attribute: false } };
  declare streaming: { text: string; tokens: number } | null;
  declare report: GenerationReport | null;
  /** Chunk id → title, for the citation list. */
  declare titles: Map<string, string>;

  constructor() {
    super();
    this.streaming = null;
    this.report = null;
    this.titles = new Map();
  }

  static override styles = [
    cardStyles,
    css`
      .answer { white-space: pre-wrap; font-size: 15px; line-height: 1.5; margin: 4px 0 10px; }
      .answer a, .cites a { color: var(--accent); cursor: pointer; text-decoration: none; font-weight: 600; }
      .cursor { display: inline-block; width: 7px; height: 1em; background: var(--accent); vertical-align: -2px; animation: blink 1s steps(1) infinite; }
      @keyframes blink { 50% { opacity: 0; } }
      .row { display: flex; gap: 12px; align-items: center; }
      .note { font-size: 12px; color: var(--muted); }
      .cites { font-size: 13px; margin: 0 0 10px; padding-left: 0; list-style: none; }
    `,
  ];

  private linkify(text: string, included: Array<{ id: string; n: number }>): Array<string | TemplateResult> {
    const out: Array<string | TemplateResult> = [];
    let last = 0;
    for (const m of text.matchAll(/\[(\d{1,3})\]/g)) {
      const n = Number(m[1]);
      const c = included.find((x) => x.n === n);
      if (!c) continue;
      out.push(text.slice(last, m.index));
      out.push(html`<a title=${this.titles.get(c.id) ?? c.id} @click=${() => this._cite(c.id)}>[${n}]</a>`);
      last = (m.index ?? 0) + m[0].length;
    }
    out.push(text.slice(last));
    return out;
  }

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const s = this.streaming;
    const r = this.report;
    if (!s && !r) return nothing;
    if (s) {
      return html`<div class="card" data-streaming>
        <div class="row"><h2 style="flex:1;margin:0">Answer <span class="muted">· ${s.tokens} tokens so far</span></h2><button id="stop" @click=${this._stop}>Stop</button></div>
        <div class="answer">${s.text}<span class="cursor"></span></div>
      </div>`;
    }
    const g = r!;
    const f = g.figures;
    return html`<div class="card" data-answer>
      <h2>Answer <span class="muted">· ${g.generatedTokens} tokens${g.finishReason === 'interrupted' ? ', stopped' : g.finishReason === 'length' ? ', hit the token limit' : ''}</span></h2>
      <div class="answer">${this.linkify(g.text, g.prompt.included)}</div>
      ${g.citations.length
        ? html`<ul class="cites">${g.citations.map((c) => html`<li><a @click=${() => this._cite(c.id)}>[${c.n}]</a> ${this.titles.get(c.id) ?? ''} <span class="muted">${c.id}</span></li>`)}</ul>`
        : html`<p class="note">No citation in the answer.</p>`}
      <table>
        <thead><tr><th>figure</th><th class="n">ours (main thread)</th><th class="n">engine's own</th><th class="n">difference</th></tr></thead>
        <tbody>
          ${g.comparison.length
            ? g.comparison.map(
                (c) => html`<tr data-figure=${c.figure}><td>${FIGURE_LABEL[c.figure] ?? c.figure}</td><td class="n">${num(c.ours, 1)}</td><td class="n">${num(c.engine, 1)}</td><td class="n">${c.diffPct === null ? '—' : `${c.diffPct > 0 ? '+' : ''}${num(c.diffPct, 1)}%`}</td></tr>`,
              )
            : html`<tr><td>time to first token</td><td class="n">${ms(f.ttftMs)}</td><td class="n">—</td><td class="n">—</td></tr>`}
          <tr><td>inter-token interval p50 / p99</td><td class="n">${f.interTokenMs ? `${ms(f.interTokenMs.p50)} / ${ms(f.interTokenMs.p99)}` : '—'}</td><td class="n">—</td><td></td></tr>
          <tr><td>tokens: prompt / generated</td><td class="n">${g.promptTokens} / ${f.totalTokens}</td><td class="n">${g.engine ? `${g.engine.promptTokens} / ${g.engine.generatedTokens}` : '—'}</td><td></td></tr>
        </tbody>
      </table>
      <p class="note">
        Prompt: ${g.prompt.tokens} of ${g.prompt.budget} tokens (${g.prompt.layoutReason}; ${g.prompt.countedBy === 'engine' ? `fitted by its length, at most ${g.prompt.bound} tokens, so not counted beforehand: the count is the engine's` : `counted ${g.prompt.counts} time(s) before sending`}); ${g.prompt.included.length} chunk(s) kept${g.prompt.dropped.length ? `, ${g.prompt.dropped.length} dropped to fit the context` : ''}.
        Decode speed is (n − 1) / (t_last − t_first) over tokens as they reached this page; the engine's figures are its own timings.
      </p>
    </div>`;
  }

  private _stop(): void {
    this.dispatchEvent(new CustomEvent('stop', { bubbles: true, composed: true }));
  }

  private _cite(id: string): void {
    this.dispatchEvent(new CustomEvent('cite', { detail: { id }, bubbles: true, composed: true }));
  }
}
customElements.define('ragtab-answer', RagtabAnswer);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-answer': RagtabAnswer;
  }
}
