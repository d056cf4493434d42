/**
 * While a benchmark runs, the elements that re-render on every session 'change' hold off: a
 * re-render after each query scheduled a style/layout/paint frame that ran inside the next query's
 * round trip (the slow mode of `embed query`, found in a CDP trace: issue 16). The benchmark panel
 * shows the progress meanwhile; the held elements render once when the run ends (`bench-done`,
 * `bench-error`).
 */
import type {} from '../engine/bench-api'; // declares window.ragtabBench

export function benchmarkRunning(): boolean {
  return window.ragtabBench?.running === true;
}

/** A session 'change' listener that calls `rerender` unless a benchmark is running, and once after each run. */
export function heldDuringBenchmarks(rerender: () => void): () => void {
  for (const e of ['bench-done', 'bench-error']) window.addEventListener(e, () => rerender());
  return () => {
    if (!benchmarkRunning()) rerender();
  };
}
