/// <reference lib="webworker" />
/**
 * LlmApi over llama.cpp in WebAssembly (@wllama/wllama 3.8.1). wllama runs llama.cpp in a worker
 * of its own (nested in this one); this worker adds what the benchmark needs around it:
 *
 * - the model is fetched here, not by wllama: bytes per file, network or cache (our own Cache
 *   Storage), a 404 as ModelNotFound, and the GGUF header and size checked before llama.cpp sees
 *   the bytes (wllama resolves loadModel() on a corrupt or truncated file: issue 5);
 * - a fresh Wllama instance per load (a failed load leaves an instance unusable until exit());
 * - threads explicit (n_threads); more than one only on a cross-origin-isolated page;
 * - greedy decoding with a fixed seed, no prompt cache reuse between requests (every request
 *   pays its full prefill, so TTFT figures are honest), tokens streamed with their ids;
 * - interrupt through wllama's AbortSignal: the request's slot is released, the engine stays usable.
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import { Wllama, WllamaAbortError, LogLevel } from '@wllama/wllama/esm/index.js';
import type { RawCompletionChunk } from '@wllama/wllama/esm/index.js';
import wllamaWasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
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
  LoadedFile,
  TokenCount,
  WebLlmModelRecord,
  WllamaTimings,
} from './api';
import { RagtabError, errorInfo } from '../src/core/errors';
import { ChatTemplate } from '../src/core/chat-template';
import { GgufHeaderTruncated, checkGgufMagic, dominantTensorType, validateGguf, type GgufHeader } from '../src/core/gguf';

const WLLAMA_VERSION = '3.8.1';
const CACHE_NAME = 'ragtab-gguf-v1';
const DEFAULT_SEED = 42;
const WARMUP_TOKENS = 4;

interface Loaded {
  wllama: Wllama;
  info: LlmInfo;
  header: GgufHeader;
  seed: number;
  template: ChatTemplate | null;
}

let loaded: Loaded | null = null;
let broken: string | null = null;
let current: AbortController | null = null;
let generations = 0;
let generatedTokensTotal = 0;
/** Native log lines of the current load (for what llama.cpp actually did: layers on the GPU ...). */
let logLines: string[] = [];

const logger = {
  debug: (...a: unknown[]) => record(a),
  log: (...a: unknown[]) => record(a),
  warn: (...a: unknown[]) => record(a),
  error: (...a: unknown[]) => {
    record(a);
    console.error('[wllama]', ...a);
  },
};
function record(a: unknown[]): void {
  const line = a.map((x) => (typeof x === 'string' ? x : safeJson(x))).join(' ');
  if (logLines.length < 2000) logLines.push(line);
}
function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x);
  } catch {
    return String(x);
  }
}

// ───────────────────────── download and check ─────────────────────────

interface Fetched {
  blob: Blob;
  file: LoadedFile;
  announced: number | null;
}

