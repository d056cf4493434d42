/// <reference lib="webworker" />
/**
 * Embedder worker: transformers.js (ONNX Runtime Web) on WebGPU or WASM, behind EmbedderApi.
 * Tokenises, runs the model and pools here; returns one Float32Array (rows × dims) per call with
 * its buffer transferred, and this worker's own timings.
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import { alive } from './lib/alive';
import { env, pipeline, type FeatureExtractionPipeline, type Tensor } from '@huggingface/transformers';
import type {
  BatchTiming,
  Device,
  EmbedderApi,
  EmbedderInfo,
  EmbedderLoadOptions,
  EmbedResult,
  LoadedFile,
  LoadProgress,
  ModelSpec,
  TokenCountResult,
} from './api';
import type { EmbedOrder } from '../src/core/vocabulary';
import { RagtabError } from '../src/core/errors';
import { EMBEDDER_CACHE } from '../src/core/cache-names';
import { encoderShapeFromConfig } from '../src/core/roofs';
import { probeWebGpu } from './lib/webgpu-probe';
import { checkModelCache, evictModelCache, verifiedFetch } from './lib/model-cache';


let extractor: FeatureExtractionPipeline | null = null;
let current: EmbedderInfo | null = null;

/** ONNX Runtime's files come from the app itself (/ort/), never from a CDN. */
function configureRuntime(threads: number): number {
  const ort = env.backends.onnx as { wasm?: { wasmPaths?: unknown; numThreads?: number; proxy?: boolean } };
  // The worker script sits in assets/ (build) or workers/ (dev): ort/ is its sibling folder.
  const ortBase = new URL('../ort/', self.location.href).href;
  if (ort.wasm) {
    ort.wasm.wasmPaths = {
      mjs: `${ortBase}ort-wasm-simd-threaded.asyncify.mjs`,
      wasm: `${ortBase}ort-wasm-simd-threaded.asyncify.wasm`,
    };
    // WebAssembly threads need SharedArrayBuffer, which an isolated page may still lack (WebKit's
    // automation sessions): ONNX Runtime then runs one thread, and the record says so.
    const effective = self.crossOriginIsolated && typeof SharedArrayBuffer !== 'undefined' ? Math.max(1, threads) : 1;
    ort.wasm.numThreads = effective;
    ort.wasm.proxy = false;
    return effective;
  }
  return 1;
}

/** Where the model's files are read from: the hub by id, or `${baseUrl}${id}/`. */
function configureSource(spec: ModelSpec): string {
  env.allowLocalModels = false;
  env.allowRemoteModels = true;
  env.useBrowserCache = true;
  // Every download is checked (length, format) before transformers.js reads it to the end and caches it.
  env.fetch = verifiedFetch;
  if (spec.baseUrl) {
    env.remoteHost = new URL(spec.baseUrl.endsWith('/') ? spec.baseUrl : spec.baseUrl + '/', self.location.href).href;
    env.remotePathTemplate = '{model}/';
  } else {
    env.remoteHost = 'https://huggingface.co/';
    env.remotePathTemplate = '{model}/resolve/{revision}/';
  }
  return env.remoteHost + env.remotePathTemplate.replaceAll('{model}', spec.id).replaceAll('{revision}', encodeURIComponent(spec.revision ?? 'main'));
}

/** Checks the model exists before handing it to transformers.js, whose errors are less clear. */
async function checkModelExists(spec: ModelSpec, root: string): Promise<void> {
  const url = root + 'config.json';
  let res: Response;
  try {
    res = await fetch(url, { method: 'GET', cache: 'no-store' });
  } catch (e) {
    // Offline with a cached model is fine: transformers.js reads from its cache.
    const cache = await caches.open(EMBEDDER_CACHE).catch(() => null);
    if (cache && (await cache.match(url))) return;
    throw new RagtabError('FetchFailed', `Could not reach ${url} to load model "${spec.id}": ${(e as Error).message}`);
  }
  if (res.status === 404 || res.status === 401) {
    throw new RagtabError('ModelNotFound', `Model "${spec.id}" was not found: ${url} answered HTTP ${res.status}.`);
  }
  if (!res.ok) throw new RagtabError('FetchFailed', `Loading model "${spec.id}": ${url} answered HTTP ${res.status}.`);
  try {
    JSON.parse(await res.text());
  } catch {
    throw new RagtabError('ModelNotFound', `Model "${spec.id}": ${url} is not a model config (not JSON).`);
  }
}

