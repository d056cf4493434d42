/**
 * The retrieval benchmark page's worker round-trip section (c): an empty postMessage, an empty
 * Comlink call, a search call minus the worker's own time, a busy call.
 */
import * as Comlink from 'comlink';
import type { RoundTripApi } from '../roundtrip.worker';
import { DIMS, QUERY_SEED, VECTOR_SEED, randomUnitVectors } from './vectors';
import { percentiles, type Percentiles } from './page-util';

// ─────────────────────────────── (c) round trip ───────────────────────────────

export interface RoundTripOptions {
  calls: number;
  warmup: number;
  /** Vectors in the worker's store for the search round trip. */
  count: number;
  k: number;
}

export interface RoundTripResult {
  /** An empty Comlink call (await api.noop()). */
  emptyComlinkMs: Percentiles;
  /** A raw postMessage echo over a MessageChannel (no Comlink). */
  emptyPostMessageMs: Percentiles;
  /** search(query, k) as the page sees it. */
  searchRoundTripMs: Percentiles;
  /** The worker's own time for the same calls. */
  searchWorkerMs: Percentiles;
  /** Per call: round trip − the worker's own time (query and result buffers transferred). */
  searchOverheadMs: Percentiles;
  /** The same with query and result copied (structured clone) instead of transferred. */
  searchOverheadCopyMs: Percentiles;
  /** A call that keeps the worker busy 0.5 ms and moves no data, minus that time: what waking the waiting page costs. */
  busyOverheadMs: Percentiles;
  count: number;
}

export async function roundTrip(o: RoundTripOptions): Promise<RoundTripResult> {
  const dims = DIMS;
  const worker = new Worker(new URL('../roundtrip.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<RoundTripApi>(worker);
  try {
    const empty: number[] = [];
    for (let i = 0; i < o.warmup + o.calls; i++) {
      const t0 = performance.now();
      await api.noop();
      if (i >= o.warmup) empty.push(performance.now() - t0);
    }

    const { port1, port2 } = new MessageChannel();
    await api.echo(Comlink.transfer(port2, [port2]));
    const raw: number[] = [];
    await new Promise<void>((resolve) => {
      let i = 0;
      let t0 = 0;
      port1.onmessage = () => {
        if (i >= o.warmup) raw.push(performance.now() - t0);
        i++;
        if (i >= o.warmup + o.calls) {
          resolve();
          return;
        }
        t0 = performance.now();
        port1.postMessage(i);
      };
      t0 = performance.now();
      port1.postMessage(0);
    });
    port1.close();

    const vectors = randomUnitVectors(o.count, dims, VECTOR_SEED);
    await api.load(Comlink.transfer(vectors, [vectors.buffer]), dims);
    const queries = randomUnitVectors(Math.min(o.calls, 200), dims, QUERY_SEED);
    const searchLoop = async (transfer: boolean) => {
      const rt: number[] = [];
      const inWorker: number[] = [];
      const overhead: number[] = [];
      for (let i = 0; i < o.warmup + o.calls; i++) {
        const j = i % (queries.length / dims);
        const q = queries.slice(j * dims, (j + 1) * dims);
        const t0 = performance.now();
        const r = await api.search(transfer ? Comlink.transfer(q, [q.buffer]) : q, o.k, transfer);
        const dt = performance.now() - t0;
        if (i >= o.warmup) {
          rt.push(dt);
          inWorker.push(r.workerMs);
          overhead.push(dt - r.workerMs);
        }
      }
      return { rt, inWorker, overhead };
    };
    const moved = await searchLoop(true);
    const copied = await searchLoop(false);
    const busy: number[] = [];
    for (let i = 0; i < o.warmup + o.calls; i++) {
      const t0 = performance.now();
      const spun = await api.spin(0.5);
      if (i >= o.warmup) busy.push(performance.now() - t0 - spun);
    }
    return {
      emptyComlinkMs: percentiles(empty),
      emptyPostMessageMs: percentiles(raw),
      searchRoundTripMs: percentiles(moved.rt),
      searchWorkerMs: percentiles(moved.inWorker),
      searchOverheadMs: percentiles(moved.overhead),
      searchOverheadCopyMs: percentiles(copied.overhead),
      busyOverheadMs: percentiles(busy),
      count: o.count,
    };
  } finally {
    api[Comlink.releaseProxy]();
    worker.terminate();
  }
}

