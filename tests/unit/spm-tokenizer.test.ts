/**
 * The pure-TypeScript SPM tokenizer against llama.cpp itself (node-llama-cpp 3.21.1, the same GGUF).
 * node-llama-cpp's model.tokenize(text, specialTokens) is llama_tokenize with add_special=false and
 * parse_special=specialTokens; what llama.cpp's server feeds for a prompt (add_special=true) is that
 * with the model's BOS before it when llama.cpp says to prepend one (and EOS after when it says to
 * append one), which is how the expected ids are built here.
 * node-llama-cpp is for tests only: the app never imports it.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { parseGguf } from '../../src/core/gguf';
import { SPM_FULL_ARRAYS, SpmTokenizer, UnsupportedTokenizer } from '../../src/core/spm-tokenizer';
import { DEFAULT_SYSTEM_PROMPT, messagesFor, plainLayout, type PromptChunk } from '../../src/core/prompt';
import { hasCode } from '../../src/core/errors';
import { mulberry32 as rng } from '../../src/core/prng';

const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const modelPath = resolve(shared, 'models/stories260K/stories260K.gguf');
const corpusPath = resolve(shared, 'datasets/msmarco-5k/corpus.jsonl');
const haveModel = existsSync(modelPath);

function passages(n: number): PromptChunk[] {
  if (!existsSync(corpusPath)) return [];
  const lines = readFileSync(corpusPath, 'utf8').split('\n').filter(Boolean);
  const out: PromptChunk[] = [];
  for (let i = 0; i < lines.length && out.length < n; i += 97) {
    const d = JSON.parse(lines[i]!) as { _id: string; title: string; text: string };
    out.push({ id: d._id, text: d.text, title: d.title || undefined });
  }
  return out;
}

/** Hand-picked texts: the classes the brief names, one or more of each. */
const HAND: string[] = [
  '',
  ' ',
  '  ',
  '   ',
  'a',
  'Hello',
  'Hello world',
  ' Hello world',
  'Hello world ',
  '  Hello   world  ',
  'Once upon a time, there was a little girl named Lily.',
  'The quick brown fox jumps over the lazy dog.',
  'She liked to play with her toys in the park. One day, she saw a big, red ball!',
  '\n',
  '\n\n',
  'line one\nline two\n\nline four',
  '\ttab\tseparated\tvalues\t',
  ' \t \n \r\n mixed whitespace \u000b\u000c',
  'trailing newline\n',
  '\nleading newline',
  '0123456789',
  '3.14159 2,718 1e-10 -42 +7 100%',
  'Phone: (555) 123-4567; e-mail: a.b@c.de',
  '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
  'ÀÉÎÕÜ àéîõü ñ ç ß ø å',
  'café naïve résumé coöperate',
  '中文字符测试',
  '日本語のテキスト、カタカナ',
  '한국어 텍스트',
  'Привет, мир!',
  'مرحبا بالعالم',
  'emoji 😀🎉👍🏽 and 👨‍👩‍👧‍👦 family',
  '🙂',
  'math ∑∫√∞ ≤ ≥ ≠',
  '\u2581already escaped\u2581space',
  '▁',
  'zero\u200bwidth',
  'nul\u0000byte',
  'lone \ud800 surrogate',
  'lone low \udc00 too',
  '<s>',
  '</s>',
  '<unk>',
  '<s></s>',
  '<s> Hello',
  'Hello<s>world',
  'Hello </s> world',
  ' <s> ',
  '<s><s><s>',
  '</s></s>',
  'x<unk>y<s>z</s>',
  '<s>Once upon a time</s>',
  '<<s>>',
  '</s<s>>',
  '<0x41>',
  '<0x0A> literal byte token text',
  '[INST] hello [/INST]',
  // equal-score bigrams side by side ("ll", "pp", "oo" are tokens): ties go to the leftmost
  'lll',
  'llll',
  'lllll',
  'ppp oooo ooooo',
  'Hello lll pppp ooooo',
  'ballll appple fooood',
  'Question: what is the capital of France?\nAnswer:',
];

