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

function source(calls: string[], seen: { text?: string; vector?: Float32Array }): RetrievalSource {
  const chunks = ['a', 'b', 'c'].map((d, i) => ({ id: `${d}#0`, docId: d, text: `text of ${d}`, start: 0, end: 9 + i }));
  return {
    embedder: bridge({ embed: async (texts: string[]) => ((seen.text = texts[0]), { vectors: new Float32Array([1, 0]), rows: 1, dims: 2, tokens: 4, batches: [], workerMs: 1 }) }, calls) as RetrievalSource['embedder'],
    index: bridge(
      {
        search: async (v: Float32Array, k: number) => (
          (seen.vector = v),
          // the second hit's position does not match its id: it is found by id
          { kind: 'exact', hits: [{ index: 2, id: 'c#0', score: 0.9 }, { index: 0, id: 'b#0', score: 0.5 }].slice(0, k), workerMs: 0.5 }
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
});
