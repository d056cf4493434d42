/**
 * The one typed interface of each worker. Both sides import this file as types only:
 * the worker implements the interface with a plain object checked by the compiler and exposes it
 * with Comlink; the main thread holds `Remote<...>` of it.
 *
 * Rules at this boundary (see ARCHITECTURE.md):
 * - vectors cross as Float32Array with their buffer transferred, never as number[];
 * - progress crosses as a Comlink.proxy callback taking a discriminated union;
 * - errors cross as {name, message}, the name a stable ErrorCode (src/core/errors.ts);
 * - every call returns the worker's own timing (`workerMs`, performance.now() inside the worker)
 *   so the main thread can report the round trip and the boundary overhead separately.
 *
 * One file (~500 lines) on purpose: every worker's interface in one place, types only.
 */

import type { TokenBound } from '../src/core/token-bound';
import type { EncoderShape } from '../src/core/roofs';
import type { Device, Dtype, EmbedOrder, IndexKind, LlmBackend, LlmEngine, ModelSpec, Pooling, WebLlmModelRecord } from '../src/core/vocabulary';
import type { IndexBuildOptions, KindData, RetrieveOptions, ScoreKind, StoredKind } from '../src/core/index-kinds';
export type { IndexBuildOptions, KindData, RetrieveOptions, ScoreKind, StoredKind };

// The vocabulary lives in src/core/vocabulary.ts; re-exported for the workers' own imports.
export type { Device, Dtype, IndexKind, LlmBackend, LlmEngine, ModelSpec, Pooling, WebLlmModelRecord };

/**
 * One worker's own memory (issue 6), counted by workers/lib/memory-accounting.ts where it is
 * allocated. A figure the worker cannot give is null with its reason.
 */
export interface WorkerMemory {
  /** Sum of buffer.byteLength over the live WebAssembly memories this worker's code created. */
  wasmBytes: number | null;
  wasmMemories: number;
  wasmReason: string | null;
  /** Bytes of GPUBuffers created in this worker and not yet destroyed (upper bound: see the module). */
  gpuBufferBytes: number | null;
  gpuBufferPeakBytes: number | null;
  gpuBufferCreatedBytes: number | null;
  gpuReason: string | null;
}

export interface EmbedderLoadOptions {
  device: Device;
  dtype: Dtype;
  /** ONNX Runtime WASM threads; >1 needs a cross-origin-isolated page. */
  threads: number;
  batchSize: number;
  pooling: Pooling;
  normalize: boolean;
}

export type LoadProgress =
  | { kind: 'file'; file: string; loaded: number; total: number; source: 'network' | 'cache' | 'unknown' }
  | { kind: 'status'; message: string };

export interface LoadedFile {
  file: string;
  bytes: number;
  source: 'network' | 'cache' | 'unknown';
  /** Set when a cached copy of this file failed to load and was deleted, then downloaded again: why. */
  repaired?: string;
}

export interface EmbedderInfo {
  model: ModelSpec;
  requestedDevice: Device;
  /** The device that actually runs. */
  device: Device;
  /** Why the requested device was not used (null when it was). */
  fallbackReason: string | null;
  dtype: Dtype;
  pooling: Pooling;
  normalize: boolean;
  /** Threads ONNX Runtime was given (1 when the page is not cross-origin isolated). */
  threads: number;
  batchSize: number;
  dims: number;
  /** Token limit; longer inputs are truncated. */
  maxTokens: number;
  crossOriginIsolated: boolean;
  /** The encoder's shape from its config.json (its FLOPs per token: src/core/roofs.ts), or why there is none. */
  shape: EncoderShape | { reason: string };
}

export interface EmbedderLoadResult {
  info: EmbedderInfo;
  files: LoadedFile[];
  workerMs: number;
}

export interface BatchTiming {
  size: number;
  tokens: number;
  ms: number;
}

export interface EmbedResult {
  /** rows × dims, row-major; its buffer is transferred. */
  vectors: Float32Array;
  rows: number;
  dims: number;
  /** Tokens actually embedded (after truncation, including special tokens, excluding padding). */
  tokens: number;
  batches: BatchTiming[];
  workerMs: number;
}

export interface TokenCountResult {
  /** Tokens of each text without special tokens and without truncation. */
  counts: Int32Array;
  workerMs: number;
}

