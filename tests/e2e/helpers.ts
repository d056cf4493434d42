/** Shared steps of the end-to-end tests: drive the real app through its UI, read its state. */
import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type {} from '../../src/engine/session'; // declares window.ragtab

export const SHARED = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');

export interface BeirDoc {
  _id: string;
  title: string;
  text: string;
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** Opens the app with URL params and waits until it is mounted. */
export async function openApp(page: Page, params: Record<string, string | number> = {}): Promise<void> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  await page.goto(qs ? `./?${qs}` : './');
  await page.waitForFunction(() => window.ragtab?.ready === true);
}

/** Arms a listener for the first of the named window events; `await` the result after acting. */
async function armEvents(page: Page, names: string[]): Promise<void> {
  await page.evaluate((names) => {
    const w = window as unknown as { __ragtabNext?: Promise<string> };
    w.__ragtabNext = new Promise<string>((resolve) => {
      for (const n of names) window.addEventListener(n, () => resolve(n), { once: true });
    });
  }, names);
}

async function awaitArmed(page: Page, timeout: number): Promise<string> {
  return page.evaluate(
    (timeout) =>
      Promise.race([
        (window as unknown as { __ragtabNext: Promise<string> }).__ragtabNext,
        new Promise<string>((r) => setTimeout(() => r('timeout'), timeout)),
      ]),
    timeout,
  );
}

/** Clicks Ingest and waits for it to end: 'ragtab-ingested', 'ragtab-error' or 'ragtab-cancelled'. */
export async function ingestViaUi(page: Page, timeout = 8 * 60_000): Promise<string> {
  await armEvents(page, ['ragtab-ingested', 'ragtab-error', 'ragtab-cancelled']);
  await page.locator('ragtab-setup #ingest').click();
  return awaitArmed(page, timeout);
}

/** Types a question, clicks Retrieve, waits: 'ragtab-query-done' or 'ragtab-error'. */
export async function askViaUi(page: Page, question: string): Promise<string> {
  await armEvents(page, ['ragtab-query-done', 'ragtab-error']);
  await page.locator('ragtab-query input[name=question]').fill(question);
  await page.locator('ragtab-query button[type=submit]').click();
  return awaitArmed(page, 120_000);
}

/**
 * Runs a benchmark through `window.ragtabBench.run` and returns the saved runs' ids. The run's
 * promise is kept on `window` and awaited from there: V8's inspector holds a promise it awaits for
 * `page.evaluate` only weakly (ProtocolPromiseHandler), and Chromium 150 once reported a run's
 * promise "garbage collected" while the run went on to save its records (seen twice, in the
 * accessibility spec, 2026-12-07: the page's snapshot after the error shows the last record kept).
 * Held by `window`, it cannot be collected; a run that really never ends still fails the test, by
 * its timeout.
 */
export async function runBench(page: Page, preset: string, sets: readonly string[]): Promise<string[]> {
  await page.evaluate(
    ({ preset, sets }) => {
      (window as unknown as { __benchRun?: Promise<string[]> }).__benchRun = window.ragtabBench!.run(preset, [...sets]);
    },
    { preset, sets },
  );
  return page.evaluate(() => (window as unknown as { __benchRun: Promise<string[]> }).__benchRun);
}

/** The error banner's name, as the user sees it. */
export async function shownError(page: Page): Promise<string | null> {
  const el = page.locator('ragtab-error [role=alert]');
  if ((await el.count()) === 0) return null;
  await expect(el).toBeVisible();
  return el.getAttribute('data-error-name');
}

/**
 * How an ingestion's embedding batches were ordered, from the ingest report's batch timings: each
 * `embed` call of `perCall` batches (ingest-store.ts: 4 × batch size texts per call) either ran its
 * batches shortest first (order `length`: the mean tokens per text never falls within a call) or
 * not (order `given`, on a corpus whose texts vary in length).
 */
export function batchOrder(batches: ReadonlyArray<{ size: number; tokens: number }>, perCall: number): { sortedCalls: number; calls: number; tokens: number; sizes: number[] } {
  let sortedCalls = 0;
  let calls = 0;
  for (let i = 0; i < batches.length; i += perCall) {
    const means = batches.slice(i, i + perCall).map((b) => b.tokens / b.size);
    calls++;
    if (means.every((m, j) => j === 0 || m >= means[j - 1]!)) sortedCalls++;
  }
  return { sortedCalls, calls, tokens: batches.reduce((n, b) => n + b.tokens, 0), sizes: batches.map((b) => b.size) };
}
