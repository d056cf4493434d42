/**
 * The domain's words, defined once: what runs where (Device, Dtype, Pooling), what a model is
 * (ModelSpec), which index answers (IndexKind), which LLM engine generates (LlmEngine, LlmBackend,
 * WebLlmModelRecord). Every layer imports them from here: the configuration, the record, the
 * storage schema, the UI and the workers' interfaces (workers/api.ts). Types and value lists only.
 */

/** Where an embedding model runs. The list's order is the order error messages name them in. */
export const DEVICES = ['wasm', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

/** Weights' number format (transformers.js `dtype`). */
export const DTYPES = ['fp32', 'fp16', 'q8', 'q4'] as const;
export type Dtype = (typeof DTYPES)[number];
/**
 * The order texts are embedded in: `length`, sorted by token count so that a batch holds texts of
 * similar length and computes little padding (the default), or `given`, as the caller gave them
 * (to measure what the sorting wins). The vectors come back in the caller's order either way.
 */
export const EMBED_ORDERS = ['length', 'given'] as const;
export type EmbedOrder = (typeof EMBED_ORDERS)[number];

/** How token vectors become one vector per text. */
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

/** The index kinds the index worker builds and searches: one list, with their options, in index-kinds.ts. */
export { INDEX_KINDS, type IndexKind } from './index-kinds';

/** The LLM engines: llama.cpp in WebAssembly (wllama) and web-llm on WebGPU. */
export const LLM_ENGINES = ['wllama', 'webllm'] as const;
export type LlmEngine = (typeof LLM_ENGINES)[number];

/** What actually computes: llama.cpp WASM with or without threads, or WebGPU. */
export type LlmBackend = 'wasm-multi-thread' | 'wasm-single-thread' | 'webgpu';

/** The fields of web-llm's ModelRecord the app uses (a structural subset: it crosses as plain data). */
export interface WebLlmModelRecord {
  model: string;
  model_id: string;
  model_lib: string;
  vram_required_MB?: number;
  low_resource_required?: boolean;
  buffer_size_required_bytes?: number;
  required_features?: string[];
  overrides?: { context_window_size?: number };
}
