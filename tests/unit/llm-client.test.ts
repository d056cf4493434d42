/**
 * The main-thread LLM client against a fake worker (a MessageChannel with a Comlink-exposed fake
 * LlmApi): token arrivals recorded, one call at a time, interrupt past the queue, a crashed worker
 * or a lost device replaced.
 */
import { describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
import { LlmClient } from '../../src/engine/llm-client';
import { RagtabError, hasCode } from '../../src/core/errors';
import type { LlmApi, LlmGenerateRequest, LlmGenerateResult, LlmTokenEvent } from '../../workers/api';

interface FakeWorker {
  worker: Worker;
  crash(message: string): void;
  terminated: boolean;
}

function result(streamed: number, finish: LlmGenerateResult['finishReason']): LlmGenerateResult {
  return {
    text: 'x'.repeat(streamed),
    tokenIds: Array.from({ length: streamed }, (_, i) => i),
    promptTokens: 3,
    generatedTokens: streamed,
    streamedTokens: streamed,
    finishReason: finish,
    engineReport: null,
    tStart: 0,
    tFirstToken: 1,
    tLastToken: streamed,
    timeOrigin: performance.timeOrigin,
    workerMs: 1,
  };
}

/** A fake LLM worker: generate streams `maxNewTokens` tokens, 2 ms apart, until interrupted. */
function fakeWorker(log: string[], behaviour: { deviceLostOnGenerate?: boolean } = {}): FakeWorker {
  const { port1, port2 } = new MessageChannel();
  let interrupted = false;
  const api: Partial<LlmApi> = {
    async generate(req: LlmGenerateRequest, onToken?: (e: LlmTokenEvent) => void) {
      log.push(`generate start ${req.prompt}`);
      if (behaviour.deviceLostOnGenerate) throw new RagtabError('DeviceLost', 'The GPU device was lost');
      interrupted = false;
      let n = 0;
      for (; n < req.maxNewTokens && !interrupted; n++) {
        await new Promise((r) => setTimeout(r, 2));
        onToken?.({ kind: 'token', index: n, id: n, text: 'x', t: performance.now() });
      }
      log.push(`generate end ${req.prompt}`);
      return result(n, interrupted ? 'interrupted' : 'length');
    },
    async interrupt() {
      log.push('interrupt');
      interrupted = true;
    },
    async stats() {
      return { loaded: true, info: null, generations: 0, generatedTokens: 0, broken: null };
    },
  };
  Comlink.expose(api, port2 as unknown as Comlink.Endpoint);
  const errorListeners: Array<(ev: ErrorEvent) => void> = [];
  const fake: FakeWorker = {
    terminated: false,
    crash(message: string) {
      for (const l of errorListeners) l({ message, preventDefault() {} } as unknown as ErrorEvent);
    },
    worker: {
      postMessage: (m: unknown, t?: Transferable[]) => port1.postMessage(m, t ?? []),
      addEventListener: (type: string, l: (ev: never) => void) => {
        if (type === 'error') errorListeners.push(l as (ev: ErrorEvent) => void);
        else if (type === 'message') port1.addEventListener('message', l as never);
      },
      removeEventListener: (type: string, l: (ev: never) => void) => {
        if (type === 'message') port1.removeEventListener('message', l as never);
      },
      start: () => port1.start(),
      terminate: () => {
        fake.terminated = true;
        port1.close();
      },
    } as unknown as Worker,
  };
  return fake;
}

describe('LlmClient', () => {
  it('records every token on this thread, in order, with its worker time', async () => {
    const log: string[] = [];
    const client = new LlmClient('wllama', () => fakeWorker(log).worker);
    const r = await client.generate({ prompt: 'a', maxNewTokens: 8 });
    expect(r.result.streamedTokens).toBe(8);
    expect(r.arrivals.map((a) => a.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let i = 1; i < r.arrivals.length; i++) expect(r.arrivals[i]!.tMain).toBeGreaterThanOrEqual(r.arrivals[i - 1]!.tMain);
    expect(r.arrivals[0]!.tMain).toBeGreaterThanOrEqual(r.tRequest);
    // The result and the token events travel on different ports: the client waits for every token.
    expect(r.tResolved).toBeGreaterThan(r.tRequest);
    expect(r.roundTripMs).toBeGreaterThan(0);
    client.terminate();
  });

  it('runs calls one at a time; interrupt() reaches the running generation past the queue', async () => {
    const log: string[] = [];
    const client = new LlmClient('wllama', () => fakeWorker(log).worker);
    let started!: () => void;
    const firstToken = new Promise<void>((r) => (started = r));
    const first = client.generate({ prompt: 'a', maxNewTokens: 1000 }, () => started());
    const second = client.generate({ prompt: 'b', maxNewTokens: 2 });
    await firstToken; // the first generation is running (a token of it reached this thread)
    await client.interrupt();
    const [a, b] = await Promise.all([first, second]);
    expect(a.result.finishReason).toBe('interrupted');
    expect(a.result.streamedTokens).toBeLessThan(1000);
    expect(a.arrivals).toHaveLength(a.result.streamedTokens);
    expect(b.result.finishReason).toBe('length');
    expect(log).toEqual(['generate start a', 'interrupt', 'generate end a', 'generate start b', 'generate end b']);
    client.terminate();
  });

  it('a crashed worker: the call rejects with WorkerCrashed, the next call gets a fresh worker', async () => {
    const log: string[] = [];
    const fakes: FakeWorker[] = [];
    const replaced: string[] = [];
    const client = new LlmClient(
      'wllama',
      () => {
        const f = fakeWorker(log);
        fakes.push(f);
        return f.worker;
      },
      { onWorkerReplaced: (r) => replaced.push(r.name) },
    );
    let started!: () => void;
    const firstToken = new Promise<void>((r) => (started = r));
    const running = client.generate({ prompt: 'a', maxNewTokens: 1000 }, () => started());
    await firstToken; // the generation is running in the worker
    fakes[0]!.crash('out of memory');
    const err = await running.catch((e) => e);
    expect(hasCode(err, 'WorkerCrashed')).toBe(true);
    expect(String(err.message)).toMatch(/out of memory/);
    expect(fakes[0]!.terminated).toBe(true);
    expect(client.needsReload).toBe(true);
    expect(replaced).toEqual(['WorkerCrashed']);
    const next = await client.stats();
    expect(next.loaded).toBe(true);
    expect(client.workersStarted).toBe(2);
    client.terminate();
  });

  it('a lost GPU device: DeviceLost, and the worker is replaced', async () => {
    const fakes: FakeWorker[] = [];
    let lost = true;
    const client = new LlmClient('webllm', () => {
      const f = fakeWorker([], { deviceLostOnGenerate: lost });
      lost = false;
      fakes.push(f);
      return f.worker;
    });
    const err = await client.generate({ prompt: 'a', maxNewTokens: 4 }).catch((e) => e);
    expect(hasCode(err, 'DeviceLost')).toBe(true);
    expect(fakes[0]!.terminated).toBe(true);
    expect(client.needsReload).toBe(true);
    const again = await client.generate({ prompt: 'a', maxNewTokens: 4 });
    expect(again.result.streamedTokens).toBe(4);
    expect(client.workersStarted).toBe(2);
    client.terminate();
  });
});