async function fetchModel(url: string, useCache: boolean, onProgress?: (p: LlmLoadProgress) => void): Promise<Fetched> {
  const name = url.split('/').pop()?.split('?')[0] || url;
  const cache = useCache && 'caches' in self ? await caches.open(CACHE_NAME).catch(() => null) : null;
  if (cache) {
    const hit = await cache.match(url).catch(() => undefined);
    if (hit) {
      const blob = await hit.blob();
      const announced = Number(hit.headers.get('x-ragtab-bytes') ?? NaN);
      onProgress?.({ kind: 'file', file: name, loaded: blob.size, total: blob.size, source: 'cache' });
      return { blob, file: { file: name, bytes: blob.size, source: 'cache' }, announced: Number.isFinite(announced) ? announced : null };
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new RagtabError('FetchFailed', `Could not download the model ${url}: ${errorInfo(e).message}`);
  }
  if (res.status === 404) throw new RagtabError('ModelNotFound', `The model file was not found (HTTP 404): ${url}`);
  if (!res.ok) throw new RagtabError('FetchFailed', `Downloading the model ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const lengthHeader = res.headers.get('content-length');
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const announced = lengthHeader !== null && !encoded ? Number(lengthHeader) : null;
  const total = announced ?? 0;
  const chunks: Uint8Array[] = [];
  let got = 0;
  let lastReport = 0;
  let checkedMagic = false;
  const reader = res.body?.getReader();
  if (!reader) throw new RagtabError('FetchFailed', `The response for ${url} has no body.`);
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (e) {
      throw new RagtabError('FetchFailed', `The download of ${url} broke off after ${got} bytes: ${errorInfo(e).message}`);
    }
    if (step.done) break;
    chunks.push(step.value);
    got += step.value.byteLength;
    if (!checkedMagic && got >= 8) {
      checkedMagic = true;
      const first = concatFirst(chunks, 8);
      const magic = checkGgufMagic(first);
      if (!magic.ok) {
        await reader.cancel().catch(() => undefined);
        throw new RagtabError('InvalidGguf', `${url} is not a valid GGUF file: ${magic.reason}.`);
      }
    }
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress?.({ kind: 'file', file: name, loaded: got, total, source: 'network' });
    }
  }
  onProgress?.({ kind: 'file', file: name, loaded: got, total: total || got, source: 'network' });
  if (!checkedMagic) throw new RagtabError('InvalidGguf', `${url} is not a valid GGUF file: it has only ${got} bytes.`);
  const blob = new Blob(chunks as BlobPart[], { type: 'application/octet-stream' });
  return { blob, file: { file: name, bytes: got, source: 'network' }, announced };
}

function concatFirst(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, n - o);
    out.set(c.subarray(0, take), o);
    o += take;
    if (o >= n) break;
  }
  return out;
}

/** Reads and checks the header, reading more of the blob while the header runs past what was read. */
async function checkModel(url: string, f: Fetched): Promise<GgufHeader> {
  let n = Math.min(f.blob.size, 4 << 20);
  for (;;) {
    const head = new Uint8Array(await f.blob.slice(0, n).arrayBuffer());
    try {
      return validateGguf(head, f.blob.size, f.announced, { fullArrays: ['tokenizer.ggml.tokens'] });
    } catch (e) {
      if (e instanceof GgufHeaderTruncated && n < f.blob.size) {
        n = Math.min(f.blob.size, n * 4);
        continue;
      }
      const info = errorInfo(e);
      throw new RagtabError('InvalidGguf', `${url}: ${info.message}`);
    }
  }
}

async function storeInCache(url: string, f: Fetched): Promise<void> {
  if (f.file.source !== 'network' || !('caches' in self)) return;
  try {
    const cache = await caches.open(CACHE_NAME);
    await cache.put(
      url,
      new Response(f.blob, { headers: { 'content-type': 'application/octet-stream', 'x-ragtab-bytes': String(f.blob.size) } }),
    );
  } catch (e) {
    console.warn('[llm-wllama] could not cache the model:', errorInfo(e).message);
  }
}

// ───────────────────────── engine ─────────────────────────

async function dropEngine(): Promise<void> {
  const old = loaded;
  loaded = null;
  if (old) await old.wllama.exit().catch(() => undefined);
}

function tokenText(header: GgufHeader, id: number | null): string | null {
  if (id === null) return null;
  const tokens = header.metadata['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens)) return null;
  const t = tokens[id];
  return typeof t === 'string' ? t : null;
}

function parseOffload(lines: string[]): { offloaded: number; total: number } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /offloaded (\d+)\/(\d+) layers to GPU/.exec(lines[i] ?? '');
    if (m) return { offloaded: Number(m[1]), total: Number(m[2]) };
  }
  return null;
}

function webGpuInUse(lines: string[]): boolean {
  return lines.some((l) => /using device WebGPU|ggml_webgpu: adapter|WebGPU.*model buffer size/i.test(l));
}

function requireLoaded(): Loaded {
  if (broken) throw new RagtabError('LlmNotLoaded', `The engine failed earlier (${broken}); load the model again.`);
  if (!loaded) throw new RagtabError('LlmNotLoaded', 'No model is loaded: call load() first.');
  return loaded;
}

function renderTemplate(l: Loaded, messages: LlmMessage[]): string | null {
  return l.template ? l.template.render(messages) : null;
}

interface RunOptions {
  /** Text only: wllama 3.8.1's glue rejects token-id prompts (and breaks the instance). */
  prompt: string;
  maxNewTokens: number;
  seed: number;
  ignoreEos: boolean;
  tokenIds: boolean;
  onToken?: (e: LlmTokenEvent) => void;
}

async function run(l: Loaded, o: RunOptions): Promise<LlmGenerateResult> {
  const ac = new AbortController();
  current = ac;
  const tStart = performance.now();
  let text = '';
  const ids: number[] = [];
  let streamed = 0;
  let tFirst: number | null = null;
  let tLast: number | null = null;
  let last: RawCompletionChunk | null = null;
  let timings: WllamaTimings | null = null;
  let promptTokens = 0;
  let completionTokens = 0;
  let finish: LlmGenerateResult['finishReason'] = 'stop';
  try {
    await l.wllama.createCompletion({
      prompt: o.prompt,
      max_tokens: o.maxNewTokens,
      temperature: 0,
      seed: o.seed,
      n_probs: o.tokenIds ? 1 : 0,
      ignore_eos: o.ignoreEos,
      cache_prompt: false,
      stream: true,
      abortSignal: ac.signal,
      onData: (chunk: RawCompletionChunk) => {
        const t = performance.now();
        last = chunk;
        const c = chunk as RawCompletionChunk & { timings?: WllamaTimings };
        if (c.timings) timings = c.timings;
        if (c.usage) {
          promptTokens = c.usage.prompt_tokens;
          completionTokens = c.usage.completion_tokens;
        }
        const choice = chunk.choices?.[0];
        if (!choice) return;
        if (choice.finish_reason) finish = choice.finish_reason === 'length' ? 'length' : 'stop';
        const id = tokenIdOf(choice);
        // A token is one chunk with text or a token id; the final chunk carries neither.
        if (choice.finish_reason && !choice.text && id === null) return;
        if (id === null && !choice.text) return;
        if (id !== null) ids.push(id);
        text += choice.text ?? '';
        if (tFirst === null) tFirst = t;
        tLast = t;
        const ev: LlmTokenEvent = { kind: 'token', index: streamed, id, text: choice.text ?? '', t };
        streamed++;
        o.onToken?.(ev);
      },
    } as Parameters<Wllama['createCompletion']>[0] & { cache_prompt: boolean; stream: true; onData: (c: RawCompletionChunk) => void });
  } catch (e) {
    if (e instanceof WllamaAbortError || ac.signal.aborted) {
      finish = 'interrupted';
    } else {
      const info = errorInfo(e);
      if (/kv.?cache|context/i.test(info.message)) {
        throw new RagtabError('PromptTooLong', `The prompt and answer do not fit the context of ${l.info.contextSize} tokens: ${info.message}`);
      }
      broken = info.message;
      throw new RagtabError('GenerationFailed', `Generation failed: ${info.message}`);
    }
  } finally {
    if (current === ac) current = null;
  }
  void last;
  const tm = timings as WllamaTimings | null;
  if (tm) {
    promptTokens = promptTokens || tm.prompt_n + tm.cache_n;
    completionTokens = completionTokens || tm.predicted_n;
  }
  generations++;
  generatedTokensTotal += completionTokens || streamed;
  return {
    text,
    tokenIds: o.tokenIds ? ids : null,
    promptTokens,
    generatedTokens: completionTokens || (finish === 'interrupted' ? streamed : 0),
    streamedTokens: streamed,
    finishReason: finish,
    engineReport: tm && finish !== 'interrupted' ? { engine: 'wllama', timings: tm } : null,
    tStart,
    tFirstToken: tFirst,
    tLastToken: tLast,
    timeOrigin: performance.timeOrigin,
    workerMs: performance.now() - tStart,
  };
}

/** The token id of a streamed choice, from its single probability entry (n_probs: 1). */
function tokenIdOf(choice: RawCompletionChunk['choices'][number]): number | null {
  const lp = (choice as { logprobs?: unknown }).logprobs as { content?: Array<{ id?: number }> } | null | undefined;
  const id = lp?.content?.[0]?.id;
  return typeof id === 'number' ? id : null;
}

// ───────────────────────── the API ─────────────────────────

/** Closes the port of a Comlink-proxied callback once a call is over (no-op for plain functions). */
function release(cb: unknown): void {
  const r = (cb as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
  if (typeof r === 'function') r.call(cb);
}

const api: LlmApi = {
  async load(spec: LlmLoadSpec, onProgress?: (p: LlmLoadProgress) => void): Promise<LlmLoadResult> {
    const t0 = performance.now();
    if (spec.engine !== 'wllama') throw new RagtabError('InvalidArgument', `This worker runs wllama, not ${spec.engine}.`);
    const url = new URL(spec.model, self.location.href).href;
    const why: string[] = [];

    onProgress?.({ kind: 'phase', phase: 'download', state: 'start' });
    const fetched = await fetchModel(url, spec.useCache ?? true, onProgress);
    const downloadMs = performance.now() - t0;
    onProgress?.({ kind: 'phase', phase: 'download', state: 'end', ms: downloadMs });

    const tv = performance.now();
    onProgress?.({ kind: 'phase', phase: 'verify', state: 'start' });
    const header = await checkModel(url, fetched);
    if (header.splitCount > 1) {
      throw new RagtabError('InvalidArgument', `${url} is part 1 of a model split in ${header.splitCount} files; split models are not supported yet.`);
    }
    await storeInCache(url, fetched);
    const verifyMs = performance.now() - tv;
    onProgress?.({ kind: 'phase', phase: 'verify', state: 'end', ms: verifyMs });

    const isolated = self.crossOriginIsolated === true;
    const requestedThreads = Math.max(1, Math.floor(spec.threads ?? 1));
    let threads = requestedThreads;
    if (requestedThreads > 1 && !isolated) {
      threads = 1;
      why.push(`1 thread instead of ${requestedThreads}: the page is not cross-origin isolated, so WebAssembly threads (SharedArrayBuffer) are unavailable.`);
    } else {
      why.push(`${threads} thread${threads > 1 ? 's' : ''} as requested (${isolated ? 'cross-origin isolated page' : 'page not cross-origin isolated'}; ${navigator.hardwareConcurrency} logical cores).`);
    }
    const trained = header.contextLength;
    const contextSize = spec.contextSize ?? Math.min(trained ?? 4096, 4096);
    why.push(`Context ${contextSize} tokens${trained ? ` (trained ${trained})` : ''}${spec.contextSize ? ', as requested' : ', the default min(trained, 4096)'}.`);
    const gpuLayersReq = spec.gpuLayers ?? 0;
    const hasGpu = 'gpu' in navigator;
    if (gpuLayersReq !== 0 && !hasGpu) why.push('WebGPU layers requested, but this worker has no navigator.gpu: CPU only.');
    const nGpuLayers = gpuLayersReq === 'all' ? 99999 : gpuLayersReq;

    // The file is good: only now replace the loaded engine (a failed download leaves it usable).
    if (current) current.abort();
    await dropEngine();
    broken = null;
    const ti = performance.now();
    onProgress?.({ kind: 'phase', phase: 'init', state: 'start' });
    logLines = [];
    const wllama = new Wllama({ default: wllamaWasmUrl }, { logger, allowOffline: true });
    try {
      await wllama.loadModel([fetched.blob], {
        n_ctx: contextSize,
        n_threads: threads,
        n_batch: spec.batchSize ?? 512,
        seed: spec.seed ?? DEFAULT_SEED,
        n_gpu_layers: hasGpu ? nGpuLayers : 0,
        n_parallel: 1,
        log_level: LogLevel.INFO,
      });
    } catch (e) {
      await wllama.exit().catch(() => undefined);
      throw new RagtabError('LlmLoadFailed', `llama.cpp could not load ${url}: ${errorInfo(e).message}`);
    }
    const ctx = wllama.getLoadedContextInfo();
    if (!(ctx.n_vocab > 0) || !(ctx.n_ctx > 0)) {
      await wllama.exit().catch(() => undefined);
      throw new RagtabError('LlmLoadFailed', `llama.cpp loaded ${url} without a usable vocabulary or context (n_vocab ${ctx.n_vocab}, n_ctx ${ctx.n_ctx}).`);
    }
    if (header.vocabSize !== null && ctx.n_vocab !== header.vocabSize) {
      why.push(`Note: the GGUF header lists ${header.vocabSize} tokens, llama.cpp reports ${ctx.n_vocab}.`);
    }
    const initMs = performance.now() - ti;
    onProgress?.({ kind: 'phase', phase: 'init', state: 'end', ms: initMs });

    const multi = wllama.isMultithread();
    const actualThreads = wllama.getNumThreads();
    const offload = parseOffload(logLines);
    const onGpu = (offload?.offloaded ?? 0) > 0 || (nGpuLayers > 0 && hasGpu && webGpuInUse(logLines) && offload === null);
    const backend = onGpu ? 'webgpu' : multi ? 'wasm-multi-thread' : 'wasm-single-thread';
    if (nGpuLayers > 0 && hasGpu) {
      why.push(
        onGpu
          ? `WebGPU: llama.cpp offloaded ${offload ? `${offload.offloaded}/${offload.total}` : 'its'} layers.`
          : `WebGPU requested, but llama.cpp offloaded no layers${offload ? ` (${offload.offloaded}/${offload.total})` : ''}: running on the CPU.`,
      );
    } else {
      why.push('CPU (WebAssembly SIMD): no layers offloaded to WebGPU (gpuLayers 0).');
    }
    const bosText = tokenText(header, ctx.token_bos >= 0 ? ctx.token_bos : header.bosTokenId);
    const eosText = tokenText(header, ctx.token_eos >= 0 ? ctx.token_eos : header.eosTokenId);
    let template: ChatTemplate | null = null;
    if (header.chatTemplate) {
      try {
        template = new ChatTemplate(header.chatTemplate, { bosText: bosText ?? '', eosText: eosText ?? '', addsBos: ctx.add_bos_token });
        why.push("Chat template: the model's own (tokenizer.chat_template), applied with @huggingface/jinja.");
      } catch (e) {
        why.push(`The model's chat template could not be parsed (${errorInfo(e).message}): plain prompts only.`);
      }
    } else {
      why.push('No chat template in the model: prompts use a plain layout.');
    }
    const info: LlmInfo = {
      engine: 'wllama',
      model: spec.model,
      modelName: header.name,
      backend,
      threads: actualThreads,
      requestedThreads,
      variant: header.fileTypeName ?? dominantTensorType(header),
      why,
      contextSize: ctx.n_ctx,
      trainedContextSize: ctx.n_ctx_train || trained,
      vocabSize: ctx.n_vocab,
      architecture: header.architecture,
      hasChatTemplate: template !== null,
      addsBos: ctx.add_bos_token,
      crossOriginIsolated: isolated,
      gpuLayers: offload,
      vramRequiredMB: null,
      engineVersion: `@wllama/wllama ${WLLAMA_VERSION} (llama.cpp ${safeVersion()})`,
    };
    loaded = { wllama, info, header, seed: spec.seed ?? DEFAULT_SEED, template };

    let warmupMs: number | null = null;
    if (spec.warmup ?? true) {
      const tw = performance.now();
      onProgress?.({ kind: 'phase', phase: 'warmup', state: 'start' });
      await run(loaded, { prompt: 'Hello', maxNewTokens: WARMUP_TOKENS, seed: loaded.seed, ignoreEos: true, tokenIds: false });
      generations--;
      warmupMs = performance.now() - tw;
      onProgress?.({ kind: 'phase', phase: 'warmup', state: 'end', ms: warmupMs });
    }
    const totalMs = performance.now() - t0;
    return {
      info,
      files: [fetched.file],
      timings: { downloadMs, verifyMs, initMs, warmupMs, totalMs },
      workerMs: totalMs,
    };
  },

  async generate(request: LlmGenerateRequest, onToken?: (e: LlmTokenEvent) => void): Promise<LlmGenerateResult> {
    const l = requireLoaded();
    if (current) throw new RagtabError('InvalidArgument', 'A generation is already running: one request at a time.');
    if (request.temperature !== undefined && request.temperature !== 0) {
      throw new RagtabError('InvalidArgument', 'Only greedy decoding (temperature 0) is supported.');
    }
    if (!(request.maxNewTokens >= 1)) throw new RagtabError('InvalidArgument', `maxNewTokens must be at least 1, got ${request.maxNewTokens}.`);
    let prompt: string;
    if (request.prompt !== undefined) prompt = request.prompt;
    else if (request.messages) {
      const rendered = renderTemplate(l, request.messages);
      if (rendered === null) throw new RagtabError('InvalidArgument', 'This model has no chat template: send a plain prompt instead of messages.');
      prompt = rendered;
    } else throw new RagtabError('InvalidArgument', 'Give a prompt or messages.');
    return run(l, {
      prompt,
      maxNewTokens: request.maxNewTokens,
      seed: request.seed ?? l.seed,
      ignoreEos: request.ignoreEos ?? false,
      tokenIds: request.tokenIds ?? true,
      ...(onToken ? { onToken } : {}),
    });
  },

  async countTokens(text: string): Promise<TokenCount> {
    const l = requireLoaded();
    if (current) throw new RagtabError('InvalidArgument', 'A generation is running: count tokens before or after it.');
    const t0 = performance.now();
    // wllama 3.x has no tokenizer call: run a one-token completion and read the prompt count.
    try {
      const r = await run(l, { prompt: text, maxNewTokens: 1, seed: l.seed, ignoreEos: true, tokenIds: false });
      generations--;
      generatedTokensTotal -= r.generatedTokens;
      return { tokens: r.promptTokens, workerMs: performance.now() - t0 };
    } catch (e) {
      // Longer than the context: llama.cpp refuses it but says how many tokens it has.
      const m = /request \((\d+) tokens\) exceeds/.exec(errorInfo(e).message);
      if (m) return { tokens: Number(m[1]), workerMs: performance.now() - t0 };
      throw e;
    }
  },

  async applyTemplate(messages: LlmMessage[]): Promise<string | null> {
    return renderTemplate(requireLoaded(), messages);
  },

  async stats(): Promise<LlmStats> {
    return { loaded: loaded !== null, info: loaded?.info ?? null, generations, generatedTokens: generatedTokensTotal, broken };
  },

  async interrupt(): Promise<void> {
    current?.abort();
  },

  async unload(): Promise<void> {
    current?.abort();
    await dropEngine();
    broken = null;
  },

  async catalog(): Promise<WebLlmModelRecord[]> {
    return [];
  },

  async memory() {
    return workerMemory('llama.cpp runs in a worker that wllama starts itself, whose memory this worker cannot read');
  },
};

function safeVersion(): string {
  try {
    return Wllama.getLibllamaVersion();
  } catch {
    return 'unknown';
  }
}

const exposed: LlmApi = {
  ...api,
  load: (spec, onProgress) => api.load(spec, onProgress).finally(() => release(onProgress)),
  generate: (request, onToken) => api.generate(request, onToken).finally(() => release(onToken)),
};
Comlink.expose(exposed);
