/**
 * The device's own limits, measured where the work runs (a worker, the page, or Node): what a stage's
 * figure can be read against (src/core/roofs.ts turns stage figures into fractions of these).
 *
 * - Memory bandwidth: a WebAssembly SIMD sum over a buffer much larger than the caches (each byte read
 *   once, nothing else done: `sum` of simd-scan.ts, the same reference bench:retrieval puts beside
 *   the search scan). The best of a few repetitions: a roof is what the device can reach.
 * - SIMD f32 throughput: a small matrix multiply in WebAssembly SIMD (128-bit: f32x4 mul + add, no
 *   fused multiply-add, which Safari lacks), register-blocked 4 rows × 8 columns, on matrices that stay
 *   in the caches (64 × 256 by 256 × 64: 2·64·64·256 = 2.1 MFLOP a call), run for a fixed time after
 *   a warm-up that lasts until its speed is steady (V8 first runs WebAssembly in its baseline tier). 1 thread here; N threads by running it
 *   in N workers at once, each on its own region of one shared WebAssembly.Memory (src/engine/roofs.ts).
 * - Timer resolution: the smallest non-zero step of performance.now() (5 µs in a cross-origin-isolated
 *   Chromium page, 100 µs otherwise; coarser in other browsers).
 * - A calibration workload: the same kernel on a smaller matrix, timed a few times, before and after a
 *   run: if its time changed, the machine's speed changed (src/core/robust-stats.ts calibrationDrift).
 */
import { I32, V128, instantiateScan, op, section, simdSupported, str, uleb, vec } from './simd-scan';

// ───────────────────────────── the matrix-multiply kernel ─────────────────────────────

export interface MatmulShape {
  /** Rows of A and C (a multiple of 4). */
  m: number;
  /** Columns of B and C (a multiple of 8). */
  n: number;
  /** Columns of A, rows of B. */
  k: number;
}

/** The shape of the throughput roof: 2·64·64·256 = 2,097,152 FLOP a call, 144 KiB of operands. */
export const ROOF_MATMUL: Readonly<MatmulShape> = Object.freeze({ m: 64, n: 64, k: 256 });
/** The calibration workload: 2·16·32·128 = 131,072 FLOP a call. */
export const CALIBRATION_MATMUL: Readonly<MatmulShape> = Object.freeze({ m: 16, n: 32, k: 128 });

const SIMD = {
  f32load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  splat: [0xfd, ...uleb(0x13)],
  store: (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  i32mul: [0x6c],
};

function checkShape(s: MatmulShape): void {
  if (!(Number.isInteger(s.m) && s.m >= 4 && s.m % 4 === 0)) throw new RangeError(`m must be a positive multiple of 4, got ${s.m}`);
  if (!(Number.isInteger(s.n) && s.n >= 8 && s.n % 8 === 0)) throw new RangeError(`n must be a positive multiple of 8, got ${s.n}`);
  if (!(Number.isInteger(s.k) && s.k >= 1)) throw new RangeError(`k must be a positive integer, got ${s.k}`);
}

/**
 * `mm(a, b, c, m)`: C (m × n) = A (m × k) · B (k × n), row-major f32, specialised for n and k
 * (offsets are immediates). Each 4 × 8 block of C is kept in 8 f32x4 accumulators over the whole k loop.
 */
function matmulBody(n: number, k: number): number[] {
  const [A, B, C, M] = [0, 1, 2, 3];
  const [ROW_A, ROW_C, J, PA, PB, END, ROWS_END] = [4, 5, 6, 7, 8, 9, 10];
  const [B0, B1, S] = [11, 12, 13];
  const ACC = (r: number, h: number) => 14 + r * 2 + h;
  const locals = vec([
    [7, I32],
    [11, V128],
  ]);
  const kBytes = k * 4;
  const nBytes = n * 4;
  const code: number[] = [
    ...op.get(A), ...op.get(M), ...op.i32(kBytes), ...SIMD.i32mul, ...op.add, ...op.set(ROWS_END),
    ...op.get(A), ...op.set(ROW_A),
    ...op.get(C), ...op.set(ROW_C),
    ...op.block,
    ...op.loop,
    ...op.get(ROW_A), ...op.get(ROWS_END), ...op.ltU, ...op.eqz, ...op.brIf(1),
    ...op.i32(0), ...op.set(J),
    ...op.loop,
  ];
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...op.v128zero, ...op.set(ACC(r, h)));
  code.push(
    ...op.get(ROW_A), ...op.tee(PA), ...op.i32(kBytes), ...op.add, ...op.set(END),
    ...op.get(B), ...op.get(J), ...op.add, ...op.set(PB),
    ...op.loop,
    ...op.get(PB), ...op.v128load(0), ...op.set(B0),
    ...op.get(PB), ...op.v128load(16), ...op.set(B1),
  );
  for (let r = 0; r < 4; r++) {
    code.push(...op.get(PA), ...SIMD.f32load(r * kBytes), ...SIMD.splat, ...op.set(S));
    for (let h = 0; h < 2; h++) code.push(...op.get(ACC(r, h)), ...op.get(S), ...op.get(h === 0 ? B0 : B1), ...op.f32x4mul, ...op.f32x4add, ...op.set(ACC(r, h)));
  }
  code.push(
    ...op.get(PB), ...op.i32(nBytes), ...op.add, ...op.set(PB),
    ...op.get(PA), ...op.i32(4), ...op.add, ...op.tee(PA), ...op.get(END), ...op.ltU, ...op.brIf(0),
    ...op.end,
  );
  for (let r = 0; r < 4; r++) for (let h = 0; h < 2; h++) code.push(...op.get(ROW_C), ...op.get(J), ...op.add, ...op.get(ACC(r, h)), ...SIMD.store(r * nBytes + h * 16));
  code.push(
    ...op.get(J), ...op.i32(32), ...op.add, ...op.tee(J), ...op.i32(nBytes), ...op.ltU, ...op.brIf(0),
    ...op.end,
    ...op.get(ROW_A), ...op.i32(4 * kBytes), ...op.add, ...op.set(ROW_A),
    ...op.get(ROW_C), ...op.i32(4 * nBytes), ...op.add, ...op.set(ROW_C),
    ...op.br(0),
    ...op.end,
    ...op.end,
  );
  return [...locals, ...code, ...op.end];
}

