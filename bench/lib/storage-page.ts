/**
 * What the storage benchmark page (bench/storage.ts) and the storage test fixtures
 * (tests/pages/storage-fixtures.ts) share: an ingestion through the app's repository (blocks,
 * commit policy, write lock, resume), reading it back, the page's stores, and the `{error}` form a
 * failure takes across `page.evaluate`. Everything runs through src/storage against the page's
 * real IndexedDB.
 */
import { errorInfo } from '../../src/core/errors';
import { sha256Hex } from '../../src/core/documents';
import { indexKey, chunkListHash, type IndexKey } from '../../src/core/index-key';
import { StorageQuotaError, type StorageEstimate } from '../../src/storage/errors';
import { BatchCommitter, INGEST_COMMIT_POLICY, type CommitPolicy } from '../../src/storage/commit-policy';
import { withIndexWriteLock } from '../../src/storage/locks';
import { openStore, type RagtabStore } from '../../src/storage/store';
import { checksum, randomUnitVectors } from './vectors';
import { syntheticChunks, syntheticKeyParts } from './storage-data';

const logEl = document.getElementById('log');
export function log(msg: string): void {
  if (logEl) logEl.textContent += msg + '\n';
  console.log(`[bench] ${msg}`);
}

export interface Failure {
  error: { name: string; message: string; needed?: number; estimate?: StorageEstimate | null };
}

export async function safe<T>(fn: () => Promise<T>): Promise<T | Failure> {
  try {
    return await fn();
  } catch (e) {
    const info: Failure['error'] = errorInfo(e);
    if (e instanceof StorageQuotaError) {
      info.needed = e.needed;
      info.estimate = e.estimate;
    }
    log(`error ${info.name}: ${info.message}`);
    return { error: info };
  }
}

type PageFn = (o: never) => Promise<unknown>;
type Safe<T extends Record<string, PageFn>> = { [K in keyof T]: (o: Parameters<T[K]>[0]) => Promise<Awaited<ReturnType<T[K]>> | Failure> };

/** A page's methods as `page.evaluate` calls them: each resolves with its JSON result or `{error}`. */
export function safeApi<T extends Record<string, PageFn>>(fns: T): Safe<T> {
  return Object.fromEntries(Object.entries(fns).map(([k, f]) => [k, (o: never) => safe(() => f(o))])) as Safe<T>;
}

export async function keyFor(label: string): Promise<IndexKey> {
  return indexKey(syntheticKeyParts(label, await sha256Hex(`corpus:${label}`)));
}

export const stores = new Map<string, RagtabStore>();
export async function store(name: string): Promise<RagtabStore> {
  let s = stores.get(name);
  if (!s || s.closed) {
    s = await openStore({ name });
    stores.set(name, s);
  }
  return s;
}

export function bytesEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

// ─────────────────────────────── ingestion (tests and benchmark) ───────────────────────────────

export interface IngestOptions {
  db: string;
  label: string;
  total: number;
  dims: number;
  blockSize: number;
  seed: number;
  /** Stop (leaving the index partial) after writing this many blocks in this call. */
  stopAfterBlocks?: number;
  /** After this many blocks, wait for `openGate()` (or forever: the page is closed meanwhile). */
  gateAfterBlocks?: number;
  /** Mark complete when every chunk is stored (default true). */
  complete?: boolean;
  /** appendBlock calls in flight at once (default 1: each awaited before the next). */
  inflight?: number;
  /**
   * 'ingest': batches of `blockSize` go through a `BatchCommitter` with INGEST_COMMIT_POLICY, as
   * ingestion does (src/engine/ingest.ts); a CommitPolicy: the same with that policy. Default:
   * one appendBlock (one transaction) per batch.
   */
  commit?: 'ingest' | CommitPolicy;
}

export interface IngestOutcome {
  key: string;
  begin: { committedChunks: number; nextBlock: number; complete: boolean; resumed: boolean; restarted: string | null };
  blocksWritten: number;
  committedChunks: number;
  complete: boolean;
  /** The message given to onWait, when the lock was held elsewhere. */
  waitMessage: string | null;
  /** ms from begin to the last block's commit (the benchmark's write time). */
  appendMs: number;
  /** ms of complete() (marking complete + compacting the blocks). */
  completeMs: number;
  /** ms from begin to the end. */
  writeMs: number;
}

export let gate: { promise: Promise<void>; open: () => void } | null = null;
function newGate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

export const progress = { blocks: 0, committed: 0, waiting: false, waitMessage: null as string | null };

