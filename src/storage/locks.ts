/**
 * One writer per index across tabs, with Web Locks (`navigator.locks`, shared by every tab and
 * worker of the origin). The lock is first asked for with `ifAvailable`, so a second tab knows at
 * once that it must wait and can say so; then it waits in the queue. The lock is released when
 * `fn` settles, or when its tab closes (the browser releases a closed page's locks).
 *
 * After waiting, the other tab has usually stored (part of) the index: call `begin` INSIDE `fn`,
 * so the state it reports is read after the wait.
 */
import { RagtabError } from '../core/errors';

export const INDEX_LOCK_PREFIX = 'ragtab:index-write:';

export interface IndexLockOptions {
  /** Called once when the lock is held elsewhere, before waiting for it. */
  onWait?: (info: { key: string; message: string }) => void;
  /** Aborting stops the wait (rejects with Cancelled); it does not interrupt `fn`. */
  signal?: AbortSignal;
}

export const WAIT_MESSAGE = 'Another tab is writing this index: waiting for it to finish…';

function locks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

/**
 * Runs `fn` holding the write lock of index `key`. Without Web Locks (very old browsers) `fn`
 * runs unlocked; `appendBlock` still refuses a block that does not follow the committed ones.
 */
export async function withIndexWriteLock<T>(key: string, opts: IndexLockOptions, fn: () => Promise<T>): Promise<T> {
  const lm = locks();
  if (!lm) return fn();
  const name = INDEX_LOCK_PREFIX + key;
  const NOT_HELD = Symbol('not held');
  const first = await lm.request(name, { ifAvailable: true }, async (lock) => (lock ? { value: await fn() } : NOT_HELD));
  if (first !== NOT_HELD) return (first as { value: T }).value;
  opts.onWait?.({ key, message: WAIT_MESSAGE });
  try {
    return await lm.request(name, opts.signal ? { signal: opts.signal } : {}, async () => fn());
  } catch (e) {
    if (opts.signal?.aborted && e instanceof DOMException && e.name === 'AbortError') {
      throw new RagtabError('Cancelled', 'Stopped waiting for the other tab to finish writing the index.', { cause: e });
    }
    throw e;
  }
}

/** Keys of the indexes whose write lock is held or awaited now, in any tab of this origin. */
export async function busyIndexKeys(): Promise<Set<string>> {
  const lm = locks();
  const out = new Set<string>();
  if (!lm) return out;
  const q = await lm.query();
  for (const l of [...(q.held ?? []), ...(q.pending ?? [])]) {
    if (l.name?.startsWith(INDEX_LOCK_PREFIX)) out.add(l.name.slice(INDEX_LOCK_PREFIX.length));
  }
  return out;
}