function generated(): string[] {
  const r = rng(20240611);
  const words = ['the', 'a', 'little', 'girl', 'dog', 'ran', 'happy', 'big', 'Lily', 'Tom', 'said', 'ball', 'tree', 'sun', 'was', 'and', 'to', 'in', 'it', 'her'];
  const pieces = [' ', '  ', '\n', '\t', '.', ',', '!', '?', '"', "'", '-', ':', '(', ')', '[1]', '2024', '42', 'é', 'ü', '中', '😀', '<s>', '</s>', '<unk>', '\u2581', '\r\n'];
  const out: string[] = [];
  for (let i = 0; i < 200; i++) {
    const len = 1 + Math.floor(r() * 25);
    let s = '';
    for (let j = 0; j < len; j++) {
      const x = r();
      if (x < 0.6) s += (j > 0 && r() < 0.8 ? ' ' : '') + words[Math.floor(r() * words.length)]!;
      else s += pieces[Math.floor(r() * pieces.length)]!;
    }
    if (r() < 0.2) s = ' ' + s;
    if (r() < 0.2) s += ' ';
    out.push(s);
  }
  // random code points: ASCII, Latin-1, BMP, astral
  for (let i = 0; i < 40; i++) {
    let s = '';
    const len = 1 + Math.floor(r() * 12);
    for (let j = 0; j < len; j++) {
      const x = r();
      const cp = x < 0.4 ? 0x20 + Math.floor(r() * 95) : x < 0.6 ? 0xa0 + Math.floor(r() * 0x160) : x < 0.85 ? 0x3000 + Math.floor(r() * 0x6000) : 0x1f300 + Math.floor(r() * 0x300);
      s += String.fromCodePoint(cp);
    }
    out.push(s);
  }
  return out;
}

function promptTexts(chunks: PromptChunk[]): string[] {
  const q = 'What temperature scale did Fahrenheit invent?';
  return [
    plainLayout(messagesFor(DEFAULT_SYSTEM_PROMPT, q, [])),
    plainLayout(messagesFor(DEFAULT_SYSTEM_PROMPT, q, chunks.slice(0, 1))),
    plainLayout(messagesFor(DEFAULT_SYSTEM_PROMPT, q, chunks.slice(0, 3))),
    plainLayout(messagesFor(DEFAULT_SYSTEM_PROMPT, '  ' + q + '  ', chunks.slice(3, 8))),
    plainLayout(messagesFor('Be brief.', 'what is <s> in html?', chunks.slice(8, 10))),
  ];
}

