/**
 * The device roofs measured in real Chromium, in the cross-origin-isolated benchmark page: memory
 * bandwidth, SIMD throughput at 1 and N threads (N workers on one shared memory), timer resolution.
 * Checks that the measurement finishes with sane, positive figures; never how fast they are.
 */
import { expect, test } from '@playwright/test';
import type { DeviceRoofs } from '../../src/core/roofs';
import type {} from '../../bench/retrieval'; // declares window.bench

test('the roofs and the calibration finish with positive figures, every roof available in an isolated page', async ({ page }) => {
  await page.goto('bench/retrieval.html');
  await page.waitForFunction(() => window.benchReady === true);
  const info = await page.evaluate(() => ({ isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  expect(info.isolated).toBe(true);
  const r: DeviceRoofs = await page.evaluate(() => window.bench!.roofs());
  expect(r.version).toBe(1);
  expect(r.durationMs).toBeGreaterThan(0);
  expect(r.timer).toMatchObject({ crossOriginIsolated: true });
  expect(r.timer.resolutionMs).toBeGreaterThan(0);
  expect(r.timer.resolutionMs).toBeLessThanOrEqual(0.1);
  if (!r.bandwidth.available || !r.simd1.available) throw new Error(`a roof is unavailable: ${JSON.stringify(r)}`);
  expect(r.bandwidth.bytes).toBe(64 * 1024 * 1024);
  expect(r.bandwidth.repsMs).toHaveLength(5);
  expect(r.bandwidth.GBps).toBeGreaterThan(0);
  expect(Number.isFinite(r.bandwidth.GBps)).toBe(true);
  expect(r.bandwidth.GBps).toBeGreaterThanOrEqual(r.bandwidth.medianGBps);
  expect(r.simd1.gflops).toBeGreaterThan(0);
  if (info.cores >= 2) {
    if (!r.simdN.available) throw new Error(`the N-thread roof is unavailable: ${r.simdN.reason}`);
    expect(r.simdN.threads).toBe(Math.min(16, info.cores));
    expect(r.simdN.perThread).toHaveLength(r.simdN.threads);
    expect(r.simdN.perThread.every((g) => g > 0 && Number.isFinite(g))).toBe(true);
    expect(r.simdN.gflops).toBeCloseTo(r.simdN.perThread.reduce((a, b) => a + b, 0), 9);
  }
  // the calibration workload runs on the page: 15 positive times
  const cal = await page.evaluate(() => window.bench!.calibrate());
  expect(cal).toHaveLength(15);
  expect(cal.every((x) => x > 0 && Number.isFinite(x))).toBe(true);
  // the workers are gone: a second measurement works the same
  const again: DeviceRoofs = await page.evaluate(() => window.bench!.roofs());
  expect(again.simd1.available).toBe(true);
});
