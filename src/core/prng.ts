/**
 * mulberry32: a small seeded 32-bit PRNG, uniform in [0, 1). Deterministic in every engine (integer
 * arithmetic only), so tests and synthetic benchmark data made in the page and in Node are the same
 * bits.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
