/**
 * Retrieval in WebKit on a BEIR folder (msmarco-5k, 300 documents): the top-10 ids and scores equal
 * the Node transformers.js reference that the Chromium suite checks against (so they equal
 * Chromium's within 1e-4), the vectors are stored in the form this session allows (ArrayBuffer where
 * IndexedDB refuses Blobs) and the record says so, and a reload loads them back from storage.
 */
import { expect, test } from 'vitest';
import { join } from 'node:path';
import { SHARED, readJsonl, type BeirDoc } from '../e2e/helpers';
import { nodeReference, type Hit } from '../e2e/references';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const N_DOCS = 300;
const N_QUERIES = 4;
const PARAMS = { dataset: 'datasets/msmarco-5k/', maxDocs: N_DOCS, model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'document', index: 'both' };

function expectSameTop10(got: Hit[], ref: Hit[], label: string): void {
  expect(got, label).toHaveLength(10);
  for (let r = 0; r < 10; r++) {
    expect(Math.abs(got[r]!.score - ref[r]!.score), `${label} rank ${r + 1} score`).toBeLessThan(1e-4);
    if (got[r]!.id !== ref[r]!.id) {
      // a swap only where the reference's two scores tie within float noise
      const other = ref.find((x) => x.id === got[r]!.id)?.score;
      expect(other, `${label} rank ${r + 1}: ${got[r]!.id} vs ${ref[r]!.id}`).toBeDefined();
      expect(Math.abs(other! - ref[r]!.score)).toBeLessThan(1e-5);
    }
  }
}

async function askAll(app: App, queries: string[], reference: Hit[][], label: string): Promise<void> {
  for (let qi = 0; qi < queries.length; qi++) {
    const fired = await app.ask(queries[qi]!);
    expect(fired.name, JSON.stringify(fired.detail)).toBe('ragtab-query-done');
    const hits = await app.run<Hit[]>(`return window.ragtab.lastQuery.hits.map((h) => ({ id: h.docId, score: h.score }));`);
    expectSameTop10(hits, reference[qi]!, `${label} query ${qi}`);
  }
}

test('a BEIR folder ingests; top-10 equals the reference; stored, then loaded back after a reload', async () => {
  const docs = readJsonl<BeirDoc>(join(SHARED, 'datasets/msmarco-5k/corpus.jsonl')).slice(0, N_DOCS);
  const queries = readJsonl<{ text: string }>(join(SHARED, 'datasets/msmarco-5k/queries.jsonl')).slice(0, N_QUERIES).map((q) => q.text);
  const reference = await nodeReference(docs, queries);
  await withApp(async (app) => {
    await app.open(PARAMS);
    const first = await app.ingest();
    expect(first.name, JSON.stringify(first.detail)).toBe('ragtab-ingested');
    const r1 = await app.run<{ docs: number; storage: { persisted: boolean; fromStorage: boolean; vectorsAs: string }; stages: string[]; persistExtra: Record<string, unknown> | null; blobs: boolean | null; voy: number | null }>(
      `const r = window.ragtab.lastIngest; return { docs: r.docs, storage: r.storage, stages: r.stages.map((s) => s.name), persistExtra: r.stages.find((s) => s.name === 'persist')?.extra ?? null, blobs: window.ragtab.capabilities.probe.indexedDbBlobs, voy: r.voyRecall?.mean ?? null };`,
    );
    expect(r1.docs).toBe(N_DOCS);
    expect(r1.storage.persisted).toBe(true);
    expect(r1.storage.fromStorage).toBe(false);
    expect(r1.storage.vectorsAs).toBe(r1.blobs ? 'Blob' : 'ArrayBuffer');
    expect(r1.persistExtra?.['vectorsAs']).toBe(r1.storage.vectorsAs);
    expect(r1.stages).toEqual(['read+parse', 'model load', 'chunk', 'embed', 'persist', 'commit', 'index build']);
    expect(r1.voy).toBe(1);
    await askAll(app, queries, reference, 'ingested');

    // the session keeps its storage across a reload: the vectors come back, nothing is embedded
    await app.open(PARAMS);
    const again = await app.ingest();
    expect(again.name, JSON.stringify(again.detail)).toBe('ragtab-ingested');
    const r2 = await app.run<{ fromStorage: boolean; stages: string[]; loadExtra: Record<string, unknown> | null }>(
      `const r = window.ragtab.lastIngest; return { fromStorage: r.storage.fromStorage, stages: r.stages.map((s) => s.name), loadExtra: r.stages.find((s) => s.name === 'load')?.extra ?? null };`,
    );
    expect(r2.fromStorage).toBe(true);
    expect(r2.stages).toContain('load');
    expect(r2.stages).not.toContain('embed');
    expect(r2.loadExtra?.['vectorsAs']).toBe(r1.storage.vectorsAs);
    await askAll(app, queries.slice(0, 2), reference, 'reloaded');
  });
});
