/**
 * Stored indexes: a meta record per index key and its vectors as binary blocks (one record per
 * block: a Blob of count × dims float32 and the block's chunk refs, column by column).
 *
 * Blocks are read (and compacted) in a short-lived worker (blocks.worker.ts) when the repository
 * was given one: a Blob read from IndexedDB pins its file until the Blob is garbage-collected, and
 * terminating the worker releases every such handle at once, so deleting an index frees its space
 * when the delete commits. The worker also keeps the read's deserialisation off the page's thread.
 *
 * Writing is resumable: `begin` creates the meta or finds the one a closed page left behind and
 * says how many chunks are committed; each `appendBlock` writes one block AND advances the meta's
 * committed count in ONE transaction, so after any interruption the stored blocks are exactly the
 * first `committedChunks` chunks: resume from there, nothing duplicated or missing.
 * Take `withIndexWriteLock(key, …)` (locks.ts) around begin → appendBlock… → complete so only one
 * tab writes a given index.
 */
import type { Chunk } from '../core/chunking';
import { embeddingText, type Doc } from '../core/documents';
import { RagtabError } from '../core/errors';
import { slicer } from '../core/yield';
import { INDEX_FORMAT_VERSION, type IndexKey } from '../core/index-key';
import { VECTORS_TYPE, blockBytes, concatRefs, packRefs, refAt, refDocId, refId, type BlockRecord, type ChunkRef, type IndexMeta, type RagtabDb, type RefColumns } from './db';
import { guarded, mapStorageError, quiet } from './errors';

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

/**
 * The chunk refs of a loaded index, kept as the blocks' columns: nothing is rebuilt until asked
 * for (`id(i)` for a search hit's id, `toArray()` or `chunksFromRefs` for all of them).
 */
export class StoredRefs {
  readonly length: number;
  private readonly firsts: number[] = [];
  private readonly cols: RefColumns[] = [];

  constructor(blocks: ReadonlyArray<{ first: number; count: number; cols: RefColumns }>) {
    let n = 0;
    for (const b of blocks) {
      if (b.first !== n) throw new RangeError(`refs block at ${b.first} does not follow ${n}`);
      this.firsts.push(b.first);
      this.cols.push(b.cols);
      n += b.count;
    }
    this.length = n;
  }

  /** [block columns, row in the block] of chunk `i`. */
  private locate(i: number): [RefColumns, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`chunk ${i} out of range 0..${this.length - 1}`);
    let lo = 0;
    let hi = this.firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.firsts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [this.cols[lo]!, i - this.firsts[lo]!];
  }

  id(i: number): string {
    const [c, r] = this.locate(i);
    return refId(c, r);
  }

  docId(i: number): string {
    const [c, r] = this.locate(i);
    return refDocId(c, r);
  }

  at(i: number): ChunkRef {
    const [c, r] = this.locate(i);
    return refAt(c, r);
  }

  /** Every chunk's id, in order. */
  ids(): string[] {
    const out = new Array<string>(this.length);
    let k = 0;
    for (let b = 0; b < this.cols.length; b++) {
      const c = this.cols[b]!;
      const n = (b + 1 < this.firsts.length ? this.firsts[b + 1]! : this.length) - this.firsts[b]!;
      for (let i = 0, from = 0; i < n; i++) {
        const to = c.ends[i * 2]!;
        out[k++] = c.ids.slice(from, to);
        from = to;
      }
    }
    return out;
  }

  toArray(): ChunkRef[] {
    const out = new Array<ChunkRef>(this.length);
    let k = 0;
    for (let b = 0; b < this.cols.length; b++) {
      const c = this.cols[b]!;
      const n = (b + 1 < this.firsts.length ? this.firsts[b + 1]! : this.length) - this.firsts[b]!;
      for (let i = 0; i < n; i++) out[k++] = refAt(c, i);
    }
    return out;
  }
}

/** How `load` reads the blocks (measured: bench/README-storage.md; the default is the fastest). */
export type BlockReadMode = 'cursor' | 'getAll' | 'parallel';

export interface LoadOptions {
  read?: BlockReadMode;
  /**
   * Where the blocks are read: 'worker' (default when the repository has a worker factory: a
   * short-lived worker, terminated afterwards, so no Blob handle outlives the read) or 'inline'
   * (this thread; the Blob handles live until garbage collection).
   */
  via?: 'worker' | 'inline';
}

