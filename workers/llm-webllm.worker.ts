/// <reference lib="webworker" />
/**
 * LlmApi over web-llm (@mlc-ai/web-llm 0.2.86) on WebGPU, with MLCEngine inside this worker.
 *
 * - models come from web-llm's prebuilt list (`prebuiltAppConfig.model_list`), or a record given in
 *   the spec; a `q4f16` model needs the adapter's `shader-f16` (checked before anything downloads),
 *   and a model whose buffers exceed the adapter's limits is refused before downloading too;
 * - greedy decoding (temperature 0) with a fixed seed; the engine's own figures come from the
 *   `usage` object of the final chunk (`stream_options: {include_usage: true}`);
 * - web-llm has no token ids in its stream (id is null) and applies its conversation template
 *   itself: applyTemplate() returns null and messages go to the engine as they are;
 * - a model that cannot be fetched is LlmLoadFailed naming the URL; a lost GPU device is DeviceLost
 *   (the client then replaces this worker).
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import { alive } from './lib/alive';
import { release } from './lib/comlink-release';
import { MLCEngine, prebuiltAppConfig, type ChatCompletionChunk, type Completion, type ModelRecord } from '@mlc-ai/web-llm';
import type {
  LlmApi,
  LlmGenerateRequest,
  LlmGenerateResult,
  LlmInfo,
  LlmLoadProgress,
  LlmLoadResult,
  LlmLoadSpec,
  LlmMessage,
  LlmStats,
  LlmTokenEvent,
  TokenCount,
  WebLlmModelRecord,
  WebLlmUsage,
} from './api';
import { RagtabError, errorInfo } from '../src/core/errors';
import { modelFit, needsShaderF16, variantOf } from '../src/core/capabilities';

const WEBLLM_VERSION = '0.2.86';
const DEFAULT_SEED = 42;

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
  features: Iterable<string>;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

let engine: MLCEngine | null = null;
let info: LlmInfo | null = null;
let seed = DEFAULT_SEED;
let broken: string | null = null;
let running = false;
let interrupted = false;
let generations = 0;
let generatedTokensTotal = 0;

function isDeviceLost(message: string): boolean {
  return /device (was )?lost|DeviceLost|GPUDevice.*lost/i.test(message);
}

function failure(e: unknown, what: string): RagtabError {
  const m = errorInfo(e);
  if (e instanceof RagtabError) return e;
  if (isDeviceLost(m.message) || m.name === 'DeviceLostError') {
    broken = m.message;
    return new RagtabError('DeviceLost', `The GPU device was lost during ${what} (often out of GPU memory): ${m.message}`);
  }
  return new RagtabError(what === 'load' ? 'LlmLoadFailed' : 'GenerationFailed', `${what} failed: ${m.message}`);
}

async function adapter(): Promise<GpuAdapterLike> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(o?: unknown): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) throw new RagtabError('WebGpuUnavailable', 'WebGPU is not available in this browser (no navigator.gpu): use the wllama engine.');
  const a = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!a) throw new RagtabError('WebGpuUnavailable', 'WebGPU has no adapter here (no usable GPU, or it is blocklisted): use the wllama engine.');
  return a;
}

function records(spec?: LlmLoadSpec): ModelRecord[] {
  const list = [...prebuiltAppConfig.model_list];
  if (spec?.webllmRecord) list.unshift(spec.webllmRecord as ModelRecord);
  return list;
}

function modelFetchMessage(record: ModelRecord, e: unknown): string {
  return `web-llm could not fetch the model ${record.model_id} (weights ${record.model}, library ${record.model_lib}): ${errorInfo(e).message}`;
}

const api: LlmApi = {
  alive: () => alive,

  async load(spec: LlmLoadSpec, onProgress?: (p: LlmLoadProgress) => void): Promise<LlmLoadResult> {
    const t0 = performance.now();
    if (spec.engine !== 'webllm') throw new RagtabError('InvalidArgument', `This worker runs web-llm, not ${spec.engine}.`);
    if (engine) {
      await engine.unload().catch(() => undefined);
      engine = null;
      info = null;
    }
    broken = null;
    const record = records(spec).find((m) => m.model_id === spec.model);
    if (!record) throw new RagtabError('InvalidArgument', `${spec.model} is not in web-llm's model list.`);
    const why: string[] = [];
    const a = await adapter();
    const features = new Set([...a.features]);
    const variant = variantOf(record.model_id);
    const needsF16 = needsShaderF16(record);
    if (needsF16 && !features.has('shader-f16')) {
      throw new RagtabError('WebGpuUnavailable', `${record.model_id} needs the WebGPU feature shader-f16, which this adapter lacks: pick its q4f32 variant.`);
    }
    const deviceMemory = (navigator as unknown as { deviceMemory?: number }).deviceMemory ?? null;
    const fit = modelFit(record, {
      webgpu: {
        available: true,
        vendor: a.info?.vendor ?? '',
        architecture: a.info?.architecture ?? '',
        description: a.info?.description ?? '',
        features: [...features],
        limits: { maxBufferSize: a.limits.maxBufferSize, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize },
      },
      crossOriginIsolated: self.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
      deviceMemory,
    });
    if (fit.fit === 'no') throw new RagtabError('ModelTooLarge', `${record.model_id} cannot run on this adapter: ${fit.reason}.`);
    if (fit.fit === 'risky') why.push(`Warning: ${record.model_id} ${fit.reason}.`);
    why.push(`WebGPU adapter ${a.info?.vendor ?? '?'} / ${a.info?.architecture ?? '?'}; shader-f16 ${features.has('shader-f16') ? 'available' : 'absent'}.`);
    why.push(`Variant ${variant ?? 'unknown'}${needsF16 ? ' (needs shader-f16, present)' : ''}; web-llm says it needs about ${record.vram_required_MB ?? '?'} MB of VRAM.`);
    seed = spec.seed ?? DEFAULT_SEED;

    let tShaders: number | null = null;
    let fromCache = false;
    const e = new MLCEngine({
      appConfig: { ...prebuiltAppConfig, model_list: [record] },
      logLevel: 'WARN',
      initProgressCallback: (r) => {
        if (/cache/i.test(r.text) && /loading model from cache/i.test(r.text)) fromCache = true;
        if (tShaders === null && /shader/i.test(r.text)) tShaders = performance.now();
        onProgress?.({ kind: 'status', message: r.text, progress: r.progress });
      },
    });
    onProgress?.({ kind: 'phase', phase: 'download', state: 'start' });
    try {
      await e.reload(record.model_id, spec.contextSize ? { context_window_size: spec.contextSize } : undefined);
    } catch (err) {
      await e.unload().catch(() => undefined);
      const m = errorInfo(err).message;
      if (isDeviceLost(m)) throw failure(err, 'load');
      if (/fetch|network|404|not found|Failed to fetch|NetworkError|Cache/i.test(m)) throw new RagtabError('LlmLoadFailed', modelFetchMessage(record, err));
      throw new RagtabError('LlmLoadFailed', `web-llm could not load ${record.model_id}: ${m}`);
    }
    const tEnd = performance.now();
    const shaderStart = tShaders ?? tEnd;
    const downloadMs = shaderStart - t0;
    const initMs = tEnd - shaderStart;
    onProgress?.({ kind: 'phase', phase: 'download', state: 'end', ms: downloadMs });
    onProgress?.({ kind: 'phase', phase: 'init', state: 'end', ms: initMs });
    engine = e;
    const contextSize = spec.contextSize ?? record.overrides?.context_window_size ?? 4096;
    info = {
      engine: 'webllm',
      model: spec.model,
      modelName: record.model_id,
      backend: 'webgpu',
      threads: 1,
      requestedThreads: spec.threads ?? 1,
      variant,
      why,
      contextSize,
      trainedContextSize: null,
      vocabSize: null,
      architecture: null,
      hasChatTemplate: true,
      addsBos: null,
      tokenBound: null, // web-llm counts with its own tokenizer, cheaply
      crossOriginIsolated: self.crossOriginIsolated === true,
      gpuLayers: null,
      vramRequiredMB: record.vram_required_MB ?? null,
      engineVersion: `@mlc-ai/web-llm ${WEBLLM_VERSION}`,
    };
    let warmupMs: number | null = null;
    if (spec.warmup ?? true) {
      const tw = performance.now();
      await api.generate({ prompt: 'Hello', maxNewTokens: 4, ignoreEos: true });
      generations--;
      warmupMs = performance.now() - tw;
      onProgress?.({ kind: 'phase', phase: 'warmup', state: 'end', ms: warmupMs });
    }
    const totalMs = performance.now() - t0;
    return {
      info,
      files: [{ file: record.model, bytes: 0, source: fromCache ? 'cache' : 'unknown' }],
      timings: { downloadMs, verifyMs: 0, initMs, warmupMs, totalMs },
      workerMs: totalMs,
    };
  },

  async generate(request: LlmGenerateRequest, onToken?: (e: LlmTokenEvent) => void): Promise<LlmGenerateResult> {
    if (broken) throw new RagtabError('LlmNotLoaded', `The engine failed earlier (${broken}); load the model again.`);
    if (!engine || !info) throw new RagtabError('LlmNotLoaded', 'No model is loaded: call load() first.');
    if (running) throw new RagtabError('InvalidArgument', 'A generation is already running: one request at a time.');
    if (request.temperature !== undefined && request.temperature !== 0) {
      throw new RagtabError('InvalidArgument', 'Only greedy decoding (temperature 0) is supported.');
    }
    const e = engine;
    running = true;
    interrupted = false;
    const tStart = performance.now();
    let text = '';
    let streamed = 0;
    let tFirst: number | null = null;
    let tLast: number | null = null;
    let usage: WebLlmUsage | null = null;
    let finish: LlmGenerateResult['finishReason'] = 'stop';
    const common = {
      stream: true as const,
      stream_options: { include_usage: true },
      max_tokens: request.maxNewTokens,
      temperature: 0,
      seed: request.seed ?? seed,
      ignore_eos: request.ignoreEos ?? false,
    };
    const onChunk = (delta: string | null | undefined, reason: string | null | undefined, u: unknown): void => {
      const t = performance.now();
      if (u) usage = u as WebLlmUsage;
      if (reason) finish = reason === 'length' ? 'length' : reason === 'abort' ? 'interrupted' : 'stop';
      if (!delta) return;
      text += delta;
      if (tFirst === null) tFirst = t;
      tLast = t;
      onToken?.({ kind: 'token', index: streamed, id: null, text: delta, t });
      streamed++;
    };
    try {
      if (request.messages) {
        const stream = await e.chat.completions.create({ ...common, messages: request.messages });
        for await (const c of stream as AsyncIterable<ChatCompletionChunk>) {
          const ch = c.choices[0];
          onChunk(ch?.delta?.content, ch?.finish_reason, c.usage);
        }
      } else if (request.prompt !== undefined) {
        const stream = await e.completions.create({ ...common, prompt: request.prompt });
        for await (const c of stream as AsyncIterable<Completion>) {
          const ch = c.choices[0];
          onChunk(ch?.text, ch?.finish_reason, c.usage);
        }
      } else {
        throw new RagtabError('InvalidArgument', 'Give a prompt or messages.');
      }
    } catch (err) {
      if (!interrupted) throw failure(err, 'generation');
    } finally {
      running = false;
    }
    if (interrupted) finish = 'interrupted';
    const u = usage as WebLlmUsage | null;
    generations++;
    generatedTokensTotal += u?.completion_tokens ?? streamed;
    return {
      text,
      tokenIds: null,
      promptTokens: u?.prompt_tokens ?? 0,
      generatedTokens: u?.completion_tokens ?? streamed,
      streamedTokens: streamed,
      finishReason: finish,
      engineReport: u ? { engine: 'webllm', usage: u } : null,
      tStart,
      tFirstToken: tFirst,
      tLastToken: tLast,
      timeOrigin: performance.timeOrigin,
      workerMs: performance.now() - tStart,
    };
  },

  async countTokens(text: string): Promise<TokenCount> {
    if (!engine || !info) throw new RagtabError('LlmNotLoaded', 'No model is loaded: call load() first.');
    const t0 = performance.now();
    // web-llm has no public tokenizer call: reach the pipeline's tokenizer (content tokens only, no template).
    const pipelines = (engine as unknown as { loadedModelIdToPipeline?: Map<string, { tokenizer?: { encode(t: string): ArrayLike<number> } }> })
      .loadedModelIdToPipeline;
    const tok = pipelines?.get(info.model)?.tokenizer;
    if (!tok) throw new RagtabError('LlmNotLoaded', 'web-llm did not expose its tokenizer.');
    return { tokens: tok.encode(text).length, workerMs: performance.now() - t0 };
  },

  async applyTemplate(_messages: LlmMessage[]): Promise<string | null> {
    return null;
  },

  async stats(): Promise<LlmStats> {
    return { loaded: engine !== null, info, generations, generatedTokens: generatedTokensTotal, broken };
  },

  async interrupt(): Promise<void> {
    if (!running || !engine) return;
    interrupted = true;
    await engine.interruptGenerate();
  },

  async unload(): Promise<void> {
    if (engine) await engine.unload().catch(() => undefined);
    engine = null;
    info = null;
    broken = null;
  },

  async catalog(): Promise<WebLlmModelRecord[]> {
    return prebuiltAppConfig.model_list.map((m) => ({
      model: m.model,
      model_id: m.model_id,
      model_lib: m.model_lib,
      ...(m.vram_required_MB !== undefined ? { vram_required_MB: m.vram_required_MB } : {}),
      ...(m.low_resource_required !== undefined ? { low_resource_required: m.low_resource_required } : {}),
      ...(m.buffer_size_required_bytes !== undefined ? { buffer_size_required_bytes: m.buffer_size_required_bytes } : {}),
      ...(m.required_features ? { required_features: [...m.required_features] } : {}),
      ...(m.overrides?.context_window_size ? { overrides: { context_window_size: m.overrides.context_window_size } } : {}),
    }));
  },

  async memory() {
    return workerMemory('web-llm has not created its WebAssembly memory yet (no model loaded)');
  },
};

const exposed: LlmApi = {
  ...api,
  load: (spec, onProgress) => api.load(spec, onProgress).finally(() => release(onProgress)),
  generate: (request, onToken) => api.generate(request, onToken).finally(() => release(onToken)),
};
Comlink.expose(exposed);
