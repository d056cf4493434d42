/**
 * Reliability drill (issue 12, "a broken model download is cached for good"), in real Chromium with
 * the service worker on, against our own static server whose answer for the embedding model's
 * `onnx/model.onnx` the test switches: an HTML page (a captive portal), a body cut short with a
 * matching Content-Length (a proxy), a connection that drops mid-body. Each load fails with a
 * named error and leaves no copy in any cache (transformers.js's, the service worker's); when the
 * good file is served again the next load works without clearing site data. A broken copy already
 * in the cache (as an older version wrote it) is found, deleted and downloaded again; a cached copy
 * damaged inside its graph (which only ONNX Runtime sees) is deleted when it fails to load, and the
 * next load downloads it. The storage
 * panel lists every cache with its size, and "Delete all" clears them.
 */
import { expect, test, type Page } from '@playwright/test';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from './helpers';
import { arm, settle, startStaticServer, waitForApp, waitForServiceWorker, type StaticServer } from './pwa-helpers';

test.use({ serviceWorkers: 'allow' });

const ONNX_PATH = '/models/lsa-wordpiece-256/onnx/model.onnx';
const ONNX_FILE = join(SHARED, 'models/lsa-wordpiece-256/onnx/model.onnx');
const ONNX_BYTES = statSync(ONNX_FILE).size;
const PORTAL = '<!DOCTYPE html><html><head><title>Hotel Wi-Fi</title></head><body><form>Accept the terms to continue</form></body></html>';
const APP = '?model=lsa-wordpiece-256&modelBase=models/&device=wasm&chunking=document&index=exact&llm=none';

type Fault = 'html' | 'truncated' | 'dropped' | null;
let fault: Fault = null;
let server: StaticServer;

test.beforeAll(async () => {
  const onnx = readFileSync(ONNX_FILE);
  const cut = onnx.subarray(0, 8 << 20);
  server = await startStaticServer({
    isolation: true,
    route: (path, _req, res, headers) => {
      if (path !== ONNX_PATH || fault === null) return false;
      if (fault === 'html') {
        res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(PORTAL)) });
        res.end(PORTAL);
      } else if (fault === 'truncated') {
        res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': String(cut.byteLength) });
        res.end(cut);
      } else {
        res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': String(onnx.byteLength) });
        res.write(cut, () => res.destroy());
      }
      return true;
    },
  });
});
test.afterAll(async () => {
  await server?.close();
});

async function ingest(page: Page): Promise<{ name: string; detail: { name?: string; message?: string } | null }> {
  await arm(page, ['ragtab-ingested', 'ragtab-error', 'ragtab-cancelled']);
  await page.locator('ragtab-setup #ingest').click();
  return settle(page);
}

/** Every cached copy of the model file: cache name → body size. */
async function cachedOnnx(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async (path) => {
    const out: Record<string, number> = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) {
        if (new URL(req.url).pathname.endsWith(path)) out[name] = (await (await cache.match(req))!.arrayBuffer()).byteLength;
      }
    }
    return out;
  }, ONNX_PATH);
}

