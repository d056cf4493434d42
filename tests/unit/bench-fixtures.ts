/**
 * Test doubles for the benchmark runner in Node: a session with the RagSession's public surface
 * and fixed stage timings, memory sources and an environment. Not a test file itself.
 */
import type { DeviceRoofs } from '../../src/core/roofs';
import { Runner, type BenchGenerator, type BenchSession, type RunnerClient } from '../../src/engine/runner';
import type { GenerationReport } from '../../src/engine/generation';
import type { WorkerMemory } from '../../workers/api';
import { RETRIEVAL_SUITE } from '../../src/engine/retrieval-suite';
import { applySets, PRESETS, type BenchConfig } from '../../src/core/bench-config';
import type { EnvironmentRecord, RunRecord, Sample } from '../../src/core/run-record';
import type { MemorySources } from '../../src/engine/memory';
import type { Settings, LlmSettings } from '../../src/core/settings';
import type { IndexKind } from '../../src/core/vocabulary';
import type { EvaluationReport, IngestReport, QueryResult, StageTiming } from '../../src/engine/reports';
import type { LlmLoadReport } from '../../src/engine/generation';
import { summarize } from '../../src/core/stats';
import { newRecord } from '../../src/engine/record';
import { embedBatchParts } from '../../src/core/stages';

export const ENV: EnvironmentRecord = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/150.0.0.0 (test double)',
  clientHints: { available: false, reason: 'test double' },
  hardwareConcurrency: 2,
  deviceMemoryGiB: 8,
  crossOriginIsolated: true,
  webgpu: { available: true, vendor: 'google', architecture: 'swiftshader', device: '', description: 'SwiftShader', features: ['float32-filterable'], limits: { maxBufferSize: 1073741824 } },
  app: { version: '0.1.0', commit: 'abc1234', deps: { lit: '3.3.3' } },
  date: '2026-11-25T00:00:00.000Z',
  timeZone: 'UTC',
  language: 'en-US',
  launcher: null,
};

export function fakeMemorySources(over: Partial<MemorySources> = {}): (origin: number) => MemorySources {
  return (origin) => {
    let heap = 10_000_000;
    return {
      now: () => performance.now() - origin,
      jsHeap: () => ({ used: (heap += 1000), total: 20_000_000 }),
      crossOriginIsolated: false,
      measureUserAgentSpecificMemory: null,
      storageEstimate: async () => ({ usage: 4096 }),
      setInterval: () => 0,
      clearInterval: () => undefined,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      ...over,
    };
  };
}

const QUERIES = [
  { id: 'q1', text: 'what is ragtab' },
  { id: 'q2', text: 'how is search timed' },
  { id: 'q3', text: 'an unjudged question' },
];

/** Calls through a "worker": the function runs at once, timed like WorkerBridge.call. */
function bridge(api: Record<string, (...a: never[]) => unknown>) {
  const call = async <R>(_label: string, fn: (api: never) => Promise<R>) => {
    const start = performance.now();
    const value = await fn(api as never);
    return { value, roundTripMs: performance.now() - start, start };
  };
  return { call, generation: 1, pinned: () => ({ call }), terminate: () => undefined };
}

export interface FakeOptions {
  /** Add generation stages (build prompt, time to first token, decode) to each query. */
  generation?: boolean;
  /** Extra ms of the search stage for voy. */
  voyExtraMs?: number;
  failQueryAt?: number;
  /** What each worker's memory() returns (default: nothing counted, with a reason). */
  memory?: Partial<Record<'embedder' | 'index' | 'llm', WorkerMemory>>;
  /** The fake generator has no memory() (as the real one before it exposes its worker's). */
  llmWithoutMemory?: boolean;
  /** The runner's start-up wait (default: none, what it waited for is logged in `order`). */
  startup?: () => Promise<string[]>;
  /** Filled with 'startup' and 'limits' in the order the runner called them. */
  order?: string[];
}

export const NO_MEMORY: WorkerMemory = { wasmBytes: null, wasmMemories: 0, wasmReason: 'fixture', gpuBufferBytes: null, gpuBufferPeakBytes: null, gpuBufferCreatedBytes: null, gpuReason: 'fixture' };

