/**
 * The embedder's downloads, checked before transformers.js caches them, and the repair of a cache
 * that already holds a broken copy (written before these checks, or corrupted on disk).
 *
 * - `verifiedFetch` is transformers.js's `env.fetch`: every 200 response's body passes through a
 *   ModelFileVerifier (src/core/model-files.ts); a broken file errors the body, transformers.js's
 *   read fails, and nothing reaches its cache (it caches only after reading the whole body).
 * - `checkModelCache` checks a model's cached files before a load and deletes the ones that fail,
 *   from transformers.js's cache and the service worker's, so they are downloaded again.
 * - `evictModelCache` deletes every cached file of a model whose load from the cache failed in
 *   ONNX Runtime although the files passed the check (damage inside the graph): the next load
 *   downloads them afresh (in a fresh worker: ONNX Runtime is not retried in the one that failed).
 */
import { ModelFileVerifier, checkStoredModelFile, fileNameOf, responseMeta, verifiedStream } from '../../src/core/model-files';
import { MODEL_FILE_CACHES } from '../../src/core/cache-names';
import { errorInfo } from '../../src/core/errors';

export async function verifiedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  if (res.status !== 200 || !res.body) return res;
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const verifier = new ModelFileVerifier(pathAfterModel(url), responseMeta(res.headers));
  return new Response(verifiedStream(res.body as ReadableStream<Uint8Array>, verifier), {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

/** `onnx/model.onnx` from `…/lsa-wordpiece-256/onnx/model.onnx`: the name people know the file by. */
function pathAfterModel(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  const parts = path.split('/');
  const name = fileNameOf(path);
  return parts.length > 2 && parts[parts.length - 2] === 'onnx' ? `onnx/${name}` : name;
}

/** `file (reason)` for each cached file of the model that was deleted. */
export type Evicted = string[];

async function eachCached(root: string, fn: (cache: Cache, req: Request, file: string) => Promise<string | null>): Promise<Evicted> {
  const evicted: Evicted = [];
  if (typeof caches === 'undefined') return evicted;
  for (const name of MODEL_FILE_CACHES) {
    if (!(await caches.has(name))) continue;
    const cache = await caches.open(name);
    for (const req of await cache.keys()) {
      if (!req.url.startsWith(root)) continue;
      const file = req.url.slice(root.length);
      const reason = await fn(cache, req, file);
      if (reason === null) continue;
      await cache.delete(req);
      if (!evicted.some((x) => x.startsWith(`${file} (`))) evicted.push(`${file} (${reason})`);
    }
  }
  return evicted;
}

/**
 * Before a load: checks every cached file of the model under `root` (its first bytes, an ONNX
 * file's field layout, JSON by parsing; src/core/model-files.ts) without reading big files whole,
 * and deletes the copies that fail, so transformers.js downloads them again instead of handing a
 * broken copy to ONNX Runtime.
 */
export function checkModelCache(root: string): Promise<Evicted> {
  return eachCached(root, async (cache, req, file) => {
    const res = await cache.match(req);
    if (!res) return null;
    try {
      const blob = await res.blob();
      const declared = responseMeta(res.headers).contentLength;
      if (declared !== null && declared !== blob.size) return `it holds ${blob.size} of the ${declared} bytes it was stored with`;
      await checkStoredModelFile(file, blob.size, async (o, n) => new Uint8Array(await blob.slice(o, o + n).arrayBuffer()));
      return null;
    } catch (e) {
      return reasonOf(e);
    }
  });
}

/** After a load from the cache failed in ONNX Runtime: deletes every cached file of the model. */
export function evictModelCache(root: string): Promise<Evicted> {
  return eachCached(root, async () => 'the model failed to load from it');
}

/** "the server answered with an HTML page…" from "onnx/model.onnx: the server answered… It was not cached; …". */
function reasonOf(e: unknown): string {
  const m = errorInfo(e).message;
  const body = m.slice(m.indexOf(': ') + 2);
  return body.split('. It was not cached')[0] || m;
}
