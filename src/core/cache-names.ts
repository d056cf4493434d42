/**
 * The Cache Storage caches ragtab writes: one name each, for the code that fills them and the code
 * that reads, repairs, lists or clears them (the storage panel lists every one).
 */
/** transformers.js's own cache (its default `env.cacheKey`): embedding models, ONNX Runtime's WASM. */
export const EMBEDDER_CACHE = 'transformers-cache';
/** GGUF files downloaded by workers/llm-wllama.worker.ts, keyed by their absolute URL. */
export const GGUF_CACHE = 'ragtab-gguf-v1';
/** web-llm's caches (weights, configs, model libraries), keyed by URLs that contain the model id. */
export const WEBLLM_CACHES = ['webllm/model', 'webllm/config', 'webllm/wasm'] as const;
/** The service worker's copy of the app shell, the WASM runtimes and the demo corpus (src/sw.ts). */
export const SW_PRECACHE = 'ragtab-precache-v1';
/** The service worker's offline copies of other same-origin files (local models, datasets). */
export const SW_RUNTIME_CACHE = 'ragtab-runtime-v1';
/** Where a cached copy of an embedding model's file can be: repairs look in both. */
export const MODEL_FILE_CACHES = [EMBEDDER_CACHE, SW_RUNTIME_CACHE] as const;
