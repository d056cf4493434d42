import { describe, expect, it } from 'vitest';
import {
  PRESETS,
  PRESET_NAMES,
  applySet,
  applySets,
  parseBenchConfig,
  parseSetValue,
  preset,
  queryKinds,
  sweepCells,
  wantsGeneration,
  type BenchConfig,
} from '../../src/core/bench-config';
import { RagtabError } from '../../src/core/errors';
import { toSettings } from '../../src/core/settings';

const quick = PRESETS.quick;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const clone = (): Record<string, any> => structuredClone(quick) as Record<string, any>;

function rejection(input: unknown): string {
  try {
    parseBenchConfig(input);
  } catch (e) {
    expect(e).toBeInstanceOf(RagtabError);
    expect((e as RagtabError).code).toBe('InvalidConfig');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('parseBenchConfig', () => {
  it('accepts every preset and freezes it deeply', () => {
    for (const name of PRESET_NAMES) {
      const c = preset(name);
      expect(parseBenchConfig(structuredClone(c))).toEqual(c);
      expect(Object.isFrozen(c)).toBe(true);
      expect(Object.isFrozen(c.embedder)).toBe(true);
      expect(Object.isFrozen(c.queries.list)).toBe(true);
    }
    expect(quick.corpus.source).toBe('demo');
    expect(quick.warmups).toBe(1);
    expect(quick.iterations).toBe(5);
    expect(quick.version).toBe(1);
  });

  it('names the field and the bounds of a bad number', () => {
    const c = clone();
    c['embedder'].threads = 0;
    expect(rejection(c)).toBe('embedder.threads: expected an integer from 1 to 64, got 0');
  });

  it.each([
    [(c: any) => (c.k = 1001), 'k: expected an integer from 1 to 1000, got 1001'],
    [(c: any) => (c.k = 2.5), 'k: expected an integer from 1 to 1000, got 2.5'],
    [(c: any) => (c.k = '10'), 'k: expected an integer from 1 to 1000, got "10"'],
    [(c: any) => (c.iterations = 0), 'iterations: expected an integer from 1 to 10000, got 0'],
    [(c: any) => (c.warmups = -1), 'warmups: expected an integer from 0 to 100, got -1'],
    [(c: any) => (c.embedder.batch = 4096), 'embedder.batch: expected an integer from 1 to 1024, got 4096'],
    [(c: any) => (c.embedder.device = 'cuda'), 'embedder.device: expected one of wasm, webgpu, got "cuda"'],
    [(c: any) => (c.embedder.model = 'bad model!'), 'embedder.model: expected a model id'],
    [(c: any) => (c.embedder.threads = 'x'), 'embedder.threads: expected an integer from 1 to 64 or "auto", got "x"'],
    [(c: any) => (c.chunking.overlap = 128), 'chunking.overlap: must be smaller than chunking.size (128), got 128'],
    [(c: any) => (c.corpus.source = 'beir'), 'corpus.url: a BEIR corpus needs a url'],
    [(c: any) => (c.corpus.maxDocs = 10), 'corpus.maxDocs: must be null for the demo corpus'],
    [(c: any) => (c.corpus.hash = 'abc'), 'corpus.hash: expected a SHA-256 hex string'],
    [(c: any) => (c.llm.model = null), 'llm.model: an LLM engine needs a model'],
    [(c: any) => (c.llm.engine = 'openai'), 'llm.engine: expected one of none, wllama, webllm, got "openai"'],
    [(c: any) => (c.queries.from = 'list'), 'queries.list: a list query set needs at least one question'],
    [(c: any) => (c.concurrency = 1000), 'concurrency: expected an integer from 1 to 256, got 1000'],
    [(c: any) => (c.memory.intervalMs = 1), 'memory.intervalMs: expected an integer from 10 to 60000, got 1'],
    [(c: any) => (c.version = 2), 'version: expected 1, got 2'],
    [(c: any) => (c.embedder.thread = 2), 'embedder.thread: unknown field'],
    [(c: any) => delete c.corpus, 'corpus: expected an object, got nothing (the field is missing)'],
    [(c: any) => (c.sweep = [{ path: 'k', values: [1, 0] }]), 'sweep[0].values[1]: k: expected an integer from 1 to 1000, got 0'],
    [(c: any) => (c.sweep = [{ path: 'embedder.revision', values: ['a'] }]), 'sweep[0].path: expected one of'],
    [(c: any) => (c.sweep = [{ path: 'k', values: [] }]), 'sweep[0].values: expected at least one value'],
  ])('rejects %#: %s', (mutate, message) => {
    const c = clone();
    mutate(c);
    expect(rejection(c)).toContain(message);
  });

  it('rejects what is not an object', () => {
    expect(rejection(42)).toBe('config: expected an object, got 42');
    expect(rejection(null)).toBe('config: expected an object, got null');
  });

  it('names several faults at once', () => {
    const c = clone();
    c['k'] = 0;
    c['iterations'] = 0;
    const m = rejection(c);
    expect(m).toContain('k: expected');
    expect(m).toContain('iterations: expected');
  });

  it('limits the sweep matrix', () => {
    const c = clone();
    c['sweep'] = [
      { path: 'k', values: Array.from({ length: 20 }, (_, i) => i + 1) },
      { path: 'embedder.batch', values: Array.from({ length: 20 }, (_, i) => i + 1) },
    ];
    expect(rejection(c)).toBe('sweep: 400 cells, expected at most 256');
    c['sweep'] = [{ path: 'k', values: [1] }, { path: 'k', values: [2] }];
    expect(rejection(c)).toBe('sweep[1].path: k is swept twice');
  });
});

describe('applySet', () => {
  it('sets a field by its path, with the type the field holds', () => {
    let c: BenchConfig = applySet(quick, 'embedder.threads=2');
    expect(c.embedder.threads).toBe(2);
    expect(Object.isFrozen(c)).toBe(true);
    expect(quick.embedder.threads).toBe('auto');
    c = applySets(quick, ['chunking.mode=document', 'embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'llm.engine=none', 'k=5', 'reload=false']);
    expect(c.chunking.mode).toBe('document');
    expect(c.embedder.model).toBe('lsa-wordpiece-256');
    expect(c.embedder.baseUrl).toBe('models/');
    expect(c.llm.engine).toBe('none');
    expect(c.k).toBe(5);
    expect(c.reload).toBe(false);
    c = applySet(quick, 'sweep=[{"path":"k","values":[1,10]}]');
    expect(c.sweep).toEqual([{ path: 'k', values: [1, 10] }]);
    c = applySet(quick, 'queries.list=["a","b"]');
    expect(c.queries.list).toEqual(['a', 'b']);
  });

  it('names what is wrong', () => {
    expect(() => applySet(quick, 'embedder.threads=0')).toThrow('embedder.threads: expected an integer from 1 to 64');
    expect(() => applySet(quick, 'embedder.nope=1')).toThrow('embedder.nope: unknown field');
    expect(() => applySet(quick, 'nope.x=1')).toThrow('nope: no such group of fields');
    expect(() => applySet(quick, 'k')).toThrow('--set: expected field=value, got "k"');
    expect(() => applySet(quick, '__proto__.x=1')).toThrow('not a field path');
    expect(() => applySet(quick, 'sweep=[oops')).toThrow('not valid JSON');
  });

  it('parses values by what the field holds', () => {
    expect(parseSetValue('123', 'a string')).toBe('123');
    expect(parseSetValue('4', 'auto')).toBe(4);
    expect(parseSetValue('auto', 4)).toBe('auto');
    expect(parseSetValue('null', 4)).toBe(null);
    expect(parseSetValue('null', 'models/')).toBe(null);
    expect(parseSetValue('1e3', 4)).toBe(1000);
    expect(parseSetValue('x', null)).toBe('x');
  });
});

describe('mappings', () => {
  it('maps to the session settings', () => {
    const s = toSettings(quick, 8);
    expect(s.corpus).toEqual({ kind: 'demo' });
    expect(s.model).toEqual({ id: 'Xenova/all-MiniLM-L6-v2' });
    expect(s.threads).toBe(4);
    expect(s.indexKinds).toEqual(['exact']);
    expect(s.chunking).toEqual({ mode: 'tokens', size: 128, overlap: 16 });
    expect(s.llm.engine).toBe('wllama');
    const local = applySets(quick, ['embedder.model=lsa-wordpiece-256', 'embedder.threads=1', 'index=voy', 'chunking.mode=document', 'llm.engine=none']);
    const l = toSettings(local, 2);
    expect(l.model).toEqual({ id: 'lsa-wordpiece-256', baseUrl: 'models/' });
    expect(l.threads).toBe(1);
    // voy answers; the exact scan is built beside it anyway (every recall's ground truth: builtKinds)
    expect(l.indexKinds).toEqual(['voy']);
    expect(l.chunking).toEqual({ mode: 'document' });
    expect(wantsGeneration(local)).toBe(false);
    expect(queryKinds(applySet(quick, 'index=both'))).toEqual(['exact', 'voy']);
    expect(queryKinds(applySets(quick, ['index=int8', 'kinds.compare=["exact","bm25","int8"]']))).toEqual(['int8', 'exact', 'bm25']);
    const beir = toSettings(applySets(quick, ['corpus.source=beir', 'corpus.url=datasets/msmarco-5k/', 'corpus.maxDocs=100']), 2);
    expect(beir.corpus).toEqual({ kind: 'beir-url', url: 'datasets/msmarco-5k/', maxDocs: 100 });
    expect(toSettings(PRESETS.full, 2).corpus).toEqual({ kind: 'beir-catalog', name: 'scifact', maxDocs: null });
  });

  it('expands sweep cells, first axis slowest', () => {
    const c = applySet(quick, 'sweep=[{"path":"k","values":[1,10]},{"path":"embedder.batch","values":[8,16,32]}]');
    const cells = sweepCells(c);
    expect(cells).toHaveLength(6);
    expect(cells.map((x) => [x.config.k, x.config.embedder.batch])).toEqual([[1, 8], [1, 16], [1, 32], [10, 8], [10, 16], [10, 32]]);
    expect(cells[4]!.values).toEqual({ k: 10, 'embedder.batch': 16 });
    expect(cells.every((x) => x.config.sweep.length === 0)).toBe(true);
    expect(sweepCells(quick)).toHaveLength(1);
  });
});

describe('configFromParams', () => {
  it('a preset and assignments from the URL', async () => {
    const { configFromParams } = await import('../../src/core/config-url');
    expect(configFromParams(new URLSearchParams(''))).toBeNull();
    const c = configFromParams(new URLSearchParams('bench=standard&benchSet=k%3D5&benchSet=llm.engine%3Dnone'))!;
    expect([c.name, c.k, c.llm.engine]).toEqual(['standard', 5, 'none']);
    expect(configFromParams(new URLSearchParams('benchSet=k%3D3'))!.name).toBe('quick');
    expect(() => configFromParams(new URLSearchParams('bench=huge'))).toThrow('preset: expected one of quick, standard, full, kinds, got "huge"');
  });
});

describe('index kinds (issue 14)', () => {
  it('reads a configuration without kinds (written before them) as the defaults', () => {
    const old = structuredClone(quick) as unknown as Record<string, unknown>;
    delete old['kinds'];
    const c = parseBenchConfig(old);
    expect(c.kinds.compare).toEqual([]);
    expect(c.kinds.hnsw).toEqual({ m: 16, efConstruction: 100, ef: 64 });
    expect(c.kinds.bm25).toEqual({ k1: 0.9, b: 0.4, stem: 'none', stopWords: [] });
    expect(Object.isFrozen(c.kinds.hnsw)).toBe(true);
  });

  it('sweeps the kind and HNSW ef, each cell validated', () => {
    const c = applySets(quick, ['sweep=[{"path":"index","values":["exact","int8","bm25"]},{"path":"kinds.hnsw.ef","values":[16,64]}]']);
    const cells = sweepCells(c);
    expect(cells).toHaveLength(6);
    expect(cells.map((x) => `${x.config.index}/${x.config.kinds.hnsw.ef}`)).toEqual(['exact/16', 'exact/64', 'int8/16', 'int8/64', 'bm25/16', 'bm25/64']);
    expect(() => applySets(quick, ['sweep=[{"path":"kinds.hnsw.ef","values":[64,0]}]'])).toThrow(/sweep\[0\]\.values\[1\]: kinds\.hnsw\.ef: expected an integer from 1 to 4096, got 0/);
  });

  it('bounds every option', () => {
    for (const [set, msg] of [
      ['kinds.hnsw.m=1', 'kinds.hnsw.m: expected an integer from 2 to 64, got 1'],
      ['kinds.hnsw.efConstruction=5000', 'kinds.hnsw.efConstruction: expected an integer from 8 to 1000, got 5000'],
      ['kinds.int8.rescore=0', 'kinds.int8.rescore: expected an integer from 1 to 100000 or null, got 0'],
      ['kinds.hybrid.dense=bm25', 'kinds.hybrid.dense: expected one of exact, voy, int8, binary, hnsw, got "bm25"'],
      ['kinds.bm25.b=1.5', 'kinds.bm25.b: expected a number from 0 to 1, got 1.5'],
      ['kinds.bm25.stem=snowball', 'kinds.bm25.stem: expected one of none, porter2, got "snowball"'],
    ] as const) {
      expect(() => applySet(quick, set), set).toThrow(msg);
    }
  });
});
