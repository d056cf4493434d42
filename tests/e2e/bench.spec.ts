/**
 * The benchmark end to end: a run from the UI (the "Run benchmark" button) and one from the
 * headless CLI on the same small configuration produce records of the same shape with every
 * sample present; the CLI's exit code against a baseline; JSON export → import; unavailable memory
 * figures marked so. Shapes and counts only: no assertion on timings.
 */
import { expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../../src/core/run-record';
import type {} from '../../src/engine/bench-api'; // declares window.ragtabBench
import { SHARED, runBench } from './helpers';

/** The page with the benchmark panel (see scripts/lib/bench-args.ts DEFAULT_BENCH_PAGE). */
const PAGE = './';
/**
 * The small configuration every run here uses. Two embedder threads: ONNX Runtime then runs a
 * WebAssembly thread pool, so the full measurement (ua-memory) is skipped with its reason, the same
 * on every machine (the CI machines have 2 cores).
 */
const SETS = ['embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'embedder.threads=2', 'llm.engine=none'];
/** Size of lsa-wordpiece-256's onnx/model.onnx (fp32 weights), for plausibility bounds on memory figures. */
const MODEL_BYTES = 31_254_963;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/bench.ts', ...args], { timeout: 8 * 60_000, maxBuffer: 32 << 20, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** What must match between two runs of the same configuration: names, counts, keys, not times. */
function shape(r: RunRecord) {
  const counts: Record<string, number> = {};
  const extraKeys: Record<string, string[]> = {};
  for (const s of r.samples) {
    const k = `${s.phase} | ${s.stage} | ${s.warmup ? 'warm-up' : 'measured'}`;
    counts[k] = (counts[k] ?? 0) + 1;
    extraKeys[s.stage] = [...new Set([...(extraKeys[s.stage] ?? []), ...Object.keys(s.extra)])].sort();
  }
  return {
    keys: Object.keys(r).sort(),
    status: r.status,
    config: r.config,
    stages: r.stages,
    counts,
    extraKeys,
    sampleKeys: [...new Set(r.samples.map((s) => Object.keys(s).sort().join(',')))],
    memory: [...new Set(r.memory.map((m) => `${m.figure}: ${m.available ? 'available' : 'unavailable'}`))].sort(),
    environment: Object.keys(r.environment).sort(),
    corpus: r.corpus,
    embedder: r.embedder,
    quality: r.quality && { evaluated: r.quality.evaluated, mean: r.quality.mean, perQuery: r.quality.perQuery.length },
    errors: r.errors,
  };
}

/** Every sample the configuration implies is there, each well-formed. */
function expectEverySample(r: RunRecord): void {
  const c = r.config;
  const n = (stage: string, phase: string, warmup: boolean) => r.samples.filter((s) => s.stage === stage && s.phase === phase && s.warmup === warmup).length;
  // ingestion: every stage the session reported, once per phase (a reload may read the vectors back
  // from IndexedDB, 'load', instead of chunking and embedding them), and one sample per embedded batch
  for (const phase of ['cold', 'reload']) {
    const stages = [...new Set(r.samples.filter((s) => s.phase === phase).map((s) => s.stage))];
    for (const stage of ['ingest', 'read+parse', 'model load', 'index build']) expect(stages, phase).toContain(stage);
    for (const stage of stages.filter((x) => x !== 'embed batch')) expect(n(stage, phase, false), `${stage} ${phase}`).toBe(1);
    expect(n('embed batch', phase, false)).toBe(stages.includes('embed') ? Math.ceil(r.corpus!.chunks / c.embedder.batch) : 0);
  }
  expect(n('embed', 'cold', false)).toBe(1);
  for (const stage of ['query', 'embed query', 'search', 'format context']) {
    expect(n(stage, 'warm', true), stage).toBe(c.warmups * c.queries.count);
    expect(n(stage, 'warm', false), stage).toBe(c.iterations * c.queries.count);
  }
  expect(n('query set', 'warm', true)).toBe(c.warmups);
  expect(n('query set', 'warm', false)).toBe(c.iterations);
  expect(n('evaluate', 'warm', false)).toBe(1);
  const iterations = r.samples.filter((s) => s.stage === 'query set' && !s.warmup).map((s) => s.iteration);
  expect(iterations).toEqual(Array.from({ length: c.iterations }, (_, i) => i));
  for (const s of r.samples) {
    expect(Number.isFinite(s.duration) && s.duration >= 0, `${s.stage} duration`).toBe(true);
    expect(Number.isFinite(s.start), `${s.stage} start`).toBe(true);
  }
  // each timed query has its end-to-end sample and the session's three stages
  const bySeq = new Map<number, string[]>();
  for (const s of r.samples) if (typeof s.extra['seq'] === 'number') bySeq.set(s.extra['seq'], [...(bySeq.get(s.extra['seq']) ?? []), s.stage]);
  expect(bySeq.size).toBe((c.warmups + c.iterations) * c.queries.count);
  for (const stages of bySeq.values()) expect(stages.sort()).toEqual(['embed query', 'format context', 'query', 'search']);
}

/** Memory: each figure either has bytes or is marked unavailable with a reason (never 0 standing in). */
function expectMemoryMarked(r: RunRecord): void {
  expect(r.memory.length).toBeGreaterThan(0);
  for (const m of r.memory) {
    if (m.available) expect(m.bytes).toBeGreaterThanOrEqual(0);
    else expect(m.reason.length, m.figure).toBeGreaterThan(10);
  }
  const after = (figure: string) => r.memory.filter((m) => m.figure === figure);
  // the full measurement is skipped while ONNX Runtime runs its 2-thread pool, with that reason
  const ua = after('ua-memory');
  expect(ua.length).toBeGreaterThan(0);
  for (const m of ua) expect(m.available === false && m.reason).toContain('Atomics.wait');
  // The embedder worker's WebAssembly memory, counted where ONNX Runtime creates it
  // (workers/lib/memory-accounting.ts): it holds the model's weights, so at least their size.
  const wasm = after('embedder-wasm');
  expect(wasm.length).toBeGreaterThan(0);
  for (const m of wasm) {
    expect(m.available, 'embedder-wasm').toBe(true);
    if (m.available) expect(m.bytes).toBeGreaterThan(MODEL_BYTES);
  }
  // every worker's figures are read after every step (no LLM here: no LLM figures)
  const steps = new Set(r.samples.filter((s) => ['ingest', 'query set', 'evaluate'].includes(s.stage)).map((s) => s.stage));
  for (const figure of ['embedder-wasm', 'index-wasm', 'embedder-webgpu-buffers', 'index-webgpu-buffers', 'webgpu-buffers']) {
    expect(new Set(after(figure).map((m) => m.stage)), figure).toEqual(steps);
  }
  expect(r.memory.some((m) => m.figure.startsWith('llm-'))).toBe(false);
  // The embedder runs on WebAssembly here: each worker counts its GPUBuffers and created none, a
  // measured 0 (where a worker cannot count, the figure is unavailable with its reason instead).
  for (const m of after('webgpu-buffers')) expect(m).toMatchObject({ available: true, bytes: 0, detail: { embedder: 0, index: 0 } });
  expect(r.memory.some((m) => m.figure === 'js-heap-used' && m.available)).toBe(true);
}

async function runFromUi(page: Page): Promise<RunRecord> {
  const qs = ['bench=quick', ...SETS.map((s) => `benchSet=${encodeURIComponent(s)}`)].join('&');
  await page.goto(`${PAGE}?${qs}`);
  await page.waitForFunction(() => !!window.ragtabBench);
  await page.evaluate(() => {
    (window as unknown as { __done: Promise<string> }).__done = new Promise((r) => window.addEventListener('bench-done', (e) => r((e as CustomEvent<string>).detail), { once: true }));
  });
  await page.locator('ragtab-bench #run-bench').click();
  const id = await page.evaluate(() => (window as unknown as { __done: Promise<string> }).__done);
  return JSON.parse(await page.evaluate((id) => window.ragtabBench!.export(id, 'json'), id)) as RunRecord;
}

test.describe.serial('benchmark', () => {
  let ui: RunRecord;

  test('a run from the UI records every sample and shows the report', async ({ page }) => {
    ui = await runFromUi(page);
    expect(ui.status).toBe('complete');
    expect(ui.config.embedder.model).toBe('lsa-wordpiece-256');
    expect(ui.corpus?.name).toBe('ragtab docs (demo)');
    expectEverySample(ui);
    expect(ui.quality?.evaluated).toBe(40);
    // started at once after the page opened: the run waited for the tab's start-up and did not give up on it
    expect(ui.warnings.filter((w) => w.startsWith('Started before the tab was quiet'))).toEqual([]);
    const report = page.locator('ragtab-report');
    await expect(report.locator('[data-status]')).toHaveText('complete');
    await expect(report.locator('#stats tr[data-stage="embed query"][data-phase="warm"]')).toBeVisible();
    await expect(report.locator('ragtab-chart canvas')).toHaveCount(3);
    await expect(page.locator(`ragtab-history tr[data-run="${ui.id}"]`)).toBeVisible();
  });

  test('memory figures: measured where they can be, unavailable with the reason where not, in the record and in the report', async ({ page }) => {
    expectMemoryMarked(ui);
    await page.goto(PAGE);
    await page.waitForFunction(() => !!window.ragtabBench);
    await page.evaluate((json) => window.ragtabBench!.import(json), JSON.stringify(ui));
    const memory = page.locator('ragtab-report #memory');
    await expect(memory.locator('td[data-figure="ua-memory"][data-available="no"]').first()).toHaveText('unavailable');
    await expect(page.locator('ragtab-report [data-unavailable="ua-memory"]')).toContainText('Atomics.wait');
    await expect(memory.locator('tr[data-stage="ingest"] td[data-figure="embedder-wasm"][data-available="yes"]')).toContainText('MB');
    await expect(memory.locator('tr[data-stage="ingest"] td[data-figure="webgpu-buffers"][data-available="yes"]')).toHaveText('0 B');
    await expect(memory.locator('th', { hasText: 'index WASM' })).toHaveCount(1);
    await expect(page.locator('ragtab-report #gpu-note')).toContainText('without destroy()');
  });

  test('an embedder on WebGPU (SwiftShader): its GPU buffers are counted, and voy\'s WebAssembly in the index worker', async ({ page }) => {
    await page.goto(PAGE);
    await page.waitForFunction(() => !!window.ragtabBench);
    const sets = [...SETS, 'embedder.device=webgpu', 'index=voy', 'warmups=0', 'iterations=1', 'queries.count=2', 'reload=false', 'quality=false'];
    const ids = await runBench(page, 'quick', sets);
    const r = (await page.evaluate((id) => window.ragtabBench!.get(id), ids[0]!))!;
    expect(r.status, JSON.stringify(r.errors)).toBe('complete');
    expect(r.embedder, 'the embedder fell back from WebGPU').toMatchObject({ device: 'webgpu', fallbackReason: null });
    const at = (figure: string, stage: string) => r.memory.find((m) => m.figure === figure && m.stage === stage);
    // ONNX Runtime's WebGPU buffers hold the fp32 weights: at least their size, not wildly more
    const gpu = at('embedder-webgpu-buffers', 'ingest');
    expect(gpu?.available).toBe(true);
    if (gpu?.available) {
      expect(gpu.bytes).toBeGreaterThan(MODEL_BYTES);
      expect(gpu.bytes).toBeLessThan(10 * MODEL_BYTES);
      expect(gpu.detail!['peakSinceWorkerStart']).toBeGreaterThanOrEqual(gpu.bytes);
      expect(gpu.detail!['createdSinceWorkerStart']).toBeGreaterThanOrEqual(gpu.detail!['peakSinceWorkerStart']!);
    }
    const total = at('webgpu-buffers', 'ingest');
    expect(total?.available && total.detail).toEqual({ embedder: gpu?.available ? gpu.bytes : -1, index: 0 });
    // voy builds its k-d tree in WebAssembly inside the index worker
    const voy = at('index-wasm', 'ingest');
    expect(voy?.available && voy.bytes).toBeGreaterThan(0);
    // every stage after the ingest has the figures too
    expect(r.memory.some((m) => m.figure === 'embedder-webgpu-buffers' && m.stage === 'query set' && m.available)).toBe(true);
  });

  test('with an LLM (stories260K through wllama): loaded cold, then again from the cache, and every query generates', async ({ page }) => {
    await page.goto(PAGE);
    await page.waitForFunction(() => !!window.ragtabBench);
    const sets = [
      ...SETS.filter((s) => !s.startsWith('llm.')),
      'llm.engine=wllama',
      'llm.model=models/stories260K/stories260K.gguf',
      'llm.maxNewTokens=12',
      'llm.threads=1',
      'clearCache=true',
      'warmups=1',
      'iterations=1',
      'queries.count=2',
      'quality=false',
    ];
    const ids = await runBench(page, 'quick', sets);
    const r = (await page.evaluate((id) => window.ragtabBench!.get(id), ids[0]!))!;
    expect(r.status, JSON.stringify(r.errors)).toBe('complete');
    // cold (its cached GGUF cleared first) and a reload from the cache, each its own sample
    const loads = r.samples.filter((s) => s.stage === 'llm load');
    expect(loads.map((s) => [s.phase, s.extra['source']])).toEqual([
      ['cold', 'network'],
      ['reload', 'cache'],
    ]);
    // every measured query went through generation
    for (const stage of ['build prompt', 'time to first token', 'decode']) {
      expect(r.samples.filter((s) => s.stage === stage && !s.warmup && s.phase === 'warm'), stage).toHaveLength(2);
    }
    expect(r.llm).toMatchObject({ engine: 'wllama' });
    // llama.cpp's heap, read inside wllama's own worker; its GPU buffers are out of our count's reach, and say so
    const wasm = r.memory.find((m) => m.figure === 'llm-wasm' && m.stage === 'query set');
    expect(wasm?.available && wasm.bytes).toBeGreaterThan(1e6);
    const gpu = r.memory.find((m) => m.figure === 'llm-webgpu-buffers');
    expect(gpu?.available === false && gpu.reason).toContain("wllama's own worker");
  });

  test('a sweep over corpus size from the UI: one record per cell, shown as a table and a chart', async ({ page }) => {
    const sets = [
      ...SETS,
      'corpus.source=beir',
      'corpus.url=datasets/msmarco-5k/',
      'warmups=0',
      'iterations=1',
      'queries.count=2',
      'reload=false',
      'quality=false',
      'sweep=[{"path":"corpus.maxDocs","values":[10,40]}]',
    ];
    const qs = ['bench=quick', ...sets.map((x) => `benchSet=${encodeURIComponent(x)}`)].join('&');
    await page.goto(`${PAGE}?${qs}`);
    await page.waitForFunction(() => !!window.ragtabBench);
    await page.locator('ragtab-bench #run-bench').click();
    const rows = page.locator('ragtab-report #sweep tbody tr');
    await expect(rows).toHaveCount(2, { timeout: 5 * 60_000 });
    await expect(rows.nth(0).locator('td').nth(1)).toHaveText('10');
    await expect(rows.nth(1).locator('td').nth(1)).toHaveText('40');
    await expect(page.locator('ragtab-report ragtab-chart', { has: page.locator('canvas') }).last()).toBeVisible();
    // each cell is its own saved record, with the corpus size it ran
    const ids = await page.evaluate(async () => (await window.ragtabBench!.list()).filter((h) => h.sweep).map((h) => h.id));
    const docs = await page.evaluate(async (ids) => Promise.all(ids.map(async (id) => (await window.ragtabBench!.get(id))!.corpus?.docs)), ids);
    expect(docs.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([10, 40]);
  });

  test('a JSON export imports back equal, through the buttons', async ({ page, browser }, info) => {
    await page.goto(PAGE);
    await page.waitForFunction(() => !!window.ragtabBench);
    // imported as soon as the page is up: the import waits for the storage start-up, then stores it where it lasts
    await page.evaluate((json) => window.ragtabBench!.import(json), JSON.stringify(ui));
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('ragtab-report button[data-export="json"]').click()]);
    const exported = readFileSync((await download.path())!, 'utf8');
    expect(JSON.parse(exported)).toEqual(ui);
    // kept across a reload: the runs saved before IndexedDB opened were handed over to it
    await page.goto(PAGE);
    await expect(page.locator(`ragtab-history [data-run="${ui.id}"]`)).toBeVisible();
    // into a page of a fresh profile (nothing stored), through the file input
    const fresh = await browser.newContext({ baseURL: info.project.use.baseURL, serviceWorkers: 'block' });
    const other = await fresh.newPage();
    await other.goto(PAGE);
    await other.waitForFunction(() => !!window.ragtabBench);
    expect(await other.evaluate(() => window.ragtabBench!.list())).toEqual([]);
    await other.locator('ragtab-report input#import').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(exported) });
    await expect(other.locator(`ragtab-report [data-run="${ui.id}"]`)).toBeVisible();
    await expect(other.locator(`ragtab-history [data-run="${ui.id}"]`)).toBeVisible();
    const imported = await other.evaluate((id) => window.ragtabBench!.get(id), ui.id);
    expect(imported).toEqual(JSON.parse(exported));
    // the other formats come out too
    for (const f of ['csv', 'markdown', 'openmetrics']) {
      const [d] = await Promise.all([other.waitForEvent('download'), other.locator(`ragtab-report button[data-export="${f}"]`).click()]);
      expect(readFileSync((await d.path())!, 'utf8').length, f).toBeGreaterThan(100);
    }
    // a damaged record is refused with the field named
    const bad = JSON.parse(exported);
    bad.samples[0].duration = 'slow';
    writeFileSync(info.outputPath('bad.json'), JSON.stringify(bad));
    await other.locator('ragtab-report input#import').setInputFiles(info.outputPath('bad.json'));
    await expect(other.locator('ragtab-report [role=alert]')).toContainText('samples[0].duration');
    await fresh.close();
  });

  test('the CLI: same shape as the UI run; exit 1 against a much better baseline, 0 against an equal one', async ({ baseURL }, info) => {
    const out = info.outputPath('cli');
    mkdirSync(out, { recursive: true });
    const better = structuredClone(ui);
    for (const s of better.samples) {
      s.duration /= 10;
      for (const [k, v] of Object.entries(s.extra)) if (k.endsWith('PerSecond') && typeof v === 'number') s.extra[k] = v * 10;
    }
    const betterPath = join(out, 'better-baseline.json');
    writeFileSync(betterPath, JSON.stringify(better));
    const run = await cli(['--preset', 'quick', ...SETS.flatMap((s) => ['--set', s]), '--url', baseURL!, '--out', out, '--baseline', betterPath]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('Overall: **regression**');
    const files = readdirSync(out).filter((f) => f.startsWith('ragtab-quick-'));
    expect(files.map((f) => f.replace(/^.*\./, '')).sort()).toEqual(['csv', 'json', 'md']);
    const cliRecord = JSON.parse(readFileSync(join(out, files.find((f) => f.endsWith('.json'))!), 'utf8')) as RunRecord;
    expect(cliRecord.environment.launcher?.tool).toBe('ragtab bench CLI');
    expectEverySample(cliRecord);
    expectMemoryMarked(cliRecord);
    expect(shape(cliRecord)).toEqual(shape(ui));
    const csv = readFileSync(join(out, files.find((f) => f.endsWith('.csv'))!), 'utf8').trimEnd().split('\r\n');
    // one row per sample (kind `sample`), then the roofs, fractions and calibration (kind roof, fraction, calibration)
    expect(csv[0]!.split(',').slice(0, 2)).toEqual(['run', 'kind']);
    const kinds = csv.slice(1).map((l) => l.split(',')[1]);
    expect(kinds.filter((k) => k === 'sample')).toHaveLength(cliRecord.samples.length);
    expect(kinds.filter((k) => !['sample', 'roof', 'fraction', 'calibration'].includes(k!))).toEqual([]);

    const jsonPath = join(out, files.find((f) => f.endsWith('.json'))!);
    const equal = await cli(['--record', jsonPath, '--baseline', jsonPath]);
    expect(equal.code, equal.stderr).toBe(0);
    expect(equal.stdout).toContain('Overall: **unchanged**');

    const bad = await cli(['--preset', 'quick', '--set', 'embedder.threads=0', '--url', baseURL!]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error InvalidConfig: embedder.threads: expected an integer from 1 to 64, got 0');
  });

  test('the CLI builds and serves the app itself, with the folders given on the command line; bad inputs exit 2, named', async ({}, info) => {
    const out = info.outputPath('cli-build');
    // a build folder of its own: the test server's build (RAGTAB_OUT_DIR or dist/) stays as it is
    const outDir = info.outputPath('cli-dist');
    const dataset = join(SHARED, 'datasets', 'msmarco-5k');
    const small = ['--set', 'corpus.maxDocs=60', '--set', 'warmups=0', '--set', 'iterations=1', '--set', 'queries.count=2', '--set', 'reload=false', '--set', 'concurrency=2'];
    const run = await cli(['--preset', 'quick', '--dataset', dataset, '--embedder', join(SHARED, 'models', 'lsa-wordpiece-256'), '--no-llm', '--set', 'embedder.threads=1', ...small, '--out', out], { RAGTAB_OUT_DIR: outDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`building the app into ${outDir}`);
    expect(existsSync(join(outDir, 'index.html'))).toBe(true);
    expect(run.stderr).toContain(`serving ${dataset} at /cli-dataset/`);
    expect(run.stderr).toMatch(/serving .*models at \/cli-models\//);
    const files = readdirSync(out);
    expect(files.map((f) => f.replace(/^.*\./, '')).sort()).toEqual(['csv', 'json', 'md']);
    const r = JSON.parse(readFileSync(join(out, files.find((f) => f.endsWith('.json'))!), 'utf8')) as RunRecord;
    expect(r.status).toBe('complete');
    // the page read the dataset and the model from the folders the CLI served
    expect(r.config.corpus).toMatchObject({ source: 'beir', url: 'cli-dataset/', maxDocs: 60 });
    expect(r.corpus?.docs).toBe(60);
    expect(r.embedder?.baseUrl).toMatch(/\/cli-models\/$/);
    expect(r.embedder?.model).toBe('lsa-wordpiece-256');
    expect(r.samples.filter((s) => s.stage === 'query' && !s.warmup)).toHaveLength(2);
    // concurrency without an LLM: retrieval only, and the record says so
    const concurrent = r.samples.filter((s) => s.stage === 'concurrent query' && !s.warmup);
    expect(concurrent).toHaveLength(2);
    expect(concurrent.every((s) => s.extra['pipeline'] === 'retrieval')).toBe(true);
    expect(run.stdout).toContain('through retrieval only');
    // with one thread the full measurement is taken: the embedder worker's share includes its WASM memory
    const ua = r.memory.find((m) => m.figure === 'ua-memory' && m.available);
    const wasm = r.memory.find((m) => m.figure === 'embedder-wasm' && m.stage === ua?.stage);
    if (ua?.available && wasm?.available) {
      const worker = Object.entries(ua.detail ?? {}).find(([k]) => k.includes('embedder.worker'));
      expect(worker?.[1]).toBeGreaterThanOrEqual(wasm.bytes);
    } else expect(ua, 'ua-memory with one thread').toBeTruthy();

    // bad inputs: named, exit 2, before anything is built
    const missing = await cli(['--preset', 'quick', '--dataset', join(out, 'no-such-folder'), '--out', out], { RAGTAB_OUT_DIR: outDir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`error InvalidArgument: --dataset ${join(out, 'no-such-folder')}: not a folder, a URL or a BEIR dataset name`);
    const notBeir = await cli(['--preset', 'quick', '--dataset', out, '--out', out], { RAGTAB_OUT_DIR: outDir });
    expect(notBeir.code).toBe(2);
    expect(notBeir.stderr).toContain(`error BeirMissingFile: --dataset ${out}: no corpus.jsonl in that folder`);
    const broken = join(out, 'broken.json');
    writeFileSync(broken, '{"version": 1, "name": ');
    const badConfig = await cli(['--config', broken, '--out', out], { RAGTAB_OUT_DIR: outDir });
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain(`error MalformedJson: --config ${broken}:`);
    const wrongField = join(out, 'wrong.json');
    writeFileSync(wrongField, JSON.stringify({ ...ui.config, k: 0 }));
    const badField = await cli(['--config', wrongField, '--out', out], { RAGTAB_OUT_DIR: outDir });
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('error InvalidConfig: k: expected an integer from 1 to 1000, got 0');
    // no record was written for the bad inputs
    expect(readdirSync(out).filter((f) => f.endsWith('.json') && f.startsWith('ragtab-'))).toHaveLength(1);
  });
});

test('a run that failed is kept apart: never the default baseline, marked in the pickers, and compared with it there is no verdict', async ({ page }) => {
  await page.goto(PAGE);
  await page.waitForFunction(() => !!window.ragtabBench && window.ragtab?.ready === true);
  // a complete run, then one that fails (a model that is not there), newest last
  const complete = await runBench(page, 'quick', SETS);
  const failed = await runBench(page, 'quick', [...SETS, 'embedder.model=no-such-model']);
  expect((await page.evaluate((id) => window.ragtabBench!.get(id), failed[0]!))?.status).toBe('failed');
  const history = page.locator('ragtab-history');
  await expect(history.locator(`tr[data-run="${failed[0]}"]`)).toBeVisible();
  // the newest run is the current one; the baseline offered is the complete run, not the failed one
  await history.locator('#current').selectOption(complete[0]!);
  await expect(history.locator('#baseline')).not.toHaveValue(failed[0]!);
  await expect(history.locator('#baseline optgroup[label^="did not complete"] option')).toHaveText([/failed$/]);
  // chosen anyway, the comparison says why it gives no verdict
  await history.locator('#baseline').selectOption(failed[0]!);
  await history.locator('#compare').click();
  await expect(history.locator('#verdict[data-incomplete]')).toContainText('the baseline run failed');
  await expect(history.locator('#verdict')).toContainText('0 samples');
});
