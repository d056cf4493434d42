/**
 * The `quick` benchmark preset in WebKit, with the local model set through the same `--set`
 * mechanism the CLI uses (`?benchSet=` in the page): the run record it writes is of the same
 * schema as Chromium's (it validates against the one schema), with this browser's capability
 * record in its environment.
 */
import { expect, test } from 'vitest';
import { parseRunRecord, RUN_RECORD_SCHEMA, RUN_RECORD_VERSION } from '../../src/core/run-record';
import { withApp } from './lib/session';

const SETS = ['embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'embedder.threads=1', 'llm.engine=none'];

test('the quick preset writes a record of the same schema', async () => {
  await withApp(async (app) => {
    await app.open(`./?${['bench=quick', ...SETS.map((s) => `benchSet=${encodeURIComponent(s)}`)].join('&')}`);
    const done = await app.act(['bench-done', 'bench-error'], `if (!window.ragtabBench) await new Promise((r) => window.addEventListener('bench-ready', r, { once: true })); ${app.click('ragtab-bench', '#run-bench')}`);
    expect(done.name, JSON.stringify(done.detail)).toBe('bench-done');
    const json = await app.run<string>(`return await window.ragtabBench.export(args[0], 'json');`, done.detail);
    const r = parseRunRecord(JSON.parse(json));
    expect(r.schema).toBe(RUN_RECORD_SCHEMA);
    expect(r.version).toBe(RUN_RECORD_VERSION);
    expect(r.status).toBe('complete');
    expect(r.config.embedder.model).toBe('lsa-wordpiece-256');
    expect(r.corpus?.name).toBe('ragtab docs (demo)');
    expect(r.quality?.evaluated).toBe(40);
    expect(r.samples.length).toBeGreaterThan(0);
    expect(r.environment.capabilities?.engine).toBe('webkit');
    expect(r.embedder?.threads).toBe(1);
    // the run waited for the tab's start-up (the service worker caching the app) and did not give up on it
    expect(r.warnings.filter((w) => w.startsWith('Started before the tab was quiet'))).toEqual([]);
  });
});

test('a run that failed is never the default baseline, and compared with it there is no verdict', async () => {
  await withApp(async (app) => {
    await app.open({ model: 'lsa-wordpiece-256', modelBase: 'models/', llm: 'none', threads: 1 });
    const sets = [...SETS, 'warmups=0', 'iterations=2', 'queries.count=2'];
    const [complete] = await app.run<string[]>(`return await window.ragtabBench.run('quick', args[0]);`, sets);
    const [failed] = await app.run<string[]>(`return await window.ragtabBench.run('quick', args[0]);`, [...sets, 'embedder.model=no-such-model']);
    expect(await app.run<string>(`return (await window.ragtabBench.get(args[0])).status;`, failed)).toBe('failed');
    const shown = await app.run<{ baseline: string; marked: string[] }>(
      `const b = $('ragtab-bench'); await settled(b); const h = b.shadowRoot.querySelector('ragtab-history');
       for (;;) { await settled(h); if (h.shadowRoot.querySelector('tr[data-run="' + args[0] + '"]')) break; await new Promise((r) => requestAnimationFrame(r)); }
       const cur = h.shadowRoot.querySelector('#current'); cur.value = args[1]; cur.dispatchEvent(new Event('change')); await settled(h);
       return { baseline: h.shadowRoot.querySelector('#baseline').value, marked: [...h.shadowRoot.querySelectorAll('#baseline optgroup[label^="did not complete"] option')].map((o) => o.value) };`,
      failed,
      complete,
    );
    expect(shown.baseline).not.toBe(failed);
    expect(shown.marked).toEqual([failed]);
    const verdict = await app.run<string>(
      `const h = $('ragtab-bench').shadowRoot.querySelector('ragtab-history'); const sel = h.shadowRoot.querySelector('#baseline');
       sel.value = args[0]; sel.dispatchEvent(new Event('change')); await settled(h);
       h.shadowRoot.querySelector('#compare').click();
       for (;;) { await settled(h); const v = h.shadowRoot.querySelector('#verdict[data-incomplete]'); if (v) return v.textContent; await new Promise((r) => requestAnimationFrame(r)); }`,
      failed,
    );
    expect(verdict).toContain('the baseline run failed');
  });
});
