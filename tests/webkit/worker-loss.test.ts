/**
 * A worker that ends without an error event, in WebKit: the index worker lost after an ingestion is
 * started again and its index restored from IndexedDB (same answers); the embedder lost in the
 * middle of an ingestion fails it with WorkerCrashed naming the worker, instead of a freeze. The
 * loss is a `terminate()` from the page, which sends no error event; the bridge learns of it from
 * the Web Lock the worker held, a moment later: a worker lost just after the app checked it was
 * there is restored and the query run again (CI once saw IndexEmpty here: the index worker's lock
 * released between that check and the search, which then reached a fresh, empty worker).
 */
import { expect, test } from 'vitest';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const QS = '?model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none&chunking=document';
const QUESTION = 'how is time to first token measured';

async function topIds(app: App): Promise<{ ids: string[]; warnings: string[] }> {
  const fired = await app.ask(QUESTION);
  expect(fired.name, JSON.stringify(fired.detail)).toBe('ragtab-query-done');
  return app.run(`return { ids: window.ragtab.lastQuery.hits.map((h) => h.id), warnings: [...window.ragtab.warnings] };`);
}

test('a worker lost as a query starts, after the app checked it was there: restored, and the query answered', async () => {
  await withApp(async (app) => {
    await app.open(QS);
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    const before = await topIds(app);
    for (const which of ['index', 'embedder'] as const) {
      // ended as the query begins: the page learns of it (the worker's lock) only after its check
      await app.run(`const s = window.ragtab; const kill = () => { if (s.status !== 'querying') return; s.removeEventListener('change', kill); s.active[${JSON.stringify(which)}].worker.terminate(); }; s.addEventListener('change', kill);`);
      const after = await topIds(app);
      expect(after.ids, which).toEqual(before.ids);
      if (which === 'index') expect(after.warnings.join(' ')).toMatch(/The index worker had stopped: a new one was started and the index restored \([\d,]+ vectors read back from IndexedDB/);
    }
  });
});

test('an index worker lost after ingesting is restored; the embedder lost mid-ingestion is WorkerCrashed, named', async () => {
  await withApp(async (app) => {
    await app.open(QS);
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    const before = await topIds(app);
    await app.run(`window.ragtab.active.index.worker.terminate();`);
    const after = await topIds(app);
    expect(after.ids).toEqual(before.ids);
    expect(after.warnings.join(' ')).toMatch(/The index worker had stopped: a new one was started and the index restored \([\d,]+ vectors read back from IndexedDB/);

    // a second ingestion with the same model and small chunks; its embedder ended at the first embedding progress
    await app.run(`const s = window.ragtab; s.addEventListener('change', () => { const p = s.progress; if (p && p.phase === 'embed' && !window.__killedAt) { window.__killedAt = { done: p.done, total: p.total }; s.active.embedder.worker.terminate(); } });`);
    await app.set(['ragtab-setup', 'select#chunking'], 'tokens');
    await app.set(['ragtab-setup', 'input[name=chunkSize]'], '32');
    const end = await app.ingest();
    const killedAt = await app.run<{ done: number; total: number } | null>(`return window.__killedAt ?? null;`);
    expect(killedAt && killedAt.done < killedAt.total, JSON.stringify(killedAt)).toBe(true);
    expect(end.name).toBe('ragtab-error');
    expect((end.detail as { name: string; message: string }).name).toBe('WorkerCrashed');
    expect((end.detail as { name: string; message: string }).message).toContain('The embedder worker stopped without an error');
    expect((await topIds(app)).ids.length).toBeGreaterThan(0);
  });
});
