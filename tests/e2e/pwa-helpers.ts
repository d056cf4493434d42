/**
 * Helpers of the share-link and offline tests: a tiny static server of our own (with or without
 * the cross-origin isolation headers, at any sub-path) serving a built app and the local models
 * and datasets, and waits on the page's window events.
 *
 * The app served is `RAGTAB_PWA_DIST` (default: RAGTAB_OUT_DIR, else dist/, built with the PWA plugin in
 * vite.config.ts). Not a test file itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { Page } from '@playwright/test';
import { SHARED } from './helpers';

export const DIST = resolve(process.env['RAGTAB_PWA_DIST'] ?? process.env['RAGTAB_OUT_DIR'] ?? 'dist');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.jsonl': 'application/x-ndjson',
  '.tsv': 'text/tab-separated-values',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.gguf': 'application/octet-stream',
  '.gz': 'application/gzip',
};

export interface StaticServer {
  /** The app's URL, ending in the mount path (e.g. `http://127.0.0.1:43121/deploy/ragtab/`). */
  url: string;
  /** Paths requested so far (for "nothing was downloaded" checks). */
  requests: string[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  root?: string;
  /** The sub-path the app is deployed under; default `/`. */
  mount?: string;
  /** Send COOP/COEP/CORP (like `vite preview`); false: a plain static host. */
  isolation: boolean;
  /** Answers a request itself (a fault drill: a broken file, a cut connection) when it returns true. */
  route?: (path: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>) => boolean;
}

/** Serves the built app at `mount`, and ../shared's models/ and datasets/ beside it. */
export async function startStaticServer(o: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(o.root ?? DIST);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`No built app in ${root}: run the build first.`);
  const mount = o.mount ?? '/';
  const dirs: Array<[string, string]> = [
    [`${mount}models/`, join(SHARED, 'models')],
    [`${mount}datasets/`, join(SHARED, 'datasets')],
    [mount, root],
  ];
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push(path);
    const headers: Record<string, string> = { 'Cache-Control': 'no-cache' };
    if (o.isolation) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    if (o.route?.(path, req, res, headers)) return;
    for (const [prefix, dir] of dirs) {
      if (!path.startsWith(prefix)) continue;
      let file = resolve(join(dir, path.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir + sep)) break;
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file) || !statSync(file).isFile()) break;
      res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(statSync(file).size) });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
    res.end('Not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${mount}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Waits until window.ragtab exists (the app is mounted). */
export async function waitForApp(page: Page): Promise<void> {
  await page.waitForFunction(() => !!window.ragtab, null, { timeout: 60_000 });
}

/** Arms a listener for the first of the named window events; resolve it with `settle`. */
export async function arm(page: Page, names: string[]): Promise<void> {
  await page.evaluate((names) => {
    const w = window as unknown as { __armed?: Promise<{ name: string; detail: unknown }> };
    w.__armed = new Promise((resolve) => {
      for (const n of names) window.addEventListener(n, (e) => resolve({ name: n, detail: (e as CustomEvent).detail ?? null }), { once: true });
    });
  }, names);
}

export async function settle<T = unknown>(page: Page, timeout = 8 * 60_000): Promise<{ name: string; detail: T }> {
  return page.evaluate(
    (timeout) =>
      Promise.race([
        (window as unknown as { __armed: Promise<{ name: string; detail: T }> }).__armed,
        new Promise<{ name: string; detail: T }>((r) => setTimeout(() => r({ name: 'timeout', detail: null as T }), timeout)),
      ]),
    timeout,
  );
}

/** The demo corpus with the local models: lsa-wordpiece-256 and stories260K through wllama, 16 new tokens. */
export const DEMO = '?model=lsa-wordpiece-256&llm=wllama&llmModel=models/stories260K/stories260K.gguf&llmThreads=1&maxTokens=16';

/** Clicks Ingest; 'ragtab-ingested', 'ragtab-error' or 'ragtab-cancelled'. */
export async function ingestViaUi(page: Page): Promise<string> {
  await arm(page, ['ragtab-ingested', 'ragtab-error', 'ragtab-cancelled']);
  await page.locator('ragtab-setup #ingest').click();
  return (await settle(page)).name;
}

/** Asks a question through the query panel; 'ragtab-query-done' or 'ragtab-error'. */
export async function askViaUi(page: Page, q: string): Promise<string> {
  await arm(page, ['ragtab-query-done', 'ragtab-error']);
  await page.locator('ragtab-query input[name=question]').fill(q);
  await page.locator('ragtab-query button[type=submit]').click();
  return (await settle(page)).name;
}

/** Clicks "Load" in the LLM panel; 'ragtab-llm-loaded' or 'ragtab-error'. */
export async function loadLlmViaUi(page: Page): Promise<string> {
  await arm(page, ['ragtab-llm-loaded', 'ragtab-error']);
  await page.locator('ragtab-llm #load-llm').click();
  return (await settle(page)).name;
}

/** Clicks "Evaluate" in the quality panel; 'ragtab-evaluated' or 'ragtab-error'. */
export async function evaluateViaUi(page: Page): Promise<string> {
  await arm(page, ['ragtab-evaluated', 'ragtab-error']);
  await page.locator('ragtab-quality #evaluate').click();
  return (await settle(page)).name;
}

/** Waits until a service worker controls the page (installed, precached, activated, claimed). */
export async function waitForServiceWorker(page: Page, timeout = 180_000): Promise<void> {
  await page.waitForFunction(() => !!navigator.serviceWorker?.controller, null, { timeout });
}

/** Polls a page value across reloads (evaluate fails while a navigation replaces the document). */
export async function pollAcrossReloads<T>(page: Page, fn: () => T, until: (x: T) => boolean, timeout = 180_000): Promise<T> {
  const end = Date.now() + timeout;
  let last: T | undefined;
  while (Date.now() < end) {
    try {
      last = (await page.evaluate(fn)) as T;
      if (until(last)) return last;
    } catch {
      /* the document is being replaced */
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out; last value: ${JSON.stringify(last)}`);
}
