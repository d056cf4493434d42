import { LitElement, css, html, nothing, svg } from 'lit';
import { compareSummaries, type CompareRow } from '../core/share-summary';
import type { ShareSummary } from '../core/share-link';
import type { BenchConfig } from '../core/bench-config';
import type { RunRecord } from '../core/run-record';
import { recordSeries } from '../core/record-compare';
import { judgeDifference, type Judgement } from '../core/noise-verdict';
import { configDifferences } from '../core/run-context';
import { cardStyles } from './shared-styles';
import { ms, num } from './format';
import { signed } from '../core/figure-format';

/** The row's verdict by the one colouring rule (src/core/noise-verdict.ts): from every sample when both records are at hand. */
function judge(r: CompareRow, kind: 'latency' | 'throughput', theirs: Side, ours: Side): Judgement | null {
  if (r.theirs === null || r.ours === null) return null;
  const key = `${r.label} · ${r.phase}`;
  const ts = theirs.record ? recordSeries(theirs.record).get(key)?.values : undefined;
  const os = ours.record ? recordSeries(ours.record).get(key)?.values : undefined;
  const count = (side: Side) => side.summary?.stages.find((x) => x.stage === r.label && x.phase === r.phase)?.count ?? null;
  return judgeDifference(kind, { mean: r.theirs, count: ts?.length ?? count(theirs), ...(ts ? { samples: ts } : {}) }, { mean: r.ours, count: os?.length ?? count(ours), ...(os ? { samples: os } : {}) });
}

interface Side {
  record: RunRecord | null;
  summary: ShareSummary | null;
}

/** "×1.42 (1.4× slower here)" when the difference is beyond noise; "×1.42 (within noise, n 1 vs 1)" otherwise. */
function ratioText(r: CompareRow, j: Judgement | null, higherIsBetter: boolean, where: string, comparable: boolean): string {
  if (!comparable && r.theirs !== null && r.ours !== null) return 'not comparable';
  if (r.ratio === null || j === null) return '—';
  const x = r.ratio;
  const speed = higherIsBetter ? x : x > 0 ? 1 / x : Infinity;
  const word =
    j.verdict === 'same'
      ? 'about the same'
      : j.verdict === 'within-noise'
        ? j.reason.replace(/:.*$/, '').replace(/;.*\)$/, ')')
        : speed >= 1
          ? `${num(speed, speed >= 10 ? 0 : 1)}× faster ${where}`
          : `${num(1 / speed, 1 / speed >= 10 ? 0 : 1)}× slower ${where}`;
  return `×${num(x, x >= 10 ? 1 : 2)} (${word})`;
}

const CLASS: Record<Judgement['verdict'], string> = { better: 'faster', worse: 'slower', same: '', 'within-noise': 'noise' };

/**
 * Someone else's run beside this device's, stage by stage: mean times, the ratio (ours / theirs)
 * and a verdict (faster / slower only beyond both runs' noise, else "within noise (n)"; no ratio
 * when the configurations differ), a bar chart of each stage (bars relative to the slower of the two), throughputs,
 * quality and what differs between the two set-ups. Properties: `theirs` (a ShareSummary, or null
 * when the link carried no results), `ours`, `theirsLabel`, `oursLabel`, `warnings`.
 */
export class RagtabShareCompare extends LitElement {
  static override properties = {
    theirs: { attribute: false },
    ours: { attribute: false },
    theirsRecord: { attribute: false },
    oursRecord: { attribute: false },
    theirsConfig: { attribute: false },
    oursConfig: { attribute: false },
    theirsLabel: { type: String },
    oursLabel: { type: String },
    warnings: { attribute: false },
  };
  declare theirs: ShareSummary | null;
  declare ours: ShareSummary | null;
  /** The full records, when at hand (a link that carried it; the run made here; two exported records): every sample for the noise test. */
  declare theirsRecord: RunRecord | null;
  declare oursRecord: RunRecord | null;
  /** The two configurations: what differs is stated before any figure. */
  declare theirsConfig: BenchConfig | null;
  declare oursConfig: BenchConfig | null;
  declare theirsLabel: string;
  declare oursLabel: string;
  declare warnings: string[];

