/**
 * The first minutes of a newcomer without hub access (issue 15, items 1 and 5), in the real app: the
 * default model cannot be reached, and the error itself offers the local model this site serves;
 * choosing it puts it in the set-up and in the address, ingesting and asking work, a reload keeps
 * the set-up, and a later visit without parameters opens on the model that worked.
 */
import { expect, test } from '@playwright/test';
import { askViaUi, ingestViaUi, shownError } from './helpers';

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
