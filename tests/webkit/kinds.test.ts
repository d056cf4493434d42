/**
 * Every index kind in WebKit (issue 14), the twin of tests/e2e/kinds.spec.ts: the demo ingested
 * with HNSW answering and the six other kinds compared beside it; each builds with its check
 * figures, answers the demo questions (bm25 without embedding the query) and has its quality over
 * the 40 judged questions; a reload reads int8, binary and bm25 back from IndexedDB without
 * building them, embeds nothing, and every kind answers exactly as before.
 */
import { expect, test } from 'vitest';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const ALL = ['hnsw', 'exact', 'voy', 'int8', 'binary', 'bm25', 'hybrid'];
const QS = `?model=lsa-wordpiece-256&modelBase=models/&device=wasm&llm=none&index=hnsw&compare=${ALL.slice(1).join(',')}`;
const QUESTIONS = ['How does ragtab persist the vectors?', 'What does the exact scan compute?', 'Which browsers are supported?'];

interface KindRow {
  kind: string;
  role: string;
  loaded: boolean;
  built: boolean;
  scan: string | null;
  queries: number | null;
  recall: number | null;
}

async function ingestReport(app: App): Promise<{ fromStorage: boolean; stages: string[]; during: Record<string, string>; kinds: KindRow[]; loadKinds: string[] }> {
  return app.run(`const r = window.ragtab.lastIngest;
    return {
      fromStorage: r.storage.fromStorage,
      stages: r.stages.map((s) => s.name),
      during: Object.fromEntries(r.stages.filter((s) => s.extra && s.extra.during !== undefined).map((s) => [s.name, s.extra.during])),
      kinds: r.kinds.map((k) => ({ kind: k.kind, role: k.role, loaded: !!k.loaded, built: k.build !== null, scan: k.build?.detail?.scan ?? k.build?.scan ?? null, queries: k.check ? k.check.queries : null, recall: k.check?.recall?.mean ?? null })),
      loadKinds: r.stages.find((s) => s.name === 'load kinds')?.parts?.map((p) => p.name) ?? [],
    };`);
}

/** Each kind's top-10 chunk ids for each question, through the session. */
async function answers(app: App): Promise<Record<string, string[][]>> {
  const out: Record<string, string[][]> = {};
  for (const q of QUESTIONS) {
    expect((await app.ask(q)).name).toBe('ragtab-query-done');
    const per = await app.run<Array<{ kind: string; ids: string[]; stages: string[] }>>(
      `const out = [];
       for (const kind of args[1]) {
         const r = await window.ragtab.query(args[0], { kind, generate: false });
         if (!r) throw new Error(kind + ': ' + window.ragtab.error?.name + ': ' + window.ragtab.error?.message);
         out.push({ kind, ids: r.hits.map((h) => h.id), stages: r.stages.map((s) => s.name) });
       }
       return out;`,
      q,
      ALL,
    );
    for (const a of per) {
      expect(a.stages, a.kind).toEqual(a.kind === 'bm25' ? ['search', 'format context'] : ['embed query', 'search', 'format context']);
      expect(a.ids, `${a.kind}: ${q}`).toHaveLength(10);
      (out[a.kind] ??= []).push(a.ids);
    }
  }
  return out;
}

test('every kind builds, answers and has its quality in WebKit; a reload reads int8, binary and bm25 back without building or embedding', async () => {
  await withApp(async (app) => {
    await app.open(QS);
    const fired = await app.ingest();
    expect(fired.name, JSON.stringify(fired.detail)).toBe('ragtab-ingested');
    const first = await ingestReport(app);
    expect(first.fromStorage).toBe(false);
    expect(first.kinds.map((k) => k.kind).sort()).toEqual([...ALL].sort());
    expect(first.kinds.find((k) => k.kind === 'hnsw')!.role).toBe('answer');
    expect(first.stages).toEqual(['read+parse', 'model load', 'chunk', 'embed', 'persist', 'commit', 'index build', 'persist kinds']);
    for (const k of first.kinds) {
      expect(k.built, k.kind).toBe(true);
      expect(k.queries, k.kind).toBeGreaterThan(0);
      if (['voy', 'int8', 'binary', 'hnsw'].includes(k.kind)) expect(k.recall, k.kind).toBeGreaterThanOrEqual(k.kind === 'binary' ? 0.8 : 0.95);
      else expect(k.recall, k.kind).toBeNull();
      // the quantized scans run in WebAssembly SIMD here too
      if (k.kind === 'int8' || k.kind === 'binary') expect(k.scan, k.kind).toBe('wasm-simd');
    }
    const before = await answers(app);

    const ev = await app.evaluate();
    expect(ev.name, JSON.stringify(ev.detail)).toBe('ragtab-evaluated');
    const quality = await app.run<Array<{ kind: string; evaluated: number; ndcg10: number | null }>>(
      `return window.ragtab.lastEvaluations.map((e) => ({ kind: e.kind, evaluated: e.quality.evaluated, ndcg10: e.quality.mean?.ndcg10 ?? null }));`,
    );
    expect(quality.map((q) => q.kind)).toEqual(ALL);
    for (const q of quality) {
      expect(q.evaluated, q.kind).toBe(40);
      expect(q.ndcg10, q.kind).toBeGreaterThan(0);
    }

    // reload: the vectors and the stored kinds come back from IndexedDB; hnsw and voy are built again
    await app.open(QS);
    const again = await app.ingest();
    expect(again.name, JSON.stringify(again.detail)).toBe('ragtab-ingested');
    const second = await ingestReport(app);
    expect(second.fromStorage).toBe(true);
    expect(second.stages).toEqual(['read+parse', 'model load', 'load', 'load kinds', 'index build']);
    // the stored vectors and kinds were read while the model loaded
    expect(second.during).toEqual({ load: 'model load', 'load kinds': 'model load' });
    expect(second.loadKinds.sort()).toEqual(['build (binary)', 'build (bm25)', 'build (int8)']);
    for (const k of second.kinds) expect(k.loaded, k.kind).toBe(['int8', 'binary', 'bm25'].includes(k.kind));
    expect(await answers(app)).toEqual(before);
  });
});
