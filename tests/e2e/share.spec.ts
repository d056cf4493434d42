/**
 * Share links in real Chromium: run → share → open the link in a fresh browser context → the same
 * configuration and results, read-only → "Run on this device" → the comparison; a corpus of the
 * sharer's own files is asked for and a wrong file is refused; hostile links (a sample of the
 * fuzz cases) give named errors, run no script, and leave the app usable; an old-version link
 * opens; a download from an unknown host waits for consent and nothing is fetched before a click.
 *
 * Served by our own static server (with the isolation headers, like `vite preview`), from
 * RAGTAB_PWA_DIST (default dist/). Service workers are blocked here: the offline spec covers them.
 */
import { expect, test, type Page } from '@playwright/test';
import { decodeShareLink, encodeShareData, SHARE_VERSION, type SharePayload } from '../../src/core/share-link';
import { ms } from '../../src/ui/format';
import { shownError } from './helpers';
import { DEMO, arm, askViaUi as ask, evaluateViaUi, ingestViaUi as ingest, loadLlmViaUi, settle, startStaticServer, waitForApp, type StaticServer } from './pwa-helpers';
import { CONFIG, fuzzCases, MARKUP, SUMMARY, validPayload } from '../unit/share-fixtures';
import { applySets } from '../../src/core/bench-config';
import { makePins } from '../../src/core/share-summary';
import { runFake, SMALL } from '../unit/bench-fixtures';
import { toJson } from '../../src/core/exports';

test.use({ serviceWorkers: 'block' });

let server: StaticServer;
test.beforeAll(async () => {
  server = await startStaticServer({ isolation: true });
});
test.afterAll(async () => {
  await server?.close();
});

async function createLink(page: Page): Promise<string> {
  await arm(page, ['ragtab-share-created']);
  await page.locator('ragtab-share #create-share').click();
  expect((await settle(page, 60_000)).name).toBe('ragtab-share-created');
  return page.locator('ragtab-share input[data-share-url]').inputValue();
}

/** Opens a link in the page and waits for the share element's verdict. */
async function openLink(page: Page, url: string): Promise<{ ok: boolean; name?: string; message?: string }> {
  await page.goto('about:blank');
  await page.goto(url);
  await waitForApp(page);
  return readVerdict(page);
}

async function readVerdict(page: Page): Promise<{ ok: boolean; name?: string; message?: string }> {
  const run = page.locator('ragtab-share [data-shared-run]');
  const err = page.locator('ragtab-share [data-share-error]');
  await expect(run.or(err)).toBeVisible({ timeout: 30_000 });
  if (await run.isVisible()) return { ok: true };
  return { ok: false, name: (await err.getAttribute('data-share-error')) ?? '' };
}

