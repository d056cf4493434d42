/**
 * Persistence through the app, in real Chromium with real IndexedDB: a reload re-embeds nothing,
 * a page closed mid-ingest resumes, two tabs take turns, a changed configuration does not reuse
 * vectors, a full quota is a named error that loses nothing, the storage panel frees space.
 */
import { expect, test, type Page } from '@playwright/test';
import { askViaUi, ingestViaUi, openApp, shownError } from './helpers';

const SMALL = { dataset: 'datasets/msmarco-5k/', maxDocs: 300, model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'tokens', chunkSize: 64, chunkOverlap: 8, index: 'exact' } as const;
const BIG = { ...SMALL, maxDocs: 5000, chunkSize: 48, chunkOverlap: 0 } as const;

async function report(page: Page) {
  return page.evaluate(() => {
    const r = window.ragtab!.lastIngest!;
    return { stages: r.stages.map((s) => s.name), during: r.stages.find((s) => s.name === 'load')?.extra?.['during'] ?? null, storage: r.storage, chunks: r.chunks, ids: window.ragtab!.active!.chunks.map((c) => c.id) };
  });
}

async function topHits(page: Page, q: string) {
  expect(await askViaUi(page, q)).toBe('ragtab-query-done');
  return page.evaluate(() => window.ragtab!.lastQuery!.hits.map((h) => [h.id, Number(h.score.toFixed(6))]));
}

test('a reload loads the vectors from storage instead of embedding, with the same results; another chunking embeds again', async ({ page }) => {
  await openApp(page, SMALL);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const first = await report(page);
  expect(first.stages).toContain('embed');
  expect(first.storage.persisted).toBe(true);
  expect(first.storage.fromStorage).toBe(false);
  const hits1 = await topHits(page, 'what is the capital of france');

  await page.reload();
  await page.waitForFunction(() => window.ragtab?.ready === true);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const second = await report(page);
  expect(second.storage.fromStorage).toBe(true);
  expect(second.stages).toContain('load');
  // read while the model loaded (ingest.ts readStoredMeanwhile), its own time recorded
  expect(second.during).toBe('model load');
  // the timings card says so exactly when the stages add up to more than the end-to-end time
  const sums = await page.evaluate(() => {
    const r = window.ragtab!.lastIngest!;
    return { sum: r.stages.reduce((n, s) => n + s.ms, 0), total: r.totalMs };
  });
  console.log(`reload: stages add up to ${Math.round(sums.sum)} ms, end to end ${Math.round(sums.total)} ms`);
  await expect(page.locator('ragtab-timings[heading="Ingestion stages"] h2')).toBeVisible();
  await expect(page.locator('ragtab-timings[heading="Ingestion stages"] [data-overlap]')).toHaveCount(sums.sum > sums.total ? 1 : 0);
  expect(second.stages).not.toContain('embed');
  expect(second.stages).not.toContain('chunk');
  expect(second.ids).toEqual(first.ids);
  await expect(page.locator('ragtab-ingest-report [data-storage=loaded]')).toBeVisible();
  // its tiles show the load, not an embedding of nothing ("0 tokens embedded, — chunks/s")
  await expect(page.locator('ragtab-ingest-report [data-figure=load-ms]')).toBeVisible();
  await expect(page.locator('ragtab-ingest-report [data-figure=chunks-per-second]')).toHaveCount(0);
  await expect(page.locator('ragtab-ingest-report .kv')).not.toContainText('tokens embedded');
  expect(await topHits(page, 'what is the capital of france')).toEqual(hits1);

  // Another chunking (or model) must not reuse the stored vectors.
  await openApp(page, { ...SMALL, chunkSize: 96 });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const third = await report(page);
  expect(third.storage.fromStorage).toBe(false);
  expect(third.stages).toContain('embed');
  expect(third.storage.key).not.toBe(first.storage.key);
  await openApp(page, { ...SMALL, model: 'minilm-shape-random', maxDocs: 20 });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect((await report(page)).storage.fromStorage).toBe(false);
});

/**
 * Chunks committed so far to the (only) partial index in the page's IndexedDB, read straight from
 * the database: ingestion commits several embedded batches per transaction (INGEST_COMMIT_POLICY),
 * so the progress bar runs ahead of what is stored.
 */
async function committedPartial(page: Page): Promise<{ committed: number; total: number } | null> {
  return page.evaluate(
    () =>
      new Promise<{ committed: number; total: number } | null>((resolve) => {
        const req = indexedDB.open('ragtab');
        req.onerror = () => resolve(null);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('indexes')) {
            db.close();
            resolve(null);
            return;
          }
          const all = db.transaction('indexes').objectStore('indexes').getAll();
          all.onsuccess = () => {
            db.close();
            const m = (all.result as Array<{ complete: boolean; committedChunks: number; totalChunks: number }>).find((x) => !x.complete && x.committedChunks > 0);
            resolve(m ? { committed: m.committedChunks, total: m.totalChunks } : null);
          };
          all.onerror = () => {
            db.close();
            resolve(null);
          };
        };
      }),
  );
}

