/**
 * The keyboard walk in WebKit (Chromium's twin: tests/e2e/keyboard.spec.ts): Tab to each control
 * and Enter to act, through ingest, ask, a corpus query picked with the arrow keys, evaluate and a
 * benchmark run; the focus stays on the control used, and moving through the query list runs no
 * query. Keys go through WebDriver's actions (real key events in the page). WebKitGTK moves the
 * focus to every control on Tab; Safari on a Mac does so when "Press Tab to highlight each item"
 * is on (else Option-Tab).
 */
import { expect, test } from 'vitest';
import { Key } from 'selenium-webdriver';
import { withApp } from './lib/session';
import type { App } from './lib/page';

/** The focused element, looked up through shadow roots: "tag#id[name]". */
function focused(app: App): Promise<string> {
  return app.run<string>(`let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return 'none';
    const name = el.getAttribute('name');
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (name ? '[' + name + ']' : '');`);
}

async function press(app: App, ...keys: string[]): Promise<void> {
  await app.driver.actions().sendKeys(...keys).perform();
}

/** Presses Tab until `target` has the focus (at most 300 times: the page is long but finite). */
async function tabTo(app: App, target: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if ((await focused(app)) === target) return;
    await press(app, Key.TAB);
  }
  throw new Error(`Tab never reached ${target} (last: ${await focused(app)})`);
}

/** Presses Enter on the focused control and resolves with the first of `names` the page fires after it. */
async function enterFires(app: App, names: string[]): Promise<string> {
  // armed in the page before the key goes down: an event fired at once is not missed
  await app.run(`window.__next = new Promise((r) => ${JSON.stringify(names)}.forEach((n) => window.addEventListener(n, () => r(n), { once: true })));`);
  await press(app, Key.ENTER);
  return app.run<string>(`return await window.__next;`);
}

test('keyboard only in WebKit: ingest, ask, pick a corpus query, evaluate and run the benchmark, with the focus kept', async () => {
  await withApp(async (app) => {
    await app.open({ model: 'lsa-wordpiece-256', modelBase: 'models/', llm: 'none', threads: 1 });
    await app.run(`window.__queries = 0; window.addEventListener('ragtab-query-done', () => window.__queries++);`);

    await tabTo(app, 'button#ingest');
    expect(await enterFires(app, ['ragtab-ingested', 'ragtab-error'])).toBe('ragtab-ingested');
    expect(await focused(app)).toBe('button#ingest');

    await tabTo(app, 'input[question]');
    await press(app, 'how is time to first token measured');
    expect(await enterFires(app, ['ragtab-query-done', 'ragtab-error'])).toBe('ragtab-query-done');
    expect(await focused(app)).toBe('input[question]');

    // arrow keys through the corpus's queries fill the question; none runs until Enter
    await tabTo(app, 'select[corpusQuery]');
    await press(app, Key.ARROW_DOWN, Key.ARROW_DOWN, Key.ARROW_DOWN);
    const picked = await app.run<{ option: string; question: string; queries: number }>(
      `const s = $('ragtab-query', 'select[name=corpusQuery]'); await settled(s);
       return { option: s.selectedOptions[0]?.textContent ?? '', question: $('ragtab-query', 'input[name=question]').value, queries: window.__queries };`,
    );
    expect(picked.option).not.toBe('');
    expect(picked.question).toBe(picked.option);
    expect(picked.queries).toBe(1);
    await app.driver.actions().keyDown(Key.SHIFT).sendKeys(Key.TAB, Key.TAB).keyUp(Key.SHIFT).perform();
    expect(await focused(app)).toBe('input[question]');
    expect(await enterFires(app, ['ragtab-query-done', 'ragtab-error'])).toBe('ragtab-query-done');
    expect(await app.run<string>(`return window.ragtab.lastQuery.question;`)).toBe(picked.option);

    await tabTo(app, 'button#evaluate');
    expect(await enterFires(app, ['ragtab-evaluated', 'ragtab-error'])).toBe('ragtab-evaluated');

    await tabTo(app, 'button#run-bench');
    expect(await enterFires(app, ['bench-done', 'bench-error'])).toBe('bench-done');
    expect(await focused(app)).toBe('button#run-bench');
  });
});
