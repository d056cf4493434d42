/**
 * The newcomer's way forward in WebKit: a model that cannot be reached fails with its error, which
 * offers the local model this site serves; choosing it sets the model and the address, ingesting
 * works, a reload keeps the set-up, and a later visit without parameters opens on it. Then the
 * benchmark on that set-up in a session of its own, its report, and a share link carrying the set-up.
 */
import { expect, test } from 'vitest';
import { decodeShareLink } from '../../src/core/share-link';
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
    const ingested = await app.ingest();
    expect(ingested.name, JSON.stringify(ingested.detail)).toBe('ragtab-ingested');
    // reload, then a visit without parameters
    await app.open(await app.run<string>(`return location.search;`));
    expect(await app.run<string>(`await settled($('ragtab-setup')); return $('ragtab-setup', 'select[name=model]').value;`)).toBe('lsa-wordpiece-256');
    await app.open({});
    expect(await app.run<string>(`await settled($('ragtab-setup')); return $('ragtab-setup', 'select[name=model]').value;`)).toBe('lsa-wordpiece-256');
  });
});

test("the benchmark runs on the current set-up in a session of its own: the user's session and stored index are the same afterwards; a share link carries the set-up", async () => {
  await withApp(async (app) => {
    await app.open({ model: 'lsa-wordpiece-256', modelBase: 'models/', chunkSize: 64, llm: 'none', threads: 1 });
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    expect((await app.ask('how is time to first token measured')).name).toBe('ragtab-query-done');
    expect((await app.evaluate()).name).toBe('ragtab-evaluated');
    const measured = await app.run<string[]>(`const h = $('ragtab-headline'); await settled(h); return [...h.shadowRoot.querySelectorAll('[data-measured=yes]')].map((t) => t.getAttribute('data-headline'));`);
    expect(measured).toEqual(['embed', 'retrieval-p50', 'ndcg10']);
    const key = await app.run<string>(`const s = window.ragtab; window.__before = [s.active, s.lastIngest, s.lastQuery, s.lastEvaluation, s.active.index, s.active.embedder]; return s.lastIngest.storage.key;`);
    expect(await app.run<boolean>(`return $('ragtab-bench', '#on-setup').checked;`)).toBe(true);
    const done = await app.act(['bench-done', 'bench-error'], app.click('ragtab-bench', '#run-bench'));
    expect(done.name, JSON.stringify(done.detail)).toBe('bench-done');
    const config = await app.run<{ embedder: { model: string }; chunking: { size: number }; llm: { engine: string } }>(`return (await window.ragtabBench.get(args[0])).config;`, done.detail);
    expect(config.embedder.model).toBe('lsa-wordpiece-256');
    expect(config.chunking.size).toBe(64);
    expect(config.llm.engine).toBe('none');
    const same = await app.run<boolean[]>(`const s = window.ragtab; return [s.active, s.lastIngest, s.lastQuery, s.lastEvaluation, s.active.index, s.active.embedder].map((x, i) => x === window.__before[i]);`);
    expect(same).toEqual([true, true, true, true, true, true]);
    expect(await app.run<boolean>(`return (await window.ragtab.store.indexes.get(args[0]))?.complete === true;`, key)).toBe(true);
    expect((await app.ask('what does the storage panel show')).name).toBe('ragtab-query-done');

    // the report shows the run; a share link made now carries the set-up the newcomer chose
    expect(await app.run<string>(`const r = $('ragtab-bench', 'ragtab-report'); await settled(r); return r.shadowRoot.querySelector('[data-status]')?.textContent.trim() ?? '';`)).toBe('complete');
    const created = await app.act(['ragtab-share-created', 'ragtab-share-create-failed'], app.click('ragtab-share', '#create-share'));
    expect(created.name, JSON.stringify(created.detail)).toBe('ragtab-share-created');
    const link = await app.run<string>(`return $('ragtab-share', 'input[data-share-url]').value;`);
    expect(link).toMatch(/#share=[A-Za-z0-9_-]+$/);
    const decoded = await decodeShareLink(link);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.payload.config.embedder.model).toBe('lsa-wordpiece-256');
    expect(decoded.payload.config.chunking).toMatchObject({ mode: 'tokens', size: 64 });
  });
});
