/**
 * The benchmark runner. A suite is a frozen list of steps (`{name, unit, phase, repeat, run}`);
 * the runner owns warm-ups (recorded apart, left out of every statistic), iterations, timing
 * (`performance.mark`/`measure`, so every step shows in DevTools), memory sampling between and
 * during steps, and the RunRecord. It knows nothing of the UI: it calls its client's hooks
 * (`willStart`, `didFinishStage`, `didFinish`, `didFail`). The Lit element is one client, the
 * headless CLI (through the same element's `window.ragtabBench`) another.
 */
import type { CorpusChoice, LlmSettings, Settings } from '../core/settings';
import type { EmbedderApi, IndexApi, WorkerMemory } from '../../workers/api';
import type { IndexKind } from '../core/vocabulary';
import type { Corpus } from '../core/documents';
import { PHASE_STAGE, type Progress } from '../core/stages';
import type { EvaluationReport, IngestReport, QueryResult } from './reports';
import type { GenerationReport, LlmLoadReport } from './generation';
import type { PromptChunk } from '../core/prompt';
import type { TokenArrival } from './llm-client';
import type { WorkerBridge } from './bridge';
import { sweepCells, type BenchConfig } from '../core/bench-config';
import { planOf } from '../core/run-cost';
import { toSettings } from '../core/settings';
import { errorInfo, type ErrorInfo } from '../core/errors';
import type { EnvironmentRecord, Extra, Phase, RunRecord } from '../core/run-record';
import { fillFromReports, newRecord, newRunId } from './record';

export { newRunId } from './record';
import { MemorySampler, REASONS, browserMemorySources, unreadableMemory, type MemorySources, type WorkerMemoryReader } from './memory';
import { collectEnvironment } from './environment';
import { afterNextFrame, pageHidden, tabStartupSettled } from './settle';
import { CALIBRATION_WORKLOAD, measureCalibration, measureDeviceLimits, type DeviceLimits } from './roofs';

/** The parts of the session the runner uses: its public methods and state (RagSession satisfies it). */
export interface BenchSession extends EventTarget {
  ingest(settings: Settings, files?: File[]): Promise<IngestReport | null>;
  query(question: string, opts?: { k?: number; kind?: IndexKind; generate?: boolean }): Promise<QueryResult | null>;
  /** Evaluates the judged queries on `kinds` (default: the kinds asked for at ingestion); returns the first kind's report. */
  evaluate(kinds?: readonly IndexKind[]): Promise<EvaluationReport | null>;
  /** Every kind's report of the last evaluation. */
  readonly lastEvaluations?: readonly EvaluationReport[];
  loadLlm(settings: LlmSettings): Promise<LlmLoadReport | null>;
  cancel(): void;
  readonly error: ErrorInfo | null;
  readonly progress: Progress | null;
  readonly busy: boolean;
  /** The session's IndexedDB store, where it keeps ingested vectors (null without storage). */
  readonly store?: { indexes: { list(): Promise<unknown[]>; get(key: string): Promise<unknown>; delete(key: string): Promise<void> } } | null;
  readonly active: {
    settings: Settings;
    corpus: Corpus;
    chunks: ReadonlyArray<{ readonly id: string; readonly docId: string; readonly text: string; readonly start: number; readonly end: number }>;
    titles: ReadonlyMap<string, string>;
    embedder: Pick<WorkerBridge<EmbedderApi>, 'call' | 'pinned' | 'generation' | 'terminate' | 'running'>;
    index: Pick<WorkerBridge<IndexApi>, 'call' | 'pinned' | 'generation' | 'running'>;
  } | null;
  /** The session's LLM (the concurrency mode drives it directly; its worker's memory is read between stages). */
  readonly generator?: BenchGenerator;
  /**
   * The tab's limits (device roofs, calibration) the session's own run record reads; the runner
   * sets them at the start of a run, so the session need not measure them inside a timed step.
   */
  deviceLimits?: DeviceLimits | null;
}

/** The parts of the session's Generator the runner uses. */
export interface BenchGenerator {
  readonly ready: boolean;
  answer(question: string, chunks: readonly PromptChunk[], onToken: (a: TokenArrival, textSoFar: string) => void): Promise<GenerationReport>;
  /** The LLM worker's own memory (LlmApi.memory()), when the generator exposes it. */
  memory?(): Promise<WorkerMemory>;
  /** Ends the LLM worker, so the next load starts from a fresh one. */
  unload(): Promise<void>;
}

