/**
 * The app's own reload, measured as a person meets it: a persistent Chromium profile (real on-disk
 * IndexedDB), one ingestion that embeds and stores the corpus, then `--reloads` times: the browser
 * is closed and started again on the same profile, the page opened with the same configuration and
 * "Ingest" pressed, which reads everything back (nothing is embedded). Prints each reload's end to
 * end time (the ingest report's `totalMs`: press → ready to answer) and its stages, and the median.
 *
 *   npx tsx scripts/reload-probe.ts [--reloads 5] [--index int8] [--compare exact,int8] [--no-build]
 *
 * Corpus: msmarco-5k cut into 8-token chunks (~54,000 chunks), embedded by lsa-wordpiece-256 on
 * wasm (256 dimensions): the scale test's configuration, fast enough to embed here. RAGTAB_SHARED
 * points at the shared models and datasets (default ../shared); RAGTAB_OUT_DIR at the build.
 */
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { summarize } from '../src/core/stats';
import { BASE_FLAGS, resolveChromium } from './lib/chromium';
import { serveApp } from './lib/server';

const { values } = parseArgs({
  options: {
    reloads: { type: 'string', default: '5' },
    index: { type: 'string', default: 'int8' },
    compare: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const reloads = Number(values.reloads);
if (!Number.isInteger(reloads) || reloads < 1) throw new Error(`--reloads ${values.reloads}: give a whole number ≥ 1`);

const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const params = new URLSearchParams({
  dataset: 'datasets/msmarco-5k/',
  maxDocs: '5000',
  model: 'lsa-wordpiece-256',
  modelBase: 'models/',
  device: 'wasm',
  chunking: 'tokens',
  chunkSize: '8',
  chunkOverlap: '0',
  index: values.index,
  ...(values.compare ? { compare: values.compare } : {}),
});

interface Ingested {
  event: string;
  detail: string;
  totalMs: number;
  fromStorage: boolean;
  chunks: number;
  stages: Array<{ name: string; ms: number; during: string | null }>;
}

async function main(): Promise<void> {
  const served = await serveApp({ build: !values['no-build'], dirs: { '/models': join(shared, 'models'), '/datasets': join(shared, 'datasets') } });
  const profile = mkdtempSync(join(tmpdir(), 'ragtab-reload-'));
  const executablePath = resolveChromium();
  const once = async (): Promise<Ingested> => {
    const ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: BASE_FLAGS });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(new URL(`./?${params}`, served.url).href);
      await page.waitForFunction(() => window.ragtab?.ready === true, null, { timeout: 120_000 });
      const ended = page.evaluate(
        () =>
          new Promise<{ event: string; detail: string }>((res) => {
            for (const n of ['ragtab-ingested', 'ragtab-error', 'ragtab-cancelled']) window.addEventListener(n, (e) => res({ event: n, detail: JSON.stringify((e as CustomEvent).detail ?? null) }), { once: true });
          }),
      );
      await page.locator('ragtab-setup #ingest').click();
      const { event, detail } = await ended;
      if (event !== 'ragtab-ingested') throw new Error(`ingestion ended with ${event}: ${detail}`);
      return await page.evaluate(() => {
        const r = window.ragtab!.lastIngest!;
        return {
          event: 'ragtab-ingested',
          detail: '',
          totalMs: r.totalMs,
          fromStorage: r.storage.fromStorage,
          chunks: r.chunks,
          stages: r.stages.map((s) => ({ name: s.name, ms: s.ms, during: typeof s.extra?.['during'] === 'string' ? (s.extra['during'] as string) : null })),
        };
      });
    } finally {
      await ctx.close();
    }
  };
  try {
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${served.url}?${params}`);
    const first = await once();
    console.log(`first ingestion (embeds and stores): ${first.chunks} chunks, ${Math.round(first.totalMs)} ms`);
    const totals: number[] = [];
    for (let i = 0; i < reloads; i++) {
      const r = await once();
      if (!r.fromStorage) throw new Error(`reload ${i + 1} did not come from storage`);
      totals.push(r.totalMs);
      console.log(`reload ${i + 1}: ${Math.round(r.totalMs)} ms end to end; ${r.stages.map((s) => `${s.name} ${Math.round(s.ms)}${s.during ? ` (during ${s.during})` : ''}`).join(', ')}`);
    }
    const s = summarize(totals);
    console.log(`median of ${reloads} reloads: ${Math.round(s.p50!)} ms end to end (range ${Math.round(s.min!)}–${Math.round(s.max!)}); load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
    await served.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
