/**
 * Nothing optional blanks the app: a language tag Intl rejects (WebKit reports `C` under a POSIX
 * locale, and uPlot evaluates `new Intl.NumberFormat(navigator.language)` when its module loads),
 * and a part whose module throws, each show a named error in their own place while the rest works.
 */
import { expect, test } from '@playwright/test';
import type {} from '../../src/engine/bench-api'; // declares window.ragtabBench
import { ingestViaUi, openApp } from './helpers';
import { runFake } from '../unit/bench-fixtures';
import { toJson } from '../../src/core/exports';

const LOCAL = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'exact' };

test('a language Intl rejects: the app loads and ingests; each chart shows a named error in its place', async ({ page }) => {
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'language', { get: () => 'C', configurable: true }));
  await openApp(page, LOCAL);
  expect(await page.evaluate(() => navigator.language)).toBe('C');
  expect(await page.evaluate(() => {
    try {
      new Intl.NumberFormat(navigator.language);
      return 'accepted';
    } catch (e) {
      return (e as Error).name;
    }
  })).toBe('RangeError');
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  // a run's report draws uPlot charts: import one (a record made by the runner in Node)
  const { records: [record] } = await runFake();
  await page.waitForFunction(() => !!window.ragtabBench);
  await page.evaluate((json) => window.ragtabBench!.import(json), toJson(record!));
  const failed = page.locator('ragtab-report ragtab-chart ragtab-part-error [role=alert]');
  await expect(failed.first()).toHaveAttribute('data-error-name', 'ModuleLoadFailed');
  await expect(failed.first()).toContainText('uPlot');
  await expect(page.locator('ragtab-llm #load-llm')).toBeVisible();
  await expect(page.locator('ragtab-storage h2')).toBeVisible();
});

test('the LLM panel module throws: a named error in its place, the rest of the app works', async ({ page }) => {
  await page.route(/\/assets\/ragtab-llm-[^/]*\.js$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', headers: { 'Cross-Origin-Resource-Policy': 'same-origin' }, body: 'throw new Error("broken on purpose");' }));
  await openApp(page, LOCAL);
  const failed = page.locator('ragtab-part-error[data-part-name=llm] [role=alert]');
  await expect(failed).toHaveAttribute('data-error-name', 'ModuleLoadFailed');
  await expect(failed).toContainText('broken on purpose');
  await expect(page.locator('ragtab-storage h2')).toBeVisible();
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
});
