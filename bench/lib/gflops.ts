/**
 * A minimal compute roof for bench:llm, measured in the tab: WebAssembly SIMD f32 GFLOP/s of a
 * register-blocked matrix-multiply micro-kernel (C[4×8] += A[4×K]·B[K×8], K = 64: operands in L1,
 * 8 f32x4 accumulators, f32x4.mul + f32x4.add — WebAssembly SIMD has no fused multiply-add outside
 * relaxed SIMD), one thread. It is what a good 128-bit kernel can do on this core; the LLM's
 * prefill and decode are reported as fractions of it. Local to the bench page until the shared
 * device-roof module (issue 16) replaces it.
 */

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (n: number) => [0x41, ...uleb(n)]; // small non-negative constants only
const simd = (code: number, ...imm: number[]) => [0xfd, ...uleb(code), ...imm];
const v128load = (offset: number) => simd(0x00, 4, ...uleb(offset));
const v128store = (offset: number) => simd(0x0b, 4, ...uleb(offset));
const f32load = (offset: number) => [0x2a, 2, ...uleb(offset)];
const F32X4_SPLAT = 0x13;
const F32X4_ADD = 0xe4;
const F32X4_MUL = 0xe6;

/** kern(a, b, k, reps, out): reps × (C[4×8] += A·B over k), A packed [k][4], B [k][8]; C stored at out. */
function kernelModule(): Uint8Array<ArrayBuffer> {
  // params 0 a, 1 b, 2 k, 3 reps, 4 out; locals 5 pa, 6 pb, 7 end (i32); 8 b0, 9 b1, 10 a, 11..18 acc (v128)
  const ACC = 11;
  const body: number[] = [];
  body.push(0x03, 0x40); // loop (reps)
  body.push(...get(0), ...set(5), ...get(1), ...set(6));
  body.push(...get(0), ...get(2), ...i32c(16), 0x6c, 0x6a, ...set(7)); // end = a + k * 16
  body.push(0x03, 0x40); // loop (k)
  body.push(...get(6), ...v128load(0), ...set(8), ...get(6), ...v128load(16), ...set(9));
  for (let row = 0; row < 4; row++) {
    body.push(...get(5), ...f32load(row * 4), ...simd(F32X4_SPLAT), ...set(10));
    for (let c = 0; c < 2; c++) {
      const acc = ACC + row * 2 + c;
      body.push(...get(acc), ...get(10), ...get(8 + c), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(acc));
    }
  }
  body.push(...get(5), ...i32c(16), 0x6a, ...set(5), ...get(6), ...i32c(32), 0x6a, ...set(6));
  body.push(...get(5), ...get(7), 0x47, 0x0d, 0x00, 0x0b); // br_if pa != end; end loop
  body.push(...get(3), ...i32c(1), 0x6b, 0x22, 3, 0x0d, 0x00, 0x0b); // reps = reps − 1; br_if reps; end loop
  for (let i = 0; i < 8; i++) body.push(...get(4), ...get(ACC + i), ...v128store(i * 16));
  body.push(0x0b);
  const locals = [0x02, ...uleb(3), I32, ...uleb(11), V128];
  const fn = [...locals, ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, 4, ...Array.from('kern', (c) => c.charCodeAt(0)), 0x00, 0, 3, ...Array.from('mem', (c) => c.charCodeAt(0)), 0x02, 0]),
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ];
  return new Uint8Array(bytes);
}

export interface GflopsRoof {
  /** Best of the timed runs, GFLOP/s (f32, multiply and add counted apart). */
  gflops: number;
  runs: number[];
  kernel: string;
  ms: number;
}

/** Measures the f32 SIMD roof: calibrates to ~60 ms a run, then the best of `runs` runs. */
export async function measureGflops(runs = 5): Promise<GflopsRoof> {
  const t0 = performance.now();
  const { instance } = await WebAssembly.instantiate(kernelModule());
  const kern = instance.exports['kern'] as (a: number, b: number, k: number, reps: number, out: number) => void;
  const mem = new Float32Array((instance.exports['mem'] as WebAssembly.Memory).buffer);
  const K = 64;
  for (let i = 0; i < K * 12; i++) mem[i] = ((i * 37) % 101) / 1000;
  const A = 0;
  const B = K * 16;
  const OUT = B + K * 32;
  const flopsPer = (reps: number) => reps * K * 64;
  let reps = 1000;
  for (;;) {
    const t = performance.now();
    kern(A, B, K, reps, OUT);
    const ms = performance.now() - t;
    if (ms > 20 || reps > 1e8) {
      reps = Math.max(1, Math.round((reps * 60) / Math.max(ms, 0.01)));
      break;
    }
    reps *= 4;
  }
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    kern(A, B, K, reps, OUT);
    const s = (performance.now() - t) / 1000;
    out.push(flopsPer(reps) / s / 1e9);
    await new Promise((res) => setTimeout(res, 0));
  }
  return { gflops: Math.max(...out), runs: out, kernel: 'f32x4 mul+add, C[4×8] += A[4×64]·B[64×8], 1 thread', ms: performance.now() - t0 };
}
