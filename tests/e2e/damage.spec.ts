/**
 * Damaged stored vectors are never served (issue 12, items 3 and 4), in the real app: a stored index
 * whose bytes were changed on disk — vectors overwritten with NaN at the same size, a chunk
 * reference altered, a block missing — fails its checksums (or its block layout) on load, is set
 * aside (deleted, with a warning that names what was wrong), and the corpus is embedded again; the
 * answers equal the undamaged ones, and the index stored again loads cleanly after a reload. And a
 * quota too small for the vectors keeps the index in memory for the session, said not persisted.
 */
import { expect, test, type Page } from '@playwright/test';
import { askViaUi, ingestViaUi, waitForApp } from './pwa-helpers';

const QS = './?model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none';
const QUESTION = 'how is time to first token measured';

type Damage = 'nan-vectors' | 'changed-ref' | 'missing-block' | 'wrong-type' | 'halved-meta';

/** Changes the stored blocks behind the app's back, through a second IndexedDB connection. */
async function damage(page: Page, how: Damage): Promise<number> {
  return page.evaluate(async (how) => {
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
    const db = await req(indexedDB.open('ragtab'));
    const blocks = await req(db.transaction('blocks').objectStore('blocks').getAll());
    const b = blocks[blocks.length - 1];
    // read a Blob before the write transaction (which cannot wait for it)
    const bytes: ArrayBuffer = b.vectors instanceof Blob ? await b.vectors.arrayBuffer() : b.vectors;
    const tx = db.transaction('blocks', 'readwrite');
    const store = tx.objectStore('blocks');
    if (how === 'nan-vectors') {
      const nan = new Float32Array(bytes.byteLength / 4).fill(NaN);
      b.vectors = b.vectors instanceof Blob ? new Blob([nan]) : nan.buffer;
      store.put(b);
    } else if (how === 'changed-ref') {
      b.nums = Int32Array.from(b.nums, (x: number, i: number) => (i === 1 ? x + 1 : x));
      store.put(b);
    } else if (how === 'missing-block') store.delete([b.indexKey, b.blockNo]);
    else if (how === 'wrong-type') {
      b.dims = String(b.dims);
      store.put(b);
    }
    await new Promise((res, rej) => ((tx.oncomplete = res), (tx.onerror = () => rej(tx.error))));
    if (how === 'halved-meta') {
      const metas = await req(db.transaction('indexes').objectStore('indexes').getAll());
      const m = metas.find((x) => x.key === b.indexKey || x.indexKey === b.indexKey) ?? metas[0];
      m.committedChunks = Math.floor(m.committedChunks / 2);
      m.totalChunks = m.committedChunks;
      const t2 = db.transaction('indexes', 'readwrite');
      t2.objectStore('indexes').put(m);
      await new Promise((res, rej) => ((t2.oncomplete = res), (t2.onerror = () => rej(t2.error))));
    }
    db.close();
    return blocks.length;
  }, how);
}

async function topIds(page: Page): Promise<string[]> {
  expect(await askViaUi(page, QUESTION)).toBe('ragtab-query-done');
  return page.evaluate(() => window.ragtab!.lastQuery!.hits.map((h) => h.id));
}

async function ingestFresh(page: Page, qs = QS): Promise<{ fromStorage: boolean; warnings: string[] }> {
  await page.goto(qs);
  await waitForApp(page);
  await page.waitForFunction(() => window.ragtab?.ready === true);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  return page.evaluate(() => ({ fromStorage: window.ragtab!.lastIngest!.storage.fromStorage, warnings: [...window.ragtab!.warnings] }));
}