/**
 * Every worker's liveness: the name of a Web Lock it holds until it ends (workers/lib/alive.ts),
 * null where Web Locks are missing. The bridge waits on that lock to learn of a silent death.
 */
export interface Liveness {
  alive(): Promise<string | null>;
}

export interface EmbedderApi extends Liveness {
  load(spec: ModelSpec, options: EmbedderLoadOptions, onProgress?: (p: LoadProgress) => void): Promise<EmbedderLoadResult>;
  /** Embeds texts in batches of the loaded batch size. Rejects with EmptyQuery-like codes on bad input. */
  embed(texts: string[], opts?: { order?: EmbedOrder }): Promise<EmbedResult>;
  countTokens(texts: string[]): Promise<TokenCountResult>;
  info(): Promise<EmbedderInfo | null>;
  /** This worker's WebAssembly and WebGPU buffer bytes. */
  memory(): Promise<WorkerMemory>;
}

export interface SearchHit {
  /** Position of the vector in insertion order. */
  index: number;
  /** Chunk id given at insertion. */
  id: string;
  /**
   * Cosine similarity for the vector kinds (vectors are L2-normalised on insertion; int8 and binary
   * hits are rescored in f32, voy and hnsw hits are cosines too); the BM25 sum for `bm25`; the RRF
   * sum for `hybrid` (see `SearchResult.scoreKind`).
   */
  score: number;
}

export interface SearchResult {
  kind: IndexKind;
  hits: SearchHit[];
  workerMs: number;
  /** What `score` is: 'cosine', 'bm25' or 'rrf'. Absent from results of older workers (then cosine). */
  scoreKind?: ScoreKind;
  /** int8 / binary: candidates taken from the quantized scan and rescored with the f32 vectors. */
  rescored?: number;
  /** hnsw: the search beam used (≥ k). */
  ef?: number;
  /** hybrid: items read from each list (dense and BM25) before fusing. */
  fusedDepth?: number;
  /** int8 / binary: what the candidates were rescored with (the f32 vectors). */
  rescoredWith?: 'f32';
}

export interface BuildResult {
  kind: IndexKind;
  count: number;
  ms: number;
  vectorsPerSecond: number;
  /** For 'exact': how the scan runs (WebAssembly SIMD, or plain JavaScript where SIMD does not validate). */
  scan?: 'wasm-simd' | 'js';
  /**
   * Bytes the kind holds in the worker beyond the shared f32 vectors (exact: the f32 vectors
   * themselves); null where it cannot be counted, with `bytesNote` saying why.
   */
  bytes?: number | null;
  bytesNote?: string;
  /** Kind-specific figures: int8/binary `scan`, `codeBytesPerVector`; hnsw `m`, `efConstruction`, `heapBytes`, `batch`; bm25 `tokens`, `k1`, `b`, `stem`. */
  detail?: Record<string, number | string>;
  /** Read from storage (`importKind`) instead of built: `ms` is then the import's time. */
  loaded?: boolean;
}

/** Progress of a build, per kind (HNSW reports every batch of points; the others start and end). */
export interface BuildProgress {
  kind: IndexKind;
  done: number;
  total: number;
}

export interface IndexStats {
  count: number;
  dims: number;
  /** Bytes of the contiguous vector store. */
  vectorBytes: number;
  built: IndexKind[];
  /** How the exact scan runs: WebAssembly SIMD (workers/lib/simd-scan.ts) or, where SIMD does not validate, plain JavaScript. */
  scan: 'wasm-simd' | 'js';
  /** Rows added with a text (what bm25 and hybrid index). */
  texts?: number;
}

/**
 * One query to any kind. Vector kinds (exact, voy, int8, binary, hnsw) need `vector`; bm25 needs
 * `text`; hybrid needs both.
 */
export interface RetrieveRequest {
  kind: IndexKind;
  k: number;
  vector?: Float32Array;
  text?: string;
  options?: RetrieveOptions;
}

