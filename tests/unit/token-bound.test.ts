import { describe, expect, it } from 'vitest';
import { byteLevelChars, tokenBoundOf, tokenUpperBound } from '../../src/core/token-bound';

describe('token bounds', () => {
  it("GPT-2's byte-to-character table: 256 distinct characters, printable ASCII kept as is", () => {
    const t = byteLevelChars();
    expect(new Set(t).size).toBe(256);
    expect(t[0x41]).toBe('A');
    expect(t[0x20]).toBe('Ġ'); // a space is U+0120 in byte-level BPE vocabularies
    expect(t[0x0a]).toBe('Ċ');
  });

  it('byte-level BPE: a bound only when every byte symbol is in the vocabulary; one token per UTF-8 byte + 2', () => {
    const full = [...byteLevelChars(), 'Ġthe'];
    const b = tokenBoundOf('gpt2', full)!;
    expect(b).not.toBeNull();
    expect(tokenUpperBound(b, 'héllo 世界')).toBe(6 + 1 + 6 + 2); // h é(2) l l o = 6 bytes, space 1, 世界 6, BOS/EOS 2
    expect(tokenBoundOf('gpt2', full.slice(1))).toBeNull();
  });

  it('SentencePiece: spaces cost 3 when ▁ is missing; prefix space, BOS and EOS added; other tokenizers have no bound', () => {
    const withSpace = tokenBoundOf('llama', ['<unk>', '<s>', '</s>', '▁', 'a'])!;
    expect(withSpace.perSpace).toBe(1);
    expect(tokenUpperBound(withSpace, 'a a')).toBe(3 + 3);
    const without = tokenBoundOf('llama', ['<unk>', '<s>', '</s>', 'a'])!;
    expect(without.perSpace).toBe(3);
    expect(tokenUpperBound(without, 'a a')).toBe(3 + 2 + 5);
    expect(tokenBoundOf('bert', ['a'])).toBeNull();
    expect(tokenBoundOf('t5', ['a'])).toBeNull();
    expect(tokenBoundOf('llama', null)).toBeNull();
  });

  it('counts UTF-8 bytes of surrogate pairs as 4', () => {
    const b = tokenBoundOf('gpt2', byteLevelChars())!;
    expect(tokenUpperBound(b, '😀')).toBe(4 + 2);
  });
});

describe('the bound holds for a real tokenizer (stories260K, llama.cpp through node-llama-cpp)', () => {
  it('never below the real token count (with BOS), over msmarco passages and awkward strings', async () => {
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const { parseGguf } = await import('../../src/core/gguf');
    const { getLlama } = await import('node-llama-cpp');
    const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
    const path = resolve(shared, 'models/stories260K/stories260K.gguf');
    const header = parseGguf(new Uint8Array(readFileSync(path)), { fullArrays: ['tokenizer.ggml.tokens'] });
    const vocab = header.metadata['tokenizer.ggml.tokens'] as string[];
    const bound = tokenBoundOf(header.tokenizerModel, vocab)!;
    expect(bound).not.toBeNull();
    const llama = await getLlama({ gpu: false, build: 'never' });
    const model = await llama.loadModel({ modelPath: path });
    try {
      const passages = readFileSync(resolve(shared, 'datasets/msmarco-5k/corpus.jsonl'), 'utf8')
        .split('\n')
        .slice(0, 300)
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { text: string }).text);
      const awkward = ['', ' ', '   ', 'a', ' a', '\n\n\t x', 'héllo wörld', '世界 😀 ⚙️', '<s> </s> <unk>', '1234567890'.repeat(20), '  many   spaces   here  '];
      let worst = Infinity;
      for (const text of [...awkward, ...passages]) {
        const real = model.tokenize(text, true).length + (model.tokens.shouldPrependBosToken ? 1 : 0);
        const b = tokenUpperBound(bound, text);
        expect(b, JSON.stringify(text.slice(0, 60))).toBeGreaterThanOrEqual(real);
        if (text.length > 200) worst = Math.min(worst, b / real);
      }
      // how loose it is on prose, for the record (no assertion on it)
      console.log(`stories260K: bound / real tokens on msmarco passages ≥ ${worst.toFixed(2)}`);
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  }, 60_000);
});
