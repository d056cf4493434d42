/**
 * axe-core (the engine, from npm: node_modules/axe-core/axe.min.js, injected into the page) in
 * WebKit on the main views: the page after ingesting, asking and evaluating, and after a small
 * benchmark run (its report and the history). The same rule set as the Chromium spec
 * (tests/e2e/accessibility.spec.ts, all of axe's default rules): no violation. Then the same views
 * at a phone's width (390 px, Safari on an iPhone): no violation and no sideways scroll of the page;
 * and at that width the views that need more set-up: the LLM panel with a model loaded and its
 * answer, a sweep's report, two runs compared in the history, a share link run here and compared.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { By } from 'selenium-webdriver';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SETS = ['embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'embedder.threads=1', 'llm.engine=none', 'warmups=0', 'iterations=2', 'queries.count=2'];

async function violations(app: App): Promise<string[]> {
  return app.run<string[]>(
    `if (!window.axe) (0, eval)(args[0]);
     const r = await window.axe.run(document);
     return r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)).join(' ; '));`,
    AXE,
  );
}

test('no axe violation on the main views in WebKit', async () => {
  await withApp(async (app) => {
    await app.open({ model: 'lsa-wordpiece-256', modelBase: 'models/', llm: 'none', threads: 1 });
    expect(await violations(app)).toEqual([]);
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    expect((await app.ask('how is time to first token measured')).name).toBe('ragtab-query-done');
    expect((await app.evaluate()).name).toBe('ragtab-evaluated');
    expect(await violations(app)).toEqual([]);
    const ids = await app.run<string[]>(`return await window.ragtabBench.run('quick', args[0]);`, SETS);
    expect(ids).toHaveLength(1);
    await app.run(`const b = $('ragtab-bench'); await settled(b); await settled(b.shadowRoot.querySelector('ragtab-report')); await settled(b.shadowRoot.querySelector('ragtab-history'));`);
    expect(await violations(app)).toEqual([]);
  });
});

const PHONE = { width: 390, height: 844 };

/**
 * Opens `url` in a new phone-sized frame (from the page around it; a new frame, so that a link
 * differing only in its #hash still loads the page) and moves WebDriver into it once the app is
 * ready. MiniBrowser's window is at least 447 px wide, so the app runs in a same-origin frame of the
 * phone's size (its own viewport: media queries and layout as on a 390 px screen).
 */
async function phoneOpens(app: App, url: string): Promise<void> {
  await app.driver.switchTo().defaultContent();
  await app.run(
    `const f = document.createElement('iframe');
     f.id = 'phone'; f.title = 'ragtab at a phone width'; f.src = args[0];
     f.style.cssText = 'width:' + args[1].width + 'px;height:' + args[1].height + 'px;border:0;display:block';
     const loaded = new Promise((r) => f.addEventListener('load', r, { once: true }));
     document.body.replaceChildren(f);
     await loaded;
     const w = f.contentWindow;
     if (!(w.ragtab && w.ragtab.ready)) await new Promise((r) => w.addEventListener('ragtab-ready', r, { once: true }));`,
    url,
    PHONE,
  );
  await app.driver.switchTo().frame(await app.driver.findElement(By.id('phone')));
}

/** Opens the app (`params`), then the same page in the phone frame, the page around it emptied. */
async function openPhone(app: App, params: Record<string, string | number>): Promise<void> {
  await app.open(params);
  await app.run(`document.querySelector('ragtab-app').remove();`);
  await phoneOpens(app, await app.run<string>(`return location.href;`));
}

/** The page's width, and the elements reaching past the viewport, named (to find the cause). */
function wide(app: App): Promise<{ inner: number; scroll: number; over: string[] }> {
  return app.run<{ inner: number; scroll: number; over: string[] }>(
    `const over = [];
     const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + [...el.classList].join('.') : '');
     // the deepest elements whose box, or content spilling out of it (a long unbroken text), reaches past the right edge
     const walk = (root, path) => { let found = false; for (const el of root.children) {
       const r = el.getBoundingClientRect();
       const st = getComputedStyle(el);
       if (st.position === 'fixed' || st.display === 'none') continue;
       const right = Math.max(r.right, st.overflowX === 'visible' ? r.left + el.scrollWidth : r.right);
       if (right <= innerWidth + 0.5) continue;
       found = true;
       const here = path + ' > ' + name(el);
       // content that scrolls inside its box (a wide table in its card) is not the page's
       // (both walked: a host's shadow tree and its light children)
       const deeper = st.overflowX === 'visible' && ((el.shadowRoot && walk(el.shadowRoot, here)) | walk(el, here));
       if (!deeper) over.push(here + ' (' + Math.round(right) + ' px: ' + (el.textContent || '').trim().slice(0, 60) + ')');
     } return found; };
     walk(document.body, 'body');
     return { inner: innerWidth, scroll: document.documentElement.scrollWidth, over: over.slice(0, 8) };`,
  );
}

async function fits(app: App, where: string): Promise<void> {
  const w = await wide(app);
  expect(w.over, `${where}: elements past the right edge`).toEqual([]);
  expect(w.scroll, where).toBeLessThanOrEqual(PHONE.width);
}

