import { describe, expect, it } from 'vitest';
import { preset } from '../../src/core/bench-config';
import { APP_CONFIG, presetOnSetup, toSettings, type Settings } from '../../src/core/settings';

/** A set-up a user made: a local model, whole-document chunks, int8 answering, a BEIR corpus by URL. */
function setup(over: Partial<Settings> = {}): Settings {
  const s = toSettings(APP_CONFIG, 2);
  return {
    ...s,
    corpus: { kind: 'beir-url', url: 'datasets/msmarco-5k/', maxDocs: 500 },
    model: { id: 'lsa-wordpiece-256', baseUrl: 'models/' },
    chunking: { mode: 'document' },
    indexKinds: ['int8', 'exact'],
    k: 7,
    ...over,
  };
}

describe('a preset on the current set-up', () => {
  it('takes the models, corpus, chunking and index from the set-up, the counts and phases from the preset', () => {
    const { config, kept } = presetOnSetup(preset('quick'), setup());
    expect(kept).toEqual([]);
    expect(config.embedder.model).toBe('lsa-wordpiece-256');
    expect(config.embedder.baseUrl).toBe('models/');
    expect(config.corpus).toMatchObject({ source: 'beir', url: 'datasets/msmarco-5k/', maxDocs: 500 });
    expect(config.chunking.mode).toBe('document');
    expect(config.index).toBe('int8');
    expect(config.kinds.compare).toEqual(['exact']);
    expect(config.k).toBe(7);
    const q = preset('quick');
    for (const f of ['name', 'warmups', 'iterations', 'queries', 'reload', 'clearCache', 'concurrency', 'quality', 'memory', 'sweep'] as const) expect(config[f]).toEqual(q[f]);
  });

  it('a preset that measures retrieval only stays without an LLM, and a kinds comparison keeps its kinds; both are said', () => {
    const { config, kept } = presetOnSetup(preset('kinds'), setup());
    expect(config.llm.engine).toBe('none');
    expect(config.kinds.compare).toEqual(preset('kinds').kinds.compare);
    expect(config.embedder.model).toBe('lsa-wordpiece-256');
    expect(kept.join(' ')).toMatch(/index kinds.*LLM/);
  });

  it("a preset with a corpus of its own keeps it; the user's files, which no configuration can name, leave the preset's corpus", () => {
    expect(presetOnSetup(preset('full'), setup()).config.corpus).toMatchObject({ source: 'hub', name: 'scifact' });
    const files = presetOnSetup(preset('quick'), setup({ corpus: { kind: 'files' } }));
    expect(files.config.corpus.source).toBe('demo');
    expect(files.kept[0]).toMatch(/your own files/);
  });

  it('the default set-up gives the preset back except for what the app sets differently', () => {
    const { config } = presetOnSetup(preset('quick'), toSettings(APP_CONFIG, 2));
    expect(config.embedder.model).toBe(APP_CONFIG.embedder.model);
    expect(config.corpus.source).toBe('demo');
  });
});
