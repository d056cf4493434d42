/**
 * Every index kind as a choice of the app (issue 14, phase B), in real Chromium through the UI:
 * the demo corpus ingested with one kind answering and the six others compared beside it; each
 * answers the demo queries, has its quality over the 40 judged questions, its recall@k against the
 * exact scan (vector kinds) and its build figures; a reload reads the stored kinds (int8, binary,
 * bm25) back without building them and embeds nothing, and answers the same. The BM25 references
 * through the app are checked in quality.spec.ts (one ingest for the dense and BM25 references),
 * the quantized kinds against the exact scan on the msmarco subset in retrieval.spec.ts.
 */
import { expect, test, type Page } from '@playwright/test';
import { askViaUi, ingestViaUi, openApp } from './helpers';
import type { IndexKind } from '../../src/core/index-kinds';

const ALL: IndexKind[] = ['hnsw', 'exact', 'voy', 'int8', 'binary', 'bm25', 'hybrid'];
const DEMO = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'hnsw', compare: ALL.slice(1).join(',') } as const;
const QUESTIONS = ['How does ragtab persist the vectors?', 'What does the exact scan compute?', 'Which browsers are supported?'];

async function ingestReport(page: Page) {
  return page.evaluate(() => {
    const r = window.ragtab!.lastIngest!;
    return {
      stages: r.stages.map((s) => s.name),
      fromStorage: r.storage.fromStorage,
      kinds: r.kinds.map((k) => ({ kind: k.kind, role: k.role, loaded: k.loaded, built: k.build !== null, bytes: k.build?.bytes ?? null, diskBytes: k.diskBytes, check: k.check && { queries: k.check.queries, recall: k.check.recall?.mean ?? null, p50: k.check.searchMs.p50 } })),
      build: r.stages.find((s) => s.name === 'index build')?.parts?.map((p) => p.name) ?? [],
      loadKinds: r.stages.find((s) => s.name === 'load kinds')?.parts?.map((p) => p.name) ?? [],
    };
  });
}

/** Each kind's top-10 chunk ids for each question, through the session (the UI asks the answering kind). */
async function answers(page: Page): Promise<Record<string, string[][]>> {
  const out: Record<string, string[][]> = {};
  for (const q of QUESTIONS) {
    expect(await askViaUi(page, q)).toBe('ragtab-query-done');
    for (const kind of ALL) {
      const ids = await page.evaluate(
        async ({ q, kind }) => {
          const r = await window.ragtab!.query(q, { kind: kind as never, generate: false });
          if (!r) throw new Error(`${kind}: ${window.ragtab!.error?.name}: ${window.ragtab!.error?.message}`);
          return { ids: r.hits.map((h) => h.id), stages: r.stages.map((s) => s.name) };
        },
        { q, kind },
      );
      // bm25 reads the text only: no query is embedded for it
      expect(ids.stages, kind).toEqual(kind === 'bm25' ? ['search', 'format context'] : ['embed query', 'search', 'format context']);
      expect(ids.ids, `${kind}: ${q}`).toHaveLength(10);
      (out[kind] ??= []).push(ids.ids);
    }
  }
  return out;
}

test('every kind builds, answers the demo queries and records its quality; a reload reads int8, binary and bm25 back without building or embedding', async ({ page }) => {
  await openApp(page, DEMO);
  await expect(page.locator('ragtab-setup select[name=index]')).toHaveValue('hnsw');
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const first = await ingestReport(page);
  expect(first.fromStorage).toBe(false);
  expect(first.kinds.map((k) => k.kind).sort()).toEqual([...ALL].sort());
  expect(first.kinds.find((k) => k.kind === 'hnsw')!.role).toBe('answer');
  expect(first.build.sort()).toEqual(ALL.map((k) => `build (${k})`).sort());
  expect(first.stages).toEqual(['read+parse', 'model load', 'chunk', 'embed', 'persist', 'commit', 'index build', 'persist kinds']);
  for (const k of first.kinds) {
    expect(k.built, k.kind).toBe(true);
    expect(k.check?.queries, k.kind).toBeGreaterThan(0);
    // recall against the exact scan: the vector kinds that approximate it
    if (['voy', 'int8', 'binary', 'hnsw'].includes(k.kind)) expect(k.check!.recall, k.kind).toBeGreaterThanOrEqual(k.kind === 'binary' ? 0.8 : 0.95);
    else expect(k.check?.recall ?? null, k.kind).toBeNull();
  }
  const byKind = Object.fromEntries(first.kinds.map((k) => [k.kind, k]));
  for (const k of ['int8', 'binary', 'bm25'] as const) expect(byKind[k]!.diskBytes, k).toBeGreaterThan(0);
  expect(byKind['hnsw']!.diskBytes).toBeNull();
  expect(byKind['exact']!.bytes).toBeGreaterThan(byKind['int8']!.bytes!);
  expect(byKind['int8']!.bytes!).toBeGreaterThan(byKind['binary']!.bytes!);

  // what the person sees: the answering kind's chunks, the others beside it
  expect(await askViaUi(page, QUESTIONS[0]!)).toBe('ragtab-query-done');
  await expect(page.locator('ragtab-results li')).toHaveCount(10);
  await expect(page.locator('ragtab-results [data-recall=hnsw]')).toBeVisible();
  await expect(page.locator('ragtab-results [data-compare-kind]')).toHaveCount(6);
  const before = await answers(page);

  // quality of every kind over the demo's 40 judged questions
  await page.evaluate(() => {
    (window as unknown as { __ev: Promise<string> }).__ev = new Promise((r) => {
      window.addEventListener('ragtab-evaluated', () => r('ok'), { once: true });
      window.addEventListener('ragtab-error', () => r('error'), { once: true });
    });
  });
  await page.locator('ragtab-quality #evaluate').click();
  expect(await page.evaluate(() => (window as unknown as { __ev: Promise<string> }).__ev)).toBe('ok');
  const quality = await page.evaluate(() => window.ragtab!.lastEvaluations.map((e) => ({ kind: e.kind, evaluated: e.quality.evaluated, ndcg10: e.quality.mean?.ndcg10 ?? null })));
  expect(quality.map((q) => q.kind)).toEqual(ALL);
  for (const q of quality) {
    expect(q.evaluated, q.kind).toBe(40);
    expect(q.ndcg10, q.kind).toBeGreaterThan(0);
  }
  await expect(page.locator('ragtab-quality [data-kind-quality]')).toHaveCount(ALL.length);

  // reload: the vectors and the stored kinds come back; hnsw and voy are built again (timed)
  await page.reload();
  await page.waitForFunction(() => window.ragtab?.ready === true);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const second = await ingestReport(page);
  expect(second.fromStorage).toBe(true);
  expect(second.stages).toEqual(['read+parse', 'model load', 'load', 'load kinds', 'index build']);
  expect(second.loadKinds.sort()).toEqual(['build (binary)', 'build (bm25)', 'build (int8)']);
  expect(second.build.sort()).toEqual(['build (exact)', 'build (hnsw)', 'build (hybrid)', 'build (voy)']);
  for (const k of second.kinds) expect(k.loaded, k.kind).toBe(['int8', 'binary', 'bm25'].includes(k.kind));
  expect(await answers(page)).toEqual(before);
});
