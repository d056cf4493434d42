/**
 * WorkerBridge with stand-in workers (a MessageChannel behind Comlink, in Node): a worker that
 * fails before it ever answered is replaced and the call runs on the next one; one that fails again
 * gives WorkerCrashed naming the failed start; a worker that crashes after it ran is WorkerCrashed
 * with the crash hook, and is not silently run again; a call pinned to one worker never runs on
 * the next.
 */
import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { WorkerBridge } from '../../src/engine/bridge';
import { RagtabError } from '../../src/core/errors';

interface Api {
  alive(): string | null;
  twice(x: number): number;
}

/** A worker stand-in: answers through Comlink, or (failsAtStart) fires a bare error event instead. */
class StandIn extends EventTarget {
  private readonly port: MessagePort;
  terminated = false;
  constructor(failsAtStart: boolean) {
    super();
    const ch = new MessageChannel();
    this.port = ch.port1;
    if (!failsAtStart) Comlink.expose({ alive: () => null, twice: (x: number) => 2 * x } satisfies Api, ch.port2 as unknown as Comlink.Endpoint);
    this.port.addEventListener('message', (e) => this.dispatchEvent(new MessageEvent('message', { data: (e as MessageEvent).data })));
    this.port.start();
    if (failsAtStart) queueMicrotask(() => this.dispatchEvent(new Event('error', { cancelable: true })));
  }
  postMessage(data: unknown, transfer?: Transferable[]): void {
    if (!this.terminated) this.port.postMessage(data, (transfer ?? []) as never);
  }
  terminate(): void {
    this.terminated = true;
    this.port.close();
  }
  crash(): void {
    this.dispatchEvent(new Event('error', { cancelable: true }));
  }
}

function bridgeOf(plan: boolean[]) {
  const made: StandIn[] = [];
  const crashes: string[] = [];
  const b = new WorkerBridge<Api>(
    'test',
    () => {
      const w = new StandIn(plan[made.length] ?? false);
      made.push(w);
      return w as unknown as Worker;
    },
    { onCrash: (r) => crashes.push(r.message) },
  );
  return { b, made, crashes };
}

/** Starts a call that never answers on `b`; resolves, with the call's promise, once it is running on the worker. */
async function hangingCall(b: WorkerBridge<Api>, label: string, signal?: AbortSignal): Promise<{ pending: Promise<unknown> }> {
  let inFlight: () => void = () => undefined;
  const running = new Promise<void>((r) => (inFlight = r));
  const pending = b.call(label, () => {
    inFlight();
    return new Promise<number>(() => undefined);
  }, signal);
  await running;
  return { pending };
}

describe('WorkerBridge', () => {
  it('a worker that fails to start is replaced and the call runs on the next one', async () => {
    const { b, made, crashes } = bridgeOf([true, false]);
    const r = await b.call('twice', (api) => api.twice(21));
    expect(r.value).toBe(42);
    expect(made.length).toBe(2);
    expect(made[0]!.terminated).toBe(true);
    expect(crashes).toEqual([]);
    b.terminate();
  });

  it('two failed starts in a row: WorkerCrashed naming the failed start, after exactly two workers', async () => {
    const { b, made } = bridgeOf([true, true, false]);
    const e = await b.call('twice', (api) => api.twice(1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RagtabError);
    expect((e as RagtabError).code).toBe('WorkerCrashed');
    expect((e as Error).message).toBe('The test worker failed to start: an error event without a message');
    expect(made.length).toBe(2);
    // the next call starts a fresh worker
    expect((await b.call('twice', (api) => api.twice(2))).value).toBe(4);
    b.terminate();
  });

  it('a worker that crashes after it ran: WorkerCrashed and the crash hook, the call not run again', async () => {
    const { b, made, crashes } = bridgeOf([false, false]);
    expect((await b.call('twice', (api) => api.twice(3))).value).toBe(6);
    const { pending } = await hangingCall(b, 'never');
    made[0]!.crash();
    const e = await pending.catch((x: unknown) => x);
    expect((e as Error).message).toBe('The test worker crashed: no message (often out of memory)');
    expect(crashes).toEqual(['The test worker crashed: no message (often out of memory)']);
    expect(made.length).toBe(1);
    b.terminate();
  });

  it('a call running when its worker is ended on purpose rejects, Cancelled, instead of waiting forever; the next call starts a fresh worker', async () => {
    const { b, made, crashes } = bridgeOf([false, false]);
    const { pending } = await hangingCall(b, 'never');
    b.terminate();
    const e = await pending.catch((x: unknown) => x);
    expect((e as RagtabError).code).toBe('Cancelled');
    expect((e as Error).message).toBe('The test worker was ended while a call to it was running.');
    expect(made[0]!.terminated).toBe(true);
    expect(crashes).toEqual([]);
    expect((await b.call('twice', (api) => api.twice(10))).value).toBe(20);
    expect(made.length).toBe(2);
    // ended with nothing running: nothing to reject, nothing thrown
    b.terminate();
    b.terminate();
  });

  it('a call cancelled through its signal rejects with its own label', async () => {
    const { b } = bridgeOf([false]);
    const abort = new AbortController();
    const { pending } = await hangingCall(b, 'slow thing', abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'Cancelled', message: 'slow thing: cancelled.' });
    b.terminate();
  });

  it('a pinned call runs on its own worker only: once that worker is gone or replaced, WorkerCrashed and no fresh worker', async () => {
    const { b, made } = bridgeOf([false, false]);
    expect((await b.call('twice', (api) => api.twice(4))).value).toBe(8);
    const gen = b.generation;
    const own = b.pinned(gen);
    expect((await own.call('twice', (api) => api.twice(5))).value).toBe(10);
    made[0]!.crash();
    const e = await own.call('twice', (api) => api.twice(6)).catch((x: unknown) => x);
    expect((e as RagtabError).code).toBe('WorkerCrashed');
    expect((e as Error).message).toBe('The test worker stopped before "twice" ran: what it held was lost with it.');
    expect(made.length).toBe(1);
    // an unpinned call starts the next worker; the old pin still refuses it, a pin on the new one runs
    expect((await b.call('twice', (api) => api.twice(7))).value).toBe(14);
    expect(made.length).toBe(2);
    expect(((await own.call('twice', (api) => api.twice(8)).catch((x: unknown) => x)) as RagtabError).code).toBe('WorkerCrashed');
    expect((await b.pinned(b.generation).call('twice', (api) => api.twice(9))).value).toBe(18);
    b.terminate();
  });
});
