/**
 * Memory, sampled through each stage with the peak per stage (src/core/run-record.ts summarises).
 *
 * - `performance.memory` (JS heap; Chromium only, and coarse unless the browser runs with
 *   --enable-precise-memory-info) is cheap: read every `intervalMs` and at every stage change.
 * - `performance.measureUserAgentSpecificMemory()` (the page and each worker, attributed) needs a
 *   cross-origin-isolated page and resolves only after a garbage collection (0.6 to 13 s in
 *   Chromium): it is started between stages, never awaited inside one, one at a time, and
 *   collected at the end with a timeout. Its result is tagged with the stage that had just ended.
 * - Storage usage from `navigator.storage.estimate()` (usage only: the quota it reports is not the
 *   real one) is read between stages.
 * - Each worker's own memory (embedder, index, LLM), counted inside the worker where it is allocated
 *   (workers/lib/memory-accounting.ts): the byte length of the WebAssembly memories its code made
 *   (`<worker>-wasm`) and the bytes of the GPUBuffers it created and has not destroyed
 *   (`<worker>-webgpu-buffers`, with the worker's peak and total created in `detail`), plus
 *   `webgpu-buffers`, the sum over the workers that count (named in its `detail`). Read between
 *   stages only: a worker answers one call at a time, so a read inside a stage would wait for (or
 *   delay) the work it measures. WebAssembly memories only grow, so the reading after a stage is
 *   that stage's peak; a GPU peak inside a stage shows in the worker's peak counter.
 * - Measured here (Chromium 156): measureUserAgentSpecificMemory() never resolves while a worker
 *   runs a WebAssembly thread pool (ONNX Runtime or llama.cpp with more than one thread): the pool's
 *   threads block in Atomics.wait and never answer. The runner then skips it, with that reason.
 *
 * A figure the browser cannot give is recorded as `{available: false, reason}`, never as 0.
 */
import { settlesWithin } from '../core/deadline';
import { gpuFigure, wasmFigure, type MemoryFigure, type MemorySample, type MemoryWorker, type Phase } from '../core/run-record';
import type { WorkerMemory } from '../../workers/api';

/** How the sampler reads one worker's own memory (a Comlink call to its `memory()`). */
export interface WorkerMemoryReader {
  worker: MemoryWorker;
  read(): Promise<WorkerMemory>;
}

/** A worker's memory when it cannot be read at all (both figures unavailable, with the reason). */
export function unreadableMemory(reason: string): WorkerMemory {
  return { wasmBytes: null, wasmMemories: 0, wasmReason: reason, gpuBufferBytes: null, gpuBufferPeakBytes: null, gpuBufferCreatedBytes: null, gpuReason: reason };
}

interface UaMemoryResult {
  bytes: number;
  breakdown?: Array<{ bytes: number; attribution?: Array<{ url?: string; scope?: string }>; types?: string[] }>;
}

export interface MemorySources {
  /** ms since the run started. */
  now(): number;
  jsHeap(): { used: number; total: number } | null;
  crossOriginIsolated: boolean;
  measureUserAgentSpecificMemory: (() => Promise<UaMemoryResult>) | null;
  storageEstimate: (() => Promise<{ usage?: number }>) | null;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  /** Clears a setTimeout handle (a measurement's deadline once the measurement settled). */
  clearTimeout(handle: unknown): void;
}

interface PerformanceWithMemory {
  memory?: { usedJSHeapSize: number; totalJSHeapSize: number };
  measureUserAgentSpecificMemory?: () => Promise<UaMemoryResult>;
}