  constructor() {
    super();
    this.theirs = null;
    this.ours = null;
    this.theirsRecord = null;
    this.oursRecord = null;
    this.theirsConfig = null;
    this.oursConfig = null;
    this.theirsLabel = 'theirs';
    this.oursLabel = 'this device';
    this.warnings = [];
  }

  static override styles = [
    cardStyles,
    css`
      .card { display: grid; gap: 14px; }
      .legend { display: flex; gap: 16px; font-size: 12px; color: var(--muted); align-items: center; }
      .sw { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 5px; }
      .theirs { background: var(--muted); fill: var(--muted); }
      .ours { background: var(--accent); fill: var(--accent); }
      .faster { color: var(--accent-2); font-weight: 600; }
      .slower { color: var(--err); font-weight: 600; }
      .noise { color: var(--muted); }
      .scroll { overflow-x: auto; }
      svg { width: 100%; height: auto; display: block; }
      svg text { font: 11px ui-sans-serif, system-ui, sans-serif; fill: var(--fg); }
      svg text.v { fill: var(--muted); }
      ul { margin: 0; padding-left: 18px; font-size: 13px; }
      .warn { color: var(--warn); font-size: 13px; }
      h3 { font-size: 13px; margin: 0 0 6px; }
    `,
  ];

  private chart(rows: CompareRow[]) {
    const both = rows.filter((r) => r.theirs !== null && r.ours !== null);
    if (both.length === 0) return nothing;
    const W = 720;
    const labelW = 170;
    const valueW = 80;
    const barW = W - labelW - valueW - 10;
    const rowH = 34;
    const H = both.length * rowH + 6;
    return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Stage times, theirs and here" data-compare-chart>
      ${both.map((r, i) => {
        const max = Math.max(r.theirs!, r.ours!, 1e-9);
        const y = i * rowH + 4;
        const tw = Math.max(1, (r.theirs! / max) * barW);
        const ow = Math.max(1, (r.ours! / max) * barW);
        return svg`<g>
          <text x="0" y=${y + 19}>${r.label}${r.phase === 'warm' ? '' : ` (${r.phase})`}</text>
          <rect class="theirs" x=${labelW} y=${y} width=${tw} height="13" rx="2"></rect>
          <rect class="ours" x=${labelW} y=${y + 15} width=${ow} height="13" rx="2"></rect>
          <text class="v" x=${labelW + tw + 4} y=${y + 11}>${ms(r.theirs)}</text>
          <text class="v" x=${labelW + ow + 4} y=${y + 26}>${ms(r.ours)}</text>
        </g>`;
      })}
    </svg>`;
  }

  override render() {
    if (!this.ours) return nothing;
    const c = compareSummaries(this.theirs, this.ours);
    const where = this.oursLabel === 'this device' ? 'here' : `in ${this.oursLabel}`;
    const per = `${this.oursLabel} / ${this.theirsLabel}`;
    const ok = c.notComparable.length === 0;
    const configs = this.theirsConfig && this.oursConfig ? configDifferences(this.theirsConfig, this.oursConfig) : [];
    const tr: Side = { record: this.theirsRecord, summary: this.theirs };
    const or: Side = { record: this.oursRecord, summary: this.ours };
    return html`<div class="card" data-compare>
      <h2>Side by side: ${this.theirsLabel} and ${this.oursLabel}</h2>
      ${this.theirs ? nothing : html`<p class="muted">The link carried no results, so only this device's figures are shown.</p>`}
      ${this.theirs && (this.theirs.status !== 'complete' || this.theirs.stages.length === 0)
        ? html`<p class="warn" role="status" data-compare-baseline-warning>⚠ ${this.theirsLabel} did not complete (${this.theirs.status}${this.theirs.stages.length ? '' : ', no figures'}): no difference below is a verdict.</p>`
        : nothing}
      ${this.theirsConfig && this.oursConfig
        ? configs.length
          ? html`<div><h3>What differs between the two configurations</h3><ul data-config-differences>${configs.map(
              (d) => html`<li data-difference=${d.what}><b>${d.what}</b>: ${this.theirsLabel} ${d.baseline} · ${this.oursLabel} ${d.current}</li>`,
            )}</ul></div>`
          : html`<p class="note" data-config-differences="none">The same configuration on both sides.</p>`
        : nothing}
      ${this.warnings.map((w) => html`<p class="warn" role="status">${w}</p>`)}
      ${c.notComparable.length
        ? html`<p class="warn" role="status" data-not-comparable>Not comparable: the two runs measured different configurations (${c.notComparable.join('; ')}), so no ratio is given.</p>`
        : nothing}
      ${c.differences.length
        ? html`<div><h3>What differs between the two runs (what ran, and where)</h3><ul data-compare-differences>${c.differences.map((d) => html`<li>${d}</li>`)}</ul></div>`
        : nothing}
      <p class="note">A difference is coloured only when it is beyond both runs' noise (the Welch test the history uses, on every sample); otherwise it reads "within noise", with the samples on each side (n).</p>
      <div class="legend"><span><span class="sw theirs"></span>${this.theirsLabel}</span><span><span class="sw ours"></span>${this.oursLabel}</span></div>
      ${this.chart(c.stages)}
      <div class="scroll"><table>
        <thead><tr><th>stage</th><th>phase</th><th class="n">${this.theirsLabel} (mean)</th><th class="n">${this.oursLabel} (mean)</th><th class="n">${per}</th></tr></thead>
        <tbody>
          ${c.stages.map((r) => {
            const j = judge(r, 'latency', tr, or);
            return html`<tr data-compare-row=${r.label} data-phase=${r.phase} data-ratio=${r.ratio ?? ''} data-verdict=${j?.verdict ?? ''}>
              <td>${r.label}</td><td>${r.phase}</td><td class="n">${ms(r.theirs)}</td><td class="n">${ms(r.ours)}</td>
              <td class="n ${j ? CLASS[j.verdict] : ''}" title=${j?.reason ?? ''}>${ratioText(r, j, false, where, ok)}</td>
            </tr>`;
          })}
        </tbody>
      </table></div>
      ${c.throughputs.length
        ? html`<div class="scroll"><table>
            <thead><tr><th>throughput</th><th>phase</th><th class="n">${this.theirsLabel}</th><th class="n">${this.oursLabel}</th><th class="n">${per}</th></tr></thead>
            <tbody>
              ${c.throughputs.map((r) => {
                const j = judge(r, 'throughput', tr, or);
                return html`<tr data-compare-throughput=${r.label} data-verdict=${j?.verdict ?? ''}><td>${r.label}</td><td>${r.phase}</td><td class="n">${num(r.theirs, 1)}</td><td class="n">${num(r.ours, 1)}</td><td class="n ${j ? CLASS[j.verdict] : ''}" title=${j?.reason ?? ''}>${ratioText(r, j, true, where, ok)}</td></tr>`;
              })}
            </tbody>
          </table></div>`
        : nothing}
      ${c.quality.length
        ? html`<div class="scroll"><table>
            <thead><tr><th>quality</th><th class="n">${this.theirsLabel}</th><th class="n">${this.oursLabel}</th><th class="n">difference</th></tr></thead>
            <tbody>
              ${c.quality.map((q) => html`<tr data-compare-quality=${q.metric}><td>${q.metric}</td><td class="n">${num(q.theirs, 4)}</td><td class="n">${num(q.ours, 4)}</td><td class="n">${q.diff === null ? '—' : signed(q.diff, '', 4)}</td></tr>`)}
            </tbody>
          </table></div>`
        : nothing}
    </div>`;
  }
}
customElements.define('ragtab-share-compare', RagtabShareCompare);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-share-compare': RagtabShareCompare;
  }
}
