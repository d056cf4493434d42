/**
 * The stored-indexes repository: a meta record per index key and its vectors as binary blocks (one
 * record per block: count × dims float32, as a Blob or, where IndexedDB refuses Blobs, an
 * ArrayBuffer (vector-form.ts), and the block's chunk refs, column by column: ref-columns.ts).
 *
 * Blocks are read (and compacted) in a short-lived worker (blocks.worker.ts, `BlocksApi` over
 * Comlink) when the repository was given one: a Blob read from IndexedDB pins its file until the
 * Blob is garbage-collected, and terminating the worker releases every such handle at once, so
 * deleting an index frees its space when the delete commits. The worker also keeps the read's
 * deserialisation off the page's thread. Elsewhere: the commit policy (commit-policy.ts), the
 * block reads themselves (block-io.ts), the loaded refs and chunk rebuild (stored-refs.ts).
 *
 * Writing is resumable: `begin` creates the meta or finds the one a closed page left behind and
 * says how many chunks are committed; each `appendBlock` writes one block AND advances the meta's
 * committed count in ONE transaction, so after any interruption the stored blocks are exactly the
 * first `committedChunks` chunks: resume from there, nothing duplicated or missing.
 * Take `withIndexWriteLock(key, …)` (locks.ts) around begin → appendBlock… → complete so only one
 * tab writes a given index.
 *
 * One file (~470 lines) because it is one repository: its writes and reads share the meta record's invariants.
 */
import { refsChecksum, vectorsChecksum, type BlockSums } from './checksums';
import { RagtabError } from '../core/errors';
import { INDEX_FORMAT_VERSION, type IndexKey } from '../core/index-key';
import * as Comlink from 'comlink';
import type { BlockRecord, ChunkRef, IndexMeta, RagtabDb } from './schema';
import { packRefs, type RefColumns } from './ref-columns';
import { blockBytes } from './sizes';
import { guarded, mapStorageError, watch } from './errors';
import { BLOB_REASON, type VectorFormDecision } from './vector-form';
import { StoredRefs } from './stored-refs';
import { COMPACT_TARGET_BYTES, DEFAULT_READ, blockRange, compactStored, readStoredBlocks } from './block-io';
import type { BlockReadMode, BlocksApi, CompactResult, ReadBlocks } from './blocks-api';
import { VECTORS_TYPE } from './schema';
import { kindRange } from './kinds';

export interface BeginInput {
  /** From `indexKey(indexKeyParts(settings, corpusHash))`. */
  key: IndexKey;
  dims: number;
  /** Chunks the finished index will hold. */
  totalChunks: number;
  /** `chunkListHash(chunks)`: a stored partial index built from another chunk list is restarted. */
  chunksHash?: string | null;
  /** Informational: the device computing the vectors. */
  device?: string | null;
}

export interface BeginResult {
  meta: IndexMeta;
  /** Chunks already stored: embed and append from `chunks[committedChunks]` on. */
  committedChunks: number;
  /** The block number the next `appendBlock` must use. */
  nextBlock: number;
  /** The index is stored whole: `load` it instead of embedding. */
  complete: boolean;
  /** A partial index was found and is being continued. */
  resumed: boolean;
  /** Why a stored partial index was thrown away and started again (null when it was not). */
  restarted: string | null;
}

export interface LoadOptions {
  read?: BlockReadMode;
  /**
   * Where the blocks are read: 'worker' (default when the repository has a worker factory: a
   * short-lived worker, terminated afterwards, so no Blob handle outlives the read) or 'inline'
   * (this thread; the Blob handles live until garbage collection).
   */
  via?: 'worker' | 'inline';
}

/** Creates the worker that runs blocks.worker.ts. */
export type BlocksWorkerFactory = () => Worker;

export interface IndexesRepoOptions {
  /** Read and compact blocks in a short-lived worker from this factory (null: on this thread). */
  worker?: BlocksWorkerFactory | null;
  /** The form blocks are written in (`vectorForm(db)`, probed by openStore); default Blob. */
  vectorForm?: VectorFormDecision;
}

export interface LoadedBlocks {
  meta: IndexMeta;
  refs: StoredRefs;
  /** Time in the read transaction waiting for blocks (ms), and in the sink and assembling the refs. */
  readMs: number;
  assembleMs: number;
}

export interface LoadedIndex extends LoadedBlocks {
  /** The committed chunks' refs, in order, as objects (built on first use from `refs`). */
  readonly chunks: ChunkRef[];
  /** committed × dims, row-major, one contiguous array. */
  vectors: Float32Array;
}

