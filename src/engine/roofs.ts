/**
 * Measures the device roofs of this tab (src/core/roofs.ts) in under a second: memory bandwidth and
 * the 1-thread SIMD throughput in one roofs worker, the N-thread throughput in N roofs workers at
 * once on one shared WebAssembly.Memory (where SharedArrayBuffer exists), and the page's timer
 * resolution. Nothing here throws for a missing capability: each roof it cannot measure is recorded
 * as unavailable with the reason.
 */
import * as Comlink from 'comlink';
import { withDeadline } from '../core/deadline';
import { WorkerBridge } from './bridge';
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

/**
 * A roofs worker behind the WorkerBridge, so it shares the bridge's handling of a worker that fails
 * to start (replaced once, the call run on the new one): WebKitGTK 2.50 fails about every other
 * module worker started soon after another of the same script was terminated, and the calibration
 * worker starts right after the roofs workers end. Without that, the calibration waited out its
 * deadline (15 s) on every first ingestion in WebKit, and recorded no calibration.
 */
type RoofsWorker = WorkerBridge<RoofsApi>;

function roofsWorker(): RoofsWorker {
  return new WorkerBridge<RoofsApi>('roofs', () => new Worker(new URL('../../workers/roofs.worker.ts', import.meta.url), { type: 'module', name: 'roofs' }));
}

/** One roofs call, bounded by the call deadline. */
async function roofsCall<R>(w: RoofsWorker, what: string, fn: (api: Comlink.Remote<RoofsApi>) => Promise<R>): Promise<R> {
  return (await bounded(w.call(what, fn), what)).value;
}

const why = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Longest wait for one roofs call (each is timed at about 100 ms; the first includes the worker's start). */
const CALL_DEADLINE_MS = 15_000;

/**
 * A roofs call that gives up after `CALL_DEADLINE_MS`, so a roofs measurement never holds an
 * ingestion or a benchmark up. What once ran into it in WebKitGTK (read then as the N-thread
 * multiply never answering; WebKitGTK has no SharedArrayBuffer, so that multiply never runs there)
 * was a calibration worker that failed to start: see RoofsWorker. A deadline on every
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
    const first = roofsWorker();
    workers.push(first);
    if (!(await roofsCall(first, 'the roofs worker', (api) => api.simd()))) {
      const reason = 'WebAssembly SIMD does not validate in this browser';
      return { version: 1, durationMs: performance.now() - t0, timer, bandwidth: { available: false, reason }, simd1: { available: false, reason }, simdN: { available: false, reason } };
    }
    try {
      const b = await roofsCall(first, 'the bandwidth read', (api) => api.bandwidth({ bytes: o.bandwidthBytes ?? 64 * 1024 * 1024, reps: 5 }));
      bandwidth = { available: true, GBps: b.bestGBps, medianGBps: b.medianGBps, bytes: b.bytes, repsMs: b.repsMs };
    } catch (e) {
      bandwidth = { available: false, reason: `the bandwidth read failed: ${why(e)}` };
    }
    try {
      const r = await roofsCall(first, 'the SIMD multiply', (api) => api.matmul({ ms }));
      simd1 = { available: true, gflops: r.gflops, ms: r.ms, warmupMs: r.warmupMs };
    } catch (e) {
      simd1 = { available: false, reason: `the SIMD multiply failed: ${why(e)}` };
    }
    const threads = Math.max(1, Math.min(16, o.threads ?? (typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : 1) ?? 1));
    simdN = await nThreads(threads, ms, isolated, workers);
  } finally {
    for (const w of workers) w.terminate();
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
    while (workers.length < threads) workers.push(roofsWorker());
    // every worker loaded and answering first, so that they then run together (a late one would
    // leave the others running alone for a while, and the sum would overstate)
    await Promise.all(workers.map((w) => roofsCall(w, 'the roofs workers', (api) => api.simd())));
    // all at once: each worker on its own region (matmulBytes(ROOF_MATMUL) rounded to pages)
    const what = `the ${threads}-thread multiply on one shared memory`;
    const runs = await Promise.all(workers.slice(0, threads).map((w, region) => roofsCall(w, what, (api) => api.matmul({ ms, shared: { memory, region } }))));
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
  const w = roofsWorker();
  try {
    if (!(await roofsCall(w, 'the calibration worker', (api) => api.simd()))) return [];
    return await roofsCall(w, 'the calibration', (api) => api.calibrate({ reps: CALIBRATION_REPS, calls: CALIBRATION_CALLS }));
  } catch {
    return [];
  } finally {
    w.terminate();
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
