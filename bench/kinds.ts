/**
 * The index-kinds page (bench/kinds.html), `window.kinds`:
 * - a driver of the real index worker (workers/index.worker.ts) for tests/e2e/index-kinds.spec.ts:
 *   load vectors and texts, build kinds, retrieve; errors come back as {name, message}, never thrown;
 * - the `kinds` section of bench:retrieval: its measurements live in bench/lib/kinds-bench.ts (the
 *   kinds side by side, `bench`, `hnswProbe`) and bench/lib/kinds-storage-proto.ts (the int8
 *   storage prototype, `protoWrite`, `protoColdLoad`); this page exposes them.
 */
import * as Comlink from 'comlink';
import type { BuildResult, IndexApi, IndexBuildOptions, IndexKind, IndexStats, RetrieveRequest, SearchResult } from '../workers/api';
import { errorInfo, type ErrorInfo } from '../src/core/errors';
import { bench, hnswProbe, type HnswProbeSpec, type KindsBenchOptions, type SetFigures } from './lib/kinds-bench';
import { protoColdLoad, protoWrite, type ProtoLoad, type ProtoWritten } from './lib/kinds-storage-proto';
import { logAs } from './lib/page-util';

const log = logAs('kinds');

export type { HnswProbeSpec, KindsBenchOptions, Percentiles, QuantFigures, SetFigures, VectorSetSpec } from './lib/kinds-bench';
export type { ProtoLoad, ProtoWritten } from './lib/kinds-storage-proto';

type Outcome<T> = { ok: true; value: T } | ({ ok: false } & ErrorInfo);
async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, ...errorInfo(e) };
  }
}

// ─────────────────────────────── the real worker ───────────────────────────────

let worker: Worker | null = null;
let api: Comlink.Remote<IndexApi> | null = null;
function indexApi(): Comlink.Remote<IndexApi> {
  if (!api) {
    worker = new Worker(new URL('../workers/index.worker.ts', import.meta.url), { type: 'module' });
    api = Comlink.wrap<IndexApi>(worker);
  }
  return api;
}

export interface LoadSpec {
  dims: number;
  ids: string[];
  /** Row-major, ids.length × dims. */
  vectors: number[];
  texts?: string[];
  /** Rows per add() call. */
  batch?: number;
}

async function load(spec: LoadSpec): Promise<Outcome<{ count: number }>> {
  return outcome(
    (async () => {
      const a = indexApi();
      await a.reset(spec.dims);
      const batch = spec.batch ?? 128;
      let count = 0;
      for (let s = 0; s < spec.ids.length; s += batch) {
        const e = Math.min(s + batch, spec.ids.length);
        const v = Float32Array.from(spec.vectors.slice(s * spec.dims, e * spec.dims));
        const r = await a.add(spec.ids.slice(s, e), Comlink.transfer(v, [v.buffer]), spec.texts?.slice(s, e));
        count = r.count;
      }
      return { count };
    })(),
  );
}

function build(kinds: IndexKind[], options?: IndexBuildOptions): Promise<Outcome<BuildResult[]>> {
  return outcome(indexApi().build(kinds, options));
}

interface RetrieveSpec extends Omit<RetrieveRequest, 'vector'> {
  vector?: number[];
}
function retrieve(req: RetrieveSpec): Promise<Outcome<SearchResult>> {
  const { vector, ...rest } = req;
  return outcome(indexApi().retrieve({ ...rest, ...(vector ? { vector: Float32Array.from(vector) } : {}) }));
}
function search(vector: number[], k: number, kind: IndexKind): Promise<Outcome<SearchResult>> {
  return outcome(indexApi().search(Float32Array.from(vector), k, kind));
}
function stats(): Promise<Outcome<IndexStats>> {
  return outcome(indexApi().stats());
}

// ─────────────────────────────── the benchmark ───────────────────────────────

export interface KindsHandle {
  load(spec: LoadSpec): Promise<Outcome<{ count: number }>>;
  build(kinds: IndexKind[], options?: IndexBuildOptions): Promise<Outcome<BuildResult[]>>;
  retrieve(req: RetrieveSpec): Promise<Outcome<SearchResult>>;
  search(vector: number[], k: number, kind: IndexKind): Promise<Outcome<SearchResult>>;
  stats(): Promise<Outcome<IndexStats>>;
  bench(o: KindsBenchOptions): Promise<{ sets: SetFigures[] }>;
  protoWrite(o: { count: number; dims: number; seed: number }): Promise<ProtoWritten>;
  protoColdLoad(kind: 'f32' | 'int8'): Promise<ProtoLoad>;
  hnswProbe(o: HnswProbeSpec): ReturnType<typeof hnswProbe>;
}

declare global {
  interface Window {
    kinds?: KindsHandle;
    kindsReady?: boolean;
  }
}

window.kinds = { load, build, retrieve, search, stats, bench, protoWrite, protoColdLoad, hnswProbe };
window.kindsReady = true;
log(`ready (crossOriginIsolated: ${self.crossOriginIsolated})`);