/** A generator whose calls run one at a time, like the LLM worker's queue. */
class FakeGenerator implements BenchGenerator {
  ready = false;
  answers = 0;
  private queue: Promise<unknown> = Promise.resolve();
  memory?: () => Promise<WorkerMemory>;
  constructor(mem: WorkerMemory | undefined, withMemory: boolean) {
    if (withMemory) this.memory = async () => mem ?? NO_MEMORY;
  }
  unloads = 0;
  async unload(): Promise<void> {
    this.unloads++;
  }
  answer(): Promise<GenerationReport> {
    const run = async () => {
      this.answers++;
      const tRequest = performance.now();
      await new Promise((r) => setTimeout(r, 2));
      const first = performance.now();
      await new Promise((r) => setTimeout(r, 2));
      return { tRequest, arrivals: [first, performance.now()], promptTokens: 50, generatedTokens: 2 } as unknown as GenerationReport;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

export class FakeSession extends EventTarget implements BenchSession {
  error: BenchSession['error'] = null;
  progress: BenchSession['progress'] = null;
  busy = false;
  active: BenchSession['active'] = null;
  store = null;
  readonly generator: FakeGenerator;
  ingests = 0;
  queries = 0;
  terminated = 0;
  private llm = false;

  constructor(private readonly opts: FakeOptions = {}) {
    super();
    this.generator = new FakeGenerator(opts.memory?.llm, !opts.llmWithoutMemory);
  }

  async ingest(settings: Settings): Promise<IngestReport | null> {
    this.ingests++;
    this.progress = { phase: 'embed', label: 'Embedding', done: 0, total: 4, unit: 'chunks', startedAt: 0, etaMs: null };
    this.dispatchEvent(new Event('change'));
    this.progress = null;
    const qrels = new Map([
      ['q1', new Map([['d1', 1]])],
      ['q2', new Map([['d2', 2]])],
    ]);
    const self = this;
    this.active = {
      settings,
      corpus: { name: 'fake corpus', source: { kind: 'demo' }, docs: [], queries: QUERIES, qrels },
      chunks: [1, 2, 3, 4].map((i) => ({ id: `d${i}#0`, docId: `d${i}`, text: `chunk ${i}`, start: 0, end: 7 })),
      titles: new Map([1, 2, 3, 4].map((i) => [`d${i}`, `doc ${i}`] as const)),
      embedder: {
        ...bridge({ embed: async () => ({ vectors: new Float32Array(4), rows: 1, dims: 4, tokens: 3, batches: [], workerMs: 1 }), memory: async () => this.opts.memory?.embedder ?? NO_MEMORY }),
        running: true,
        terminate: () => {
          self.terminated++;
        },
      } as unknown as NonNullable<BenchSession['active']>['embedder'],
      index: {
        ...bridge({
          search: async () => ({ kind: 'exact', hits: [{ index: 0, id: 'd1#0', score: 0.9 }], workerMs: 0.5 }),
          retrieve: async (req: { kind: IndexKind }) => ({ kind: req.kind, hits: [{ index: 0, id: 'd1#0', score: 0.9 }], workerMs: 0.5 }),
          memory: async () => this.opts.memory?.index ?? NO_MEMORY,
        }),
        running: true,
      } as unknown as NonNullable<BenchSession['active']>['index'],
    };
    return {
      corpusName: 'fake corpus',
      corpusHash: 'a'.repeat(64),
      docs: 2,
      chunks: 4,
      emptyDocs: 0,
      // as the real session: a reload that reads the vectors back from storage embeds nothing
      tokens: this.ingests === 1 ? 40 : 0,
      truncatedChunks: 0,
      embedder: {
        model: settings.model,
        requestedDevice: settings.device,
        device: settings.device,
        fallbackReason: null,
        dtype: settings.dtype,
        pooling: 'mean',
        normalize: true,
        // as the real worker: 0 threads reported on WebGPU (ONNX Runtime's WASM pool runs all the same)
        threads: settings.device === 'wasm' ? settings.threads : 0,
        batchSize: settings.batchSize,
        dims: 4,
        maxTokens: 512,
        crossOriginIsolated: true,
        shape: { layers: 6, hidden: 384, intermediate: 1536 },
      },
      modelLoad: { ms: 50, workerMs: 45, files: [{ file: 'onnx/model.onnx', bytes: 1000, source: this.ingests === 1 ? 'network' : 'cache' }], reused: false },
      // as the ingestion stages report them (src/engine/ingest.ts): the model's source, the embed batches as parts
      stages: [
        { name: 'read+parse', ms: 5, extra: { docs: 2, bytes: 100 } },
        { name: 'model load', ms: 50, workerMs: 45, extra: { reused: 'no', source: this.ingests === 1 ? 'network' : 'cache', bytes: 1000 } },
        { name: 'chunk', ms: 2, workerMs: 1, extra: { chunks: 4 } },
        {
          name: 'embed',
          ms: 20,
          workerMs: 18,
          extra: { chunks: 4, tokens: 40, chunksPerSecond: 200, tokensPerSecond: 2000 },
          parts: embedBatchParts([
            { size: 2, tokens: 20, ms: 12 },
            { size: 2, tokens: 20, ms: 6 },
          ]),
        },
        { name: 'index build', ms: 4, workerMs: 3, extra: { vectors: 4, vectorsPerSecond: 1000 } },
      ],
      batches: [
        { size: 2, tokens: 20, ms: 12 },
        { size: 2, tokens: 20, ms: 6 },
      ],
      builds: [],
      voyRecall: settings.indexKinds.includes('voy') ? { k: 4, queries: 2, mean: 1, min: 1 } : null,
      kinds: settings.indexKinds.map((kind, i) => ({
        kind,
        label: kind,
        role: i === 0 ? ('answer' as const) : ('compare' as const),
        build: { kind, count: 4, ms: 3, vectorsPerSecond: 1333, bytes: 64 },
        loaded: false,
        storedBuildMs: null,
        diskBytes: null,
        bytesPerVector: 16,
        check: { queries: 2, k: 4, searchMs: summarize([1, 2]), workerMs: summarize([0.5, 1]), recall: kind === 'exact' ? null : { mean: 1, min: 1 } },
      })),
      storage: { key: 'k', persisted: true, fromStorage: this.ingests > 1, resumedFrom: 0, reason: null, vectorsAs: 'Blob', vectorsAsReason: null },
      totalMs: 81,
    };
  }

  async query(question: string, opts: { k?: number; kind?: IndexKind; generate?: boolean } = {}): Promise<QueryResult | null> {
    this.queries++;
    if (this.opts.failQueryAt === this.queries) {
      this.error = { name: 'WorkerCrashed', message: 'The index worker crashed (test double).' };
      return null;
    }
    const kind = opts.kind ?? 'exact';
    const stages: StageTiming[] = [
      { name: 'embed query', ms: 2, workerMs: 1.5, extra: { tokens: 4 } },
      { name: 'search', ms: 1 + (kind === 'voy' ? (this.opts.voyExtraMs ?? 0) : 0), workerMs: 0.5, extra: { kind, k: 4, vectors: 4 } },
      { name: 'format context', ms: 0.25, extra: { chars: 100, chunks: 4 } },
    ];
    if (this.opts.generation && opts.generate !== false && this.llm) {
      stages.push({ name: 'build prompt', ms: 1, extra: { promptTokens: 50 } });
      stages.push({ name: 'time to first token', ms: 40, extra: { promptTokens: 50, prefillTokensPerSecond: 1250 } });
      stages.push({ name: 'decode', ms: 90, extra: { tokens: 10, tokensPerSecond: 100 } });
    }
    return {
      question,
      k: 4,
      kind,
      stages,
      hits: [],
      compare: [],
      recallAgainstExact: null,
      context: { text: '', used: 0, dropped: 0, truncated: false },
      generation: null,
      generationError: null,
      totalMs: stages.reduce((t, s) => t + s.ms, 0),
    };
  }

  async evaluate(): Promise<EvaluationReport | null> {
    const perQuery = [
      { queryId: 'q1', ndcg10: 1, recall10: 1, recall100: 1, mrr10: 1 },
      { queryId: 'q2', ndcg10: 0.5, recall10: 1, recall100: 1, mrr10: 0.5 },
    ];
    return {
      queries: 2,
      depth: 4,
      kind: 'exact',
      label: 'exact',
      quality: { perQuery, mean: { ndcg10: 0.75, recall10: 1, recall100: 1, mrr10: 0.75 }, evaluated: 2, skipped: { noPositiveJudgment: [], notRun: [] } },
      latency: [{ stage: 'embed query', roundTrip: summarize([1, 2]), inWorker: null }],
      warmups: 1,
      queryStages: [],
      totalMs: 5,
    };
  }

  async loadLlm(settings: LlmSettings): Promise<LlmLoadReport | null> {
    this.llm = true;
    this.generator.ready = true;
    return {
      spec: { engine: settings.engine === 'none' ? 'wllama' : settings.engine, model: settings.model },
      info: {
        engine: 'wllama',
        model: settings.model,
        modelName: 'stories260K',
        backend: 'wasm-single-thread',
        threads: 1,
        requestedThreads: 1,
        variant: 'F32',
        why: [],
        contextSize: 512,
        trainedContextSize: 512,
        vocabSize: 512,
        architecture: 'llama',
        hasChatTemplate: false,
        addsBos: true,
        tokenBound: null,
        crossOriginIsolated: true,
        gpuLayers: null,
        vramRequiredMB: null,
        engineVersion: 'test double',
        weightBytesPerToken: 1_000_000,
      },
      files: [{ file: 'stories260K.gguf', bytes: 1_000_000, source: 'network' }],
      timings: { downloadMs: 5, verifyMs: 1, initMs: 10, warmupMs: 3, totalMs: 19 },
      roundTripMs: 20,
      source: 'network',
      switchedFrom: null,
    } as LlmLoadReport;
  }

  cancel(): void {}
}

export const SMALL: readonly string[] = [
  'embedder.model=lsa-wordpiece-256',
  'embedder.threads=1',
  'llm.engine=none',
  'queries.count=3',
  'warmups=1',
  'iterations=4',
  'memory.intervalMs=10',
];

/** Device roofs as a browser would measure them (a 2-core laptop). */
export const FAKE_ROOFS: DeviceRoofs = {
  version: 1,
  durationMs: 640,
  timer: { resolutionMs: 0.005, crossOriginIsolated: true },
  bandwidth: { available: true, GBps: 25.6, medianGBps: 24.9, bytes: 64 << 20, repsMs: [2.6, 2.7, 2.8, 2.7, 2.7] },
  simd1: { available: true, gflops: 20, ms: 100, warmupMs: 40 },
  simdN: { available: true, threads: 2, gflops: 38, perThread: [19, 19] },
};

export async function runFake(sets: readonly string[] = SMALL, fake: FakeOptions = {}, client?: RunnerClient | ((runner: Runner) => RunnerClient), sources?: Partial<MemorySources>): Promise<{ records: RunRecord[]; session: FakeSession }> {
  const session = new FakeSession(fake);
  let runner: Runner | null = null;
  const clientOf = typeof client === 'function' ? client : () => client;
  runner = new Runner({
    session,
    suite: RETRIEVAL_SUITE,
    client: {
      willStart: (e) => clientOf(runner!)?.willStart?.(e),
      didFinishStage: (e) => clientOf(runner!)?.didFinishStage?.(e),
      didFinish: (r) => clientOf(runner!)?.didFinish?.(r),
      didFail: (e, r) => clientOf(runner!)?.didFail?.(e, r),
    },
    environment: async () => structuredClone(ENV),
    memorySources: fakeMemorySources(sources),
    hardwareConcurrency: 2,
    memoryTimeoutMs: 50,
    limits: {
      start: async () => {
        fake.order?.push('limits');
        return { roofs: structuredClone(FAKE_ROOFS), calibrationBeforeMs: [2, 2.1, 1.9, 2, 2.05] };
      },
      after: async () => [2, 2.02, 1.98, 2.1, 1.95],
    },
    startup: async () => {
      fake.order?.push('startup');
      return fake.startup ? fake.startup() : [];
    },
  });
  const config: BenchConfig = applySets(PRESETS.quick, sets);
  return { records: await runner.run(config), session };
}


export const sample = (stage: string, duration: number, over: Partial<Sample> = {}): Sample => ({
  stage,
  iteration: 0,
  warmup: false,
  phase: 'warm',
  start: 0,
  duration,
  extra: {},
  ...over,
});

export function recordOf(samples: Sample[], over: Partial<RunRecord> = {}): RunRecord {
  return {
    ...newRecord({ id: '20261125T000000-abcdef', suite: 'retrieval', config: PRESETS.quick, environment: structuredClone(ENV), startedAt: '2026-11-25T00:00:00.000Z' }),
    status: 'complete',
    finishedAt: '2026-11-25T00:01:00.000Z',
    stages: [...new Set(samples.map((s) => s.stage))].map((name) => ({ name, unit: 'ms' })),
    samples,
    ...over,
  };
}