test('run → share → open in a fresh context → same configuration and results → run here → comparison', async ({ page, browser }) => {
  await page.goto(server.url + DEMO);
  await waitForApp(page);
  expect(await ingest(page)).toBe('ragtab-ingested');
  expect(await evaluateViaUi(page)).toBe('ragtab-evaluated');
  expect(await loadLlmViaUi(page)).toBe('ragtab-llm-loaded');
  expect(await ask(page, 'how is time to first token measured')).toBe('ragtab-query-done');

  const link = await createLink(page);
  expect(link.startsWith(server.url)).toBe(true);
  expect(link).toMatch(/#share=[A-Za-z0-9_-]+$/);
  const size = Number(await page.locator('ragtab-share [data-share-size]').getAttribute('data-share-size'));
  expect(size).toBeGreaterThan(100);
  expect(size).toBeLessThanOrEqual(8192);
  const decoded = await decodeShareLink(link);
  if (!decoded.ok) throw new Error(decoded.error.message);
  const shared: SharePayload = decoded.payload;
  expect(shared.config.embedder.model).toBe('lsa-wordpiece-256');
  expect(shared.config.queries.list).toEqual(['how is time to first token measured']);
  expect(shared.pins.llm).toMatchObject({ engine: 'wllama', model: 'models/stories260K/stories260K.gguf' });
  expect(shared.pins.llm!.sha256).toMatch(/^[0-9a-f]{64}$/); // hashed from the browser's cache
  expect(shared.pins.corpus).toMatchObject({ kind: 'demo', docs: 58 });
  const stages = shared.summary!.stages;
  expect(stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['embed', 'embed query', 'search', 'time to first token', 'decode']));
  expect(shared.summary!.quality!.evaluated).toBe(40);

  // Someone else opens it: a fresh context (no cache, no storage).
  const other = await browser.newContext();
  const page2 = await other.newPage();
  const fetched: string[] = [];
  page2.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  expect(await openLink(page2, link)).toEqual({ ok: true });
  const view = page2.locator('ragtab-shared-run');
  await expect(view.locator('.banner')).toContainText("Someone else's run");
  expect(await view.locator('[data-shared-config]').textContent()).toBe(JSON.stringify(shared.config, null, 2));
  for (const s of stages) {
    await expect(view.locator(`tr[data-shared-stage="${s.stage}"][data-phase="${s.phase}"] [data-mean]`)).toHaveText(ms(s.mean));
  }
  await expect(view.locator('[data-shared-env]')).toContainText(shared.summary!.environment.userAgent);
  await expect(view.locator('[data-shared-quality]')).toContainText(shared.summary!.quality!.ndcg10.toFixed(4));
  // opening the link downloaded no model
  expect(fetched.filter((p) => p.includes('/models/'))).toEqual([]);
  expect(await page2.evaluate(() => window.ragtab!.active)).toBeNull();

  // Run on this device → the comparison
  await arm(page2, ['ragtab-share-compared', 'ragtab-share-failed']);
  await view.locator('[data-run-shared]').click();
  const done = await settle(page2);
  expect(done.name, JSON.stringify(done.detail)).toBe('ragtab-share-compared');
  const cmp = page2.locator('ragtab-share-compare');
  for (const s of stages) await expect(cmp.locator(`tr[data-compare-row="${s.stage}"][data-phase="${s.phase}"]`)).toBeVisible();
  const ratios = await cmp.locator('tr[data-compare-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ratio')));
  expect(ratios.filter((r) => r && Number(r) > 0).length).toBeGreaterThanOrEqual(stages.length - 1);
  expect(await cmp.locator('[data-compare-chart] rect').count()).toBeGreaterThan(stages.length);
  await expect(cmp.locator('tr[data-compare-quality="nDCG@10"]')).toBeVisible();
  // the same corpus, model and GGUF: no warning about differing content
  await expect(cmp.locator('.warn')).toHaveCount(0);
  const here = await page2.evaluate(() => ({ model: window.ragtab!.lastIngest!.embedder.model.id, llm: window.ragtab!.llmLoad!.info.model, hash: window.ragtab!.lastIngest!.corpusHash }));
  expect(here.model).toBe('lsa-wordpiece-256');
  expect(here.llm).toMatch(/models\/stories260K\/stories260K\.gguf$/);
  expect(here.hash).toBe(shared.pins.corpus.hash);
  await other.close();
});

