/**
 * Raw IndexedDB probes behind the storage layer's format decisions (bench/README-storage.md,
 * "Storage format decisions"): write and read patterns measured on their own database
 * (`ragtab-probe`, not the app's schema), so a variant can be tried without changing the schema.
 * Driven by `npx tsx scripts/bench-storage.ts --probe`.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { randomUnitVectors } from './vectors';
import { syntheticChunks } from './storage-data';

const PROBE_DB = 'ragtab-probe';

interface ProbeBlock {
  k: string;
  n: number;
  first: number;
  count: number;
  vectors: ArrayBuffer | Blob;
  ids?: string[];
  docIds?: string[];
  idsJoined?: string;
  docIdsJoined?: string;
  nums?: Int32Array;
}

async function probeDb(): Promise<IDBPDatabase> {
  return openDB(PROBE_DB, 1, {
    upgrade(db) {
      db.createObjectStore('b', { keyPath: ['k', 'n'] });
      db.createObjectStore('m', { keyPath: 'k' });
    },
  });
}

function range(k: string): IDBKeyRange {
  return IDBKeyRange.bound([k, -Infinity], [k, Infinity]);
}

export type Durability = 'default' | 'relaxed' | 'strict';

export interface WriteProbe {
  label: string;
  /** vectors per record */
  block: number;
  /** records per transaction */
  perTx: number;
  durability: Durability;
  /** read the meta inside the transaction before writing (as appendBlock does) */
  readMeta: boolean;
  /** issue the block put before the meta read returns (validation after; abort undoes it) */
  putFirst: boolean;
  refs: 'arrays' | 'joined' | 'none';
  /** call tx.commit() once every request is issued (saves waiting for the puts' results) */
  commit?: boolean;
  /** store the vectors as a Blob instead of an ArrayBuffer */
  blob?: boolean;
}

let dataCache: { count: number; dims: number; vectors: Float32Array } | null = null;
function data(count: number, dims: number): Float32Array {
  if (!dataCache || dataCache.count !== count || dataCache.dims !== dims) dataCache = { count, dims, vectors: randomUnitVectors(count, dims, 0x5eed) };
  return dataCache.vectors;
}

function refsFor(p: WriteProbe, from: number, to: number, all: ReturnType<typeof syntheticChunks>): Partial<ProbeBlock> {
  if (p.refs === 'none') return {};
  const part = all.slice(from, to);
  const nums = new Int32Array(part.length * 4);
  part.forEach((c, i) => nums.set([c.index, c.start, c.end, c.tokens], i * 4));
  if (p.refs === 'arrays') return { ids: part.map((c) => c.id), docIds: part.map((c) => c.docId), nums };
  return { idsJoined: part.map((c) => c.id).join('\n'), docIdsJoined: part.map((c) => c.docId).join('\n'), nums };
}

/** Writes `count` vectors as pattern `p` into a fresh key; returns vectors/s and ms. */
export async function probeWrite(o: { count: number; dims: number; p: WriteProbe }) {
  const db = await probeDb();
  const { count, dims, p } = o;
  const vectors = data(count, dims);
  const chunks = syntheticChunks(count);
  const k = `${p.label}-${Math.random().toString(36).slice(2)}`;
  {
    const tx = db.transaction('m', 'readwrite');
    void tx.store.put({ k, committed: 0, blocks: 0 });
    await tx.done;
  }
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < count; ) {
    const tx = db.transaction(['b', 'm'], 'readwrite', { durability: p.durability });
    const bs = tx.objectStore('b');
    const ms = tx.objectStore('m');
    const blocks: ProbeBlock[] = [];
    for (let j = 0; j < p.perTx && i < count; j++) {
      const end = Math.min(count, i + p.block);
      const buf = vectors.slice(i * dims, end * dims).buffer;
      blocks.push({ k, n: n++, first: i, count: end - i, vectors: p.blob ? new Blob([buf]) : buf, ...refsFor(p, i, end, chunks) });
      i = end;
    }
    if (p.putFirst) for (const b of blocks) void bs.put(b);
    let meta: { k: string; committed: number; blocks: number } = { k, committed: 0, blocks: 0 };
    if (p.readMeta) meta = (await ms.get(k)) as typeof meta;
    if (!p.putFirst) for (const b of blocks) void bs.put(b);
    void ms.put({ k, committed: meta.committed + blocks.reduce((s, b) => s + b.count, 0), blocks: meta.blocks + blocks.length });
    if (p.commit) tx.commit();
    await tx.done;
  }
  const ms = performance.now() - t0;
  db.close();
  return { key: k, label: p.label, ms, vectorsPerSecond: (count / ms) * 1000, records: n };
}

export type ReadMode = 'cursor' | 'getAll' | 'parallelGet';

/** Reads every record of `key` by `mode`, copying the vectors into one Float32Array. */
export async function probeRead(o: { key: string; dims: number; count: number; mode: ReadMode; refs: boolean }) {
  const t0 = performance.now();
  const db = await probeDb();
  const t1 = performance.now();
  const out = new Float32Array(o.count * o.dims);
  let copyMs = 0;
  let at = 0;
  let idsTotal = 0;
  const blobReads: Array<Promise<void>> = [];
  const place = (b: ProbeBlock) => {
    const c0 = performance.now();
    const v = b.vectors;
    if (v instanceof Blob) blobReads.push(v.arrayBuffer().then((ab) => out.set(new Float32Array(ab), b.first * o.dims)));
    else out.set(new Float32Array(v), b.first * o.dims);
    if (o.refs) {
      if (b.idsJoined !== undefined) idsTotal += b.idsJoined.split('\n').length;
      else idsTotal += b.ids?.length ?? 0;
    }
    at += b.count;
    copyMs += performance.now() - c0;
  };
  const tx = db.transaction(['b', 'm'], 'readonly');
  const store = tx.objectStore('b');
  if (o.mode === 'cursor') {
    for (let c = await store.openCursor(range(o.key)); c; ) {
      const next = c.continue();
      place(c.value as ProbeBlock);
      c = await next;
    }
  } else if (o.mode === 'getAll') {
    for (const b of (await store.getAll(range(o.key))) as ProbeBlock[]) place(b);
  } else {
    const keys = (await store.getAllKeys(range(o.key))) as Array<[string, number]>;
    await Promise.all(keys.map((key) => store.get(key).then((b) => place(b as ProbeBlock))));
  }
  await tx.done;
  await Promise.all(blobReads);
  const t2 = performance.now();
  db.close();
  return { openMs: t1 - t0, readMs: t2 - t1 - copyMs, copyMs, totalMs: t2 - t0, vectors: at, idsTotal, checksum: out[12345] ?? null };
}

export async function probeDelete(o: { key: string }) {
  const db = await probeDb();
  const tx = db.transaction(['b', 'm'], 'readwrite');
  void tx.objectStore('b').delete(range(o.key));
  void tx.objectStore('m').delete(o.key);
  await tx.done;
  db.close();
  return true;
}

export async function probeClear() {
  const db = await probeDb();
  const tx = db.transaction(['b', 'm'], 'readwrite');
  void tx.objectStore('b').clear();
  void tx.objectStore('m').clear();
  await tx.done;
  db.close();
  return true;
}
