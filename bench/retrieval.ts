/**
 * The retrieval benchmark page (bench/retrieval.html), driven by scripts/bench-retrieval.ts.
 * Exposes `window.bench`; every method measures inside this tab (its workers included) and
 * resolves with plain JSON figures. Nothing here asserts: it only measures. The sections live in
 * bench/lib/retrieval-*.ts (embedding, search, round trip), one file each.
 */
import './lib/environment';
import { SimdStore } from '../workers/lib/simd-scan';
import { timeCalibration, timerResolution } from '../workers/lib/roofs';
import { measureDeviceRoofs } from '../src/engine/roofs';
import type { DeviceRoofs } from '../src/core/roofs';
import { log } from './lib/page-util';
import { embedderRun, embedderStart, embedderStop, embedding, embeddingProbe, type EmbedderRunResult, type EmbedderStarted, type EmbedderStartOptions, type EmbeddingOptions, type EmbeddingRun, type ProbeOptions, type ProbeOutcome } from './lib/retrieval-embedding';
import { search, type SearchOptions, type SearchSize } from './lib/retrieval-search';
import { roundTrip, type RoundTripOptions, type RoundTripResult } from './lib/retrieval-roundtrip';

// The sections' types, for scripts/bench-retrieval.ts and the tests (one import path).
export type { Percentiles } from './lib/page-util';
export type { EmbedderRunResult, EmbedderStarted, EmbedderStartOptions, EmbeddingOptions, EmbeddingRun, ProbeConfig, ProbeOptions, ProbeOutcome } from './lib/retrieval-embedding';
export type { SearchOptions, SearchSize } from './lib/retrieval-search';
export type { RoundTripOptions, RoundTripResult } from './lib/retrieval-roundtrip';

// ─────────────────────────────── environment ───────────────────────────────

export interface PageEnv {
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** Smallest non-zero step of performance.now() seen (ms): 0.005 when isolated, 0.1 when not. */
  timerResolutionMs: number;
  wasmSimd: boolean;
}

function environment(): PageEnv {
  const res = timerResolution();
  const simd = new SimdStore(4);
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: self.crossOriginIsolated,
    timerResolutionMs: res,
    wasmSimd: simd.simd,
  };
}

// ─────────────────────────────── the handle ───────────────────────────────

export interface BenchHandle {
  env(): PageEnv;
  embedding(o: EmbeddingOptions): Promise<{ runs: EmbeddingRun[] }>;
  embedderStart(o: EmbedderStartOptions): Promise<EmbedderStarted>;
  embedderRun(o: { id: number; from: number; to: number }): Promise<EmbedderRunResult>;
  embedderStop(id: number): void;
  embeddingProbe(o: ProbeOptions): Promise<{ outcomes: ProbeOutcome[] }>;
  search(o: SearchOptions): Promise<{ sizes: SearchSize[] }>;
  roundTrip(o: RoundTripOptions): Promise<RoundTripResult>;
  /** The device roofs of this tab (src/engine/roofs.ts). */
  roofs(): Promise<DeviceRoofs>;
  /** The calibration workload timed on this page (ms per repetition): src/core/robust-stats.ts calibrationDrift. */
  calibrate(): number[];
}

declare global {
  interface Window {
    bench?: BenchHandle;
    benchReady?: boolean;
  }
}

window.bench = { env: environment, embedding, embedderStart, embedderRun, embedderStop, embeddingProbe, search, roundTrip, roofs: () => measureDeviceRoofs(), calibrate: () => timeCalibration() };
window.benchReady = true;
log(`ready (crossOriginIsolated: ${self.crossOriginIsolated})`);