/** Receives a loaded block's vectors (a view over the stored buffer), its first row and its row count. */
export type BlockSink = (vectors: Float32Array, first: number, count: number) => void;

/** The rows of several arrays, copied into one ArrayBuffer. */
function concatFloats(parts: ReadonlyArray<Float32Array>, floats: number): ArrayBuffer {
  const out = new Float32Array(floats);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.buffer;
}

/**
 * A stored index whose blocks do not add up or fail their checksums: never served. The ingestion
 * sets it aside (deletes it, saying why) and embeds the corpus again.
 */
export class IndexDamaged extends RagtabError {
  constructor(
    readonly key: string,
    readonly why: string,
  ) {
    super('StorageError', `The stored index is damaged: ${why}.`);
  }
}

function fail(message: string): RagtabError {
  return new RagtabError('StorageError', message);
}

/** Why a stored meta cannot be continued with this input (null when it can). */
function mismatch(m: IndexMeta, input: BeginInput): string | null {
  if (m.formatVersion !== INDEX_FORMAT_VERSION) return `it was written in format v${m.formatVersion}`;
  if (m.dims !== input.dims) return `it has ${m.dims} dimensions, the model gives ${input.dims}`;
  if (m.totalChunks !== input.totalChunks) return `it was for ${m.totalChunks} chunks, this chunking gives ${input.totalChunks}`;
  if (input.chunksHash && m.chunksHash && m.chunksHash !== input.chunksHash) return 'it was built from a different chunk list';
  return null;
}

/**
 * Makes one call in a fresh blocks worker and terminates it (which drops its Blob handles). Rejects
 * with `WorkerStart` when the worker cannot start (the caller then runs the call inline).
 */
async function inWorker<T>(factory: BlocksWorkerFactory, call: (api: Comlink.Remote<BlocksApi>) => Promise<T>): Promise<T> {
  const w = factory();
  const api = Comlink.wrap<BlocksApi>(w);
  let onError: (e: ErrorEvent) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (e: ErrorEvent) => {
      e.preventDefault();
      reject(new WorkerStart(`the blocks worker failed to start: ${e.message || 'no message'}`));
    };
    w.addEventListener('error', onError);
  });
  try {
    return await Promise.race([call(api), failed]);
  } finally {
    w.removeEventListener('error', onError);
    api[Comlink.releaseProxy]();
    w.terminate();
  }
}

class WorkerStart extends Error {}

/** A failure thrown in the worker (Comlink carries its name and message) as the page's error. */
function fromWorker(e: unknown): unknown {
  if (e instanceof WorkerStart || !(e instanceof Error)) return e;
  const code = e.name;
  const known = code === 'StorageError' || code === 'StorageClosed' || code === 'QuotaExceeded';
  return new RagtabError(known ? code : 'StorageError', e.message);
}

export class IndexesRepo {
  private readonly worker: BlocksWorkerFactory | null;
  private workerBroken = false;
  /** How this repository writes vector blocks, and why. */
  readonly vectorForm: VectorFormDecision;

  constructor(
    private readonly db: RagtabDb,
    opts: IndexesRepoOptions = {},
  ) {
    this.worker = opts.worker ?? null;
    this.vectorForm = opts.vectorForm ?? { form: 'Blob', reason: BLOB_REASON };
  }

  /** Runs a call in the blocks worker; null when there is none (or it cannot start): run it inline. */
  async inBlocksWorker<T>(call: (api: Comlink.Remote<BlocksApi>) => Promise<T>): Promise<{ value: T } | null> {
    return this.offload(call);
  }

  private async offload<T>(call: (api: Comlink.Remote<BlocksApi>) => Promise<T>): Promise<{ value: T } | null> {
    if (!this.worker || this.workerBroken) return null;
    try {
      return { value: await inWorker(this.worker, call) };
    } catch (e) {
      if (e instanceof WorkerStart) {
        this.workerBroken = true;
        console.warn(`ragtab storage: ${e.message}; reading blocks on the page instead`);
        return null;
      }
      throw fromWorker(e);
    }
  }

  async get(key: string): Promise<IndexMeta | null> {
    return (await guarded(this.db, 'read the stored index', () => this.db.get('indexes', key))) ?? null;
  }

