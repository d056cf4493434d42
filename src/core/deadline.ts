/**
 * Waiting on something that may never settle (a worker call, a browser measurement, a service
 * worker's install), up to a deadline: one helper instead of a hand-written race in each place.
 * The timer is cleared as soon as the promise settles. `timers` lets a test drive the clock.
 */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

const GLOBAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** True when `p` settles (resolves or rejects) within `ms`, false at the deadline. Never rejects. */
export function settlesWithin(p: Promise<unknown>, ms: number, timers: Timers = GLOBAL_TIMERS): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = timers.setTimeout(() => resolve(false), Math.max(0, ms));
    const done = (): void => {
      timers.clearTimeout?.(timer);
      resolve(true);
    };
    p.then(done, done);
  });
}

/** `p`'s outcome, or a rejection with `late()` when it has not settled within `ms`. */
export function withDeadline<T>(p: Promise<T>, ms: number, late: () => Error, timers: Timers = GLOBAL_TIMERS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(() => reject(late()), Math.max(0, ms));
    p.then(
      (v) => {
        timers.clearTimeout?.(timer);
        resolve(v);
      },
      (e: unknown) => {
        timers.clearTimeout?.(timer);
        reject(e);
      },
    );
  });
}
