/**
 * The offline demo and the service worker, in real Chromium, against the built app (RAGTAB_PWA_DIST,
 * default dist/, built with ragtabPwa() in vite.config.ts) on our own static server:
 * - run the demo once (lsa-wordpiece-256, stories260K through llama.cpp), set the browser context
 *   offline, reload, and run the whole demo again: ingest, retrieve, generate;
 * - on a host that sends no cross-origin isolation headers, under a sub-path, the service worker
 *   adds them (one reload), so SharedArrayBuffer and multi-threaded WASM work; the app is
 *   installable (manifest, icons, a fetch handler).
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import { DEMO, askViaUi as ask, ingestViaUi as ingest, loadLlmViaUi, pollAcrossReloads, startStaticServer, waitForApp, waitForServiceWorker, type StaticServer } from './pwa-helpers';

test.use({ serviceWorkers: 'allow' });

async function lastQuery(page: Page) {
  return page.evaluate(() => {
    const q = window.ragtab!.lastQuery!;
    return {
      stages: q.stages.map((s) => s.name),
      hits: q.hits.length,
      answer: q.generation?.text ?? null,
      tokens: q.generation?.generatedTokens ?? 0,
      error: q.generationError,
      llmSource: window.ragtab!.llmLoad?.source ?? null,
    };
  });
}

let isolated: StaticServer;
let plain: StaticServer;
test.beforeAll(async () => {
  isolated = await startStaticServer({ isolation: true });
  plain = await startStaticServer({ isolation: false, mount: '/deploy/ragtab/' });
});
test.afterAll(async () => {
  await isolated?.close();
  await plain?.close();
});

test('the demo runs again with the network off: embedding, search, generation', async ({ page, context }) => {
  await page.goto(isolated.url + DEMO);
  await waitForApp(page);
  await waitForServiceWorker(page);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  expect(await ingest(page)).toBe('ragtab-ingested');
  expect(await loadLlmViaUi(page)).toBe('ragtab-llm-loaded');
  expect(await ask(page, 'how does ragtab time a query')).toBe('ragtab-query-done');
  const online = await lastQuery(page);
  expect(online.error).toBeNull();
  expect(online.tokens).toBeGreaterThan(0);

  const cached = await page.evaluate(async () => Object.fromEntries(await Promise.all((await caches.keys()).map(async (k) => [k, (await (await caches.open(k)).keys()).length] as const))));
  expect(cached['ragtab-precache-v1']).toBeGreaterThan(20);
  expect(Object.keys(cached)).toEqual(expect.arrayContaining(['ragtab-runtime-v1', 'ragtab-gguf-v1']));

  await context.setOffline(true);
  await page.reload();
  await waitForApp(page);
  // really offline: a file nobody cached fails
  expect(await page.evaluate(() => fetch(`./not-cached-${Date.now()}.txt`).then(() => 'fetched', () => 'failed'))).toBe('failed');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  expect(await ingest(page)).toBe('ragtab-ingested');
  const ing = await page.evaluate(() => ({ docs: window.ragtab!.lastIngest!.docs, model: window.ragtab!.lastIngest!.embedder.model.id }));
  expect(ing).toEqual({ docs: 58, model: 'lsa-wordpiece-256' });
  expect(await loadLlmViaUi(page)).toBe('ragtab-llm-loaded');
  expect(await ask(page, 'how does ragtab time a query')).toBe('ragtab-query-done');
  const offline = await lastQuery(page);
  expect(offline.error).toBeNull();
  expect(offline.stages).toEqual(['embed query', 'search', 'format context', 'build prompt', 'time to first token', 'decode']);
  expect(offline.hits).toBeGreaterThan(0);
  expect(offline.tokens).toBeGreaterThan(0);
  expect(offline.answer).toBe(online.answer); // greedy: the same answer
  expect(offline.llmSource).toBe('cache');
  await context.setOffline(false);
});

test('a host without isolation headers, under a sub-path: the service worker isolates the page; installable', async ({ page, request }) => {
  const res = await request.get(plain.url);
  expect(res.status()).toBe(200);
  expect(res.headers()['cross-origin-opener-policy']).toBeUndefined();
  expect(res.headers()['cross-origin-embedder-policy']).toBeUndefined();

  // every document load records whether it was isolated
  await page.addInitScript(() => {
    const h = JSON.parse(sessionStorage.getItem('__isolation') ?? '[]') as boolean[];
    h.push(crossOriginIsolated);
    sessionStorage.setItem('__isolation', JSON.stringify(h));
  });
  await page.goto(plain.url + '?model=lsa-wordpiece-256&threads=2&llm=none&chunking=document');
  // first load: not isolated; the worker installs, takes control, and the page reloads once
  await pollAcrossReloads(page, () => crossOriginIsolated, (x) => x === true);
  await waitForApp(page);
  await waitForServiceWorker(page);
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
  await expect(page.locator('ragtab-isolation [data-isolated=yes]')).toBeVisible();
  // not isolated at first, isolated after exactly one reload
  expect(await page.evaluate(() => JSON.parse(sessionStorage.getItem('__isolation') ?? '[]'))).toEqual([false, true]);
  expect(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).type)).toBe('reload');

  // multi-threaded WASM in the embedder worker
  expect(await ingest(page)).toBe('ragtab-ingested');
  const emb = await page.evaluate(() => window.ragtab!.lastIngest!.embedder);
  expect(emb.crossOriginIsolated).toBe(true);
  expect(emb.threads).toBe(2);

  // installable: manifest with icons, served under the sub-path
  const manifestHref = await page.evaluate(() => (document.querySelector('link[rel=manifest]') as HTMLLinkElement | null)?.href ?? null);
  expect(manifestHref).toBe(`${plain.url}manifest.webmanifest`);
  const manifest = (await (await request.get(manifestHref!)).json()) as { start_url: string; scope: string; icons: Array<{ src: string; sizes: string; type: string }> };
  expect(manifest.start_url).toBe('./');
  for (const icon of manifest.icons) expect((await request.get(new URL(icon.src, manifestHref!).href)).status(), icon.src).toBe(200);
  expect(manifest.icons.some((i) => i.sizes === '512x512' && i.type === 'image/png')).toBe(true);
  // Chrome's own installability check: in an incognito context (Playwright's default) its only complaint is the profile
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
  expect(installabilityErrors.map((e) => e.errorId)).toEqual(['in-incognito']);
});

test('installable in a normal (persistent) profile: Chrome reports no installability error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragtab-pwa-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: resolveChromium(), args: BASE_FLAGS, headless: true });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(plain.url);
    await pollAcrossReloads(page, () => crossOriginIsolated, (x) => x === true);
    await waitForServiceWorker(page);
    const cdp = await ctx.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
