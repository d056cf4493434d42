/**
 * The storage test and benchmark page (bench/storage.html): exposes `window.storageBench`, driven
 * by tests/e2e/storage.spec.ts and scripts/bench-storage.ts. Everything runs through the app's
 * storage layer (src/storage) against the page's real IndexedDB. Each method resolves with plain
 * JSON; a failure resolves with `{error: {name, message, …}}` so the caller sees the error code.
 */
import { openDB } from 'idb';
import './lib/environment';
import { chunkListHash, indexKey, type IndexKey } from '../src/core/index-key';
import { corpusHash, sha256Hex, type Corpus } from '../src/core/documents';
import { errorInfo } from '../src/core/errors';
import { exactTopK } from '../src/core/topk';
import { DB_VERSION, VECTORS_TYPE, blockBytes, deleteRagtabDb, openRagtabDb, packRefs, type RagtabDBv1, type RagtabDBv2, type RagtabDBv3 } from '../src/storage/db';
import { StorageQuotaError, readEstimate, type StorageEstimate } from '../src/storage/errors';
import { BatchCommitter, INGEST_COMMIT_POLICY, chunksFromRefs, type BlockReadMode, type CommitPolicy } from '../src/storage/indexes';
import { SimdStore } from '../workers/lib/simd-scan';
import { withIndexWriteLock } from '../src/storage/locks';
import { openStore, type RagtabStore } from '../src/storage/store';
import '../src/ui/ragtab-storage';
import { checksum, randomUnitVectors } from './lib/vectors';
import { syntheticChunks, syntheticCorpus, syntheticKeyParts } from './lib/storage-data';
import { probeClear, probeDelete, probeRead, probeWrite } from './lib/storage-probe';

const logEl = document.getElementById('log');
function log(msg: string): void {
  if (logEl) logEl.textContent += msg + '\n';
  console.log(`[bench] ${msg}`);
}

export interface Failure {
  error: { name: string; message: string; needed?: number; estimate?: StorageEstimate | null };
}

