/**
 * A worker behind a typed Comlink proxy, called one call at a time (in the style of squoosh's
 * WorkerBridge). Each call is timed as a round trip on this thread; cancelling terminates the worker
 * (the only way to stop work already running inside it) and the next call starts a fresh one.
 * A worker that crashes, or ends without an error event (seen through the Web Lock it holds while it
 * lives), rejects the pending call with WorkerCrashed instead of hanging, and is replaced by a fresh
 * one at the next call (`onCrash` says so; `generation` counts the workers started). A worker that
 * fails before it ever answered is replaced at once and the call runs on the new one. Every worker
 * client sits on it: the embedder's, the index's and the roofs' directly, the LLM's through LlmClient.
 */
import * as Comlink from 'comlink';
import { RagtabError, errorInfo, type ErrorInfo } from '../core/errors';

export interface Timed<R> {
  value: R;
  /** Main-thread round trip of the call, ms. */
  roundTripMs: number;
  start: number;
}

export interface BridgeHooks {
  /** The worker crashed (uncaught error, out of memory): it is gone, with whatever state it held. */
  onCrash?(reason: ErrorInfo): void;
}

/**
 * Errors of workers that fired an error event before they ever answered. WebKitGTK 2.50 does this,
 * without running the script, for about every other module worker started soon after another of
 * the same script was terminated: seen for the embedder worker when an ingestion follows one that
 * failed (tests/webkit/first-minutes.test.ts, 3 times in 3), and for the calibration worker that
 * follows the roofs workers (src/engine/roofs.ts). Nothing ran in such a worker, so the call is
 * given to a fresh one, once.
 */
const START_FAILED = new WeakSet<Error>();

