import { LitElement, css, html, nothing } from 'lit';
import type { QueryResult } from '../engine/session';
import { scoreKind } from '../core/index-kinds';

const KIND_NAMES: Record<string, string> = { exact: 'exact scan', voy: 'voy', int8: 'int8 codes', binary: 'binary codes', hnsw: 'HNSW', bm25: 'BM25', hybrid: 'hybrid (RRF)' };
const SCORE_NAMES = { cosine: 'cosine similarity', bm25: 'BM25 score', rrf: 'reciprocal rank fusion score' } as const;
import { cardStyles } from './shared-styles';

/**
 * The retrieved chunks: rank, score (cosine, BM25 or RRF by the kind), source document, text; the
 * other asked kinds' answers to the same query with their recall against the exact scan.
 * Property: `result`.
 */
export class RagtabResults extends LitElement {
  static override properties = { result: { attribute: false }, relevant: { attribute: false } };
  declare result: QueryResult | null;
  /** Judged documents of the picked corpus query (doc id → grade), when known. */
  declare relevant: Map<string, number> | null;

  constructor() {
    super();
    this.result = null;
    this.relevant = null;
  }

  static override styles = [
    cardStyles,
    css`
      ol { list-style: none; padding: 0; margin: 0; }
      li { border-top: 1px solid var(--line); padding: 10px 0; display: grid; grid-template-columns: 34px minmax(0, 1fr); gap: 4px 10px; }
      .rank { font-weight: 650; color: var(--muted); font-variant-numeric: tabular-nums; }
      .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; font-size: 13px; }
      .score { font-family: ui-monospace, monospace; }
      .meter { display: inline-block; width: 60px; height: 6px; background: var(--bar); border-radius: 3px; overflow: hidden; vertical-align: middle; }
      .meter > span { display: block; height: 100%; background: var(--accent); }
      .doc { color: var(--muted); }
      .text { grid-column: 2; font-size: 13.5px; line-height: 1.45; white-space: pre-wrap; max-height: 7.5em; overflow: hidden; }
      .rel { color: var(--accent-2); font-size: 12px; }
    `,
  ];

  /** Scrolls to a chunk and flashes it (from a citation in the answer). */
  showChunk(id: string): void {
    const li = this.renderRoot.querySelector<HTMLElement>(`li[data-chunk-id="${CSS.escape(id)}"]`);
    if (!li) return;
    li.scrollIntoView({ behavior: 'smooth', block: 'center' });
    li.animate([{ background: 'color-mix(in srgb, var(--accent) 18%, transparent)' }, { background: 'transparent' }], { duration: 1600 });
  }

  override render() {
    const r = this.result;
    if (!r) return nothing;
    return html`<div class="card">
      <h2>Top ${r.hits.length} chunks <span class="muted">(${KIND_NAMES[r.kind] ?? r.kind}, ${SCORE_NAMES[scoreKind(r.kind)]})</span></h2>
      ${r.recallAgainstExact !== null
        ? html`<p class="muted" data-recall=${r.kind} style="font-size:13px;margin:0 0 4px">recall@${r.k} of ${KIND_NAMES[r.kind] ?? r.kind} against the exact scan = ${(r.recallAgainstExact * 100).toFixed(0)}%</p>`
        : nothing}
      ${r.compare.length
        ? html`<p class="muted" data-compare style="font-size:13px;margin:0 0 8px">Beside it: ${r.compare.map(
            (c, i) => html`${i ? ' · ' : ''}<span data-compare-kind=${c.kind}>${KIND_NAMES[c.kind] ?? c.kind} ${c.ms.toFixed(1)} ms${c.recallAgainstExact !== null ? `, recall@${r.k} vs exact ${(c.recallAgainstExact * 100).toFixed(0)}%` : `, ${c.ids.filter((id) => r.hits.some((h) => h.id === id)).length} of its top ${c.ids.length} shared`}</span>`,
          )}</p>`
        : nothing}
      <ol>
        ${r.hits.map((h) => {
          const grade = this.relevant?.get(h.docId);
          return html`<li data-doc-id=${h.docId} data-chunk-id=${h.id} data-score=${h.score.toFixed(6)}>
            <span class="rank">${h.rank}</span>
            <div class="head">
              <span class="score">${h.score.toFixed(4)}</span><span class="meter"><span style="width:${Math.max(0, Math.min(1, h.score / (scoreKind(r.kind) === 'cosine' ? 1 : Math.max(1e-9, r.hits[0]?.score ?? 1)))) * 100}%"></span></span>
              <b>${h.title || h.docId}</b><span class="doc">${h.docId} · chars ${h.start}–${h.end}</span>
              ${grade !== undefined && grade > 0 ? html`<span class="rel">✓ judged relevant (${grade})</span>` : nothing}
            </div>
            <div class="text">${h.text}</div>
          </li>`;
        })}
      </ol>
      <details>
        <summary class="muted" style="font-size:13px;cursor:pointer">Context for the LLM: ${r.context.used} chunks, ${r.context.text.length.toLocaleString('en-US')} characters${r.context.dropped ? `, ${r.context.dropped} dropped to fit the budget` : ''}</summary>
        <pre data-context style="white-space:pre-wrap;font-size:12.5px;background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:10px">${r.context.text}</pre>
      </details>
    </div>`;
  }
}
customElements.define('ragtab-results', RagtabResults);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-results': RagtabResults;
  }
}