/** The running workers' memory readers: the embedder and index of the active ingestion, and a loaded LLM. */
export function workerMemoryReaders(session: BenchSession): WorkerMemoryReader[] {
  const out: WorkerMemoryReader[] = [];
  const a = session.active;
  if (a) {
    const { embedder, index } = a;
    // pinned to the worker seen running: one lost before the read reaches it is unreadable, not a fresh worker's figure
    out.push({ worker: 'embedder', read: async () => (embedder.running ? (await embedder.pinned(embedder.generation).call('memory', (api) => api.memory())).value : unreadableMemory(REASONS.notRunning('embedder'))) });
    out.push({ worker: 'index', read: async () => (index.running ? (await index.pinned(index.generation).call('memory', (api) => api.memory())).value : unreadableMemory(REASONS.notRunning('index'))) });
  }
  const g = session.generator;
  if (g?.ready) out.push({ worker: 'llm', read: () => (g.memory ? g.memory() : Promise.resolve(unreadableMemory(REASONS.llmNoMemory))) });
  return out;
}

/** What a step sees. Everything it measures goes through `time` and `emit`. */
export interface StepContext {
  readonly config: BenchConfig;
  readonly settings: Settings;
  /** The user's files, for a corpus of files or a BEIR folder (RunnerOptions.corpus). */
  readonly files: readonly File[];
  readonly session: BenchSession;
  readonly phase: Phase;
  readonly iteration: number;
  readonly warmup: boolean;
  readonly signal: AbortSignal;
  /** State shared by the steps of one run (the ingest report, the query set, the LLM load...). */
  readonly state: RunState;
  /** ms since the run started. */
  now(): number;
  /** A performance.now() time as ms since the run started. */
  at(performanceNow: number): number;
  /** Times `fn` (performance.mark/measure as `ragtab-bench:<label>`); start is ms since the run started. */
  time<T>(label: string, fn: () => Promise<T>): Promise<{ value: T; start: number; duration: number }>;
  /** Records a sample of this step's phase and iteration. */
  emit(sample: { stage: string; start: number; duration: number; extra?: Extra }): void;
  /** A number identifying one query execution (ties a query's stage samples to its end-to-end sample). */
  nextSeq(): number;
  warn(message: string): void;
  /** Marks the memory samples taken from now on with this stage name (null: the step's own name). */
  memoryStage(stage: string | null): void;
}

export interface RunState {
  ingest: IngestReport | null;
  llm: LlmLoadReport | null;
  evaluation: EvaluationReport | null;
  /** Every kind's evaluation (the first is `evaluation`). */
  evaluations: EvaluationReport[];
  /** The questions of one iteration, resolved once from the configuration and the corpus. */
  questions: string[] | null;
  /** The corpus's tokens, counted by the ingestion that embedded all of it (RunReports.corpusTokens). */
  corpusTokens: number | null;
}

export interface Step {
  /** The name of the sample the runner records for each execution of the step. */
  readonly name: string;
  readonly unit: string;
  readonly phase: Phase;
  /** once: one execution; iterations: the configured warm-ups, then the configured iterations. */
  readonly repeat: 'once' | 'iterations';
  /** An extra of the step's result to turn into `<key>PerSecond` over the step's duration. */
  readonly perSecond?: string;
  /**
   * The step ends workers (e.g. a fresh model load): the runner first waits, outside the timing,
   * for a pending full memory measurement, which would otherwise never resolve.
   */
  readonly endsWorkers?: boolean;
  enabled(config: BenchConfig, state: RunState): boolean;
  /** Work before the step that is not part of it (outside the timing), e.g. emptying a cache. */
  prepare?(ctx: StepContext): Promise<void>;
  /** Runs the step; what it returns becomes the extras of the step's own sample. */
  run(ctx: StepContext): Promise<Extra>;
}

export type Suite = readonly Step[];

export interface StageEvent {
  runId: string;
  step: string;
  phase: Phase;
  iteration: number;
  warmup: boolean;
  duration: number;
  /** Step executions done / planned in this run. */
  done: number;
  total: number;
}

export interface RunnerClient {
  willStart?(e: { runId: string; config: BenchConfig; cell: number; cells: number }): void;
  didFinishStage?(e: StageEvent): void;
  didFinish?(record: RunRecord): void;
  didFail?(error: ErrorInfo, record: RunRecord): void;
}