export interface IndexApi extends Liveness {
  /** Empties the index and fixes its dimensionality. */
  reset(dims: number): Promise<void>;
  /**
   * Appends vectors (rows × dims, normalised here); returns the new count. Transfer the buffer.
   * `texts` (optional, one per row) are what bm25 and hybrid index: the chunk texts.
   */
  add(ids: string[], vectors: Float32Array, texts?: string[]): Promise<{ count: number; workerMs: number }>;
  /**
   * Builds the given index kinds over everything added so far (exact needs no build: it is timed
   * anyway), each timed, with its bytes. Checks every kind first (voy over 768 dimensions, bm25 or
   * hybrid without texts: `IndexUnsupported`), so a refusal builds nothing.
   */
  build(kinds: IndexKind[], options?: IndexBuildOptions, onProgress?: (p: BuildProgress) => void): Promise<BuildResult[]>;
  /**
   * A built int8, binary or bm25 kind as data, to store (its ArrayBuffers are copies, transferred).
   * Rejects with IndexEmpty when the kind is not built over the current rows.
   */
  exportKind(kind: StoredKind): Promise<KindData>;
  /**
   * Makes a kind answer from stored data instead of building it (the rows must be added first: the
   * data's count and dimensions must match them). Returns its BuildResult with `loaded: true`.
   * Rejects with IndexUnsupported for data of another scheme, count or dimensionality.
   */
  importKind(data: KindData): Promise<BuildResult>;
  /** A vector search: any vector kind (exact, voy, int8, binary, hnsw) with its default options. */
  search(query: Float32Array, k: number, kind: IndexKind): Promise<SearchResult>;
  /** Any kind, with its options (rescore depth, ef, fused depth...): see RetrieveRequest. */
  retrieve(request: RetrieveRequest): Promise<SearchResult>;
  stats(): Promise<IndexStats>;
  /** This worker's WebAssembly and WebGPU buffer bytes. */
  memory(): Promise<WorkerMemory>;
}

// ───────────────────────────── LLM (issue 5) ─────────────────────────────
// One interface, two workers: workers/llm-wllama.worker.ts (llama.cpp in WebAssembly, any GGUF)
// and workers/llm-webllm.worker.ts (web-llm on WebGPU, models of its prebuilt list).

export interface LlmLoadSpec {
  engine: LlmEngine;
  /** wllama: a GGUF URL (absolute, or relative to the page). webllm: a `model_id` of web-llm's list. */
  model: string;
  /** wllama: CPU threads (n_threads). More than 1 only on a cross-origin-isolated page. Default 1. */
  threads?: number;
  /** Context window in tokens. Default: wllama min(trained context, 4096); webllm the model's own. */
  contextSize?: number;
  /** wllama: layers offloaded to WebGPU; 0 = CPU only (default), 'all' = every layer (wllama's own default). */
  gpuLayers?: number | 'all';
  /** wllama: prompt-processing batch (n_batch). Default 512. */
  batchSize?: number;
  /** wllama: the physical batch llama.cpp computes at once (n_ubatch). Default llama.cpp's (512), capped at n_batch. */
  ubatchSize?: number;
  /** wllama: flash attention (true: llama.cpp's "auto", false: off). Default llama.cpp's (auto). */
  flashAttention?: boolean;
  /** Sampling seed used by every generation unless the request gives one. Default 42. */
  seed?: number;
  /** Keep the downloaded model in the browser's Cache Storage and read it from there next time. Default true. */
  useCache?: boolean;
  /** Run and time a short greedy generation after loading (a fresh instance's first request is slow). Default true. */
  warmup?: boolean;
  /** webllm: a record for a model outside the prebuilt list (weights URL + model library URL). */
  webllmRecord?: WebLlmModelRecord;
}

export type LlmLoadPhase = 'download' | 'verify' | 'init' | 'warmup';

export type LlmLoadProgress =
  | { kind: 'file'; file: string; loaded: number; total: number; source: 'network' | 'cache' | 'unknown' }
  | { kind: 'phase'; phase: LlmLoadPhase; state: 'start' | 'end'; ms?: number }
  | { kind: 'status'; message: string; progress?: number };

