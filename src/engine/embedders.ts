/**
 * The embedding model's workers: what the worker is given for a configuration (the one conversion
 * of settings into the embedder's load options), and the session's pool: the active ingestion's
 * embedder, one spare (the previous one, kept so switching back costs no load), reuse of an
 * equivalent loaded model, and reloading one whose worker a cancel terminated.
 */
import * as Comlink from 'comlink';
import type { EmbedderApi, EmbedderInfo, EmbedderLoadOptions, LoadProgress } from '../../workers/api';
import { embeddingModelInfo } from '../core/models';
import { sameEmbedder, type Settings } from '../core/settings';
import type { Progress } from '../core/stages';
import type { ModelSpec } from '../core/vocabulary';
import { WorkerBridge, createEmbedderWorker } from './bridge';
import type { ModelLoadReport } from './reports';

/** The embedder's load options for these settings (pooling and normalisation from the model card). */
export function embedderLoadOptions(settings: Settings): EmbedderLoadOptions {
  const info = embeddingModelInfo(settings.model.id);
  return {
    device: settings.device,
    dtype: settings.dtype,
    threads: settings.threads,
    batchSize: settings.batchSize,
    pooling: info?.pooling ?? 'mean',
    normalize: info?.normalize ?? true,
  };
}

/** Model base URLs are relative to the page; the worker resolves URLs against its own script. */
export function workerModelSpec(spec: ModelSpec): ModelSpec {
  if (!spec.baseUrl) return spec;
  const base = spec.baseUrl.endsWith('/') ? spec.baseUrl : spec.baseUrl + '/';
  return { ...spec, baseUrl: new URL(base, document.baseURI).href };
}

export type ProgressSink = (p: Omit<Progress, 'etaMs' | 'startedAt'> & { startedAt?: number }) => void;

export interface LoadedEmbedder {
  bridge: WorkerBridge<EmbedderApi>;
  info: EmbedderInfo;
  load: ModelLoadReport;
}

/** The active ingestion's embedder, as the pool sees it. */
export interface ActiveEmbedder {
  embedder: WorkerBridge<EmbedderApi>;
  /** The bridge's generation when its model was loaded (a later one means the worker was restarted, empty). */
  embedderGen: number;
  settings: Settings;
}

export class EmbedderPool {
  private spare: { bridge: WorkerBridge<EmbedderApi>; settings: Settings } | null = null;

  constructor(private readonly progress: ProgressSink) {}

  /** Loads the embedding model into a bridge, reusing an equivalent loaded one (the active's or the spare). */
  async acquire(settings: Settings, active: ActiveEmbedder | null, signal: AbortSignal): Promise<LoadedEmbedder> {
    const candidates = [
      active && { bridge: active.embedder, settings: active.settings, gen: active.embedderGen },
      this.spare && { ...this.spare, gen: this.spare.bridge.generation },
    ];
    for (const c of candidates) {
      if (c && sameEmbedder(c.settings, settings) && c.bridge.running && c.bridge.generation === c.gen) {
        const info = (await c.bridge.call('info', (api) => api.info(), signal)).value;
        if (info) return { bridge: c.bridge, info, load: { ms: 0, workerMs: 0, files: [], reused: true } };
      }
    }
    const bridge = new WorkerBridge<EmbedderApi>('embedder', createEmbedderWorker);
    const files: Progress['files'] = {};
    this.progress({ phase: 'model', label: `Loading ${settings.model.id}`, done: 0, total: 0, unit: 'bytes', files, startedAt: performance.now() });
    const onProgress = (p: LoadProgress): void => {
      if (p.kind === 'file') files[p.file] = { loaded: p.loaded, total: p.total, source: p.source };
      const all = Object.values(files);
      this.progress({
        phase: 'model',
        label: p.kind === 'status' ? p.message : `Loading ${settings.model.id}: ${p.file} (${p.source})`,
        done: all.reduce((s, f) => s + f.loaded, 0),
        total: all.reduce((s, f) => s + f.total, 0),
        unit: 'bytes',
        files,
      });
    };
    try {
      const t = await bridge.call('load model', (api) => api.load(workerModelSpec(settings.model), embedderLoadOptions(settings), Comlink.proxy(onProgress)), signal);
      return { bridge, info: t.value.info, load: { ms: t.roundTripMs, workerMs: t.value.workerMs, files: t.value.files, reused: false } };
    } catch (e) {
      bridge.terminate();
      throw e;
    }
  }

  /** After an ingestion swapped in `next`: the previous active embedder becomes the spare (the older spare ends). */
  swapped(previous: { embedder: WorkerBridge<EmbedderApi>; settings: Settings } | null, next: WorkerBridge<EmbedderApi>): void {
    if (previous && previous.embedder !== next) {
      if (this.spare && this.spare.bridge !== previous.embedder) this.spare.bridge.terminate();
      this.spare = { bridge: previous.embedder, settings: previous.settings };
    }
    if (this.spare?.bridge === next) this.spare = null;
  }

  /** A bridge an ingestion created and then failed with: ended, unless it is in use. */
  discard(created: WorkerBridge<EmbedderApi> | null, inUse: WorkerBridge<EmbedderApi> | null): void {
    if (created && created !== inUse && created !== this.spare?.bridge) created.terminate();
  }

  /** Ends the spare's worker (the session is done with its embedders). */
  end(): void {
    this.spare?.bridge.terminate();
    this.spare = null;
  }

  /** Reloads the active embedder if its worker was terminated (by a cancel) since its ingestion. */
  async ensureLoaded(a: ActiveEmbedder | null): Promise<void> {
    if (!a || (a.embedder.running && a.embedder.generation === a.embedderGen)) return;
    this.progress({ phase: 'reload', label: `Reloading ${a.settings.model.id}`, done: 0, total: 0, unit: '', startedAt: performance.now() });
    await a.embedder.call('reload model', (api) => api.load(workerModelSpec(a.settings.model), embedderLoadOptions(a.settings)));
    a.embedderGen = a.embedder.generation;
  }
}