export interface RunnerOptions {
  session: BenchSession;
  suite: Suite;
  client?: RunnerClient;
  environment?: () => Promise<EnvironmentRecord>;
  memorySources?: (origin: number) => MemorySources;
  hardwareConcurrency?: number;
  /**
   * Awaited before each timed step, outside its timing: by default lets the page render the frame
   * that the UI's last updates scheduled (src/engine/settle.ts), so it does not land in the step.
   */
  settle?: () => Promise<void>;
  /** How long to wait at the end of a run for a pending full memory measurement, ms. */
  memoryTimeoutMs?: number;
  /**
   * Measures the tab's limits before the first step (device roofs, the calibration workload) and
   * the calibration again after the last, outside every timing (default: src/engine/roofs.ts, in
   * workers); null: not measured (the record then has neither).
   */
  limits?: { start(): Promise<DeviceLimits>; after(): Promise<number[]> } | null;
  /**
   * Waits for the tab's own start-up work before the limits and the first step (default:
   * tabStartupSettled in src/engine/settle.ts); what it could not wait for becomes a warning of the
   * record. null: no wait.
   */
  startup?: (() => Promise<string[]>) | null;
  suiteName?: string;
  /**
   * A corpus the configuration cannot name (the user's files or a BEIR folder: a re-run of a shared
   * link), read from these files instead of the configuration's corpus.
   */
  corpus?: { choice: CorpusChoice; files: readonly File[] };
}

class StepFailure extends Error {
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
  }
}

/** Turns a session failure (a null result and `session.error`) into an error carrying its code. */
export function sessionFailure(session: BenchSession, what: string): Error {
  return new StepFailure(session.error ?? { name: 'Cancelled', message: `${what} was cancelled.` });
}

export class Runner {
  private abort: AbortController | null = null;
  /** Set by cancel(): no further cell starts (a cancel between two cells stops the sweep too). */
  private cancelled = false;

  constructor(private readonly opts: RunnerOptions) {}

  get running(): boolean {
    return this.abort !== null;
  }

  /** Stops the run between steps (and cancels an ingestion in progress); the record says 'cancelled'. */
  cancel(): void {
    this.cancelled = true;
    this.abort?.abort();
    this.opts.session.cancel();
  }

  /** Runs the configuration: one record per sweep cell (one without axes). */
  async run(config: BenchConfig): Promise<RunRecord[]> {
    const cells = sweepCells(config);
    const sweepId = cells.length > 1 ? newRunId() : null;
    const out: RunRecord[] = [];
    this.cancelled = false;
    for (const cell of cells) {
      if (this.cancelled) break;
      const sweep = sweepId ? { id: sweepId, index: cell.index, of: cells.length, values: { ...cell.values } } : null;
      const r = await this.runOne(cell.config, sweep, cells.length);
      out.push(r);
      if (r.status !== 'complete') break;
    }
    return out;
  }