export class WorkerBridge<T> {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<T> | null = null;
  private crash: Promise<never> | null = null;
  /** Rejects `crash` (the call in progress on the current worker, if any). */
  private failCurrent: ((e: Error) => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Increments every time a fresh worker is started: callers use it to know state was lost. */
  generation = 0;

  constructor(
    readonly name: string,
    private readonly factory: () => Worker,
    private readonly hooks: BridgeHooks = {},
  ) {}

  private ensure(): { remote: Comlink.Remote<T>; crash: Promise<never> } {
    if (!this.worker || !this.remote || !this.crash) {
      const w = this.factory();
      this.worker = w;
      this.remote = Comlink.wrap<T>(w);
      const state = { started: false };
      let fail: (e: Error) => void = () => undefined;
      this.crash = new Promise<never>((_, reject) => {
        fail = reject;
        w.addEventListener('error', (ev) => {
          ev.preventDefault();
          if (!state.started) {
            // never ran: nothing was lost, and call() starts one more (see START_FAILED)
            const err = new RagtabError('WorkerCrashed', `The ${this.name} worker failed to start: ${ev.message || 'an error event without a message'}`);
            START_FAILED.add(err);
            reject(err);
            if (this.worker === w) this.drop();
            return;
          }
          const err = new RagtabError('WorkerCrashed', `The ${this.name} worker crashed: ${ev.message || 'no message (often out of memory)'}`);
          reject(err);
          if (this.worker === w) {
            this.drop();
            this.hooks.onCrash?.(errorInfo(err));
          }
        });
        w.addEventListener('messageerror', () => {
          reject(new RagtabError('WorkerCrashed', `The ${this.name} worker sent a message that could not be read.`));
        });
      });
      this.crash.catch(() => undefined);
      this.failCurrent = fail;
      this.generation++;
      this.watch(w, this.remote, fail, state);
    }
    return { remote: this.remote, crash: this.crash };
  }

  /**
   * A worker can end without an error event (closed, terminated, killed by the browser): its calls
   * would then never settle. Every worker holds a Web Lock while it lives (workers/lib/alive.ts);
   * waiting on it here turns the death into WorkerCrashed at once, however long the call in progress.
   */
  private watch(w: Worker, remote: Comlink.Remote<T>, fail: (e: Error) => void, state: { started: boolean }): void {
    const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
    const alive = (remote as unknown as { alive?: () => Promise<string | null> }).alive;
    if (!alive) return;
    alive()
      .then((lock) => {
        state.started = true; // the worker's script runs and answers
        if (!lock || !locks || this.worker !== w) return;
        return locks.request(lock, () => {
          if (this.worker !== w) return; // ended on purpose (cancel, terminate): not a crash
          const err = new RagtabError('WorkerCrashed', `The ${this.name} worker stopped without an error (closed, terminated, or killed by the browser, often for memory).`);
          fail(err);
          this.drop();
          this.hooks.onCrash?.(errorInfo(err));
        });
      })
      .catch(() => {
        state.started = true; // it answered (a worker without alive()): watched by its error event only
      });
  }

  /**
   * Ends the current worker. A call still running on it rejects (Cancelled, naming the worker) when
   * nothing else settled it first: a terminated worker never answers, and its pending promise
   * would otherwise wait forever (then be garbage-collected with it).
   */
  private drop(): void {
    const fail = this.failCurrent;
    const name = this.worker ? this.name : null;
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    this.crash = null;
    this.failCurrent = null;
    if (fail && name) fail(new RagtabError('Cancelled', `The ${name} worker was ended while a call to it was running.`));
  }

  get running(): boolean {
    return this.worker !== null;
  }

  /** Runs `fn` against the worker after every earlier call has settled. */
  call<R>(label: string, fn: (api: Comlink.Remote<T>) => Promise<R>, signal?: AbortSignal): Promise<Timed<R>> {
    return this.queued(label, fn, signal, null);
  }

  /**
   * The calls of worker `generation` only: a call that would reach another worker (the one of that
   * generation is gone, or replaced: a fresh one holds none of its state, no model, no index) fails
   * with WorkerCrashed instead of running there. For callers that read state loaded into a worker
   * earlier: the worker's loss can be learnt (through its lock) after they checked it was there.
   */
  pinned(generation: number): Pick<WorkerBridge<T>, 'call'> {
    return { call: (label, fn, signal) => this.queued(label, fn, signal, generation) };
  }

  private queued<R>(label: string, fn: (api: Comlink.Remote<T>) => Promise<R>, signal: AbortSignal | undefined, pin: number | null): Promise<Timed<R>> {
    const run = async (): Promise<Timed<R>> => {
      if (signal?.aborted) throw new RagtabError('Cancelled', `${label}: cancelled.`);
      if (pin !== null && (!this.worker || this.generation !== pin)) {
        throw new RagtabError('WorkerCrashed', `The ${this.name} worker stopped before "${label}" ran: what it held was lost with it.`);
      }
      const { remote, crash } = this.ensure();
      const start = performance.now();
      let onAbort: (() => void) | null = null;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          reject(new RagtabError('Cancelled', `${label}: cancelled.`));
          this.drop();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      try {
        const value = await Promise.race([fn(remote), crash, aborted]);
        return { value, roundTripMs: performance.now() - start, start };
      } finally {
        if (onAbort) signal?.removeEventListener('abort', onAbort);
      }
    };
    // A worker that failed to start never ran the call: one more worker runs it (then its error stands).
    const runOnce = (): Promise<Timed<R>> => run().catch((e: unknown) => (e instanceof Error && START_FAILED.has(e) ? run() : Promise.reject(e)));
    const p = this.queue.then(runOnce, runOnce);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * Runs `fn` on the running worker now, past the queue (to reach a call in progress: stopping a
   * generation); undefined when no worker runs.
   */
  async direct<R>(fn: (api: Comlink.Remote<T>) => Promise<R>): Promise<R | undefined> {
    return this.remote ? fn(this.remote) : undefined;
  }

  terminate(): void {
    this.drop();
  }
}

export function createEmbedderWorker(): Worker {
  return new Worker(new URL('../../workers/embedder.worker.ts', import.meta.url), { type: 'module', name: 'embedder' });
}

export function createIndexWorker(): Worker {
  return new Worker(new URL('../../workers/index.worker.ts', import.meta.url), { type: 'module', name: 'index' });
}
