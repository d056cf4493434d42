/// <reference lib="webworker" />
/**
 * Bench-only worker: transformers.js used directly, to find where the browser loses time in
 * embedding against native ONNX Runtime. Unlike the app's embedder worker it times tokenisation,
 * inference and pooling separately, counts padding, and can change one thing at a time:
 * - which ONNX Runtime WebAssembly build runs ('asyncify', what transformers.js picks by default,
 *   or the 'plain' build without asyncify instrumentation);
 * - which ONNX Runtime JS bundle transformers.js drives: its own (`onnxruntime-web/webgpu`) or the
 *   CPU-only `onnxruntime-web/wasm`, handed over through `globalThis[Symbol.for('onnxruntime')]`;
 * - the order of texts (as given, or sorted by length so batches pad less).
 * One configuration per worker: create a fresh worker for each.
 */
import * as Comlink from 'comlink';
import type { FeatureExtractionPipeline, Tensor } from '@huggingface/transformers';

export type OrtBuild = 'asyncify' | 'plain';
export type OrtBundle = 'webgpu' | 'wasm';
export type SortOrder = 'none' | 'chars' | 'tokens';

export interface ProbeLoadOptions {
  /** Folder URL holding the model folders (e.g. `/models/`). */
  modelBase: string;
  model: string;
  threads: number;
  build: OrtBuild;
  bundle: OrtBundle;
}

export interface ProbeLoadResult {
  requestedThreads: number;
  /** `env.backends.onnx.wasm.numThreads` after the session exists (ORT lowers it to 1 when it cannot thread). */
  ortNumThreads: number | null;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  build: OrtBuild;
  bundle: OrtBundle;
  wasmUrl: string;
  ortVersion: string | null;
  loadMs: number;
}

export interface ProbeRunOptions {
  texts: string[];
  batchSize: number;
  sort: SortOrder;
}

export interface ProbeRunResult {
  texts: number;
  /** Real tokens (attention mask ones), special tokens included. */
  tokens: number;
  /** Positions computed, padding included (batch × longest in batch, summed). */
  paddedTokens: number;
  sortMs: number;
  tokenizeMs: number;
  inferMs: number;
  poolMs: number;
  totalMs: number;
  textsPerSecond: number;
  tokensPerSecond: number;
}

export interface EmbedProbeApi {
  load(opts: ProbeLoadOptions): Promise<ProbeLoadResult>;
  run(opts: ProbeRunOptions): Promise<ProbeRunResult>;
}

type OrtEnv = { wasm: { wasmPaths?: unknown; numThreads?: number; proxy?: boolean }; versions?: { web?: string } };

let extractor: FeatureExtractionPipeline | null = null;
let ortEnv: OrtEnv | null = null;

const api: EmbedProbeApi = {
  async load(opts) {
    const t0 = performance.now();
    if (extractor) throw new Error('one configuration per worker: create a fresh worker');
    if (opts.bundle === 'wasm') {
      // transformers.js uses a runtime's own ONNX Runtime when this symbol is set (backends/onnx.js).
      const ort = await import('onnxruntime-web/wasm');
      (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
    }
    const { env, pipeline } = await import('@huggingface/transformers');
    const ortBase = new URL('../ort/', self.location.href).href;
    const suffix = opts.build === 'asyncify' ? '.asyncify' : '';
    const ort = env.backends.onnx as unknown as OrtEnv;
    ortEnv = ort;
    const wasmUrl = `${ortBase}ort-wasm-simd-threaded${suffix}.wasm`;
    ort.wasm.wasmPaths = { mjs: `${ortBase}ort-wasm-simd-threaded${suffix}.mjs`, wasm: wasmUrl };
    ort.wasm.numThreads = opts.threads;
    ort.wasm.proxy = false;
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    env.useBrowserCache = true;
    env.remoteHost = new URL(opts.modelBase, self.location.href).href;
    env.remotePathTemplate = '{model}/';
    extractor = (await pipeline('feature-extraction', opts.model, {
      device: 'wasm',
      dtype: 'fp32',
      session_options: { intraOpNumThreads: opts.threads, interOpNumThreads: 1 },
    })) as FeatureExtractionPipeline;
    // one tiny run so the runtime is fully initialised before anything is read back
    await extractor.model(extractor.tokenizer(['a'], { padding: true, truncation: true }));
    return {
      requestedThreads: opts.threads,
      ortNumThreads: typeof ort.wasm.numThreads === 'number' ? ort.wasm.numThreads : null,
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      build: opts.build,
      bundle: opts.bundle,
      wasmUrl,
      ortVersion: ort.versions?.web ?? null,
      loadMs: performance.now() - t0,
    };
  },

  async run({ texts, batchSize, sort }) {
    if (!extractor || !ortEnv) throw new Error('load() first');
    const ex = extractor;
    const t0 = performance.now();
    let order = texts.map((_, i) => i);
    if (sort === 'chars') {
      order.sort((a, b) => (texts[a] as string).length - (texts[b] as string).length);
    } else if (sort === 'tokens') {
      const tk = ex.tokenizer as unknown as { encode(t: string): number[] };
      const lens = texts.map((t) => tk.encode(t).length);
      order = order.sort((a, b) => (lens[a] as number) - (lens[b] as number));
    }
    const sortMs = performance.now() - t0;
    let tokenizeMs = 0;
    let inferMs = 0;
    let poolMs = 0;
    let tokens = 0;
    let padded = 0;
    let out = new Float32Array(0);
    for (let i = 0; i < order.length; i += batchSize) {
      const idx = order.slice(i, i + batchSize);
      const a = performance.now();
      const inputs = ex.tokenizer(idx.map((j) => texts[j] as string), { padding: true, truncation: true }) as Record<string, Tensor>;
      const b = performance.now();
      const result = (await ex.model(inputs)) as Record<string, Tensor>;
      const c = performance.now();
      const hidden = result['last_hidden_state'] as Tensor;
      const mask = (inputs['attention_mask'] as Tensor).data as BigInt64Array;
      const [rows, seq, dims] = hidden.dims as [number, number, number];
      const h = hidden.data as Float32Array;
      if (out.length === 0) out = new Float32Array(texts.length * dims);
      for (let r = 0; r < rows; r++) {
        const o = (idx[r] as number) * dims;
        let n = 0;
        for (let t = 0; t < seq; t++) {
          if (mask[r * seq + t] === 0n) continue;
          n++;
          const base = (r * seq + t) * dims;
          for (let d = 0; d < dims; d++) out[o + d] = (out[o + d] as number) + (h[base + d] as number);
        }
        for (let d = 0; d < dims && n > 0; d++) out[o + d] = (out[o + d] as number) / n;
      }
      for (let j = 0; j < mask.length; j++) tokens += Number(mask[j]);
      padded += rows * seq;
      const d = performance.now();
      tokenizeMs += b - a;
      inferMs += c - b;
      poolMs += d - c;
    }
    const totalMs = performance.now() - t0;
    return {
      texts: texts.length,
      tokens,
      paddedTokens: padded,
      sortMs,
      tokenizeMs,
      inferMs,
      poolMs,
      totalMs,
      textsPerSecond: (texts.length / totalMs) * 1000,
      tokensPerSecond: (tokens / totalMs) * 1000,
    };
  },
};

Comlink.expose(api);
