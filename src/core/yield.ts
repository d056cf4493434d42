/**
 * Time slicing for long loops on the page's thread: `slicer()` returns a function that, called often,
 * gives the event loop a turn (rendering, input) once `sliceMs` of work has passed since the last
 * turn, and costs a clock read otherwise. Uses `scheduler.yield()` where the browser has it (the task
 * resumes ahead of other queued tasks), else a zero-delay timeout. Works in Node too.
 */
interface SchedulerLike {
  yield?: () => Promise<void>;
}

export function macrotask(): Promise<void> {
  const s = (globalThis as { scheduler?: SchedulerLike }).scheduler;
  if (s && typeof s.yield === 'function') return s.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function slicer(sliceMs = 12, now: () => number = () => performance.now()): () => Promise<void> | null {
  let last = now();
  return () => {
    const t = now();
    if (t - last < sliceMs) return null;
    return macrotask().then(() => {
      last = now();
    });
  };
}