export interface LlmInfo {
  engine: LlmEngine;
  /** As given in the spec (URL or model id). */
  model: string;
  /** GGUF `general.name`, or the web-llm model id. */
  modelName: string | null;
  backend: LlmBackend;
  /** Threads that actually run (1 for WebGPU and single-threaded WASM). */
  threads: number;
  requestedThreads: number;
  /** Quantisation that runs: web-llm `q4f16_1` / `q4f32_1` ...; wllama the GGUF file type (`Q8_0`, `F32` ...). */
  variant: string | null;
  /** One readable sentence per decision (threads, backend, variant, context). */
  why: string[];
  contextSize: number;
  trainedContextSize: number | null;
  vocabSize: number | null;
  architecture: string | null;
  hasChatTemplate: boolean;
  /** Whether the engine puts a BOS token before every prompt (null: unknown). */
  addsBos: boolean | null;
  /** A proven upper bound of the tokenizer's token count (src/core/token-bound.ts), or null (count exactly). */
  tokenBound: TokenBound | null;
  crossOriginIsolated: boolean;
  /** wllama: layers on WebGPU as llama.cpp reported them (null: not reported). */
  gpuLayers: { offloaded: number; total: number } | null;
  /** web-llm's `vram_required_MB` for the model (null for wllama). */
  vramRequiredMB: number | null;
  /** e.g. `@wllama/wllama 3.8.1 (llama.cpp b6327-…)`, `@mlc-ai/web-llm 0.2.86`. */
  engineVersion: string;
  /** What the engine itself logged about how it runs (llama.cpp's system_info, batch sizes, flash attention), when it says. */
  engineNotes?: string[];
  /**
   * Weight bytes one generated token reads (the GGUF's tensors: src/core/roofs.ts
   * llmWeightBytesPerToken), for decode against the memory-bandwidth roof; null when unknown (web-llm).
   */
  weightBytesPerToken?: number | null;
}

export interface LlmLoadTimings {
  /** Fetching the model (from network or cache: see `files[].source`). */
  downloadMs: number;
  /** Checking the file (GGUF header and size). */
  verifyMs: number;
  /** Engine initialisation (WASM start and model load; web-llm: including shader compilation). */
  initMs: number;
  /** The warm-up generation, null when not asked for. */
  warmupMs: number | null;
  totalMs: number;
}

export interface LlmLoadResult {
  info: LlmInfo;
  files: LoadedFile[];
  timings: LlmLoadTimings;
  workerMs: number;
}

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmGenerateRequest {
  /** A raw prompt, sent as is (the engine adds BOS when the model wants one). Give prompt or messages. */
  prompt?: string;
  /** Chat messages: the engine applies the model's own chat template. */
  messages?: LlmMessage[];
  maxNewTokens: number;
  /** Default: the seed given at load. */
  seed?: number;
  /** Only greedy decoding is supported. */
  temperature?: 0;
  /** Generate past end-of-generation tokens (benchmarks: exactly maxNewTokens). Default false. */
  ignoreEos?: boolean;
  /** Report each token's id (wllama: asks llama.cpp for one probability per token, a small cost). Default true. */
  tokenIds?: boolean;
  /**
   * How tokens reach the engine's caller (wllama only; web-llm always streams). 'stream' (default):
   * wllama's createCompletion, one message between this worker and wllama's own worker per token.
   * 'engine-loop' (benchmarks): the whole completion runs in a loop inside wllama's worker and its
   * chunks come back once at the end, with that worker's time of each (no interrupt, no live stream).
   */
  delivery?: 'stream' | 'engine-loop';
  /** > 0: tokens go to the page at most every this many ms, several per message (the first at once). Default 0: one message per token. */
  tokenBatchMs?: number;
  /** wllama: also report each token's `topCandidates` most probable candidates with their log-probabilities (llama.cpp's n_probs: a softmax over the raw logits). Default 0. */
  topCandidates?: number;
}

/** A candidate token and its log-probability (natural log, over the raw logits). */
export interface TokenCandidate {
  id: number;
  logprob: number;
}

/** One streamed token; `t` is performance.now() in the worker when the token reached it. */
export interface LlmTokenEvent {
  kind: 'token';
  index: number;
  id: number | null;
  text: string;
  t: number;
}

/** Several token events in one message (tokenBatchMs > 0, or delivery 'engine-loop'). */
export interface LlmTokenBatchEvent {
  kind: 'tokens';
  events: LlmTokenEvent[];
}

/** Where the time of an 'engine-loop' generation went outside the loop (ms). */
export interface EngineLoopTimes {
  /** This worker → wllama's worker: the request message. */
  requestMs: number;
  /** The `completion` action inside wllama's worker (parsing, tokenising, queuing the task). */
  completionActionMs: number;
  /** wllama's worker → this worker: the reply with every chunk. */
  replyMs: number;
  /** `get_result` actions run (one server-loop iteration each). */
  getResultCalls: number;
}

