import { describe, expect, it } from 'vitest';
import { appConfigFromParams, configFromParams, PARAM_ALIASES, settingsFromParams } from '../../src/core/config-url';
import { APP_CONFIG, configFromSettings, defaultSettings, toSettings } from '../../src/core/settings';
import { PRESETS } from '../../src/core/bench-config';
import { DEFAULT_WLLAMA_MODEL } from '../../src/core/capabilities';
import { defaultKindOptions } from '../../src/core/index-kinds';

const app = (qs: string) => appConfigFromParams(new URLSearchParams(qs));
const settings = (qs: string) => toSettings(app(qs).config, 2);

describe('the app URL (short names)', () => {
  it('without parameters gives the app defaults, and says nothing was given', () => {
    const r = app('');
    expect(r.errors).toEqual([]);
    expect(r.given).toBe(false);
    expect(toSettings(r.config, 2)).toEqual(defaultSettings(2));
    expect(defaultSettings(8)).toMatchObject({ threads: 4, indexKinds: ['exact', 'voy'], chunking: { mode: 'tokens', size: 128, overlap: 16 }, llm: { engine: 'wllama', model: DEFAULT_WLLAMA_MODEL, maxNewTokens: 128, threads: 4 } });
  });

  it('maps every short name onto its configuration field', () => {
    const s = settings(
      'dataset=datasets/msmarco-5k/&maxDocs=300&model=lsa-wordpiece-256&modelBase=models/&revision=r1&device=webgpu&dtype=q8&threads=3&batch=8&chunking=tokens&chunkSize=64&chunkOverlap=8&index=voy&k=7&llm=wllama&llmModel=models/stories260K/stories260K.gguf&llmThreads=2&maxTokens=32&llmContext=256&seed=7',
    );
    expect(s).toEqual({
      corpus: { kind: 'beir-url', url: 'datasets/msmarco-5k/', maxDocs: 300 },
      model: { id: 'lsa-wordpiece-256', baseUrl: 'models/', revision: 'r1' },
      device: 'webgpu',
      dtype: 'q8',
      threads: 3,
      batchSize: 8,
      embedOrder: 'length',
      chunking: { mode: 'tokens', size: 64, overlap: 8 },
      indexKinds: ['voy'],
      kindOptions: defaultKindOptions(),
      k: 7,
      contextChars: 4000,
      llm: { engine: 'wllama', model: 'models/stories260K/stories260K.gguf', threads: 2, maxNewTokens: 32, contextSize: 256, seed: 7 },
    });
    expect(Object.keys(PARAM_ALIASES)).toHaveLength(34);
    // a field without a short name is set by its path
    expect(settings('benchSet=embedder.order=given').embedOrder).toBe('given');
    expect(app('benchSet=embedder.order=random').errors[0]?.message).toMatch(/^embedder\.order: /);
  });

  it('keeps the old meanings: a local model reads from models/, a hub name, whole documents, web-llm without a model', () => {
    expect(settings('model=lsa-wordpiece-256').model).toEqual({ id: 'lsa-wordpiece-256', baseUrl: 'models/' });
    expect(settings('model=Xenova/gte-small').model).toEqual({ id: 'Xenova/gte-small' });
    expect(settings('beir=scifact&maxDocs=10').corpus).toEqual({ kind: 'beir-catalog', name: 'scifact', maxDocs: 10 });
    expect(settings('dataset=https://x/beir/&beir=scifact').corpus).toEqual({ kind: 'beir-url', url: 'https://x/beir/', maxDocs: null });
    expect(settings('chunking=document&chunkSize=64').chunking).toEqual({ mode: 'document' });
    expect(settings('index=both').indexKinds).toEqual(['exact', 'voy']);
    expect(settings('index=exact').indexKinds).toEqual(['exact']);
    const webllm = settings('llm=webllm');
    expect(webllm.llm).toMatchObject({ engine: 'webllm', model: '' });
    // shared, an LLM still to be chosen is no LLM
    expect(configFromSettings(webllm).llm).toMatchObject({ engine: 'none', model: null });
    expect(settings('llm=webllm&llmModel=Llama-3.2-1B-Instruct-q4f32_1-MLC').llm.model).toBe('Llama-3.2-1B-Instruct-q4f32_1-MLC');
    expect(settings('llm=none').llm.engine).toBe('none');
  });

  it('reports each bad parameter by name and keeps the others', () => {
    const r = app('k=x&chunkSize=64&device=cuda&model=lsa-wordpiece-256&threads=0&seed=-1');
    expect(r.errors.map((e) => e.param).sort()).toEqual(['device', 'k', 'seed', 'threads']);
    expect(r.errors.find((e) => e.param === 'k')?.message).toBe("Invalid k param: 'x', expected an integer from 1 to 1000.");
    expect(r.errors.find((e) => e.param === 'device')?.message).toBe("Invalid device param: 'cuda', expected one of wasm, webgpu.");
    const s = toSettings(r.config, 2);
    expect(s.chunking).toEqual({ mode: 'tokens', size: 64, overlap: 16 });
    expect(s.model.id).toBe('lsa-wordpiece-256');
    expect([s.k, s.device, s.threads, s.llm.seed]).toEqual([10, 'wasm', 2, 42]);
  });

  it('blames the parameter that breaks a rule between fields, and keeps the rest of the group', () => {
    const both = app('chunkSize=32&chunkOverlap=40');
    expect(both.errors).toEqual([{ param: 'chunkOverlap', value: '40', message: "Invalid chunkOverlap param: '40', must be smaller than chunking.size (32)." }]);
    expect(toSettings(both.config, 2).chunking).toEqual({ mode: 'tokens', size: 32, overlap: 16 });
    const alone = app('chunkSize=8');
    expect(alone.errors.map((e) => e.param)).toEqual(['chunkSize']);
    expect(alone.errors[0]!.message).toContain('chunking.overlap');
    expect(toSettings(alone.config, 2).chunking).toEqual(defaultSettings(2).chunking);
    const demo = app('maxDocs=5&k=3');
    expect(demo.errors.map((e) => e.param)).toEqual(['maxDocs']);
    expect(demo.errors[0]!.message).toMatch(/maxDocs.*demo corpus/);
    expect(demo.config.k).toBe(3);
  });

  it('reads benchSet assignments too (one syntax), after the short names', () => {
    const r = app('k=3&benchSet=k%3D9&benchSet=chunking.mode%3Ddocument&benchSet=nope.x%3D1&benchSet=junk');
    expect(r.config.k).toBe(9);
    expect(r.config.chunking.mode).toBe('document');
    expect(r.errors.map((e) => e.message)).toEqual(['nope: no such group of fields', '--set: expected field=value, got "junk"']);
  });

  it('throws at the first bad parameter where a whole link must be valid (version 0 share links)', () => {
    expect(() => settingsFromParams(new URLSearchParams('k=0'))).toThrow("Invalid k param: '0', expected an integer from 1 to 1000.");
    expect(settingsFromParams(new URLSearchParams('k=5'), 2).k).toBe(5);
  });
});