/** The kernel module's bytes (imports `env.memory`, shared when asked; exports `mm`). */
export function buildMatmulModule(shape: Pick<MatmulShape, 'n' | 'k'>, shared = false): Uint8Array<ArrayBuffer> {
  checkShape({ m: 4, ...shape });
  const types = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([])]]));
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]]));
  const funcs = section(3, vec([[0]]));
  const exports = section(7, vec([[...str('mm'), 0x00, 0]]));
  const body = matmulBody(shape.n, shape.k);
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...funcs, ...exports, ...code]);
}

export interface Matmul {
  shape: MatmulShape;
  /** 2·m·n·k. */
  flopsPerCall: number;
  /** Byte offsets of A, B and C in the memory. */
  a: number;
  b: number;
  c: number;
  /** Bytes the three matrices take (from `base`). */
  bytes: number;
  /** One multiply. */
  run(): void;
  /** C as a view (valid until the memory grows). */
  result(): Float32Array;
}

/** Bytes one matmul region needs (A, B, C, each 64-byte aligned). */
export function matmulBytes(s: MatmulShape): number {
  const al = (x: number) => Math.ceil(x / 64) * 64;
  return al(s.m * s.k * 4) + al(s.k * s.n * 4) + al(s.m * s.n * 4);
}

/**
 * The kernel over `memory` from byte `base` (the memory must hold `matmulBytes(shape)` from there),
 * with A and B filled with small deterministic values (0.001·((i·7) mod 13) − 0.006) so C stays finite.
 */
export function matmul(shape: MatmulShape, memory: WebAssembly.Memory, base = 0, shared = false): Matmul {
  checkShape(shape);
  const al = (x: number) => Math.ceil(x / 64) * 64;
  const a = base;
  const b = a + al(shape.m * shape.k * 4);
  const c = b + al(shape.k * shape.n * 4);
  const bytes = matmulBytes(shape);
  if (memory.buffer.byteLength < base + bytes) throw new RangeError(`the memory holds ${memory.buffer.byteLength} bytes, the matmul needs ${base + bytes}`);
  const f32 = new Float32Array(memory.buffer);
  for (let i = 0; i < shape.m * shape.k; i++) f32[(a >> 2) + i] = 0.001 * ((i * 7) % 13) - 0.006;
  for (let i = 0; i < shape.k * shape.n; i++) f32[(b >> 2) + i] = 0.001 * ((i * 5) % 11) - 0.005;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(buildMatmulModule(shape, shared)), { env: { memory } });
  const mm = inst.exports['mm'] as (a: number, b: number, c: number, m: number) => void;
  return {
    shape: { ...shape },
    flopsPerCall: 2 * shape.m * shape.n * shape.k,
    a,
    b,
    c,
    bytes,
    run: () => mm(a, b, c, shape.m),
    result: () => new Float32Array(memory.buffer, c, shape.m * shape.n),
  };
}

const PAGE = 65536;

/** A memory for one matmul region (not shared). */
export function matmulMemory(shape: MatmulShape): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.ceil(matmulBytes(shape) / PAGE) });
}

// ───────────────────────────── measurements ─────────────────────────────

export interface ThroughputRun {
  /** FLOP done. */
  flops: number;
  /** Wall time of the timed part, ms (the warm-up excluded). */
  ms: number;
  calls: number;
  gflops: number;
  /** Warm-up time, ms. */
  warmupMs: number;
}

/**
 * Runs the kernel: untimed until its speed is steady (V8 first runs WebAssembly in a baseline tier
 * and swaps in optimised code when a background compile finishes: slices of 5 ms until one is no
 * faster than the best before it by 3%, at least `warmupMs` and at most `maxWarmupMs`), then calls
 * for about `ms` (whole calls; the time is checked every 8 calls).
 */
