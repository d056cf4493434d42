/// <reference lib="webworker" />
/**
 * Liveness without a heartbeat: the worker holds a Web Lock for as long as it lives. The browser
 * releases it when the worker's global goes away for any reason (closed, terminated, killed for
 * memory, crashed without an error event), so the page, waiting on the same lock, learns of the
 * death at once, however busy the worker was in a long call (where a ping would queue behind the
 * call). The bridge (src/engine/bridge.ts) asks `alive()` for the lock's name once it is held.
 */

/** The name of the lock this worker holds until it ends (null where Web Locks are missing). */
export const alive: Promise<string | null> = (() => {
  const locks = (self.navigator as WorkerNavigator & { locks?: LockManager }).locks;
  if (!locks) return Promise.resolve(null);
  const name = `ragtab-alive:${self.name || 'worker'}:${crypto.randomUUID()}`;
  return new Promise<string | null>((resolve) => {
    locks
      .request(name, () => {
        resolve(name);
        return new Promise<never>(() => undefined); // held until the worker ends
      })
      .catch(() => resolve(null));
  });
})();
