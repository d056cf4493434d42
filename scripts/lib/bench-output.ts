/**
 * What every bench command records about the machine and how it ends: the duration and load
 * average printed, the record written as JSON when `--json` was given.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** The `machine` block of a bench record; `page` holds what the page reported (user agent, isolation ...). */
export function machineRecord(o: { loadStart: number[]; loadEnd: number[]; chromium: string; page: { userAgent: string; crossOriginIsolated: boolean } & Record<string, unknown> }) {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryBytes: totalmem(),
    loadavgStart: o.loadStart,
    loadavgEnd: o.loadEnd,
    node: process.version,
    chromium: o.chromium,
    ...o.page,
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