test("a link to a corpus of the sharer's files asks for them and refuses a wrong one", async ({ page, browser }) => {
  const files = [
    { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Vector search\n\nAn exact scan compares the query with every stored vector.\n') },
    { name: 'tips.txt', mimeType: 'text/plain', buffer: Buffer.from('Cross-origin isolation enables SharedArrayBuffer and multi-threaded WebAssembly.\n') },
  ];
  await page.goto(server.url + '?model=lsa-wordpiece-256&chunking=document&index=exact&llm=none');
  await waitForApp(page);
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('files');
  await page.locator('ragtab-setup input[name=files]').setInputFiles(files);
  // the app re-renders on every session change (IndexedDB opening, a panel loading): the choice stays
  await page.evaluate(async () => {
    window.ragtab!.dispatchEvent(new Event('change'));
    await (document.querySelector('ragtab-app') as unknown as { updateComplete: Promise<unknown> }).updateComplete;
  });
  await expect(page.locator('ragtab-setup select[name=corpusKind]')).toHaveValue('files');
  const ingested = await arm(page, ['ragtab-ingested', 'ragtab-error']).then(() => page.locator('ragtab-setup #ingest').click()).then(() => settle(page));
  expect(ingested.name).toBe('ragtab-ingested');
  expect((ingested.detail as { corpusName: string }).corpusName).toBe('2 files');
  expect(await ask(page, 'what does an exact scan compare')).toBe('ragtab-query-done');
  const link = await createLink(page);
  const decoded = await decodeShareLink(link);
  expect(decoded.ok && decoded.payload.pins.corpus).toMatchObject({ kind: 'files', files: [{ name: 'notes.md' }, { name: 'tips.txt' }] });

  const other = await browser.newContext();
  const page2 = await other.newPage();
  expect(await openLink(page2, link)).toEqual({ ok: true });
  const view = page2.locator('ragtab-shared-run');
  await expect(view.locator('[data-expected-file="notes.md"]')).toBeVisible();
  await expect(view.locator('[data-run-shared]')).toBeDisabled();
  // a file with the right name and the wrong content
  await view.locator('input[data-file-picker]').setInputFiles([{ ...files[0]!, buffer: Buffer.from('# Vector search\n\nSomething else entirely.\n') }, files[1]!]);
  await expect(view.locator('[data-file-error]')).toContainText('notes.md is not the shared file');
  await expect(view.locator('[data-run-shared]')).toBeDisabled();
  // the right files, picked in another order
  await view.locator('input[data-file-picker]').setInputFiles([files[1]!, files[0]!]);
  await expect(view.locator('[data-file-error]')).toHaveCount(0);
  await expect(view.locator('[data-expected-file="notes.md"] .ok')).toBeVisible();
  await arm(page2, ['ragtab-share-compared', 'ragtab-share-failed']);
  await view.locator('[data-run-shared]').click();
  const done = await settle(page2);
  expect(done.name, JSON.stringify(done.detail)).toBe('ragtab-share-compared');
  expect(await page2.evaluate(() => window.ragtab!.lastIngest!.corpusHash)).toBe(decoded.ok && decoded.payload.pins.corpus.hash);
  await expect(page2.locator('ragtab-share-compare tr[data-compare-row="embed query"]')).toBeVisible();
  await other.close();
});

test('hostile links: named errors, no script runs, the app stays usable', async ({ page }) => {
  const base = server.url + '?model=lsa-wordpiece-256&llm=none&chunking=document&index=exact';
  await page.goto(base);
  await waitForApp(page);
  // the sentinel works: the same markup, parsed as HTML, sets it
  await page.evaluate((m) => {
    const d = document.createElement('div');
    d.id = 'sentinel-check';
    d.innerHTML = m;
    document.body.append(d);
  }, MARKUP[0]!);
  await expect.poll(() => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBe(1);
  await page.evaluate(() => {
    document.getElementById('sentinel-check')?.remove();
    delete (window as unknown as { __pwned?: unknown }).__pwned;
  });
  const cases = (await fuzzCases(48, 4242)).filter((c) => c.data.length < 1_000_000);
  // plus: markup in the name, a question, a corpus file name and the environment, all valid
  const p = validPayload() as { config: { name: string; queries: { from: string; list: string[]; count: number } }; summary: { environment: { userAgent: string } } };
  p.config.name = MARKUP[0]!;
  p.config.queries = { from: 'list', list: [MARKUP[1]!, MARKUP[2]!], count: 2 };
  p.summary.environment.userAgent = MARKUP[4]!;
  const markup = await encodeShareData(p);
  cases.push({ kind: 'markup-all', data: markup });
  const seen = new Map<string, number>();
  for (const [i, c] of cases.entries()) {
    let verdict: { ok: boolean; name?: string };
    if (i % 10 === 0) {
      verdict = await openLink(page, `${base}#share=${c.data}`); // a fresh load
    } else {
      await arm(page, ['ragtab-share-opened']);
      await page.evaluate((d) => (location.hash = `share=${d}`), c.data);
      const r = await settle<{ ok: boolean; name?: string }>(page, 30_000);
      expect(r.name, c.kind).toBe('ragtab-share-opened');
      verdict = r.detail;
      expect(await readVerdict(page)).toEqual(verdict.ok ? { ok: true } : { ok: false, name: verdict.name });
    }
    if (!verdict.ok) expect(['InvalidShareLink', 'ShareLinkTooLarge', 'UnsupportedShareVersion'], c.kind).toContain(verdict.name);
    seen.set(verdict.ok ? 'ok' : verdict.name!, (seen.get(verdict.ok ? 'ok' : verdict.name!) ?? 0) + 1);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), c.kind).toBeUndefined();
  }
  expect(seen.get('InvalidShareLink') ?? 0).toBeGreaterThan(10);
  expect(seen.get('ok') ?? 0).toBeGreaterThan(0);
  // the planted markup shows as text, and made no element
  const view = page.locator('ragtab-shared-run');
  await expect(view.locator('[data-shared-name]')).toHaveText(MARKUP[0]!);
  await expect(view.locator('[data-shared-question]').first()).toHaveText(MARKUP[1]!);
  await expect(view.locator('[data-shared-env]')).toContainText(MARKUP[4]!);
  expect(await view.evaluate((el) => el.shadowRoot!.querySelectorAll('img, script, iframe, svg[onload]').length)).toBe(0);
  // A handler planted now, after the view rendered the markup, has run: one the view's markup had
  // planted (an image's error, an svg's load) would have run by then too.
  await page.evaluate(() => {
    const d = document.createElement('div');
    d.innerHTML = '<img src=x onerror="window.__control=1">';
    document.body.append(d);
  });
  await expect.poll(() => page.evaluate(() => (window as unknown as { __control?: unknown }).__control)).toBe(1);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  // the app still works
  await view.locator('[data-close-shared]').click();
  expect(await shownError(page)).toBeNull();
  expect(await ingest(page)).toBe('ragtab-ingested');
  expect(await ask(page, 'what is a share link')).toBe('ragtab-query-done');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
});

