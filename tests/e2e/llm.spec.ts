/**
 * Generation end to end: bench/llm.html drives the LLM client and workers in real Chromium.
 *
 * wllama (llama.cpp in WebAssembly) with ../shared/models/stories260K: greedy tokens are streamed,
 * identical across runs and equal to what native llama.cpp (node-llama-cpp, in this Node process)
 * generates for the same prompt; counts agree; interrupt works and leaves the engine usable; a
 * corrupt, a truncated and a missing GGUF each give their named error.
 * web-llm: no MLC weights can be fetched here, so the test checks what runs without them (catalog,
 * shader-f16 refusal, the named error when the model cannot be fetched); a real model runs when
 * RAGTAB_WEBLLM_MODEL names one (see the last test).
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeLlmFigures, compareFigures, fromWllamaTimings } from '../../src/core/llm-figures';
import type { LlmGenerateRequest, LlmLoadResult, LlmLoadSpec, LlmStats, WebLlmModelRecord, WorkerMemory } from '../../workers/api';
import type { ClientGenerateResult } from '../../src/engine/llm-client';
import type { BuiltPrompt } from '../../src/core/prompt';
import { BASE_FLAGS, resolveChromium } from '../../scripts/lib/chromium';
import { nativeGreedy } from './references';

const SHARED = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const GGUF = resolve(SHARED, 'models/stories260K/stories260K.gguf');
const MODEL_URL = '/models/stories260K/stories260K.gguf';
const PROMPT = 'Once upon a time, there was a little girl named Lily.';
const N = 32;

type Failure = { error: { name: string; message: string } };
type Loaded = LlmLoadResult & { roundTripMs: number };
interface Bench {
  load(spec: LlmLoadSpec): Promise<Loaded | Failure>;
  generate(engine: string, r: LlmGenerateRequest): Promise<ClientGenerateResult | Failure>;
  generateAndInterrupt(engine: string, r: LlmGenerateRequest, after: number): Promise<(ClientGenerateResult & { tInterrupt: number | null }) | Failure>;
  countTokens(engine: string, text: string): Promise<{ tokens: number } | Failure>;
  ragPrompt(engine: string, input: unknown): Promise<BuiltPrompt | Failure>;
  stats(engine: string): Promise<LlmStats | Failure>;
  catalog(engine: string): Promise<WebLlmModelRecord[] | Failure>;
  memory(engine: string): Promise<WorkerMemory | Failure>;
}

function ok<T>(r: T | Failure): T {
  if (r && typeof r === 'object' && 'error' in r) throw new Error(`${r.error.name}: ${r.error.message}`);
  return r as T;
}
function failure(r: unknown): { name: string; message: string } {
  expect(r && typeof r === 'object' && 'error' in r, `expected a failure, got ${JSON.stringify(r).slice(0, 300)}`).toBe(true);
  return (r as Failure).error;
}

async function openBench(page: Page): Promise<void> {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) console.log('[page]', m.text().slice(0, 300));
  });
  await page.goto('bench/llm.html');
  await page.waitForFunction(() => !!(window as unknown as { llmBench?: unknown }).llmBench);
}

/** Calls window.llmBench[method](...args) in the page. */
async function call<T>(page: Page, method: keyof Bench, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([m, a]) => {
      const b = (window as unknown as { llmBench: Record<string, (...x: unknown[]) => Promise<unknown>> }).llmBench;
      return b[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  ) as Promise<T>;
}

test.describe('wllama (llama.cpp in WebAssembly) with stories260K', () => {
  test('greedy tokens: streamed, repeatable, equal to native llama.cpp; interrupt; named errors', async ({ page }) => {
    const native = await nativeGreedy(PROMPT, N);
    expect(native.ids).toHaveLength(N);

    await openBench(page);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);

    const loaded = ok(await call<Loaded | Failure>(page, 'load', { engine: 'wllama', model: MODEL_URL, threads: 1, contextSize: 512, gpuLayers: 0 }));
    expect(loaded.info).toMatchObject({
      engine: 'wllama',
      backend: 'wasm-single-thread',
      threads: 1,
      contextSize: 512,
      trainedContextSize: 2048,
      vocabSize: 512,
      architecture: 'llama',
      hasChatTemplate: false,
      addsBos: true,
      variant: 'F32',
    });
    expect(loaded.files).toEqual([{ file: 'stories260K.gguf', bytes: 1185376, source: expect.stringMatching(/network|cache/) }]);
    expect(loaded.timings.warmupMs).toBeGreaterThan(0);
    console.log('load', JSON.stringify({ timings: loaded.timings, roundTripMs: loaded.roundTripMs, why: loaded.info.why, engine: loaded.info.engineVersion }));

    const request: LlmGenerateRequest = { prompt: PROMPT, maxNewTokens: N, temperature: 0, seed: 42 };
    const a = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', request));
    const b = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', request));

    // Streamed, counted the same by us and by the engine.
    for (const g of [a, b]) {
      expect(g.result.finishReason).toBe('length');
      expect(g.result.streamedTokens).toBe(N);
      expect(g.arrivals).toHaveLength(N);
      expect(g.result.generatedTokens).toBe(N);
      const report = g.result.engineReport;
      expect(report?.engine).toBe('wllama');
      if (report?.engine === 'wllama') expect(report.timings.predicted_n).toBe(N);
      expect(g.arrivals.map((x) => x.id)).toEqual(g.result.tokenIds);
      expect(g.arrivals.map((x) => x.text).join('')).toBe(g.result.text);
    }
    // Greedy: identical runs, identical to native llama.cpp, same prompt tokenization (BOS included).
    expect(b.result.tokenIds).toEqual(a.result.tokenIds);
    expect(a.result.tokenIds).toEqual(native.ids);
    expect(a.result.promptTokens).toBe(native.promptTokens.length);
    const counted = ok(await call<{ tokens: number } | Failure>(page, 'countTokens', 'wllama', PROMPT));
    expect(counted.tokens).toBe(native.promptTokens.length);
    console.log('text', JSON.stringify(a.result.text));

    // Our figures beside the engine's.
    const ours = computeLlmFigures({ tRequest: b.tRequest, arrivals: b.arrivals.map((x) => x.tMain), promptTokens: b.result.promptTokens });
    const report = b.result.engineReport;
    if (report?.engine === 'wllama') {
      const cmp = compareFigures(ours, fromWllamaTimings(report.timings));
      const workerTtft = b.result.tFirstToken !== null ? b.result.tFirstToken - b.result.tStart : null;
      console.log('figures', JSON.stringify({ ours, engine: report.timings, cmp, workerTtftMs: workerTtft, hops: b.hops }));
    }
    expect(ours.ttftMs).toBeGreaterThan(0);
    expect(ours.decodeTokensPerS).toBeGreaterThan(0);

    // Interrupt: ends the generation early (fewer tokens than asked for, after the interrupt was
    // sent), keeps the partial answer, and the engine stays usable. How long it took is printed, not asserted.
    const long: LlmGenerateRequest = { prompt: PROMPT, maxNewTokens: 400, ignoreEos: true };
    const it = ok(await call<(ClientGenerateResult & { tInterrupt: number | null }) | Failure>(page, 'generateAndInterrupt', 'wllama', long, 5));
    expect(it.result.finishReason).toBe('interrupted');
    expect(it.result.streamedTokens).toBeGreaterThanOrEqual(5);
    expect(it.result.streamedTokens).toBeLessThan(400);
    expect(it.tInterrupt).not.toBeNull();
    expect(it.tResolved).toBeGreaterThanOrEqual(it.tInterrupt!);
    console.log('interrupt', JSON.stringify({ tokens: it.result.streamedTokens, stopMs: it.tResolved - it.tInterrupt! }));
    expect(it.result.tokenIds?.slice(0, 5)).toEqual(native.ids.slice(0, 5));
    const after = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', request));
    expect(after.result.tokenIds).toEqual(native.ids);

    // The benchmark deliveries generate the same tokens: the loop inside wllama's own worker (one
    // message for the whole answer), and tokens batched to the page (fewer messages than tokens).
    const loop = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', { ...request, delivery: 'engine-loop' }));
    expect(loop.result.delivery).toBe('engine-loop');
    expect(loop.result.tokenIds).toEqual(native.ids);
    expect(loop.arrivals.map((x) => x.id)).toEqual(native.ids);
    expect(loop.result.tokenMessages).toBe(1);
    expect(loop.result.engineLoop?.getResultCalls).toBeGreaterThanOrEqual(N);
    expect(loop.result.engineReport?.engine).toBe('wllama');
    const batched = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', { ...request, tokenBatchMs: 50 }));
    expect(batched.result.tokenIds).toEqual(native.ids);
    expect(batched.arrivals.map((x) => x.id)).toEqual(native.ids);
    expect(batched.result.tokenMessages).toBeLessThanOrEqual(N);
    console.log('deliveries', JSON.stringify({ engineLoop: loop.result.engineLoop, batchedMessages: batched.result.tokenMessages }));

    // llama.cpp's heap, read in wllama's own worker.
    const mem = ok(await call<WorkerMemory | Failure>(page, 'memory', 'wllama'));
    expect(mem.wasmReason).toBeNull();
    expect(mem.wasmBytes).toBeGreaterThan(1185376);
    console.log('memory', JSON.stringify(mem));

    // A corrupt file (random bytes), a truncated copy, a 404: each its named error, and the loaded
    // engine stays usable (a file is checked before the running engine is replaced).
    const junk = Buffer.alloc(64 * 1024);
    let x = 7;
    for (let i = 0; i < junk.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      junk[i] = x >>> 24;
    }
    await page.route('**/models/junk.gguf', (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: junk }));
    const full = readFileSync(GGUF);
    await page.route('**/models/truncated.gguf', (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: full.subarray(0, 600_000) }));
    // GGUF magic followed by junk: passes the first check, fails in the header.
    const badHeader = Buffer.concat([full.subarray(0, 24), junk.subarray(0, 4096)]);
    await page.route('**/models/bad-header.gguf', (r) => r.fulfill({ status: 200, contentType: 'application/octet-stream', body: badHeader }));

    const corrupt = failure(await call(page, 'load', { engine: 'wllama', model: '/models/junk.gguf', threads: 1, useCache: false }));
    expect(corrupt.name).toBe('InvalidGguf');
    expect(corrupt.message).toMatch(/junk\.gguf is not a valid GGUF file: it does not start with "GGUF"/);
    const truncated = failure(await call(page, 'load', { engine: 'wllama', model: '/models/truncated.gguf', threads: 1, useCache: false }));
    expect(truncated.name).toBe('InvalidGguf');
    expect(truncated.message).toMatch(/truncated/);
    const header = failure(await call(page, 'load', { engine: 'wllama', model: '/models/bad-header.gguf', threads: 1, useCache: false }));
    expect(header.name).toBe('InvalidGguf');
    const missing = failure(await call(page, 'load', { engine: 'wllama', model: '/models/no-such-model.gguf', threads: 1 }));
    expect(missing.name).toBe('ModelNotFound');
    expect(missing.message).toMatch(/HTTP 404.*no-such-model\.gguf/);
    console.log('errors', JSON.stringify([corrupt, truncated, header, missing]));

    const still = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', request));
    expect(still.result.tokenIds).toEqual(native.ids);

    // A reload comes from the browser's cache, and generates the same tokens.
    const again = ok(await call<Loaded | Failure>(page, 'load', { engine: 'wllama', model: MODEL_URL, threads: 1, contextSize: 512 }));
    expect(again.files[0]?.source).toBe('cache');
    const fromCache = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', request));
    expect(fromCache.result.tokenIds).toEqual(native.ids);
    const stats = ok(await call<LlmStats | Failure>(page, 'stats', 'wllama'));
    expect(stats).toMatchObject({ loaded: true, broken: null });
  });

  test('the RAG prompt: msmarco passages trimmed to the context with the engine\'s own counter', async ({ page }) => {
    const docs = readFileSync(resolve(SHARED, 'datasets/msmarco-5k/corpus.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 12)
      .map((l) => JSON.parse(l) as { _id: string; title: string; text: string })
      .map((d) => ({ id: d._id, title: d.title, text: d.text }));
    await openBench(page);
    ok(await call<Loaded | Failure>(page, 'load', { engine: 'wllama', model: MODEL_URL, threads: 1, contextSize: 1024, warmup: false }));
    const input = { question: 'Who invented the mercury thermometer?', chunks: docs, contextSize: 1024, maxNewTokens: 64 };
    const built = ok(await call<BuiltPrompt | Failure>(page, 'ragPrompt', 'wllama', input));
    expect(built.layout).toBe('plain'); // stories260K has no chat template
    expect(built.budget).toBe(1024 - 64 - 8);
    expect(built.tokens).toBeLessThanOrEqual(built.budget);
    expect(built.dropped.length).toBeGreaterThan(0); // 12 passages do not fit in 952 tokens
    expect(built.included.length).toBeGreaterThan(0);
    expect(built.included.map((c) => c.id)).toEqual(docs.slice(0, built.included.length).map((d) => d.id)); // lowest-ranked dropped
    for (const c of docs.slice(0, built.included.length)) expect(built.text).toContain(c.text.trim());
    console.log('rag prompt', JSON.stringify({ tokens: built.tokens, budget: built.budget, included: built.included.length, dropped: built.dropped.length, counts: built.counts }));
    // The engine counts the same tokens when it generates from the prompt.
    const g = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', { prompt: built.text, maxNewTokens: 16 }));
    expect(g.result.promptTokens).toBe(built.tokens);
    // The question alone longer than the context: PromptTooLong.
    const tooLong = failure(await call(page, 'ragPrompt', 'wllama', { ...input, question: 'why '.repeat(2000) }));
    expect(tooLong.name).toBe('PromptTooLong');
    const after = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', { prompt: PROMPT, maxNewTokens: 8 }));
    expect(after.result.streamedTokens).toBe(8);
  });

  test('two threads on the cross-origin-isolated page: multi-threaded WASM, same tokens', async ({ page }) => {
    const native = await nativeGreedy(PROMPT, N);
    await openBench(page);
    const loaded = ok(await call<Loaded | Failure>(page, 'load', { engine: 'wllama', model: MODEL_URL, threads: 2, contextSize: 512, warmup: false }));
    expect(loaded.info).toMatchObject({ backend: 'wasm-multi-thread', threads: 2, requestedThreads: 2 });
    expect(loaded.timings.warmupMs).toBeNull();
    const g = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'wllama', { prompt: PROMPT, maxNewTokens: N }));
    expect(g.result.tokenIds).toEqual(native.ids);
  });
});

