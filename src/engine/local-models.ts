/**
 * Which embedding models this page can actually reach: the models the server offers beside the
 * app (its `models/` listing, else the known local models, each checked with a request), and
 * whether the set-up's model answers at all (the browser's model cache counts: a model cached on
 * an earlier visit works offline). The app offers these in the error of an unreachable model
 * (issue 15), so a newcomer with no hub access has a way forward in the error itself.
 */
import { EMBEDDER_CACHE } from '../core/cache-names';
import { errorInfo, type ErrorInfo } from '../core/errors';
import { knownLocalModels, modelsFromListing, type LocalGguf, type LocalModel } from '../core/local-models';
import type { ModelSpec } from '../core/vocabulary';

async function fetchWithin(url: string, init: RequestInit, ms: number): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  try {
    return await fetch(url, { ...init, signal: abort.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** The embedding models and GGUF files under `baseUrl` that answer from here. */
export async function reachableLocalModels(baseUrl = 'models/'): Promise<{ embedding: LocalModel[]; gguf: LocalGguf[]; listed: boolean }> {
  const base = new URL(baseUrl, document.baseURI).href;
  try {
    const res = await fetchWithin(`${base}index.json`, { cache: 'no-store' }, 5000);
    if (res.ok && (res.headers.get('content-type') ?? '').includes('json')) {
      const found = modelsFromListing(await res.json(), baseUrl);
      return { ...found, listed: true };
    }
  } catch {
    /* no listing: probe the known ones */
  }
  const embedding: LocalModel[] = [];
  await Promise.all(
    knownLocalModels(baseUrl).map(async (m) => {
      try {
        const res = await fetchWithin(`${base}${m.id}/config.json`, { method: 'HEAD', cache: 'no-store' }, 5000);
        if (res.ok) embedding.push(m);
      } catch {
        /* not here */
      }
    }),
  );
  const order = knownLocalModels(baseUrl).map((m) => m.id);
  embedding.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return { embedding, gguf: [], listed: false };
}

/** Where transformers.js reads a model's config from (the worker's rule, workers/embedder.worker.ts). */
export function modelConfigUrl(spec: ModelSpec): string {
  if (spec.baseUrl) {
    const base = new URL(spec.baseUrl.endsWith('/') ? spec.baseUrl : `${spec.baseUrl}/`, document.baseURI).href;
    return `${base}${spec.id}/config.json`;
  }
  return `https://huggingface.co/${spec.id}/resolve/${encodeURIComponent(spec.revision ?? 'main')}/config.json`;
}

/**
 * Whether the model answers: its config in the browser's model cache, or a request for it that
 * succeeds. Null when it does; else the named error the ingestion would meet (FetchFailed,
 * ModelNotFound), so the app can say so before the user waits for it.
 */
export async function modelUnreachable(spec: ModelSpec, timeoutMs = 10_000): Promise<ErrorInfo | null> {
  const url = modelConfigUrl(spec);
  try {
    if (typeof caches !== 'undefined' && (await (await caches.open(EMBEDDER_CACHE)).match(url))) return null;
  } catch {
    /* no cache here */
  }
  try {
    const res = await fetchWithin(url, { cache: 'no-store' }, timeoutMs);
    if (res.status === 404 || res.status === 401) return { name: 'ModelNotFound', message: `Model "${spec.id}" was not found: ${url} answered HTTP ${res.status}.` };
    if (!res.ok) return { name: 'FetchFailed', message: `Loading model "${spec.id}": ${url} answered HTTP ${res.status}.` };
    return null;
  } catch (e) {
    const i = errorInfo(e);
    const why = i.name === 'AbortError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : i.message;
    return { name: 'FetchFailed', message: `Could not reach ${url} to load model "${spec.id}": ${why}` };
  }
}