  /** Every index meta, newest first. */
  async list(): Promise<IndexMeta[]> {
    const all = await guarded(this.db, 'list the stored indexes', () => this.db.getAll('indexes'));
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /**
   * Creates the index meta, or finds the stored one: complete (load it), partial (resume from
   * `committedChunks`), or partial but incompatible (its blocks are deleted and it starts again).
   */
  async begin(input: BeginInput): Promise<BeginResult> {
    const db = this.db;
    const { key, canonical, parts } = input.key;
    if (!Number.isInteger(input.dims) || input.dims < 1) throw new RagtabError('InvalidArgument', `dims must be a positive integer, got ${input.dims}`);
    if (!Number.isInteger(input.totalChunks) || input.totalChunks < 0) throw new RagtabError('InvalidArgument', `totalChunks must be a non-negative integer, got ${input.totalChunks}`);
    return guarded(db, 'start storing the index', async () => {
        const tx = db.transaction(['indexes', 'blocks', 'kinds'], 'readwrite');
        const w = watch(tx);
      const metas = tx.objectStore('indexes');
      const found = await metas.get(key);
      const now = Date.now();
      let restarted: string | null = null;
      if (found) {
        const why = mismatch(found, input);
        if (!why) {
          let meta = found;
          if (!found.complete && (input.chunksHash ?? null) !== found.chunksHash && input.chunksHash) {
            meta = { ...found, chunksHash: input.chunksHash, updatedAt: now };
            w.req(metas.put(meta));
          }
          await w.done();
          return { meta, committedChunks: meta.committedChunks, nextBlock: meta.committedBlocks, complete: meta.complete, resumed: !meta.complete && meta.committedChunks > 0, restarted: null };
        }
        restarted = `The stored index for this configuration was started again: ${why}.`;
        w.req(tx.objectStore('blocks').delete(blockRange(key)));
        w.req(tx.objectStore('kinds').delete(kindRange(key)));
      }
      const meta: IndexMeta = {
        key,
        canonical,
        parts: structuredClone(parts),
        corpusHash: parts.corpusHash,
        formatVersion: INDEX_FORMAT_VERSION,
        dims: input.dims,
        totalChunks: input.totalChunks,
        chunksHash: input.chunksHash ?? null,
        committedChunks: 0,
        committedBlocks: 0,
        complete: false,
        bytes: 0,
        device: input.device ?? null,
        createdAt: now,
        updatedAt: now,
        completedAt: null,
      };
      w.req(metas.put(meta));
      await w.done();
      return { meta, committedChunks: 0, nextBlock: 0, complete: false, resumed: false, restarted };
    });
  }

  /**
   * Stores block `blockNo` (chunks `committedChunks …` on) and advances the committed count, in one
   * transaction. `vectors` (chunks.length × dims) is copied before this returns its promise, so
   * its buffer may be transferred to a worker right after the call. Rejects with QuotaExceeded
   * (nothing of this block stored), StorageClosed, or StorageError when the block does not follow
   * the committed ones (another writer, a deleted index).
   */
  async appendBlock(key: string, blockNo: number, chunks: ReadonlyArray<ChunkRef>, vectors: Float32Array | ReadonlyArray<Float32Array>): Promise<IndexMeta> {
    const db = this.db;
    const n = chunks.length;
    const parts: ReadonlyArray<Float32Array> = vectors instanceof Float32Array ? [vectors] : vectors;
    const floats = parts.reduce((s, p) => s + p.length, 0);
    if (n === 0) throw new RagtabError('InvalidArgument', 'appendBlock: a block needs at least one chunk');
    if (floats % n !== 0) throw new RagtabError('DimensionMismatch', `appendBlock: ${floats} floats are not ${n} rows`);
    const dims = floats / n;
    // copied now (synchronously): the caller may transfer or reuse its buffers
    const buf = this.vectorForm.form === 'Blob' ? new Blob(parts as unknown as BlobPart[], { type: VECTORS_TYPE }) : concatFloats(parts, floats);
    const cols = packRefs(chunks);
    const sums: BlockSums = { rows: [n], vectors: [vectorsChecksum(parts)], refs: refsChecksum(cols) };
    let block: BlockRecord | null = null;
    const needed = blockBytes({ vectors: buf, ...cols });
    const what = `store block ${blockNo} of the index (${n} vectors)`;
    try {
      // 'relaxed': the commit is reported once the data is handed to the operating system, without
      // waiting for it to reach the disk. A committed block survives a closed page and a crashed tab
      // or browser (all a resume needs); only an OS crash or power loss right after a commit may
      // lose the last blocks, and then their meta update goes with them (one transaction), so a
      // resume re-embeds them, never mixes. On Chromium 156 'default' measured like 'relaxed' and
      // 'strict' slower (bench/README-storage.md).
      const tx = db.transaction(['indexes', 'blocks'], 'readwrite', { durability: 'relaxed' });
      const w = watch(tx);
      const metas = tx.objectStore('indexes');
      const meta = await metas.get(key);
      let problem: string | null = null;
      if (!meta) problem = 'the index is no longer stored (deleted in the storage panel or another tab?)';
      else if (meta.complete) problem = 'the index is already complete';
      else if (meta.dims !== dims) problem = `the index has ${meta.dims} dimensions, the block ${dims}`;
      else if (blockNo !== meta.committedBlocks) problem = `block ${blockNo} does not follow the ${meta.committedBlocks} committed block(s): is another tab writing it?`;
      else if (meta.committedChunks + n > meta.totalChunks) problem = `${meta.committedChunks} + ${n} chunks is more than the index's ${meta.totalChunks}`;
      if (problem || !meta) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw fail(`Could not ${what}: ${problem}.`);
      }
      block = { indexKey: key, blockNo, first: meta.committedChunks, count: n, dims, vectors: buf, ...cols, sums };
      const next: IndexMeta = {
        ...meta,
        committedChunks: meta.committedChunks + n,
        committedBlocks: meta.committedBlocks + 1,
        bytes: meta.bytes + needed,
        updatedAt: Date.now(),
      };
      w.req(tx.objectStore('blocks').put(block));
      w.req(metas.put(next));
      await w.done();
      return next;
    } catch (e) {
      throw await mapStorageError(db, what, e, needed);
    }
  }

