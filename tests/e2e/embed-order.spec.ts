/**
 * The embedder's batch order (`embedder.order`, a benchmark axis: `length` sorts each call's texts
 * by token count before batching, `given` keeps the corpus order) reaches the embedder worker and
 * changes nothing but the batching: the same chunks get the same vectors, so the same answers.
 * Each order ingests in a fresh browser context (the index key does not include the order, so in
 * one context the second ingestion would load the first's vectors instead of embedding).
 */
import { expect, test, type Browser } from '@playwright/test';
import { askViaUi, batchOrder, ingestViaUi, openApp } from './helpers';

const PARAMS = { dataset: 'datasets/msmarco-5k/', maxDocs: 300, model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'document', batch: 8, index: 'exact' } as const;
const QUESTIONS = ['what is the capital of france', 'how long does it take to boil an egg'];

async function ingestWith(browser: Browser, baseURL: string, order: 'length' | 'given') {
  const context = await browser.newContext({ baseURL });
  try {
    const page = await context.newPage();
    await openApp(page, { ...PARAMS, benchSet: `embedder.order=${order}` });
    expect(await ingestViaUi(page)).toBe('ragtab-ingested');
    const r = await page.evaluate(() => {
      const a = window.ragtab!.active!;
      return { order: a.settings.embedOrder, fromStorage: a.report.storage.fromStorage, batchSize: a.report.embedder.batchSize, batches: a.report.batches.map((b) => ({ size: b.size, tokens: b.tokens })) };
    });
    const hits: Array<Array<[string, number]>> = [];
    for (const q of QUESTIONS) {
      expect(await askViaUi(page, q)).toBe('ragtab-query-done');
      hits.push(await page.evaluate(() => window.ragtab!.lastQuery!.hits.map((h) => [h.id, Number(h.score.toFixed(6))] as [string, number])));
    }
    return { ...r, hits, summary: batchOrder(r.batches, 4) };
  } finally {
    await context.close();
  }
}

test('embedder.order reaches the worker: length sorts each call by token count, given keeps the corpus order; the answers are the same', async ({ browser, baseURL }) => {
  const length = await ingestWith(browser, baseURL!, 'length');
  const given = await ingestWith(browser, baseURL!, 'given');
  for (const r of [length, given]) {
    expect(r.fromStorage).toBe(false);
    expect(r.batchSize).toBe(8);
  }
  expect(length.order).toBe('length');
  expect(given.order).toBe('given');
  console.log(`embed order: length ${length.summary.sortedCalls}/${length.summary.calls} calls sorted, given ${given.summary.sortedCalls}/${given.summary.calls}; ${length.summary.tokens} tokens`);
  // the same texts in the same calls and batch sizes, the same tokens in all
  expect(given.summary.sizes).toEqual(length.summary.sizes);
  expect(given.summary.tokens).toBe(length.summary.tokens);
  // length: every call's batches run shortest first; given: the corpus order, which is not
  expect(length.summary.calls).toBeGreaterThan(5);
  expect(length.summary.sortedCalls).toBe(length.summary.calls);
  expect(given.summary.sortedCalls).toBeLessThan(given.summary.calls);
  expect(given.hits).toEqual(length.hits);
});
