/**
 * The storage layer in real Chromium with real IndexedDB, through tests/pages/storage.html
 * (`window.storageFixtures`, tests/pages/storage-fixtures.ts, which drives src/storage): schema upgrades from v1 and v2 keep data; block
 * round trip is exact; an ingestion interrupted by closing its page resumes to the same chunks;
 * a write over quota fails with QuotaExceeded and its figures while earlier blocks stay loadable;
 * a second tab waits for the index's write lock and says so; a newer schema in another tab closes
 * this tab's connection cleanly; deleting from the storage panel frees space (in a persistent profile).
 * Each test uses its own database name and deletes it afterwards. No timing is asserted.
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import type { Failure } from '../../bench/lib/storage-page';
import type { StorageFixtures } from '../pages/storage-fixtures';
import { DB_VERSION } from '../../src/storage/schema';

type Api = StorageFixtures;
type Unwrapped<T> = Exclude<Awaited<T>, Failure>;

/** Calls `window.storageFixtures[name](arg)` and fails the test on an error result. */
async function call<K extends keyof Api>(page: Page, name: K, arg?: Parameters<Api[K]>[0]): Promise<Unwrapped<ReturnType<Api[K]>>> {
  const r = await callRaw(page, name, arg);
  if (r && typeof r === 'object' && 'error' in (r as object)) {
    const e = (r as Failure).error;
    throw new Error(`storageFixtures.${String(name)}: ${e.name}: ${e.message}`);
  }
  return r as Unwrapped<ReturnType<Api[K]>>;
}

async function callRaw<K extends keyof Api>(page: Page, name: K, arg?: Parameters<Api[K]>[0]): Promise<Awaited<ReturnType<Api[K]>>> {
  return page.evaluate(
    ([n, a]) => (window.storageFixtures as unknown as Record<string, (x: unknown) => unknown>)[n as string]!(a),
    [name, arg] as const,
  ) as Promise<Awaited<ReturnType<Api[K]>>>;
}

async function openBench(page: Page): Promise<void> {
  page.on('pageerror', (e) => console.log(`[page exception] ${e.message}`));
  const res = await page.goto('./tests/pages/storage.html');
  if (!res?.ok()) throw new Error(`tests/pages/storage.html: HTTP ${res?.status() ?? 'error'} (is the build made with RAGTAB_TEST_PAGES=1?)`);
  await page.waitForFunction(() => window.storageFixturesReady === true);
}

let counter = 0;
function uniqueDb(title: string): string {
  return `ragtab-test-${title.replace(/\W+/g, '-').slice(0, 40)}-${Date.now().toString(36)}-${counter++}`;
}

const DIMS = 384;