  /**
   * Marks the index complete once every chunk is committed, then (unless `compact: false`)
   * merges small blocks into blocks of about COMPACT_TARGET_BYTES (see `compact`).
   */
  async complete(key: string, opts: { compact?: boolean } = {}): Promise<IndexMeta> {
    const db = this.db;
    const done = await guarded(db, 'mark the index complete', async () => {
      const tx = db.transaction('indexes', 'readwrite');
      const w = watch(tx);
      const meta = await tx.store.get(key);
      if (!meta) throw fail('Could not mark the index complete: it is no longer stored.');
      if (meta.committedChunks !== meta.totalChunks) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw fail(`Could not mark the index complete: ${meta.committedChunks} of its ${meta.totalChunks} chunks are stored.`);
      }
      const now = Date.now();
      const next: IndexMeta = { ...meta, complete: true, updatedAt: now, completedAt: meta.completedAt ?? now };
      w.req(tx.store.put(next));
      await w.done();
      return next;
    });
    if (opts.compact !== false) await this.compact(key);
    return done;
  }

  /**
   * Merges consecutive small blocks of a complete index into blocks of about `targetBytes` of
   * vectors (default COMPACT_TARGET_BYTES), one transaction per merged block, so the index is
   * whole and loadable after every step (a page closed mid-way leaves some blocks merged).
   * Ingestion commits small blocks (one per embedding call, for a fine-grained resume); loading
   * reads a few large blocks much faster than many small ones. Does nothing when the blocks are
   * already large on average. Returns the number of blocks before and after.
   */
  async compact(key: string, targetBytes = COMPACT_TARGET_BYTES): Promise<CompactResult> {
    const db = this.db;
    const form = this.vectorForm.form;
    const off = await this.offload((api) => api.compact(db.name, key, targetBytes, form));
    if (off) return off.value;
    return guarded(db, 'compact the stored index', () => compactStored(db, key, targetBytes, form));
  }

  /** Reads the meta and every block (in the blocks worker when there is one). */
  async readBlocks(key: string, opts: LoadOptions = {}): Promise<ReadBlocks | null> {
    const db = this.db;
    const mode = opts.read ?? DEFAULT_READ;
    if ((opts.via ?? 'worker') === 'worker') {
      const off = await this.offload((api) => api.read(db.name, key, mode));
      if (off) return off.value;
    }
    return guarded(db, 'load the stored index', () => readStoredBlocks(db, key, mode));
  }

  /**
   * Reads the meta and every committed block in order (one read transaction, in the blocks
   * worker when there is one). Once read, `open(meta)` returns the sink that receives each
   * block's vectors, in order, as a view over the read buffer (no copy: the sink copies what it
   * keeps, for example into a search store), with the position of its first row. The refs stay
   * in their stored columns. Works on a partial index too (the committed prefix; check
   * `meta.complete`). Null when the key is not stored. Rejects with StorageError when the blocks
   * do not add up to the committed count.
   */
  async loadInto(key: string, open: (meta: IndexMeta) => BlockSink, opts: LoadOptions = {}): Promise<LoadedBlocks | null> {
    const r = await this.loadRaw(key, opts);
    if (!r) return null;
    const h0 = performance.now();
    const sink = open(r.meta);
    for (const b of r.read.blocks) sink(new Float32Array(r.read.vectors, b.offset, b.count * b.dims), b.first, b.count);
    return { meta: r.meta, refs: r.refs, readMs: r.readMs, assembleMs: r.assembleMs + performance.now() - h0 };
  }

  /** Reads and checks the blocks; builds the refs. */
  private async loadRaw(key: string, opts: LoadOptions): Promise<{ meta: IndexMeta; read: ReadBlocks; refs: StoredRefs; readMs: number; assembleMs: number } | null> {
    const t0 = performance.now();
    const read = await this.readBlocks(key, opts);
    const t1 = performance.now();
    if (!read) return null;
    const { meta } = read;
    const dims = meta.dims;
    const total = meta.committedChunks;
    const damaged = (why: string) => new IndexDamaged(key, why);
    let at = 0;
    const parts: Array<{ first: number; count: number; cols: RefColumns }> = [];
    const int = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0;
    if (!int(dims) || dims === 0 || !int(total)) throw damaged(`its metadata has a field of the wrong type (dims ${JSON.stringify(dims)}, committed chunks ${JSON.stringify(total)})`);
    for (const b of read.blocks) {
      const problem = ![b.first, b.count, b.dims].every(int)
        ? `block ${b.blockNo} has a field of the wrong type (first ${JSON.stringify(b.first)}, count ${JSON.stringify(b.count)}, dims ${JSON.stringify(b.dims)})`
        : b.first !== at
          ? `block ${b.blockNo} starts at chunk ${b.first}, where chunk ${at} was expected (a block is missing or out of place)`
          : b.dims !== dims
            ? `block ${b.blockNo} has ${b.dims} dimensions, the index ${dims}`
            : b.bytes !== b.count * dims * 4
              ? `block ${b.blockNo} holds ${b.bytes} bytes of vectors, ${b.count} × ${dims} × 4 = ${b.count * dims * 4} expected`
              : at + b.count > total
                ? `block ${b.blockNo} ends at chunk ${at + b.count}, past the ${total} committed`
                : b.damage
                  ? `block ${b.blockNo}: ${b.damage}`
                  : null;
      if (problem) throw damaged(problem);
      parts.push({ first: at, count: b.count, cols: b.cols });
      at += b.count;
    }
    if (at !== total) throw damaged(`its blocks hold ${at} chunks, ${total} were committed (a block is missing)`);
    const refs = new StoredRefs(parts);
    return { meta, read, refs, readMs: t1 - t0, assembleMs: performance.now() - t1 };
  }

  /**
   * Reads the meta and every committed block in order into one contiguous vector array (see
   * `loadInto`; the read buffer itself, no copy). Works on a partial index too (it returns the
   * committed prefix; check `meta.complete`). Null when the key is not stored.
   */
  async load(key: string, opts: LoadOptions = {}): Promise<LoadedIndex | null> {
    const r = await this.loadRaw(key, opts);
    if (!r) return null;
    const vectors = new Float32Array(r.read.vectors, 0, r.meta.committedChunks * r.meta.dims);
    let chunks: ChunkRef[] | null = null;
    const refs = r.refs;
    return {
      meta: r.meta,
      refs,
      readMs: r.readMs,
      assembleMs: r.assembleMs,
      vectors,
      get chunks(): ChunkRef[] {
        return (chunks ??= refs.toArray());
      },
    };
  }

  /** Deletes an index, its blocks and its stored kinds. */
  async delete(key: string): Promise<void> {
    const db = this.db;
    await guarded(db, 'delete the stored index', async () => {
      const tx = db.transaction(['indexes', 'blocks', 'kinds'], 'readwrite');
      const w = watch(tx);
      w.req(tx.objectStore('blocks').delete(blockRange(key)));
      w.req(tx.objectStore('kinds').delete(kindRange(key)));
      w.req(tx.objectStore('indexes').delete(key));
      await w.done();
    });
  }
}
