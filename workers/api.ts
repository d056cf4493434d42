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
 */

export type Device = 'webgpu' | 'wasm';
export type Dtype = 'fp32' | 'fp16' | 'q8' | 'q4';
export type Pooling = 'mean' | 'cls';

/** Where a model comes from: the Hugging Face hub by id, or a local base URL (tests, offline). */
export interface ModelSpec {
  /** Hub id (`Xenova/all-MiniLM-L6-v2`) or, with `baseUrl`, the folder name under it. */
  id: string;
  /** e.g. `/models/` or `http://localhost:4173/models/`: models are read from `${baseUrl}${id}/`. */
  baseUrl?: string;
  /** Hub revision (branch, tag or commit). Default `main`. */
  revision?: string;
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

export interface EmbedderApi {
  load(spec: ModelSpec, options: EmbedderLoadOptions, onProgress?: (p: LoadProgress) => void): Promise<EmbedderLoadResult>;
  /** Embeds texts in batches of the loaded batch size. Rejects with EmptyQuery-like codes on bad input. */
  embed(texts: string[]): Promise<EmbedResult>;
  countTokens(texts: string[]): Promise<TokenCountResult>;
  info(): Promise<EmbedderInfo | null>;
  /** Byte length of ONNX Runtime's WebAssembly.Memory, or null when it cannot be read. */
  wasmMemoryBytes(): Promise<number | null>;
}

export type IndexKind = 'exact' | 'voy';

export interface SearchHit {
  /** Position of the vector in insertion order. */
  index: number;
  /** Chunk id given at insertion. */
  id: string;
  /** Cosine similarity (vectors are L2-normalised on insertion). */
  score: number;
}

export interface SearchResult {
  kind: IndexKind;
  hits: SearchHit[];
  workerMs: number;
}

export interface BuildResult {
  kind: IndexKind;
  count: number;
  ms: number;
  vectorsPerSecond: number;
}

export interface IndexStats {
  count: number;
  dims: number;
  /** Bytes of the contiguous vector store. */
  vectorBytes: number;
  built: IndexKind[];
}

export interface IndexApi {
  /** Empties the index and fixes its dimensionality. */
  reset(dims: number): Promise<void>;
  /** Appends vectors (rows × dims, normalised here); returns the new count. Transfer the buffer. */
  add(ids: string[], vectors: Float32Array): Promise<{ count: number; workerMs: number }>;
  /** Builds the given index kinds over everything added so far (exact needs no build: it is timed anyway). */
  build(kinds: IndexKind[]): Promise<BuildResult[]>;
  search(query: Float32Array, k: number, kind: IndexKind): Promise<SearchResult>;
  stats(): Promise<IndexStats>;
}
