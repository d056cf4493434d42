/**
 * Main-thread client of the LLM workers: creates the worker of the requested engine, holds a
 * typed `Comlink.Remote<LlmApi>`, runs calls one at a time, times each round trip, and records
 * when every streamed token reached this thread (TTFT and decode figures are measured here, where
 * the user sees the tokens: see src/core/llm-figures.ts).
 *
 * A worker that crashes (uncaught error, out of memory) or whose GPU device is lost is replaced by
 * a fresh one; the failed call rejects with WorkerCrashed / DeviceLost and the model must be loaded
 * again (`needsReload`). `interrupt()` bypasses the queue and reaches the running generation.
 */
import * as Comlink from 'comlink';
import type {
  LlmApi,
  LlmEngine,
  LlmGenerateRequest,
  LlmGenerateResult,
  LlmLoadProgress,
  LlmLoadResult,
  LlmLoadSpec,
  LlmMessage,
  LlmStats,
  LlmTokenBatchEvent,
  LlmTokenEvent,
  TokenCount,
  WebLlmModelRecord,
  WorkerMemory,
} from '../../workers/api';
import { RagtabError, errorInfo, hasCode } from '../core/errors';

/** One token as it reached the main thread. */
export interface TokenArrival {
  index: number;
  id: number | null;
  text: string;
  /** performance.now() on the main thread when the token event arrived. */
  tMain: number;
  /** performance.now() in the worker when the token reached the worker (the worker's own clock). */
  tWorker: number;
}

export interface ClientGenerateResult {
  result: LlmGenerateResult;
  arrivals: TokenArrival[];
  /** Main-thread performance.now() when the request was sent (after earlier calls settled). */
  tRequest: number;
  /** Main-thread performance.now() when the result arrived. */
  tResolved: number;
  roundTripMs: number;
  /**
   * Where the time between the page and the engine goes (ms, on the clock both threads share):
   * request page → worker, and the first token worker → page. Null without a token.
   */
  hops: { requestMs: number; firstTokenMs: number | null };
}

export interface Timed<R> {
  value: R;
  roundTripMs: number;
}

export type WorkerFactory = (engine: LlmEngine) => Worker;

export function createLlmWorker(engine: LlmEngine): Worker {
  return engine === 'wllama'
    ? new Worker(new URL('../../workers/llm-wllama.worker.ts', import.meta.url), { type: 'module', name: 'llm-wllama' })
    : new Worker(new URL('../../workers/llm-webllm.worker.ts', import.meta.url), { type: 'module', name: 'llm-webllm' });
}

export interface LlmClientHooks {
  /** Called when the worker was replaced after a crash or a lost device (the model is gone). */
  onWorkerReplaced?: (reason: { name: string; message: string }) => void;
}

export class LlmClient {
  private worker: Worker | null = null;
  private remote: Comlink.Remote<LlmApi> | null = null;
  private crash: Promise<never> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when the worker was replaced and the model has to be loaded again. */
  needsReload = false;
  /** How many workers were started (1 + replacements). */
  workersStarted = 0;
  lastLoad: LlmLoadResult | null = null;

  constructor(
    readonly engine: LlmEngine,
    private readonly factory: WorkerFactory = createLlmWorker,
    private readonly hooks: LlmClientHooks = {},
  ) {}

  private ensure(): { remote: Comlink.Remote<LlmApi>; crash: Promise<never> } {
    if (!this.worker || !this.remote || !this.crash) {
      const w = this.factory(this.engine);
      this.worker = w;
      this.remote = Comlink.wrap<LlmApi>(w);
      this.crash = new Promise<never>((_, reject) => {
        w.addEventListener('error', (ev) => {
          ev.preventDefault();
          const err = new RagtabError('WorkerCrashed', `The ${this.engine} worker crashed: ${ev.message || 'no message (often out of memory)'}`);
          reject(err);
          if (this.worker === w) this.replace(errorInfo(err));
        });
        w.addEventListener('messageerror', () => {
          reject(new RagtabError('WorkerCrashed', `The ${this.engine} worker sent a message that could not be read.`));
        });
      });
      this.crash.catch(() => undefined);
      this.workersStarted++;
    }
    return { remote: this.remote, crash: this.crash };
  }