test('an old-version link opens; an unknown host waits for consent; a newer version is refused', async ({ page }) => {
  const old = await encodeShareData({ v: 0, params: 'model=lsa-wordpiece-256&k=5&llm=none&chunking=document' });
  expect(await openLink(page, `${server.url}#share=${old}`)).toEqual({ ok: true });
  const view = page.locator('ragtab-shared-run');
  await expect(view.locator('[data-migrated="0"]')).toBeVisible();
  await expect(view.locator('[data-shared-config]')).toContainText('"k": 5');

  const newer = await encodeShareData({ ...validPayload(), v: SHARE_VERSION + 1 });
  expect(await openLink(page, `${server.url}#share=${newer}`)).toEqual({ ok: false, name: 'UnsupportedShareVersion' });
  await expect(page.locator('ragtab-share [data-share-error]')).toContainText('newer ragtab');

  // a GGUF from a host outside the allow-list: shown in full, nothing fetched until "Allow"
  const evil = 'https://evil.example/models/x.gguf';
  const p = validPayload() as { config: { llm: { model: string } }; pins: { llm: { model: string; sha256: string | null } } };
  p.config.llm.model = evil;
  p.pins.llm = { ...p.pins.llm, model: evil, sha256: null };
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  expect(await openLink(page, `${server.url}#share=${await encodeShareData(p)}`)).toEqual({ ok: true });
  await expect(view.locator('[data-fetch="llm.model"]')).toContainText(evil);
  await expect(view.locator('[data-fetch="llm.model"] .chip')).toHaveText('needs your consent');
  await view.locator('[data-run-shared]').click();
  await expect(view.locator('[data-consent-url]')).toHaveText(evil);
  await view.locator('[data-consent-cancel]').click();
  await expect(view.locator('[data-consent]')).toHaveCount(0);
  expect(requested.filter((u) => u.includes('evil.example'))).toEqual([]);
  expect(await page.evaluate(() => window.ragtab!.status)).toBe('idle');

  // a well-known hub, but someone else's repository: consent too, naming the owner and repository
  const hub = 'https://huggingface.co/someone-else/SmolLM2-360M-Instruct-GGUF/resolve/main/x.gguf';
  p.config.llm.model = hub;
  p.pins.llm = { ...p.pins.llm, model: hub, sha256: null };
  expect(await openLink(page, `${server.url}#share=${await encodeShareData(p)}`)).toEqual({ ok: true });
  await expect(view.locator('[data-fetch="llm.model"]')).toContainText(hub);
  await expect(view.locator('[data-fetch="llm.model"] [data-owner]')).toHaveText('someone-else');
  await expect(view.locator('[data-fetch="llm.model"]')).toContainText('repository SmolLM2-360M-Instruct-GGUF');
  await expect(view.locator('[data-fetch="llm.model"] .chip')).toHaveText('needs your consent');
  await view.locator('[data-run-shared]').click();
  await expect(view.locator('[data-consent] [data-owner]')).toHaveText('someone-else');
  await view.locator('[data-consent-cancel]').click();
  expect(requested.filter((u) => u.includes('huggingface.co'))).toEqual([]);
  expect(await page.evaluate(() => window.ragtab!.status)).toBe('idle');
});