/** Makes a share link of the page's run, opens it in a new phone frame and waits for the shared run's view (or the share element's error, frame by frame). */
async function shareOpensInPhone(app: App): Promise<void> {
  const created = await app.act(['ragtab-share-created', 'ragtab-share-create-failed'], app.click('ragtab-share', '#create-share'));
  expect(created.name, JSON.stringify(created.detail)).toBe('ragtab-share-created');
  await phoneOpens(app, await app.run<string>(`return $('ragtab-share', 'input[data-share-url]').value;`));
  const view = await app.run<string>(
    `for (;;) { const v = $('ragtab-share', 'ragtab-shared-run'); if (v) { await settled(v); return 'run'; } const e = $('ragtab-share', '[data-share-error]'); if (e) return 'error ' + e.getAttribute('data-share-error'); await new Promise((r) => requestAnimationFrame(r)); }`,
  );
  expect(view).toBe('run');
}

test('at a phone width (390 px) in WebKit: no axe violation and no sideways scroll on the main views', async () => {
  await withApp(async (app) => {
    await openPhone(app, { model: 'lsa-wordpiece-256', modelBase: 'models/', llm: 'none', threads: 1 });
    expect((await wide(app)).inner).toBe(PHONE.width);
    expect(await violations(app)).toEqual([]);
    await fits(app, 'before ingesting');
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    expect((await app.ask('how is time to first token measured')).name).toBe('ragtab-query-done');
    expect((await app.evaluate()).name).toBe('ragtab-evaluated');
    expect(await violations(app)).toEqual([]);
    await fits(app, 'after ingest, ask and evaluate');
    const ids = await app.run<string[]>(`return await window.ragtabBench.run('quick', args[0]);`, SETS);
    expect(ids).toHaveLength(1);
    await app.run(`const b = $('ragtab-bench'); await settled(b); await settled(b.shadowRoot.querySelector('ragtab-report')); await settled(b.shadowRoot.querySelector('ragtab-history'));`);
    expect(await violations(app)).toEqual([]);
    await fits(app, 'after a benchmark run');
    // a share link of this run, opened in the phone frame
    await shareOpensInPhone(app);
    expect(await violations(app)).toEqual([]);
    await fits(app, "a share link's view");
    await app.driver.switchTo().defaultContent();
  });
});

test('at a phone width in WebKit, with an LLM loaded, a sweep and runs compared: no axe violation and no sideways scroll', async () => {
  await withApp(async (app) => {
    await openPhone(app, { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', threads: 1, llm: 'wllama', llmModel: 'models/stories260K/stories260K.gguf', llmThreads: 1, maxTokens: 24 });
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    const loaded = await app.act(['ragtab-llm-loaded', 'ragtab-error'], app.click('ragtab-llm', '#load-llm'));
    expect(loaded.name, JSON.stringify(loaded.detail)).toBe('ragtab-llm-loaded');
    expect((await app.ask('how is time to first token measured')).name).toBe('ragtab-query-done');
    expect(await app.run<boolean>(`await settled($('ragtab-llm')); return window.ragtab.lastQuery.generation !== null;`)).toBe(true);
    expect(await violations(app)).toEqual([]);
    await fits(app, 'LLM loaded, answer generated');
    // a sweep over k: its report; then its two cells compared in the history
    const ids = await app.run<string[]>(`return await window.ragtabBench.run('quick', args[0]);`, [...SETS, 'sweep=[{"path":"k","values":[3,5]}]']);
    expect(ids).toHaveLength(2);
    expect(await app.run<number>(`const b = $('ragtab-bench'); await settled(b); const r = b.shadowRoot.querySelector('ragtab-report'); await settled(r); return r.shadowRoot.querySelectorAll('#sweep tbody tr').length;`)).toBe(2);
    expect(await violations(app)).toEqual([]);
    await fits(app, 'sweep report');
    await app.set(['ragtab-bench', 'ragtab-history', '#current'], ids[1]!);
    await app.set(['ragtab-bench', 'ragtab-history', '#baseline'], ids[0]!);
    const compared = await app.act(['ragtab-runs-compared', 'ragtab-runs-compare-failed'], app.click('ragtab-bench', 'ragtab-history', '#compare'));
    expect(compared.name, JSON.stringify(compared.detail)).toBe('ragtab-runs-compared');
    expect(await app.run<boolean>(`return !!$('ragtab-bench', 'ragtab-history', '#verdict');`)).toBe(true);
    expect(await violations(app)).toEqual([]);
    await fits(app, 'two runs compared in the history');
    // a share link of the answered query, opened in a new phone frame, run there and compared
    await shareOpensInPhone(app);
    const done = await app.act(['ragtab-share-compared', 'ragtab-share-failed', 'ragtab-share-asks'], app.click('ragtab-share', 'ragtab-shared-run', '[data-run-shared]'));
    expect(done.name, JSON.stringify(done.detail)).toBe('ragtab-share-compared');
    expect(await app.run<number>(`const c = $('ragtab-share', 'ragtab-share-compare'); await settled(c); return c.shadowRoot.querySelectorAll('tr[data-compare-row]').length;`)).toBeGreaterThan(0);
    expect(await violations(app)).toEqual([]);
    await fits(app, 'share link run here and compared');
    await app.driver.switchTo().defaultContent();
  });
});