test.describe('web-llm (WebGPU through SwiftShader; no MLC weights reachable here)', () => {
  test('catalog, shader-f16 refusal before download, named error when the model cannot be fetched', async ({ page }) => {
    await openBench(page);
    const catalog = ok(await call<WebLlmModelRecord[] | Failure>(page, 'catalog', 'webllm'));
    const smol = catalog.find((m) => m.model_id === 'SmolLM2-360M-Instruct-q4f32_1-MLC');
    expect(smol?.vram_required_MB).toBeGreaterThan(0);

    const f16 = failure(await call(page, 'load', { engine: 'webllm', model: 'SmolLM2-360M-Instruct-q4f16_1-MLC' }));
    expect(f16.name).toBe('WebGpuUnavailable');
    expect(f16.message).toMatch(/shader-f16/);

    const t0 = Date.now();
    const fetchFail = failure(await call(page, 'load', { engine: 'webllm', model: 'SmolLM2-360M-Instruct-q4f32_1-MLC' }));
    console.log('web-llm fetch failure', Date.now() - t0, 'ms:', fetchFail.message);
    expect(fetchFail.name).toBe('LlmLoadFailed');
    expect(fetchFail.message).toContain('huggingface.co/mlc-ai/SmolLM2-360M-Instruct-q4f32_1-MLC');

    const unknown = failure(await call(page, 'load', { engine: 'webllm', model: 'no-such-model-MLC' }));
    expect(unknown.name).toBe('InvalidArgument');
  });
});

