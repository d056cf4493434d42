import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { INDEX_FORMAT_VERSION, canonicalIndexKey, chunkListHash, indexKey, indexKeyParts, type IndexKeyParts } from '../../src/core/index-key';
import { defaultSettings } from '../../src/core/settings';
import { hasCode } from '../../src/core/errors';

const H = 'a'.repeat(64);
const base: IndexKeyParts = {
  corpusHash: H,
  model: { id: 'Xenova/all-MiniLM-L6-v2', revision: 'main', baseUrl: null },
  dtype: 'fp32',
  pooling: 'mean',
  normalize: true,
  chunking: { mode: 'tokens', size: 128, overlap: 16 },
};

describe('canonicalIndexKey', () => {
  it('is the documented tagged JSON array, hashed with SHA-256', async () => {
    const canonical = `ragtab-index-v${INDEX_FORMAT_VERSION}\n` + JSON.stringify([H, 'Xenova/all-MiniLM-L6-v2', 'main', null, 'fp32', 'mean', true, 'tokens', 128, 16]);
    expect(canonicalIndexKey(base)).toBe(canonical);
    const k = await indexKey(base);
    expect(k.key).toBe(createHash('sha256').update(canonical, 'utf8').digest('hex'));
    expect(k.canonical).toBe(canonical);
    expect(k.parts).toEqual(base);
    expect(k.parts).not.toBe(base);
  });

  it('does not depend on the order of object keys', async () => {
    const shuffled = {
      chunking: { overlap: 16, size: 128, mode: 'tokens' as const },
      normalize: true,
      pooling: 'mean' as const,
      dtype: 'fp32' as const,
      model: { baseUrl: null, revision: 'main', id: 'Xenova/all-MiniLM-L6-v2' },
      corpusHash: H,
    };
    expect((await indexKey(shuffled)).key).toBe((await indexKey(base)).key);
  });

  it('changes when any part that changes the vectors changes', async () => {
    const variants: IndexKeyParts[] = [
      { ...base, corpusHash: 'b'.repeat(64) },
      { ...base, model: { ...base.model, id: 'Xenova/gte-small' } },
      { ...base, model: { ...base.model, revision: 'v2' } },
      { ...base, model: { ...base.model, baseUrl: 'models/' } },
      { ...base, dtype: 'q8' },
      { ...base, pooling: 'cls' },
      { ...base, normalize: false },
      { ...base, chunking: { mode: 'document' } },
      { ...base, chunking: { mode: 'tokens', size: 256, overlap: 16 } },
      { ...base, chunking: { mode: 'tokens', size: 128, overlap: 0 } },
    ];
    const keys = new Set([(await indexKey(base)).key]);
    for (const v of variants) keys.add((await indexKey(v)).key);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('tells document mode from a token mode whose numbers could collide', () => {
    expect(canonicalIndexKey({ ...base, chunking: { mode: 'document' } })).toContain('"document",null,null');
  });

  it('rejects malformed parts instead of hashing them', () => {
    const bad = [
      { ...base, corpusHash: 'xyz' },
      { ...base, corpusHash: H.toUpperCase() },
      { ...base, model: { ...base.model, id: '' } },
      { ...base, model: { ...base.model, revision: '' } },
      { ...base, chunking: { mode: 'tokens', size: 1.5, overlap: 0 } },
      { ...base, chunking: { mode: 'pages' } },
    ] as IndexKeyParts[];
    for (const b of bad) {
      let err: unknown = null;
      try {
        canonicalIndexKey(b);
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'InvalidArgument'), JSON.stringify(b)).toBe(true);
    }
  });
});

describe('indexKeyParts', () => {
  it('takes pooling and normalisation from the model catalogue, revision main by default', () => {
    const s = defaultSettings(2);
    const p = indexKeyParts({ ...s, model: { id: 'Xenova/bge-small-en-v1.5' } }, H);
    expect(p).toEqual({ ...base, model: { id: 'Xenova/bge-small-en-v1.5', revision: 'main', baseUrl: null }, pooling: 'cls' });
    const local = indexKeyParts({ ...s, model: { id: 'somewhere/unknown', baseUrl: 'models/', revision: 'r1' }, chunking: { mode: 'document' } }, H);
    expect(local.model).toEqual({ id: 'somewhere/unknown', revision: 'r1', baseUrl: 'models/' });
    expect(local.pooling).toBe('mean');
    expect(local.normalize).toBe(true);
    expect(local.chunking).toEqual({ mode: 'document' });
  });

  it('ignores settings that do not change the vectors (device, threads, batch, k, index kinds)', async () => {
    const s = defaultSettings(2);
    const a = await indexKey(indexKeyParts(s, H));
    const b = await indexKey(indexKeyParts({ ...s, device: 'webgpu', threads: 1, batchSize: 8, k: 3, indexKinds: ['voy'] } as typeof s, H));
    expect(b.key).toBe(a.key);
  });
});

describe('chunkListHash', () => {
  it('changes with ids, offsets and order', async () => {
    const c = [
      { id: 'd1#0', start: 0, end: 10 },
      { id: 'd1#1', start: 8, end: 20 },
    ];
    const h = await chunkListHash(c);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(await chunkListHash(c.map((x) => ({ ...x })))).toBe(h);
    expect(await chunkListHash([...c].reverse())).not.toBe(h);
    expect(await chunkListHash([c[0]!, { ...c[1]!, end: 21 }])).not.toBe(h);
    expect(await chunkListHash([c[0]!, { ...c[1]!, id: 'd1#2' }])).not.toBe(h);
    expect(await chunkListHash([c[0]!])).not.toBe(h);
  });
});