describe('the benchmark panel URL', () => {
  it('starts from the named preset and applies short names and benchSet alike', () => {
    expect(configFromParams(new URLSearchParams('bench=standard&k=5'))).toMatchObject({ name: 'standard', k: 5 });
    expect(configFromParams(new URLSearchParams('model=lsa-wordpiece-256'))?.embedder.model).toBe('lsa-wordpiece-256');
    expect(() => configFromParams(new URLSearchParams('bench=quick&benchSet=k%3D0'))).toThrow('k: expected an integer from 1 to 1000, got 0');
    expect(configFromParams(new URLSearchParams('bench=full'))).toEqual(PRESETS.full);
    expect(configFromParams(new URLSearchParams('other=1'))).toBeNull();
  });

  it('the app configuration is a valid configuration of its own', () => {
    expect(APP_CONFIG.index).toBe('both');
    expect(configFromSettings(defaultSettings(2), { threadsAuto: { embedder: true, llm: true } })).toEqual(APP_CONFIG);
  });
});

describe('index kinds in the URL (issue 14)', () => {
  it('names the answering kind, the kinds compared beside it and every option by a short name', () => {
    const r = app('index=hnsw&compare=exact,int8,bm25&ef=128&hnswM=12&efConstruction=64&int8Rescore=80&binaryRescore=300&dense=int8&fusedDepth=50&rrfK=30&bm25K1=1.2&bm25B=0.75&stem=porter2&stopWords=the,a');
    expect(r.errors).toEqual([]);
    expect(r.config.index).toBe('hnsw');
    expect(r.config.kinds).toEqual({
      compare: ['exact', 'int8', 'bm25'],
      hnsw: { m: 12, efConstruction: 64, ef: 128 },
      int8: { rescore: 80 },
      binary: { rescore: 300 },
      hybrid: { dense: 'int8', fusedDepth: 50, rrfK: 30 },
      bm25: { k1: 1.2, b: 0.75, stem: 'porter2', stopWords: ['the', 'a'] },
    });
    const s = toSettings(r.config, 2);
    expect(s.indexKinds).toEqual(['hnsw', 'exact', 'int8', 'bm25']);
    expect(s.kindOptions.hnsw.ef).toBe(128);
    // the settings written back are the same configuration
    expect(configFromSettings(s).kinds).toEqual(r.config.kinds);
    expect(configFromSettings(s).index).toBe('hnsw');
  });

  it('reports an out-of-bounds option by name and keeps the others', () => {
    const r = app('index=hnsw&ef=0&hnswM=500&compare=int8,nope&bm25B=2&k=5');
    expect(r.errors.map((e) => e.param).sort()).toEqual(['bm25B', 'compare', 'ef', 'hnswM']);
    expect(r.errors.find((e) => e.param === 'ef')!.message).toBe("Invalid ef param: '0', expected an integer from 1 to 4096.");
    expect(r.config.index).toBe('hnsw');
    expect(r.config.k).toBe(5);
    expect(r.config.kinds.hnsw).toEqual({ m: 16, efConstruction: 100, ef: 64 });
  });

  it('refuses a kind listed twice and an unknown kind', () => {
    expect(app('compare=int8,int8').errors[0]!.message).toContain('expected each kind once');
    expect(app('index=faiss').errors[0]!.message).toContain('expected one of exact, voy, int8, binary, hnsw, bm25, hybrid, both');
  });

  it('keeps `both`, exact and voy meaning what they meant (old links)', () => {
    expect(settings('index=both').indexKinds).toEqual(['exact', 'voy']);
    expect(configFromSettings(settings('index=both')).index).toBe('both');
    expect(configFromSettings(settings('')).kinds).toEqual({ compare: [], ...defaultKindOptions() });
  });
});