/** What a block read hands back: each block's position, vectors and ref columns (no Blob). */
export interface ReadBlock {
  blockNo: number;
  first: number;
  count: number;
  dims: number;
  /** byte offset and length of this block's vectors in `ReadBlocks.vectors`. */
  offset: number;
  bytes: number;
  cols: RefColumns;
}

export interface ReadBlocks {
  meta: IndexMeta;
  blocks: ReadBlock[];
  /** Every block's vectors, in block order, one buffer. */
  vectors: ArrayBuffer;
  /** ms in the read transaction, then ms turning the Blobs into the one buffer. */
  txMs: number;
  bytesMs: number;
}

/** Requests the blocks worker understands (blocks.worker.ts). */
export type BlocksRequest = { op: 'read'; db: string; key: string; read: BlockReadMode } | { op: 'compact'; db: string; key: string; targetBytes: number };
export type BlocksReply = { ok: true; result: ReadBlocks | null | CompactResult } | { ok: false; error: { name: string; message: string } };

export interface CompactResult {
  before: number;
  after: number;
  ms: number;
}

/** Creates the worker that runs blocks.worker.ts. */
export type BlocksWorkerFactory = () => Worker;

export interface IndexesRepoOptions {
  /** Read and compact blocks in a short-lived worker from this factory (null: on this thread). */
  worker?: BlocksWorkerFactory | null;
}

/** When ingestion commits what it embedded (see `BatchCommitter`). */
export interface CommitPolicy {
  /** Commit once at least this many vectors are waiting (1: every embedded batch). */
  maxVectors: number;
  /** ... or once the oldest waiting batch is this old (ms). */
  maxDelayMs: number;
}

/**
 * Ingestion's policy: one transaction per ~8,192 vectors or per 2 s of embedding, whichever comes
 * first. A closed page loses at most what was embedded since the last commit (< 8,192 vectors or
 * < 2 s of embedding plus the batch in hand), which the resume embeds again; with a real encoder
 * the 2 s bound comes first. Blocks of 8,192 are above the compaction target, so a fast ingestion
 * needs no compaction. 8,192 rather than 4,096: cold load of 50k 221-244 ms vs 269-287 ms in five
 * alternated runs each (fewer, larger blocks), writes 82k-125k vs 78k-103k vectors/s (noisy).
 */
export const INGEST_COMMIT_POLICY: CommitPolicy = { maxVectors: 8192, maxDelayMs: 2000 };

/**
 * Groups embedded batches into commits by a `CommitPolicy`: `add` buffers a batch (copying its
 * vectors, so the caller may transfer them) and commits the buffered batches as ONE block in one
 * transaction when the policy says so; `finish` commits the rest and waits for it. Commits run in
 * order with at most one in flight: `add` starts a commit without waiting for it (the caller
 * embeds the next batch meanwhile) and waits only for the one before it; a failed commit rejects
 * the next `add` or `finish`, and nothing after it is committed.
 */
export class BatchCommitter {
  private chunks: ChunkRef[] = [];
  private parts: Float32Array[] = [];
  private waiting = 0;
  private since = 0;
  /** Transactions committed so far. */
  commits = 0;
  /** Chunks committed by this committer. */
  committed = 0;

