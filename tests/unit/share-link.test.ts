import { describe, expect, it } from 'vitest';
import {
  buildShareLink,
  decodeShareData,
  decodeShareLink,
  encodeShareData,
  encodeShareText,
  jsonDepth,
  LINK_BUDGET,
  MAX_ENCODED_CHARS,
  SHARE_VERSION,
  shareDataFromUrl,
  shareUrl,
  type DecodeResult,
  type SharePayload,
} from '../../src/core/share-link';
import { classifyUrl, fetchTargets, requiresConsent } from '../../src/core/share-config';
import { checkFiles, compareSummaries, makePins, summaryFromRecord, unpinned } from '../../src/core/share-summary';
import { configFromSettings, toSettings } from '../../src/core/settings';
import { settingsFromParams } from '../../src/core/config-url';
import { CONFIG, PINS, SUMMARY, validPayload } from './share-fixtures';
import { runFake } from './bench-fixtures';

function okPayload(r: DecodeResult): SharePayload {
  if (!r.ok) throw new Error(`expected a payload, got ${r.error.name}: ${r.error.message}`);
  return r.payload;
}

function errorOf(r: DecodeResult): { name: string; message: string } {
  if (r.ok) throw new Error('expected an error, got a payload');
  return { name: r.error.name, message: r.error.message };
}

async function withChange(change: (p: Record<string, any>) => void): Promise<DecodeResult> {
  const p = validPayload() as Record<string, any>;
  change(p);
  return decodeShareData(await encodeShareData(p));
}

describe('share link codec', () => {
  it('round-trips a configuration with its summary, deep-frozen, in a couple of KB', async () => {
    const data = await encodeShareData(validPayload());
    expect(data).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(data.length).toBeLessThan(4096);
    const p = okPayload(await decodeShareData(data));
    expect(p).toEqual(validPayload());
    expect(Object.isFrozen(p.config.embedder)).toBe(true);
    expect(Object.isFrozen(p.summary!.stages[0])).toBe(true);
  });

  it('reads the fragment of a URL and writes one', async () => {
    const url = shareUrl('http://localhost:4173/sub/?model=x#old', 'abc');
    expect(url).toBe('http://localhost:4173/sub/?model=x#share=abc');
    expect(shareDataFromUrl(url)).toBe('abc');
    expect(shareDataFromUrl('#share=xyz')).toBe('xyz');
    expect(shareDataFromUrl('http://x/#other=1&share=q')).toBe('q');
    expect(shareDataFromUrl('http://x/?share=q')).toBeNull();
    expect(errorOf(await decodeShareLink('http://x/')).name).toBe('InvalidShareLink');
    const data = await encodeShareData(validPayload());
    expect(okPayload(await decodeShareLink(shareUrl('http://x/', data))).config.name).toBe(CONFIG.name);
  });

  it('keeps the full record in the link when it fits, else the summary only (and says so)', async () => {
    const { records } = await runFake();
    const record = records[0]!;
    const summary = summaryFromRecord(record);
    const parts = { config: record.config, pins: makePins(record.config), summary, record };
    const big = await buildShareLink('http://localhost/', parts, 60_000);
    expect(big.includesRecord).toBe(true);
    const back = okPayload(await decodeShareLink(big.url));
    expect(back.record).toEqual(record);
    expect(back.summary).toEqual(summary);

    const small = await buildShareLink('http://localhost/', parts, Math.min(LINK_BUDGET, big.chars - 1));
    expect(small.includesRecord).toBe(false);
    expect(small.recordOmitted).toBe(true);
    expect(small.chars).toBeLessThanOrEqual(LINK_BUDGET);
    const s = okPayload(await decodeShareLink(small.url));
    expect(s.record).toBeUndefined();
    expect(s.summary!.stages.length).toBeGreaterThan(0);
  });

  it('trims the summary before giving up, and names the error when even the configuration does not fit', async () => {
    const full = await buildShareLink('http://localhost/', { config: CONFIG, pins: PINS, summary: SUMMARY });
    expect(full.summaryTrimmed).toBe(false);
    const built = await buildShareLink('http://localhost/', { config: CONFIG, pins: PINS, summary: SUMMARY }, full.chars - 1);
    expect(built.summaryTrimmed).toBe(true);
    expect(built.payload.summary!.throughputs).toEqual([]);
    await expect(buildShareLink('http://localhost/', { config: CONFIG, pins: PINS }, 100)).rejects.toMatchObject({ name: 'ShareLinkTooLarge' });
  });

  it('opens a version 0 link (the URL parameters) by migrating it', async () => {
    const r = await decodeShareData(await encodeShareData({ v: 0, params: '?model=lsa-wordpiece-256&k=5&llm=wllama&llmModel=models/stories260K/stories260K.gguf&chunking=document' }));
    const p = okPayload(r);
    expect(r.ok && r.migratedFrom).toBe(0);
    expect(p.v).toBe(SHARE_VERSION);
    expect(p.config.k).toBe(5);
    expect(p.config.embedder.model).toBe('lsa-wordpiece-256');
    expect(p.config.embedder.threads).toBe('auto');
    expect(p.config.chunking.mode).toBe('document');
    expect(p.pins.llm).toMatchObject({ engine: 'wllama', model: 'models/stories260K/stories260K.gguf', sha256: null });
    expect(p.summary).toBeUndefined();
    // the migrated settings map back to the same session settings
    const s = toSettings(p.config, 2);
    expect(s.model).toEqual({ id: 'lsa-wordpiece-256', baseUrl: 'models/' });
    expect(s.k).toBe(5);
    // an invalid old link is a named error
    expect(errorOf(await decodeShareData(await encodeShareData({ v: 0, params: 'k=0' }))).message).toMatch(/version 0.*k param/);
  });

  it('opens a link made before the index kinds (no kinds in its configuration) with their defaults, and one that chooses them', async () => {
    const old = validPayload();
    delete (old['config'] as Record<string, unknown>)['kinds'];
    const p = okPayload(await decodeShareData(await encodeShareData(old)));
    expect(p.config.kinds.compare).toEqual([]);
    expect(p.config.kinds.hnsw.ef).toBe(64);
    const chosen = validPayload();
    (chosen['config'] as Record<string, unknown>)['index'] = 'hnsw';
    ((chosen['config'] as Record<string, Record<string, unknown>>)['kinds'] as Record<string, unknown>)['compare'] = ['exact', 'bm25', 'int8'];
    const q = okPayload(await decodeShareData(await encodeShareData(chosen)));
    expect(q.config.index).toBe('hnsw');
    expect(q.config.kinds.compare).toEqual(['exact', 'bm25', 'int8']);
  });

  it('refuses links from a newer version with a message', async () => {
    for (const v of [SHARE_VERSION + 1, 17]) {
      const e = errorOf(await withChange((p) => (p['v'] = v)));
      expect(e.name).toBe('UnsupportedShareVersion');
      expect(e.message).toMatch(new RegExp(`version ${v}.*newer ragtab`));
    }
    expect(errorOf(await withChange((p) => (p['v'] = '1'))).name).toBe('InvalidShareLink');
    expect(errorOf(await withChange((p) => (p['v'] = 1.5))).name).toBe('InvalidShareLink');
  });
});

