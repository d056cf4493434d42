/**
 * The demo corpus in WebKit with lsa-wordpiece-256 answers queries, and its top-10 and quality
 * figures are the same as Chromium's, run here on the same build and the same texts.
 */
import { expect, test } from 'vitest';
import { inject } from 'vitest';
import { chromium } from '@playwright/test';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import { withApp } from './lib/session';

const PARAMS = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'exact' };
const QUESTION = 'How do I run the tests?';

interface Figures {
  hits: Array<{ id: string; score: number }>;
  quality: { evaluated: number; mean: Record<string, number>; perQuery: Array<Record<string, number | string>> };
}

const COLLECT = `const q = window.ragtab.lastQuery; const e = window.ragtab.lastEvaluation.quality;
  return { hits: q.hits.map((h) => ({ id: h.id, score: h.score })), quality: { evaluated: e.evaluated, mean: e.mean, perQuery: e.perQuery } };`;

async function inChromium(base: string): Promise<Figures> {
  const browser = await chromium.launch({ executablePath: resolveChromium(), args: BASE_FLAGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}?${new URLSearchParams(PARAMS)}`);
    await page.waitForFunction(() => window.ragtab?.ready === true);
    const wait = (names: string[]) =>
      page.evaluate((names) => new Promise<string>((r) => names.forEach((n) => window.addEventListener(n, () => r(n), { once: true }))), names);
    let fired = wait(['ragtab-ingested', 'ragtab-error']);
    await page.locator('ragtab-setup #ingest').click();
    expect(await fired).toBe('ragtab-ingested');
    fired = wait(['ragtab-query-done', 'ragtab-error']);
    await page.locator('ragtab-query input[name=question]').fill(QUESTION);
    await page.locator('ragtab-query button[type=submit]').click();
    expect(await fired).toBe('ragtab-query-done');
    fired = wait(['ragtab-evaluated', 'ragtab-error']);
    await page.locator('ragtab-quality #evaluate').click();
    expect(await fired).toBe('ragtab-evaluated');
    return (await page.evaluate(`(() => { ${COLLECT} })()`)) as Figures;
  } finally {
    await browser.close();
  }
}

test('the demo ingests, answers, and gives the same top-10 and quality figures as Chromium', async () => {
  const webkit = await withApp(async (app) => {
    await app.open(PARAMS);
    const ingested = await app.ingest();
    expect(ingested.name, JSON.stringify(ingested.detail)).toBe('ragtab-ingested');
    // the first ingestion took the tab's roofs and its calibration (WebKitGTK once lost the
    // calibration to a roofs worker that failed to start: src/engine/roofs.ts startedRoofsWorker)
    const limits = await app.run<{ calibration: number; simd1: boolean; bandwidth: boolean }>(
      `const l = window.ragtab.deviceLimits; return { calibration: l.calibrationBeforeMs.length, simd1: l.roofs.simd1.available, bandwidth: l.roofs.bandwidth.available };`,
    );
    expect(limits).toEqual({ calibration: 15, simd1: true, bandwidth: true });
    const asked = await app.ask(QUESTION);
    expect(asked.name, JSON.stringify(asked.detail)).toBe('ragtab-query-done');
    const shown = await app.run<number>(`const r = $('ragtab-results'); await settled(r); return r.shadowRoot.querySelectorAll('li').length;`);
    expect(shown).toBe(10);
    const evaluated = await app.evaluate();
    expect(evaluated.name, JSON.stringify(evaluated.detail)).toBe('ragtab-evaluated');
    return app.run<Figures>(COLLECT);
  });
  const chrome = await inChromium(inject('appUrl'));
  expect(webkit.quality.evaluated).toBe(40);
  expect(webkit.quality.evaluated).toBe(chrome.quality.evaluated);
  for (const k of ['ndcg10', 'recall10', 'recall100', 'mrr10']) expect(Math.abs(webkit.quality.mean[k]! - chrome.quality.mean[k]!), k).toBeLessThan(1e-4);
  expect(webkit.quality.perQuery.map((q) => q['queryId'])).toEqual(chrome.quality.perQuery.map((q) => q['queryId']));
  expect(webkit.hits).toHaveLength(10);
  for (let r = 0; r < 10; r++) {
    expect(Math.abs(webkit.hits[r]!.score - chrome.hits[r]!.score), `rank ${r + 1}`).toBeLessThan(1e-4);
    if (webkit.hits[r]!.id !== chrome.hits[r]!.id) expect(Math.abs(webkit.hits[r]!.score - webkit.hits[r + (r < 9 ? 1 : -1)]!.score)).toBeLessThan(1e-5);
  }
});
