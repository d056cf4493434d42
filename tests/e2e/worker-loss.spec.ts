/**
 * A worker that ends without an error event (issue 12, item 5), in the real app: the index worker
 * lost after an ingestion is started again and its index restored from IndexedDB, with the same
 * answers; the embedder lost in the middle of an ingestion fails that ingestion with WorkerCrashed
 * naming the worker (it used to freeze at the same count), and the app goes on. The loss is made by
 * terminating the worker from the page: no error event reaches the page, as when the browser ends
 * a worker. The bridge learns of it from the Web Lock each worker holds while it lives, a moment
 * later: a worker lost just after the app checked it was there is restored and the query run again.
 */
import { expect, test, type Page } from '@playwright/test';
import { askViaUi, ingestViaUi, waitForApp } from './pwa-helpers';

const QS = './?model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none';
const QUESTION = 'how is time to first token measured';

async function topIds(page: Page): Promise<{ ids: string[]; warnings: string[] }> {
  expect(await askViaUi(page, QUESTION)).toBe('ragtab-query-done');
  return page.evaluate(() => ({ ids: window.ragtab!.lastQuery!.hits.map((h) => h.id), warnings: [...window.ragtab!.warnings] }));
}

/** Ends a worker of the active session from the page (no error event), as the browser may. */
function killWorker(page: Page, which: 'index' | 'embedder'): Promise<void> {
  return page.evaluate((which) => {
    const a = window.ragtab!.active as unknown as Record<string, { worker: Worker | null }>;
    a[which]!.worker!.terminate();
  }, which);
}

test('an index worker lost after ingesting is started again and its index restored: same answers, said so', async ({ page }) => {
  await page.goto(QS);
  await waitForApp(page);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const before = await topIds(page);
  await killWorker(page, 'index');
  const after = await topIds(page);
  expect(after.ids).toEqual(before.ids);
  expect(after.warnings.join(' ')).toMatch(/The index worker had stopped: a new one was started and the index restored \([\d,]+ vectors read back from IndexedDB, [\d,]+ ms\)\./);
  // and again: no second restore (the session keeps its warnings until the next ingestion)
  const again = await topIds(page);
  expect(again).toEqual({ ids: before.ids, warnings: after.warnings });
});

test('a worker lost as a query starts, after the app checked it was there: restored, and the query answered', async ({ page }) => {
  await page.goto(QS);
  await waitForApp(page);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const before = await topIds(page);
  for (const which of ['index', 'embedder'] as const) {
    // ended as the query begins: the page learns of it (the worker's lock) only after its check
    await page.evaluate((which) => {
      const s = window.ragtab!;
      const kill = () => {
        if (s.status !== 'querying') return;
        s.removeEventListener('change', kill);
        (s.active as unknown as Record<string, { worker: Worker }>)[which]!.worker.terminate();
      };
      s.addEventListener('change', kill);
    }, which);
    const after = await topIds(page);
    expect(after.ids, which).toEqual(before.ids);
    if (which === 'index') expect(after.warnings.join(' ')).toMatch(/The index worker had stopped: a new one was started and the index restored \([\d,]+ vectors read back from IndexedDB/);
  }
});

test('the embedder lost in the middle of an ingestion: WorkerCrashed naming it, not a freeze; the app goes on', async ({ page }) => {
  await page.goto(`${QS}&chunking=document`);
  await waitForApp(page);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  // a second ingestion with the same model (its worker reused) and small chunks: many embedding calls
  await page.evaluate(() => {
    const w = window as unknown as { __killedAt?: { done: number; total: number } };
    const s = window.ragtab!;
    s.addEventListener('change', () => {
      const p = s.progress;
      if (p?.phase === 'embed' && !w.__killedAt) {
        w.__killedAt = { done: p.done, total: p.total };
        (s.active as unknown as { embedder: { worker: Worker } }).embedder.worker.terminate();
      }
    });
  });
  await page.locator('ragtab-setup select#chunking').selectOption('tokens');
  await page.locator('ragtab-setup input[name=chunkSize]').fill('32');
  await page.locator('ragtab-setup input[name=chunkSize]').dispatchEvent('change');
  await page.evaluate(() => {
    (window as unknown as { __end?: Promise<unknown> }).__end = new Promise((r) =>
      ['ragtab-ingested', 'ragtab-error'].forEach((n) => window.addEventListener(n, (e) => r({ name: n, detail: (e as CustomEvent).detail ?? null }), { once: true })),
    );
  });
  await page.locator('ragtab-setup #ingest').click();
  const end = (await page.evaluate(() => (window as unknown as { __end: Promise<unknown> }).__end)) as { name: string; detail: { name: string; message: string } };
  const killedAt = await page.evaluate(() => (window as unknown as { __killedAt?: { done: number; total: number } }).__killedAt);
  expect(killedAt && killedAt.done < killedAt.total, JSON.stringify(killedAt)).toBe(true);
  expect(end.name).toBe('ragtab-error');
  expect(end.detail.name).toBe('WorkerCrashed');
  expect(end.detail.message).toContain('The embedder worker stopped without an error');
  // the previous index still answers (its embedder is loaded again), and a new ingestion works
  const answer = await topIds(page);
  expect(answer.ids.length).toBeGreaterThan(0);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
});
