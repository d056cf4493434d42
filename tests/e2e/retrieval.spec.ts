/**
 * The retrieval half of RAG, end to end in real Chromium: the built app with its real headers,
 * real workers, real transformers.js (WASM) and voy. The page's top-10 ids and scores are checked
 * against a reference computed here in Node with transformers.js on the same model and texts.
 */
import { expect, test } from '@playwright/test';
import { join } from 'node:path';
import { SHARED, askViaUi, ingestViaUi, openApp, readJsonl, type BeirDoc } from './helpers';
import { nodeReference } from './references';

const N_DOCS = 300;
const N_QUERIES = 6;

test('msmarco subset: top-10 ids and scores equal a Node transformers.js reference; voy agrees with the exact scan', async ({ page }) => {
  const docs = readJsonl<BeirDoc>(join(SHARED, 'datasets/msmarco-5k/corpus.jsonl')).slice(0, N_DOCS);
  const queries = readJsonl<{ _id: string; text: string }>(join(SHARED, 'datasets/msmarco-5k/queries.jsonl'))
    .slice(0, N_QUERIES)
    .map((q) => q.text);
  const reference = await nodeReference(docs, queries);

  await openApp(page, {
    dataset: 'datasets/msmarco-5k/',
    maxDocs: N_DOCS,
    model: 'lsa-wordpiece-256',
    modelBase: 'models/',
    device: 'wasm',
    chunking: 'document',
    index: 'both',
  });
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await expect(page.locator('ragtab-isolation .badge')).toHaveAttribute('data-isolated', 'yes');

  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const ingest = await page.evaluate(() => {
    const r = window.ragtab!.lastIngest!;
    return { docs: r.docs, chunks: r.chunks, device: r.embedder.device, threads: r.embedder.threads, stages: r.stages.map((s) => s.name), voy: r.voyRecall, builds: r.builds.map((b) => b.kind) };
  });
  expect(ingest.docs).toBe(N_DOCS);
  expect(ingest.chunks).toBe(N_DOCS);
  expect(ingest.device).toBe('wasm');
  expect(ingest.threads).toBeGreaterThan(1); // isolated page: multi-threaded WASM
  expect(ingest.stages).toEqual(['read+parse', 'model load', 'chunk', 'embed', 'persist', 'commit', 'index build']);
  expect(ingest.builds).toEqual(['exact', 'voy']);
  expect(ingest.voy?.mean).toBe(1);
  await expect(page.locator('ragtab-ingest-report')).toContainText('300');

  for (let qi = 0; qi < queries.length; qi++) {
    expect(await askViaUi(page, queries[qi]!)).toBe('ragtab-query-done');
    const got = await page.evaluate(() => {
      const q = window.ragtab!.lastQuery!;
      return {
        hits: q.hits.map((h) => ({ id: h.docId, score: h.score })),
        stages: q.stages.map((s) => ({ name: s.name, ms: s.ms, workerMs: s.workerMs ?? null })),
        recall: q.compare[0]?.recallAgainstExact ?? null,
        compareKind: q.compare[0]?.kind ?? null,
        context: q.context,
      };
    });
    const ref = reference[qi]!;
    expect(got.hits).toHaveLength(10);
    for (let r = 0; r < 10; r++) {
      expect(Math.abs(got.hits[r]!.score - ref[r]!.score), `query ${qi} rank ${r + 1} score`).toBeLessThan(1e-4);
      // Ids must match, except where two reference scores tie within float noise.
      if (got.hits[r]!.id !== ref[r]!.id) {
        const refScoreOfGot = ref.find((x) => x.id === got.hits[r]!.id)?.score;
        expect(refScoreOfGot, `query ${qi} rank ${r + 1}: ${got.hits[r]!.id} vs ${ref[r]!.id}`).toBeDefined();
        expect(Math.abs(refScoreOfGot! - ref[r]!.score)).toBeLessThan(1e-5);
      }
    }
    expect(got.compareKind).toBe('voy');
    expect(got.recall).toBe(1);
    expect(got.stages.map((s) => s.name)).toEqual(['embed query', 'search', 'format context']);
    for (const s of got.stages) expect(s.ms).toBeGreaterThanOrEqual(0);
    expect(got.stages[0]!.workerMs).not.toBeNull();
    expect(got.stages[1]!.workerMs).not.toBeNull();
    expect(got.context.used).toBeGreaterThan(0);
    expect(got.context.text).toContain('[1]');
  }
  // What the person sees: ten ranked chunks, the first one the reference's first document.
  const items = page.locator('ragtab-results li');
  await expect(items).toHaveCount(10);
  await expect(items.first()).toHaveAttribute('data-doc-id', reference[queries.length - 1]![0]!.id);
  await expect(page.locator('ragtab-timings tr[data-stage="search"]')).toBeVisible();
  // The exact scan ran in WebAssembly SIMD (the scores above are its scores), not the JavaScript fallback.
  await expect(page.locator('ragtab-ingest-report')).toContainText('exact (WebAssembly SIMD scan)');
  const measures = await page.evaluate(() => performance.getEntriesByType('measure').map((m) => m.name));
  expect(measures).toEqual(expect.arrayContaining(['ragtab:embed-query', 'ragtab:search', 'ragtab:format-context', 'ragtab:embed']));
});

test('WebGPU (SwiftShader) gives the same vectors as WASM for minilm-shape-random', async ({ page }) => {
  const texts = ['The cat sat on the mat.', 'Retrieval-augmented generation in a browser tab.', 'Vectors, indexes and tokens.'];
  const files = texts.map((t, i) => ({ name: `t${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from(t) }));
  const run = async (device: 'webgpu' | 'wasm') => {
    await openApp(page, { model: 'minilm-shape-random', modelBase: 'models/', device, chunking: 'document', index: 'exact', batch: 4 });
    await page.locator('ragtab-setup select[name=corpusKind]').selectOption('files');
    await page.locator('ragtab-setup input[name=files]').setInputFiles(files);
    expect(await ingestViaUi(page)).toBe('ragtab-ingested');
    return page.evaluate(async (texts) => {
      const r = await window.ragtab!.embedTexts(texts);
      return { v: Array.from(r.vectors), dims: r.dims, device: r.device, fallback: window.ragtab!.lastIngest!.embedder.fallbackReason };
    }, texts);
  };
  const gpu = await run('webgpu');
  expect(gpu.fallback).toBeNull();
  expect(gpu.device).toBe('webgpu');
  const cpu = await run('wasm');
  expect(cpu.device).toBe('wasm');
  expect(gpu.dims).toBe(384);
  for (let i = 0; i < texts.length; i++) {
    const a = gpu.v.slice(i * 384, (i + 1) * 384);
    const b = cpu.v.slice(i * 384, (i + 1) * 384);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < 384; j++) {
      dot += a[j]! * b[j]!;
      na += a[j]! ** 2;
      nb += b[j]! ** 2;
    }
    expect(dot / Math.sqrt(na * nb)).toBeGreaterThanOrEqual(0.999);
  }
});
