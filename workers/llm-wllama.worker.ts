/// <reference lib="webworker" />
/**
 * LlmApi over llama.cpp in WebAssembly (@wllama/wllama 3.8.1): the worker's one interface. wllama
 * runs llama.cpp in a worker of its own (nested in this one); around it, this worker
 *
 * - fetches and checks the model itself (./wllama/model-file.ts);
 * - creates a fresh Wllama instance per load (a failed load leaves an instance unusable until exit());
 * - sets threads explicitly (n_threads); more than one only on a cross-origin-isolated page;
 * - generates greedily (./wllama/run.ts) and counts tokens with the ported SentencePiece tokenizer
 *   where the GGUF has one;
 * - reaches into wllama's worker for llama.cpp's memory and the benchmark's engine loop
 *   (./wllama/inner-worker.ts, with ./wllama/prelude/inner-prelude.js).
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import { alive } from './lib/alive';
import { release } from './lib/comlink-release';
import { Wllama, LogLevel } from '@wllama/wllama/esm/index.js';
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
  LlmTokenBatchEvent,
  LlmTokenEvent,
  TokenCount,
  WebLlmModelRecord,
} from './api';
import { RagtabError, errorInfo } from '../src/core/errors';
import { ChatTemplate } from '../src/core/chat-template';
import { tokenBoundOf } from '../src/core/token-bound';
import { SpmTokenizer } from '../src/core/spm-tokenizer';
import { dominantTensorType, type GgufHeader } from '../src/core/gguf';
import { llmWeightBytesPerToken } from '../src/core/roofs';
import { checkModel, fetchModel, storeInCache } from './wllama/model-file';
import { askInner, injectPrelude } from './wllama/inner-worker';
import { clearLog, engineNotes, logOfLoad, logger, parseOffload, webGpuInUse } from './wllama/native-log';
import { engine, run, type Loaded } from './wllama/run';
import { useCompatWhereNeeded, wllamaCache } from './wllama/compat';

const WLLAMA_VERSION = '3.8.1';
const DEFAULT_SEED = 42;
const WARMUP_TOKENS = 4;

async function dropEngine(): Promise<void> {
  const old = engine.loaded;
  engine.loaded = null;
  if (old) await old.wllama.exit().catch(() => undefined);
}

function tokenText(header: GgufHeader, id: number | null): string | null {
  if (id === null) return null;
  const tokens = header.metadata['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens)) return null;
  const t = tokens[id];
  return typeof t === 'string' ? t : null;
}

function requireLoaded(): Loaded {
  if (engine.broken) throw new RagtabError('LlmNotLoaded', `The engine failed earlier (${engine.broken}); load the model again.`);
  if (!engine.loaded) throw new RagtabError('LlmNotLoaded', 'No model is loaded: call load() first.');
  return engine.loaded;
}

function renderTemplate(l: Loaded, messages: LlmMessage[]): string | null {
  return l.template ? l.template.render(messages) : null;
}

const api: LlmApi = {
  alive: () => alive,

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

    // threads need SharedArrayBuffer, which an isolated page may still lack (WebKit automation)
    const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
    const requestedThreads = Math.max(1, Math.floor(spec.threads ?? 1));
    let threads = requestedThreads;
    if (requestedThreads > 1 && !isolated) {
      threads = 1;
      why.push(`1 thread instead of ${requestedThreads}: ${self.crossOriginIsolated ? 'SharedArrayBuffer is undefined here although the page is cross-origin isolated' : 'the page is not cross-origin isolated'}, so WebAssembly threads are unavailable.`);
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
    if (engine.current) engine.current.abort();
    await dropEngine();
    engine.broken = null;
    const ti = performance.now();
    onProgress?.({ kind: 'phase', phase: 'init', state: 'start' });
    clearLog();
    const wllama = new Wllama({ default: wllamaWasmUrl }, { logger, allowOffline: true, cacheManager: wllamaCache(why) });
    injectPrelude(wllama);
    useCompatWhereNeeded(wllama, why);
    try {
      await wllama.loadModel([fetched.blob], {
        n_ctx: contextSize,
        n_threads: threads,
        n_batch: spec.batchSize ?? 512,
        ...(spec.ubatchSize ? { n_ubatch: spec.ubatchSize } : {}),
        ...(spec.flashAttention !== undefined ? { flash_attn: spec.flashAttention } : {}),
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
    const offload = parseOffload(logOfLoad());
    const onGpu = (offload?.offloaded ?? 0) > 0 || (nGpuLayers > 0 && hasGpu && webGpuInUse(logOfLoad()) && offload === null);
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
    const tokenizer = SpmTokenizer.tryFromGguf(header);
    why.push(
      tokenizer
        ? "Token counts: llama.cpp's SentencePiece tokenizer ported to TypeScript (src/core/spm-tokenizer.ts), built from the GGUF's vocabulary: no prompt pass needed."
        : `Token counts: wllama has no tokenizer call and the "${header.tokenizerModel ?? 'unknown'}" tokenizer is not ported, so an exact count runs a prompt pass.`,
    );
    const vocab = header.metadata['tokenizer.ggml.tokens'];
    const tokenBound = tokenBoundOf(header.tokenizerModel, Array.isArray(vocab) && vocab.every((t) => typeof t === 'string') ? (vocab as string[]) : null);
    why.push(
      tokenBound
        ? `Prompt trimming: a prompt within the budget by its UTF-8 length is not counted (${tokenBound.rule}); wllama has no tokenizer call, so an exact count costs a prompt pass.`
        : `Prompt trimming: every candidate prompt is counted with a prompt pass (wllama has no tokenizer call; no proven bound for the "${header.tokenizerModel ?? 'unknown'}" tokenizer).`,
    );
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
      tokenBound,
      crossOriginIsolated: isolated,
      gpuLayers: offload,
      vramRequiredMB: null,
      engineVersion: `@wllama/wllama ${WLLAMA_VERSION} (llama.cpp ${safeVersion()})`,
      weightBytesPerToken: llmWeightBytesPerToken(header.tensors),
      engineNotes: engineNotes(logOfLoad()),
    };
    const l: Loaded = { wllama, info, header, seed: spec.seed ?? DEFAULT_SEED, template, tokenizer };
    engine.loaded = l;

    let warmupMs: number | null = null;
    if (spec.warmup ?? true) {
      const tw = performance.now();
      onProgress?.({ kind: 'phase', phase: 'warmup', state: 'start' });
      await run(l, { prompt: 'Hello', maxNewTokens: WARMUP_TOKENS, seed: l.seed, ignoreEos: true, tokenIds: false, delivery: 'stream', tokenBatchMs: 0 });
      engine.generations--;
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

  async generate(request: LlmGenerateRequest, onToken?: (e: LlmTokenEvent | LlmTokenBatchEvent) => void): Promise<LlmGenerateResult> {
    const l = requireLoaded();
    if (engine.current) throw new RagtabError('InvalidArgument', 'A generation is already running: one request at a time.');
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
      delivery: request.delivery ?? 'stream',
      tokenBatchMs: Math.max(0, request.tokenBatchMs ?? 0),
      topCandidates: Math.max(0, Math.floor(request.topCandidates ?? 0)),
      ...(onToken ? { onToken } : {}),
    });
  },

  async countTokens(text: string): Promise<TokenCount> {
    const l = requireLoaded();
    if (engine.current) throw new RagtabError('InvalidArgument', 'A generation is running: count tokens before or after it.');
    const t0 = performance.now();
    if (l.tokenizer) return { tokens: l.tokenizer.count(text), workerMs: performance.now() - t0, method: 'tokenizer' };
    // wllama 3.x has no tokenizer call: run a one-token completion and read the prompt count.
    try {
      const r = await run(l, { prompt: text, maxNewTokens: 1, seed: l.seed, ignoreEos: true, tokenIds: false, delivery: 'stream', tokenBatchMs: 0 });
      engine.generations--;
      engine.generatedTokensTotal -= r.generatedTokens;
      return { tokens: r.promptTokens, workerMs: performance.now() - t0, method: 'prompt-pass' };
    } catch (e) {
      // Longer than the context: llama.cpp refuses it but says how many tokens it has.
      const m = /request \((\d+) tokens\) exceeds/.exec(errorInfo(e).message);
      if (m) return { tokens: Number(m[1]), workerMs: performance.now() - t0, method: 'prompt-pass' };
      throw e;
    }
  },

  async applyTemplate(messages: LlmMessage[]): Promise<string | null> {
    return renderTemplate(requireLoaded(), messages);
  },

  async stats(): Promise<LlmStats> {
    return { loaded: engine.loaded !== null, info: engine.loaded?.info ?? null, generations: engine.generations, generatedTokens: engine.generatedTokensTotal, broken: engine.broken };
  },

  async interrupt(): Promise<void> {
    engine.current?.abort();
  },

  async unload(): Promise<void> {
    engine.current?.abort();
    await dropEngine();
    engine.broken = null;
  },

  async catalog(): Promise<WebLlmModelRecord[]> {
    return [];
  },

  async memory() {
    // llama.cpp's heap lives in wllama's own worker: ask it (./wllama/inner-worker.ts) and add it to this worker's figures.
    const own = workerMemory("no WebAssembly memory in this worker; none loaded in wllama's worker either", {
      engineElsewhere: "llama.cpp creates its WebGPU buffers in wllama's own worker, which this count does not reach",
    });
    const w = engine.loaded?.wllama;
    if (!w) return own;
    const inner = await askInner(w, 'memory', null, 2000);
    if (!inner || inner.bytes === null) {
      return {
        ...own,
        wasmReason: inner
          ? "wllama's worker has no WebAssembly memory yet"
          : "wllama's worker did not answer within 2 s (busy in a long call, or its code could not be extended)",
      };
    }
    return { ...own, wasmBytes: (own.wasmBytes ?? 0) + inner.bytes, wasmMemories: own.wasmMemories + 1, wasmReason: null };
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
