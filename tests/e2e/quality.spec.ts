/**
 * Retrieval quality in the page against the reference figures computed outside the app
 * (transformers.js, lsa-wordpiece-256, fp32, mean pooling, normalised, documents whole as
 * title + " " + text, exact cosine search over the whole corpus): see ../shared/models/README.md.
 */
import { expect, test } from '@playwright/test';
import { ingestViaUi, openApp } from './helpers';

const REFERENCE = [
  { dataset: 'msmarco-5k', ndcg10: 0.6519, recall100: 0.796, evaluated: 43 },
  { dataset: 'dbpedia-5k', ndcg10: 0.284, recall100: 0.8626, evaluated: 40 },
];

for (const ref of REFERENCE) {
  test(`${ref.dataset}: nDCG@10 and recall@100 reproduce the reference within ±0.005`, async ({ page }) => {
    await openApp(page, { dataset: `datasets/${ref.dataset}/`, model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'document', index: 'exact' });
    expect(await ingestViaUi(page)).toBe('ragtab-ingested');
    expect(await page.evaluate(() => window.ragtab!.lastIngest!.docs)).toBe(5000);
    await page.evaluate(() => {
      (window as unknown as { __ev: Promise<string> }).__ev = new Promise((r) => {
        window.addEventListener('ragtab-evaluated', () => r('ok'), { once: true });
        window.addEventListener('ragtab-error', () => r('error'), { once: true });
      });
    });
    await page.locator('ragtab-quality #evaluate').click();
    expect(await page.evaluate(() => (window as unknown as { __ev: Promise<string> }).__ev)).toBe('ok');
    const r = await page.evaluate(() => {
      const e = window.ragtab!.lastEvaluation!;
      return { mean: e.quality.mean!, evaluated: e.quality.evaluated, skipped: e.quality.skipped.noPositiveJudgment.length, latency: e.latency.map((l) => ({ stage: l.stage, count: l.roundTrip.count })) };
    });
    expect(r.evaluated).toBe(ref.evaluated);
    expect(Math.abs(r.mean.ndcg10 - ref.ndcg10)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(r.mean.recall100 - ref.recall100)).toBeLessThanOrEqual(0.005);
    expect(r.latency).toEqual([
      { stage: 'embed query', count: r.evaluated + r.skipped },
      { stage: 'search', count: r.evaluated + r.skipped },
    ]);
    await expect(page.locator('ragtab-quality [data-metric=ndcg10]')).toHaveText(r.mean.ndcg10.toFixed(4));
  });
}

test('the demo corpus shows quality for its judged questions', async ({ page }) => {
  await openApp(page, { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'exact' });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  await page.locator('ragtab-quality #evaluate').click();
  await expect(page.locator('ragtab-quality [data-metric=ndcg10]')).toBeVisible();
  const e = await page.evaluate(() => window.ragtab!.lastEvaluation!.quality);
  expect(e.evaluated).toBe(40);
  expect(e.mean!.ndcg10).toBeGreaterThan(0);
  expect(e.mean!.ndcg10).toBeLessThanOrEqual(1);
});
