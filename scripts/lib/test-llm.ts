/**
 * The generated test LLMs on disk (src/core/random-llm.ts writes the bytes): made on demand into a
 * cache folder that tests and benchmarks share — `$RAGTAB_CACHE/llm/`, else
 * `node_modules/.cache/ragtab-llm/` — never committed. The name holds the shape, the type and the
 * generator's version, so a changed generator writes a new file. A file is written under a
 * temporary name and renamed, so two processes asking at once never see half a file.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseGguf } from '../../src/core/gguf';
import { LLM_SHAPES, RANDOM_LLM_VERSION, randomLlmLayout, synthesizeVocab, tensorData, type LlmQuant, type LlmShapeId, type SpmVocab } from '../../src/core/random-llm';
import { SPM_FULL_ARRAYS } from '../../src/core/spm-tokenizer';

export function testLlmCacheDir(): string {
  const base = process.env['RAGTAB_CACHE'];
  return base ? resolve(base, 'llm') : resolve('node_modules/.cache/ragtab-llm');
}

export function testLlmFileName(shape: LlmShapeId, quant: LlmQuant): string {
  return `${shape}-shape-random-${quant}.v${RANDOM_LLM_VERSION}.gguf`;
}

/** stories260K's vocabulary, the seed of the synthesised one. */
export function storiesVocab(shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared')): SpmVocab {
  const path = join(shared, 'models/stories260K/stories260K.gguf');
  if (!existsSync(path)) throw new Error(`The test LLMs take their vocabulary from stories260K, which is missing: ${path} (set RAGTAB_SHARED).`);
  const h = parseGguf(new Uint8Array(readFileSync(path)), { fullArrays: SPM_FULL_ARRAYS });
  const md = h.metadata;
  return {
    tokens: md['tokenizer.ggml.tokens'] as string[],
    scores: md['tokenizer.ggml.scores'] as number[],
    types: md['tokenizer.ggml.token_type'] as number[],
  };
}

/** Writes the model (if it is not in the cache yet) and returns its path; `log` hears how long it took. */
export function ensureTestLlm(shape: LlmShapeId, quant: LlmQuant, log: (line: string) => void = () => undefined): string {
  const dir = testLlmCacheDir();
  const path = join(dir, testLlmFileName(shape, quant));
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const s = LLM_SHAPES[shape];
  const vocab = synthesizeVocab(storiesVocab(), s.nVocab);
  const { layout, tensors } = randomLlmLayout(s, quant, vocab);
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, layout.header);
    let at = 0;
    tensors.forEach((t, i) => {
      const off = layout.offsets[i] as number;
      if (off > at) writeSync(fd, new Uint8Array(off - at));
      const data = tensorData(s, t);
      writeSync(fd, data);
      at = off + data.byteLength;
    });
    if (layout.dataBytes > at) writeSync(fd, new Uint8Array(layout.dataBytes - at));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  log(`wrote ${path} (${((layout.header.byteLength + layout.dataBytes) / 2 ** 20).toFixed(1)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return path;
}
