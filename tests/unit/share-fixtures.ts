/**
 * Share-link fixtures and the hostile-link generator, shared by the unit tests, the fuzz test and
 * the end-to-end sample. Deterministic: a seeded PRNG. Not a test file itself.
 */
import { applySets, PRESETS, type BenchConfig } from '../../src/core/bench-config';
import { encodeShareData, encodeShareText, SHARE_VERSION, type SharePins, type ShareSummary } from '../../src/core/share-link';
import { makePins } from '../../src/core/share-summary';
import { mulberry32 } from '../../src/core/prng';

/** The markup a link might carry: none of it may ever run. `window.__pwned` is the sentinel. */
export const MARKUP = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload="window.__pwned=1">',
  "javascript:window.__pwned=1",
  '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  '${window.__pwned=1}',
  '{{constructor.constructor("window.__pwned=1")()}}',
  '<a href="javascript:window.__pwned=1">x</a>',
];

export const CONFIG: BenchConfig = applySets(PRESETS.quick, [
  'embedder.model=lsa-wordpiece-256',
  'llm.model=models/stories260K/stories260K.gguf',
  'llm.variant=F32',
  'corpus.hash=' + 'a'.repeat(64),
]);

export const PINS: SharePins = makePins(CONFIG, { corpusName: 'ragtab docs (demo)', docs: 58, llmSha256: 'b'.repeat(64), deps: { '@wllama/wllama': '3.8.1', '@huggingface/transformers': '4.3.1' } });

const row = (stage: string, phase: 'cold' | 'warm', mean: number, count = 1) => ({
  stage,
  phase,
  unit: 'ms',
  count,
  mean,
  p50: mean,
  p90: count > 1 ? mean * 1.4 : null,
  p99: count > 1 ? mean * 1.8 : null,
  min: mean * 0.8,
  max: mean * 2,
  inWorkerP50: mean * 0.9,
  sd: count > 1 ? mean * 0.1 : null,
});

export const SUMMARY: ShareSummary = {
  source: 'session',
  status: 'complete',
  startedAt: '2026-11-25T10:00:00.000Z',
  stages: [
    row('read+parse', 'cold', 30),
    row('model load', 'cold', 400),
    row('chunk', 'cold', 50),
    row('embed', 'cold', 900),
    row('index build', 'cold', 20),
    row('embed query', 'warm', 3, 40),
    row('search', 'warm', 0.6, 40),
    row('format context', 'warm', 0.1),
    row('build prompt', 'warm', 12),
    row('time to first token', 'warm', 35),
    row('decode', 'warm', 180),
  ],
  throughputs: [
    { name: 'embed: chunks/s', stage: 'embed', phase: 'cold', unit: 'chunks/s', mean: 130, count: 1, sd: null },
    { name: 'decode: tokens/s', stage: 'decode', phase: 'warm', unit: 'tokens/s', mean: 250, count: 5, sd: 10 },
  ],
  quality: { ndcg10: 0.61, recall10: 0.8, recall100: 0.95, mrr10: 0.58, evaluated: 40, voyRecall: null },
  corpus: { name: 'ragtab docs (demo)', hash: 'a'.repeat(64), docs: 58, chunks: 120, tokens: 9000 },
  embedder: { model: 'lsa-wordpiece-256', device: 'wasm', requestedDevice: 'wasm', dtype: 'fp32', threads: 2, batch: 32, dims: 256 },
  llm: { engine: 'wllama', model: 'http://localhost/models/stories260K/stories260K.gguf', modelName: 'stories260K', variant: 'F32', backend: 'wasm', threads: 1, contextSize: 512, engineVersion: '@wllama/wllama 3.8.1' },
  questions: ['what is the capital of france'],
  environment: {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/150.0.0.0',
    platform: 'Linux',
    hardwareConcurrency: 2,
    deviceMemoryGiB: 8,
    crossOriginIsolated: true,
    webgpu: 'google swiftshader',
    app: { version: '0.1.0', commit: 'abc1234' },
    date: '2026-11-25T10:00:00.000Z',
  },
};

