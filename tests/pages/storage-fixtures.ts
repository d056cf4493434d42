/**
 * Storage test fixtures (tests/pages/storage.html): exposes `window.storageFixtures`, driven by
 * tests/e2e/storage.spec.ts — round trips, schema upgrades from every earlier version with their
 * data, a full quota, a version change from another tab, the storage panel. Everything runs through
 * the app's storage layer (src/storage) against the page's real IndexedDB. Each method resolves
 * with plain JSON; a failure resolves with `{error: {name, message, …}}` so the caller sees the code.
 */
import { openDB } from 'idb';
import { corpusHash, type Corpus } from '../../src/core/documents';
import { deleteRagtabDb, openRagtabDb } from '../../src/storage/db';
import { DB_VERSION, VECTORS_TYPE, type RagtabDBv1, type RagtabDBv2, type RagtabDBv3, type RagtabDBv4 } from '../../src/storage/schema';
import type { KindData } from '../../src/core/index-kinds';
import { blockBytes, vectorBytes } from '../../src/storage/sizes';
import { packRefs } from '../../src/storage/ref-columns';
import { readEstimate } from '../../src/storage/errors';
import { chunksFromRefs } from '../../src/storage/stored-refs';
import { openStore, type RagtabStore } from '../../src/storage/store';
import '../../src/ui/ragtab-storage';
import { randomUnitVectors } from '../../bench/lib/vectors';
import { syntheticChunks, syntheticCorpus } from '../../bench/lib/storage-data';

import { bytesEqual, deleteIndex, gate, ingest, keyFor, loadSummary, log, progress, safe, safeApi, store, stores, type Failure } from '../../bench/lib/storage-page';

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
    blocks: stored.map((b) => ({ blockNo: b.blockNo, isBlob: b.vectors instanceof Blob, type: b.vectors instanceof Blob ? b.vectors.type : null, size: vectorBytes(b.vectors), count: b.count })),
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

/** Synthetic stored-kind data for `count` rows of `dims` (int8-shaped: lo, scale, codes). */
function syntheticKind(count: number, dims: number, seed: number): KindData {
  const stride = Math.ceil(dims / 16) * 16;
  const codes = new Int8Array(count * stride);
  for (let i = 0; i < codes.length; i++) codes[i] = ((i * 31 + seed) % 255) - 127;
  return {
    kind: 'int8',
    scheme: 'int8-affine-v1',
    variant: '',
    count,
    dims,
    params: { stride },
    parts: { lo: new Float32Array(dims).fill(-0.5).buffer, scale: new Float32Array(dims).fill(1 / 254).buffer, codes: codes.buffer },
  };
}

function sameKind(a: KindData | undefined, b: KindData): boolean {
  if (!a) return false;
  const names = Object.keys(b.parts).sort();
  return (
    a.kind === b.kind &&
    a.variant === b.variant &&
    a.count === b.count &&
    a.dims === b.dims &&
    JSON.stringify(Object.keys(a.parts).sort()) === JSON.stringify(names) &&
    names.every((n) => {
      const x = new Uint8Array(a.parts[n]!);
      const y = new Uint8Array(b.parts[n]!);
      return x.length === y.length && x.every((v, i) => v === y[i]);
    })
  );
}

/**
 * Creates a v4 database (no `kinds` store) with a complete index, then opens it with the current
 * code: the index loads as before, nothing is listed as stored kinds, and a kind can be stored,
 * read back (in the blocks worker and inline) and is deleted with its index.
 */
async function upgradeFromV4(o: { db: string }) {
  const v4 = await openRagtabDb({ name: o.db, version: 4 });
  const versionBefore = v4.version;
  const storesBefore = [...v4.objectStoreNames];
  v4.close();
  const dims = 8;
  const key = await keyFor('v4-index');
  const chunks = syntheticChunks(10);
  const vectors = randomUnitVectors(10, dims, 9);
  const b0 = { indexKey: key.key, blockNo: 0, first: 0, count: 10, dims, vectors: new Blob([vectors as Float32Array<ArrayBuffer>], { type: VECTORS_TYPE }), ...packRefs(chunks) };
  const bytes = blockBytes(b0);
  {
    const db = await openDB<RagtabDBv4>(o.db, 4);
    const tx = db.transaction(['indexes', 'blocks'], 'readwrite');
    void tx.objectStore('indexes').put({
      key: key.key, canonical: key.canonical, parts: key.parts, corpusHash: key.parts.corpusHash, formatVersion: 1, dims, totalChunks: 10, chunksHash: null,
      committedChunks: 10, committedBlocks: 1, complete: true, bytes, device: null, createdAt: 9000, updatedAt: 9000, completedAt: 9000,
    });
    void tx.objectStore('blocks').put(b0);
    await tx.done;
    db.close();
  }
  const s = await openStore({ name: o.db });
  stores.set(o.db, s);
  const loaded = await s.indexes.load(key.key);
  const listedBefore = await s.kinds.list(key.key);
  const data = syntheticKind(10, dims, 3);
  const entry = await s.kinds.put(key.key, data, 12.5);
  const viaWorker = await s.kinds.read(key.key, [{ kind: 'int8', variant: '' }, { kind: 'bm25', variant: 'absent' }]);
  const inline = await s.kinds.read(key.key, [{ kind: 'int8', variant: '' }], { via: 'inline' });
  const inv = (await s.storage.list()).indexes.find((i) => i.key === key.key);
  // a kind of another row count is refused; nothing is stored then
  const wrong = await safe(() => s.kinds.put(key.key, syntheticKind(9, dims, 3), 1));
  await s.indexes.delete(key.key);
  const afterDelete = await s.db.count('kinds');
  return {
    versionBefore,
    storesBefore,
    versionAfter: s.db.version,
    currentVersion: DB_VERSION,
    storesAfter: [...s.db.objectStoreNames],
    index: loaded && { complete: loaded.meta.complete, committedChunks: loaded.meta.committedChunks, bytes: loaded.meta.bytes, expectedBytes: bytes, vectorsEqual: bytesEqual(loaded.vectors, vectors) },
    listedBefore,
    entry,
    readViaWorker: { count: viaWorker.kinds.length, equal: sameKind(viaWorker.kinds[0], syntheticKind(10, dims, 3)) },
    readInline: { count: inline.kinds.length, equal: sameKind(inline.kinds[0], syntheticKind(10, dims, 3)) },
    inventory: inv && { bytes: inv.bytes, kinds: inv.kinds, expectedBytes: bytes + entry.bytes },
    wrong,
    afterDelete,
    form: s.indexes.vectorForm.form,
  };
}

async function putCorpus(o: { db: string; docs: number; name?: string }) {
  const s = await store(o.db);
  const rec = await s.corpora.put(syntheticCorpus(o.docs, o.name));
  return { hash: rec.hash, bytes: rec.bytes };
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


const api = {
  openGate: () => {
    gate?.open();
    return true;
  },
  progress: () => ({ ...progress }),
  estimate: () => readEstimate(),
  ...safeApi({ ingest, loadSummary, roundTrip, upgradeFromV1, upgradeFromV2, upgradeFromV3, upgradeFromV4, fillUntilQuota, openWatched, watchedState, openNewer, mountPanel, refreshPanel, putRun, putCorpus, inventory, deleteIndex, deleteDb }),
};

export type StorageFixtures = typeof api;

declare global {
  interface Window {
    storageFixtures?: StorageFixtures;
    storageFixturesReady?: boolean;
  }
}

window.storageFixtures = api;
window.storageFixturesReady = true;
log('ready');
