import { LitElement, css, html, nothing } from 'lit';
import type { IngestReport } from '../engine/session';
import { cardStyles } from './shared-styles';
import { bytes, ms, num } from './format';
import { keyboardScrollable } from './scroll-focus';

/**
 * What ingestion did and how fast: corpus, model and the device that actually ran, throughput,
 * per-batch embedding times as a small chart, index builds, voy against the exact scan.
 * Property: `report`.
 */
export class RagtabIngestReport extends LitElement {
  static override properties = { report: { attribute: false } };
  declare report: IngestReport | null;

  constructor() {
    super();
    this.report = null;
  }

  static override styles = [
    cardStyles,
    css`
      .kv { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin-bottom: 12px; }
      .kv div { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
      .kv b { display: block; font-size: 18px; font-variant-numeric: tabular-nums; }
      .kv span { font-size: 12px; color: var(--muted); }
      svg { width: 100%; height: 70px; display: block; }
      .note { font-size: 12px; color: var(--muted); }
    `,
  ];

  private batchChart() {
    const b = this.report?.batches ?? [];
    if (b.length < 2) return nothing;
    const rates = b.map((x) => (x.ms > 0 ? (x.size / x.ms) * 1000 : 0));
    const max = Math.max(...rates, 1);
    const w = 600;
    const h = 70;
    const pts = rates.map((r, i) => `${((i / (rates.length - 1)) * w).toFixed(1)},${(h - 4 - (r / max) * (h - 10)).toFixed(1)}`).join(' ');
    return html`<div class="note">Embedding throughput per batch (texts/s; peak ${num(max, 0)}), first batch at the left: a slow start is warm-up.</div>
      <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="texts per second per batch">
        <polyline points=${pts} fill="none" stroke="var(--accent)" stroke-width="1.5" vector-effect="non-scaling-stroke"></polyline>
      </svg>`;
  }

  /** Each kind: built or loaded (and what its build took), bytes in memory and on disk, its check. */
  private kindsTable() {
    const r = this.report;
    if (!r || r.kinds.length < 2) return nothing;
    return html`<div style="overflow-x:auto"><table id="kinds">
      <thead><tr><th>index kind</th><th>role</th><th class="n">build</th><th class="n">memory</th><th class="n">on disk</th><th class="n">B/vector</th><th class="n">search p50 (check)</th><th class="n">recall@k vs exact</th></tr></thead>
      <tbody>${r.kinds.map(
        (k) => html`<tr data-kind=${k.kind} data-loaded=${k.loaded ? 'yes' : 'no'}>
          <td>${k.label}</td><td>${k.role}</td>
          <td class="n" title=${k.loaded && k.storedBuildMs !== null ? `its build took ${ms(k.storedBuildMs)} when it was stored` : ''}>${k.build ? (k.loaded ? `loaded ${ms(k.build.ms)}` : ms(k.build.ms)) : '—'}</td>
          <td class="n" title=${k.build?.bytesNote ?? ''}>${typeof k.build?.bytes === 'number' ? bytes(k.build.bytes) : 'not counted'}</td>
          <td class="n">${k.diskBytes === null ? (k.kind === 'hnsw' || k.kind === 'voy' || k.kind === 'hybrid' ? 'rebuilt on load' : '—') : bytes(k.diskBytes)}</td>
          <td class="n">${k.bytesPerVector ?? '—'}</td>
          <td class="n">${k.check ? ms(k.check.searchMs.p50) : '—'}</td>
          <td class="n">${k.check?.recall ? `${(k.check.recall.mean * 100).toFixed(1)}% @${k.check.k}` : '—'}</td>
        </tr>`,
      )}</tbody>
    </table>
    <p class="note">Memory: bytes each kind holds in the index worker (exact: the f32 vectors every kind shares); on disk: what IndexedDB keeps of it (exact: the vector blocks). The check runs the corpus's queries (or sampled chunks) through every kind.</p></div>`;
  }

  /** Tables that scroll sideways (a phone) are reachable by keyboard. */
  protected override updated(): void {
    keyboardScrollable(this.renderRoot);
  }

