/**
 * ragtab's service worker (built by vite-plugin-pwa with the injectManifest strategy: the build
 * replaces `self.__WB_MANIFEST` with the list of files to precache and their revisions).
 *
 * - Precache: the app shell (HTML, JS, CSS, icons, manifest), the WASM runtimes (ONNX Runtime in
 *   ort/, llama.cpp's wllama and voy in assets/) and the demo corpus (demo/): served cache-first,
 *   so the demo runs with the network off once this worker is installed.
 * - Runtime cache: every other same-origin GET (local /models/ and /datasets/, anything else the
 *   page fetches) is network-first and kept for offline use. Models from the hub are cached by
 *   their engines (transformers.js's `transformers-cache`, ragtab's `ragtab-gguf-v1`) and are not
 *   touched here (cross-origin requests pass through).
 * - Cross-origin isolation: every response this worker serves carries COOP `same-origin`, COEP
 *   `require-corp` and CORP `same-origin`, so a static host that cannot send these headers still
 *   gets SharedArrayBuffer (multi-threaded WASM) after a one-time reload (see pwa.config.ts's
 *   registration script): the coi-serviceworker technique.
 *
 * - Nothing broken is kept: a runtime copy is written only after its bytes pass the check of
 *   src/core/model-files.ts (an HTML page where a model or dataset file was asked for, a body cut
 *   short of its Content-Length, an ONNX file that ends inside a field, JSON that does not parse);
 *   the page still gets the network's answer, so it sees the real error.
 *
 * Hand-written (no Workbox runtime) so every response goes through one place that adds the headers.
 */
import { ModelFileVerifier, responseMeta, verifiedStream } from './core/model-files';
import { SW_PRECACHE, SW_RUNTIME_CACHE } from './core/cache-names';

interface ManifestEntry {
  url: string;
  revision: string | null;
}

// The service worker globals this file uses (it is type-checked with the DOM library).
interface ExtendableEventLike extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface SwScope {
  readonly location: Location;
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEventLike) => void): void;
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
}

const sw = self as unknown as SwScope;
// Written out as `self.__WB_MANIFEST`: the build looks for exactly this text to inject the list.
const MANIFEST: ManifestEntry[] = (self as unknown as { __WB_MANIFEST: ManifestEntry[] }).__WB_MANIFEST;

const PRECACHE = SW_PRECACHE;
const RUNTIME = SW_RUNTIME_CACHE;
const REVISION_HEADER = 'x-ragtab-revision';

const ISOLATION: ReadonlyArray<[string, string]> = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Embedder-Policy', 'require-corp'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
];

const scopeUrl = new URL(sw.registration.scope);
const abs = (u: string): string => new URL(u, sw.location.href).href;
const precached = new Map(MANIFEST.map((e) => [abs(e.url), e.revision ?? ''] as const));
const INDEX = abs('index.html');

/** The same response with the isolation headers (a new Response: the body streams through). */
function isolate(res: Response): Response {
  if (res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of ISOLATION) headers.set(k, v);
  headers.delete(REVISION_HEADER);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function precacheAll(): Promise<void> {
  const cache = await caches.open(PRECACHE);
  // A few at a time: the WASM files are tens of MB.
  const todo = [...precached.entries()];
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = todo.shift();
      if (!next) return;
      const [url, revision] = next;
      const have = await cache.match(url);
      if (have && have.headers.get(REVISION_HEADER) === revision) continue;
      const res = await fetch(url, { cache: 'reload', credentials: 'same-origin' });
      if (!res.ok) throw new Error(`precache: ${url} answered HTTP ${res.status}`);
      const headers = new Headers(res.headers);
      headers.set(REVISION_HEADER, revision);
      await cache.put(url, new Response(await res.blob(), { status: res.status, statusText: res.statusText, headers }));
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

async function cleanUp(): Promise<void> {
  for (const name of await caches.keys()) {
    if (name.startsWith('ragtab-precache-') && name !== PRECACHE) await caches.delete(name);
    if (name.startsWith('ragtab-runtime-') && name !== RUNTIME) await caches.delete(name);
  }
  const cache = await caches.open(PRECACHE);
  for (const req of await cache.keys()) if (!precached.has(req.url)) await cache.delete(req);
}

// No skipWaiting() here: the first worker activates at once anyway (and claims the page), while
// an update waits until no tab runs the old version, whose lazily loaded files (workers, WASM)
// must stay reachable. A page can ask for the update now with {type: 'SKIP_WAITING'}.
sw.addEventListener('install', (e) => {
  e.waitUntil(precacheAll());
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(cleanUp().then(() => sw.clients.claim()));
});

sw.addEventListener('message', (e) => {
  if ((e.data as { type?: string } | null)?.type === 'SKIP_WAITING') void sw.skipWaiting();
});

/** The precached copy of a URL (ignoring its query string), if any. */
async function fromPrecache(url: URL): Promise<Response | undefined> {
  const key = url.origin + url.pathname;
  if (!precached.has(key)) return undefined;
  return (await caches.open(PRECACHE)).match(key);
}

/**
 * The response with its body checked as the cache reads it: a body that fails the check errors,
 * so `cache.put` rejects and stores nothing. The constructor throws at once on an HTML page.
 */
function checkedCopy(res: Response): Response {
  if (!res.body) return res;
  const verifier = new ModelFileVerifier(new URL(res.url).pathname, responseMeta(res.headers));
  return new Response(verifiedStream(res.body as ReadableStream<Uint8Array>, verifier), { status: res.status, statusText: res.statusText, headers: res.headers });
}

async function networkFirst(req: Request, keep: (p: Promise<unknown>) => void): Promise<Response> {
  const cacheable = req.method === 'GET' && !req.headers.has('range');
  try {
    const res = await fetch(req);
    if (cacheable && res.status === 200 && res.type === 'basic') {
      const copy = res.clone();
      keep(
        caches
          .open(RUNTIME)
          .then((c) => c.put(req.url, checkedCopy(copy)))
          .catch(() => undefined),
      );
    }
    return res;
  } catch (err) {
    const hit = (await caches.open(RUNTIME).then((c) => c.match(req.url))) ?? (await fromPrecache(new URL(req.url)));
    if (!hit) throw err;
    // HEAD: the headers of the cached GET, without a body.
    return req.method === 'HEAD' ? new Response(null, { status: hit.status, statusText: hit.statusText, headers: hit.headers }) : hit;
  }
}

async function handle(e: FetchEventLike): Promise<Response> {
  const req = e.request;
  const url = new URL(req.url);
  const keep = (p: Promise<unknown>) => e.waitUntil(p);
  if (req.mode === 'navigate' && (url.href.startsWith(scopeUrl.href) && (url.pathname === scopeUrl.pathname || url.origin + url.pathname === INDEX))) {
    const page = (await caches.open(PRECACHE).then((c) => c.match(INDEX))) ?? undefined;
    if (page) return isolate(page);
  }
  if (req.method === 'GET') {
    const hit = await fromPrecache(url);
    if (hit) return isolate(hit);
  }
  return isolate(await networkFirst(req, keep));
}

sw.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' && req.method !== 'HEAD') return;
  const url = new URL(req.url);
  // Cross-origin requests (the hub, CDNs) and pages outside this app pass through untouched.
  if (url.origin !== scopeUrl.origin || !url.href.startsWith(scopeUrl.href)) return;
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  e.respondWith(handle(e));
});
