/**
 * The first minutes of a newcomer without hub access (issue 15, items 1 and 5), in the real app: the
 * default model cannot be reached, and the error itself offers the local model this site serves;
 * choosing it puts it in the set-up and in the address, ingesting and asking work, a reload keeps
 * the set-up, and a later visit without parameters opens on the model that worked.
 */
import { expect, test, type Page } from '@playwright/test';
import { askViaUi, ingestViaUi, shownError } from './helpers';
import { decodeShareLink } from '../../src/core/share-link';

test('no hub access: the error offers the local model; chosen, it ingests and answers; the set-up survives a reload and is remembered', async ({ page, context }) => {
  const hub: string[] = [];
  await context.route(/^https:\/\/([a-z0-9-]+\.)*(huggingface\.co|hf\.co)\//, (route) => {
    hub.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await page.goto('./');
  await page.waitForFunction(() => window.ragtab?.ready === true);
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('Xenova/all-MiniLM-L6-v2');
  expect(await ingestViaUi(page)).toBe('ragtab-error');
  expect(hub.length).toBeGreaterThan(0);
  expect(await shownError(page)).toBe('FetchFailed');
  // the way forward is in the error
  const use = page.locator('ragtab-error [data-use-model="lsa-wordpiece-256"]');
  await expect(use).toHaveText('Use lsa-wordpiece-256 (local test model)');
  await use.click();
  await expect(page.locator('ragtab-error [role=alert]')).toHaveCount(0);
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('lsa-wordpiece-256');
  expect(new URL(page.url()).searchParams.get('model')).toBe('lsa-wordpiece-256');
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect(await askViaUi(page, 'how is time to first token measured')).toBe('ragtab-query-done');
  // a reload keeps the set-up (it is in the address)
  await page.reload();
  await page.waitForFunction(() => window.ragtab?.ready === true);
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('lsa-wordpiece-256');
  // a later visit without parameters opens on the model that worked here
  await page.goto('./');
  await page.waitForFunction(() => window.ragtab?.ready === true);
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('lsa-wordpiece-256');
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
});

test('settings live in the address: a change is written back; a bad parameter is reported and ignored alone', async ({ page }) => {
  await page.goto('./?model=lsa-wordpiece-256&modelBase=models/&k=x&chunking=document&llm=none');
  await page.waitForFunction(() => window.ragtab?.ready === true);
  expect(await shownError(page)).toBe('InvalidConfig');
  await expect(page.locator('ragtab-error [role=alert] .msg')).toContainText("Invalid k param: 'x'");
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('lsa-wordpiece-256');
  await expect(page.locator('ragtab-setup select#chunking')).toHaveValue('document');
  // a change in the set-up goes into the address, and a reload keeps it
  await page.locator('ragtab-setup select#chunking').selectOption('tokens');
  await expect.poll(() => new URL(page.url()).searchParams.get('chunking')).toBe(null); // tokens is the default: not written
  await page.locator('ragtab-setup input[name=chunkSize]').fill('64');
  await page.locator('ragtab-setup input[name=chunkSize]').dispatchEvent('change');
  await expect.poll(() => new URL(page.url()).searchParams.get('chunkSize')).toBe('64');
  await page.reload();
  await page.waitForFunction(() => window.ragtab?.ready === true);
  await expect(page.locator('ragtab-setup input[name=chunkSize]')).toHaveValue('64');
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('lsa-wordpiece-256');
  expect(await shownError(page)).toBeNull();
});

/** Arms a listener for the window event `name` (its detail kept); `armed` waits for it. Armed before the click, so it cannot be missed. */
async function armEvent(page: Page, name: string): Promise<void> {
  await page.evaluate((name) => {
    (window as unknown as { __armed: Promise<string> }).__armed = new Promise((r) => window.addEventListener(name, (e) => r(String((e as CustomEvent).detail)), { once: true }));
  }, name);
}
const armed = (page: Page): Promise<string> => page.evaluate(() => (window as unknown as { __armed: Promise<string> }).__armed);

test('the benchmark runs on the current set-up, in a session of its own: the user\'s session, panels and stored index are the same afterwards', async ({ page, context }) => {
  await context.route(/^https:\/\/([a-z0-9-]+\.)*(huggingface\.co|hf\.co)\//, (route) => route.abort('internetdisconnected'));
  // a set-up that differs from the quick preset in model, chunking and LLM
  await page.goto('./?model=lsa-wordpiece-256&modelBase=models/&chunkSize=64&llm=none');
  await page.waitForFunction(() => window.ragtab?.ready === true);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect(await askViaUi(page, 'how is time to first token measured')).toBe('ragtab-query-done');
  await armEvent(page, 'ragtab-evaluated');
  await page.locator('ragtab-quality #evaluate').click();
  await armed(page);
  // the headline has the figures measured so far, each with where it came from; the LLM's say what would measure them
  const headline = page.locator('ragtab-headline');
  for (const k of ['embed', 'retrieval-p50', 'ndcg10']) await expect(headline.locator(`[data-headline=${k}][data-measured=yes]`)).toBeVisible();
  await expect(headline.locator('[data-headline=retrieval-p50]')).toContainText('judged queries');
  await expect(headline.locator('[data-headline=ttft][data-measured=no]')).toContainText('Load an LLM');
  // the session as it stands: its objects (kept by identity) and what its panels show
  const panels = () =>
    page.evaluate(() => {
      const text = (sel: string) => (document.querySelector('ragtab-app')!.shadowRoot!.querySelector(sel)?.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ').trim();
      return { ingest: text('ragtab-ingest-report'), results: text('ragtab-results'), quality: text('ragtab-quality'), setup: text('ragtab-setup') };
    });
  const before = await panels();
  const key = await page.evaluate(() => {
    const s = window.ragtab!;
    (window as unknown as { __before: unknown[] }).__before = [s.active, s.lastIngest, s.lastQuery, s.lastEvaluation, s.active!.index, s.active!.embedder];
    return s.lastIngest!.storage.key;
  });
  expect(await page.evaluate((k) => window.ragtab!.store!.indexes.get(k).then((m) => m?.complete), key)).toBe(true);

  // the panel says what it runs on; "full" (a cold start that clears cached model files) asks first, and No runs nothing
  const bench = page.locator('ragtab-bench');
  await expect(bench.locator('#on-setup')).toBeChecked();
  await expect(bench.locator('#setup-line')).toContainText('lsa-wordpiece-256');
  await expect(bench.locator('#setup-line')).toContainText('64-token chunks');
  await bench.locator('#preset').selectOption('full');
  await bench.locator('#run-bench').click();
  await expect(bench.locator('#bench-confirm-text')).toContainText('deletes the cached files of lsa-wordpiece-256');
  await bench.locator('#bench-confirm-cancel').click();
  await expect(bench.locator('#bench-confirm-text')).toHaveCount(0);
  expect(await page.evaluate(() => window.ragtabBench!.running)).toBe(false);

  await bench.locator('#preset').selectOption('quick');
  await armEvent(page, 'bench-done');
  await bench.locator('#run-bench').click();
  const id = await armed(page);
  const record = await page.evaluate((id) => window.ragtabBench!.get(id), id);
  expect(record?.status).toBe('complete');
  expect(record?.config.embedder.model).toBe('lsa-wordpiece-256');
  expect(record?.config.chunking).toMatchObject({ mode: 'tokens', size: 64 });
  expect(record?.config.llm.engine).toBe('none');
  expect(record?.config.iterations).toBe(5);

  // the same session, by identity; the same panels; the stored index still there and whole
  expect(
    await page.evaluate(() => {
      const s = window.ragtab!;
      const now = [s.active, s.lastIngest, s.lastQuery, s.lastEvaluation, s.active!.index, s.active!.embedder];
      return now.map((x, i) => x === (window as unknown as { __before: unknown[] }).__before[i]);
    }),
  ).toEqual([true, true, true, true, true, true]);
  expect(await panels()).toEqual(before);
  expect(await page.evaluate((k) => window.ragtab!.store!.indexes.get(k).then((m) => m?.complete), key)).toBe(true);
  // and it still answers, from its own workers
  expect(await askViaUi(page, 'what does the storage panel show')).toBe('ragtab-query-done');

  // the report shows the run; a share link made now carries the set-up the newcomer chose
  const report = page.locator('ragtab-report');
  await expect(report.locator('[data-status]')).toHaveText('complete');
  await expect(report.locator('#stats tr[data-stage="embed query"][data-phase="warm"]')).toBeVisible();
  await armEvent(page, 'ragtab-share-created');
  await page.locator('ragtab-share #create-share').click();
  await armed(page);
  const link = await page.locator('ragtab-share input[data-share-url]').inputValue();
  expect(link).toMatch(/#share=[A-Za-z0-9_-]+$/);
  const decoded = await decodeShareLink(link);
  if (!decoded.ok) throw new Error(decoded.error.message);
  expect(decoded.payload.config.embedder.model).toBe('lsa-wordpiece-256');
  expect(decoded.payload.config.chunking).toMatchObject({ mode: 'tokens', size: 64 });
});

test("the LLM's threads field says the number the probe chose beside it, unless the address sets one", async ({ page }) => {
  // the probe's choice, as the LLM panel announces it (kept from the page's start, so it cannot be missed)
  await page.addInitScript(() => window.addEventListener('ragtab-capabilities', (e) => ((window as unknown as { __threads: number }).__threads = (e as CustomEvent<{ wllamaThreads: number }>).detail.wllamaThreads)));
  const decided = async () => {
    await page.waitForFunction(() => (window as unknown as { __threads?: number }).__threads !== undefined);
    return String(await page.evaluate(() => (window as unknown as { __threads: number }).__threads));
  };
  const field = page.locator('ragtab-llm input[name=llmThreads]');
  await page.goto('./?model=lsa-wordpiece-256&modelBase=models/');
  const decision = await decided();
  await expect(field).toHaveValue(decision);
  await expect(page.locator('ragtab-llm [data-capabilities]')).toContainText(`threads: ${decision}`);
  await page.goto('./?model=lsa-wordpiece-256&modelBase=models/&llmThreads=3');
  await decided();
  await expect(field).toHaveValue('3');
});