test.describe('storage', () => {
  let dbName = '';
  let page: Page;

  test.beforeEach(async ({ page: p }, info) => {
    page = p;
    dbName = uniqueDb(info.title);
    await openBench(page);
  });

  test.afterEach(async ({ context }) => {
    // a fresh page: the test's own pages may be closed or hold connections
    const p = await context.newPage();
    await openBench(p);
    await callRaw(p, 'deleteDb', { db: dbName });
    await p.close();
  });

  test('a v1 database is upgraded to the current schema with its data kept', async () => {
    const r = await call(page, 'upgradeFromV1', { db: dbName });
    expect(r.versionBefore).toBe(1);
    expect(r.storesBefore.sort()).toEqual(['blocks', 'corpora', 'indexes', 'runs']);
    expect(r.versionAfter).toBe(r.currentVersion);
    expect(r.storesAfter.sort()).toEqual(['blocks', 'corpora', 'documents', 'indexes', 'kinds', 'runs']);
    expect(r.corpusEqual).toBe(true);
    expect(r.corpusName).toBe('old corpus');
    expect(r.corpusRecord).toMatchObject({ docCount: 6, complete: true, createdAt: 1000, queries: [], qrels: [] });
    expect(r.corpusRecord!.bytes).toBeGreaterThan(6 * 1000);
    expect(r.index).not.toBeNull();
    expect(r.index).toMatchObject({ complete: true, committedChunks: 10, committedBlocks: 2, vectorsEqual: true, refsEqual: true });
    expect(r.index!.canonical).toBe(r.index!.expectedCanonical);
    expect(r.index!.bytes).toBeGreaterThan(10 * 8 * 4);
    // newest first, records untouched, sizes filled in
    expect(r.runs.map((x) => x.id)).toEqual(['run-2', 'run-1']);
    expect(r.runs[1]!.record).toEqual({ note: 'a v1 run', figures: [1, 2, 3] });
    expect(r.runs.every((x) => x.bytes > 0)).toBe(true);
    expect(r.inventory).toMatchObject({ corpora: 1, indexes: 1, runs: 2 });
    expect(r.begin).toEqual({ complete: true, committedChunks: 10 });
  });

  test('a v2 database (refs as arrays of strings) is upgraded to one string per column, data and sizes kept', async () => {
    const r = await call(page, 'upgradeFromV2', { db: dbName });
    expect(r.versionBefore).toBe(2);
    expect(r.versionAfter).toBe(r.currentVersion);
    expect(r.index).not.toBeNull();
    expect(r.index).toMatchObject({ complete: true, committedChunks: 10, vectorsEqual: true, refsEqual: true, truncatedAt: [5] });
    expect(r.index!.bytes).toBe(r.index!.expectedBytes);
    expect(r.index!.ids).toHaveLength(10);
  });

  test('a v3 database (vectors as ArrayBuffers) is upgraded to Blob vectors, data and sizes kept', async () => {
    const r = await call(page, 'upgradeFromV3', { db: dbName });
    expect(r.versionBefore).toBe(3);
    expect(r.versionAfter).toBe(r.currentVersion);
    expect(r.blocks).toEqual([
      { blockNo: 0, isBlob: true, type: r.expectedType, size: 6 * 8 * 4, count: 6 },
      { blockNo: 1, isBlob: true, type: r.expectedType, size: 4 * 8 * 4, count: 4 },
    ]);
    expect(r.index).toMatchObject({ complete: true, committedChunks: 10, vectorsEqual: true, inlineVectorsEqual: true, refsEqual: true });
    expect(r.index!.bytes).toBe(r.index!.expectedBytes);
    expect(r.begin).toEqual({ complete: true, committedChunks: 10 });
  });

  test('a v4 database is upgraded to v5 (the kinds store), its index intact; a kind is stored, read back, refused for other rows and deleted with its index', async () => {
    const r = await call(page, 'upgradeFromV4', { db: dbName });
    expect(r.versionBefore).toBe(4);
    expect(r.storesBefore).not.toContain('kinds');
    expect(r.versionAfter).toBe(r.currentVersion);
    expect(r.storesAfter).toContain('kinds');
    expect(r.index).toMatchObject({ complete: true, committedChunks: 10, vectorsEqual: true });
    expect(r.index!.bytes).toBe(r.index!.expectedBytes);
    expect(r.listedBefore).toEqual([]);
    expect(r.entry).toEqual({ kind: 'int8', variant: '', scheme: 'int8-affine-v1', count: 10, bytes: 8 * 4 * 2 + 10 * 16, buildMs: 12.5 });
    expect(r.readViaWorker).toEqual({ count: 1, equal: true });
    expect(r.readInline).toEqual({ count: 1, equal: true });
    expect(r.inventory).toEqual({ bytes: r.inventory!.expectedBytes, kinds: [{ kind: 'int8', bytes: r.entry.bytes }], expectedBytes: r.inventory!.expectedBytes });
    expect(r.wrong).toMatchObject({ error: { name: 'StorageError' } });
    expect((r.wrong as { error: { message: string } }).error.message).toContain('it has 9 rows, the stored index 10');
    expect(r.afterDelete).toBe(0);
  });

  test('the ingestion commit policy: several batches per transaction; a stop loses only the uncommitted ones, and the resume completes them', async () => {
    const total = 5_000;
    const opts = { db: dbName, total, dims: DIMS, blockSize: 512, seed: 17, label: 'policy', commit: { maxVectors: 2_048, maxDelayMs: 1e9 } };
    // 5 batches: 4 committed together (2,048 vectors), the fifth buffered and lost by the stop
    const part = await call(page, 'ingest', { ...opts, stopAfterBlocks: 5 });
    expect(part).toMatchObject({ blocksWritten: 1, committedChunks: 2_048, complete: false });
    const stored = await call(page, 'loadSummary', { db: dbName, label: 'policy', dims: DIMS, seed: 17, total, fresh: true });
    expect(stored).toMatchObject({ found: true, complete: false, committedChunks: 2_048, equalsInput: true, refsEqualInput: true, blocksStored: 1 });
    const rest = await call(page, 'ingest', opts);
    expect(rest.begin).toMatchObject({ committedChunks: 2_048, nextBlock: 1, resumed: true });
    // 2,952 more: one commit of 2,048 (4 batches), the last 904 at the end
    expect(rest).toMatchObject({ blocksWritten: 2, committedChunks: total, complete: true });
    const all = await call(page, 'loadSummary', { db: dbName, label: 'policy', dims: DIMS, seed: 17, total, fresh: true });
    expect(all).toMatchObject({ found: true, complete: true, committedChunks: total, equalsInput: true, refsEqualInput: true });
    expect(new Set(all.ids).size).toBe(total);
  });

  test('appendBlock + load round trip returns exactly what was written', async () => {
    const total = 2_500; // blocks of 1,024, 1,024 and 452
    const r = await call(page, 'roundTrip', { db: dbName, total, dims: DIMS, blockSize: 1_024 });
    expect(r.ingest).toMatchObject({ blocksWritten: 3, committedChunks: total, complete: true });
    // complete() merged the three blocks into one (compaction): the data is unchanged
    expect(r.load).toMatchObject({ found: true, complete: true, committedChunks: total, equalsInput: true, refsEqualInput: true, blocksStored: 1 });
    expect(r.load.ids).toHaveLength(total);
    expect(new Set(r.load.ids).size).toBe(total);
    expect(r.meta).toMatchObject({ dims: DIMS, totalChunks: total, committedBlocks: 3, complete: true });
    expect(r.meta.bytes).toBeGreaterThanOrEqual(total * DIMS * 4);
    expect(r.meta.bytes).toBeLessThan(total * DIMS * 4 * 1.05);
    expect(r.corpus.equal).toBe(true);
    expect(r.corpus.docs).toBe(Math.ceil(total / 4));
    expect(r.corpus.listed).toEqual([r.corpus.record.hash]);
    expect(r.chunkTexts).toMatchObject({ count: total, allNonEmpty: true });
  });

  test('an ingestion whose page is closed mid-way resumes to the same chunks as an uninterrupted one', async ({ context }) => {
    const total = 5_000;
    const opts = { total, dims: DIMS, blockSize: 512, seed: 7, label: 'resume' };
    // uninterrupted, in its own database
    const whole = await call(page, 'ingest', { db: dbName + '-whole', ...opts });
    expect(whole).toMatchObject({ committedChunks: total, complete: true, blocksWritten: 10 });
    const wholeLoad = await call(page, 'loadSummary', { db: dbName + '-whole', ...opts });
    await callRaw(page, 'deleteDb', { db: dbName + '-whole' });

    // interrupted: a page writes 3 blocks and is closed while its ingestion still runs (holding the lock)
    const a = await context.newPage();
    await openBench(a);
    void a.evaluate((o) => window.storageFixtures!.ingest(o), { db: dbName, ...opts, gateAfterBlocks: 3 }).catch(() => undefined);
    await expect.poll(() => a.evaluate(() => window.storageFixtures!.progress().blocks)).toBe(3);
    await a.close();

    // a fresh page: the partial index is there, and resuming completes it
    const before = await call(page, 'loadSummary', { db: dbName, ...opts, fresh: true });
    expect(before).toMatchObject({ found: true, complete: false, committedChunks: 3 * 512, equalsInput: true, refsEqualInput: true, blocksStored: 3 });
    const resumed = await call(page, 'ingest', { db: dbName, ...opts });
    expect(resumed.begin).toMatchObject({ committedChunks: 1_536, nextBlock: 3, complete: false, resumed: true, restarted: null });
    expect(resumed).toMatchObject({ blocksWritten: 7, committedChunks: total, complete: true });

    const after = await call(page, 'loadSummary', { db: dbName, ...opts, fresh: true });
    expect(after).toMatchObject({ complete: true, committedChunks: total, equalsInput: true, refsEqualInput: true, blocksStored: 2 });
    expect(after.ids).toEqual(wholeLoad.ids);
    expect(after.checksum).toBe(wholeLoad.checksum);

    // a second stop-and-resume, within one page (stop after 2 blocks, reopen the database)
    await callRaw(page, 'deleteDb', { db: dbName });
    const part = await call(page, 'ingest', { db: dbName, ...opts, stopAfterBlocks: 2 });
    expect(part).toMatchObject({ blocksWritten: 2, committedChunks: 1_024, complete: false });
    const rest = await call(page, 'ingest', { db: dbName, ...opts, blockSize: 1_000 });
    expect(rest.begin).toMatchObject({ committedChunks: 1_024, resumed: true });
    const again = await call(page, 'loadSummary', { db: dbName, ...opts, fresh: true });
    expect(again.ids).toEqual(wholeLoad.ids);
    expect(again.checksum).toBe(wholeLoad.checksum);
  });

  test('a partial index left by a different chunk list is started again, never mixed', async () => {
    const base = { db: dbName, dims: DIMS, blockSize: 256, seed: 5, label: 'restart' };
    const part = await call(page, 'ingest', { ...base, total: 2_000, stopAfterBlocks: 2 });
    expect(part).toMatchObject({ committedChunks: 512, complete: false });
    // same key, but the chunking now gives 1,500 chunks (say, a changed tokenizer under the same revision)
    const again = await call(page, 'ingest', { ...base, total: 1_500 });
    expect(again.begin).toMatchObject({ committedChunks: 0, nextBlock: 0, resumed: false });
    expect(again.begin.restarted).toMatch(/started again: it was for 2000 chunks, this chunking gives 1500/);
    expect(again).toMatchObject({ committedChunks: 1_500, complete: true });
    const load = await call(page, 'loadSummary', { ...base, total: 1_500, fresh: true });
    expect(load).toMatchObject({ complete: true, committedChunks: 1_500, equalsInput: true, refsEqualInput: true });
  });

  test('a write over quota fails with QuotaExceeded and its figures; earlier blocks stay intact', async ({ context }) => {
    const origin = new URL(page.url()).origin;
    const cdp = await context.newCDPSession(page);
    const usage = (await page.evaluate(() => navigator.storage.estimate())).usage ?? 0;
    // Chromium caches the origin's quota once the page has used IndexedDB (an override set later
    // was not enforced on these machines): set it before this page touches IndexedDB at all
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 6 * 2 ** 20 });
    try {
      const r = await call(page, 'fillUntilQuota', { db: dbName, total: 10_000, dims: DIMS, blockSize: 512 });
      expect(r.failure, 'the writes should have hit the quota').not.toBeNull();
      const err = r.failure!.error;
      expect(err.name).toBe('QuotaExceeded');
      expect(r.blocksWritten).toBeGreaterThan(0);
      expect(r.blocksWritten).toBeLessThan(20);
      expect(err.needed).toBe(r.failedBlockBytes);
      expect(err.message).toContain(`${r.failedBlockBytes!.toLocaleString('en-US')} bytes`);
      expect(err.message).toMatch(/needed about/);
      expect(err.message).toMatch(/available/);
      expect(err.estimate).not.toBeNull();
      expect(err.message).toContain(`${err.estimate!.available.toLocaleString('en-US')} bytes`);
      if (!err.estimate!.quotaReliable) expect(err.message).toMatch(/not the real limit/);
      // everything committed before is intact and loadable, on this connection and after reopening
      for (const l of [r.sameConn, r.reopened]) {
        expect(l).toMatchObject({ found: true, complete: false, committedChunks: r.blocksWritten * 512, equalsInput: true, refsEqualInput: true });
      }
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    }
  });

  test('two tabs: the second waits for the write lock, says so, then finds the index complete', async ({ context }) => {
    const opts = { db: dbName, total: 4_096, dims: DIMS, blockSize: 512, seed: 3, label: 'two-tabs' };
    const b = await context.newPage();
    await openBench(b);
    // tab A holds the lock mid-ingestion (2 blocks written, waiting at a gate)
    const aDone = page.evaluate((o) => window.storageFixtures!.ingest(o), { ...opts, gateAfterBlocks: 2 });
    await expect.poll(() => page.evaluate(() => window.storageFixtures!.progress().blocks)).toBe(2);
    // tab B asks for the same index: it must wait, and say so
    const bDone = b.evaluate((o) => window.storageFixtures!.ingest(o), opts);
    await expect.poll(() => b.evaluate(() => window.storageFixtures!.progress().waiting)).toBe(true);
    const bProgress = await b.evaluate(() => window.storageFixtures!.progress());
    expect(bProgress.waitMessage).toMatch(/another tab is writing this index/i);
    expect(await page.evaluate(() => window.storageFixtures!.progress().blocks)).toBe(2);
    // A finishes; B then gets the lock and finds the index stored whole
    await page.evaluate(() => window.storageFixtures!.openGate());
    const ra = (await aDone) as Exclude<Awaited<ReturnType<Api['ingest']>>, Failure>;
    const rb = (await bDone) as Exclude<Awaited<ReturnType<Api['ingest']>>, Failure>;
    expect(ra).toMatchObject({ waitMessage: null, blocksWritten: 8, complete: true });
    expect(rb.waitMessage).toMatch(/another tab is writing this index/i);
    expect(rb.begin.complete).toBe(true);
    expect(rb.blocksWritten).toBe(0);
    const load = await call(b, 'loadSummary', { ...opts, fresh: true });
    expect(load).toMatchObject({ complete: true, committedChunks: 4_096, equalsInput: true });
    expect(new Set(load.ids).size).toBe(4_096);
    await b.close();
  });

  test('a newer schema opened in another tab closes this connection cleanly and calls back', async ({ context }) => {
    const current = (await call(page, 'openWatched', { db: dbName })).version;
    expect(current).toBe(DB_VERSION);
    const b = await context.newPage();
    await openBench(b);
    const newer = await call(b, 'openNewer', { db: dbName });
    expect(newer.version).toBe(current + 1);
    const s = await call(page, 'watchedState');
    expect(s.events).toEqual([{ oldVersion: current, newVersion: current + 1 }]);
    expect(s.closed).toBe(true);
    expect(s.afterClose).toMatchObject({ name: 'StorageClosed' });
    expect((s.afterClose as { message: string }).message).toMatch(/reload/i);
    // this (older) code refuses the newer schema with a clear message instead of damaging it
    const old = await callRaw(b, 'inventory', { db: dbName });
    expect(old).toMatchObject({ error: { name: 'StorageError' } });
    expect((old as Failure).error.message).toMatch(/newer version of ragtab/);
    await b.close();
  });
});

