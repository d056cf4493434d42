/// <reference lib="webworker" />
/**
 * Bench-only worker: measures the worker boundary itself (an empty Comlink call, a raw
 * postMessage echo) and a SIMD search that reports its own duration, so the page can subtract it.
 * Also one half of the two-worker scan over a shared WebAssembly.Memory.
 */
import * as Comlink from 'comlink';
import { SimdStore, instantiateScan, scanRange, type ScanExports } from '../workers/lib/simd-scan';

export interface TimedTopK {
  indices: Int32Array;
  scores: Float32Array;
  /** performance.now() inside this worker around the search. */
  workerMs: number;
}

export interface SharedLayout {
  vecPtr: number;
  stride: number;
  queryPtr: number;
  /** Where this worker writes its scores (its own region). */
  outPtr: number;
}

export interface RoundTripApi {
  noop(): void;
  /** Keeps this worker busy for `ms` (a spin on performance.now()); returns the time it spun. */
  spin(ms: number): number;
  /** Echoes every message on `port` back (a raw postMessage round trip, no Comlink). */
  echo(port: MessagePort): void;
  load(vectors: Float32Array, dims: number): { count: number; simd: boolean };
  /** `transfer`: hand the result's buffers over (the app's rule for vectors) instead of copying them. */
  search(query: Float32Array, k: number, transfer: boolean): TimedTopK;
  attachShared(memory: WebAssembly.Memory, layout: SharedLayout): void;
  /** Top k of rows [start, start + count) of the shared store; the query is already in memory. */
  searchShared(start: number, count: number, k: number): TimedTopK;
}

let store: SimdStore | null = null;
let shared: { memory: WebAssembly.Memory; kernel: ScanExports; layout: SharedLayout } | null = null;

const api: RoundTripApi = {
  noop() {},
  spin(ms) {
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) t = performance.now();
    return t - t0;
  },
  echo(port) {
    port.onmessage = (e) => port.postMessage(e.data);
  },
  load(vectors, dims) {
    store = new SimdStore(dims, { initialCapacity: vectors.length / dims });
    store.add(vectors);
    return { count: store.count, simd: store.simd };
  },
  search(query, k, transfer) {
    if (!store) throw new Error('load() first');
    const t0 = performance.now();
    const r = store.search(query, k);
    const workerMs = performance.now() - t0;
    const out = { ...r, workerMs };
    return transfer ? Comlink.transfer(out, [r.indices.buffer, r.scores.buffer]) : out;
  },
  attachShared(memory, layout) {
    shared = { memory, layout, kernel: instantiateScan(memory, { stride: layout.stride, shared: true }) };
  },
  searchShared(start, count, k) {
    if (!shared) throw new Error('attachShared() first');
    const t0 = performance.now();
    const r = scanRange(shared.kernel, shared.memory, shared.layout, start, count, k);
    return { ...r, workerMs: performance.now() - t0 };
  },
};

Comlink.expose(api);
