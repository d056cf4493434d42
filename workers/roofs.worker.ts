/// <reference lib="webworker" />
/**
 * Roofs worker: the device-limit measurements of workers/lib/roofs.ts (memory bandwidth, the SIMD
 * matrix multiply, the calibration workload), run off the page's main thread. Several of these run
 * at once for the N-thread roof, each on its own region of one shared memory.
 */
import * as Comlink from 'comlink';
import { roofsApi } from './lib/roofs';

Comlink.expose(roofsApi);