  constructor(
    private readonly repo: Pick<IndexesRepo, 'appendBlock'>,
    private readonly key: string,
    private blockNo: number,
    private readonly policy: CommitPolicy = INGEST_COMMIT_POLICY,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Chunks buffered, not yet committed. */
  get pending(): number {
    return this.waiting;
  }

  /** The block number the next commit will use. */
  get nextBlock(): number {
    return this.blockNo;
  }

  async add(chunks: ReadonlyArray<ChunkRef>, vectors: Float32Array): Promise<void> {
    if (chunks.length === 0) return;
    if (this.waiting === 0) this.since = this.now();
    for (const c of chunks) this.chunks.push(c);
    this.parts.push(vectors.slice());
    this.waiting += chunks.length;
    if (this.waiting >= this.policy.maxVectors || this.now() - this.since >= this.policy.maxDelayMs) await this.flush();
  }

  /** Starts committing what is buffered (after the commit in flight, if any, succeeded). */
  async flush(): Promise<void> {
    await this.inflight; // rethrows the previous commit's failure
    if (this.waiting === 0) return;
    const chunks = this.chunks;
    const parts = this.parts;
    this.chunks = [];
    this.parts = [];
    const n = this.waiting;
    this.waiting = 0;
    const blockNo = this.blockNo++;
    const p = this.repo.appendBlock(this.key, blockNo, chunks, parts).then(() => {
      this.commits++;
      this.committed += n;
    });
    p.catch(() => undefined); // reported by the next add/flush/finish
    this.inflight = p;
  }

  /** Waits for the commit in flight (the buffered batches stay uncommitted). */
  async settle(): Promise<void> {
    await this.inflight;
  }

  /** Commits what is buffered and waits until every commit is done. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inflight;
  }

  private inflight: Promise<void> = Promise.resolve();
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

/** The default read mode of `load`. */
export const DEFAULT_READ: BlockReadMode = 'getAll';

/** Compaction merges blocks up to this many bytes of vectors (4,096 vectors of 384 dims). */
export const COMPACT_TARGET_BYTES = 6 * 2 ** 20;

function blockRange(key: string): IDBKeyRange {
  return IDBKeyRange.bound([key, -Infinity], [key, Infinity]);
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
 * Reads an index's meta and blocks in one read transaction, then every block's Blob into one
 * buffer. Null when the key is not stored. Runs in the blocks worker (or inline).
 */
export async function readStoredBlocks(db: RagtabDb, key: string, mode: BlockReadMode = DEFAULT_READ): Promise<ReadBlocks | null> {
  const t0 = performance.now();
  const tx = db.transaction(['indexes', 'blocks'], 'readonly');
  const store = tx.objectStore('blocks');
  const metaP = tx.objectStore('indexes').get(key);
  let records: BlockRecord[];
  if (mode === 'getAll') records = await store.getAll(blockRange(key));
  else if (mode === 'parallel') {
    const keys = await store.getAllKeys(blockRange(key));
    records = (await Promise.all(keys.map((k) => store.get(k)))).filter((b): b is BlockRecord => b !== undefined);
  } else {
    records = [];
    for (let c = await store.openCursor(blockRange(key)); c; c = await c.continue()) records.push(c.value);
  }
  const meta = await metaP;
  await tx.done;
  const t1 = performance.now();
  if (!meta) return null;
  const blocks: ReadBlock[] = [];
  const blobs: Blob[] = [];
  let offset = 0;
  for (const b of records) {
    const v = b.vectors as Blob | ArrayBuffer;
    const blob = v instanceof Blob ? v : new Blob([v]);
    blobs.push(blob);
    blocks.push({ blockNo: b.blockNo, first: b.first, count: b.count, dims: b.dims, offset, bytes: blob.size, cols: { ids: b.ids, docIds: b.docIds, ends: b.ends, nums: b.nums, truncated: b.truncated } });
    offset += blob.size;
  }
  records = [];
  // one read of all the blocks' files into one buffer
  const vectors = blobs.length === 1 ? await blobs[0]!.arrayBuffer() : await new Blob(blobs).arrayBuffer();
  blobs.length = 0;
  return { meta, blocks, vectors, txMs: t1 - t0, bytesMs: performance.now() - t1 };
}

/** The body of `IndexesRepo.compact` (runs in the blocks worker, or inline). */
export async function compactStored(db: RagtabDb, key: string, targetBytes = COMPACT_TARGET_BYTES): Promise<CompactResult> {
  const t0 = performance.now();
  const meta = await db.get('indexes', key);
  const before = await db.count('blocks', blockRange(key));
  if (!meta || !meta.complete || before <= 1) return { before, after: before, ms: performance.now() - t0 };
  if ((meta.committedChunks * meta.dims * 4) / before >= targetBytes / 2) return { before, after: before, ms: performance.now() - t0 };
  let from = -Infinity;
  for (;;) {
    // one merged block per transaction: the index is whole after every step
    const tx = db.transaction('blocks', 'readwrite', { durability: 'relaxed' });
    const group: BlockRecord[] = [];
    let bytes = 0;
    let cursor = await tx.store.openCursor(IDBKeyRange.bound([key, from], [key, Infinity], true, false));
    for (; cursor && (group.length === 0 || bytes + cursor.value.vectors.size <= targetBytes); cursor = await cursor.continue()) {
      group.push(cursor.value);
      bytes += cursor.value.vectors.size;
      if (group.length > 1) quiet(cursor.delete());
    }
    if (group.length > 1) {
      const head = group[0]!;
      const count = group.reduce((n, b) => n + b.count, 0);
      // the merged Blob is made of the stored ones: the bytes never pass through JavaScript
      const vectors = new Blob(group.map((b) => b.vectors), { type: VECTORS_TYPE });
      quiet(tx.store.put({ indexKey: key, blockNo: head.blockNo, first: head.first, count, dims: meta.dims, vectors, ...concatRefs(group) }));
    }
    await tx.done;
    if (!cursor || group.length === 0) break;
    from = group[group.length - 1]!.blockNo;
  }
  const after = await db.count('blocks', blockRange(key));
  return { before, after, ms: performance.now() - t0 };
}

/** Runs one request in a fresh blocks worker and terminates it (which drops its Blob handles). */
function inWorker(factory: BlocksWorkerFactory, req: BlocksRequest): Promise<BlocksReply> {
  return new Promise<BlocksReply>((resolve, reject) => {
    let w: Worker;
    try {
      w = factory();
    } catch (e) {
      reject(e);
      return;
    }
    w.onmessage = (e: MessageEvent<BlocksReply>) => {
      w.terminate();
      resolve(e.data);
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      w.terminate();
      reject(new Error(`the blocks worker failed to start: ${e.message || 'no message'}`));
    };
    w.postMessage(req);
  });
}

export class IndexesRepo {
  private readonly worker: BlocksWorkerFactory | null;
  private workerBroken = false;

  constructor(
    private readonly db: RagtabDb,
    opts: IndexesRepoOptions = {},
  ) {
    this.worker = opts.worker ?? null;
  }

  /** Runs `req` in the blocks worker; null when there is none (or it cannot start): run it inline. */
  private async offload(req: BlocksRequest): Promise<{ value: ReadBlocks | null | CompactResult } | null> {
    if (!this.worker || this.workerBroken) return null;
    let reply: BlocksReply;
    try {
      reply = await inWorker(this.worker, req);
    } catch (e) {
      this.workerBroken = true;
      console.warn(`ragtab storage: ${e instanceof Error ? e.message : String(e)}; reading blocks on the page instead`);
      return null;
    }
    if (!reply.ok) {
      const code = reply.error.name;
      const known = code === 'StorageError' || code === 'StorageClosed' || code === 'QuotaExceeded';
      throw new RagtabError(known ? code : 'StorageError', reply.error.message);
    }
    return { value: reply.result };
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
        const tx = db.transaction(['indexes', 'blocks'], 'readwrite');
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
            quiet(metas.put(meta));
          }
          await tx.done;
          return { meta, committedChunks: meta.committedChunks, nextBlock: meta.committedBlocks, complete: meta.complete, resumed: !meta.complete && meta.committedChunks > 0, restarted: null };
        }
        restarted = `The stored index for this configuration was started again: ${why}.`;
        quiet(tx.objectStore('blocks').delete(blockRange(key)));
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
      quiet(metas.put(meta));
      await tx.done;
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
    // copied now (synchronously, by the Blob): the caller may transfer or reuse its buffers
    const buf = new Blob(parts as unknown as BlobPart[], { type: VECTORS_TYPE });
    const cols = packRefs(chunks);
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
      block = { indexKey: key, blockNo, first: meta.committedChunks, count: n, dims, vectors: buf, ...cols };
      const next: IndexMeta = {
        ...meta,
        committedChunks: meta.committedChunks + n,
        committedBlocks: meta.committedBlocks + 1,
        bytes: meta.bytes + needed,
        updatedAt: Date.now(),
      };
      quiet(tx.objectStore('blocks').put(block));
      quiet(metas.put(next));
      await tx.done;
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
      const meta = await tx.store.get(key);
      if (!meta) throw fail('Could not mark the index complete: it is no longer stored.');
      if (meta.committedChunks !== meta.totalChunks) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw fail(`Could not mark the index complete: ${meta.committedChunks} of its ${meta.totalChunks} chunks are stored.`);
      }
      const now = Date.now();
      const next: IndexMeta = { ...meta, complete: true, updatedAt: now, completedAt: meta.completedAt ?? now };
      quiet(tx.store.put(next));
      await tx.done;
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
    const off = await this.offload({ op: 'compact', db: db.name, key, targetBytes });
    if (off) return off.value as CompactResult;
    return guarded(db, 'compact the stored index', () => compactStored(db, key, targetBytes));
  }