export function validPayload(): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ v: SHARE_VERSION, config: CONFIG, pins: PINS, summary: SUMMARY })) as Record<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every [path, value] of a JSON value, depth first. */
function leaves(x: Json, path: Array<string | number> = []): Array<[Array<string | number>, Json]> {
  if (Array.isArray(x)) return x.flatMap((y, i) => leaves(y, [...path, i]));
  if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, y]) => leaves(y, [...path, k]));
  return [[path, x]];
}

function setAt(root: Json, path: Array<string | number>, value: Json): Json {
  if (path.length === 0) return value;
  let node = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  node[path[path.length - 1]!] = value;
  return root;
}

export interface FuzzCase {
  kind: string;
  /** What follows `#share=`. */
  data: string;
  /** For markup cases: the string planted, to check it comes back as text. */
  planted?: string;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `n` hostile or damaged links of every kind, deterministic for a seed. */
export async function fuzzCases(n: number, seed = 7): Promise<FuzzCase[]> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const valid = await encodeShareData(validPayload());
  const { summary: _omit, ...configOnly } = validPayload();
  void _omit;
  const validFull = await encodeShareData(configOnly);
  const out: FuzzCase[] = [];
  const base = validPayload() as Json;
  const allLeaves = leaves(base);
  const strLeaves = allLeaves.filter(([, x]) => typeof x === 'string');
  const numLeaves = allLeaves.filter(([, x]) => typeof x === 'number');
  const kinds: Array<() => Promise<FuzzCase>> = [
    // random bytes, properly encoded as base64url (so they reach the decompressor)
    async () => {
      const len = int(0, 3000);
      const bytes = new Uint8Array(len).map(() => Math.floor(r() * 256));
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      return { kind: 'random-bytes', data: btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') };
    },
    // random text, not base64url at all
    async () => ({ kind: 'random-text', data: Array.from({ length: int(0, 400) }, () => String.fromCharCode(int(1, 0x2fff))).join('') }),
    // truncations of a valid link
    async () => ({ kind: 'truncation', data: valid.slice(0, int(0, valid.length - 1)) }),
    // character mutations of a valid link
    async () => {
      const chars = [...(r() < 0.5 ? valid : validFull)];
      for (let i = int(1, 6); i > 0; i--) chars[int(0, chars.length - 1)] = pick([...B64]);
      return { kind: 'mutation', data: chars.join('') };
    },
    // huge, negative, fractional and non-finite numbers in a numeric field
    async () => {
      const [path] = pick(numLeaves);
      const text = JSON.stringify(setAt(validPayload() as Json, path, 424242)).replace('424242', pick(['1e400', '-1e400', '1e308', '9007199254740993', '-1', '0.5', '1e15', '-0', '2147483648', '100000000000']));
      return { kind: 'huge-number', data: await encodeShareText(text) };
    },
    // script and markup in a string field
    async () => {
      const [path] = pick(strLeaves);
      const planted = pick(MARKUP);
      return { kind: 'markup', data: await encodeShareData(setAt(validPayload() as Json, path, planted)), planted };
    },
    // markup appended to a string field (keeps its shape, e.g. a model id, a URL)
    async () => {
      const [path, old] = pick(strLeaves);
      const planted = `${String(old)}${pick(MARKUP)}`;
      return { kind: 'markup-suffix', data: await encodeShareData(setAt(validPayload() as Json, path, planted)), planted };
    },
    // prototype-pollution keys at the top and deep inside
    async () => {
      const p = validPayload() as Record<string, Json>;
      const where = pick(['top', 'config', 'summary', 'pins', 'stage', 'record']);
      const evil = pick(['__proto__', 'constructor', 'prototype']);
      const inject = (o: string) => o.replace(/^\{/, `{"${evil}":{"polluted":"yes","prototype":{"polluted":"yes"}},`);
      let text = JSON.stringify(p);
      if (where === 'top') text = inject(text);
      else if (where === 'config') text = text.replace('"config":{', `"config":{"${evil}":{"polluted":"yes"},`);
      else if (where === 'summary') text = text.replace('"summary":{', `"summary":{"${evil}":{"polluted":"yes"},`);
      else if (where === 'pins') text = text.replace('"pins":{', `"pins":{"${evil}":{"polluted":"yes"},`);
      else if (where === 'stage') text = text.replace('"stages":[{', `"stages":[{"${evil}":{"polluted":"yes"},`);
      else text = text.replace(/\}$/, `,"record":{"${evil}":{"polluted":"yes"}}}`);
      return { kind: 'proto-keys', data: await encodeShareText(text) };
    },
    // deeply nested JSON
    async () => {
      const depth = pick([50, 1000, 100_000, 400_000]);
      const open = pick(['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      const text = `{"v":1,"config":${open.repeat(depth)}1${close.repeat(depth)}}`;
      return { kind: 'deep-json', data: await encodeShareText(text) };
    },
    // decompression bombs: megabytes of the same byte compress to a few KB
    async () => {
      const mb = pick([2, 4, 16]);
      const filler = pick([' ', '0', 'a']);
      const text = filler === ' ' ? `{"v":1${' '.repeat(mb << 20)}}` : `{"v":1,"config":"${filler.repeat(mb << 20)}"}`;
      return { kind: 'bomb', data: await encodeShareText(text) };
    },
    // versions
    async () => {
      const p = validPayload();
      p['v'] = pick([2, 3, 999, 1e9, -1, 1.5, '1', null, true, [1], { n: 1 }] as Json[]);
      return { kind: 'version', data: await encodeShareData(p) };
    },
    // version 0 links, valid and not
    async () => {
      const params = pick(['model=lsa-wordpiece-256&k=5', 'k=0', 'k=99999999', 'threads=abc', 'model=<script>x</script>', 'dataset=javascript:alert(1)', 'llm=wllama&llmModel=https://evil.example/x.gguf', '', 'chunking=document&index=voy']);
      return { kind: 'v0', data: await encodeShareData(pick([{ v: 0, params }, { v: 0, params, extra: 1 }, { v: 0 }, { v: 0, params: 42 }] as Json[])) };
    },
    // not a payload at all
    async () => ({ kind: 'not-payload', data: await encodeShareText(pick(['null', '[]', '"x"', '42', 'true', '{}', '{"v":1}', '{"v":1,"config":null,"pins":null}', 'not json', '{"v":1,', '\uFEFF{}'])) }),
    // wrong types in random fields
    async () => {
      const [path] = pick(allLeaves);
      return { kind: 'wrong-type', data: await encodeShareData(setAt(validPayload() as Json, path, pick([null, [], {}, true, 'x', -5] as Json[]))) };
    },
    // dangerous URLs where the configuration fetches
    async () => {
      const p = validPayload() as { config: Record<string, Record<string, Json>>; pins: Record<string, Record<string, Json> | null> };
      const url = pick(['javascript:window.__pwned=1', 'data:text/html,<script>1</script>', ' javascript:alert(1)', 'file:///etc/passwd', 'https://evil.example/model.gguf', '//evil.example/x', 'blob:http://x/y']);
      p.config['llm']!['model'] = url;
      p.pins['llm']!['model'] = url;
      return { kind: 'url', data: await encodeShareData(p) };
    },
    // oversized links
    async () => ({ kind: 'too-long', data: 'A'.repeat(pick([65_537, 200_000])) }),
  ];
  for (let i = 0; i < n; i++) out.push(await kinds[i % kinds.length]!());
  return out;
}

/** A small seeded PRNG (mulberry32, src/core/prng.ts). */
export const rng = mulberry32;
