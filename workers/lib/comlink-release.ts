/**
 * Closes the port of a Comlink-proxied callback once a call is over (a no-op for plain functions),
 * so a worker does not keep a MessagePort per call it ever served.
 */
import * as Comlink from 'comlink';

export function release(cb: unknown): void {
  const r = (cb as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
  if (typeof r === 'function') r.call(cb);
}