test('a link that asks for days of work shows its cost, waits for a confirmation, and its run can be cancelled', async ({ page }) => {
  // the drill of issue 12: 10,000 iterations, 100 warm-ups, clearCache and a 6-cell sweep
  const config = applySets(CONFIG, ['llm.engine=none', 'llm.model=null', 'llm.variant=null', 'iterations=10000', 'warmups=100', 'clearCache=true', 'sweep=[{"path":"k","values":[1,2,3]},{"path":"embedder.batch","values":[8,16]}]']);
  const payload = { v: SHARE_VERSION, config, pins: makePins(config, { corpusName: 'ragtab docs (demo)', docs: 58, deps: {} }), summary: { ...SUMMARY, llm: null } };
  expect(await openLink(page, `${server.url}#share=${await encodeShareData(payload)}`)).toEqual({ ok: true });
  const view = page.locator('ragtab-shared-run');
  // the cost, before anything runs: cells, steps, queries, what it deletes
  const cost = view.locator('[data-cost]');
  await expect(cost).toContainText('6 sweep cells, 121,230 steps (at most), 60,600 timed queries');
  await expect(cost).toContainText('the cached files of the embedding model lsa-wordpiece-256');
  await expect(cost).toContainText('no estimate of time before it starts');
  // "Run" asks first, naming every excess; declining starts nothing
  await view.locator('[data-run-shared]').click();
  await expect(view.locator('[data-confirm-cost] [data-concern]')).toHaveCount(4);
  await expect(view.locator('[data-confirm-cost]')).toContainText('121,230 steps (200 without confirmation)');
  await view.locator('[data-confirm-cancel]').click();
  await expect(view.locator('[data-confirm-cost]')).toHaveCount(0);
  expect(await page.evaluate(() => window.ragtab!.status)).toBe('idle');
  // confirmed, it runs with live progress and a Cancel button, and stops when cancelled
  await arm(page, ['ragtab-share-failed', 'ragtab-share-compared']);
  await view.locator('[data-run-shared]').click();
  await view.locator('[data-confirm-run]').click();
  await expect(view.locator('[data-close-shared]')).toBeDisabled();
  await expect(view.locator('[data-share-status]')).toContainText(/cell 1 of 6 · .* steps · .* so far · about .* left at this pace/, { timeout: 5 * 60_000 });
  await view.locator('[data-cancel-shared]').click();
  const end = await settle<{ name: string; message: string }>(page, 5 * 60_000);
  expect(end.name).toBe('ragtab-share-failed');
  expect(end.detail.name).toBe('Cancelled');
  await expect(view.locator('[data-run-error="Cancelled"]')).toBeVisible();
  await expect(view.locator('[data-cancel-shared]')).toHaveCount(0);
  await expect(view.locator('[data-close-shared]')).toBeEnabled();
  expect(await page.evaluate(() => window.ragtab!.busy)).toBe(false);
});

