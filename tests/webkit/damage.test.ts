/**
 * Damaged stored vectors in WebKit (where the blocks may be stored as ArrayBuffers rather than
 * Blobs): vectors overwritten with NaN at the same size, a chunk reference altered, a block
 * missing — each is set aside with a warning naming it, the corpus is embedded again, the answers
 * equal the undamaged ones, and the index stored again loads cleanly.
 */
import { expect, test } from 'vitest';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const QS = '?model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none';
const QUESTION = 'how is time to first token measured';

const DAMAGE = `
const how = args[0];
const req = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
const db = await req(indexedDB.open('ragtab'));
const blocks = await req(db.transaction('blocks').objectStore('blocks').getAll());
const b = blocks[blocks.length - 1];
const bytes = b.vectors instanceof Blob ? await b.vectors.arrayBuffer() : b.vectors;
const tx = db.transaction('blocks', 'readwrite');
const store = tx.objectStore('blocks');
if (how === 'nan-vectors') { const nan = new Float32Array(bytes.byteLength / 4).fill(NaN); b.vectors = b.vectors instanceof Blob ? new Blob([nan]) : nan.buffer; store.put(b); }
else if (how === 'changed-ref') { b.nums = Int32Array.from(b.nums, (x, i) => (i === 1 ? x + 1 : x)); store.put(b); }
else store.delete([b.indexKey, b.blockNo]);
await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
db.close();
return blocks.length;`;

async function ingestFresh(app: App, qs = QS): Promise<{ fromStorage: boolean; warnings: string[] }> {
  await app.open(qs);
  const fired = await app.ingest();
  expect(fired.name, JSON.stringify(fired.detail)).toBe('ragtab-ingested');
  return app.run(`return { fromStorage: window.ragtab.lastIngest.storage.fromStorage, warnings: [...window.ragtab.warnings] };`);
}

async function topIds(app: App): Promise<string[]> {
  expect((await app.ask(QUESTION)).name).toBe('ragtab-query-done');
  return app.run(`return window.ragtab.lastQuery.hits.map((h) => h.id);`);
}

test('a damaged stored index is set aside, named, and embedded again; the answers are the undamaged ones', async () => {
  await withApp(async (app) => {
    expect((await ingestFresh(app)).fromStorage).toBe(false);
    const reference = await topIds(app);
    expect(reference.length).toBeGreaterThan(0);
    expect(await ingestFresh(app)).toEqual({ fromStorage: true, warnings: [] });
    const cases: Array<[string, RegExp]> = [
      ['nan-vectors', /The stored index is damaged: block \d+: the vectors of rows \d+–\d+ fail their checksum\. Nothing of it was used/],
      ['changed-ref', /The stored index is damaged: block \d+: its chunk references fail their checksum\./],
      ['missing-block', /The stored index is damaged: its blocks hold \d+ chunks, \d+ were committed \(a block is missing\)\./],
    ];
    for (const [how, message] of cases) {
      await app.run(DAMAGE, how);
      const repaired = await ingestFresh(app);
      expect(repaired.fromStorage, how).toBe(false);
      expect(repaired.warnings.some((w) => message.test(w)), `${how}: ${JSON.stringify(repaired.warnings)}`).toBe(true);
      expect(await topIds(app), how).toEqual(reference);
      expect(await ingestFresh(app), how).toEqual({ fromStorage: true, warnings: [] });
    }
  });
});

const FLIP_INT8 = `
const req = (r) => new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
const db = await req(indexedDB.open('ragtab'));
const recs = await req(db.transaction('kinds').objectStore('kinds').getAll());
const rec = recs.find((r) => r.kind === 'int8');
for (const n of Object.keys(rec.parts)) {
  const p = rec.parts[n];
  const bytes = new Uint8Array(p instanceof Blob ? await p.arrayBuffer() : p.slice(0));
  bytes[bytes.length >> 1] ^= 0xff;
  rec.parts[n] = p instanceof Blob ? new Blob([bytes]) : bytes.buffer;
}
const tx = db.transaction('kinds', 'readwrite');
tx.objectStore('kinds').put(rec);
await new Promise((res, rej) => { tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
db.close();
return Object.keys(rec.parts).length;`;

test('a stored index kind (int8 codes) that fails its checksum is built again, said so, and stored again', async () => {
  await withApp(async (app) => {
    const qs = `${QS}&index=int8`;
    expect((await ingestFresh(app, qs)).fromStorage).toBe(false);
    // the int8 scan runs in WebAssembly SIMD in WebKit too (a kernel WebKit refused would fall back to JavaScript)
    expect(await app.run<string | null>(`return window.ragtab.lastIngest.builds.find((b) => b.kind === 'int8')?.detail?.scan ?? null;`)).toBe('wasm-simd');
    const reference = await topIds(app);
    expect(await ingestFresh(app, qs)).toEqual({ fromStorage: true, warnings: [] });
    expect(await app.run<number>(FLIP_INT8)).toBeGreaterThan(0);
    const repaired = await ingestFresh(app, qs);
    expect(repaired.fromStorage).toBe(true);
    expect(repaired.warnings.some((w) => /^The stored int8 index is damaged \(its part ".+" fails its checksum\): it is built again\.$/.test(w)), JSON.stringify(repaired.warnings)).toBe(true);
    expect(await topIds(app)).toEqual(reference);
    expect(await ingestFresh(app, qs)).toEqual({ fromStorage: true, warnings: [] });
  });
});