  /** Reads the meta and every block (in the blocks worker when there is one). */
  async readBlocks(key: string, opts: LoadOptions = {}): Promise<ReadBlocks | null> {
    const db = this.db;
    const mode = opts.read ?? DEFAULT_READ;
    if ((opts.via ?? 'worker') === 'worker') {
      const off = await this.offload({ op: 'read', db: db.name, key, read: mode });
      if (off) return off.value as ReadBlocks | null;
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
    const damaged = (why: string) => fail(`The stored index is damaged (${why}): delete it in the storage panel and ingest again.`);
    let at = 0;
    const parts: Array<{ first: number; count: number; cols: RefColumns }> = [];
    for (const b of read.blocks) {
      if (b.first !== at || b.dims !== dims || b.bytes !== b.count * dims * 4 || at + b.count > total || b.offset !== at * dims * 4) {
        throw damaged(`block ${b.blockNo} does not follow (chunk ${b.first}, expected ${at})`);
      }
      parts.push({ first: at, count: b.count, cols: b.cols });
      at += b.count;
    }
    if (at !== total) throw damaged(`${at} chunks in the blocks, ${total} committed`);
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

  /** Deletes an index and its blocks. */
  async delete(key: string): Promise<void> {
    const db = this.db;
    await guarded(db, 'delete the stored index', async () => {
      const tx = db.transaction(['indexes', 'blocks'], 'readwrite');
      quiet(tx.objectStore('blocks').delete(blockRange(key)));
      quiet(tx.objectStore('indexes').delete(key));
      await tx.done;
    });
  }
}

/** Chunk refs as they came out of `chunkDocuments` (the extra `text` is ignored). */
export function refsOf(chunks: ReadonlyArray<Chunk>): ChunkRef[] {
  return chunks.map((c) => {
    const r: ChunkRef = { id: c.id, docId: c.docId, index: c.index, start: c.start, end: c.end, tokens: c.tokens };
    if (c.truncated) r.truncated = true;
    return r;
  });
}

/**
 * `chunksFromRefs`, giving the page's event loop a turn every few ms (src/core/yield.ts), so
 * rebuilding 50,000 chunks after a load does not hold the page's thread in one long task.
 */
export async function chunksFromRefsInSlices(refs: StoredRefs, docs: ReadonlyArray<Doc>): Promise<Chunk[]> {
  const texts = new Map<string, string>();
  for (const d of docs) texts.set(d.id, embeddingText(d));
  const out = new Array<Chunk>(refs.length);
  const breathe = slicer();
  for (let i = 0; i < refs.length; i++) {
    out[i] = chunkFromRef(refs.at(i), texts);
    const pause = breathe();
    if (pause) await pause;
  }
  return out;
}

function chunkFromRef(r: ChunkRef, texts: ReadonlyMap<string, string>): Chunk {
  const t = texts.get(r.docId);
  if (t === undefined || r.end > t.length || r.start < 0 || r.start > r.end) {
    throw fail(`The stored chunk ${r.id} does not match the corpus's documents (document ${t === undefined ? 'missing' : 'too short'}).`);
  }
  // the chunker always sets the flag: so does this
  return { id: r.id, docId: r.docId, index: r.index, text: t.slice(r.start, r.end), start: r.start, end: r.end, tokens: r.tokens, truncated: r.truncated === true };
}

/**
 * Rebuilds full chunks (with their text) from stored refs and the corpus's documents: the text is
 * `embeddingText(doc).slice(start, end)`, as the chunker made it. Throws StorageError when a
 * chunk's document is missing or too short (the refs do not belong to these documents).
 */
export function chunksFromRefs(refs: ReadonlyArray<ChunkRef> | StoredRefs, docs: ReadonlyArray<Doc>): Chunk[] {
  const texts = new Map<string, string>();
  for (const d of docs) texts.set(d.id, embeddingText(d));
  const list = refs instanceof StoredRefs ? refs.toArray() : refs;
  return list.map((r) => chunkFromRef(r, texts));
}