async function cachedUrls(): Promise<Set<string>> {
  try {
    const cache = await caches.open(EMBEDDER_CACHE);
    return new Set((await cache.keys()).map((r) => r.url));
  } catch {
    return new Set();
  }
}

/** Load errors a broken cached file can cause in ONNX Runtime (a download error is never from the cache). */
const REPAIRABLE: ReadonlySet<string> = new Set(['ModelNotOnnx', 'ModelLoadFailed']);

function classifyLoadError(e: unknown, spec: ModelSpec): RagtabError {
  if (e instanceof RagtabError) {
    // The download checks (workers/lib/model-cache.ts) name the file: name the model too.
    if ((e.code === 'ModelFileCorrupt' || e.code === 'ModelNotOnnx' || e.code === 'FetchFailed') && !e.message.includes(`"${spec.id}"`)) {
      return new RagtabError(e.code, `Model "${spec.id}", ${e.message}`);
    }
    return e;
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (/protobuf|parse|invalid model|model_path|Can't create a session|ERROR_CODE: (2|7)|failed to load model/i.test(msg)) {
    return new RagtabError('ModelNotOnnx', `Model "${spec.id}": its ONNX file could not be read as an ONNX model (${msg.slice(0, 200)}).`);
  }
  if (/Could not locate file|not found|404/i.test(msg)) {
    return new RagtabError('ModelNotFound', `Model "${spec.id}": a file is missing (${msg.slice(0, 200)}).`);
  }
  return new RagtabError('ModelLoadFailed', `Model "${spec.id}" failed to load: ${msg.slice(0, 300)}`);
}

function meanPool(hidden: Float32Array, mask: ArrayLike<bigint | number>, rows: number, seq: number, dims: number, out: Float32Array, outOffset: number): void {
  for (let r = 0; r < rows; r++) {
    let n = 0;
    const o = outOffset + r * dims;
    for (let t = 0; t < seq; t++) {
      if (Number(mask[r * seq + t]) === 0) continue;
      n++;
      const h = (r * seq + t) * dims;
      for (let d = 0; d < dims; d++) out[o + d] = (out[o + d] as number) + (hidden[h + d] as number);
    }
    if (n > 0) for (let d = 0; d < dims; d++) out[o + d] = (out[o + d] as number) / n;
  }
}

function clsPool(hidden: Float32Array, rows: number, seq: number, dims: number, out: Float32Array, outOffset: number): void {
  for (let r = 0; r < rows; r++) out.set(hidden.subarray(r * seq * dims, r * seq * dims + dims), outOffset + r * dims);
}

function normalizeRange(v: Float32Array, from: number, rows: number, dims: number): void {
  for (let r = 0; r < rows; r++) {
    const o = from + r * dims;
    let s = 0;
    for (let d = 0; d < dims; d++) s += (v[o + d] as number) ** 2;
    if (s === 0) continue; // a text with no known token pools to zero: keep it zero, never NaN
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dims; d++) v[o + d] = (v[o + d] as number) * inv;
  }
}

