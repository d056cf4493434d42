/**
 * The identity of a stored index: everything that changes its vectors, hashed. Two ingestions
 * with equal keys produce the same vectors (up to the device's rounding), so a stored index is
 * reused only when the key matches; change the corpus, the model (id, revision, where it is read
 * from), its dtype, pooling or normalisation, or the chunking, and the key changes.
 *
 * Not in the key: device (WebGPU and WASM differ only in rounding), threads and batch size (no
 * effect on the vectors), the query prefix (queries are never stored). The text that is embedded
 * (`embeddingText`: title + ' ' + text) and the chunker's rules are covered by INDEX_FORMAT_VERSION:
 * bump it whenever either changes, and every stored index stops matching.
 */
import type { Dtype, Pooling } from './vocabulary';
import type { ChunkParams } from './chunking';
import { sha256Hex, sha256OfLines } from './documents';
import { RagtabError } from './errors';
import { embeddingModelInfo } from './models';
import type { Settings } from './settings';

/** Version of the canonical serialisation and of the chunk/text rules behind stored vectors. */
export const INDEX_FORMAT_VERSION = 1;
const TAG = 'ragtab-index';

export interface IndexKeyParts {
  /** `corpusHash(docs)`: 64 hex digits. */
  corpusHash: string;
  model: {
    id: string;
    /** Hub revision; `main` when not given. */
    revision: string;
    /** Base URL the model is read from (as configured, e.g. `models/`), null for the hub. */
    baseUrl: string | null;
  };
  dtype: Dtype;
  pooling: Pooling;
  normalize: boolean;
  chunking: ChunkParams;
}

export interface IndexKey {
  /** SHA-256 (hex) of `canonical`. */
  key: string;
  /** The exact string that was hashed (kept in the index record, readable in DevTools). */
  canonical: string;
  parts: IndexKeyParts;
}

/** The key's parts as storage schema v1 kept them, flat beside the index's other fields (read by its upgrade step). */
export type IndexKeyPartsV1 = Omit<IndexKeyParts, 'model'> & { modelId: string; revision: string; baseUrl: string | null };

function bad(message: string): RagtabError {
  return new RagtabError('InvalidArgument', `index key: ${message}`);
}

/**
 * The canonical serialisation: `ragtab-index-v<N>\n` then a JSON array with every part in a fixed
 * order, absent values as null. Arrays (not objects) so key order can never vary. Throws
 * InvalidArgument on a malformed part rather than hashing something ambiguous.
 */
export function canonicalIndexKey(p: IndexKeyParts): string {
  if (!/^[0-9a-f]{64}$/.test(p.corpusHash)) throw bad(`corpus hash must be 64 lowercase hex digits, got "${p.corpusHash}"`);
  if (!p.model.id) throw bad('model id is empty');
  if (!p.model.revision) throw bad('model revision is empty');
  if (typeof p.normalize !== 'boolean') throw bad('normalize must be a boolean');
  const c = p.chunking;
  let chunking: [string, number | null, number | null];
  if (c.mode === 'document') chunking = ['document', null, null];
  else if (c.mode === 'tokens') {
    if (!Number.isInteger(c.size) || !Number.isInteger(c.overlap)) throw bad(`chunk size and overlap must be integers, got ${c.size} and ${c.overlap}`);
    chunking = ['tokens', c.size, c.overlap];
  } else throw bad(`unknown chunking mode "${(c as { mode: unknown }).mode}"`);
  return (
    `${TAG}-v${INDEX_FORMAT_VERSION}\n` +
    JSON.stringify([p.corpusHash, p.model.id, p.model.revision, p.model.baseUrl, p.dtype, p.pooling, p.normalize, ...chunking])
  );
}

export async function indexKey(parts: IndexKeyParts): Promise<IndexKey> {
  const canonical = canonicalIndexKey(parts);
  return { key: await sha256Hex(canonical), canonical, parts: structuredClone(parts) };
}

/**
 * The key parts for the app's settings, with the pooling and normalisation the session gives the
 * embedder (the model's catalogue entry, else mean pooling, normalised).
 */
export function indexKeyParts(settings: Pick<Settings, 'model' | 'dtype' | 'chunking'>, corpusHash: string): IndexKeyParts {
  const info = embeddingModelInfo(settings.model.id);
  return {
    corpusHash,
    model: { id: settings.model.id, revision: settings.model.revision || 'main', baseUrl: settings.model.baseUrl ?? null },
    dtype: settings.dtype,
    pooling: info?.pooling ?? 'mean',
    normalize: info?.normalize ?? true,
    chunking: settings.chunking.mode === 'document' ? { mode: 'document' } : { mode: 'tokens', size: settings.chunking.size, overlap: settings.chunking.overlap },
  };
}

/**
 * SHA-256 of the chunk list an index is built from (ids and offsets, in order). Stored with the
 * index: a resumed ingestion whose chunking came out differently (a changed tokenizer file under
 * the same revision, say) starts again instead of mixing two chunk lists.
 */
export async function chunkListHash(chunks: ReadonlyArray<{ id: string; start: number; end: number }>): Promise<string> {
  return sha256OfLines(chunks.map((c) => `${JSON.stringify(c.id)} ${c.start} ${c.end}`));
}
