import { describe, expect, it } from 'vitest';
import { parseCliArgs, resolveCliConfig } from '../../scripts/lib/bench-args';

const fs = (dirs: string[], files: string[] = []) => ({
  exists: (p: string) => dirs.some((d) => p.endsWith(d)) || files.some((f) => p.endsWith(f)),
  isDir: (p: string) => dirs.some((d) => p.replace(/\/+$/, '').endsWith(d)),
  readJson: () => ({}),
  shared: '/shared',
});

describe('bench CLI arguments', () => {
  it('parses options, a leading -- and repeated --set', () => {
    const o = parseCliArgs(['--', '--preset', 'standard', '--set', 'k=5', '--set', 'iterations=2', '--no-llm', '--out', 'o', '--threshold', 'latency=0.2']);
    expect(o).toMatchObject({ preset: 'standard', sets: ['k=5', 'iterations=2'], noLlm: true, out: 'o', thresholds: { latency: 0.2 }, build: true });
  });

  it('names what is wrong', () => {
    expect(() => parseCliArgs(['--bogus'])).toThrow('unknown argument "--bogus"');
    expect(() => parseCliArgs(['--set'])).toThrow('--set needs a value');
    expect(() => parseCliArgs(['--preset', 'quick', '--config', 'x.json'])).toThrow('exclude each other');
    expect(() => parseCliArgs(['--llm', 'x.gguf', '--no-llm'])).toThrow('exclude each other');
    expect(() => parseCliArgs(['--threshold', 'speed=2'])).toThrow('--threshold');
  });

  it('turns local folders into served prefixes and configuration fields; --set has the last word', () => {
    const io = fs(['/shared/models', '/shared/datasets', 'data/msmarco', 'm/lsa-wordpiece-256'], ['data/msmarco/corpus.jsonl', 'llm/tiny.gguf']);
    const { config, dirs } = resolveCliConfig(parseCliArgs(['--dataset', 'data/msmarco', '--embedder', 'm/lsa-wordpiece-256/', '--llm', 'llm/tiny.gguf', '--set', 'corpus.maxDocs=100']), io);
    expect(Object.keys(dirs).sort()).toEqual(['/cli-dataset/', '/cli-llm/', '/cli-models/', '/datasets/', '/models/']);
    expect(config.corpus).toMatchObject({ source: 'beir', url: 'cli-dataset/', maxDocs: 100 });
    expect(config.embedder).toMatchObject({ model: 'lsa-wordpiece-256', baseUrl: 'cli-models/' });
    expect(config.llm).toMatchObject({ engine: 'wllama', model: 'cli-llm/tiny.gguf' });
    const byName = resolveCliConfig(parseCliArgs(['--dataset', 'scifact', '--embedder', 'lsa-wordpiece-256', '--llm', 'SmolLM2-360M-Instruct-q4f32_1-MLC']), fs([]));
    expect(byName.config.corpus).toMatchObject({ source: 'hub', name: 'scifact' });
    expect(byName.config.embedder).toMatchObject({ model: 'lsa-wordpiece-256', baseUrl: null });
    expect(byName.config.llm).toMatchObject({ engine: 'webllm', model: 'SmolLM2-360M-Instruct-q4f32_1-MLC' });
    expect(byName.dirs).toEqual({});
    expect(() => resolveCliConfig(parseCliArgs(['--dataset', 'nowhere']), fs([]))).toThrow('not a folder, a URL or a BEIR dataset name');
    expect(() => resolveCliConfig(parseCliArgs(['--dataset', 'empty']), fs(['empty']))).toThrow('no corpus.jsonl');
    expect(() => resolveCliConfig(parseCliArgs(['--set', 'embedder.threads=0']), fs([]))).toThrow('embedder.threads: expected an integer from 1 to 64, got 0');
  });
});