// In a persistent profile, as a person's browser keeps it: Chromium 150's incognito context (IndexedDB
// in memory) did not lower the usage estimate when Blob values were deleted (22.3 MB before and 60 s
// after, 3 runs of 3), while 156's did; in a persistent profile both free them (bench:storage).
test('deleting from the storage panel frees the space', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragtab-storage-panel-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: resolveChromium(),
    args: [...BASE_FLAGS],
    baseURL: test.info().project.use.baseURL!,
    serviceWorkers: 'block',
  });
  try {
    const page = await context.newPage();
    await openBench(page);
    const dbName = uniqueDb('deleting from the storage panel');
    const opts = { db: dbName, total: 8_192, dims: DIMS, blockSize: 1_024, seed: 9, label: 'delete-me' };
    const usage = async () => (await page.evaluate(() => window.storageFixtures!.estimate()))!.usage;
    const base = await usage();
    const ing = await call(page, 'ingest', opts);
    await call(page, 'putRun', { db: dbName, record: { suite: 'test', figures: [1, 2, 3] }, id: 'run-a' });
    const corpus = await call(page, 'putCorpus', { db: dbName, docs: 40, name: 'panel corpus' });
    await call(page, 'mountPanel', { db: dbName });
    const panel = page.locator('ragtab-storage');
    const row = panel.locator(`tr[data-kind="index"][data-id="${ing.key}"]`);
    await expect(row).toHaveAttribute('data-committed', '8192');
    await expect(row).toHaveAttribute('data-complete', 'true');
    await expect(panel.locator(`tr[data-kind="run"][data-id="run-a"]`)).toBeVisible();
    await expect(panel.locator(`tr[data-kind="corpus"][data-id="${corpus.hash}"]`)).toContainText('panel corpus');
    await expect(panel.locator('#persisted')).toHaveAttribute('data-persisted', /true|false|null/);
    const raw = 8_192 * DIMS * 4;
    // The index is counted in the usage (compare with the growth, not with the raw size: an
    // incognito context counted Blob values at about 0.85× their size).
    const full = await usage();
    const grown = full - base;
    expect(grown).toBeGreaterThan(raw * 0.5);
    // read it back first (Blob values: a read must not keep the deleted blocks' files alive)
    const back = await call(page, 'loadSummary', { db: dbName, label: 'delete-me', dims: DIMS, seed: 9, total: 8_192 });
    expect(back).toMatchObject({ found: true, complete: true, equalsInput: true });

    await row.getByRole('button', { name: /delete/i }).click();
    await expect(row).toHaveCount(0);
    // usage drops by about the index's size (the estimate can lag a little: poll, never time)
    await expect.poll(usage).toBeLessThan(full - grown * 0.8);
    const inv = await call(page, 'inventory', { db: dbName });
    expect(inv.indexes).toHaveLength(0);
    expect(inv.runs).toHaveLength(1);

    // delete all, with its confirmation step
    await panel.locator('#delete-all').click();
    await panel.locator('#confirm-delete-all').click();
    await expect(panel.locator('tr[data-kind]')).toHaveCount(0);
    const empty = await call(page, 'inventory', { db: dbName });
    expect(empty).toMatchObject({ corpora: [], indexes: [], runs: [], totalBytes: 0 });
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