  override render() {
    const r = this.report;
    if (!r) return nothing;
    const embed = r.stages.find((s) => s.name === 'embed');
    const load = r.stages.find((s) => s.name === 'load' && s.ms > 0);
    const e = r.embedder;
    const fromCache = r.modelLoad.files.filter((f) => f.source === 'cache').length;
    return html`<div class="card">
      <h2>Ingestion <span class="muted">· ${r.corpusName} · ${ms(r.totalMs)}</span></h2>
      <div class="kv">
        <div><b>${num(r.docs)}</b><span>documents</span></div>
        ${r.storage.fromStorage && load
          ? html`<div><b>${num(r.chunks)}</b><span>chunks, loaded from storage (none embedded)</span></div>
              <div><b data-figure="load-ms">${ms(load.ms)}</b><span>to load the vectors from IndexedDB</span></div>
              <div><b data-figure="chunks-per-second-loaded">${num((r.chunks / load.ms) * 1000, 0)}</b><span>chunks/s loaded</span></div>`
          : html`<div><b>${num(r.chunks)}</b><span>chunks (${num(r.tokens)} tokens embedded${r.storage.resumedFrom > 0 ? ` this time; ${num(r.storage.resumedFrom)} chunks came from storage` : ''})</span></div>
              <div><b data-figure="chunks-per-second">${num(Number(embed?.extra?.['chunksPerSecond'] ?? NaN), 1)}</b><span>chunks/s embedded</span></div>
              <div><b>${num(Number(embed?.extra?.['tokensPerSecond'] ?? NaN), 0)}</b><span>tokens/s embedded</span></div>`}
        <div><b data-device=${e.device}>${e.device.toUpperCase()}${e.device === 'wasm' ? ` · ${e.threads} thr` : ''}</b><span>${e.model.id} · ${e.dtype} · ${e.dims} dims</span></div>
        ${r.voyRecall
          ? html`<div><b data-figure="voy-recall">${(r.voyRecall.mean * 100).toFixed(1)}%</b><span>voy recall@${r.voyRecall.k} vs exact (${r.voyRecall.queries} queries)</span></div>`
          : nothing}
        <div><b>${r.modelLoad.reused ? 'reused' : ms(r.modelLoad.ms)}</b><span>model load${r.modelLoad.reused ? ' (already loaded)' : ` · ${bytes(r.modelLoad.files.reduce((s, f) => s + f.bytes, 0))}, ${fromCache}/${r.modelLoad.files.length} files from cache`}</span></div>
      </div>
      ${e.fallbackReason ? html`<p class="note" data-fallback>⚠ ${e.fallbackReason}</p>` : nothing}
      ${r.modelLoad.files.filter((f) => f.repaired).map((f) => html`<p class="note" data-repaired=${f.file}>⚠ The cached copy of ${f.file} was broken (${f.repaired}): deleted and downloaded again.</p>`)}
      <p class="note" data-storage=${r.storage.fromStorage ? 'loaded' : r.storage.persisted ? (r.storage.resumedFrom > 0 ? 'resumed' : 'saved') : 'memory'}>
        ${r.storage.fromStorage
          ? '💾 Vectors loaded from storage (IndexedDB): nothing was embedded. Change the corpus, model or chunking to embed again.'
          : r.storage.persisted
            ? r.storage.resumedFrom > 0
              ? `💾 Resumed an interrupted ingestion: ${r.storage.resumedFrom} chunks came from storage, the rest were embedded and saved.`
              : '💾 Vectors saved to storage: reopening the page with this configuration loads them instead of embedding.'
            : `Vectors kept in memory only${r.storage.reason ? `: ${r.storage.reason}` : '.'}`}
        ${r.storage.vectorsAs ? html`<span data-vectors-as=${r.storage.vectorsAs} title=${r.storage.vectorsAsReason ?? ''}>Blocks stored as ${r.storage.vectorsAs}${r.storage.vectorsAs === 'ArrayBuffer' ? ' (this browser refuses Blob values in IndexedDB here)' : ''}.</span>` : nothing}
      </p>
      ${this.batchChart()}
      <p class="note">Corpus hash ${r.corpusHash.slice(0, 16)}…; index builds: ${r.builds.map((b) => `${b.kind}${b.scan ? ` (${b.scan === 'wasm-simd' ? 'WebAssembly SIMD scan' : 'JavaScript scan: SIMD unavailable'})` : ''} ${b.loaded ? 'loaded from storage in ' : ''}${ms(b.ms)}${b.kind === 'voy' ? ` (${num(b.vectorsPerSecond, 0)} vectors/s)` : ''}`).join(', ')}.</p>
      ${this.kindsTable()}
    </div>`;
  }
}
customElements.define('ragtab-ingest-report', RagtabIngestReport);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-ingest-report': RagtabIngestReport;
  }
}
