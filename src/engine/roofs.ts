/**
 * Measures the device roofs of this tab (src/core/roofs.ts) in under a second: memory bandwidth and
 * the 1-thread SIMD throughput in one roofs worker, the N-thread throughput in N roofs workers at
 * once on one shared WebAssembly.Memory (where SharedArrayBuffer exists), and the page's timer
 * resolution. Nothing here throws for a missing capability: each roof it cannot measure is recorded
 * as unavailable with the reason.
 */
import * as Comlink from 'comlink';
import { withDeadline } from '../core/deadline';
import type { DeviceRoofs, RoofValue } from '../core/roofs';
import { CALIBRATION_MATMUL, sharedMatmulPages, timerResolution, type RoofsApi } from '../../workers/lib/roofs';

export interface RoofOptions {
  /** Threads of the N-thread roof (default: navigator.hardwareConcurrency, at most 16). */
  threads?: number;
  /** Timed run of each throughput measurement, ms (default 100, after a warm-up until its speed is steady). */
  matmulMs?: number;
  /** Bytes of the bandwidth read (default 64 MiB). */
  bandwidthBytes?: number;
}

type RoofsWorker = { worker: Worker; api: Comlink.Remote<RoofsApi> };

function roofsWorker(): RoofsWorker {
  const worker = new Worker(new URL('../../workers/roofs.worker.ts', import.meta.url), { type: 'module', name: 'roofs' });
  return { worker, api: Comlink.wrap<RoofsApi>(worker) };
}

function dispose(w: RoofsWorker): void {
  w.api[Comlink.releaseProxy]();
  w.worker.terminate();
}

/**
 * A roofs worker that has answered its first call (whether it validates SIMD). A worker whose start
 * fails (an error event before the answer) is replaced once: WebKitGTK 2.50 fires a bare error
 * event, and never runs the script, for about every other module worker started soon after another
 * of the same script was terminated (seen in the WebKit lane: six in a row went ok, error, ok,
 * error, ok, error; 200 ms apart, one of four failed; distinct URLs never). Without this, the
 * calibration that follows the roofs waited out its deadline (15 s) on every first ingestion in
 * WebKit, and recorded no calibration.
 */
async function startedRoofsWorker(what: string): Promise<RoofsWorker & { simd: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const w = roofsWorker();
    let onError: (e: Event) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      onError = (e: Event) => {
        e.preventDefault();
        reject(new Error(`${what} failed to start${e instanceof ErrorEvent && e.message ? `: ${e.message}` : ' (an error event without a message)'}`));
      };
      w.worker.addEventListener('error', onError);
    });
    try {
      const simd = await bounded(Promise.race([w.api.simd(), failed]), what);
      return { ...w, simd };
    } catch (e) {
      dispose(w);
      if (attempt >= 2 || !/failed to start/.test((e as Error).message)) throw e;
    } finally {
      w.worker.removeEventListener('error', onError);
    }
  }
}

const why = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Longest wait for one roofs call (each is timed at about 100 ms; the first includes the worker's start). */
const CALL_DEADLINE_MS = 15_000;

/**
 * A roofs call that gives up after `CALL_DEADLINE_MS`, so a roofs measurement never holds an
 * ingestion or a benchmark up. What once ran into it in WebKitGTK (read then as the N-thread
 * multiply never answering; WebKitGTK has no SharedArrayBuffer, so that multiply never runs there)
 * was a calibration worker that failed to start: see startedRoofsWorker. A deadline on every
 * worker call belongs in the worker bridge (src/engine/bridge.ts) with worker liveness (issue 12).
 */
function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  return withDeadline(p, CALL_DEADLINE_MS, () => new Error(`${what} did not answer within ${CALL_DEADLINE_MS / 1000} s`));
}

/** The roofs, or (when even a roofs worker cannot start) every roof unavailable with the reason: never throws. */
export async function measureDeviceRoofs(o: RoofOptions = {}): Promise<DeviceRoofs> {
  const t0 = performance.now();
  try {
    return await measureRoofs(o);
  } catch (e) {
    const reason = `the roofs could not be measured: ${why(e)}`;
    const timer = { resolutionMs: timerResolution(), crossOriginIsolated: globalThis.crossOriginIsolated === true };
    return { version: 1, durationMs: performance.now() - t0, timer, bandwidth: { available: false, reason }, simd1: { available: false, reason }, simdN: { available: false, reason } };
  }
}