test.describe('web-llm with a real model (a machine with a GPU and network)', () => {
  const realModel = process.env['RAGTAB_WEBLLM_MODEL'];
  test('a real web-llm model (RAGTAB_WEBLLM_MODEL=<model_id>, on a machine with a GPU and network)', async ({ baseURL }) => {
    const reason = 'RAGTAB_WEBLLM_MODEL is not set: no MLC weights can be downloaded here (to run it on a Mac: bench/README-llm.md)';
    if (!realModel) console.log(`skipped: ${reason}`);
    test.skip(!realModel, reason);
    // The real GPU, not SwiftShader: a browser of its own without --use-webgpu-adapter=swiftshader.
    const browser = await chromium.launch({ executablePath: resolveChromium(), args: [...BASE_FLAGS, '--enable-unsafe-webgpu'] });
    const page = await browser.newPage(baseURL ? { baseURL } : {});
    try {
      await openBench(page);
      const loaded = ok(await call<Loaded | Failure>(page, 'load', { engine: 'webllm', model: realModel }));
      console.log('web-llm load', JSON.stringify({ info: loaded.info, timings: loaded.timings }));
      const messages = [{ role: 'user', content: 'Name three colours.' }];
      const a = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'webllm', { messages, maxNewTokens: 32, temperature: 0, seed: 42 }));
      const b = ok(await call<ClientGenerateResult | Failure>(page, 'generate', 'webllm', { messages, maxNewTokens: 32, temperature: 0, seed: 42 }));
      expect(a.result.streamedTokens).toBeGreaterThan(0);
      expect(b.result.text).toBe(a.result.text);
      expect(a.result.engineReport?.engine).toBe('webllm');
      console.log('web-llm', JSON.stringify({ text: a.result.text, usage: a.result.engineReport }));
    } finally {
      await browser.close();
    }
  });
});
