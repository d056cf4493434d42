/**
 * Odd inputs that used to be dropped silently or misnamed (issue 12, degraded), in the real app:
 * a BEIR dataset with duplicate document ids and judgments for documents it does not have (each
 * counted and named, and the quality panel says why nothing can be evaluated); a damaged gzip
 * (CorruptGzip, not MalformedJsonl); a dataset on a server that does not allow this page (FetchFailed
 * naming CORS, not a bare "Failed to fetch"); UTF-16 text with a byte-order mark (read, not refused
 * as binary). The datasets are served by routes of the test, never written to ../shared.
 */
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { ingestViaUi, openApp, shownError } from './helpers';

const LOCAL = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'document', index: 'exact' } as const;

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function useDataset(page: Page, url: string): Promise<void> {
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('beir-url');
  await page.locator('ragtab-setup input[name=datasetUrl]').fill(url);
  await page.locator('ragtab-setup input[name=datasetUrl]').dispatchEvent('change');
}

async function warnings(page: Page): Promise<string[]> {
  return page.evaluate(() => [...window.ragtab!.warnings]);
}

test('a BEIR dataset with duplicate ids and judgments for unknown documents: counted, named, and the quality panel says why', async ({ page, context }) => {
  const docs = [
    { _id: 'd1', title: 'Vectors', text: 'Dense vectors are compared by cosine similarity.' },
    { _id: 'd2', title: 'Tokens', text: 'Text is split into tokens before it is embedded.' },
    { _id: 'd1', title: 'Again', text: 'A second document that reuses the id d1.' },
    { _id: 'd3', title: 'Chunks', text: 'Long documents are cut into chunks.' },
  ];
  const files: Record<string, string> = {
    'corpus.jsonl': jsonl(docs),
    'queries.jsonl': jsonl([{ _id: 'q1', text: 'how are vectors compared' }, { _id: 'q2', text: 'what is a token' }]),
    'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\tmissing-1\t1\nq2\tmissing-2\t1\n',
  };
  await context.route('**/odd-beir/**', (route) => {
    const name = new URL(route.request().url()).pathname.split('/odd-beir/')[1] ?? '';
    const body = files[name];
    return body === undefined ? route.fulfill({ status: 404, body: 'not found' }) : route.fulfill({ status: 200, contentType: 'text/plain', body, headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } });
  });
  await openApp(page, LOCAL);
  await useDataset(page, 'odd-beir/');
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  const w = (await warnings(page)).join('\n');
  expect(w).toContain('corpus.jsonl: 1 document reused an id already used earlier in the file and was skipped (the first document with each id was kept).');
  expect(w).toMatch(/qrels\/test\.tsv: 2 judgments for documents .* were left out\./);
  expect(w).toMatch(/2 judged queries were dropped: none of their judged documents is in the corpus\./);
  expect(await page.evaluate(() => window.ragtab!.active!.corpus.docs.length)).toBe(3);
  // the Evaluate button does not just disappear: the panel says why there is nothing to evaluate
  await expect(page.locator('ragtab-quality [data-unavailable]')).toContainText('Nothing to evaluate: no judged query is left in this BEIR dataset');
});

test('a damaged gzip is CorruptGzip; a server without CORS is FetchFailed naming CORS; UTF-16 text with a BOM is read', async ({ page }) => {
  await openApp(page, LOCAL);
  // a gzip whose compressed bytes are damaged part way
  const gz = gzipSync(Buffer.from(jsonl(Array.from({ length: 400 }, (_, i) => ({ id: `d${i}`, text: `document number ${i} with some words in it` })))));
  for (let i = 40; i < 60; i++) gz[i] = gz[i]! ^ 0x5a;
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('files');
  await page.locator('ragtab-setup input[name=files]').setInputFiles([{ name: 'docs.jsonl.gz', mimeType: 'application/gzip', buffer: gz }]);
  expect(await ingestViaUi(page)).toBe('ragtab-error');
  expect(await shownError(page)).toBe('CorruptGzip');
  await expect(page.locator('ragtab-error [role=alert] .msg')).toContainText('docs.jsonl.gz');
  await page.locator('ragtab-error button[aria-label=Dismiss]').click();

  // another origin (a server of this test, on another port) that answers without Access-Control-Allow-Origin
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('{}\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const other = `http://127.0.0.1:${(server.address() as AddressInfo).port}/beir/`;
  try {
    await useDataset(page, other);
    expect(await ingestViaUi(page)).toBe('ragtab-error');
    expect(await shownError(page)).toBe('FetchFailed');
    await expect(page.locator('ragtab-error [role=alert] .msg')).toContainText(other);
    await expect(page.locator('ragtab-error [role=alert] .msg')).toContainText('CORS');
    await page.locator('ragtab-error button[aria-label=Dismiss]').click();
  } finally {
    server.close();
  }

  // UTF-16 little-endian with a byte-order mark
  const text = 'Über-naïve café notes: retrieval in a browser tab, measured stage by stage.';
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('files');
  await page.locator('ragtab-setup input[name=files]').setInputFiles([{ name: 'notes-utf16.txt', mimeType: 'text/plain', buffer: utf16 }]);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect(await page.evaluate(() => window.ragtab!.active!.corpus.docs[0]!.text)).toContain(text);
});