export async function ingest(o: IngestOptions): Promise<IngestOutcome> {
  const s = await store(o.db);
  const key = await keyFor(o.label);
  const chunks = syntheticChunks(o.total);
  const vectors = randomUnitVectors(o.total, o.dims, o.seed);
  const chunksHash = await chunkListHash(chunks);
  progress.blocks = 0;
  progress.waitMessage = null;
  let waitMessage: string | null = null;
  if (o.gateAfterBlocks !== undefined) gate = newGate();
  return withIndexWriteLock(
    key.key,
    {
      onWait: (w) => {
        waitMessage = w.message;
        progress.waiting = true;
        progress.waitMessage = w.message;
        log(w.message);
      },
    },
    async () => {
      progress.waiting = false;
      const t0 = performance.now();
      const b = await s.indexes.begin({ key, dims: o.dims, totalChunks: o.total, chunksHash });
      let written = 0;
      let committed = b.committedChunks;
      let blockNo = b.nextBlock;
      let complete = b.complete;
      let appendMs = 0;
      let completeMs = 0;
      if (!b.complete && o.commit) {
        // the ingestion path: batches buffered and committed by the policy
        const commits = new BatchCommitter(s.indexes, key.key, b.nextBlock, o.commit === 'ingest' ? INGEST_COMMIT_POLICY : o.commit);
        let stopped = false;
        for (let i = b.committedChunks; i < o.total; i += o.blockSize) {
          // stopAfterBlocks counts batches here; stopping leaves the buffered ones uncommitted, as a closed page would
          if (o.stopAfterBlocks !== undefined && (i - b.committedChunks) / o.blockSize >= o.stopAfterBlocks) {
            stopped = true;
            break;
          }
          const end = Math.min(o.total, i + o.blockSize);
          await commits.add(chunks.slice(i, end), vectors.subarray(i * o.dims, end * o.dims));
          written = commits.commits;
          committed = b.committedChunks + commits.committed;
          progress.blocks = written;
          progress.committed = committed;
        }
        if (stopped) await commits.settle();
        else await commits.finish();
        written = commits.commits;
        committed = b.committedChunks + commits.committed;
        appendMs = performance.now() - t0;
        if (committed === o.total && o.complete !== false) {
          const c0 = performance.now();
          complete = (await s.indexes.complete(key.key)).complete;
          completeMs = performance.now() - c0;
        }
      } else if (!b.complete) {
        const inflight = Math.max(1, o.inflight ?? 1);
        const pending: Array<Promise<void>> = [];
        for (let i = b.committedChunks; i < o.total; i += o.blockSize) {
          if (o.stopAfterBlocks !== undefined && blockNo - b.nextBlock >= o.stopAfterBlocks) break;
          if (gate && o.gateAfterBlocks === blockNo - b.nextBlock) {
            await Promise.all(pending.splice(0));
            await gate.promise;
          }
          const end = Math.min(o.total, i + o.blockSize);
          // appendBlock copies the vectors at once: up to `inflight` transactions queue behind each other
          pending.push(
            s.indexes.appendBlock(key.key, blockNo++, chunks.slice(i, end), vectors.subarray(i * o.dims, end * o.dims)).then((meta) => {
              committed = Math.max(committed, meta.committedChunks);
              written++;
              progress.blocks = written;
              progress.committed = committed;
            }),
          );
          if (pending.length >= inflight) await pending.shift();
        }
        await Promise.all(pending);
        appendMs = performance.now() - t0;
        if (committed === o.total && o.complete !== false) {
          const c0 = performance.now();
          complete = (await s.indexes.complete(key.key)).complete;
          completeMs = performance.now() - c0;
        }
      }
      const writeMs = performance.now() - t0;
      return {
        key: key.key,
        begin: { committedChunks: b.committedChunks, nextBlock: b.nextBlock, complete: b.complete, resumed: b.resumed, restarted: b.restarted },
        blocksWritten: written,
        committedChunks: committed,
        complete,
        waitMessage,
        appendMs,
        completeMs,
        writeMs,
      };
    },
  );
}

export interface LoadSummary {
  found: boolean;
  complete: boolean;
  committedChunks: number;
  totalChunks: number;
  ids: string[];
  checksum: string;
  /** The loaded vectors equal the first `committedChunks` rows of the generated ones, bit for bit. */
  equalsInput: boolean;
  refsEqualInput: boolean;
  /** Block records stored (after compaction, fewer than the blocks appended). */
  blocksStored: number;
}

export async function loadSummary(o: { db: string; label: string; dims: number; seed: number; total: number; fresh?: boolean }): Promise<LoadSummary> {
  if (o.fresh) {
    stores.get(o.db)?.close();
    stores.delete(o.db);
  }
  const s = await store(o.db);
  const key = await keyFor(o.label);
  const r = await s.indexes.load(key.key);
  if (!r) return { found: false, complete: false, committedChunks: 0, totalChunks: 0, ids: [], checksum: '', equalsInput: false, refsEqualInput: false, blocksStored: 0 };
  const input = randomUnitVectors(o.total, o.dims, o.seed).subarray(0, r.meta.committedChunks * o.dims);
  const chunks = syntheticChunks(o.total).slice(0, r.meta.committedChunks);
  return {
    found: true,
    complete: r.meta.complete,
    committedChunks: r.meta.committedChunks,
    totalChunks: r.meta.totalChunks,
    ids: r.chunks.map((c) => c.id),
    checksum: checksum(r.vectors),
    equalsInput: bytesEqual(r.vectors, input),
    refsEqualInput: JSON.stringify(r.chunks) === JSON.stringify(chunks),
    blocksStored: await s.db.count('blocks', IDBKeyRange.bound([key.key, -Infinity], [key.key, Infinity])),
  };
}

export async function deleteIndex(o: { db: string; key: string }) {
  await (await store(o.db)).storage.delete({ kind: 'index', key: o.key });
  return { deleted: o.key };
}

