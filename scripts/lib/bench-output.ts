/**
 * What every bench command records about where it ran, and how it ends. The record a command
 * writes with `--json` extends a RunRecord's header: `schema`, `suite`, `startedAt`, `durationS`,
 * `environment` (the page's EnvironmentRecord, the very block a RunRecord has:
 * src/engine/environment.ts, with `launcher` saying which browser and flags this command used),
 * `machine` (the Node side: cores, memory, load average), then the command's own `config`,
 * `figures` (scripts/lib/figures.ts) and `raw` measurements.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Page } from '@playwright/test';
import type { EnvironmentRecord } from '../../src/core/run-record';

/** The Node side of a bench record. */
export function machineRecord(o: { loadStart: number[]; loadEnd: number[] }) {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryBytes: totalmem(),
    loadavgStart: o.loadStart,
    loadavgEnd: o.loadEnd,
    node: process.version,
  };
}

/**
 * The page's environment (bench/lib/environment.ts installs `window.ragtabEnvironment` on every
 * bench page), with the launcher: this command, the browser's flags and version.
 */
export async function pageEnvironment(page: Page, launcher: { tool: string; browserFlags: readonly string[]; browserVersion: string | null }): Promise<EnvironmentRecord> {
  const env = (await page.evaluate(() => (window as unknown as { ragtabEnvironment(): Promise<unknown> }).ragtabEnvironment())) as EnvironmentRecord;
  return { ...env, launcher: { tool: launcher.tool, browserFlags: [...launcher.browserFlags], browserVersion: launcher.browserVersion } };
}

export interface BenchRecord {
  schema: string;
  suite: string;
  startedAt: string;
  durationS: number;
  environment: EnvironmentRecord;
  machine: ReturnType<typeof machineRecord>;
  [key: string]: unknown;
}

/** A bench command's record: the common header, then the command's own fields. */
export function benchRecord(o: { schema: string; suite: string; started: number; environment: EnvironmentRecord; loadStart: number[]; loadEnd: number[] }, rest: Record<string, unknown>): BenchRecord {
  return {
    schema: o.schema,
    suite: o.suite,
    startedAt: new Date(o.started).toISOString(),
    durationS: (Date.now() - o.started) / 1000,
    environment: o.environment,
    machine: machineRecord({ loadStart: o.loadStart, loadEnd: o.loadEnd }),
    ...rest,
  };
}

/** Prints the duration and the closing load average; writes `record` to `json` when given. */
export function finishRecord(record: unknown, json: string | null, started: number, loadEnd: number[]): void {
  console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadEnd.map((x) => x.toFixed(2)).join(' ')}`);
  if (json) {
    writeFileSync(json, JSON.stringify(record, null, 2) + '\n');
    console.log(`figures written to ${json}`);
  }
}