describe('hostile links', () => {
  it('stops a decompression bomb at the cap, quickly', async () => {
    const data = await encodeShareText(`{"v":1,"config":"${'a'.repeat(32 << 20)}"}`);
    expect(data.length).toBeLessThan(MAX_ENCODED_CHARS);
    const t = performance.now();
    const e = errorOf(await decodeShareData(data));
    expect(e.name).toBe('ShareLinkTooLarge');
    expect(e.message).toMatch(/decompression was stopped/);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it('refuses an over-long link before decoding it', async () => {
    expect(errorOf(await decodeShareData('A'.repeat(MAX_ENCODED_CHARS + 1))).name).toBe('ShareLinkTooLarge');
  });

  it('refuses deep nesting, damaged data and non-JSON with named errors', async () => {
    expect(jsonDepth('{"a":"[[[[[[","b":[[1]]}')).toBe(3);
    expect(errorOf(await decodeShareData(await encodeShareText(`{"v":1,"config":${'['.repeat(200_000)}${']'.repeat(200_000)}}`))).message).toMatch(/nested/);
    expect(errorOf(await decodeShareData('!!!')).name).toBe('InvalidShareLink');
    expect(errorOf(await decodeShareData('')).name).toBe('InvalidShareLink');
    const data = await encodeShareData(validPayload());
    expect(errorOf(await decodeShareData(data.slice(0, data.length >> 1))).name).toBe('InvalidShareLink');
    expect(errorOf(await decodeShareData(await encodeShareText('not json'))).message).toMatch(/not JSON/);
  });

  it('drops prototype keys: Object.prototype stays clean and the payload has none', async () => {
    const text = JSON.stringify(validPayload()).replace('{', '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},');
    const r = await decodeShareData(await encodeShareText(text));
    const p = okPayload(r);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(p, '__proto__')).toBe(false);
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
    const nested = JSON.stringify(validPayload()).replace('"embedder":{', '"embedder":{"__proto__":{"polluted":"yes"},');
    okPayload(await decodeShareData(await encodeShareText(nested)));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('enforces the numeric bounds of the configuration and the summary', async () => {
    const cases: Array<[string, (p: Record<string, any>) => void, RegExp]> = [
      ['k', (p) => (p['config'].k = 1001), /k: expected an integer from 1 to 1000/],
      ['iterations', (p) => (p['config'].iterations = 1e6), /iterations/],
      ['tokens', (p) => (p['config'].llm.maxNewTokens = 1e5), /llm.maxNewTokens/],
      ['corpus size', (p) => ((p['config'].corpus = { source: 'hub', url: null, name: 'scifact', maxDocs: 1e8, hash: null }), (p['pins'].corpus.kind = 'hub'), (p['pins'].corpus.hash = null)), /corpus.maxDocs/],
      ['fraction', (p) => (p['config'].k = 2.5), /k:/],
      ['negative count', (p) => (p['summary'].stages[0].count = -1), /summary.stages\[0\].count/],
      ['huge mean', (p) => (p['summary'].stages[0].mean = 1e12), /summary.stages\[0\].mean/],
      ['quality above 1', (p) => (p['summary'].quality.ndcg10 = 1.5), /ndcg10/],
      ['hnsw ef', (p) => (p['config'].kinds.hnsw.ef = 1e6), /kinds.hnsw.ef: expected an integer from 1 to 4096/],
      ['bm25 b', (p) => (p['config'].kinds.bm25.b = -1), /kinds.bm25.b: expected a number from 0 to 1/],
      ['a kind twice', (p) => (p['config'].kinds.compare = ['int8', 'int8']), /kinds.compare: expected each kind once/],
      ['an unknown kind', (p) => (p['config'].index = 'faiss'), /index: expected one of/],
    ];
    for (const [what, change, message] of cases) {
      const e = errorOf(await withChange(change));
      expect(e.name, what).toBe('InvalidShareLink');
      expect(e.message, what).toMatch(message);
    }
    const inf = JSON.stringify(validPayload()).replace('"k":10', '"k":1e400');
    expect(errorOf(await decodeShareData(await encodeShareText(inf))).message).toMatch(/config.k: a number that is not finite/);
  });

  it('refuses URLs that are not http(s) where the configuration fetches', async () => {
    for (const url of ['javascript:alert(1)', ' javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd']) {
      const e = errorOf(await withChange((p) => ((p['config'].llm.model = url), (p['pins'].llm.model = url))));
      expect(e.message, url).toMatch(/llm.model: only http\(s\) or relative URLs/);
    }
    const e = errorOf(await withChange((p) => (p['config'].embedder.baseUrl = 'javascript:alert(1)//')));
    expect(e.message).toMatch(/embedder.baseUrl/);
  });

  it('checks that the pins describe the configuration', async () => {
    expect(errorOf(await withChange((p) => (p['pins'].embedder.model = 'other'))).message).toMatch(/pins.embedder.model/);
    expect(errorOf(await withChange((p) => (p['pins'].llm = null))).message).toMatch(/pins.llm/);
    expect(errorOf(await withChange((p) => (p['pins'].corpus.kind = 'beir'))).message).toMatch(/pins.corpus.kind/);
    expect(errorOf(await withChange((p) => ((p['pins'].corpus.kind = 'files'), (p['pins'].corpus.files = [])))).message).toMatch(/pins.corpus.files/);
    expect(errorOf(await withChange((p) => (p['pins'].corpus.hash = 'c'.repeat(64)))).message).toMatch(/pins.corpus.hash/);
  });

  it("refuses a record whose configuration is not the link's", async () => {
    const { records } = await runFake();
    const record = records[0]!;
    const payload = { v: 1, config: CONFIG, pins: PINS, record };
    expect(errorOf(await decodeShareData(await encodeShareData(payload))).message).toMatch(/record's configuration differs/);
  });
});

describe('consent and pins', () => {
  const page = 'http://localhost:4173/ragtab/';
  it('needs consent outside the page origin and the well-known hosts', () => {
    expect(classifyUrl('models/x.gguf', page)).toEqual({ verdict: 'same-origin', href: 'http://localhost:4173/ragtab/models/x.gguf' });
    expect(requiresConsent('https://huggingface.co/x/resolve/main/y.gguf', page)).toBe(false);
    expect(requiresConsent('https://cdn-lfs-us-1.hf.co/repos/x', page)).toBe(false);
    expect(requiresConsent('https://raw.githubusercontent.com/mlc-ai/x', page)).toBe(false);
    expect(requiresConsent('http://huggingface.co/x', page)).toBe(true);
    expect(requiresConsent('https://huggingface.co.evil.example/x', page)).toBe(true);
    expect(requiresConsent('https://user:pw@huggingface.co/x', page)).toBe(true);
    expect(requiresConsent('https://evil.example/x.gguf', page)).toBe(true);
    expect(requiresConsent('//evil.example/x', page)).toBe(true);
    expect(classifyUrl('javascript:alert(1)', page).verdict).toBe('refused');
  });

  it('lists what a configuration fetches', () => {
    const config = configFromSettings(settingsFromParams(new URLSearchParams('dataset=https://evil.example/beir/&model=lsa-wordpiece-256&modelBase=https://huggingface.co/x/&llm=wllama&llmModel=https://evil.example/m.gguf')));
    const t = fetchTargets(config, { corpus: { kind: 'beir' } }, page);
    // huggingface.co/x/: a well-known host, but no repository of the catalogue's owners: consent
    expect(t.map((x) => [x.field, x.verdict, x.owner])).toEqual([
      ['corpus.url', 'consent', null],
      ['embedder.baseUrl', 'consent', null],
      ['llm.model', 'consent', null],
    ]);
  });

  it("a hub model by id is listed with its hub address, owner and repository; the catalogue's owners need no consent", () => {
    const of = (qs: string) => fetchTargets(configFromSettings(settingsFromParams(new URLSearchParams(qs))), { corpus: { kind: 'demo' } }, page);
    expect(of('model=Xenova/all-MiniLM-L6-v2&llm=none')).toEqual([
      { field: 'embedder.model', what: 'embedding model Xenova/all-MiniLM-L6-v2', raw: 'https://huggingface.co/Xenova/all-MiniLM-L6-v2', href: 'https://huggingface.co/Xenova/all-MiniLM-L6-v2', verdict: 'well-known', owner: 'Xenova', repo: 'all-MiniLM-L6-v2' },
    ]);
    expect(of('model=someone/model-x&llm=none')[0]).toMatchObject({ verdict: 'consent', owner: 'someone', repo: 'model-x' });
    expect(of('model=lsa-wordpiece-256&llm=none')[0]).toMatchObject({ field: 'embedder.baseUrl', verdict: 'same-origin', href: 'http://localhost:4173/ragtab/models/' });
    expect(of('model=lsa-wordpiece-256&llm=wllama&llmModel=https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct-GGUF/resolve/main/x.gguf')[1]).toMatchObject({ verdict: 'well-known', owner: 'HuggingFaceTB' });
    expect(of('model=lsa-wordpiece-256&llm=wllama&llmModel=https://huggingface.co/evil/SmolLM2/resolve/main/x.gguf')[1]).toMatchObject({ verdict: 'consent', owner: 'evil', repo: 'SmolLM2' });
    expect(of('model=lsa-wordpiece-256&llm=wllama&llmModel=https://cdn-lfs.hf.co/repos/ab/cd/x.gguf')[1]).toMatchObject({ verdict: 'consent', owner: null });
  });

  it('says what is not pinned', () => {
    expect(unpinned(PINS)).toEqual(["the embedding model's revision (lsa-wordpiece-256 as it is now)"]);
    const loose = makePins(configFromSettings(settingsFromParams(new URLSearchParams('llm=webllm&llmModel=Llama-3.2-1B-Instruct-q4f32_1-MLC'))));
    expect(loose.llm).toMatchObject({ engine: 'webllm', sha256: null, library: null });
    expect(unpinned(loose)).toContain("web-llm's library version");
    expect(unpinned(loose)).toContain('the corpus content (no hash: it may have changed since)');
  });

  it('checks picked files against the shared hashes, by content, in the shared order', () => {
    const a = { name: 'a.txt', bytes: 3, sha256: '1'.repeat(64) };
    const b = { name: 'b.md', bytes: 5, sha256: '2'.repeat(64) };
    expect(checkFiles([a, b], [b, a])).toMatchObject({ ok: true, order: [1, 0], message: null });
    expect(checkFiles([a], [{ ...a, name: 'renamed.txt' }]).ok).toBe(true);
    const wrong = checkFiles([a, b], [a, { ...b, sha256: '3'.repeat(64), bytes: 6 }]);
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/b\.md is not the shared file: SHA-256 333333333333… \(6 bytes\), expected 222222222222…/);
    expect(checkFiles([a, b], [a]).message).toMatch(/b\.md \(5 bytes.*was not picked/);
    expect(checkFiles([a], [a, b]).message).toMatch(/b\.md is not part of the shared corpus/);
  });
});

describe('summaries and comparison', () => {
  it('summarises a benchmark record in a form the decoder accepts', async () => {
    const { records } = await runFake();
    const s = summaryFromRecord(records[0]!);
    expect(s.source).toBe('record');
    expect(s.stages.some((r) => r.stage === 'search' && r.phase === 'warm' && r.count > 1)).toBe(true);
    const data = await encodeShareData({ v: 1, config: records[0]!.config, pins: makePins(records[0]!.config), summary: s });
    expect(okPayload(await decodeShareData(data)).summary).toEqual(s);
  });

  it('compares stage by stage: a verdict only beyond both runs\' noise, "within noise" otherwise', () => {
    const ours = structuredClone(SUMMARY) as typeof SUMMARY & { stages: Array<{ mean: number; sd?: number | null }> };
    ours.stages[3]!.mean = 450; // embed (cold, one sample): 900 → 450
    ours.stages[5]!.mean = 1.5; // embed query (warm, 40 samples, sd 10%): 3 → 1.5
    ours.stages[5]!.sd = 0.15;
    ours.stages[6]!.sd = 1.2; // search: same mean, much noisier
    ours.stages[6]!.mean = 0.9; // 0.6 → 0.9 (+50%), but its noise is larger than that
    ours.stages[10]!.mean = 190; // decode: about the same
    ours.embedder = { ...ours.embedder!, threads: 4 };
    ours.throughputs = [{ ...ours.throughputs[0]!, mean: 260 }];
    const c = compareSummaries(SUMMARY, ours);
    const row = (label: string) => c.stages.find((r) => r.label === label)!;
    // a single sample on each side: no colour, whatever the ratio
    expect(row('embed')).toMatchObject({ theirs: 900, ours: 450, ratio: 0.5, verdict: 'within-noise', n: { theirs: 1, ours: 1 } });
    expect(row('embed').reason).toBe('within noise (n 1 vs 1; a single sample)');
    expect(row('embed query')).toMatchObject({ ratio: 0.5, verdict: 'faster' });
    expect(row('embed query').reason).toMatch(/^beyond noise \(n 40 vs 40; Welch t = /);
    expect(row('search')).toMatchObject({ verdict: 'within-noise' });
    expect(row('search').reason).toMatch(/^within noise \(n 40 vs 40; Welch t = /);
    expect(row('decode').verdict).toBe('same');
    expect(c.throughputs[0]).toMatchObject({ ratio: 2, verdict: 'within-noise' });
    expect(c.throughputs[1]).toMatchObject({ ours: null, ratio: null, verdict: null });
    expect(c.quality[0]).toMatchObject({ metric: 'nDCG@10', diff: 0 });
    expect(c.differences).toEqual(['embedding threads: theirs 2, here 4']);
    expect(c.notComparable).toEqual([]);
    expect(compareSummaries(null, ours).stages.every((r) => r.theirs === null)).toBe(true);
  });

  it('a summary without spread (a version 1 link) is never given a colour; another model is not comparable', () => {
    const old = structuredClone(SUMMARY) as typeof SUMMARY & { stages: Array<{ sd?: number | null }> };
    for (const r of old.stages) delete r.sd;
    const ours = structuredClone(SUMMARY) as typeof SUMMARY & { stages: Array<{ mean: number }> };
    ours.stages[5]!.mean = 1.5;
    expect(compareSummaries(old, ours).stages.find((r) => r.label === 'embed query')).toMatchObject({ verdict: 'within-noise', reason: 'within noise (n 40 vs 40; no spread recorded: an older link)' });
    const other = structuredClone(ours);
    other.embedder = { ...other.embedder!, model: 'minilm-shape-random' };
    const c = compareSummaries(SUMMARY, other);
    expect(c.notComparable).toEqual(['embedding model: theirs lsa-wordpiece-256, here minilm-shape-random']);
    expect(c.stages.every((r) => r.ratio === null && r.verdict === null)).toBe(true);
  });
});

describe('share link versions', () => {
  it('reads a version 1 link as version 2: its rows have no spread', async () => {
    const v1 = structuredClone(validPayload()) as { v: number; summary: { stages: Array<Record<string, unknown>>; throughputs: Array<Record<string, unknown>> } };
    v1.v = 1;
    for (const r of v1.summary.stages) delete r['sd'];
    for (const r of v1.summary.throughputs) {
      delete r['sd'];
      delete r['count'];
    }
    const r = await decodeShareData(await encodeShareData(v1));
    expect(r.ok && r.migratedFrom).toBe(1);
    const p = okPayload(r);
    expect(p.v).toBe(SHARE_VERSION);
    expect(p.summary!.stages[0]!.sd).toBeUndefined();
  });
});
