import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadBeir, type FetchFn } from '../../src/core/beir';
import { BEIR_CATALOG, beirCatalogSource, findBeirDataset, qrelsUrl } from '../../src/core/beir-catalog';

describe('BEIR_CATALOG', () => {
  it('offers the small and medium BEIR datasets with hub URLs, and not msmarco', () => {
    const names = BEIR_CATALOG.map((e) => e.name);
    for (const n of ['scifact', 'nfcorpus', 'fiqa', 'arguana', 'scidocs', 'trec-covid', 'quora']) expect(names).toContain(n);
    expect(names).not.toContain('msmarco');
    expect(new Set(names).size).toBe(names.length);
    const scifact = findBeirDataset('scifact')!;
    expect(scifact).toEqual({
      name: 'scifact',
      docs: 5183,
      queries: 300,
      description: expect.any(String),
      corpusUrl: 'https://huggingface.co/datasets/BeIR/scifact/resolve/main/corpus.jsonl.gz',
      queriesUrl: 'https://huggingface.co/datasets/BeIR/scifact/resolve/main/queries.jsonl.gz',
      qrelsUrl: 'https://huggingface.co/datasets/BeIR/scifact-qrels/resolve/main/test.tsv',
    });
    for (const e of BEIR_CATALOG) {
      expect(e.corpusUrl).toBe(`https://huggingface.co/datasets/BeIR/${e.name}/resolve/main/corpus.jsonl.gz`);
      expect(e.qrelsUrl).toBe(`https://huggingface.co/datasets/BeIR/${e.name}-qrels/resolve/main/test.tsv`);
      expect(e.docs).toBeLessThan(1_000_000);
      expect(Object.isFrozen(e)).toBe(true);
    }
    expect(Object.isFrozen(BEIR_CATALOG)).toBe(true);
    expect(findBeirDataset('nope')).toBeUndefined();
  });
});

describe('beirCatalogSource', () => {
  const corpus = '{"_id":"d1","title":"T","text":"hello"}\n{"_id":"d2","title":"","text":"world"}\n';
  const queries = '{"_id":"q1","text":"hi"}\n{"_id":"q2","text":"unjudged"}\n';
  const qrels = 'query-id\tcorpus-id\tscore\nq1\td1\t1\n';

  /** A fake hub: serves the given URLs, 404 for anything else; records every request. */
  function hub(files: Record<string, Uint8Array<ArrayBuffer> | string | number>): { fetch: FetchFn; requested: string[] } {
    const requested: string[] = [];
    const fetch: FetchFn = async (url) => {
      requested.push(url);
      const f = files[url];
      if (f === undefined) return new Response('Entry not found', { status: 404 });
      if (typeof f === 'number') return new Response('no', { status: f, statusText: 'Unauthorized' });
      return new Response(f);
    };
    return { fetch, requested };
  }

  const entry = findBeirDataset('scifact')!;

  it('loads a catalog dataset from its per-file URLs', async () => {
    const { fetch, requested } = hub({
      [entry.corpusUrl]: new Uint8Array(gzipSync(corpus)),
      [entry.queriesUrl]: new Uint8Array(gzipSync(queries)),
      [entry.qrelsUrl]: qrels,
    });
    const r = await loadBeir(beirCatalogSource(entry, fetch), { name: entry.name });
    expect(r.docs).toEqual([
      { id: 'd1', title: 'T', text: 'hello' },
      { id: 'd2', title: '', text: 'world' },
    ]);
    expect(r.queries).toEqual([{ id: 'q1', text: 'hi' }]);
    expect(r.corpusFile).toBe('corpus.jsonl.gz');
    // the uncompressed names do not exist on the hub: no request is made for them
    expect(requested.sort()).toEqual([entry.corpusUrl, entry.qrelsUrl, entry.queriesUrl].sort());
  });

  it('maps other qrels splits to the -qrels repository', async () => {
    const { fetch, requested } = hub({});
    expect(await beirCatalogSource(entry, fetch).open('qrels/dev.tsv')).toBeNull();
    expect(requested).toEqual([qrelsUrl('scifact', 'dev')]);
    expect(requested[0]).toBe('https://huggingface.co/datasets/BeIR/scifact-qrels/resolve/main/dev.tsv');
  });

  it('a 404 on the hub is a missing file naming the hub; a 401 is FetchFailed', async () => {
    const missing = hub({ [entry.queriesUrl]: queries, [entry.qrelsUrl]: qrels });
    await expect(loadBeir(beirCatalogSource(entry, missing.fetch), { name: 'scifact' })).rejects.toMatchObject({
      code: 'BeirMissingFile',
      message:
        'BEIR dataset "scifact": corpus.jsonl (or corpus.jsonl.gz) is missing from BEIR "scifact" on the Hugging Face hub (https://huggingface.co/datasets/BeIR/scifact)',
    });
    const denied = hub({ [entry.corpusUrl]: 401 });
    await expect(loadBeir(beirCatalogSource(entry, denied.fetch), { name: 'scifact' })).rejects.toMatchObject({
      code: 'FetchFailed',
      message: `HTTP 401 Unauthorized for ${entry.corpusUrl}`,
    });
  });
});