test('a broken model download is never cached; the good file loads next time without clearing site data; a poisoned cache is repaired; Delete all clears the caches', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await page.goto(server.url + APP);
  await waitForApp(page);
  await waitForServiceWorker(page);

  // 1. A captive portal's page, a body cut short (matching Content-Length), a connection dropped mid-body.
  const expected: Record<Exclude<Fault, null>, { name: RegExp; message: RegExp }> = {
    html: { name: /^ModelFileCorrupt$/, message: /onnx\/model\.onnx: the server answered with an HTML page/ },
    truncated: { name: /^ModelFileCorrupt$/, message: /onnx\/model\.onnx: it is not a complete ONNX model: it ends inside its graph.*truncated/ },
    dropped: { name: /^FetchFailed$/, message: /onnx\/model\.onnx: the download broke off after \d+ bytes of \d+/ },
  };
  for (const f of ['html', 'truncated', 'dropped'] as const) {
    fault = f;
    const r = await ingest(page);
    expect(r.name, `fault ${f}`).toBe('ragtab-error');
    console.log(`model-cache drill: ${f} → ${r.detail?.name}: ${r.detail?.message?.slice(0, 200)}`);
    expect(r.detail?.name).toMatch(expected[f].name);
    expect(r.detail?.message).toMatch(expected[f].message);
    await expect(page.locator('ragtab-error [role=alert]')).toHaveAttribute('data-error-name', expected[f].name);
    await page.locator('ragtab-error button[aria-label=Dismiss]').click();
    expect(await cachedOnnx(page), `nothing cached after fault ${f}`).toEqual({});
  }

  // 2. The network recovers: the next load works in the same page, and what is cached is whole.
  fault = null;
  expect((await ingest(page)).name).toBe('ragtab-ingested');
  const good = await cachedOnnx(page);
  expect(good['transformers-cache']).toBe(ONNX_BYTES);
  for (const size of Object.values(good)) expect(size).toBe(ONNX_BYTES);

  // 3. A cache poisoned before these checks existed: the app finds the broken copy, deletes it and downloads it again.
  await page.evaluate(async ({ path, portal }) => {
    for (const name of ['transformers-cache', 'ragtab-runtime-v1']) {
      const cache = await caches.open(name);
      const url = new URL('.' + path, location.href).href;
      await cache.put(url, new Response(portal, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(portal.length) } }));
    }
  }, { path: ONNX_PATH, portal: PORTAL });
  expect(Object.values(await cachedOnnx(page))).toEqual([PORTAL.length, PORTAL.length]);
  await page.reload();
  await waitForApp(page);
  const again = await ingest(page);
  expect(again.name, JSON.stringify(again.detail)).toBe('ragtab-ingested');
  await expect(page.locator('ragtab-ingest-report [data-repaired="onnx/model.onnx"]')).toContainText('HTML page');
  await expect(page.locator('ragtab-error .warn').first()).toContainText('was broken');
  const repaired = await cachedOnnx(page);
  expect(repaired['transformers-cache']).toBe(ONNX_BYTES);
  for (const size of Object.values(repaired)) expect(size).toBe(ONNX_BYTES);

  // 4. Damage the check cannot see (bytes inside the graph, same size): ONNX Runtime refuses the
  //    cached copy, the app deletes the model's cached files and says so; the next load downloads them.
  await page.evaluate(async (path) => {
    for (const name of ['transformers-cache', 'ragtab-runtime-v1']) {
      const cache = await caches.open(name);
      const url = new URL('.' + path, location.href).href;
      const res = await cache.match(url);
      if (!res) continue;
      const bytes = new Uint8Array(await res.arrayBuffer());
      bytes.fill(0xff, 64, 4096);
      await cache.put(url, new Response(bytes, { headers: res.headers }));
    }
  }, ONNX_PATH);
  await page.reload();
  await waitForApp(page);
  const damaged = await ingest(page);
  expect(damaged.name).toBe('ragtab-error');
  expect(damaged.detail?.name).toBe('ModelNotOnnx');
  expect(damaged.detail?.message).toMatch(/cached file\(s\) were deleted: load it again/);
  expect(await cachedOnnx(page)).toEqual({});
  await page.locator('ragtab-error button[aria-label=Dismiss]').click();
  expect((await ingest(page)).name).toBe('ragtab-ingested');
  expect((await cachedOnnx(page))['transformers-cache']).toBe(ONNX_BYTES);

  // 5. The storage panel lists every cache with its size; Delete all clears them.
  const panel = page.locator('ragtab-storage');
  await panel.locator('#refresh').click();
  const row = panel.locator('tr[data-kind=cache][data-id="transformers-cache"]');
  await expect(row).toBeVisible();
  expect(Number(await row.getAttribute('data-bytes'))).toBeGreaterThanOrEqual(ONNX_BYTES);
  await expect(panel.locator('tr[data-kind=cache][data-id="ragtab-precache-v1"]')).toBeVisible();
  await panel.locator('#delete-all').click();
  await panel.locator('#confirm-delete-all').click();
  await expect(panel.locator('tr[data-kind=cache][data-id="transformers-cache"]')).toHaveCount(0);
  const left = await page.evaluate(() => caches.keys());
  expect(left.filter((n) => ['transformers-cache', 'ragtab-runtime-v1', 'ragtab-gguf-v1', 'ragtab-precache-v1'].includes(n))).toEqual([]);
  expect(await cachedOnnx(page)).toEqual({});
});