/** A GGUF rebuilt from another: KVs dropped, replaced or added; tensor infos and data copied as is. */
function rewriteGguf(src: Uint8Array, edits: { drop?: string[]; add?: Uint8Array[] }): Uint8Array {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let pos = 8;
  const u64 = (): number => {
    const v = Number(view.getBigUint64(pos, true));
    pos += 8;
    return v;
  };
  const str = (): string => {
    const n = u64();
    const s = new TextDecoder().decode(src.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const fixed: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skipValue = (type: number): void => {
    if (type === 8) str();
    else if (type === 9) {
      const item = view.getUint32(pos, true);
      pos += 4;
      const n = u64();
      for (let i = 0; i < n; i++) skipValue(item);
    } else pos += fixed[type]!;
  };
  const tensorCount = u64();
  const kvCount = u64();
  const kvs: Uint8Array[] = [];
  for (let i = 0; i < kvCount; i++) {
    const start = pos;
    const key = str();
    const type = view.getUint32(pos, true);
    pos += 4;
    skipValue(type);
    if (!edits.drop?.includes(key)) kvs.push(src.subarray(start, pos));
  }
  const tensorsStart = pos;
  for (let i = 0; i < tensorCount; i++) {
    str();
    const nd = view.getUint32(pos, true);
    pos += 4 + 8 * nd + 4 + 8;
  }
  const tensorInfos = src.subarray(tensorsStart, pos);
  const alignment = 32;
  const dataStart = Math.ceil(pos / alignment) * alignment;
  const all = [...kvs, ...(edits.add ?? [])];
  const head = new Uint8Array(24);
  const hv = new DataView(head.buffer);
  head.set(src.subarray(0, 8));
  hv.setBigUint64(8, BigInt(tensorCount), true);
  hv.setBigUint64(16, BigInt(all.length), true);
  const headerLen = 24 + all.reduce((a, b) => a + b.length, 0) + tensorInfos.length;
  const newDataStart = Math.ceil(headerLen / alignment) * alignment;
  const out = new Uint8Array(newDataStart + (src.length - dataStart));
  let o = 0;
  for (const part of [head, ...all, tensorInfos]) {
    out.set(part, o);
    o += part.length;
  }
  out.set(src.subarray(dataStart), newDataStart);
  return out;
}

const enc = new TextEncoder();
function kvHead(key: string, type: number): number[] {
  const k = enc.encode(key);
  const b: number[] = [];
  const u64 = (v: number) => { for (let i = 0; i < 8; i++) b.push(Math.floor(v / 2 ** (8 * i)) & 0xff); };
  const u32 = (v: number) => { for (let i = 0; i < 4; i++) b.push((v >>> (8 * i)) & 0xff); };
  u64(k.length);
  b.push(...k);
  u32(type);
  return b;
}
const kvBool = (key: string, v: boolean): Uint8Array => new Uint8Array([...kvHead(key, 7), v ? 1 : 0]);
function kvInt32s(key: string, values: number[]): Uint8Array {
  const b = kvHead(key, 9);
  const d = new DataView(new ArrayBuffer(12 + 4 * values.length));
  d.setUint32(0, 5, true);
  d.setBigUint64(4, BigInt(values.length), true);
  values.forEach((v, i) => d.setInt32(12 + 4 * i, v, true));
  return new Uint8Array([...b, ...new Uint8Array(d.buffer)]);
}

interface Pair {
  name: string;
  tok: SpmTokenizer;
  model: LlamaModel;
}

describe.skipIf(!haveModel)('SpmTokenizer gives llama.cpp\'s token ids (stories260K)', () => {
  let llama: Llama;
  const pairs: Pair[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'ragtab-spm-'));
  const chunks = passages(12);
  const texts = [...HAND, ...generated(), ...promptTexts(chunks), ...chunks.map((c) => c.text)];

  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    const bytes = new Uint8Array(readFileSync(modelPath));
    const load = async (name: string, b: Uint8Array): Promise<void> => {
      const path = join(tmp, `${name}.gguf`);
      if (b !== bytes) writeFileSync(path, b);
      const tok = SpmTokenizer.fromGguf(parseGguf(b, { fullArrays: SPM_FULL_ARRAYS }));
      const model = await llama.loadModel({ modelPath: b === bytes ? modelPath : path });
      pairs.push({ name, tok, model });
    };
    await load('stories260K', bytes);
    // Variants of the same vocabulary (rewritten metadata) for rules stories260K does not exercise:
    // user-defined and control tokens inside words (overlapping, same length), unused/undefined
    // types, no space prefix, no BOS, an EOS appended.
    const header = parseGguf(bytes, { fullArrays: SPM_FULL_ARRAYS });
    const tokens = header.metadata['tokenizer.ggml.tokens'] as string[];
    const types = [...(header.metadata['tokenizer.ggml.token_type'] as number[])];
    const idOf = (t: string): number => {
      const i = tokens.indexOf(t);
      if (i < 0) throw new Error(`no token "${t}" in stories260K`);
      return i;
    };
    // Chosen so that the order of the special-token search matters: "he" inside "her", "in" inside
    // "ing" (longer first), "ou" and "ut" overlapping in "out" (same length: id order; llama.cpp's
    // std::sort is an insertion sort, so stable, for the 16 or fewer special tokens here).
    const userDefined = ['he', 'her', 'ou', 'ut'];
    const control = ['in', 'ing', 'll'];
    const unused = ['it', 're'];
    const undefinedType = ['ay', 'er'];
    for (const t of userDefined) types[idOf(t)] = 4;
    for (const t of control) types[idOf(t)] = 3;
    for (const t of unused) types[idOf(t)] = 5;
    for (const t of undefinedType) types[idOf(t)] = 0;
    const pick = [...userDefined, ...control, ...unused, ...undefinedType];
    await load(
      'variant',
      rewriteGguf(bytes, {
        drop: ['tokenizer.ggml.token_type'],
        add: [
          kvInt32s('tokenizer.ggml.token_type', types),
          kvBool('tokenizer.ggml.add_space_prefix', false),
          kvBool('tokenizer.ggml.add_bos_token', false),
          kvBool('tokenizer.ggml.add_eos_token', true),
        ],
      }),
    );
    texts.push(...pick.map((t) => `${t} ${t}${t}x ${pick[0]}${pick[1]}${pick[2]} <s>${t}</s>`));
    texts.push(pick.join(''), pick.join(' '), 'her hero other thing outing without herd', 'ouut outut hhe heer', ' in  ing  out ');
  });

  afterAll(async () => {
    for (const p of pairs) await p.model.dispose();
    await llama?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reads the vocabulary settings llama.cpp reads', () => {
    for (const { tok, model } of pairs) {
      expect(tok.vocabSize).toBe(512);
      expect(tok.bosId).toBe(model.tokens.bos);
      expect(tok.eosId).toBe(model.tokens.eos);
      expect(tok.addBos).toBe(model.tokens.shouldPrependBosToken);
      expect(tok.addEos).toBe(model.tokens.shouldAppendEosToken);
    }
    const v = pairs.find((p) => p.name === 'variant')!.tok;
    expect([v.addBos, v.addEos, v.addSpacePrefix]).toEqual([false, true, false]);
  });

  it(`encodes every test text exactly as llama.cpp does`, () => {
    expect(texts.length).toBeGreaterThan(300);
    let compared = 0;
    const diffs: string[] = [];
    for (const { name, tok, model } of pairs) {
      const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
      const eos = model.tokens.shouldAppendEosToken && model.tokens.eos !== null ? [model.tokens.eos] : [];
      for (const text of texts) {
        const native = Array.from(model.tokenize(text, true), Number);
        const nativePlain = Array.from(model.tokenize(text, false), Number);
        const checks: Array<[string, number[], number[]]> = [
          ['prompt (add_special, parse_special)', Array.from(tok.encode(text)), [...bos, ...native, ...eos]],
          ['parse_special only', Array.from(tok.encode(text, { addSpecial: false })), native],
          ['neither', Array.from(tok.encode(text, { addSpecial: false, parseSpecial: false })), nativePlain],
        ];
        for (const [what, ours, theirs] of checks) {
          compared++;
          if (ours.join(',') !== theirs.join(',')) diffs.push(`${name} ${what} ${JSON.stringify(text)}: ours [${ours.join(',')}] llama.cpp [${theirs.join(',')}]`);
        }
        const counted = tok.count(text);
        if (counted !== bos.length + native.length + eos.length) diffs.push(`${name} count ${JSON.stringify(text)}: ${counted}`);
      }
    }
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(compared).toBe(texts.length * 3 * pairs.length);
    console.log(`spm-tokenizer: ${texts.length} texts × 3 modes × ${pairs.length} vocabularies, all ids identical to llama.cpp`);
  });

  it('times a 2,000-token prompt against node-llama-cpp (printed, not asserted)', () => {
    const { tok, model } = pairs[0]!;
    const all = passages(200);
    let k = 1;
    let text = plainLayout(messagesFor(DEFAULT_SYSTEM_PROMPT, 'What is Fahrenheit?', all.slice(0, k)));
    while (tok.count(text) < 2000 && k < all.length) text = plainLayout(messagesFor(DEFAULT_SYSTEM_PROMPT, 'What is Fahrenheit?', all.slice(0, ++k)));
    const n = tok.count(text);
    expect(Array.from(tok.encode(text)).slice(1)).toEqual(Array.from(model.tokenize(text, true), Number));
    const time = (f: () => void): number => {
      for (let i = 0; i < 3; i++) f();
      const runs: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        f();
        runs.push(performance.now() - t0);
      }
      return runs.sort((a, b) => a - b)[7]!;
    };
    const ours = time(() => tok.encode(text));
    const native = time(() => model.tokenize(text, true));
    console.log(
      `spm-tokenizer: ${n} tokens (${text.length} chars): ours ${ours.toFixed(2)} ms, node-llama-cpp (native) ${native.toFixed(2)} ms (median of 15)`,
    );
    expect(n).toBeGreaterThanOrEqual(2000);
  });
});

