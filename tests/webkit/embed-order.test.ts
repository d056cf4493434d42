/**
 * The embedder's batch order (`embedder.order`) in WebKit: `length` sorts each embed call's texts
 * by token count before batching, `given` keeps the corpus order; the worker gets the setting, and
 * the vectors, so the answers, are the same. Each order ingests in its own WebDriver session (a
 * fresh profile: the index key does not include the order, so one profile would load the first
 * ingestion's vectors instead of embedding). Chromium's twin: tests/e2e/embed-order.spec.ts.
 */
import { expect, test } from 'vitest';
import { batchOrder } from '../e2e/helpers';
import { withApp } from './lib/session';

const PARAMS = { dataset: 'datasets/msmarco-5k/', maxDocs: 300, model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'document', batch: 8, index: 'exact' };
const QUESTIONS = ['what is the capital of france', 'how long does it take to boil an egg'];

interface Ingested {
  order: string;
  fromStorage: boolean;
  batchSize: number;
  batches: Array<{ size: number; tokens: number }>;
  hits: Array<Array<[string, number]>>;
}

async function ingestWith(order: 'length' | 'given'): Promise<Ingested> {
  return withApp(async (app) => {
    await app.open({ ...PARAMS, benchSet: `embedder.order=${order}` });
    const fired = await app.ingest();
    expect(fired.name, JSON.stringify(fired.detail)).toBe('ragtab-ingested');
    const r = await app.run<Omit<Ingested, 'hits'>>(
      `const a = window.ragtab.active; return { order: a.settings.embedOrder, fromStorage: a.report.storage.fromStorage, batchSize: a.report.embedder.batchSize, batches: a.report.batches.map((b) => ({ size: b.size, tokens: b.tokens })) };`,
    );
    const hits: Ingested['hits'] = [];
    for (const q of QUESTIONS) {
      const asked = await app.ask(q);
      expect(asked.name, JSON.stringify(asked.detail)).toBe('ragtab-query-done');
      hits.push(await app.run<Array<[string, number]>>(`return window.ragtab.lastQuery.hits.map((h) => [h.id, Number(h.score.toFixed(6))]);`));
    }
    return { ...r, hits };
  });
}

test('embedder.order reaches the worker in WebKit: length sorts each call by token count, given keeps the corpus order; the answers are the same', async () => {
  const length = await ingestWith('length');
  const given = await ingestWith('given');
  for (const r of [length, given]) {
    expect(r.fromStorage).toBe(false);
    expect(r.batchSize).toBe(8);
  }
  expect(length.order).toBe('length');
  expect(given.order).toBe('given');
  const l = batchOrder(length.batches, 4);
  const g = batchOrder(given.batches, 4);
  console.log(`embed order (WebKit): length ${l.sortedCalls}/${l.calls} calls sorted, given ${g.sortedCalls}/${g.calls}; ${l.tokens} tokens`);
  expect(g.sizes).toEqual(l.sizes);
  expect(g.tokens).toBe(l.tokens);
  expect(l.calls).toBeGreaterThan(5);
  expect(l.sortedCalls).toBe(l.calls);
  expect(g.sortedCalls).toBeLessThan(g.calls);
  expect(given.hits).toEqual(length.hits);
});