test('a damaged stored index is set aside, named, and embedded again; the answers are the undamaged ones', async ({ page }) => {
  const first = await ingestFresh(page);
  expect(first.fromStorage).toBe(false);
  const reference = await topIds(page);
  expect(reference.length).toBeGreaterThan(0);
  const stored = await ingestFresh(page);
  expect(stored).toEqual({ fromStorage: true, warnings: [] });

  const cases: Array<[Damage, RegExp]> = [
    ['nan-vectors', /The stored index is damaged: block \d+: the vectors of rows \d+–\d+ fail their checksum\. Nothing of it was used: it was deleted, and the corpus is embedded again\./],
    ['changed-ref', /The stored index is damaged: block \d+: its chunk references fail their checksum\./],
    ['missing-block', /The stored index is damaged: its blocks hold \d+ chunks, \d+ were committed \(a block is missing\)\./],
    ['wrong-type', /The stored index is damaged: block \d+ has a field of the wrong type \(first \d+, count \d+, dims "\d+"\)\./],
    ['halved-meta', /The stored index is damaged: block \d+ ends at chunk \d+, past the \d+ committed\./],
  ];
  for (const [how, message] of cases) {
    await damage(page, how);
    const repaired = await ingestFresh(page);
    expect(repaired.fromStorage, how).toBe(false);
    expect(repaired.warnings.some((w) => message.test(w)), `${how}: ${JSON.stringify(repaired.warnings)}`).toBe(true);
    expect(await topIds(page), how).toEqual(reference);
    // stored again, with its checksums: the next load is clean
    expect(await ingestFresh(page), how).toEqual({ fromStorage: true, warnings: [] });
    expect(await topIds(page), how).toEqual(reference);
  }
});

test('over quota, the computed index is kept in memory for the session and said not persisted; it answers', async ({ page, context }) => {
  // Chromium fixes an origin's quota once a page of it has used IndexedDB: set it from a page that has not
  await page.goto('./icon.svg');
  const origin = new URL(page.url()).origin;
  const cdp = await context.newCDPSession(page);
  const usage = (await page.evaluate(() => navigator.storage.estimate())).usage ?? 0;
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 64 * 1024 });
  try {
    const r = await ingestFresh(page);
    expect(r.fromStorage).toBe(false);
    expect(r.warnings.join(' ')).toMatch(/Not enough storage space to .*The index is kept in memory for this session only, not persisted: a reload embeds the corpus again\./);
    expect(await page.evaluate(() => window.ragtab!.lastIngest!.storage.persisted)).toBe(false);
    expect((await topIds(page)).length).toBeGreaterThan(0);
    // nothing half-stored is left behind
    expect(await page.evaluate(async () => (await window.ragtab!.store!.indexes.list()).length)).toBe(0);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  }
});

test('a stored index kind (int8 codes) that fails its checksum is built again, said so, and stored again', async ({ page }) => {
  const qs = `${QS}&index=int8`;
  expect((await ingestFresh(page, qs)).fromStorage).toBe(false);
  const reference = await topIds(page);
  expect(await ingestFresh(page, qs)).toEqual({ fromStorage: true, warnings: [] });
  // flip one byte of each part of the stored int8 record
  const parts = await page.evaluate(async () => {
    const req = <T,>(r: IDBRequest<T>) => new Promise<T>((res, rej) => ((r.onsuccess = () => res(r.result)), (r.onerror = () => rej(r.error))));
    const db = await req(indexedDB.open('ragtab'));
    const recs = await req(db.transaction('kinds').objectStore('kinds').getAll());
    const rec = recs.find((r) => r.kind === 'int8');
    const names = Object.keys(rec.parts);
    for (const n of names) {
      const p = rec.parts[n];
      const bytes = new Uint8Array(p instanceof Blob ? await p.arrayBuffer() : p.slice(0));
      bytes[bytes.length >> 1] ^= 0xff;
      rec.parts[n] = p instanceof Blob ? new Blob([bytes]) : bytes.buffer;
    }
    const tx = db.transaction('kinds', 'readwrite');
    tx.objectStore('kinds').put(rec);
    await new Promise((res, rej) => ((tx.oncomplete = res), (tx.onerror = () => rej(tx.error))));
    db.close();
    return names;
  });
  expect(parts.length).toBeGreaterThan(0);
  const repaired = await ingestFresh(page, qs);
  expect(repaired.fromStorage).toBe(true); // the vectors are intact: only the int8 codes are built again
  expect(repaired.warnings.some((w) => /^The stored int8 index is damaged \(its part ".+" fails its checksum\): it is built again\.$/.test(w)), JSON.stringify(repaired.warnings)).toBe(true);
  expect(await topIds(page)).toEqual(reference);
  expect(await ingestFresh(page, qs)).toEqual({ fromStorage: true, warnings: [] });
});
