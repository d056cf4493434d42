/**
 * The storage benchmark page (bench/storage.html): exposes `window.storageBench`, driven by
 * scripts/bench-storage.ts: write throughput through the repository, cold loads, the space a
 * delete frees, raw IndexedDB probes. Everything runs through the app's storage layer (src/storage)
 * against the page's real IndexedDB. (The storage test fixtures are tests/pages/storage-fixtures.ts.)
 */
import './lib/environment';
import { exactTopK } from '../src/core/topk';
import { readEstimate } from '../src/storage/errors';
import type { BlockReadMode } from '../src/storage/blocks-api';
import type { CommitPolicy } from '../src/storage/commit-policy';
import { openStore } from '../src/storage/store';
import { SimdStore } from '../workers/lib/simd-scan';
import { Int8Store, rescore } from '../workers/lib/quant-scan';
import { RetrievalKinds, type VectorSource } from '../workers/lib/retrieval-kinds';
import { KIND_DEFAULTS, RETRIEVE_DEFAULTS, buildOptionsOf } from '../src/core/index-kinds';
import { probeClear, probeDelete, probeRead, probeWrite } from './lib/storage-probe';

import { deleteIndex, ingest, log, safeApi, store } from './lib/storage-page';

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
 * Stores the int8 kind of a stored index as the app does after an ingestion: built and exported by
 * the index worker's own RetrievalKinds over the vectors, then KindsRepo.put.
 */
async function benchPutInt8(o: { db: string; key: string }) {
  const s = await store(o.db);
  const l = await s.indexes.load(o.key);
  if (!l) throw new Error(`index ${o.key} not found`);
  const { dims, committedChunks: count } = l.meta;
  const v = l.vectors;
  const src: VectorSource = {
    dims,
    count,
    row: (i) => v.slice(i * dims, (i + 1) * dims),
    dot: (i, q) => {
      let d = 0;
      for (let j = 0; j < dims; j++) d += (v[i * dims + j] as number) * (q[j] as number);
      return d;
    },
  };
  const kinds = new RetrievalKinds();
  const built = await kinds.build('int8', src, [], buildOptionsOf(KIND_DEFAULTS));
  const entry = await s.kinds.put(o.key, kinds.export('int8', src), built.ms);
  return { bytes: entry.bytes, buildMs: built.ms, count };
}

/**
 * Cold load of a stored int8 kind until it answers, as an int8-first reload would do it: open the
 * database, read the kind's record alone (codes, scales; in the blocks worker, the app's path),
 * place the codes in an Int8Store, and answer one top-k query, its candidates rescored with the
 * values the codes stand for (no f32 vector read). The app's reload does not do this yet: it reads
 * the f32 blocks first (load.coldMs).
 */
async function benchLoadInt8(o: { db: string; key: string; k: number; query: number[] }) {
  const t0 = performance.now();
  const s = await openStore({ name: o.db });
  const t1 = performance.now();
  const read = await s.kinds.read(o.key, [{ kind: 'int8', variant: '' }]);
  const t2 = performance.now();
  const data = read.kinds[0];
  if (!data) throw new Error(`no stored int8 kind for ${o.key}${read.damaged.length ? ' (damaged)' : ''}`);
  const lo = new Float32Array(data.parts['lo']!);
  const scale = new Float32Array(data.parts['scale']!);
  const st = new Int8Store({ dims: data.dims, lo, scale }, { initialCapacity: data.count });
  st.addStored(new Int8Array(data.parts['codes']!));
  const t3 = performance.now();
  const q = Float32Array.from(o.query);
  const top = rescore(st.candidates(q, RETRIEVE_DEFAULTS.int8Rescore(o.k)).indices, (r) => st.dequantizedDot(r, q), o.k);
  const t4 = performance.now();
  s.close();
  return { openMs: t1 - t0, readMs: t2 - t1, placeMs: t3 - t2, queryMs: t4 - t3, totalMs: t4 - t0, bytes: data.parts['codes']!.byteLength, simd: st.simd, top: Array.from(top.indices) };
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
  estimate: () => readEstimate(),
  ...safeApi({ env, deleteIndex, benchWrite, benchLoad, benchPutInt8, benchLoadInt8, benchDeleteAfterRead, probeWrite, probeRead, probeDelete, probeClear }),
};

export type StorageBench = typeof api;
export type { Failure } from './lib/storage-page';

declare global {
  interface Window {
    storageBench?: StorageBench;
    storageBenchReady?: boolean;
  }
}

window.storageBench = api;
window.storageBenchReady = true;
log('ready');
