/**
 * How storage failures reach the user: a write over quota becomes a `QuotaExceeded` error that
 * says how many bytes the write needed and how much the browser says is available; a connection
 * closed by another tab's schema upgrade becomes `StorageClosed`; anything else `StorageError`.
 *
 * Chromium aborts a transaction that crosses the quota with a `QuotaExceededError` whose message
 * is empty (the request's own `onsuccess` has already fired), so the error is caught where the
 * transaction ends (idb's `tx.done`). Everything committed before stays intact.
 *
 * `navigator.storage.estimate()` usage is accurate, but Chromium reports a made-up quota: usage
 * plus exactly 10 GiB (4 GiB in some incognito builds), whatever the disk holds. The figure is
 * still reported, flagged as unreliable, and a failure the estimate says should have fitted says
 * so plainly.
 */
import { RagtabError } from '../core/errors';
import { describe, isClosed } from './db';
import type { RagtabDb } from './schema';

export interface StorageEstimate {
  usage: number;
  quota: number;
  /** quota − usage, as the browser reports it. */
  available: number;
  /** False when the quota looks like Chromium's fixed placeholder (usage + 10 GiB or + 4 GiB). */
  quotaReliable: boolean;
}

const GiB = 2 ** 30;
const PLACEHOLDER_HEADROOM = [10 * GiB, 4 * GiB];

export async function readEstimate(): Promise<StorageEstimate | null> {
  try {
    const e = await navigator.storage?.estimate?.();
    if (!e || typeof e.usage !== 'number' || typeof e.quota !== 'number') return null;
    const available = Math.max(0, e.quota - e.usage);
    return { usage: e.usage, quota: e.quota, available, quotaReliable: !PLACEHOLDER_HEADROOM.includes(e.quota - e.usage) };
  } catch {
    return null;
  }
}

/** `12.3 MB (12,345,678 bytes)`. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const exact = `${Math.round(n).toLocaleString('en-US')} bytes`;
  return i === 0 ? exact : `${v.toFixed(1)} ${units[i]} (${exact})`;
}

/** The QuotaExceeded error, with its figures as fields (the message says the same). */
export class StorageQuotaError extends RagtabError {
  readonly needed: number;
  readonly estimate: StorageEstimate | null;
  constructor(message: string, needed: number, estimate: StorageEstimate | null, cause: unknown) {
    super('QuotaExceeded', message, { cause });
    this.needed = needed;
    this.estimate = estimate;
  }
}

export function isQuotaError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const x = e as { name?: unknown; code?: unknown };
  return x.name === 'QuotaExceededError' || x.code === 22;
}

/** Builds the user-facing QuotaExceeded error for a write of `needed` bytes (`what` names it). */
export async function quotaError(what: string, needed: number, cause: unknown): Promise<StorageQuotaError> {
  const est = await readEstimate();
  let msg = `Not enough storage space to ${what}: the write needed about ${formatBytes(needed)}.`;
  if (!est) msg += ' This browser does not report how much space is available.';
  else {
    msg += ` The browser reports ${formatBytes(est.available)} available: ${formatBytes(est.usage)} used of a quota of ${formatBytes(est.quota)}.`;
    if (!est.quotaReliable || est.available >= needed) {
      msg += ' That quota is not the real limit (Chromium reports a placeholder, usage + 10 GiB): the real limit for this site was reached.';
    }
  }
  msg += ' Nothing of this write was stored; everything stored before is intact. Free space in the storage panel (delete stored corpora, indexes or runs) and try again.';
  return new StorageQuotaError(msg, needed, est, cause);
}

/**
 * Maps any failure of a storage operation to a RagtabError: QuotaExceeded (with figures, when
 * `needed` is known), StorageClosed (the connection was closed by a versionchange), StorageError.
 * RagtabErrors pass through unchanged.
 */
export async function mapStorageError(db: RagtabDb, what: string, e: unknown, needed = 0): Promise<RagtabError> {
  if (e instanceof RagtabError) return e;
  if (isQuotaError(e)) return quotaError(what, needed, e);
  if (isClosed(db) || (e instanceof DOMException && e.name === 'InvalidStateError' && /clos/i.test(e.message))) {
    return new RagtabError(
      'StorageClosed',
      `Could not ${what}: the storage connection was closed (another tab upgraded the stored data, or the browser cleared it). Reload the page.`,
      { cause: e },
    );
  }
  return new RagtabError('StorageError', `Could not ${what}: ${describe(e)}`, { cause: e });
}

/** Runs `fn`, mapping its failures with `mapStorageError`. */
export async function guarded<T>(db: RagtabDb, what: string, fn: () => Promise<T>, needed = 0): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw await mapStorageError(db, what, e, needed);
  }
}

/** A request promise whose failure is reported by its transaction (`tx.done`): not unhandled. */
export function quiet(p: Promise<unknown>): void {
  p.catch(() => undefined);
}

/** The parts of an idb transaction `watch` needs (its proxy forwards the events of the real one). */
interface WatchedTx {
  readonly done: Promise<void>;
  readonly error: DOMException | null;
  addEventListener(type: 'abort' | 'complete', listener: () => void): void;
}

/**
 * Watches a transaction so its failure names its real cause. idb's `tx.done` rejects on the first
 * 'error' event with `tx.error`, which WebKit has not set yet then (the promise shows a bare
 * `AbortError: AbortError`), and a request's own rejection is swallowed by `quiet`. `done()` waits
 * for the transaction to end, then rejects with `tx.error` (the DOMException the browser aborted
 * with: `UnknownError`, `QuotaExceededError`, ...), else the first failed request's error, else
 * the abort. Call `watch` right after creating the transaction; pass its requests through `req`.
 */
export function watch(tx: WatchedTx): { req(p: Promise<unknown>): void; done(): Promise<void> } {
  let firstFailure: unknown = null;
  const ended = new Promise<void>((resolve) => {
    tx.addEventListener('abort', () => resolve());
    tx.addEventListener('complete', () => resolve());
  });
  return {
    req(p) {
      p.catch((e: unknown) => {
        firstFailure ??= e;
      });
    },
    async done() {
      try {
        await tx.done;
      } catch (e) {
        await ended;
        throw realCause(tx.error, firstFailure, e);
      }
    },
  };
}

/** The most specific of a transaction's error, its first failed request's error and the rejection. */
export function realCause(txError: DOMException | null, requestError: unknown, rejection: unknown): unknown {
  const bare = (x: unknown): boolean => x instanceof DOMException && x.name === 'AbortError' && (!x.message || x.message === 'AbortError');
  if (txError && !bare(txError)) return txError;
  if (requestError && !bare(requestError)) return requestError;
  return txError ?? rejection;
}