async function measureRoofs(o: RoofOptions): Promise<DeviceRoofs> {
  const t0 = performance.now();
  const ms = o.matmulMs ?? 100;
  const isolated = globalThis.crossOriginIsolated === true;
  const timer = { resolutionMs: timerResolution(), crossOriginIsolated: isolated };
  const workers: RoofsWorker[] = [];
  let bandwidth: DeviceRoofs['bandwidth'];
  let simd1: DeviceRoofs['simd1'];
  let simdN: DeviceRoofs['simdN'];
  try {
    const first = await startedRoofsWorker('the roofs worker');
    workers.push(first);
    if (!first.simd) {
      const reason = 'WebAssembly SIMD does not validate in this browser';
      return { version: 1, durationMs: performance.now() - t0, timer, bandwidth: { available: false, reason }, simd1: { available: false, reason }, simdN: { available: false, reason } };
    }
    try {
      const b = await bounded(first.api.bandwidth({ bytes: o.bandwidthBytes ?? 64 * 1024 * 1024, reps: 5 }), 'the bandwidth read');
      bandwidth = { available: true, GBps: b.bestGBps, medianGBps: b.medianGBps, bytes: b.bytes, repsMs: b.repsMs };
    } catch (e) {
      bandwidth = { available: false, reason: `the bandwidth read failed: ${why(e)}` };
    }
    try {
      const r = await bounded(first.api.matmul({ ms }), 'the SIMD multiply');
      simd1 = { available: true, gflops: r.gflops, ms: r.ms, warmupMs: r.warmupMs };
    } catch (e) {
      simd1 = { available: false, reason: `the SIMD multiply failed: ${why(e)}` };
    }
    const threads = Math.max(1, Math.min(16, o.threads ?? (typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 1) ?? 1));
    simdN = await nThreads(threads, ms, isolated, workers);
  } finally {
    for (const w of workers) dispose(w);
  }
  return { version: 1, durationMs: performance.now() - t0, timer, bandwidth, simd1, simdN };
}

async function nThreads(threads: number, ms: number, isolated: boolean, workers: RoofsWorker[]): Promise<RoofValue<{ threads: number; gflops: number; perThread: number[] }>> {
  if (threads < 2) return { available: false, reason: 'this device reports one logical core' };
  if (!isolated || typeof SharedArrayBuffer === 'undefined') {
    return { available: false, reason: isolated ? 'SharedArrayBuffer is not available in this browser (one thread only)' : 'the page is not cross-origin isolated, so there is no SharedArrayBuffer (one thread only)' };
  }
  try {
    const pages = sharedMatmulPages(threads);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    // every worker loaded and answering first, so that they then run together (a late one would
    // leave the others running alone for a while, and the sum would overstate)
    while (workers.length < threads) workers.push(await startedRoofsWorker('a roofs worker'));
    // all at once: each worker on its own region (matmulBytes(ROOF_MATMUL) rounded to pages)
    const runs = await bounded(Promise.all(workers.slice(0, threads).map((w, region) => w.api.matmul({ ms, shared: { memory, region } }))), `the ${threads}-thread multiply on one shared memory`);
    const perThread = runs.map((r) => r.gflops);
    return { available: true, threads, gflops: perThread.reduce((a, b) => a + b, 0), perThread };
  } catch (e) {
    return { available: false, reason: `the ${threads}-thread multiply failed: ${why(e)}` };
  }
}

// ─────────────────────────────── calibration ───────────────────────────────

const CALIBRATION_REPS = 15;
const CALIBRATION_CALLS = 300;

/** What the calibration times, as the record says it. */
export const CALIBRATION_WORKLOAD = `${CALIBRATION_REPS} repetitions of ${CALIBRATION_CALLS} × the SIMD f32 multiply ${CALIBRATION_MATMUL.m}×${CALIBRATION_MATMUL.k} · ${CALIBRATION_MATMUL.k}×${CALIBRATION_MATMUL.n}, in a roofs worker`;

/**
 * The calibration workload (workers/lib/roofs.ts timeCalibration) in a fresh roofs worker: ms per
 * repetition. Empty when it cannot run (no worker, no SIMD): the drift is then unknown, never made up.
 */
export async function measureCalibration(): Promise<number[]> {
  let w: RoofsWorker | null = null;
  try {
    const started = await startedRoofsWorker('the calibration worker');
    w = started;
    if (!started.simd) return [];
    return await bounded(started.api.calibrate({ reps: CALIBRATION_REPS, calls: CALIBRATION_CALLS }), 'the calibration');
  } catch {
    return [];
  } finally {
    if (w) dispose(w);
  }
}

/** The tab's limits taken at the start of a run: the roofs, and the calibration before the run. */
export interface DeviceLimits {
  roofs: DeviceRoofs;
  calibrationBeforeMs: number[];
}

/** The roofs, then the calibration (in under a second): what a run keeps from its start. Never throws. */
export async function measureDeviceLimits(o: RoofOptions = {}): Promise<DeviceLimits> {
  const roofs = await measureDeviceRoofs(o);
  return { roofs, calibrationBeforeMs: await measureCalibration() };
}
