/**
 * Bad input gets a clear, named error in the page, and what was already ingested stays usable.
 * One page: ingest the demo corpus first, then try every bad input, then query again.
 */
import { expect, test, chromium, type Page } from '@playwright/test';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import { askViaUi, ingestViaUi, openApp, shownError } from './helpers';

const LOCAL = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'tokens', index: 'both' } as const;

async function pickFiles(page: Page, files: Array<{ name: string; buffer: Buffer; mimeType?: string }>): Promise<void> {
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('files');
  await page.locator('ragtab-setup input[name=files]').setInputFiles(files.map((f) => ({ mimeType: 'application/octet-stream', ...f })));
}

async function expectNamedError(page: Page, name: string, messagePart?: RegExp): Promise<void> {
  expect(await ingestViaUi(page)).toBe('ragtab-error');
  expect(await shownError(page)).toBe(name);
  if (messagePart) await expect(page.locator('ragtab-error [role=alert] .msg')).toContainText(messagePart);
  await page.locator('ragtab-error button[aria-label=Dismiss]').click();
}

async function demoStillAnswers(page: Page): Promise<void> {
  expect(await askViaUi(page, 'How do I run the tests?')).toBe('ragtab-query-done');
  const r = await page.evaluate(() => ({ n: window.ragtab!.lastQuery!.hits.length, corpus: window.ragtab!.active!.corpus.name }));
  expect(r.n).toBeGreaterThan(0);
  expect(r.corpus).toContain('demo');
}

test('every bad input gives its named error and the ingested demo corpus stays usable', async ({ page, context }) => {
  await openApp(page, LOCAL);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  await demoStillAnswers(page);

  // Empty query
  expect(await askViaUi(page, '   ')).toBe('ragtab-error');
  expect(await shownError(page)).toBe('EmptyQuery');

  // Empty file
  await pickFiles(page, [{ name: 'empty.txt', buffer: Buffer.alloc(0) }]);
  await expectNamedError(page, 'EmptyFile', /empty\.txt/);

  // Binary file
  const bin = Buffer.alloc(4096);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) % 256;
  await pickFiles(page, [{ name: 'data.txt', buffer: bin }]);
  await expectNamedError(page, 'BinaryFile', /data\.txt/);

  // Unsupported type
  await pickFiles(page, [{ name: 'paper.pdf', buffer: Buffer.from('%PDF-1.4 ...') }]);
  await expectNamedError(page, 'UnsupportedFileType', /paper\.pdf/);

  // Malformed JSONL: names the file and the line
  await pickFiles(page, [{ name: 'docs.jsonl', buffer: Buffer.from('{"id":"a","text":"fine"}\n{"id":"b","text": oops}\n') }]);
  await expectNamedError(page, 'MalformedJsonl', /docs\.jsonl.*line 2/);

  // BEIR folder (URL) missing a file
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('beir-url');
  await page.locator('ragtab-setup input[name=datasetUrl]').fill('datasets/no-such-dataset/');
  await page.locator('ragtab-setup input[name=datasetUrl]').dispatchEvent('change');
  await expectNamedError(page, 'BeirMissingFile', /corpus\.jsonl/);

  // Model id that does not exist (404)
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('demo');
  await page.locator('ragtab-setup select[name=model]').selectOption('Xenova/all-MiniLM-L6-v2');
  await page.locator('ragtab-setup input[name=modelBase]').fill('models/');
  await page.locator('ragtab-setup input[name=modelBase]').dispatchEvent('change');
  await expectNamedError(page, 'ModelNotFound', /all-MiniLM-L6-v2/);

  // A model whose ONNX file is not ONNX: the real tokenizer and config, junk weights.
  await context.route('**/models/not-onnx/**', async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('.onnx')) return route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.from('this is not an onnx model'.repeat(40)), headers: { 'Cross-Origin-Resource-Policy': 'same-origin' } });
    const real = await route.fetch({ url: url.href.replace('/models/not-onnx/', '/models/lsa-wordpiece-256/') });
    return route.fulfill({ response: real });
  });
  await openApp(page, { ...LOCAL, model: 'not-onnx' });
  // a fresh page: ingest the demo again first, then try the broken model through the UI
  await page.locator('ragtab-setup select[name=model]').selectOption('lsa-wordpiece-256');
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  await page.locator('ragtab-setup select[name=model]').selectOption('not-onnx');
  await expectNamedError(page, 'ModelNotOnnx', /not-onnx/);
  await demoStillAnswers(page);
});

test('cancelling an ingestion stops it and keeps the previous index usable', async ({ page }) => {
  await openApp(page, LOCAL);
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  // A bigger corpus, cancelled while it embeds.
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('beir-url');
  await page.locator('ragtab-setup input[name=datasetUrl]').fill('datasets/msmarco-5k/');
  await page.locator('ragtab-setup input[name=datasetUrl]').dispatchEvent('change');
  await page.evaluate(() => {
    (window as unknown as { __done: Promise<string> }).__done = new Promise((r) => {
      window.addEventListener('ragtab-cancelled', () => r('cancelled'), { once: true });
      window.addEventListener('ragtab-ingested', () => r('ingested'), { once: true });
    });
  });
  await page.locator('ragtab-setup #ingest').click();
  await expect(page.locator('ragtab-progress [data-phase=embed]')).toBeVisible({ timeout: 120_000 });
  await page.locator('ragtab-progress button').click();
  expect(await page.evaluate(() => (window as unknown as { __done: Promise<string> }).__done)).toBe('cancelled');
  await expect(page.locator('ragtab-progress')).toHaveCount(0);
  await demoStillAnswers(page);
});

test('without WebGPU the embedder falls back to WASM and says why', async () => {
  const browser = await chromium.launch({ executablePath: resolveChromium(), args: [...BASE_FLAGS, '--disable-features=WebGPU'] });
  try {
    const page = await browser.newPage({ baseURL: test.info().project.use.baseURL! });
    await openApp(page, { ...LOCAL, device: 'webgpu' });
    const gpu = await page.evaluate(async () => {
      const g = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return g ? ((await g.requestAdapter()) ? 'adapter' : 'no adapter') : 'no navigator.gpu';
    });
    expect(gpu).not.toBe('adapter');
    expect(await ingestViaUi(page)).toBe('ragtab-ingested');
    const info = await page.evaluate(() => window.ragtab!.lastIngest!.embedder);
    expect(info.requestedDevice).toBe('webgpu');
    expect(info.device).toBe('wasm');
    expect(info.fallbackReason).toMatch(/WebGPU/);
    await expect(page.locator('ragtab-ingest-report [data-fallback]')).toContainText('WebGPU');
    await expect(page.locator('ragtab-error .warn').first()).toContainText('WebGPU');
  } finally {
    await browser.close();
  }
});

test('a bad URL parameter is reported by name and left out; the others apply', async ({ page }) => {
  await openApp(page, { ...LOCAL, k: 'x', chunkSize: 64, device: 'cuda' });
  expect(await shownError(page)).toBe('InvalidConfig');
  const msg = page.locator('ragtab-error [role=alert] .msg');
  await expect(msg).toContainText("Invalid k param: 'x'");
  await expect(msg).toContainText("Invalid device param: 'cuda'");
  await expect(page.locator('ragtab-setup select[name=model]')).toHaveValue('lsa-wordpiece-256');
  await expect(page.locator('ragtab-setup input[name=chunkSize]')).toHaveValue('64');
  await expect(page.locator('ragtab-setup input[name=k]')).toHaveValue('10');
});