export function runMatmulFor(mm: Matmul, ms: number, warmupMs = 20, maxWarmupMs = 200): ThroughputRun {
  const w0 = performance.now();
  let best = 0;
  for (;;) {
    const s0 = performance.now();
    let n = 0;
    while (performance.now() - s0 < 5) {
      for (let i = 0; i < 8; i++) mm.run();
      n += 8;
    }
    const rate = n / (performance.now() - s0);
    const elapsed = performance.now() - w0;
    const steady = rate <= best * 1.03;
    best = Math.max(best, rate);
    if ((steady && elapsed >= warmupMs) || elapsed >= maxWarmupMs) break;
  }
  const warm = performance.now() - w0;
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    for (let i = 0; i < 8; i++) mm.run();
    calls += 8;
    t = performance.now();
  } while (t - t0 < ms);
  const flops = calls * mm.flopsPerCall;
  const elapsed = t - t0;
  return { flops, ms: elapsed, calls, gflops: flops / elapsed / 1e6, warmupMs: warm };
}

export interface BandwidthRun {
  bytes: number;
  /** Each repetition's time, ms. */
  repsMs: number[];
  /** bytes ÷ the fastest repetition. */
  bestGBps: number;
  /** bytes ÷ the median repetition. */
  medianGBps: number;
}

/**
 * Reads `bytes` (rounded to 64) once per repetition with the SIMD sum, after one untimed pass (which
 * also faults the pages in). 64 MiB by default: far beyond the last-level cache of a laptop.
 */
export function measureBandwidth(o: { bytes?: number; reps?: number } = {}): BandwidthRun {
  if (!simdSupported()) throw new Error('WebAssembly SIMD is not available in this engine');
  const bytes = Math.floor((o.bytes ?? 64 * 1024 * 1024) / 64) * 64;
  const reps = o.reps ?? 5;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
  new Float32Array(memory.buffer, 0, bytes / 4).fill(1);
  const k = instantiateScan(memory, { stride: 4 });
  let sink = k.sum(0, bytes / 4);
  const repsMs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    sink += k.sum(0, bytes / 4);
    repsMs.push(performance.now() - t0);
  }
  if (!Number.isFinite(sink)) throw new Error('the bandwidth read gave a non-finite sum');
  const sorted = [...repsMs].sort((a, b) => a - b);
  const med = sorted[Math.floor((sorted.length - 1) / 2)] as number;
  return { bytes, repsMs, bestGBps: bytes / (sorted[0] as number) / 1e6, medianGBps: bytes / med / 1e6 };
}

/** Smallest non-zero step of performance.now() seen over `samples` steps, ms. */
export function timerResolution(samples = 200): number {
  let res = Infinity;
  for (let i = 0; i < samples; i++) {
    const a = performance.now();
    let b = performance.now();
    while (b === a) b = performance.now();
    res = Math.min(res, b - a);
  }
  return res;
}

/**
 * The calibration workload timed `reps` times (ms each): `calls` multiplies of CALIBRATION_MATMUL per
 * repetition (about 1 ms on a laptop), after a warm-up.
 */
export function timeCalibration(reps = 15, calls = 300): number[] {
  const mm = matmul(CALIBRATION_MATMUL, matmulMemory(CALIBRATION_MATMUL));
  const w0 = performance.now();
  while (performance.now() - w0 < 20) mm.run();
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) mm.run();
    out.push(performance.now() - t0);
  }
  return out;
}

// ───────────────────────────── the worker's interface ─────────────────────────────

/**
 * What workers/roofs.worker.ts exposes (one typed interface; it moves to workers/api.ts with the
 * other workers' when issue 13's refactor lands).
 */
export interface RoofsApi {
  bandwidth(o?: { bytes?: number; reps?: number }): BandwidthRun;
  /** The throughput kernel on its own memory (1 thread), or on region `region` of a shared memory. */
  matmul(o: { ms: number; warmupMs?: number; shared?: { memory: WebAssembly.Memory; region: number } }): ThroughputRun;
  calibrate(o?: { reps?: number; calls?: number }): number[];
  timerResolution(): number;
  /** Whether this worker validates the SIMD modules. */
  simd(): boolean;
}

export const roofsApi: RoofsApi = {
  bandwidth: (o) => measureBandwidth(o),
  matmul(o) {
    const shape = ROOF_MATMUL;
    const mm = o.shared ? matmul(shape, o.shared.memory, o.shared.region * Math.ceil(matmulBytes(shape) / PAGE) * PAGE, true) : matmul(shape, matmulMemory(shape));
    return runMatmulFor(mm, o.ms, o.warmupMs);
  },
  calibrate: (o) => timeCalibration(o?.reps, o?.calls),
  timerResolution: () => timerResolution(),
  simd: () => simdSupported(),
};

/** Pages of a shared memory holding `regions` matmul regions of ROOF_MATMUL, one per worker. */
export function sharedMatmulPages(regions: number): number {
  return regions * Math.ceil(matmulBytes(ROOF_MATMUL) / PAGE);
}
