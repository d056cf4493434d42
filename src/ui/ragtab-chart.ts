import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import type uPlot from 'uplot';
import { errorInfo, type ErrorInfo } from '../core/errors';
import './ragtab-part-error';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { cardStyles } from './shared-styles';

/**
 * One line chart drawn with uPlot (small, fast, canvas, well kept; already a dependency), in the
 * page's colours: axes and grid follow the CSS variables, so it reads in light and dark mode and
 * redraws when the scheme changes. Property `spec` (a ChartSpec). Non-interactive beyond uPlot's
 * own cursor and legend.
 *
 * uPlot is imported lazily, when the first chart draws: its module runs
 * `new Intl.NumberFormat(navigator.language)` when evaluated, which throws where Intl rejects the
 * language (WebKit reports `C` under a POSIX locale). A module that fails to load, or a chart that
 * fails to draw, shows a named error in the chart's place; the rest of the app is untouched.
 */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** 'log' needs positive values; the chart falls back to linear when any value is ≤ 0. */
  xScale?: 'linear' | 'log';
  yScale?: 'linear' | 'log';
  series: Array<{ label: string; color: string; points?: boolean }>;
  /** [x values, ...one array per series], x ascending; null = no value at that x. */
  data: Array<Array<number | null>>;
  height?: number;
}

let uplotModule: Promise<typeof uPlot> | null = null;
function loadUplot(): Promise<typeof uPlot> {
  uplotModule ??= import('uplot').then((m) => m.default);
  return uplotModule;
}

export const PALETTE = ['#2f6fec', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#65a30d', '#db2777', '#64748b'];

function positive(values: ReadonlyArray<number | null>): boolean {
  return values.every((v) => v === null || v > 0);
}

export class RagtabChart extends LitElement {
  static override properties = { spec: { attribute: false }, _error: { state: true } };
  declare spec: ChartSpec | null;
  declare _error: ErrorInfo | null;
  private drawing = 0;

  private plot: uPlot | null = null;
  private resize: ResizeObserver | null = null;
  private readonly scheme = window.matchMedia?.('(prefers-color-scheme: dark)');
  private readonly onScheme = (): void => this.draw();

  constructor() {
    super();
    this.spec = null;
    this._error = null;
  }

  static override styles = [
    cardStyles,
    unsafeCSS(uplotCss),
    css`
      .wrap { min-height: 60px; }
      h3 { font-size: 13px; font-weight: 600; margin: 0 0 6px; }
      .u-legend { font-size: 12px; color: var(--fg); }
      .u-legend th { color: var(--fg); font-weight: 500; }
      .empty { color: var(--muted); font-size: 12px; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this.scheme?.addEventListener('change', this.onScheme);
    this.resize = new ResizeObserver(() => {
      const w = this.chartWidth();
      if (this.plot && w > 0 && Math.abs(this.plot.width - w) > 4) this.plot.setSize({ width: w, height: this.plot.height });
    });
    this.resize.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.scheme?.removeEventListener('change', this.onScheme);
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private chartWidth(): number {
    return Math.max(240, Math.floor(this.getBoundingClientRect().width || 600));
  }

  override render() {
    const s = this.spec;
    if (!s) return html``;
    if (this._error) return html`<ragtab-part-error label=${`The chart "${s.title}"`} .error=${this._error}></ragtab-part-error>`;
    const points = s.data[0]?.length ?? 0;
    return html`<div class="wrap" role="img" aria-label=${`${s.title}: ${s.yLabel} against ${s.xLabel}`}>
      <h3>${s.title}</h3>
      ${points === 0 ? html`<p class="empty">No data.</p>` : html`<div class="plot"></div>`}
    </div>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('spec')) this.draw();
  }

  private draw(): void {
    const n = ++this.drawing;
    this.plot?.destroy();
    this.plot = null;
    const s = this.spec;
    if (!s || (s.data[0]?.length ?? 0) === 0 || this._error) return;
    loadUplot().then(
      (U) => {
        if (n !== this.drawing) return; // a newer spec or scheme change drew meanwhile
        try {
          this.drawWith(U, s);
        } catch (e) {
          this._error = { name: 'PartFailed', message: `it could not be drawn (${errorInfo(e).name}: ${errorInfo(e).message}).` };
        }
      },
      (e: unknown) => {
        const i = errorInfo(e);
        this._error = { name: 'ModuleLoadFailed', message: `the chart library (uPlot) failed to load: ${i.name}: ${i.message}.` };
      },
    );
  }

  private drawWith(U: typeof uPlot, s: ChartSpec): void {
    const target = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!target) return;
    const cs = getComputedStyle(this);
    const fg = cs.getPropertyValue('--muted').trim() || '#636368';
    const grid = cs.getPropertyValue('--line').trim() || '#e3e3e8';
    const xs = s.data[0] ?? [];
    const ys = s.data.slice(1).flat();
    const xLog = s.xScale === 'log' && positive(xs);
    const yLog = s.yScale === 'log' && positive(ys);
    const axis = (label: string): uPlot.Axis => ({
      label,
      stroke: fg,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      labelFont: '12px system-ui, sans-serif',
      font: '11px system-ui, sans-serif',
    });
    const opts: uPlot.Options = {
      width: this.chartWidth(),
      height: s.height ?? 220,
      scales: { x: { time: false, distr: xLog ? 3 : 1 }, y: { distr: yLog ? 3 : 1 } },
      axes: [axis(s.xLabel), axis(s.yLabel)],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: s.xLabel },
        ...s.series.map((x) => ({
          label: x.label,
          stroke: x.color,
          width: 1.5,
          spanGaps: true,
          points: { show: x.points ?? false, size: 4, stroke: x.color, fill: x.color },
        })),
      ],
    };
    this.plot = new U(opts, s.data as uPlot.AlignedData, target);
  }
}
customElements.define('ragtab-chart', RagtabChart);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-chart': RagtabChart;
  }
}
