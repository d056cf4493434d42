/**
 * Letting the page render before a measurement, so a frame that earlier DOM changes scheduled
 * (style, layout, paint, commit on the main thread) is not counted in the next timed stage.
 *
 * Measured (issue 16, a CDP trace of the CLI's quick preset on msmarco-5k): a rendering frame ran
 * inside most slow `embed query` round trips, between the worker's reply and its handling on the
 * page; the worker's own time was the same in slow and fast queries.
 */

import { settlesWithin } from '../core/deadline';

/**
 * Resolves after the next rendering frame has run (a requestAnimationFrame callback, then a task
 * queued from it, which runs after that frame's rendering), or at once where no frame will come: no
 * DOM (Node, a worker), or a hidden page (background tabs do not render). `timeoutMs` bounds the
 * wait (an occluded window may never produce a frame).
 */
export function afterNextFrame(timeoutMs = 100): Promise<void> {
  if (typeof requestAnimationFrame !== 'function' || typeof document === 'undefined' || document.visibilityState !== 'visible') return Promise.resolve();
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        finish();
      };
      ch.port2.postMessage(0);
    });
  });
}

/** Whether the page is hidden (a background tab: timers throttled, no rendering), null without a DOM. */
export function pageHidden(): boolean | null {
  return typeof document === 'undefined' ? null : document.visibilityState === 'hidden';
}

/**
 * What a run could not wait for before its first measurement, one sentence each (empty: the tab
 * was quiet). A run started right after the page opened (the CLI does that, and so can a person)
 * shared the tab with its own start-up: the app opening storage and probing the GPU, and, on a first
 * visit, the service worker downloading and caching the app's files (tens of MB). Measured (issue 16,
 * `bench:repeatability`, load ≈ 0 before the run): the calibration taken at the start was noisy,
 * single repetitions up to 5× slower than the steady ones at the end: a "drift" of the tab, not of the
 * machine. With this wait they agree within 3%.
 */
export async function tabStartupSettled(o: { timeoutMs?: number } = {}): Promise<string[]> {
  const timeoutMs = o.timeoutMs ?? 120_000;
  const appReady = (): boolean => typeof window === 'undefined' || !window.ragtab || window.ragtab.ready;
  const left: string[] = [];
  const deadline = Date.now() + timeoutMs;
  const until = (p: Promise<unknown>): Promise<boolean> => settlesWithin(p, deadline - Date.now());
  if (typeof window !== 'undefined' && !appReady()) {
    const ok = await until(new Promise<void>((r) => window.addEventListener('ragtab-ready', () => r(), { once: true })));
    if (!ok && !appReady()) left.push(`the app's start-up (storage, capability probe) had not finished after ${Math.round(timeoutMs / 1000)} s`);
  }
  const sw = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined;
  const reg = sw ? await sw.getRegistration().catch(() => undefined) : undefined;
  const pending = reg?.installing ?? reg?.waiting ?? null;
  if (pending) {
    // Settled: installed (a worker that waits for its old version's pages to close never activates
    // here), activated or redundant. Checked on each statechange and also every 250 ms: WebKitGTK
    // 2.50 delivered no statechange to an idle page (seen: the worker activated after 4 s, the page
    // heard nothing for 120 s), while the state read on a timer was right.
    const done = (): boolean => pending.state !== 'installing' || reg?.installing !== pending;
    let poll: ReturnType<typeof setInterval> | undefined;
    const installed = new Promise<void>((r) => {
      const check = (): void => {
        if (done()) r();
      };
      pending.addEventListener('statechange', check);
      poll = setInterval(check, 250);
      check();
    });
    const ok = await until(installed);
    clearInterval(poll);
    if (!ok) left.push(`the service worker was still installing (downloading and caching the app's files) after ${Math.round(timeoutMs / 1000)} s`);
  }
  return left;
}