  private async runOne(config: BenchConfig, sweep: RunRecord['sweep'], cells: number): Promise<RunRecord> {
    const { session, suite, client } = this.opts;
    const abort = new AbortController();
    this.abort = abort;
    if (this.cancelled) abort.abort();
    const runId = newRunId();
    const record = newRecord({ id: runId, suite: this.opts.suiteName ?? 'retrieval', config, sweep, environment: await (this.opts.environment ?? collectEnvironment)() });
    const startup = this.opts.startup === undefined ? tabStartupSettled : this.opts.startup;
    // a Cancel during the wait ends it (the run then stops before its first step)
    const aborted = new Promise<string[]>((r) => (abort.signal.aborted ? r([]) : abort.signal.addEventListener('abort', () => r([]), { once: true })));
    if (startup) for (const w of await Promise.race([startup(), aborted])) record.warnings.push(`Started before the tab was quiet: ${w}; the first figures and the calibration before the run may be slower.`);
    const limits = this.opts.limits === undefined ? { start: () => measureDeviceLimits(), after: measureCalibration } : this.opts.limits;
    const start = limits ? await limits.start() : null;
    if (start) {
      record.roofs = start.roofs;
      session.deviceLimits = start;
    }
    const origin = performance.now();
    const now = () => performance.now() - origin;
    const hc = this.opts.hardwareConcurrency ?? (typeof navigator !== 'undefined' ? navigator.hardwareConcurrency : undefined);
    const settings = toSettings(config, hc);
    if (this.opts.corpus) settings.corpus = this.opts.corpus.choice;
    const state: RunState = { ingest: null, llm: null, evaluation: null, evaluations: [], questions: null, corpusTokens: null };
    const memory = new MemorySampler(
      {
        intervalMs: config.memory.intervalMs,
        full: config.memory.full,
        blocked: () => {
          const e = state.ingest?.embedder;
          // On WebGPU the record says 0 threads, but ONNX Runtime still starts its WebAssembly pool
          // (numThreads = the configured threads when the page is isolated): it blocks all the same.
          const threads = !e ? 1 : e.device === 'wasm' ? e.threads : e.crossOriginIsolated ? Math.max(1, settings.threads) : 1;
          if (threads > 1) return REASONS.threadPool(`the embedder (ONNX Runtime, ${threads} threads${e?.device === 'wasm' ? '' : `, beside ${e?.device}`})`);
          const llmThreads = state.llm?.info.threads ?? 1;
          if (llmThreads > 1) return REASONS.threadPool(`the LLM (${state.llm?.info.engine}, ${llmThreads} threads)`);
          return null;
        },
      },
      (this.opts.memorySources ?? browserMemorySources)(origin),
    );
    let seq = 0;
    let current: { stage: string; phase: Phase } | null = null;
    const onChange = (): void => {
      const p = session.progress;
      if (current) memory.setStage(p ? PHASE_STAGE[p.phase] : current.stage, current.phase);
    };
    session.addEventListener('change', onChange);
    client?.willStart?.({ runId, config, cell: sweep?.index ?? 0, cells });

    const plan = planOf(suite, config);
    let done = 0;
    memory.start();
    try {
      if (session.busy) throw new StepFailure({ name: 'InvalidArgument', message: 'The session is busy: wait for the current work to finish.' });
      for (const { step, iteration, warmup } of plan) {
        if (abort.signal.aborted) throw new StepFailure({ name: 'Cancelled', message: 'Benchmark cancelled.' });
        if (!step.enabled(config, state)) {
          done++;
          continue;
        }
        const ctx: StepContext = {
          config,
          settings,
          files: this.opts.corpus?.files ?? [],
          session,
          phase: step.phase,
          iteration,
          warmup,
          signal: abort.signal,
          state,
          now,
          at: (t) => t - origin,
          time: async (label, fn) => {
            const t = performance.now();
            const value = await fn();
            const end = performance.now();
            try {
              performance.measure(`ragtab-bench:${label}`, { start: t, end });
            } catch {
              /* best effort */
            }
            return { value, start: t - origin, duration: end - t };
          },
          emit: (s) => record.samples.push({ stage: s.stage, iteration, warmup, phase: step.phase, start: s.start, duration: Math.max(0, s.duration), extra: { ...(s.extra ?? {}) } }),
          nextSeq: () => seq++,
          warn: (m) => {
            if (!record.warnings.includes(m)) record.warnings.push(m);
          },
          memoryStage: (name) => memory.setStage(name ?? step.name, step.phase),
        };
        if (step.endsWorkers) await memory.settle(this.opts.memoryTimeoutMs ?? 20_000);
        await step.prepare?.(ctx);
        await (this.opts.settle ?? afterNextFrame)();
        if (pageHidden()) ctx.warn(`The page was hidden (a background tab) during ${step.name} · ${step.phase}: browsers throttle timers and skip rendering there, so its figures are not comparable with a visible page's.`);
        current = { stage: step.name, phase: step.phase };
        memory.setStage(step.name, step.phase);
        const label = `${step.name} · ${step.phase} #${iteration}${warmup ? ' (warm-up)' : ''}`;
        const t = await ctx.time(label, () => step.run(ctx));
        const extra: Extra = { ...t.value };
        const units = step.perSecond ? t.value[step.perSecond] : undefined;
        if (typeof units === 'number' && t.duration > 0) extra[`${step.perSecond}PerSecond`] = (units * 1000) / t.duration;
        record.samples.push({ stage: step.name, iteration, warmup, phase: step.phase, start: t.start, duration: t.duration, extra });
        current = null;
        memory.setStage(null, null);
        await memory.between({ stage: step.name, phase: step.phase }, workerMemoryReaders(session));
        done++;
        client?.didFinishStage?.({ runId, step: step.name, phase: step.phase, iteration, warmup, duration: t.duration, done, total: plan.length });
      }
      record.status = 'complete';
    } catch (e) {
      const info = errorInfo(e);
      record.status = info.name === 'Cancelled' || abort.signal.aborted ? 'cancelled' : 'failed';
      record.errors.push({ name: info.name, message: info.message, stage: current?.stage ?? null, t: now() });
    } finally {
      session.removeEventListener('change', onChange);
      // the calibration again, after the last step (still running: nothing else starts meanwhile)
      if (start && limits) {
        const afterMs = await limits.after().catch(() => []);
        record.calibration = { workload: CALIBRATION_WORKLOAD, between: "before the run's first step and after its last", beforeMs: start.calibrationBeforeMs, afterMs };
      }
      this.abort = null;
    }
    record.memory = await memory.stop(this.opts.memoryTimeoutMs ?? 20_000);
    fillFromReports(record, state);
    record.finishedAt = new Date().toISOString();
    if (record.status === 'complete') client?.didFinish?.(record);
    else client?.didFail?.(record.errors[record.errors.length - 1] ?? { name: 'Unknown', message: 'failed' }, record);
    return record;
  }
}
