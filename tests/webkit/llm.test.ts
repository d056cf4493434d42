/**
 * llama.cpp (wllama) in WebKit with stories260K: it loads (its compat build where JSPI or Memory64
 * is missing, without wllama's own cache where there is no OPFS, each said in the load report),
 * and its greedy tokens equal native llama.cpp's (node-llama-cpp), as in the Chromium suite.
 */
import { expect, test } from 'vitest';
import { nativeGreedy } from '../e2e/references';
import { withApp } from './lib/session';

const PROMPT = 'Once upon a time, there was a little girl named Lily.';
const N = 32;

test('wllama generates the same greedy tokens as native llama.cpp', async () => {
  const native = await nativeGreedy(PROMPT, N);
  expect(native.ids).toHaveLength(N);
  await withApp(async (app) => {
    await app.driver.get(new URL('bench/llm.html', app.base).href);
    const r = await app.run<{ load: { info?: { why: string[]; backend: string; threads: number }; error?: { name: string; message: string } }; caps: { jspi: boolean; memory64: boolean; opfs: boolean } }>(
      `if (!window.llmBench) await new Promise((r) => window.addEventListener('bench-ready', r, { once: true }));
       const load = await window.llmBench.load({ engine: 'wllama', model: '/models/stories260K/stories260K.gguf', threads: 1, contextSize: 512, gpuLayers: 0 });
       const v = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 4, 1]);
       return { load, caps: { jspi: !!WebAssembly.Suspending, memory64: WebAssembly.validate(v), opfs: !!(navigator.storage && navigator.storage.getDirectory) } };`,
    );
    expect(r.load.error, JSON.stringify(r.load.error)).toBeUndefined();
    const why = r.load.info!.why.join('\n');
    if (!r.caps.jspi || !r.caps.memory64) expect(why).toMatch(/compat build/);
    if (!r.caps.opfs) expect(why).toMatch(/No model cache for wllama/);
    expect(r.load.info!.backend).toBe('wasm-single-thread');
    const request = { prompt: PROMPT, maxNewTokens: N, temperature: 0, seed: 42 };
    const gens = await app.run<Array<{ result?: { tokenIds: number[]; promptTokens: number; streamedTokens: number }; error?: unknown }>>(
      `const out = []; for (let i = 0; i < 2; i++) out.push(await window.llmBench.generate('wllama', args[0])); return out;`,
      request,
    );
    for (const g of gens) {
      expect(g.error, JSON.stringify(g.error)).toBeUndefined();
      expect(g.result!.streamedTokens).toBe(N);
      expect(g.result!.tokenIds).toEqual(native.ids);
      expect(g.result!.promptTokens).toBe(native.promptTokens.length);
    }
  });
});
