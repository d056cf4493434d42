/**
 * The whole RAG query in the app: retrieval (lsa-wordpiece-256 over msmarco documents) and
 * generation (stories260K through llama.cpp in WebAssembly), every stage recorded.
 */
import { expect, test } from '@playwright/test';
import { askViaUi, ingestViaUi, openApp, shownError } from './helpers';

const BASE = {
  dataset: 'datasets/msmarco-5k/',
  maxDocs: 200,
  model: 'lsa-wordpiece-256',
  modelBase: 'models/',
  device: 'wasm',
  chunking: 'document',
  index: 'exact',
  llm: 'wllama',
  llmThreads: 1,
  maxTokens: 48,
} as const;

async function loadLlmViaUi(page: import('@playwright/test').Page): Promise<string> {
  await page.evaluate(() => {
    (window as unknown as { __llm: Promise<string> }).__llm = new Promise((r) => {
      window.addEventListener('ragtab-llm-loaded', () => r('loaded'), { once: true });
      window.addEventListener('ragtab-error', () => r('error'), { once: true });
    });
  });
  await page.locator('ragtab-llm #load-llm').click();
  return page.evaluate(() => (window as unknown as { __llm: Promise<string> }).__llm);
}

test('a full RAG query records every stage, streams the answer, and our counts equal the engine', async ({ page }) => {
  await openApp(page, { ...BASE, llmModel: 'models/stories260K/stories260K.gguf' });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect(await loadLlmViaUi(page)).toBe('loaded');
  const info = await page.evaluate(() => window.ragtab!.llmLoad!);
  expect(info.info.engine).toBe('wllama');
  expect(info.info.threads).toBe(1);
  expect(info.info.hasChatTemplate).toBe(false);
  expect(info.timings.warmupMs).not.toBeNull();
  await expect(page.locator('ragtab-llm [data-llm-loaded=wllama]')).toBeVisible();

  // Count streamed tokens as the page sees them.
  await page.evaluate(() => {
    const w = window as unknown as { __streamed: number[] };
    w.__streamed = [];
    window.ragtab!.addEventListener('change', () => {
      const s = window.ragtab!.streaming;
      if (s && w.__streamed[w.__streamed.length - 1] !== s.tokens) w.__streamed.push(s.tokens);
    });
  });
  expect(await askViaUi(page, 'what is the capital of france')).toBe('ragtab-query-done');
  const q = await page.evaluate(() => {
    const r = window.ragtab!.lastQuery!;
    const g = r.generation!;
    return {
      stages: r.stages.map((s) => s.name),
      text: g.text,
      generated: g.generatedTokens,
      streamed: g.streamedTokens,
      arrivals: g.arrivals.length,
      ours: g.figures.totalTokens,
      enginePrompt: g.engine?.promptTokens ?? null,
      engineGenerated: g.engine?.generatedTokens ?? null,
      promptTokens: g.promptTokens,
      counted: g.prompt.tokens,
      countedBy: g.prompt.countedBy,
      layout: g.prompt.layout,
      included: g.prompt.included.length,
      decode: g.figures.decodeTokensPerS,
      ttft: g.figures.ttftMs,
      error: r.generationError,
      pageSaw: (window as unknown as { __streamed: number[] }).__streamed.length,
    };
  });
  expect(q.error).toBeNull();
  expect(q.stages).toEqual(['embed query', 'search', 'format context', 'build prompt', 'time to first token', 'decode']);
  expect(q.generated).toBeGreaterThan(1);
  expect(q.streamed).toBe(q.generated);
  expect(q.arrivals).toBe(q.generated);
  expect(q.ours).toBe(q.engineGenerated);
  expect(q.promptTokens).toBe(q.enginePrompt);
  // The prompt was counted before sending (it fills stories260K's small context, so its length does
  // not prove it fits) by the SentencePiece tokenizer ported to TypeScript: the same count as llama.cpp's.
  expect(q.countedBy).toBe('counter');
  expect(q.counted).toBe(q.enginePrompt);
  expect(q.layout).toBe('plain');
  expect(q.included).toBeGreaterThan(0);
  expect(q.ttft).toBeGreaterThan(0);
  expect(q.decode).toBeGreaterThan(0);
  expect(q.text.length).toBeGreaterThan(0);
  expect(q.pageSaw).toBeGreaterThan(0);
  await expect(page.locator('ragtab-answer [data-answer] .answer')).not.toBeEmpty();
  await expect(page.locator('ragtab-answer tr[data-figure=decodeTokensPerS]')).toBeVisible();
  await expect(page.locator('ragtab-timings tr[data-stage="time to first token"]')).toBeVisible();

  // Greedy: the same question again gives the same answer.
  const first = q.text;
  expect(await askViaUi(page, 'what is the capital of france')).toBe('ragtab-query-done');
  expect(await page.evaluate(() => window.ragtab!.lastQuery!.generation!.text)).toBe(first);
});

test('an LLM that cannot be loaded gives its named error and retrieval keeps working', async ({ page }) => {
  await openApp(page, { ...BASE, llmModel: 'models/no-such-model.gguf' });
  expect(await ingestViaUi(page)).toBe('ragtab-ingested');
  expect(await loadLlmViaUi(page)).toBe('error');
  expect(await shownError(page)).toBe('ModelNotFound');
  expect(await askViaUi(page, 'what is the capital of france')).toBe('ragtab-query-done');
  const r = await page.evaluate(() => ({ hits: window.ragtab!.lastQuery!.hits.length, gen: window.ragtab!.lastQuery!.generation }));
  expect(r.hits).toBe(10);
  expect(r.gen).toBeNull();
});
