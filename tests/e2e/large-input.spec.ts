/**
 * Reliability drill (issue 12, "large inputs fail with unnamed errors"), in real Chromium with a
 * persistent profile (IndexedDB on disk, as a user has it), on inputs generated at test time into a
 * temporary folder (never committed):
 * - a 200 MB `.txt` with whole-document chunking ingests (the document is cut to the model's limit
 *   before it is tokenised: one truncated chunk), and the page kept rendering the reading progress;
 * - the same file with a model that cannot load fails by name and leaves no corpus stored;
 * - a 16 MB single-document `.txt` in 256-token chunks ingests, and the page rendered the chunker's
 *   progress inside that one document many times (the work is sliced);
 * - a `.jsonl.gz` of 300 MB decompressed (20 M tiny records) is FileTooLarge before any structure
 *   overflows, and nothing is stored.
 * The longest main-thread task (PerformanceObserver 'longtask') is printed with the load average,
 * never asserted: the machine is shared. "Rendered" is checked on requestAnimationFrame callbacks,
 * which run only when the page's thread is free to draw a frame.
 */
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import { openApp } from './helpers';

test.setTimeout(30 * 60_000);

const LOCAL = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', index: 'exact', llm: 'none' } as const;
let dir: string;
let context: BrowserContext;

/** Prose with paragraphs, repeated with a counter until `bytes`. */
async function writeText(path: string, bytes: number): Promise<void> {
  const words = 'the quick brown fox jumps over the lazy dog while retrieval augmented generation measures every stage in the browser'.split(' ');
  const out = createWriteStream(path);
  let written = 0;
  for (let p = 0; written < bytes; p++) {
    let para = '';
    for (let s = 0; s < 12; s++) {
      const n = 8 + ((p * 7 + s * 3) % 14);
      para += `Sentence ${p}.${s} ` + Array.from({ length: n }, (_, i) => words[(p + s + i * 5) % words.length]).join(' ') + '. ';
    }
    const chunk = para + '\n\n';
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** 20 M records of 15 bytes: 300 MB decompressed, about 1 MB compressed. */
async function writeTinyJsonlGz(path: string): Promise<void> {
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(path);
  gz.pipe(out);
  const block = '{"text":"a b"}\n'.repeat(100_000);
  for (let i = 0; i < 200; i++) if (!gz.write(block)) await once(gz, 'drain');
  gz.end();
  await once(out, 'finish');
}

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ragtab-large-'));
  await writeText(join(dir, 'big.txt'), 200_000_000);
  await writeText(join(dir, 'long.txt'), 16_000_000);
  await writeTinyJsonlGz(join(dir, 'tiny.jsonl.gz'));
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: resolveChromium(),
    args: [...BASE_FLAGS],
    baseURL: test.info().project.use.baseURL!,
    serviceWorkers: 'block',
  });
});
test.afterAll(async () => {
  await context?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts watching: long tasks, and the progress states the page actually drew (read in rAF callbacks). */
async function watch(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __watch: { longest: number; longTasks: number; frames: number; drawn: Record<string, string[]> } };
    w.__watch = { longest: 0, longTasks: 0, frames: 0, drawn: {} };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        w.__watch.longTasks++;
        w.__watch.longest = Math.max(w.__watch.longest, e.duration);
      }
    }).observe({ type: 'longtask', buffered: false });
    const tick = (): void => {
      w.__watch.frames++;
      const p = window.ragtab?.progress;
      if (p) {
        const seen = (w.__watch.drawn[p.phase] ??= []);
        const state = `${p.label}|${p.done}`;
        if (seen[seen.length - 1] !== state) seen.push(state);
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

async function watched(page: Page): Promise<{ longest: number; longTasks: number; frames: number; drawn: Record<string, string[]> }> {
  return page.evaluate(() => (window as unknown as { __watch: { longest: number; longTasks: number; frames: number; drawn: Record<string, string[]> } }).__watch);
}

async function ingestFile(page: Page, path: string): Promise<{ name: string; detail: { name?: string; message?: string; chunks?: number } | null }> {
  await page.locator('ragtab-setup select[name=corpusKind]').selectOption('files');
  await page.locator('ragtab-setup input[name=files]').setInputFiles(path);
  await page.evaluate(() => {
    (window as unknown as { __end: Promise<unknown> }).__end = new Promise((resolve) => {
      for (const n of ['ragtab-ingested', 'ragtab-error', 'ragtab-cancelled']) window.addEventListener(n, (e) => resolve({ name: n, detail: (e as CustomEvent).detail ?? null }), { once: true });
    });
  });
  await page.locator('ragtab-setup #ingest').click();
  return page.evaluate(() => (window as unknown as { __end: Promise<{ name: string; detail: null }> }).__end);
}

async function storedCorpora(page: Page): Promise<Array<{ name: string; complete: boolean }>> {
  return page.evaluate(async () => (await window.ragtab!.store!.storage.list()).corpora.map((c) => ({ name: c.name, complete: c.complete })));
}

function report(what: string, w: { longest: number; longTasks: number; frames: number; drawn: Record<string, string[]> }): void {
  const states = Object.entries(w.drawn).map(([k, v]) => `${k} ${v.length}`).join(', ');
  console.log(`large-input drill: ${what}: longest main-thread task ${Math.round(w.longest)} ms (${w.longTasks} over 50 ms), ${w.frames} frames drawn; progress states drawn: ${states}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

test('a 200 MB .txt in whole-document mode ingests as one truncated chunk, and the page kept drawing the reading progress', async () => {
  const page = await context.newPage();
  await openApp(page, { ...LOCAL, chunking: 'document' });
  await watch(page);
  const r = await ingestFile(page, join(dir, 'big.txt'));
  expect(r.name, JSON.stringify(r.detail)).toBe('ragtab-ingested');
  const w = await watched(page);
  report('200 MB .txt, whole document', w);
  const ingest = await page.evaluate(() => {
    const a = window.ragtab!.active!;
    return { docs: a.report.docs, chunks: a.chunks.map((c) => ({ end: c.end, truncated: c.truncated ?? false, tokens: c.tokens })), docLength: a.corpus.docs[0]!.text.length, persisted: a.report.storage.persisted };
  });
  expect(ingest.docs).toBe(1);
  expect(ingest.chunks).toHaveLength(1);
  expect(ingest.chunks[0]!.truncated).toBe(true);
  expect(ingest.chunks[0]!.end).toBeLessThan(ingest.docLength);
  expect(ingest.persisted).toBe(true);
  expect(await storedCorpora(page)).toEqual([{ name: 'big.txt', complete: true }]);
  // Stored in parts (no single write clones 200 MB), read back whole.
  expect(
    await page.evaluate(async () => {
      const a = window.ragtab!.active!;
      const back = await window.ragtab!.store!.corpora.get(a.report.corpusHash);
      return back?.docs.length === 1 && back.docs[0]!.text === a.corpus.docs[0]!.text;
    }),
  ).toBe(true);
  // The reading progress was drawn in many states: the page was not held for the whole read.
  expect(w.drawn['read']?.length ?? 0).toBeGreaterThanOrEqual(5);
  await page.close();
});

test('the same file with a model that cannot load fails by name, and leaves no corpus stored', async () => {
  const page = await context.newPage();
  await openApp(page, { ...LOCAL, chunking: 'document' });
  await page.evaluate(async () => window.ragtab!.store!.storage.deleteAll());
  await page.locator('ragtab-setup input[name=modelBase]').fill('models/no-such-folder/');
  await page.locator('ragtab-setup input[name=modelBase]').dispatchEvent('change');
  const r = await ingestFile(page, join(dir, 'big.txt'));
  expect(r.name).toBe('ragtab-error');
  expect(r.detail?.name).toBe('ModelNotFound');
  expect(await storedCorpora(page)).toEqual([]);
  await page.close();
});

test('one 16 MB document in 256-token chunks ingests, and the page drew the chunker’s progress inside it', async () => {
  const page = await context.newPage();
  await openApp(page, { ...LOCAL, chunking: 'tokens', chunkSize: 256, chunkOverlap: 0 });
  await watch(page);
  const r = await ingestFile(page, join(dir, 'long.txt'));
  expect(r.name, JSON.stringify(r.detail)).toBe('ragtab-ingested');
  const w = await watched(page);
  report('16 MB .txt, 256-token chunks', w);
  const chunks = await page.evaluate(() => window.ragtab!.active!.chunks.length);
  expect(chunks).toBeGreaterThan(10_000);
  expect(w.drawn['chunk']?.length ?? 0).toBeGreaterThanOrEqual(5);
  await page.close();
});

test('a .jsonl.gz of 300 MB decompressed is FileTooLarge before a structure overflows, and nothing is stored', async () => {
  const page = await context.newPage();
  await openApp(page, { ...LOCAL, chunking: 'document' });
  await page.evaluate(async () => window.ragtab!.store!.storage.deleteAll());
  const r = await ingestFile(page, join(dir, 'tiny.jsonl.gz'));
  expect(r.name).toBe('ragtab-error');
  expect(r.detail?.name).toBe('FileTooLarge');
  expect(r.detail?.message).toMatch(/tiny\.jsonl\.gz has more than 4,000,000 records/);
  expect(await storedCorpora(page)).toEqual([]);
  await page.close();
});
