import { describe, expect, it } from 'vitest';
import { retrieve, type RetrievalSource } from '../../src/engine/retrieve';

/** Calls run at once, timed like WorkerBridge.call. */
function bridge(api: Record<string, (...a: never[]) => unknown>, calls: string[]) {
  return {
    async call<R>(label: string, fn: (api: never) => Promise<R>) {
      calls.push(label);
      const start = performance.now();
      return { value: await fn(api as never), roundTripMs: performance.now() - start, start };
    },
  };
}

function source(calls: string[], seen: { text?: string; vector?: Float32Array; request?: unknown }): RetrievalSource {
  const chunks = ['a', 'b', 'c'].map((d, i) => ({ id: `${d}#0`, docId: d, text: `text of ${d}`, start: 0, end: 9 + i }));
  return {
    embedder: bridge({ embed: async (texts: string[]) => ((seen.text = texts[0]), { vectors: new Float32Array([1, 0]), rows: 1, dims: 2, tokens: 4, batches: [], workerMs: 1 }) }, calls) as RetrievalSource['embedder'],
    index: bridge(
      {
        retrieve: async (req: { kind: string; k: number; vector?: Float32Array; text?: string }) => (
          (seen.vector = req.vector),
          (seen.request = req),
          // the second hit's position does not match its id: it is found by id
          { kind: req.kind, hits: [{ index: 2, id: 'c#0', score: 0.9 }, { index: 0, id: 'b#0', score: 0.5 }].slice(0, req.k), workerMs: 0.5, ...(req.kind === 'hnsw' ? { ef: 64 } : {}) }
        ),
      },
      calls,
    ) as RetrievalSource['index'],
    chunks,
    titles: new Map([['c', 'Title C']]),
    queryPrefix: 'query: ',
    contextChars: 1000,
  };
}

describe('retrieve', () => {
  it('embeds the text with the query prefix, searches, maps hits to chunks and formats the context', async () => {
    const calls: string[] = [];
    const seen: { text?: string } = {};
    const r = await retrieve(source(calls, seen), { text: 'what', k: 2, kind: 'exact' });
    expect(seen.text).toBe('query: what');
    expect(r.stages.map((s) => s.name)).toEqual(['embed query', 'search', 'format context']);
    expect(r.stages[0]).toMatchObject({ workerMs: 1, extra: { tokens: 4 } });
    expect(r.stages[1]).toMatchObject({ workerMs: 0.5, extra: { kind: 'exact', k: 2, vectors: 3 } });
    expect(r.hits.map((h) => [h.rank, h.id, h.docId, h.title, h.score])).toEqual([
      [1, 'c#0', 'c', 'Title C', 0.9],
      [2, 'b#0', 'b', '', 0.5],
    ]);
    expect(r.context?.used).toBe(2);
    expect(r.context?.text).toContain('[1] Title C (c)');
  });

  it('takes a vector already embedded (no embed stage) and can leave out the context', async () => {
    const calls: string[] = [];
    const seen: { vector?: Float32Array } = {};
    const vector = new Float32Array([0, 1]);
    const r = await retrieve(source(calls, seen), { text: 'what', vector, k: 1, kind: 'exact', context: false });
    expect(calls).toEqual(['search']);
    expect(seen.vector).toBe(vector);
    expect(r.stages.map((s) => s.name)).toEqual(['search']);
    expect(r.context).toBeNull();
    expect(r.searchHits).toEqual([{ index: 2, id: 'c#0', score: 0.9 }]);
  });

  it('gives each kind what it reads: bm25 the text only (no query embedded), hybrid both, hnsw the vector and its options', async () => {
    const calls: string[] = [];
    const seen: { request?: unknown } = {};
    const bm25 = await retrieve(source(calls, seen), { text: 'what', k: 2, kind: 'bm25', context: false });
    expect(calls).toEqual(['search']);
    expect(seen.request).toEqual({ kind: 'bm25', k: 2, text: 'what' });
    expect(bm25.vector).toBeNull();
    expect(bm25.stages.map((s) => s.name)).toEqual(['search']);
    calls.length = 0;
    await retrieve(source(calls, seen), { text: 'what', k: 2, kind: 'hybrid', options: { fusedDepth: 50 }, context: false });
    expect(calls).toEqual(['embed query', 'search']);
    expect(seen.request).toEqual({ kind: 'hybrid', k: 2, vector: new Float32Array([1, 0]), text: 'what', options: { fusedDepth: 50 } });
    const h = await retrieve(source(calls, seen), { text: 'what', k: 1, kind: 'hnsw', options: { ef: 32 }, context: false });
    expect(seen.request).toEqual({ kind: 'hnsw', k: 1, vector: new Float32Array([1, 0]), options: { ef: 32 } });
    expect(h.stages[1]).toMatchObject({ extra: { kind: 'hnsw', k: 1, ef: 64 } });
  });
});
