/**
 * The Cache Storage caches the engines fill (the service worker leaves them to the engines): one
 * name each, for the workers that fill them and the code that reads or clears them.
 */
/** transformers.js's own cache (its default `env.cacheKey`). */
export const EMBEDDER_CACHE = 'transformers-cache';
/** GGUF files downloaded by workers/llm-wllama.worker.ts, keyed by their absolute URL. */
export const GGUF_CACHE = 'ragtab-gguf-v1';
/** web-llm's caches (weights, configs, model libraries), keyed by URLs that contain the model id. */
export const WEBLLM_CACHES = ['webllm/model', 'webllm/config', 'webllm/wasm'] as const;
