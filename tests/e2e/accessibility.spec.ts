/**
 * axe-core (the engine, from npm) on the app's views in real Chromium, light and dark, at a
 * laptop's width and a phone's (issue 15, items 6 and 9): the main page after ingesting, asking,
 * evaluating and a small benchmark run (set-up, ingest report, stages, results, quality, benchmark
 * report and history, storage), and a share link's view; then the views that need more set-up:
 * the LLM panel with a model loaded and its streamed answer, a sweep's table and chart, two runs
 * compared in the history, and a share link re-run here and compared. No violation of any rule,
 * and at 390 px no sideways scroll of the page (a wide table scrolls inside its card).
 */
import { expect, test, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { askViaUi, ingestViaUi, openApp, runBench } from './helpers';

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
    const ids = await runBench(page, 'quick', SETS);
    await expect(page.locator(`ragtab-report [data-run="${ids[0]}"]`)).toBeVisible();
    expect(await violations(page)).toEqual([]);
    expect(await fits()).toBeLessThanOrEqual(width);
    // figures stay whole: a table too wide for the phone scrolls inside its card instead
    expect(await wrappedFigures(page)).toEqual([]);
    // a share link of this run, opened in the page
    const link = await createShareLink(page);
    await page.goto('about:blank');
    await page.goto(link);
    await page.waitForFunction(() => window.ragtab?.ready === true);
    await expect(page.locator('ragtab-share [data-shared-run]')).toBeVisible();
    expect(await violations(page)).toEqual([]);
    expect(await fits()).toBeLessThanOrEqual(width);
  });
}

/** Arms a listener for the first of the named window events; `firstFired` awaits it ("name detail"). */
async function armFirst(page: Page, names: string[]): Promise<void> {
  await page.evaluate((names) => {
    (window as unknown as { __first?: Promise<string> }).__first = new Promise<string>((r) => {
      for (const n of names) window.addEventListener(n, (e) => r(`${n} ${JSON.stringify((e as CustomEvent).detail ?? null)}`), { once: true });
    });
  }, names);
}
function firstFired(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { __first: Promise<string> }).__first);
}

/** Clicks "create share link" and returns the link once it is made. */
async function createShareLink(page: Page): Promise<string> {
  await page.evaluate(() => new Promise<void>((r) => {
    window.addEventListener('ragtab-share-created', () => r(), { once: true });
    document.querySelector('ragtab-app')!.shadowRoot!.querySelector('ragtab-share')!.shadowRoot!.querySelector<HTMLButtonElement>('#create-share')!.click();
  }));
  return page.locator('ragtab-share input[data-share-url]').inputValue();
}

const LLM_APP = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', llm: 'wllama', llmModel: 'models/stories260K/stories260K.gguf', llmThreads: 1, maxTokens: 24 } as const;

for (const [colorScheme, width] of [['dark', 390], ['light', 1280]] as const) {
  test(`no axe violation and no sideways scroll with an LLM loaded, a sweep, and runs compared: ${colorScheme}, ${width} px wide`, async ({ page, browser }, info) => {
    await page.setViewportSize({ width, height: 844 });
    await page.emulateMedia({ colorScheme });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth);
    const check = async (where: string) => {
      expect(await violations(page), where).toEqual([]);
      expect(await fits(), where).toBeLessThanOrEqual(width);
      expect(await wrappedFigures(page), where).toEqual([]);
    };
    await openApp(page, LLM_APP);
    expect(await ingestViaUi(page)).toBe('ragtab-ingested');
    // the LLM panel with its model loaded, then an answer streamed through it
    await armFirst(page, ['ragtab-llm-loaded', 'ragtab-error']);
    await page.locator('ragtab-llm #load-llm').click();
    expect(await firstFired(page)).toMatch(/^ragtab-llm-loaded /);
    await expect(page.locator('ragtab-llm [data-llm-loaded=wllama]')).toBeVisible();
    expect(await askViaUi(page, 'how is time to first token measured')).toBe('ragtab-query-done');
    expect(await page.evaluate(() => window.ragtab!.lastQuery!.generation !== null)).toBe(true);
    await check('LLM loaded, answer generated');
    // a sweep over k: its table and chart; then the two cells compared in the history
    const ids = await runBench(page, 'quick', [...SETS, 'sweep=[{"path":"k","values":[3,5]}]']);
    expect(ids).toHaveLength(2);
    await expect(page.locator('ragtab-report #sweep tbody tr')).toHaveCount(2);
    await check('sweep report');
    const history = page.locator('ragtab-history');
    await history.locator('#current').selectOption(ids[1]!);
    await history.locator('#baseline').selectOption(ids[0]!);
    await history.locator('#compare').click();
    await expect(history.locator('#verdict')).toBeVisible();
    await check('two runs compared in the history');
    // a share link of the answered query, opened in a fresh context, run there and compared
    const link = await createShareLink(page);
    const other = await browser.newContext({ baseURL: info.project.use.baseURL, viewport: { width, height: 844 }, colorScheme });
    const page2 = await other.newPage();
    await page2.goto(link);
    await page2.waitForFunction(() => window.ragtab?.ready === true);
    await armFirst(page2, ['ragtab-share-compared', 'ragtab-share-failed', 'ragtab-share-asks']);
    await page2.locator('ragtab-shared-run [data-run-shared]').click();
    expect(await firstFired(page2)).toMatch(/^ragtab-share-compared /);
    await expect(page2.locator('ragtab-share-compare tr[data-compare-row]').first()).toBeVisible();
    const r = await new AxeBuilder({ page: page2 }).analyze();
    expect(r.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 5).join(' ; ')}`), 'share link compared').toEqual([]);
    expect(await page2.evaluate(() => document.documentElement.scrollWidth), 'share link compared').toBeLessThanOrEqual(width);
    await other.close();
  });
}