describe('SpmTokenizer.fromGguf refuses what it cannot reproduce', () => {
  const base = {
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': ['<unk>', '<s>', '</s>', '▁', 'a'],
    'tokenizer.ggml.scores': [0, 0, 0, -1, -2],
    'tokenizer.ggml.token_type': [2, 3, 3, 1, 1],
  };
  it('builds from metadata alone', () => {
    const t = SpmTokenizer.fromGguf(base);
    expect(Array.from(t.encode('a'))).toEqual([1, 3, 4]);
  });
  it('refuses another tokenizer model, missing scores, summarised arrays', () => {
    const cases = [
      { ...base, 'tokenizer.ggml.model': 'gpt2' },
      { ...base, 'tokenizer.ggml.scores': undefined as never },
      { ...base, 'tokenizer.ggml.tokens': { kind: 'array-summary' as const, itemType: 8, length: 5 } },
    ];
    for (const md of cases) {
      expect(() => SpmTokenizer.fromGguf(md)).toThrow(UnsupportedTokenizer);
      expect(SpmTokenizer.tryFromGguf(md)).toBeNull();
      try {
        SpmTokenizer.fromGguf(md);
      } catch (e) {
        expect(hasCode(e, 'InvalidArgument')).toBe(true);
      }
    }
  });
});
