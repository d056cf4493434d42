/**
 * The newcomer's way forward in WebKit: a model that cannot be reached fails with its error, which
 * offers the local model this site serves; choosing it sets the model and the address, ingesting
 * works, a reload keeps the set-up, and a later visit without parameters opens on it.
 */
import { expect, test } from 'vitest';
import { withApp } from './lib/session';

test('an unreachable model: the error offers the local model; chosen, it ingests; the choice survives a reload and is remembered', async () => {
  await withApp(async (app) => {
    // a model base where nothing answers (connection refused), as a hub without network would
    await app.open({ model: 'Xenova/all-MiniLM-L6-v2', modelBase: 'http://127.0.0.1:9/', llm: 'none' });
    const failed = await app.ingest();
    expect(failed.name).toBe('ragtab-error');
    expect(await app.shownError()).toBe('FetchFailed');
    const offered = await app.run<string[]>(
      `for (;;) { const e = $('ragtab-error'); await settled(e); const b = [...e.shadowRoot.querySelectorAll('[data-use-model]')]; if (b.length) return b.map((x) => x.getAttribute('data-use-model')); await new Promise((r) => requestAnimationFrame(r)); }`,
    );
    expect(offered).toContain('lsa-wordpiece-256');
    await app.run(`${app.click('ragtab-error', '[data-use-model="lsa-wordpiece-256"]')}; await settled($('ragtab-setup'));`);
    expect(await app.shownError()).toBeNull();
    expect(await app.run<string>(`return $('ragtab-setup', 'select[name=model]').value;`)).toBe('lsa-wordpiece-256');
    expect(await app.run<string | null>(`return new URL(location.href).searchParams.get('model');`)).toBe('lsa-wordpiece-256');
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    // reload, then a visit without parameters
    await app.open(await app.run<string>(`return location.search;`));
    expect(await app.run<string>(`await settled($('ragtab-setup')); return $('ragtab-setup', 'select[name=model]').value;`)).toBe('lsa-wordpiece-256');
    await app.open({});
    expect(await app.run<string>(`await settled($('ragtab-setup')); return $('ragtab-setup', 'select[name=model]').value;`)).toBe('lsa-wordpiece-256');
  });
});