/** llama.cpp server timings as wllama reports them (per request). */
export interface WllamaTimings {
  cache_n: number;
  prompt_n: number;
  prompt_ms: number;
  prompt_per_token_ms: number;
  prompt_per_second: number;
  predicted_n: number;
  predicted_ms: number;
  predicted_per_token_ms: number;
  predicted_per_second: number;
}

/** web-llm's `usage` object of the final stream chunk (`stream_options: {include_usage: true}`). */
export interface WebLlmUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  extra: {
    e2e_latency_s: number;
    prefill_tokens_per_s: number;
    decode_tokens_per_s: number;
    time_to_first_token_s: number;
    time_per_output_token_s: number;
    [key: string]: unknown;
  };
}

export type LlmEngineReport = { engine: 'wllama'; timings: WllamaTimings } | { engine: 'webllm'; usage: WebLlmUsage };

export interface LlmGenerateResult {
  text: string;
  /** Ids of the generated tokens (null when not asked for or not available). */
  tokenIds: number[] | null;
  /** With `topCandidates`: each generated token's most probable candidates, best first (null otherwise). */
  tokenTop?: TokenCandidate[][] | null;
  /** Prompt tokens as the engine counted them (BOS included). */
  promptTokens: number;
  /** Generated tokens as the engine counted them. */
  generatedTokens: number;
  /** Token events sent through the callback. */
  streamedTokens: number;
  /** Messages those events travelled in (fewer than streamedTokens when batched). Absent: one per token. */
  tokenMessages?: number;
  /** wllama: how the tokens travelled (see LlmGenerateRequest.delivery). */
  delivery?: 'stream' | 'engine-loop';
  /** wllama 'engine-loop' only: the time around the loop. */
  engineLoop?: EngineLoopTimes | null;
  finishReason: 'stop' | 'length' | 'interrupted';
  /** The engine's own figures, untouched (null when the engine gave none, e.g. interrupted). */
  engineReport: LlmEngineReport | null;
  /** Worker performance.now(): request started, first and last token arrived (null: no token). */
  tStart: number;
  tFirstToken: number | null;
  tLastToken: number | null;
  /** The worker's performance.timeOrigin: timeOrigin + t puts worker times on a clock shared with the page. */
  timeOrigin: number;
  workerMs: number;
}

export interface TokenCount {
  /** Tokens the engine feeds for this text used as a whole prompt (BOS included when the model adds one). */
  tokens: number;
  workerMs: number;
  /** How it was counted: the model's tokenizer run in JavaScript, or a prompt pass through the engine. */
  method?: 'tokenizer' | 'prompt-pass';
}

export interface LlmStats {
  loaded: boolean;
  info: LlmInfo | null;
  generations: number;
  generatedTokens: number;
  /** Set when the engine failed and must be loaded again (its reason). */
  broken: string | null;
}

export interface LlmApi extends Liveness {
  /** Loads a model (replacing any loaded one). Rejects with ModelNotFound (404), FetchFailed, InvalidGguf, LlmLoadFailed, WebGpuUnavailable, ModelTooLarge. */
  load(spec: LlmLoadSpec, onProgress?: (p: LlmLoadProgress) => void): Promise<LlmLoadResult>;
  /** Greedy generation, streaming each token (or batches of them) through `onToken`. Resolves with finishReason 'interrupted' after interrupt(). */
  generate(request: LlmGenerateRequest, onToken?: (e: LlmTokenEvent | LlmTokenBatchEvent) => void): Promise<LlmGenerateResult>;
  countTokens(text: string): Promise<TokenCount>;
  /** The prompt text the model's chat template makes of `messages` (with the generation prompt), or null when the model has none. */
  applyTemplate(messages: LlmMessage[]): Promise<string | null>;
  stats(): Promise<LlmStats>;
  /** Stops a running generation promptly; the engine stays usable. No-op when idle. */
  interrupt(): Promise<void>;
  unload(): Promise<void>;
  /** web-llm's prebuilt model list (empty for wllama). */
  catalog(): Promise<WebLlmModelRecord[]>;
  /** This worker's WebAssembly and WebGPU buffer bytes. */
  memory(): Promise<WorkerMemory>;
}