const api: EmbedderApi = {
  async load(spec: ModelSpec, options: EmbedderLoadOptions, onProgress?: (p: LoadProgress) => void) {
    const t0 = performance.now();
    if (!spec.id.trim()) throw new RagtabError('InvalidArgument', 'No model id given.');
    if (extractor) {
      await extractor.dispose().catch(() => undefined);
      extractor = null;
      current = null;
    }
    let device: Device = options.device;
    let fallbackReason: string | null = null;
    if (device === 'webgpu') {
      const probe = await probeWebGpu();
      if (!probe.ok) {
        device = 'wasm';
        fallbackReason = `WebGPU unavailable: ${probe.reason}. Running on WASM instead.`;
      }
    }
    const threads = configureRuntime(options.threads);
    const root = configureSource(spec);
    await checkModelExists(spec, root);
    const cached = await cachedUrls();
    const files = new Map<string, LoadedFile>();
    const progress = (ev: { status: string; file?: string; loaded?: number; total?: number }): void => {
      if (!ev.file) return;
      const url = root + ev.file;
      const source = cached.has(url) ? 'cache' : 'network';
      if (ev.status === 'progress' || ev.status === 'done') {
        const prev = files.get(ev.file) ?? { file: ev.file, bytes: 0, source };
        if (typeof ev.loaded === 'number') prev.bytes = Math.max(prev.bytes, ev.total ?? ev.loaded);
        files.set(ev.file, prev);
        onProgress?.({ kind: 'file', file: ev.file, loaded: ev.loaded ?? prev.bytes, total: ev.total ?? prev.bytes, source });
      } else if (ev.status === 'initiate') {
        onProgress?.({ kind: 'file', file: ev.file, loaded: 0, total: 0, source });
      }
    };
    const create = (dev: Device) =>
      pipeline('feature-extraction', spec.id, {
        device: dev,
        dtype: options.dtype,
        revision: spec.revision ?? 'main',
        // A new function per call: transformers.js memoises file loads per progress callback, so a
        // retry with the same callback would get the same (broken) bytes back.
        progress_callback: ((ev: Parameters<typeof progress>[0]) => progress(ev)) as never,
        session_options: dev === 'wasm' ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {},
      }) as Promise<FeatureExtractionPipeline>;
    onProgress?.({ kind: 'status', message: `Loading ${spec.id} on ${device}` });
    // Cached copies that fail their check (an HTML page or a cut file cached by an older version,
    // damage on disk) are deleted first, so transformers.js downloads them again.
    const repaired = [...cached].some((u) => u.startsWith(root)) ? await checkModelCache(root) : [];
    if (repaired.length > 0) {
      onProgress?.({ kind: 'status', message: `Cached files of ${spec.id} were broken (${repaired.join('; ')}): deleted, downloading again` });
      for (const u of [...cached]) if (u.startsWith(root) && repaired.some((r) => r.startsWith(`${u.slice(root.length)} (`))) cached.delete(u);
    }
    /** A load from the cache that fails in ONNX Runtime although the files passed: delete them all, so the next load downloads them. */
    const createRepairing = async (dev: Device): Promise<FeatureExtractionPipeline> => {
      try {
        return await create(dev);
      } catch (e) {
        const err = classifyLoadError(e, spec);
        const fromCache = [...files.values()].some((f) => f.source === 'cache');
        if (!fromCache || !REPAIRABLE.has(err.code)) throw err;
        const evicted = await evictModelCache(root);
        if (evicted.length === 0) throw err;
        throw new RagtabError(err.code, `${err.message} Its ${evicted.length} cached file(s) were deleted: load it again to download them afresh.`);
      }
    };
    try {
      extractor = await createRepairing(device);
    } catch (e) {
      const err = classifyLoadError(e, spec);
      if (device === 'webgpu' && err.code === 'ModelLoadFailed') {
        // WebGPU device creation or the session failed on this adapter: say so and fall back.
        fallbackReason = `WebGPU session failed (${err.message.slice(0, 160)}). Running on WASM instead.`;
        device = 'wasm';
        try {
          extractor = await createRepairing('wasm');
        } catch (e2) {
          throw classifyLoadError(e2, spec);
        }
      } else {
        throw err;
      }
    }
    const cfg = extractor.model.config as unknown as { hidden_size?: number; dim?: number };
    const tok = extractor.tokenizer as unknown as { model_max_length?: number };
    // Probe dims with one tiny text: the only reliable way across architectures.
    const probe = (await extractor.model(extractor.tokenizer(['a'], { padding: true, truncation: true }))) as Record<string, Tensor>;
    const hidden = probe['last_hidden_state'] ?? probe['token_embeddings'] ?? Object.values(probe)[0];
    const dims = hidden ? (hidden.dims[hidden.dims.length - 1] as number) : (cfg.hidden_size ?? cfg.dim ?? 0);
    const maxTokens = Math.min(tok.model_max_length ?? 512, 8192);
    current = {
      model: { ...spec },
      requestedDevice: options.device,
      device,
      fallbackReason,
      dtype: options.dtype,
      pooling: options.pooling,
      normalize: options.normalize,
      threads: device === 'wasm' ? threads : 0,
      batchSize: Math.max(1, options.batchSize),
      dims,
      maxTokens,
      crossOriginIsolated: self.crossOriginIsolated,
      shape: encoderShapeFromConfig(extractor.model.config),
    };
    for (const entry of repaired) {
      const file = entry.slice(0, entry.indexOf(' ('));
      const f = files.get(file) ?? { file, bytes: 0, source: 'network' as const };
      files.set(file, { ...f, repaired: entry.slice(file.length + 2, -1) });
    }
    return { info: current, files: [...files.values()], workerMs: performance.now() - t0 };
  },

  async embed(texts: string[], opts: { order?: EmbedOrder } = {}): Promise<EmbedResult> {
    const t0 = performance.now();
    if (!extractor || !current) throw new RagtabError('ModelNotLoaded', 'The embedding model is not loaded yet.');
    const { dims, batchSize, pooling, normalize } = current;
    const out = new Float32Array(texts.length * dims);
    const batches: BatchTiming[] = [];
    let tokens = 0;
    // Batches of similar length: in corpus order half the computed positions are padding (msmarco,
    // batch 32); sorted by token count 0.75% are (bench:retrieval's probe). Tokenising is < 0.5% of
    // the time, so counting first costs little. Rows go back to the caller's order.
    const order = texts.map((_, i) => i);
    if (texts.length > batchSize && (opts.order ?? 'length') === 'length') {
      const tk = extractor.tokenizer as unknown as { encode(t: string): number[] };
      const lens = texts.map((t) => tk.encode(t).length);
      order.sort((a, b) => (lens[a] as number) - (lens[b] as number) || a - b);
    }
    for (let i = 0; i < order.length; i += batchSize) {
      const b0 = performance.now();
      const idx = order.slice(i, i + batchSize);
      const batch = idx.map((j) => texts[j] as string);
      const inputs = extractor.tokenizer(batch, { padding: true, truncation: true }) as Record<string, Tensor>;
      const mask = inputs['attention_mask'] as Tensor;
      const seq = mask.dims[1] as number;
      let bt = 0;
      const m = mask.data as ArrayLike<bigint | number>;
      for (let j = 0; j < m.length; j++) bt += Number(m[j]);
      const result = (await extractor.model(inputs)) as Record<string, Tensor>;
      const hiddenT = result['last_hidden_state'] ?? result['token_embeddings'];
      if (!hiddenT) throw new RagtabError('ModelLoadFailed', 'The model has no last_hidden_state output.');
      const hidden = hiddenT.data as Float32Array;
      const pooled = new Float32Array(batch.length * dims);
      if (pooling === 'cls') clsPool(hidden, batch.length, seq, dims, pooled, 0);
      else meanPool(hidden, m, batch.length, seq, dims, pooled, 0);
      if (normalize) normalizeRange(pooled, 0, batch.length, dims);
      for (let r = 0; r < idx.length; r++) out.set(pooled.subarray(r * dims, (r + 1) * dims), (idx[r] as number) * dims);
      hiddenT.dispose?.();
      tokens += bt;
      batches.push({ size: batch.length, tokens: bt, ms: performance.now() - b0 });
    }
    const res: EmbedResult = { vectors: out, rows: texts.length, dims, tokens, batches, workerMs: performance.now() - t0 };
    return Comlink.transfer(res, [out.buffer]);
  },

  async countTokens(texts: string[]): Promise<TokenCountResult> {
    const t0 = performance.now();
    if (!extractor) throw new RagtabError('ModelNotLoaded', 'The embedding model is not loaded yet.');
    const counts = new Int32Array(texts.length);
    const tk = extractor.tokenizer as unknown as { encode(t: string, o?: { add_special_tokens?: boolean }): number[] };
    for (let i = 0; i < texts.length; i++) counts[i] = tk.encode(texts[i] as string, { add_special_tokens: false }).length;
    return Comlink.transfer({ counts, workerMs: performance.now() - t0 }, [counts.buffer]);
  },

  async info() {
    return current;
  },

  alive: () => alive,

  async memory() {
    return workerMemory('ONNX Runtime has not created its WebAssembly memory yet (no model loaded)');
  },
};

Comlink.expose(api);
