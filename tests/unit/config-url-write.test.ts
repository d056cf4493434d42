import { describe, expect, it } from 'vitest';
import { appConfigFromParams, paramsFromConfig } from '../../src/core/config-url';
import { APP_CONFIG } from '../../src/core/settings';

describe('paramsFromConfig', () => {
  it('writes only what differs from the default, and reads back to the same configuration', () => {
    expect(paramsFromConfig(APP_CONFIG).toString()).toBe('');
    for (const qs of [
      'model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none',
      'dataset=datasets/msmarco-5k/&maxDocs=500&chunking=tokens&chunkSize=64&chunkOverlap=8&index=int8&compare=exact,bm25&k=7',
      'beir=scifact&model=Xenova/bge-small-en-v1.5&threads=1&batch=8&llm=wllama&llmModel=models/stories260K/stories260K.gguf&maxTokens=16&seed=3',
    ]) {
      const read = appConfigFromParams(new URLSearchParams(qs));
      expect(read.errors, qs).toEqual([]);
      const written = paramsFromConfig(read.config);
      const again = appConfigFromParams(written);
      expect(again.errors, written.toString()).toEqual([]);
      expect(again.config, `${qs} → ${written}`).toEqual(read.config);
    }
  });
});