async function safe<T>(fn: () => Promise<T>): Promise<T | Failure> {
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

async function keyFor(label: string): Promise<IndexKey> {
  return indexKey(syntheticKeyParts(label, await sha256Hex(`corpus:${label}`)));
}

const stores = new Map<string, RagtabStore>();
async function store(name: string): Promise<RagtabStore> {
  let s = stores.get(name);
  if (!s || s.closed) {
    s = await openStore({ name });
    stores.set(name, s);
  }
  return s;
}

function bytesEqual(a: Float32Array, b: Float32Array): boolean {
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

let gate: { promise: Promise<void>; open: () => void } | null = null;
function newGate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const progress = { blocks: 0, committed: 0, waiting: false, waitMessage: null as string | null };

async function ingest(o: IngestOptions): Promise<IngestOutcome> {
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

async function loadSummary(o: { db: string; label: string; dims: number; seed: number; total: number; fresh?: boolean }): Promise<LoadSummary> {
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

// ─────────────────────────────── tests ───────────────────────────────

/** appendBlock + load round trip, and a corpus round trip (several document transactions). */
async function roundTrip(o: { db: string; total: number; dims: number; blockSize: number }) {
  const ing = await ingest({ db: o.db, label: 'roundtrip', total: o.total, dims: o.dims, blockSize: o.blockSize, seed: 11 });
  const load = await loadSummary({ db: o.db, label: 'roundtrip', dims: o.dims, seed: 11, total: o.total, fresh: true });
  const s = await store(o.db);
  const corpus = syntheticCorpus(Math.ceil(o.total / 4));
  const hash = await corpusHash(corpus.docs);
  const rec = await s.corpora.put(corpus, { hash, batchDocs: 97 });
  const back = await s.corpora.get(hash);
  const plain = (c: Corpus | null) => c && { ...c, qrels: [...c.qrels].map(([q, m]) => [q, [...m]]) };
  const key = await keyFor('roundtrip');
  const loaded = (await s.indexes.load(key.key))!;
  const chunks = chunksFromRefs(loaded.chunks, back!.docs);
  return {
    ingest: ing,
    load,
    meta: loaded.meta,
    corpus: { record: rec, equal: JSON.stringify(plain(back)) === JSON.stringify(plain(corpus)), docs: back?.docs.length ?? 0, listed: (await s.corpora.list()).map((c) => c.hash) },
    chunkTexts: { count: chunks.length, firstText: chunks[0]?.text ?? null, allNonEmpty: chunks.every((c) => c.text.length > 0) },
  };
}

/** Creates a v1 database with the v1 layout and data, then opens it with the current code. */
async function upgradeFromV1(o: { db: string }) {
  const v1 = await openRagtabDb({ name: o.db, version: 1 });
  const versionBefore = v1.version;
  const storesBefore = [...v1.objectStoreNames];
  v1.close();
  const dims = 8;
  const corpus = syntheticCorpus(6, 'old corpus');
  const hash = await corpusHash(corpus.docs);
  const key = await keyFor('v1-index');
  const chunks = syntheticChunks(10);
  const vectors = randomUnitVectors(10, dims, 5);
  {
    // the v1 layout, written as the first release wrote it
    const db = await openDB<RagtabDBv1>(o.db, 1);
    const tx = db.transaction(['corpora', 'indexes', 'blocks', 'runs'], 'readwrite');
    void tx.objectStore('corpora').put({ hash, name: corpus.name, source: corpus.source, docs: corpus.docs, createdAt: 1000 });
    const p = key.parts;
    void tx.objectStore('indexes').put({
      key: key.key,
      corpusHash: p.corpusHash,
      modelId: p.model.id,
      revision: p.model.revision,
      baseUrl: p.model.baseUrl,
      dtype: p.dtype,
      pooling: p.pooling,
      normalize: p.normalize,
      chunking: p.chunking,
      dims,
      totalChunks: 10,
      committedChunks: 10,
      complete: true,
      createdAt: 2000,
      updatedAt: 3000,
    });
    void tx.objectStore('blocks').put({ indexKey: key.key, blockNo: 0, vectors: vectors.slice(0, 6 * dims).buffer, chunks: chunks.slice(0, 6) });
    void tx.objectStore('blocks').put({ indexKey: key.key, blockNo: 1, vectors: vectors.slice(6 * dims).buffer, chunks: chunks.slice(6) });
    void tx.objectStore('runs').put({ id: 'run-1', createdAt: 4000, record: { note: 'a v1 run', figures: [1, 2, 3] } });
    void tx.objectStore('runs').put({ id: 'run-2', createdAt: 5000, record: { note: 'a later v1 run' } });
    await tx.done;
    db.close();
  }
  const s = await openStore({ name: o.db });
  stores.set(o.db, s);
  const back = await s.corpora.get(hash);
  const loaded = await s.indexes.load(key.key);
  const runs = await s.runs.list();
  const inv = await s.storage.list();
  return {
    versionBefore,
    storesBefore,
    versionAfter: s.db.version,
    currentVersion: DB_VERSION,
    storesAfter: [...s.db.objectStoreNames],
    corpusEqual: JSON.stringify(back?.docs) === JSON.stringify(corpus.docs),
    corpusName: back?.name ?? null,
    corpusRecord: await s.corpora.record(hash),
    index: loaded && {
      complete: loaded.meta.complete,
      committedChunks: loaded.meta.committedChunks,
      committedBlocks: loaded.meta.committedBlocks,
      canonical: loaded.meta.canonical,
      expectedCanonical: key.canonical,
      bytes: loaded.meta.bytes,
      vectorsEqual: bytesEqual(loaded.vectors, vectors),
      refsEqual: JSON.stringify(loaded.chunks) === JSON.stringify(chunks),
    },
    runs: runs.map((r) => ({ id: r.id, createdAt: r.createdAt, bytes: r.bytes, record: r.record })),
    inventory: { corpora: inv.corpora.length, indexes: inv.indexes.length, runs: inv.runs.length, totalBytes: inv.totalBytes },
    // the resumed write path works on the migrated index too
    begin: await s.indexes.begin({ key, dims, totalChunks: 10 }).then((b) => ({ complete: b.complete, committedChunks: b.committedChunks })),
  };
}

/** Creates a v2 database with v2 blocks (ids as arrays of strings), then opens it with the current code. */
async function upgradeFromV2(o: { db: string }) {
  const v2 = await openRagtabDb({ name: o.db, version: 2 });
  const versionBefore = v2.version;
  v2.close();
  const dims = 8;
  const key = await keyFor('v2-index');
  const chunks = syntheticChunks(10);
  const vectors = randomUnitVectors(10, dims, 6);
  const v2Cols = (from: number, to: number) => {
    const part = chunks.slice(from, to);
    const c = packRefs(part);
    return { ids: part.map((x) => x.id), docIds: part.map((x) => x.docId), nums: c.nums, truncated: c.truncated };
  };
  {
    const db = await openDB<RagtabDBv2>(o.db, 2);
    const tx = db.transaction(['indexes', 'blocks'], 'readwrite');
    const now = 7000;
    void tx.objectStore('indexes').put({
      key: key.key,
      canonical: key.canonical,
      parts: key.parts,
      corpusHash: key.parts.corpusHash,
      formatVersion: 1,
      dims,
      totalChunks: 10,
      chunksHash: null,
      committedChunks: 10,
      committedBlocks: 2,
      complete: true,
      bytes: 1,
      device: null,
      createdAt: now,
      updatedAt: now,
      completedAt: now,
    });
    void tx.objectStore('blocks').put({ indexKey: key.key, blockNo: 0, first: 0, count: 6, dims, vectors: vectors.slice(0, 6 * dims).buffer, ...v2Cols(0, 6) });
    void tx.objectStore('blocks').put({ indexKey: key.key, blockNo: 1, first: 6, count: 4, dims, vectors: vectors.slice(6 * dims).buffer, ...v2Cols(6, 10) });
    await tx.done;
    db.close();
  }
  const s = await openStore({ name: o.db });
  stores.set(o.db, s);
  const loaded = await s.indexes.load(key.key);
  const expectedBytes = blockBytes({ vectors: vectors.slice(0, 6 * dims).buffer, ...packRefs(chunks.slice(0, 6)) }) + blockBytes({ vectors: vectors.slice(6 * dims).buffer, ...packRefs(chunks.slice(6)) });
  return {
    versionBefore,
    versionAfter: s.db.version,
    currentVersion: DB_VERSION,
    index: loaded && {
      complete: loaded.meta.complete,
      committedChunks: loaded.meta.committedChunks,
      bytes: loaded.meta.bytes,
      expectedBytes,
      vectorsEqual: bytesEqual(loaded.vectors, vectors),
      refsEqual: JSON.stringify(loaded.chunks) === JSON.stringify(chunks),
      ids: loaded.refs.ids(),
      truncatedAt: loaded.chunks.flatMap((c, i) => (c.truncated ? [i] : [])),
    },
  };
}

/** Creates a v3 database with v3 blocks (vectors as ArrayBuffers), then opens it with the current code. */
async function upgradeFromV3(o: { db: string }) {
  const v3 = await openRagtabDb({ name: o.db, version: 3 });
  const versionBefore = v3.version;
  v3.close();
  const dims = 8;
  const key = await keyFor('v3-index');
  const chunks = syntheticChunks(10);
  const vectors = randomUnitVectors(10, dims, 7);
  const meta = (bytes: number) => ({
    key: key.key,
    canonical: key.canonical,
    parts: key.parts,
    corpusHash: key.parts.corpusHash,
    formatVersion: 1,
    dims,
    totalChunks: 10,
    chunksHash: null,
    committedChunks: 10,
    committedBlocks: 2,
    complete: true,
    bytes,
    device: null,
    createdAt: 8000,
    updatedAt: 8000,
    completedAt: 8000,
  });
  const b0 = { indexKey: key.key, blockNo: 0, first: 0, count: 6, dims, vectors: vectors.slice(0, 6 * dims).buffer, ...packRefs(chunks.slice(0, 6)) };
  const b1 = { indexKey: key.key, blockNo: 1, first: 6, count: 4, dims, vectors: vectors.slice(6 * dims).buffer, ...packRefs(chunks.slice(6)) };
  const bytes = blockBytes(b0) + blockBytes(b1);
  {
    const db = await openDB<RagtabDBv3>(o.db, 3);
    const tx = db.transaction(['indexes', 'blocks'], 'readwrite');
    void tx.objectStore('indexes').put(meta(bytes));
    void tx.objectStore('blocks').put(b0);
    void tx.objectStore('blocks').put(b1);
    await tx.done;
    db.close();
  }
  const s = await openStore({ name: o.db });
  stores.set(o.db, s);
  const stored = await s.db.getAll('blocks');
  const inline = await s.indexes.load(key.key, { via: 'inline' });
  const loaded = await s.indexes.load(key.key);
  return {
    versionBefore,
    versionAfter: s.db.version,
    currentVersion: DB_VERSION,
    blocks: stored.map((b) => ({ blockNo: b.blockNo, isBlob: b.vectors instanceof Blob, type: b.vectors.type, size: b.vectors.size, count: b.count })),
    expectedType: VECTORS_TYPE,
    index: loaded && {
      complete: loaded.meta.complete,
      committedChunks: loaded.meta.committedChunks,
      bytes: loaded.meta.bytes,
      expectedBytes: bytes,
      vectorsEqual: bytesEqual(loaded.vectors, vectors),
      inlineVectorsEqual: inline !== null && bytesEqual(inline.vectors, vectors),
      refsEqual: JSON.stringify(loaded.chunks) === JSON.stringify(chunks),
    },
    // the write path works on the migrated database
    begin: await s.indexes.begin({ key, dims, totalChunks: 10 }).then((b) => ({ complete: b.complete, committedChunks: b.committedChunks })),
  };
}

/** Appends blocks until the write fails (quota), then reads back what was committed. */
async function fillUntilQuota(o: { db: string; total: number; dims: number; blockSize: number }) {
  const s = await store(o.db);
  const key = await keyFor('quota');
  const chunks = syntheticChunks(o.total);
  const vectors = randomUnitVectors(o.total, o.dims, 21);
  await s.indexes.begin({ key, dims: o.dims, totalChunks: o.total });
  let blocks = 0;
  let failure: Failure | null = null;
  let failedBlockBytes: number | null = null;
  for (let i = 0; i < o.total; i += o.blockSize) {
    const end = Math.min(o.total, i + o.blockSize);
    const r = await safe(() => s.indexes.appendBlock(key.key, blocks, chunks.slice(i, end), vectors.subarray(i * o.dims, end * o.dims)));
    if ('error' in r) {
      failure = r;
      failedBlockBytes = blockBytes({ vectors: new ArrayBuffer((end - i) * o.dims * 4), ...packRefs(chunks.slice(i, end)) });
      break;
    }
    blocks++;
  }
  const sameConn = await loadSummary({ db: o.db, label: 'quota', dims: o.dims, seed: 21, total: o.total });
  const reopened = await loadSummary({ db: o.db, label: 'quota', dims: o.dims, seed: 21, total: o.total, fresh: true });
  return { blocksWritten: blocks, failedBlockBytes, failure, sameConn: { ...sameConn, ids: sameConn.ids.length }, reopened: { ...reopened, ids: reopened.ids.length } };
}

// versionchange: this page's connection, and what happened to it
const watched: { events: Array<{ oldVersion: number; newVersion: number | null }>; store: RagtabStore | null } = { events: [], store: null };

async function openWatched(o: { db: string }) {
  watched.events = [];
  watched.store = await openStore({ name: o.db, onVersionChange: (e) => watched.events.push(e) });
  await watched.store.indexes.list();
  return { version: watched.store.db.version };
}

async function watchedState() {
  const s = watched.store;
  const after = s ? await safe(() => s.indexes.list()) : null;
  return { events: watched.events, closed: s?.closed ?? null, afterClose: after && 'error' in after ? after.error : { ok: true } };
}

/** Opens the database at a newer version, as a newer release of the app in another tab would. */
async function openNewer(o: { db: string }) {
  let blocked = false;
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(o.db, DB_VERSION + 1);
    r.onupgradeneeded = () => r.result.createObjectStore('fromTheFuture');
    r.onblocked = () => (blocked = true);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const version = db.version;
  db.close();
  return { version, blocked };
}

/** Mounts the storage panel over the given database (the delete test clicks it). */
async function mountPanel(o: { db: string }) {
  const s = await store(o.db);
  let el = document.querySelector('ragtab-storage');
  if (!el) {
    el = document.createElement('ragtab-storage');
    document.body.append(el);
  }
  el.source = s.storage;
  await el.refresh();
  await el.updateComplete;
  return { mounted: true };
}

async function refreshPanel() {
  const el = document.querySelector('ragtab-storage');
  if (!el) return null;
  await el.refresh();
  await el.updateComplete;
  return readEstimate();
}

async function putRun(o: { db: string; record: unknown; id?: string }) {
  const s = await store(o.db);
  return s.runs.put(o.record, o.id ? { id: o.id } : {});
}

async function putCorpus(o: { db: string; docs: number; name?: string }) {
  const s = await store(o.db);
  const rec = await s.corpora.put(syntheticCorpus(o.docs, o.name));
  return { hash: rec.hash, bytes: rec.bytes };
}

async function deleteIndex(o: { db: string; key: string }) {
  await (await store(o.db)).storage.delete({ kind: 'index', key: o.key });
  return { deleted: o.key };
}

async function inventory(o: { db: string }) {
  return (await store(o.db)).storage.list();
}

async function deleteDb(o: { db: string }) {
  for (const [name, s] of stores) {
    if (name === o.db) {
      s.close();
      stores.delete(name);
    }
  }
  if (watched.store && !watched.store.closed) watched.store.close();
  await deleteRagtabDb(o.db);
  return { deleted: o.db };
}

// ─────────────────────────────── benchmark ───────────────────────────────

/** Writes `count` vectors through the repository in blocks; usage from the estimate before and after. */
async function benchWrite(o: { db: string; count: number; dims: number; blockSize: number; label: string; seed: number; inflight?: number; commit?: 'ingest' | CommitPolicy }) {
  const before = await readEstimate();
  const r = await ingest({ db: o.db, label: o.label, total: o.count, dims: o.dims, blockSize: o.blockSize, seed: o.seed, inflight: o.inflight ?? 1, ...(o.commit ? { commit: o.commit } : {}) });
  const after = await readEstimate();
  const s = await store(o.db);
  const meta = await s.indexes.get(r.key);
  const blocksStored = await s.db.count('blocks', IDBKeyRange.bound([r.key, -Infinity], [r.key, Infinity]));
  return {
    key: r.key,
    count: o.count,
    inflight: o.inflight ?? 1,
    commit: o.commit ?? null,
    blocks: r.blocksWritten,
    blocksStored,
    appendMs: r.appendMs,
    completeMs: r.completeMs,
    writeMs: r.writeMs,
    vectorsPerSecond: (o.count / r.appendMs) * 1000,
    vectorsPerSecondWithComplete: (o.count / r.writeMs) * 1000,
    usageBefore: before?.usage ?? null,
    usageAfter: after?.usage ?? null,
    quotaReliable: after?.quotaReliable ?? null,
    metaBytes: meta?.bytes ?? null,
    complete: r.complete,
  };
}

/**
 * Cold load, as a fresh page does it: open the database, read the index (meta + every block),
 * place the vectors in a search store and answer one top-k query. `via: 'simd'` hands each block
 * straight to a WebAssembly SIMD store (`loadInto`: one copy, the scan the index worker uses);
 * `via: 'array'` assembles one Float32Array (`load`) and scans it in plain JavaScript.
 */
async function benchLoad(o: { db: string; key: string; k: number; queryRow: number; via?: 'simd' | 'array'; read?: BlockReadMode; inline?: boolean }) {
  const via = o.via ?? 'simd';
  const ro = { ...(o.read ? { read: o.read } : {}), ...(o.inline ? { via: 'inline' as const } : {}) };
  const t0 = performance.now();
  const s = await openStore({ name: o.db });
  const t1 = performance.now();
  let search: (q: Float32Array, k: number) => { indices: Int32Array; scores: Float32Array };
  let row: (i: number) => Float32Array;
  let simd: boolean | null = null;
  let r: { meta: { dims: number; committedChunks: number }; refs: { id(i: number): string }; readMs: number; assembleMs: number } | null;
  if (via === 'simd') {
    let store: SimdStore | null = null;
    r = await s.indexes.loadInto(
      o.key,
      (meta) => {
        store = new SimdStore(meta.dims, { initialCapacity: meta.committedChunks });
        const st = store;
        return (v) => void st.add(v);
      },
      ro,
    );
    const st = store as SimdStore | null;
    if (!st) throw new Error(`index ${o.key} not found`);
    simd = st.simd;
    search = (q, k) => st.search(q, k);
    row = (i) => st.row(i);
  } else {
    const l = await s.indexes.load(o.key, ro);
    if (!l) throw new Error(`index ${o.key} not found`);
    r = l;
    search = (q, k) => exactTopK(l.vectors, l.meta.dims, l.meta.committedChunks, q, k);
    row = (i) => l.vectors.slice(i * l.meta.dims, (i + 1) * l.meta.dims);
  }
  const t2 = performance.now();
  if (!r) throw new Error(`index ${o.key} not found`);
  const q = row(o.queryRow);
  const top = search(q, o.k);
  const ids = Array.from(top.indices, (i) => r.refs.id(i));
  const t3 = performance.now();
  s.close();
  return {
    via,
    read: o.read ?? null,
    inline: o.inline ?? false,
    simd,
    openMs: t1 - t0,
    loadMs: t2 - t1,
    readMs: r.readMs,
    assembleMs: r.assembleMs,
    queryMs: t3 - t2,
    totalMs: t3 - t0,
    count: r.meta.committedChunks,
    top: Array.from(top.indices),
    topIds: ids,
    topScores: Array.from(top.scores),
  };
}

/**
 * Reads an index (in the blocks worker, or inline on this page), deletes it and reports how much
 * the usage estimate dropped at once and after `waitMs`: a Blob read inline pins the blocks'
 * files until the page garbage-collects the Blobs.
 */
async function benchDeleteAfterRead(o: { db: string; key: string; inline: boolean; waitMs: number }) {
  const s = await store(o.db);
  const meta = await s.indexes.get(o.key);
  const l = await s.indexes.load(o.key, o.inline ? { via: 'inline' } : {});
  const vectors = l?.meta.committedChunks ?? 0;
  const before = (await readEstimate())?.usage ?? null;
  await s.indexes.delete(o.key);
  const at0 = (await readEstimate())?.usage ?? null;
  await new Promise((r) => setTimeout(r, o.waitMs));
  const later = (await readEstimate())?.usage ?? null;
  return { inline: o.inline, vectors, metaBytes: meta?.bytes ?? null, before, freedAtOnce: before !== null && at0 !== null ? before - at0 : null, freedAfterWait: before !== null && later !== null ? before - later : null, waitMs: o.waitMs };
}

async function env() {
  return { userAgent: navigator.userAgent, crossOriginIsolated: self.crossOriginIsolated, estimate: await readEstimate(), locks: !!navigator.locks };
}

const api = {
  env: () => safe(env),
  ingest: (o: IngestOptions) => safe(() => ingest(o)),
  openGate: () => {
    gate?.open();
    return true;
  },
  progress: () => ({ ...progress }),
  loadSummary: (o: Parameters<typeof loadSummary>[0]) => safe(() => loadSummary(o)),
  roundTrip: (o: Parameters<typeof roundTrip>[0]) => safe(() => roundTrip(o)),
  upgradeFromV1: (o: Parameters<typeof upgradeFromV1>[0]) => safe(() => upgradeFromV1(o)),
  upgradeFromV2: (o: Parameters<typeof upgradeFromV2>[0]) => safe(() => upgradeFromV2(o)),
  upgradeFromV3: (o: Parameters<typeof upgradeFromV3>[0]) => safe(() => upgradeFromV3(o)),
  fillUntilQuota: (o: Parameters<typeof fillUntilQuota>[0]) => safe(() => fillUntilQuota(o)),
  openWatched: (o: { db: string }) => safe(() => openWatched(o)),
  watchedState: () => safe(watchedState),
  openNewer: (o: { db: string }) => safe(() => openNewer(o)),
  mountPanel: (o: { db: string }) => safe(() => mountPanel(o)),
  refreshPanel: () => safe(refreshPanel),
  estimate: () => readEstimate(),
  putRun: (o: Parameters<typeof putRun>[0]) => safe(() => putRun(o)),
  putCorpus: (o: Parameters<typeof putCorpus>[0]) => safe(() => putCorpus(o)),
  inventory: (o: { db: string }) => safe(() => inventory(o)),
  deleteIndex: (o: { db: string; key: string }) => safe(() => deleteIndex(o)),
  deleteDb: (o: { db: string }) => safe(() => deleteDb(o)),
  benchWrite: (o: Parameters<typeof benchWrite>[0]) => safe(() => benchWrite(o)),
  benchLoad: (o: Parameters<typeof benchLoad>[0]) => safe(() => benchLoad(o)),
  benchDeleteAfterRead: (o: Parameters<typeof benchDeleteAfterRead>[0]) => safe(() => benchDeleteAfterRead(o)),
  probeWrite: (o: Parameters<typeof probeWrite>[0]) => safe(() => probeWrite(o)),
  probeRead: (o: Parameters<typeof probeRead>[0]) => safe(() => probeRead(o)),
  probeDelete: (o: Parameters<typeof probeDelete>[0]) => safe(() => probeDelete(o)),
  probeClear: () => safe(probeClear),
};

export type StorageBench = typeof api;

declare global {
  interface Window {
    storageBench?: StorageBench;
    storageBenchReady?: boolean;
  }
}

window.storageBench = api;
window.storageBenchReady = true;
log(`ready (schema v${DB_VERSION}, Web Locks ${navigator.locks ? 'yes' : 'no'})`);
