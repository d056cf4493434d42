/**
 * The Cache Storage side of "what ragtab keeps": every cache of this origin (the embedding models
 * transformers.js downloads, the GGUF files, web-llm's weights, the service worker's copies of the
 * app and of local models and datasets), with its number of files and its size, for the storage
 * panel to list and delete. Every cache of the origin is listed: they are all written by ragtab or
 * by the engines it runs.
 *
 * Sizes: the `Content-Length` each entry was stored with (transformers.js, the service worker and
 * the GGUF cache all keep it), else the size of the stored body.
 */
import { EMBEDDER_CACHE, GGUF_CACHE, SW_PRECACHE, SW_RUNTIME_CACHE, WEBLLM_CACHES } from '../core/cache-names';

export interface StoredCacheItem {
  kind: 'cache';
  /** The Cache Storage name. */
  name: string;
  /** What it holds, for people. */
  label: string;
  entries: number;
  bytes: number;
}

/** What a cache holds, by name. */
export function cacheLabel(name: string): string {
  if (name === EMBEDDER_CACHE) return 'embedding models (transformers.js) and ONNX Runtime';
  if (name === GGUF_CACHE) return 'GGUF models (llama.cpp)';
  if ((WEBLLM_CACHES as readonly string[]).includes(name) || name.startsWith('webllm')) return 'web-llm models';
  if (name === SW_PRECACHE || name.startsWith('ragtab-precache-')) return 'the app itself, for offline use (fetched again on the next visit online)';
  if (name === SW_RUNTIME_CACHE || name.startsWith('ragtab-runtime-')) return 'local models and datasets kept for offline use';
  return 'other files';
}

function available(): boolean {
  return typeof caches !== 'undefined';
}

async function entryBytes(res: Response | undefined): Promise<number> {
  if (!res) return 0;
  const len = res.headers.get('content-length');
  if (len !== null && /^\d+$/.test(len)) return Number(len);
  try {
    return (await res.blob()).size;
  } catch {
    return 0;
  }
}

/** Every cache of the origin with its files and size, largest first. */
export async function listCaches(): Promise<StoredCacheItem[]> {
  if (!available()) return [];
  const out: StoredCacheItem[] = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    let bytes = 0;
    const keys = await cache.keys();
    for (const req of keys) bytes += await entryBytes(await cache.match(req));
    out.push({ kind: 'cache', name, label: cacheLabel(name), entries: keys.length, bytes });
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

export async function deleteCache(name: string): Promise<void> {
  if (available()) await caches.delete(name);
}

export async function deleteAllCaches(): Promise<void> {
  if (!available()) return;
  for (const name of await caches.keys()) await caches.delete(name);
}