test('bidi and invisible controls in a link are shown as tokens, each string isolated', async ({ page }) => {
  const config = applySets(CONFIG, ['name=invoice\u202Etxt.exe', 'queries.from=list', 'queries.list=["a\u2066b\u2069c","plain"]']);
  const payload = { v: SHARE_VERSION, config, pins: makePins(config, { corpusName: 'docs\u200B\u202Dx', docs: 58, deps: {} }), summary: SUMMARY };
  expect(await openLink(page, `${server.url}#share=${await encodeShareData(payload)}`)).toEqual({ ok: true });
  const view = page.locator('ragtab-shared-run');
  await expect(view.locator('[data-shared-name]')).toHaveText('invoice⟦U+202E⟧txt.exe');
  await expect(view.locator('[data-shared-name] bdi')).toHaveCount(1);
  await expect(view.locator('[data-shared-question]').first()).toHaveText('a⟦U+2066⟧b⟦U+2069⟧c');
  await expect(view.locator('[data-shared-corpus]')).toContainText('docs⟦U+200B⟧⟦U+202D⟧x');
  await expect(view.locator('[data-shared-config]')).toContainText('invoice⟦U+202E⟧txt.exe');
  // no raw control character is left anywhere in the view's text
  const raw = await view.evaluate((el) => /[\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069]/.test(el.shadowRoot!.textContent ?? ''));
  expect(raw).toBe(false);
});

test("a link's inconsistent figures are marked inconsistent, not shown as results", async ({ page }) => {
  const summary = structuredClone(SUMMARY);
  summary.stages[0] = { ...summary.stages[0]!, count: 0 }; // n = 0 with a mean
  summary.stages[5] = { ...summary.stages[5]!, p90: 9, p99: 5 }; // p90 above p99
  summary.quality = { ...summary.quality!, evaluated: 0, ndcg10: 1 }; // nDCG 1.0 over 0 queries
  const payload = { ...validPayload(), summary };
  expect(await openLink(page, `${server.url}#share=${await encodeShareData(payload)}`)).toEqual({ ok: true });
  const view = page.locator('ragtab-shared-run');
  await expect(view.locator('tr[data-shared-stage][data-inconsistent]')).toHaveCount(2);
  await expect(view.locator(`tr[data-shared-stage="${summary.stages[0]!.stage}"]`)).toContainText('inconsistent: n = 0 with a mean');
  await expect(view.locator(`tr[data-shared-stage="${summary.stages[5]!.stage}"]`)).toContainText('inconsistent: p90 9.00 above p99 5.00');
  await expect(view.locator(`tr[data-shared-stage="${summary.stages[5]!.stage}"] [data-mean]`)).toHaveCount(0);
  await expect(view.locator('[data-shared-quality]')).toHaveText('quality: inconsistent (scores over 0 judged queries)');
  // the consistent rows are shown as before
  await expect(view.locator('tr[data-shared-stage]:not([data-inconsistent])')).toHaveCount(summary.stages.length - 2);
});

test('two exported records compare side by side', async ({ page }) => {
  const { records: [a] } = await runFake();
  const { records: [b] } = await runFake([...SMALL, 'k=5']);
  await page.goto(server.url + '?model=lsa-wordpiece-256&llm=none');
  await waitForApp(page);
  await page.locator('ragtab-share summary').click();
  await page.locator('ragtab-share input[data-compare-records]').setInputFiles([
    { name: 'baseline.json', mimeType: 'application/json', buffer: Buffer.from(toJson(a!)) },
    { name: 'current.json', mimeType: 'application/json', buffer: Buffer.from(toJson(b!)) },
  ]);
  const cmp = page.locator('ragtab-share ragtab-share-compare');
  await expect(cmp.locator('h2')).toHaveText('Side by side: baseline.json and current.json');
  await expect(cmp.locator('tr[data-compare-row="search"][data-phase="warm"]')).toBeVisible();
  await expect(cmp.locator('tr[data-compare-row="search"][data-phase="warm"] td').last()).toHaveText(/^(below resolution \(within noise: n \d+ vs \d+\)|×[\d.]+ \((about the same|[\d.]+× (faster|slower) in current\.json)\))$/);
});
