import { LitElement, css, html, nothing } from 'lit';
import type { LlmSettings } from '../core/settings';
import type { LlmCapabilities } from '../core/capabilities';
import type { WebLlmModelRecord } from '../core/vocabulary';
import type { LlmLoadReport } from '../engine/generation';
import { probeLlmCapabilities } from '../engine/capabilities';
import { cardStyles, formStyles } from './shared-styles';
import { bytes, ms } from './format';

/**
 * The LLM: what this browser can run (and why), engine and model, load measured in parts.
 * Properties: `settings`, `load` (the loaded model's report), `busy`. Fires `load-llm` with the
 * settings, `unload-llm`.
 */
export class RagtabLlm extends LitElement {
  static override properties = {
    settings: { attribute: false },
    load: { attribute: false },
    busy: { type: Boolean },
    _caps: { state: true },
    _catalog: { state: true },
  };
  declare settings: LlmSettings;
  declare load: LlmLoadReport | null;
  declare busy: boolean;
  declare _caps: LlmCapabilities | null;
  declare _catalog: WebLlmModelRecord[];
  private userChoseEngine = false;
  private userChoseThreads = false;

  constructor() {
    super();
    this.load = null;
    this.busy = false;
    this._caps = null;
    this._catalog = [];
  }

  static override styles = [
    cardStyles,
    formStyles,
    css`
      input.wide { flex: 1; min-width: min(260px, 100%); }
      ul { margin: 6px 0 0; padding-left: 18px; font-size: 12.5px; color: var(--muted); }
      .kv { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px; margin-top: 10px; }
      .kv div { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 6px 9px; }
      .kv b { display: block; font-variant-numeric: tabular-nums; }
      .kv span { font-size: 12px; color: var(--muted); }
      details.internals summary { cursor: pointer; font-size: 12.5px; color: var(--muted); margin-top: 8px; }
      .actions { margin-top: 12px; display: flex; gap: 10px; align-items: center; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.probeOnce();
  }

  private async probeOnce(): Promise<void> {
    const { caps, catalog } = await probeLlmCapabilities((first) => (this._caps = first));
    this._caps = caps;
    this._catalog = catalog;
    const webllmDefault = this._caps.defaults.webllm;
    if (!this.userChoseEngine && this.settings.engine === 'webllm' && !this.settings.model && webllmDefault) {
      this.emitSettings({ ...this.settings, model: webllmDefault });
    }
    // llama.cpp's threads: the probe's choice (half the cores; 1 without isolation) unless the address
    // or the person set them, so the field and the decision shown beside it say the same number
    if (!this.userChoseThreads && !new URLSearchParams(location.search).has('llmThreads') && this.settings.threads !== this._caps.wllamaThreads) {
      this.emitSettings({ ...this.settings, threads: this._caps.wllamaThreads });
    }
    window.dispatchEvent(new CustomEvent('ragtab-capabilities', { detail: this._caps }));
  }

  private emitSettings(s: LlmSettings): void {
    this.settings = s;
    this.dispatchEvent(new CustomEvent('llm-settings', { detail: s, bubbles: true, composed: true }));
  }

  private modelField() {
    const s = this.settings;
    if (s.engine === 'webllm') {
      const fits = this._caps?.webllmModels ?? [];
      return html`<select name="llmModel" @change=${(e: Event) => this.emitSettings({ ...s, model: (e.target as HTMLSelectElement).value })}>
        ${fits.length === 0 ? html`<option value=${s.model}>${s.model || 'no model list (WebGPU unavailable)'}</option>` : nothing}
        ${fits.map(
          (m) => html`<option value=${m.modelId} ?selected=${m.modelId === s.model} ?disabled=${m.fit === 'no'}>
            ${m.modelId} · ${m.vramRequiredMB !== null ? `${Math.round(m.vramRequiredMB)} MB VRAM` : 'VRAM ?'}${m.fit === 'no' ? ` · cannot run: ${m.reason}` : m.fit === 'risky' ? ' · may not fit' : ''}
          </option>`,
        )}
      </select>`;
    }
    return html`<input class="wide" type="text" name="llmModel" placeholder="GGUF URL (https://… or a path on this server)" .value=${s.model}
      @change=${(e: Event) => this.emitSettings({ ...s, model: (e.target as HTMLInputElement).value.trim() })} />`;
  }

  override render() {
    const s = this.settings;
    const caps = this._caps;
    const l = this.load;
    return html`<div class="card">
      <h2>LLM</h2>
      <div class="grid">
        <label class="k" for="engine">Engine</label>
        <div class="inline">
          <select id="engine" name="llmEngine" @change=${(e: Event) => {
            this.userChoseEngine = true;
            const engine = (e.target as HTMLSelectElement).value as LlmSettings['engine'];
            this.emitSettings({ ...s, engine, model: engine === 'webllm' ? (caps?.defaults.webllm ?? '') : engine === 'wllama' ? (caps?.defaults.wllama ?? s.model) : s.model });
          }}>
            <option value="wllama" ?selected=${s.engine === 'wllama'}>llama.cpp in WASM (wllama)</option>
            <option value="webllm" ?selected=${s.engine === 'webllm'} ?disabled=${caps !== null && !caps.engines.find((x) => x.engine === 'webllm')?.offered}>web-llm on WebGPU</option>
            <option value="none" ?selected=${s.engine === 'none'}>none (retrieval only)</option>
          </select>
          ${caps?.webllmVariant ? html`<span class="note">web-llm variant: ${caps.webllmVariant}</span>` : nothing}
        </div>
        ${s.engine === 'none'
          ? nothing
          : html`<label class="k">Model</label>${this.modelField()}
              <label class="k">Generation</label>
              <div class="inline">
                <label class="note">max new tokens <input type="number" name="maxTokens" min="1" max="4096" .value=${String(s.maxNewTokens)} @change=${(e: Event) => this.emitSettings({ ...s, maxNewTokens: Math.max(1, Number((e.target as HTMLInputElement).value) || 1) })} /></label>
                ${s.engine === 'wllama' ? html`<label class="note">threads <input type="number" name="llmThreads" min="1" max="64" .value=${String(s.threads)} @change=${(e: Event) => {
                  this.userChoseThreads = true;
                  this.emitSettings({ ...s, threads: Math.max(1, Number((e.target as HTMLInputElement).value) || 1) });
                }} /></label>` : nothing}
                <span class="note">greedy (temperature 0), seed ${s.seed}</span>
              </div>`}
      </div>
      ${caps
        ? html`<details class="internals"><summary>How the engine was chosen in this browser (${caps.decisions.length} decisions)</summary>
            <ul data-capabilities>${caps.decisions.map((d) => html`<li><b>${d.topic}</b>: ${d.choice} — ${d.reason}</li>`)}</ul></details>`
        : html`<p class="note">Probing WebGPU…</p>`}
      ${s.engine === 'none'
        ? nothing
        : html`<div class="actions">
            <button id="load-llm" class="primary" ?disabled=${this.busy || !s.model} @click=${() => this.dispatchEvent(new CustomEvent('load-llm', { detail: s, bubbles: true, composed: true }))}>${l ? 'Load / switch model' : 'Load LLM'}</button>
            ${l ? html`<button @click=${() => this.dispatchEvent(new CustomEvent('unload-llm', { bubbles: true, composed: true }))}>Unload</button>` : nothing}
            <span class="note">Downloads the model (or reads it from the cache), initialises the engine and runs a warm-up generation, each timed.</span>
          </div>`}
      ${l
        ? html`<div class="kv" data-llm-loaded=${l.info.engine}>
              <div><b>${l.info.modelName ?? l.info.model.split('/').pop()}</b><span>${l.info.engine} · ${l.info.backend} · ${l.info.threads} thr${l.info.variant ? ` · ${l.info.variant}` : ''}</span></div>
              <div><b>${ms(l.timings.downloadMs)}</b><span>download · ${bytes(l.files.reduce((a, f) => a + f.bytes, 0))} from ${l.source}</span></div>
              <div><b>${ms(l.timings.verifyMs)}</b><span>verify</span></div>
              <div><b>${ms(l.timings.initMs)}</b><span>initialise</span></div>
              <div><b>${ms(l.timings.warmupMs)}</b><span>warm-up generation</span></div>
              <div><b>${ms(l.roundTripMs)}</b><span>${l.switchedFrom ? 'model switch, end to end' : 'load, end to end'}</span></div>
              <div><b>${l.info.contextSize}</b><span>context tokens${l.info.hasChatTemplate ? ' · chat template' : ' · no chat template (plain prompt)'}</span></div>
            </div>
            ${l.info.why.length ? html`<details class="internals"><summary>Engine notes (${l.info.why.length})</summary><ul>${l.info.why.map((w) => html`<li>${w}</li>`)}</ul></details>` : nothing}`
        : nothing}
    </div>`;
  }
}
customElements.define('ragtab-llm', RagtabLlm);
declare global {
  interface HTMLElementTagNameMap {
    'ragtab-llm': RagtabLlm;
  }
}