test('a page closed mid-ingest resumes from the last committed batch: same chunks as an uninterrupted run', async ({ browser }) => {
  // The whole corpus: enough chunks for several commits of INGEST_COMMIT_POLICY's 8,192 vectors.
  // Uninterrupted reference, in its own context (its own IndexedDB).
  const refCtx = await browser.newContext();
  const ref = await refCtx.newPage();
  await openApp(ref, BIG);
  expect(await ingestViaUi(ref)).toBe('ragtab-ingested');
  const want = await report(ref);
  const wantHits = await topHits(ref, 'how long does it take to boil an egg');
  await refCtx.close();

  const ctx = await browser.newContext();
  const a = await ctx.newPage();
  await openApp(a, BIG);
  await a.locator('ragtab-setup #ingest').click();
  // Close the page once a few batches are committed (and some embedded but not yet committed).
  await expect.poll(() => committedPartial(a), { timeout: 300_000, intervals: [50] }).not.toBeNull();
  await a.close();

  const b = await ctx.newPage();
  await openApp(b, BIG);
  expect(await ingestViaUi(b)).toBe('ragtab-ingested');
  const got = await report(b);
  expect(got.storage.resumedFrom).toBeGreaterThan(0);
  expect(got.storage.resumedFrom).toBeLessThan(got.chunks);
  expect(got.stages).toEqual(expect.arrayContaining(['load', 'embed']));
  expect(got.chunks).toBe(want.chunks);
  expect(got.ids).toEqual(want.ids);
  expect(new Set(got.ids).size).toBe(got.ids.length);
  expect(await topHits(b, 'how long does it take to boil an egg')).toEqual(wantHits);
  await ctx.close();
});

test('two tabs: the second waits for the first to finish writing, says so, then loads what it stored', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  // A model with a real encoder's compute cost, so the first tab is still embedding when the
  // second reaches the lock (with lsa-wordpiece-256, the whole corpus is embedded and committed
  // in a few seconds now that commits are grouped: the second tab could arrive after it).
  const SLOW = { ...BIG, model: 'minilm-shape-random', maxDocs: 400 } as const;
  await openApp(a, SLOW);
  await openApp(b, SLOW);
  await a.locator('ragtab-setup #ingest').click();
  await a.waitForFunction(() => window.ragtab?.progress?.phase === 'embed', null, { timeout: 300_000, polling: 50 });
  const bDone = ingestViaUi(b);
  await expect(b.locator('ragtab-error .warn').filter({ hasText: 'Another tab is writing this index' })).toBeVisible({ timeout: 120_000 });
  expect(await bDone).toBe('ragtab-ingested');
  await a.waitForFunction(() => window.ragtab?.status === 'ready');
  const ra = await report(a);
  const rb = await report(b);
  expect(ra.storage.persisted).toBe(true);
  expect(rb.storage.fromStorage).toBe(true);
  expect(rb.stages).not.toContain('embed');
  expect(rb.ids).toEqual(ra.ids);
});

test('quota exceeded: the index stays in memory, said so with the figures, and what was stored before stays usable', async ({ page }) => {
  const origin = new URL(test.info().project.use.baseURL!).origin;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1_500_000 });
  await openApp(page, { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'exact' });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested'); // the demo corpus fits
  expect((await report(page)).storage.persisted).toBe(true);
  await openApp(page, { ...BIG, maxDocs: 3000 });
  // the vectors are computed: the ingestion ends, its index in memory only, and says why with the figures
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect((await report(page)).storage.persisted).toBe(false);
  const said = (await page.evaluate(() => window.ragtab!.warnings)).join(' ');
  expect(said).toMatch(/Not enough storage space .*needed about .*available/);
  expect(said).toContain('The index is kept in memory for this session only, not persisted');
  expect(await shownError(page)).toBeNull();
  // The demo's stored index is intact: a reload loads it without embedding.
  await openApp(page, { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'exact' });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const r = await report(page);
  expect(r.storage.fromStorage).toBe(true);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
});

test('the storage panel lists the stored index and deleting it frees the space', async ({ page }) => {
  await openApp(page, SMALL);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const key = (await report(page)).storage.key;
  const row = page.locator(`ragtab-storage tr[data-kind=index][data-id="${key}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-complete', 'true');
  const before = Number(await page.locator('ragtab-storage #total-bytes').getAttribute('data-bytes'));
  await row.locator('button.delete').click();
  await expect(row).toHaveCount(0);
  const after = Number(await page.locator('ragtab-storage #total-bytes').getAttribute('data-bytes'));
  expect(after).toBeLessThan(before);
  // Nothing stale is served: the next ingestion embeds again.
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect((await report(page)).stages).toContain('embed');
});
