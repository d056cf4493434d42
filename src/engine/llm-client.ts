/**
 * Main-thread client of the LLM workers: creates the worker of the requested engine, holds a
 * typed `Comlink.Remote<LlmApi>`, runs calls one at a time, times each round trip, and records
 * when every streamed token reached this thread (TTFT and decode figures are measured here, where
 * the user sees the tokens: see src/core/llm-figures.ts).
 *
 * It sits on WorkerBridge (one call at a time, crash handling, terminate). A worker that crashes
 * (uncaught error, out of memory) or whose GPU device is lost is replaced by a fresh one; the
 * failed call rejects with WorkerCrashed / DeviceLost and the model must be loaded again
 * (`needsReload`). `interrupt()` bypasses the queue and reaches the running generation.
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
import { WorkerBridge, type Timed } from './bridge';

export type { Timed } from './bridge';

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
  private readonly bridge: WorkerBridge<LlmApi>;
  /** Set when the worker was replaced and the model has to be loaded again. */
  needsReload = false;
  lastLoad: LlmLoadResult | null = null;

  constructor(
    readonly engine: LlmEngine,
    factory: WorkerFactory = createLlmWorker,
    private readonly hooks: LlmClientHooks = {},
  ) {
    this.bridge = new WorkerBridge<LlmApi>(engine, () => factory(engine), { onCrash: (reason) => this.lost(reason) });
  }

  /** How many workers were started (1 + replacements). */
  get workersStarted(): number {
    return this.bridge.generation;
  }

  /** The worker is gone (crash, lost device) with its model: the next call starts a fresh one. */
  private lost(reason: { name: string; message: string }): void {
    this.needsReload = true;
    this.lastLoad = null;
    this.hooks.onWorkerReplaced?.(reason);
  }

  /** Runs `fn` after every earlier call settled (WorkerBridge's queue); a lost device replaces the worker. */
  private async call<R>(label: string, fn: (api: Comlink.Remote<LlmApi>) => Promise<R>): Promise<Timed<R>> {
    try {
      return await this.bridge.call(label, fn);
    } catch (e) {
      if (hasCode(e, 'DeviceLost')) {
        this.bridge.terminate();
        this.lost(errorInfo(e));
      }
      throw e;
    }
  }

  async load(spec: LlmLoadSpec, onProgress?: (p: LlmLoadProgress) => void): Promise<Timed<LlmLoadResult>> {
    if (spec.engine !== this.engine) throw new RagtabError('InvalidArgument', `This client drives ${this.engine}, not ${spec.engine}.`);
    const r = await this.call('load', (api) => api.load(spec, onProgress ? Comlink.proxy(onProgress) : undefined));
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
    /** Resolved once `arrivals` holds this many tokens (set after the result, when some are still in flight). */
    let waiting: { count: number; resolve: () => void } | null = null;
    const cb = Comlink.proxy((m: LlmTokenEvent | LlmTokenBatchEvent) => {
      const tMain = performance.now();
      // A batch (request.tokenBatchMs, or the engine loop) reaches this thread at one time for all its tokens.
      for (const e of m.kind === 'tokens' ? m.events : [m]) {
        const a: TokenArrival = { index: e.index, id: e.id, text: e.text, tMain, tWorker: e.t };
        arrivals.push(a);
        onToken?.(a);
      }
      if (waiting && arrivals.length >= waiting.count) waiting.resolve();
    });
    const r = await this.call('generate', (api) => {
      tRequest = performance.now();
      return api.generate(request, cb);
    });
    const tResolved = performance.now();
    // Token events travel on the callback's own port: wait for any still in flight (at most 2 s).
    if (arrivals.length < r.value.streamedTokens) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        waiting = { count: r.value.streamedTokens, resolve };
        timer = setTimeout(resolve, 2000);
      });
      clearTimeout(timer);
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
    return this.call('count tokens', (api) => api.countTokens(text));
  }

  async applyTemplate(messages: LlmMessage[]): Promise<string | null> {
    return (await this.call('apply template', (api) => api.applyTemplate(messages))).value;
  }

  async stats(): Promise<LlmStats> {
    return (await this.call('stats', (api) => api.stats())).value;
  }

  /** The worker's memory (wllama: llama.cpp's heap in wllama's own worker included). */
  async memory(): Promise<WorkerMemory> {
    return (await this.call('memory', (api) => api.memory())).value;
  }

  async catalog(): Promise<WebLlmModelRecord[]> {
    return (await this.call('catalog', (api) => api.catalog())).value;
  }

  /** Stops the running generation now (not queued behind it); it resolves with finishReason 'interrupted'. */
  async interrupt(): Promise<void> {
    await this.bridge.direct((api) => api.interrupt());
  }

  async unload(): Promise<void> {
    if (!this.bridge.running) return;
    await this.call('unload', (api) => api.unload());
    this.lastLoad = null;
  }

  /** Ends the worker (and whatever it runs) at once. */
  terminate(): void {
    this.bridge.terminate();
    this.lastLoad = null;
  }
}
