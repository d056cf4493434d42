/**
 * Helpers of the retrieval benchmark page's sections (bench/retrieval.ts): the page log, percentiles,
 * a timeout for a stuck worker, a turn of the event loop, a text fetch.
 */
import { pct } from './vectors';

/** A page log whose console lines start with `[tag]` (the bench scripts relay the lines of their page's tag). */
export function logAs(tag: string): (msg: string) => void {
  return (msg) => {
    const el = document.getElementById('log');
    if (el) el.textContent += msg + '\n';
    console.log(`[${tag}] ${msg}`);
  };
}
export const log = logAs('bench');

export interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
}

export function percentiles(samples: number[]): Percentiles {
  return { n: samples.length, p50: pct(samples, 0.5), p90: pct(samples, 0.9) };
}

/** Rejects after `ms` (a stuck worker must not stall the whole benchmark). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timeout: ${what} took longer than ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

export async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.text();
}