export function browserMemorySources(origin: number): MemorySources {
  const perf = performance as unknown as PerformanceWithMemory;
  const store = typeof navigator !== 'undefined' ? navigator.storage : undefined;
  return {
    now: () => performance.now() - origin,
    jsHeap: () => (perf.memory ? { used: perf.memory.usedJSHeapSize, total: perf.memory.totalJSHeapSize } : null),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    measureUserAgentSpecificMemory: typeof perf.measureUserAgentSpecificMemory === 'function' ? () => perf.measureUserAgentSpecificMemory!() : null,
    storageEstimate: store && typeof store.estimate === 'function' ? () => store.estimate() : null,
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
}

export const REASONS = {
  threadPool: (what: string) =>
    `skipped: ${what} runs a multi-threaded WebAssembly pool, whose threads block in Atomics.wait and never answer the measurement (it would never resolve); run with one thread to measure`,
  jsHeap: 'performance.memory is not available in this browser (Chromium-based browsers only)',
  notIsolated: 'the page is not cross-origin isolated, so performance.measureUserAgentSpecificMemory() is unavailable',
  noUaMemory: 'performance.measureUserAgentSpecificMemory() is not available in this browser',
  storage: 'navigator.storage.estimate() is not available',
  noWorkers: 'no worker was running to count its WebGPU buffers',
  noWasm: 'the worker reported no WebAssembly memory and gave no reason',
  noGpu: 'the worker reported no WebGPU figure and gave no reason',
  llmNoMemory: "the LLM client (src/engine/generation.ts) does not expose its worker's memory() yet",
  notRunning: (worker: string) => `the ${worker} worker is not running (terminated since the last stage); reading it would start a fresh one`,
  unreadable: (worker: string, message: string) => `the ${worker} worker's memory could not be read: ${message}`,
} as const;

/** Attribution of a measureUserAgentSpecificMemory() result: bytes per page / worker script. */
export function attribute(r: UaMemoryResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of r.breakdown ?? []) {
    const a = b.attribution?.[0];
    let key = 'shared';
    if (a) {
      const file = (a.url ?? '').split(/[?#]/)[0]!.split('/').pop() ?? '';
      key = a.scope === 'Window' ? 'page' : `${a.scope ?? 'scope'}${file ? ` ${file.replace(/-[\w-]{8}\.js$/, '.js')}` : ''}`;
    }
    out[key] = (out[key] ?? 0) + b.bytes;
  }
  return out;
}

export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private stage: string | null = null;
  private phase: Phase | null = null;
  private timer: unknown = null;
  private pending: Promise<void> | null = null;
  private pendingStage: { stage: string | null; phase: Phase | null; t: number } | null = null;
  private stopped = false;

  constructor(
    private readonly opts: {
      intervalMs: number;
      full: boolean;
      /** Why the full measurement cannot be taken now (null: it can). */
      blocked?: () => string | null;
    },
    private readonly src: MemorySources,
  ) {}

  private push(figure: MemoryFigure, value: number | null | { bytes: number; detail: Record<string, number> }, reason: string, at?: { stage: string | null; phase: Phase | null; t: number }): void {
    if (this.stopped) return;
    const base = { t: at?.t ?? this.src.now(), stage: at ? at.stage : this.stage, phase: at ? at.phase : this.phase, figure };
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      this.samples.push({ ...base, available: false, reason });
    } else if (typeof value === 'number') {
      this.samples.push({ ...base, available: true, bytes: value, detail: null });
    } else {
      this.samples.push({ ...base, available: true, bytes: value.bytes, detail: value.detail });
    }
  }

  /** Reads the cheap sources (called often). */
  sampleCheap(): void {
    const h = this.src.jsHeap();
    if (h) {
      this.push('js-heap-used', h.used, '');
      this.push('js-heap-total', h.total, '');
    }
  }

  start(): void {
    if (!this.src.jsHeap()) this.push('js-heap-used', null, REASONS.jsHeap);
    if (this.opts.full && !this.src.crossOriginIsolated) this.push('ua-memory', null, REASONS.notIsolated);
    else if (this.opts.full && !this.src.measureUserAgentSpecificMemory) this.push('ua-memory', null, REASONS.noUaMemory);
    this.sampleCheap();
    this.timer = this.src.setInterval(() => this.sampleCheap(), this.opts.intervalMs);
  }

  /** The stage now running (null between stages): samples are tagged with it. */
  setStage(stage: string | null, phase: Phase | null): void {
    if (stage === this.stage && phase === this.phase) return;
    this.stage = stage;
    this.phase = phase;
    if (stage !== null) {
      if (!this.src.jsHeap()) this.push('js-heap-used', null, REASONS.jsHeap);
      this.sampleCheap();
    }
  }

  /**
   * Between stages (never inside a timed one): storage usage and each running worker's own memory
   * are read, and a full measurement is started if none is pending; all are tagged with `after`.
   */
  async between(after: { stage: string; phase: Phase }, workers: readonly WorkerMemoryReader[] = []): Promise<void> {
    const at = { stage: after.stage, phase: after.phase, t: this.src.now() };
    if (this.src.storageEstimate) {
      try {
        const e = await this.src.storageEstimate();
        this.push('storage-usage', typeof e.usage === 'number' ? e.usage : null, 'navigator.storage.estimate() gave no usage', at);
      } catch (err) {
        this.push('storage-usage', null, `navigator.storage.estimate() failed: ${(err as Error).message}`, at);
      }
    } else this.push('storage-usage', null, REASONS.storage, at);
    if (workers.length) await this.workers(workers, at);
    this.startFull(at);
  }

  /** Each worker's WASM and GPU buffer bytes, and the GPU total over the workers that count. */
  private async workers(readers: readonly WorkerMemoryReader[], at: { stage: string | null; phase: Phase | null; t: number }): Promise<void> {
    const gpu: Record<string, number> = {};
    const gpuReasons: string[] = [];
    for (const r of readers) {
      let m: WorkerMemory;
      try {
        m = await r.read();
      } catch (err) {
        m = unreadableMemory(REASONS.unreadable(r.worker, (err as Error)?.message ?? String(err)));
      }
      const wasm = m.wasmBytes === null ? null : { bytes: m.wasmBytes, detail: { memories: m.wasmMemories } };
      this.push(wasmFigure(r.worker), wasm, m.wasmReason ?? REASONS.noWasm, at);
      if (m.gpuBufferBytes === null) {
        const reason = m.gpuReason ?? REASONS.noGpu;
        this.push(gpuFigure(r.worker), null, reason, at);
        gpuReasons.push(`${r.worker}: ${reason}`);
      } else {
        const detail: Record<string, number> = {};
        if (m.gpuBufferPeakBytes !== null) detail['peakSinceWorkerStart'] = m.gpuBufferPeakBytes;
        if (m.gpuBufferCreatedBytes !== null) detail['createdSinceWorkerStart'] = m.gpuBufferCreatedBytes;
        this.push(gpuFigure(r.worker), { bytes: m.gpuBufferBytes, detail }, '', at);
        gpu[r.worker] = m.gpuBufferBytes;
      }
    }
    const counted = Object.values(gpu);
    if (counted.length) this.push('webgpu-buffers', { bytes: counted.reduce((t, x) => t + x, 0), detail: gpu }, '', at);
    else this.push('webgpu-buffers', null, gpuReasons.length ? gpuReasons.join('; ') : REASONS.noWorkers, at);
  }

  private startFull(at: { stage: string | null; phase: Phase | null; t: number }): void {
    const measure = this.src.measureUserAgentSpecificMemory;
    if (!this.opts.full || !this.src.crossOriginIsolated || !measure || this.pending) return;
    const blocked = this.opts.blocked?.() ?? null;
    if (blocked) {
      this.push('ua-memory', null, blocked, at);
      return;
    }
    this.pendingStage = at;
    this.pending = measure()
      .then(
        (r) => this.push('ua-memory', { bytes: r.bytes, detail: attribute(r) }, '', { ...at, t: this.src.now() }),
        (err: unknown) => this.push('ua-memory', null, `measureUserAgentSpecificMemory() failed: ${(err as Error)?.message ?? String(err)}`, at),
      )
      .finally(() => {
        this.pending = null;
        this.pendingStage = null;
      });
  }

  /**
   * Waits (up to `timeoutMs`) for a pending full measurement: called before a step that ends
   * workers, because a measurement pending while a worker it measures is terminated never resolves.
   */
  async settle(timeoutMs: number): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    await settlesWithin(pending, timeoutMs, this.src);
  }

  /** Stops sampling and waits (up to `timeoutMs`) for a full measurement still pending. */
  async stop(timeoutMs: number): Promise<MemorySample[]> {
    if (this.timer !== null) this.src.clearInterval(this.timer);
    this.timer = null;
    this.stage = null;
    this.phase = null;
    const pending = this.pending;
    const at = this.pendingStage;
    if (pending && at) {
      if (!(await settlesWithin(pending, timeoutMs, this.src))) {
        this.push('ua-memory', null, `no result within ${Math.round(timeoutMs / 1000)} s (the browser measures after a garbage collection)`, at);
      }
    }
    this.stopped = true;
    return this.samples;
  }
}