  private replace(reason: { name: string; message: string }): void {
    this.drop();
    this.needsReload = true;
    this.lastLoad = null;
    this.hooks.onWorkerReplaced?.(reason);
  }

  private drop(): void {
    this.worker?.terminate();
    this.worker = null;
    this.remote = null;
    this.crash = null;
  }

  /** Runs `fn` after every earlier call settled; a crash or a lost device replaces the worker. */
  private call<R>(fn: (api: Comlink.Remote<LlmApi>) => Promise<R>): Promise<Timed<R>> {
    const run = async (): Promise<Timed<R>> => {
      const { remote, crash } = this.ensure();
      const start = performance.now();
      try {
        const value = await Promise.race([fn(remote), crash]);
        return { value, roundTripMs: performance.now() - start };
      } catch (e) {
        if (hasCode(e, 'DeviceLost')) this.replace(errorInfo(e));
        throw e;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async load(spec: LlmLoadSpec, onProgress?: (p: LlmLoadProgress) => void): Promise<Timed<LlmLoadResult>> {
    if (spec.engine !== this.engine) throw new RagtabError('InvalidArgument', `This client drives ${this.engine}, not ${spec.engine}.`);
    const r = await this.call((api) => api.load(spec, onProgress ? Comlink.proxy(onProgress) : undefined));
    this.needsReload = false;
    this.lastLoad = r.value;
    return r;
  }

  /**
   * Generates, recording each token's arrival on this thread. `onToken` (optional) sees the
   * arrival as soon as it is recorded (for the UI).
   */
  async generate(request: LlmGenerateRequest, onToken?: (a: TokenArrival) => void): Promise<ClientGenerateResult> {
    const arrivals: TokenArrival[] = [];
    let tRequest = 0;
    const cb = Comlink.proxy((m: LlmTokenEvent | LlmTokenBatchEvent) => {
      const tMain = performance.now();
      // A batch (request.tokenBatchMs, or the engine loop) reaches this thread at one time for all its tokens.
      for (const e of m.kind === 'tokens' ? m.events : [m]) {
        const a: TokenArrival = { index: e.index, id: e.id, text: e.text, tMain, tWorker: e.t };
        arrivals.push(a);
        onToken?.(a);
      }
    });
    const r = await this.call((api) => {
      tRequest = performance.now();
      return api.generate(request, cb);
    });
    const tResolved = performance.now();
    // Token events travel on the callback's own port: let any still in flight arrive.
    const deadline = performance.now() + 2000;
    while (arrivals.length < r.value.streamedTokens && performance.now() < deadline) {
      await new Promise((res) => setTimeout(res, 1));
    }
    const offset = r.value.timeOrigin - performance.timeOrigin; // worker t + offset = page t
    const first = arrivals[0];
    const hops = {
      requestMs: r.value.tStart + offset - tRequest,
      firstTokenMs: first && r.value.tFirstToken !== null ? first.tMain - (r.value.tFirstToken + offset) : null,
    };
    return { result: r.value, arrivals, tRequest, tResolved, roundTripMs: r.roundTripMs, hops };
  }

  async countTokens(text: string): Promise<Timed<TokenCount>> {
    return this.call((api) => api.countTokens(text));
  }

  async applyTemplate(messages: LlmMessage[]): Promise<string | null> {
    return (await this.call((api) => api.applyTemplate(messages))).value;
  }

  async stats(): Promise<LlmStats> {
    return (await this.call((api) => api.stats())).value;
  }

  /** The worker's memory (wllama: llama.cpp's heap in wllama's own worker included). */
  async memory(): Promise<WorkerMemory> {
    return (await this.call((api) => api.memory())).value;
  }

  async catalog(): Promise<WebLlmModelRecord[]> {
    return (await this.call((api) => api.catalog())).value;
  }

  /** Stops the running generation now (not queued behind it); it resolves with finishReason 'interrupted'. */
  async interrupt(): Promise<void> {
    if (!this.remote) return;
    await this.remote.interrupt();
  }

  async unload(): Promise<void> {
    if (!this.worker) return;
    await this.call((api) => api.unload());
    this.lastLoad = null;
  }

  /** Ends the worker (and whatever it runs) at once. */
  terminate(): void {
    this.drop();
    this.lastLoad = null;
  }
}
