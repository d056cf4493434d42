/**
 * The whole flow by keyboard alone (issue 15, item 9): Tab to each control, Enter to act, arrow keys
 * on the corpus's query list. Focus stays where the person left it (not on the page's body after an
 * ingestion), and moving through the query list does not run a query per keypress.
 */
import { expect, test, type Page } from '@playwright/test';

/** The focused element, looked up through shadow roots: "tag#id[name]". */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return 'none';
    const name = el.getAttribute('name');
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${name ? `[${name}]` : ''}`;
  });
}

/** Presses Tab until `target` has the focus (at most 300 times: the page is long but finite). */
async function tabTo(page: Page, target: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await focused(page)) === target) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target} (last: ${await focused(page)})`);
}

/** Arms a listener for the first of `names`; `fired` waits for it. */
async function arm(page: Page, names: string[]): Promise<void> {
  await page.evaluate((names) => {
    (window as unknown as { __next: Promise<string> }).__next = new Promise((r) => names.forEach((n) => window.addEventListener(n, () => r(n), { once: true })));
  }, names);
}
const fired = (page: Page): Promise<string> => page.evaluate(() => (window as unknown as { __next: Promise<string> }).__next);

test('keyboard only: ingest, ask, pick a corpus query, evaluate and run the benchmark, with the focus kept', async ({ page }) => {
  await page.goto('./?model=lsa-wordpiece-256&modelBase=models/&llm=none');
  await page.waitForFunction(() => window.ragtab?.ready === true);
  await page.evaluate(() => {
    const w = window as unknown as { __queries: number };
    w.__queries = 0;
    window.addEventListener('ragtab-query-done', () => w.__queries++);
  });

  await tabTo(page, 'button#ingest');
  await arm(page, ['ragtab-ingested', 'ragtab-error']);
  await page.keyboard.press('Enter');
  expect(await fired(page)).toBe('ragtab-ingested');
  expect(await focused(page)).toBe('button#ingest');

  await tabTo(page, 'input[question]');
  await page.keyboard.type('how is time to first token measured');
  await arm(page, ['ragtab-query-done', 'ragtab-error']);
  await page.keyboard.press('Enter');
  expect(await fired(page)).toBe('ragtab-query-done');
  expect(await focused(page)).toBe('input[question]');

  // arrow keys through the corpus's queries fill the question; none runs until Enter
  await tabTo(page, 'select[corpusQuery]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const picked = await page.locator('ragtab-query select[name=corpusQuery] option:checked').textContent();
  await expect(page.locator('ragtab-query input[name=question]')).toHaveValue(picked ?? '');
  expect(await page.evaluate(() => (window as unknown as { __queries: number }).__queries)).toBe(1);
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  expect(await focused(page)).toBe('input[question]');
  await arm(page, ['ragtab-query-done', 'ragtab-error']);
  await page.keyboard.press('Enter');
  expect(await fired(page)).toBe('ragtab-query-done');
  expect(await page.evaluate(() => window.ragtab!.lastQuery?.question)).toBe(picked);

  await tabTo(page, 'button#evaluate');
  await arm(page, ['ragtab-evaluated', 'ragtab-error']);
  await page.keyboard.press('Enter');
  expect(await fired(page)).toBe('ragtab-evaluated');

  await tabTo(page, 'button#run-bench');
  await arm(page, ['bench-done', 'bench-error']);
  await page.keyboard.press('Enter');
  expect(await fired(page)).toBe('bench-done');
  expect(await focused(page)).toBe('button#run-bench');
});
