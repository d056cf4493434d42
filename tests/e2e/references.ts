/**
 * Reference figures computed outside the browser, shared by the Chromium (Playwright) and WebKit
 * (WebDriver) suites: top-10 retrieval with transformers.js in Node on the same model and texts,
 * and greedy tokens from native llama.cpp (node-llama-cpp).
 */
import { env, pipeline } from '@huggingface/transformers';
import { join, resolve } from 'node:path';
import { SHARED, type BeirDoc } from './helpers';

/** stories260K, the GGUF both suites generate with. */
export const GGUF = resolve(SHARED, 'models/stories260K/stories260K.gguf');

export interface Hit {
  id: string;
  score: number;
}

export async function nodeReference(docs: BeirDoc[], queries: string[]): Promise<Hit[][]> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = join(SHARED, 'models') + '/';
  const ex = await pipeline('feature-extraction', 'lsa-wordpiece-256', { dtype: 'fp32', device: 'cpu' });
  const texts = docs.map((d) => (d.title ? `${d.title} ${d.text}` : d.text));
  const dv: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) {
    const out = await ex(texts.slice(i, i + 64), { pooling: 'mean', normalize: true });
    const data = out.data as Float32Array;
    const dims = out.dims[1] as number;
    for (let r = 0; r < out.dims[0]!; r++) dv.push(data.slice(r * dims, (r + 1) * dims));
  }
  const q = await ex(queries, { pooling: 'mean', normalize: true });
  const dims = q.dims[1] as number;
  const qd = q.data as Float32Array;
  return queries.map((_, qi) => {
    const qv = qd.subarray(qi * dims, (qi + 1) * dims);
    const scored = dv.map((v, i) => {
      let s = 0;
      for (let j = 0; j < dims; j++) s += v[j]! * qv[j]!;
      return { id: docs[i]!._id, score: s, i };
    });
    scored.sort((a, b) => b.score - a.score || a.i - b.i);
    return scored.slice(0, 10).map(({ id, score }) => ({ id, score }));
  });
}


/** Native llama.cpp (node-llama-cpp 3.21.1): prompt tokens with BOS, and N greedy token ids. */
export async function nativeGreedy(prompt: string, n: number, gguf = GGUF): Promise<{ promptTokens: number[]; ids: number[] }> {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const model = await llama.loadModel({ modelPath: gguf });
  const context = await model.createContext({ contextSize: 512, threads: 1 });
  try {
    const bos = model.tokens.bos;
    const text = Array.from(model.tokenize(prompt));
    const promptTokens = model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...text] : text;
    const ids: number[] = [];
    const seq = context.getSequence();
    for await (const t of seq.evaluate(promptTokens as never, { temperature: 0 })) {
      ids.push(t as number);
      if (ids.length >= n) break;
    }
    return { promptTokens: promptTokens as number[], ids };
  } finally {
    await context.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

