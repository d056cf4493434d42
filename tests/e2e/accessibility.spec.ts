/**
 * axe-core (the engine, from npm) on the app's views in real Chromium, light and dark, at a
 * laptop's width and a phone's (issue 15, items 6 and 9): the main page after ingesting, asking,
 * evaluating and a small benchmark run (set-up, ingest report, stages, results, quality, benchmark
 * report and history, storage), and a share link's view. No violation of any rule, and at 390 px
 * no sideways scroll of the page (a wide table scrolls inside its card).
 */
import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { askViaUi, ingestViaUi } from './helpers';

async function violations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5).join(' ; ')}`);
}

/** Figures (numeric cells) whose text runs over more than one line: "5. 6 %" broken mid-token. */
function wrappedFigures(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walk = (root: ParentNode) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (el.matches('td.n, th.n') && (el.textContent ?? '').trim()) {
          const range = document.createRange();
          range.selectNodeContents(el);
          // a new line starts below the bottom of the one before (a smaller badge on the same line only sits lower)
          const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0).sort((a, b) => a.top - b.top);
          let lines = rects.length ? 1 : 0;
          for (let i = 1, bottom = rects[0]?.bottom ?? 0; i < rects.length; i++) {
            if (rects[i]!.top >= bottom - 1) lines++;
            bottom = Math.max(bottom, rects[i]!.bottom);
          }
          if (lines > 1) out.push((el.textContent ?? '').trim());
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return out;
  });
}

const SETS = ['embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'llm.engine=none', 'warmups=0', 'iterations=2', 'queries.count=2'];

for (const [colorScheme, width] of [['light', 1280], ['dark', 1280], ['light', 390], ['dark', 390]] as const) {
  test(`no axe violation and no sideways scroll on every view: ${colorScheme}, ${width} px wide`, async ({ page }) => {
    await page.setViewportSize({ width, height: 844 });
    await page.emulateMedia({ colorScheme });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth);
    await page.goto('./?model=lsa-wordpiece-256&modelBase=models/&llm=none');
    await page.waitForFunction(() => window.ragtab?.ready === true);
    expect(await violations(page)).toEqual([]);
    expect(await fits()).toBeLessThanOrEqual(width);
    expect(await ingestViaUi(page)).toBe('ragtab-ingested');
    expect(await askViaUi(page, 'how is time to first token measured')).toBe('ragtab-query-done');
    await page.evaluate(() => new Promise<void>((r) => {
      window.addEventListener('ragtab-evaluated', () => r(), { once: true });
      void window.ragtab!.evaluate();
    }));
    // a small benchmark run: its report and the history
    const ids = await page.evaluate((sets) => window.ragtabBench!.run('quick', sets), SETS);
    await expect(page.locator(`ragtab-report [data-run="${ids[0]}"]`)).toBeVisible();
    expect(await violations(page)).toEqual([]);
    expect(await fits()).toBeLessThanOrEqual(width);
    // figures stay whole: a table too wide for the phone scrolls inside its card instead
    expect(await wrappedFigures(page)).toEqual([]);
    // a share link of this run, opened in the page
    await page.evaluate(() => new Promise<void>((r) => {
      window.addEventListener('ragtab-share-created', () => r(), { once: true });
      document.querySelector('ragtab-app')!.shadowRoot!.querySelector('ragtab-share')!.shadowRoot!.querySelector<HTMLButtonElement>('#create-share')!.click();
    }));
    const link = await page.locator('ragtab-share input[data-share-url]').inputValue();
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForFunction(() => window.ragtab?.ready === true);
    await expect(page.locator('ragtab-share [data-shared-run]')).toBeVisible();
    expect(await violations(page)).toEqual([]);
    expect(await fits()).toBeLessThanOrEqual(width);
  });
}
