/**
 * The int8 storage prototype of bench:retrieval's kinds section (`window.kinds.protoWrite`,
 * `protoColdLoad`): a 50k-vector index written to IndexedDB as f32 or int8 blocks, then read back
 * cold until it answers, to measure what storing the codes saves at load.
 */
import { Int8Fit, int8Stride, quantizeInt8, type Int8Params } from '../../src/core/quantize';
import { openDB } from 'idb';
import { RETRIEVE_DEFAULTS } from '../../src/core/index-kinds';
import type { TopK } from '../../src/core/topk';
import { SimdStore } from '../../workers/lib/simd-scan';
import { Int8Store, rescore } from '../../workers/lib/quant-scan';
import { randomUnitVectors } from './vectors';

const PROTO_DB = 'ragtab-kinds-storage-proto';
const PROTO_BLOCK = 1024;

function protoDb() {
  return openDB(PROTO_DB, 1, {
    upgrade(db) {
      db.createObjectStore('blocks');
      db.createObjectStore('meta');
    },
  });
}

export interface ProtoWritten {
  count: number;
  dims: number;
  f32Bytes: number;
  int8Bytes: number;
  writeMs: number;
}

export async function protoWrite(o: { count: number; dims: number; seed: number }): Promise<ProtoWritten> {
  const t0 = performance.now();
  const v = randomUnitVectors(o.count, o.dims, o.seed);
  const params = new Int8Fit(o.dims).add(v).params();
  const stride = int8Stride(o.dims);
  const db = await protoDb();
  await db.clear('blocks');
  let f32Bytes = 0;
  let int8Bytes = 0;
  for (let b = 0; b * PROTO_BLOCK < o.count; b += 8) {
    const tx = db.transaction('blocks', 'readwrite');
    for (let j = b; j < b + 8 && j * PROTO_BLOCK < o.count; j++) {
      const rows = v.slice(j * PROTO_BLOCK * o.dims, Math.min(o.count, (j + 1) * PROTO_BLOCK) * o.dims);
      const codes = quantizeInt8(rows, params, new Int8Array((rows.length / o.dims) * stride), stride);
      f32Bytes += rows.byteLength;
      int8Bytes += codes.byteLength;
      void tx.store.put(rows.buffer, `f32:${String(j).padStart(6, '0')}`);
      void tx.store.put(codes.buffer, `int8:${String(j).padStart(6, '0')}`);
    }
    await tx.done;
  }
  await db.put('meta', { count: o.count, dims: o.dims, lo: params.lo.buffer, scale: params.scale.buffer }, 'index');
  db.close();
  return { count: o.count, dims: o.dims, f32Bytes, int8Bytes, writeMs: performance.now() - t0 };
}

export interface ProtoLoad {
  kind: 'f32' | 'int8';
  /** open → every block of the kind read → in its store → the first top-10 answered. */
  firstAnswerMs: number;
  readMs: number;
  bytes: number;
  /** int8: the first answer's top 10 rescored with the dequantized codes (the f32 not read yet). */
  rescoredWith: 'f32' | 'int8-dequantized';
  /** int8: then the f32 blocks read in the background, until the rescoring switches to them. */
  f32ReadyMs: number | null;
  top: number[];
}

export async function protoColdLoad(kind: 'f32' | 'int8'): Promise<ProtoLoad> {
  const t0 = performance.now();
  const db = await protoDb();
  const meta = (await db.get('meta', 'index')) as { count: number; dims: number; lo: ArrayBuffer; scale: ArrayBuffer };
  const range = IDBKeyRange.bound(`${kind}:`, `${kind}:\uffff`);
  const blocks = (await db.getAll('blocks', range)) as ArrayBuffer[];
  const t1 = performance.now();
  const { dims } = meta;
  const query = randomUnitVectors(1, dims, 12345);
  let bytes = 0;
  let top: TopK;
  if (kind === 'f32') {
    const store = new SimdStore(dims, { initialCapacity: meta.count });
    for (const b of blocks) {
      bytes += b.byteLength;
      store.add(new Float32Array(b));
    }
    top = store.search(query, 10);
    db.close();
    return { kind, firstAnswerMs: performance.now() - t0, readMs: t1 - t0, bytes, rescoredWith: 'f32', f32ReadyMs: null, top: Array.from(top.indices) };
  }
  const params: Int8Params = { dims, lo: new Float32Array(meta.lo), scale: new Float32Array(meta.scale) };
  const store = new Int8Store(params, { initialCapacity: meta.count });
  for (const b of blocks) {
    bytes += b.byteLength;
    store.addStored(new Int8Array(b));
  }
  const stride = store.stride;
  const codes = new Int8Array(store.codes().buffer, store.codes().byteOffset, store.count * stride);
  const dequantDot = (r: number) => {
    let s = 0;
    for (let j = 0; j < dims; j++) s += (query[j] as number) * ((params.lo[j] as number) + (params.scale[j] as number) * ((codes[r * stride + j] as number) + 127));
    return s;
  };
  top = rescore(store.candidates(query, RETRIEVE_DEFAULTS.int8Rescore(10)).indices, dequantDot, 10);
  const firstAnswerMs = performance.now() - t0;
  // background: the f32 rescoring vectors
  const f32 = (await db.getAll('blocks', IDBKeyRange.bound('f32:', 'f32:\uffff'))) as ArrayBuffer[];
  const f32ReadyMs = performance.now() - t0;
  db.close();
  return { kind, firstAnswerMs, readMs: t1 - t0, bytes, rescoredWith: 'int8-dequantized', f32ReadyMs: f32.length > 0 ? f32ReadyMs : null, top: Array.from(top.indices) };
}

// ───────────────────────── HNSW build probe ─────────────────────────

