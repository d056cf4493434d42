/**
 * Letting the page render before a measurement, so a frame that earlier DOM changes scheduled
 * (style, layout, paint, commit on the main thread) is not counted in the next timed stage.
 *
 * Measured (issue 16, a CDP trace of the CLI's quick preset on msmarco-5k): a rendering frame ran
 * inside most slow `embed query` round trips, between the worker's reply and its handling on the
 * page; the worker's own time was the same in slow and fast queries.
 */

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
