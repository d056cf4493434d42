/**
 * Share links across engines: a link made in Chromium opens in WebKit, re-runs there and compares;
 * a link made in WebKit opens in Chromium and does the same. Same build, same local models. A link
 * that asks for days of work shows its cost, waits for a confirmation, and its run can be cancelled.
 */
import { expect, test } from 'vitest';
import { inject } from 'vitest';
import { chromium, type Page } from '@playwright/test';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import { withApp } from './lib/session';
import { trace, type App } from './lib/page';
import { encodeShareData, SHARE_VERSION } from '../../src/core/share-link';
import { applySets } from '../../src/core/bench-config';
import { makePins } from '../../src/core/share-summary';
import { CONFIG, SUMMARY } from '../unit/share-fixtures';

const QS = '?model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none';
const QUESTION = 'how is time to first token measured';

async function chromiumPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: resolveChromium(), args: BASE_FLAGS });
  try {
    return await fn(await browser.newPage());
  } finally {
    await browser.close();
  }
}

/**
 * Arms listeners for the first of `names` in the Chromium page. While it waits, the page's state is
 * logged every minute (a wait that never ends says where it stopped); each wait is logged.
 */
function waitFor(page: Page, names: string[]): Promise<{ name: string; detail: unknown }> {
  const t0 = Date.now();
  trace(`[chromium] waiting for ${names.join(' | ')}`);
  const fired = page.evaluate(
    (names) => new Promise<{ name: string; detail: unknown }>((r) => names.forEach((n) => window.addEventListener(n, (e) => r({ name: n, detail: (e as CustomEvent).detail ?? null }), { once: true }))),
    names,
  );
  const state = () =>
    page
      .evaluate(() => JSON.stringify({ status: window.ragtab?.status, busy: window.ragtab?.busy, url: location.href.slice(0, 80) }))
      .then(async (s) => `${s} · share status: ${await page.locator('ragtab-share [data-share-status]').textContent({ timeout: 1000 }).catch(() => 'none')}`);
  const every = setInterval(() => void state().then((s) => trace(`[chromium] still waiting for ${names.join(' | ')} after ${Math.round((Date.now() - t0) / 1000)} s: ${s}`), (e: Error) => trace(`[chromium] page state unreadable: ${e.message}`)), 60_000);
  return fired.then(
    (f) => {
      clearInterval(every);
      trace(`[chromium] ${f.name} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return f;
    },
    (e: unknown) => {
      clearInterval(every);
      throw e;
    },
  );
}

async function runAndShareInChromium(page: Page, base: string): Promise<string> {
  await page.goto(base + QS);
  await page.waitForFunction(() => window.ragtab?.ready === true);
  let fired = waitFor(page, ['ragtab-ingested', 'ragtab-error']);
  await page.locator('ragtab-setup #ingest').click();
  expect((await fired).name).toBe('ragtab-ingested');
  fired = waitFor(page, ['ragtab-query-done', 'ragtab-error']);
  await page.locator('ragtab-query input[name=question]').fill(QUESTION);
  await page.locator('ragtab-query button[type=submit]').click();
  expect((await fired).name).toBe('ragtab-query-done');
  fired = waitFor(page, ['ragtab-share-created', 'ragtab-share-create-failed']);
  await page.locator('ragtab-share #create-share').click();
  const created = await fired;
  expect(created.name, JSON.stringify(created.detail)).toBe('ragtab-share-created');
  return (created.detail as { url: string }).url;
}

async function runAndShareInWebKit(app: App): Promise<string> {
  await app.open(QS);
  expect((await app.ingest()).name).toBe('ragtab-ingested');
  expect((await app.ask(QUESTION)).name).toBe('ragtab-query-done');
  const created = await app.act(['ragtab-share-created', 'ragtab-share-create-failed'], app.click('ragtab-share', '#create-share'));
  expect(created.name, JSON.stringify(created.detail)).toBe('ragtab-share-created');
  return (created.detail as { url: string }).url;
}

test('a link made in Chromium opens in WebKit, re-runs and compares', async () => {
  const link = await chromiumPage((page) => runAndShareInChromium(page, inject('appUrl')));
  expect(link).toMatch(/#share=[A-Za-z0-9_-]+$/);
  await withApp(async (app) => {
    await app.driver.get('about:blank');
    await app.driver.get(link);
    // the shared run's view appears (or the share element's error)
    const verdict = await app.run<string>(
      `for (;;) { if ($('ragtab-share', 'ragtab-shared-run')) return 'run'; const e = $('ragtab-share', '[data-share-error]'); if (e) return 'error ' + e.getAttribute('data-share-error'); await new Promise((r) => requestAnimationFrame(r)); }`,
    );
    expect(verdict).toBe('run');
    const done = await app.act(['ragtab-share-compared', 'ragtab-share-failed', 'ragtab-share-asks'], app.click('ragtab-share', 'ragtab-shared-run', '[data-run-shared]'));
    expect(done.name, JSON.stringify(done.detail)).toBe('ragtab-share-compared');
    const rows = await app.run<number>(`const c = $('ragtab-share', 'ragtab-share-compare'); await settled(c); return c.shadowRoot.querySelectorAll('tr[data-compare-row]').length;`);
    expect(rows).toBeGreaterThan(0);
  });
});

test('a link made in WebKit opens in Chromium, re-runs and compares', async () => {
  const link = await withApp((app) => runAndShareInWebKit(app));
  expect(link).toMatch(/#share=[A-Za-z0-9_-]+$/);
  await chromiumPage(async (page) => {
    trace(`[chromium] opening the link (${link.length} characters)`);
    await page.goto(link);
    await page.waitForFunction(() => !!window.ragtab);
    await page.locator('ragtab-share [data-shared-run]').waitFor({ timeout: 60_000 });
    const fired = waitFor(page, ['ragtab-share-compared', 'ragtab-share-failed', 'ragtab-share-asks']);
    await page.locator('ragtab-share [data-run-shared]').click();
    const done = await fired;
    expect(done.name, JSON.stringify(done.detail)).toBe('ragtab-share-compared');
    expect(await page.locator('ragtab-share-compare tr[data-compare-row]').count()).toBeGreaterThan(0);
  });
});

test('a link that asks for days of work shows its cost, waits for a confirmation, and its run can be cancelled', async () => {
  const config = applySets(CONFIG, ['llm.engine=none', 'llm.model=null', 'llm.variant=null', 'iterations=10000', 'warmups=100', 'clearCache=true', 'sweep=[{"path":"k","values":[1,2,3]},{"path":"embedder.batch","values":[8,16]}]']);
  const payload = { v: SHARE_VERSION, config, pins: makePins(config, { corpusName: 'ragtab docs (demo)', docs: 58, deps: {} }), summary: { ...SUMMARY, llm: null } };
  await withApp(async (app) => {
    await app.open(`${QS}#share=${await encodeShareData(payload)}`);
    const view = ['ragtab-share', 'ragtab-shared-run'];
    const text = (sel: string) => app.run<string | null>(`const v = $(...args[0]); if (!v) return null; await settled(v); return v.shadowRoot.querySelector(args[1])?.textContent ?? null;`, view, sel);
    await app.run(`for (;;) { const v = $(...args[0]); if (v) { await settled(v); if (v.shadowRoot.querySelector('[data-cost]')) return; } await new Promise((r) => requestAnimationFrame(r)); }`, view);
    expect(await text('[data-cost]')).toContain('6 sweep cells, 121,230 steps (at most)');
    // "Run" asks first; nothing starts
    await app.run(`${app.click(...view, '[data-run-shared]')}; await settled($(...args[0]));`, view);
    expect(await app.run<number>(`return $(...args[0]).shadowRoot.querySelectorAll('[data-confirm-cost] [data-concern]').length;`, view)).toBe(4);
    expect(await app.run<string>(`return window.ragtab.status;`)).toBe('idle');
    // confirmed, it runs with live progress; Cancel stops it
    await app.run(`${app.click(...view, '[data-confirm-run]')};`);
    const progress = await app.run<string>(`for (;;) { const t = $(...args[0])?.shadowRoot.querySelector('[data-share-status]')?.textContent ?? ''; if (/left at this pace/.test(t)) return t; await new Promise((r) => requestAnimationFrame(r)); }`, view);
    expect(progress).toMatch(/^cell 1 of 6 · /);
    const end = await app.act(['ragtab-share-failed', 'ragtab-share-compared'], app.click(...view, '[data-cancel-shared]'));
    expect(end.name).toBe('ragtab-share-failed');
    expect((end.detail as { name: string }).name).toBe('Cancelled');
    expect(await app.run<boolean>(`return window.ragtab.busy;`)).toBe(false);
  });
});
