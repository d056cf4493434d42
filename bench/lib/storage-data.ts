/**
 * Deterministic data for the storage tests and benchmark (bench/storage.ts, tests/e2e/storage.spec.ts,
 * scripts/bench-storage.ts): chunk refs, a corpus, an index key. The vectors come from
 * bench/lib/vectors.ts (`randomUnitVectors`), so the page and Node generate the same bits.
 */
import type { ChunkRef } from '../../src/storage/schema';
import type { Corpus } from '../../src/core/documents';
import type { IndexKeyParts } from '../../src/core/index-key';

/** `total` chunk refs, `perDoc` per document; some ids are non-ASCII and some chunks truncated. */
export function syntheticChunks(total: number, perDoc = 4): ChunkRef[] {
  const out: ChunkRef[] = [];
  for (let i = 0; i < total; i++) {
    const d = Math.floor(i / perDoc);
    const docId = d % 50 === 7 ? `doc-é😀-${d}` : `doc-${d}`;
    const index = i % perDoc;
    const r: ChunkRef = { id: `${docId}#${index}`, docId, index, start: index * 200, end: index * 200 + 240, tokens: 40 + (i % 17) };
    if (i % 101 === 5) r.truncated = true;
    out.push(r);
  }
  return out;
}

/** A corpus whose documents are long enough for `syntheticChunks(perDoc × docs)` offsets. */
export function syntheticCorpus(docs: number, name = 'synthetic'): Corpus {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'théta', 'iota', 'kappa'];
  const out: Corpus = { name, source: { kind: 'files', files: [{ name: `${name}.jsonl`, bytes: 0, sha256: '0'.repeat(64) }] }, docs: [], queries: [], qrels: new Map() };
  for (let d = 0; d < docs; d++) {
    const id = d % 50 === 7 ? `doc-é😀-${d}` : `doc-${d}`;
    let text = '';
    for (let w = 0; text.length < 1000; w++) text += words[(d * 7 + w) % words.length] + (w % 9 === 8 ? '. ' : ' ');
    out.docs.push({ id, title: `Document ${d}`, text: text.trim() });
  }
  out.queries = [
    { id: 'q1', text: 'alpha beta' },
    { id: 'q2', text: 'théta' },
  ];
  out.qrels = new Map([
    ['q1', new Map([[out.docs[0]!.id, 2], [out.docs[Math.min(1, docs - 1)]!.id, 0]])],
    ['q2', new Map([[out.docs[docs - 1]!.id, 1]])],
  ]);
  return out;
}

/** Key parts for a synthetic index: the corpus hash is a fixed function of `label`. */
export function syntheticKeyParts(label: string, corpusHash: string): IndexKeyParts {
  return {
    corpusHash,
    model: { id: `synthetic/${label}`, revision: 'main', baseUrl: null },
    dtype: 'fp32',
    pooling: 'mean',
    normalize: true,
    chunking: { mode: 'tokens', size: 128, overlap: 16 },
  };
}
