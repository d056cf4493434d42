import { LitElement, css, html, nothing, svg } from 'lit';
import { bestKind, type TradeoffSet } from '../core/tradeoff';
import { bytes, ms } from './format';
import { cardStyles } from './shared-styles';
import { PALETTE } from './ragtab-chart';
import { keyboardScrollable } from './scroll-focus';

const KIND_ORDER = ['exact', 'voy', 'int8', 'binary', 'hnsw', 'bm25', 'hybrid'];

/**
 * Quality against latency, one point per index kind and setting (src/core/tradeoff.ts): x = the
 * search stage's p50 (log scale), y = nDCG@10 (or recall@k against the exact scan without
 * judgments); each point labelled with its kind and settings and its bytes per vector; the best
 * kind ringed. Drawn as SVG (a scatter of a few labelled points: no chart library needed), with the
 * same figures in a table beside it for reading and for screen readers. Property: `set`.
 */
export class RagtabTradeoff extends LitElement {
  static override properties = { set: { attribute: false } };
  declare set: TradeoffSet | null;

  constructor() {
    super();
    this.set = null;
  }

  static override styles = [
    cardStyles,
    css`
      :host { display: block; }
      h3 { font-size: 13px; font-weight: 600; margin: 0 0 6px; }
      svg { width: 100%; height: auto; display: block; font: 11px system-ui, sans-serif; }
      .axis { stroke: var(--line); }
      .tick { fill: var(--muted); }
      .lbl { fill: var(--fg); }
      .note { font-size: 12px; color: var(--muted); margin: 4px 0 0; }
      .scroll { overflow-x: auto; }
      tr.best td:first-child { font-weight: 650; }
    `,
  ];

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const set = this.set;
    if (!set || set.points.length === 0) return nothing;
    const pts = set.points.filter((p) => p.latencyP50 !== null && p.latencyP50 > 0 && p.quality !== null);
    const best = bestKind(set);
    const W = 640;
    const H = 300;
    const L = 56;
    const R = 150;
    const T = 14;
    const B = 40;
    const xs = pts.map((p) => Math.log10(p.latencyP50 as number));
    const ys = pts.map((p) => p.quality as number);
    const x0 = xs.length ? Math.floor(Math.min(...xs) * 2) / 2 : 0;
    const x1 = xs.length ? Math.max(x0 + 0.5, Math.ceil(Math.max(...xs) * 2) / 2) : 1;
    const yLo = ys.length ? Math.min(...ys) : 0;
    const yHi = ys.length ? Math.max(...ys) : 1;
    const pad = Math.max(0.01, (yHi - yLo) * 0.15);
    const y0 = Math.max(0, yLo - pad);
    const y1 = Math.min(1, yHi + pad);
    const sx = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
    const sy = (v: number) => T + (1 - (v - y0) / Math.max(1e-9, y1 - y0)) * (H - T - B);
    const xTicks: number[] = [];
    for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) xTicks.push(e);
    if (xTicks.length < 2) xTicks.splice(0, xTicks.length, x0, x1);
    const yTicks = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4);
    const color = (kind: string) => PALETTE[Math.max(0, KIND_ORDER.indexOf(kind)) % PALETTE.length]!;
    const fmtX = (e: number) => {
      const v = 10 ** e;
      return v >= 1 ? `${Math.round(v)} ms` : `${v.toPrecision(1)} ms`;
    };
    return html`<div>
      <h3>Quality against search latency, per index kind (${set.metric}; ${pts.length} of ${set.points.length} points drawn)</h3>
      ${pts.length
        ? html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${`${set.metric} against search p50 for ${pts.map((p) => p.label).join(', ')}`}>
            <line class="axis" x1=${L} y1=${H - B} x2=${W - R} y2=${H - B}></line>
            <line class="axis" x1=${L} y1=${T} x2=${L} y2=${H - B}></line>
            ${xTicks.map((e) => svg`<text class="tick" x=${sx(e)} y=${H - B + 14} text-anchor="middle">${fmtX(e)}</text>`)}
            ${yTicks.map((v) => svg`<text class="tick" x=${L - 6} y=${sy(v) + 4} text-anchor="end">${v.toFixed(3)}</text><line class="axis" x1=${L} x2=${W - R} y1=${sy(v)} y2=${sy(v)} stroke-dasharray="2 4"></line>`)}
            <text class="tick" x=${(L + W - R) / 2} y=${H - 6} text-anchor="middle">search p50 (ms, log scale)</text>
            <text class="tick" x="12" y=${(T + H - B) / 2} text-anchor="middle" transform=${`rotate(-90 12 ${(T + H - B) / 2})`}>${set.metric}</text>
            ${pts.map((p, i) => {
              const cx = sx(xs[i]!);
              const cy = sy(ys[i]!);
              const isBest = best?.best === p;
              return svg`<g data-point=${p.label}>
                <title>${p.label}: ${set.metric} ${p.quality!.toFixed(4)}, search p50 ${p.latencyP50!.toFixed(2)} ms (${p.latencySource}), ${p.bytesPerVector ?? '—'} bytes per vector</title>
                ${isBest ? svg`<circle cx=${cx} cy=${cy} r="10" fill="none" stroke=${color(p.kind)} stroke-width="1.5"></circle>` : nothing}
                <circle cx=${cx} cy=${cy} r="5" fill=${color(p.kind)}></circle>
                <text class="lbl" x=${cx + 8} y=${cy - 6}>${p.label}${p.bytesPerVector !== null ? ` · ${p.bytesPerVector} B/vec` : ''}</text>
              </g>`;
            })}
          </svg>`
        : html`<p class="note">No kind has both a latency and a quality figure yet.</p>`}
      <div class="scroll"><table id="tradeoff">
        <thead><tr><th>kind and settings</th><th class="n">search p50</th><th class="n">p90</th><th>latency from</th><th class="n">nDCG@10</th><th class="n">recall@100</th><th class="n">recall vs exact</th><th class="n">bytes/vector</th><th class="n">memory</th><th class="n">on disk</th><th class="n">build</th></tr></thead>
        <tbody>${set.points.map(
          (p) => html`<tr data-kind=${p.kind} class=${best?.best === p ? 'best' : ''}>
            <td>${p.label}${best?.best === p ? ' (best here)' : ''}</td><td class="n">${ms(p.latencyP50)}</td><td class="n">${ms(p.latencyP90)}</td><td>${p.latencySource ?? '—'}${p.latencySamples ? ` (${p.latencySamples})` : ''}</td>
            <td class="n">${p.ndcg10 === null ? '—' : p.ndcg10.toFixed(4)}</td><td class="n">${p.recall100 === null ? '—' : p.recall100.toFixed(4)}</td>
            <td class="n">${p.recallVsExact === null ? '—' : `${p.recallVsExact.toFixed(3)}${p.recallK ? ` @${p.recallK}` : ''}`}</td>
            <td class="n">${p.bytesPerVector ?? '—'}</td><td class="n">${p.bytes === null ? '—' : bytes(p.bytes)}</td><td class="n">${p.diskBytes === null ? '—' : bytes(p.diskBytes)}</td>
            <td class="n">${p.buildMs === null ? '—' : `${p.loaded ? 'loaded ' : ''}${ms(p.buildMs)}`}</td>
          </tr>`,
        )}</tbody>
      </table></div>
      <p class="note">Search latency: the search stage's round trip to the index worker over the query set's warm samples (else the ingestion's kind check). A kind and setting measured in several sweep cells shows once.</p>
    </div>`;
  }
}
customElements.define('ragtab-tradeoff', RagtabTradeoff);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-tradeoff': RagtabTradeoff;
  }
}
