/**
 * The app's state: one object owns the active ingestion (its corpus, chunks and workers), the LLM,
 * and the storage, runs the pipelines (ingest.ts, retrieve.ts, evaluate.ts, generation.ts) and
 * announces changes with a 'change' event and window events (`ragtab-ingested`, `ragtab-query-done`,
 * `ragtab-evaluated`, `ragtab-llm-loaded`, `ragtab-cancelled`, `ragtab-error`). The Lit UI and the
 * tests read it; nothing here touches the DOM beyond events on `window`.
 *
 * Ingestion builds into fresh workers and is swapped in only when it completes, so a cancel or an
 * error (bad file, missing model, ...) leaves the previous corpus and index usable.
 *
 * One file (~450 lines) because it is the one owner of the app's state; the pipelines it runs have files of their own.
 */
import type { EmbedderApi, IndexApi } from '../../workers/api';
import type { Chunk } from '../core/chunking';
import type { Corpus } from '../core/documents';
import { RagtabError, errorInfo, type ErrorInfo } from '../core/errors';
import type { LlmSettings, Settings } from '../core/settings';
import { STAGE, type Progress, type StageTiming } from '../core/stages';
import type { IndexKind } from '../core/vocabulary';
import { kindLabel, needsVector, retrieveOptionsOf } from '../core/index-kinds';
import { openStore, type RagtabStore } from '../storage/store';
import { describeRunRecord } from '../storage/idb-run-store';
import type { WorkerBridge } from './bridge';
import { EmbedderPool } from './embedders';
import { evaluateQueries, judgedQueries } from './evaluate';
import { Generator, generationStages, type LlmLoadReport } from './generation';
import { restoreIndex } from './index-restore';
import { runIngest } from './ingest';
import type { EvaluationReport, IngestReport, QueryResult } from './reports';
import { retrieve, retrievalSource } from './retrieve';
import { timeStage } from './stages';
import type { CapabilityRecord } from '../core/browser-capabilities';
import { browserCapabilities, noteIndexedDbBlobs } from './environment';
import { measureDeviceLimits, type DeviceLimits } from './roofs';

export type { EvaluationReport, IngestReport, QueryResult, RetrievedChunk } from './reports';
export type { Progress, StageTiming } from '../core/stages';

interface Active {
  settings: Settings;
  corpus: Corpus;
  chunks: Chunk[];
  titles: Map<string, string>;
  embedder: WorkerBridge<EmbedderApi>;
  embedderGen: number;
  index: WorkerBridge<IndexApi>;
  /** The index bridge's generation when the index was built (a later one: its worker was lost and started anew, empty). */
  indexGen: number;
  report: IngestReport;
}

export type SessionStatus = 'idle' | 'ingesting' | 'ready' | 'querying' | 'loading-llm' | 'generating';

function announce(name: string, detail?: unknown): void {
  window.dispatchEvent(new CustomEvent(name, { detail }));
}

export class RagSession extends EventTarget {
  status: SessionStatus = 'idle';
  /** True once start-up (opening storage) is done: the page fires `ragtab-ready` then. */
  ready = false;
  progress: Progress | null = null;
  active: Active | null = null;
  lastIngest: IngestReport | null = null;
  lastQuery: QueryResult | null = null;
  lastEvaluation: EvaluationReport | null = null;
  /** The last evaluation of every kind evaluated (the first is `lastEvaluation`). */
  lastEvaluations: EvaluationReport[] = [];
  error: ErrorInfo | null = null;
  warnings: string[] = [];
  /** The LLM (none until loaded). */
  readonly generator = new Generator();
  llmLoad: LlmLoadReport | null = null;
  /** The answer being streamed: text so far and tokens received. */
  streaming: { text: string; tokens: number } | null = null;
  /** This browser's capability record and the decisions taken from it (set by `init`). */
  capabilities: CapabilityRecord | null = null;
  /** The IndexedDB storage layer (null until opened, or when unavailable). */
  store: RagtabStore | null = null;
  /**
   * This tab's limits (device roofs, the calibration before) for the app's own run record: measured
   * at the start of the first ingestion (before its stages, under a second, in workers), or set by
   * the benchmark runner at the start of its run.
   */
  deviceLimits: DeviceLimits | null = null;
  private storeFailed = false;
  private abort: AbortController | null = null;
  private readonly embedders = new EmbedderPool((p) => this.setProgress(p));

  /**
   * A session of its own for a benchmark run: the same storage and capability record, its own
   * workers, index and LLM, so the user's session (its index, its answer, its panels) is the same
   * after the run as before. `dispose()` ends its workers when the run is over.
   */
  forBenchmark(): RagSession {
    const s = new RagSession();
    s.store = this.store;
    s.storeFailed = this.storeFailed;
    s.capabilities = this.capabilities;
    s.deviceLimits = this.deviceLimits;
    s.ready = true;
    return s;
  }

  /** Ends this session's workers (its embedders, index and LLM); the storage stays open for the others. */
  dispose(): void {
    this.abort?.abort();
    this.active?.embedder.terminate();
    this.active?.index.terminate();
    this.active = null;
    this.embedders.end();
    void this.generator.unload();
    this.status = 'idle';
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }

  private fail(e: unknown): ErrorInfo {
    this.error = errorInfo(e);
    this.changed();
    announce('ragtab-error', this.error);
    return this.error;
  }

  /** Warnings are replaced, never mutated, so the elements that show them see a new value. */
  private warn(message: string): void {
    this.warnings = [...this.warnings, message];
    this.changed();
  }

  clearError(): void {
    this.error = null;
    this.changed();
  }

  get busy(): boolean {
    return this.status !== 'idle' && this.status !== 'ready';
  }

  private settle(): void {
    this.status = this.active ? 'ready' : 'idle';
    this.progress = null;
  }

  /** Work done: ready again, the change announced on the page as `event`. */
  private finished<T>(event: string, value: T): T {
    this.settle();
    this.changed();
    announce(event, value);
    return value;
  }

  /** Starts work of a kind; refuses while other work runs. */
  private begin(status: SessionStatus, what = 'Busy: wait for the current work to finish.'): void {
    if (this.busy) throw new RagtabError('InvalidArgument', what);
    this.status = status;
    this.error = null;
    this.changed();
  }

  cancel(): void {
    this.abort?.abort();
  }

  private setProgress(p: Omit<Progress, 'etaMs' | 'startedAt'> & { startedAt?: number }): void {
    const startedAt = p.startedAt ?? (this.progress?.phase === p.phase ? this.progress.startedAt : performance.now());
    const elapsed = performance.now() - startedAt;
    const etaMs = p.done > 0 && p.total > p.done ? (elapsed / p.done) * (p.total - p.done) : p.total > 0 && p.done >= p.total ? 0 : null;
    this.progress = { ...p, startedAt, etaMs };
    this.changed();
  }

  /** Opens storage at start-up, so the storage panel shows what is kept before anything runs. */
  async init(): Promise<void> {
    const store = await this.openStorage();
    if (store) noteIndexedDbBlobs(store.indexes.vectorForm.form === 'Blob');
    try {
      this.capabilities = await browserCapabilities();
    } catch (e) {
      this.warn(`The capability probe failed (${errorInfo(e).message}): the badge cannot say what this browser offers.`);
    }
    this.ready = true;
    this.changed();
  }

  /** Opens the storage layer once; without IndexedDB the app works in memory and says so. */
  private async openStorage(): Promise<RagtabStore | null> {
    if (this.store && !this.store.closed) return this.store;
    if (this.storeFailed) return null;
    try {
      this.store = await openStore({
        onVersionChange: () => {
          this.store = null;
          this.warn('ragtab was updated in another tab: its storage was closed here. Reload this page to keep saving.');
        },
        describeRun: describeRunRecord,
      });
      return this.store;
    } catch (e) {
      this.storeFailed = true;
      this.warn(`Storage is unavailable (${errorInfo(e).message}): ingested vectors are kept in memory only.`);
      return null;
    }
  }

  /** Loads (or switches to) an LLM; on failure the app and the index keep working, and the previous model stays loaded if it can. */
  async loadLlm(settings: LlmSettings): Promise<LlmLoadReport | null> {
    try {
      this.begin('loading-llm');
      const files: Progress['files'] = {};
      this.setProgress({ phase: 'llm', label: `Loading ${settings.model}`, done: 0, total: 0, unit: 'bytes', files, startedAt: performance.now() });
      const { value: report } = await timeStage(STAGE.llmLoad, () =>
        this.generator.loadModel(settings, (p) => {
          if (p.kind === 'file') files[p.file] = { loaded: p.loaded, total: p.total, source: p.source };
          const all = Object.values(files);
          const label = p.kind === 'phase' ? `LLM ${p.phase}${p.state === 'end' ? ' done' : '…'}` : p.kind === 'status' ? p.message : `Downloading ${p.file} (${p.source})`;
          this.setProgress({ phase: 'llm', label, done: all.reduce((s, f) => s + f.loaded, 0), total: all.reduce((s, f) => s + f.total, 0), unit: 'bytes', files });
        }),
      );
      this.llmLoad = report;
      return this.finished('ragtab-llm-loaded', report);
    } catch (e) {
      this.settle();
      this.fail(e);
      return null;
    }
  }

  /** Stops a running generation; the engine stays loaded and usable. */
  async interrupt(): Promise<void> {
    await this.generator.interrupt();
  }

  /** Ingests a corpus with the given settings; on success it replaces the active index. */
  async ingest(settings: Settings, files: File[] = []): Promise<IngestReport | null> {
    this.begin('ingesting', 'Busy: wait for the current work to finish or cancel it.');
    const abort = new AbortController();
    this.abort = abort;
    this.warnings = [];
    this.changed();
    let created: WorkerBridge<EmbedderApi> | null = null;
    try {
      this.deviceLimits ??= await measureDeviceLimits();
      const store = await this.openStorage();
      const hooks = {
        setProgress: (p: Parameters<RagSession['setProgress']>[0]) => this.setProgress(p),
        warn: (m: string) => this.warn(m),
        embedderFor: async (s: Settings, signal: AbortSignal) => {
          const r = await this.embedders.acquire(s, this.active, signal);
          if (!r.load.reused) created = r.bridge;
          return r;
        },
      };
      const { report, corpus, chunks, embedder, index } = await runIngest(hooks, settings, files, abort.signal, store);
      // swap in
      const old = this.active;
      const titles = new Map(corpus.docs.map((d) => [d.id, d.title] as const));
      this.active = { settings: structuredClone(settings), corpus, chunks, titles, embedder, embedderGen: embedder.generation, index, indexGen: index.generation, report };
      old?.index.terminate();
      this.embedders.swapped(old, embedder);
      this.lastIngest = report;
      this.lastQuery = null;
      this.lastEvaluation = null;
      this.lastEvaluations = [];
      return this.finished('ragtab-ingested', report);
    } catch (e) {
      this.embedders.discard(created, this.active?.embedder ?? null);
      this.settle();
      if (abort.signal.aborted) {
        this.warn('Ingestion cancelled: the previous index (if any) is still in use; vectors committed so far are kept, and the next ingestion of this configuration resumes from them.');
        announce('ragtab-cancelled');
        return null;
      }
      this.fail(e);
      return null;
    } finally {
      this.abort = null;
    }
  }

  /**
   * Reloads the active embedder if a cancel or a crash ended its worker since ingestion, and puts
   * the index back into a fresh index worker if its worker was lost (index-restore.ts).
   */
  private async ensureEmbedder(a: Active): Promise<void> {
    await this.embedders.ensureLoaded(a);
    if (!a.index.running || a.index.generation !== a.indexGen) {
      const r = await restoreIndex(
        { settings: a.settings, chunks: a.chunks, embedder: a.embedder, index: a.index, storedKey: a.report.storage.persisted ? a.report.storage.key : null, dims: a.report.embedder.dims },
        this.store,
        (p) => this.setProgress(p),
      );
      a.indexGen = a.index.generation;
      this.warn(`The index worker had stopped: a new one was started and the index restored (${r.vectors.toLocaleString('en-US')} vectors ${r.from === 'storage' ? 'read back from IndexedDB' : 'embedded again, as they were not stored'}, ${Math.round(r.ms).toLocaleString('en-US')} ms).`);
    }
    this.progress = null;
  }

  /** The active embedder or index worker is gone, or another one took its place (without its model or index). */
  private workersLost(a: Active): boolean {
    return !a.index.running || a.index.generation !== a.indexGen || !a.embedder.running || a.embedder.generation !== a.embedderGen;
  }

  /**
   * Runs `fn` (calls pinned to the active workers: `retrievalSource`) after `ensureEmbedder`. A
   * worker that ends without an error event is learnt of through its lock, a moment later: a loss
   * before `fn`'s calls reach it, or while they run, fails them with WorkerCrashed. Then the
   * workers are restored (said in the warnings) and `fn` runs once more from its start; a loss
   * during that run stands.
   */
  private async onActiveWorkers<R>(a: Active, fn: () => Promise<R>): Promise<R> {
    await this.ensureEmbedder(a);
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof RagtabError && e.code === 'WorkerCrashed' && this.workersLost(a))) throw e;
      await this.ensureEmbedder(a);
      return fn();
    }
  }

  /** Embeds texts with the active embedder (as documents: no query prefix). For tests and the CLI. */
  async embedTexts(texts: string[]): Promise<{ vectors: Float32Array; dims: number; device: string }> {
    const a = this.active;
    if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet: no embedder is loaded.');
    const r = await this.onActiveWorkers(a, () => a.embedder.pinned(a.embedderGen).call('embed texts', (api) => api.embed(texts)));
    return { vectors: r.value.vectors, dims: r.value.dims, device: a.report.embedder.device };
  }

  /**
   * Runs every corpus query that has judgments through the retrieval stages (one warm-up query
   * first, excluded from the figures) and scores them: nDCG@10, recall@10/100, MRR@10. On each of
   * `kinds` (default: every kind asked for at ingestion, the answering one first); the report
   * returned is the first kind's, all are in `lastEvaluations`.
   */
  async evaluate(kinds?: readonly IndexKind[]): Promise<EvaluationReport | null> {
    const a = this.active;
    const abort = new AbortController();
    try {
      if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet: ingest a corpus first.');
      if (this.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
      if (judgedQueries(a.corpus).length === 0) throw new RagtabError('InvalidArgument', `The corpus "${a.corpus.name}" has no judged queries, so its retrieval quality cannot be measured.`);
      const list = kinds && kinds.length ? [...kinds] : a.settings.indexKinds;
      const built = a.report.builds.map((b) => b.kind);
      const missing = list.filter((k) => !built.includes(k));
      if (missing.length) throw new RagtabError('InvalidArgument', `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not built for this corpus: ingest with ${missing.length === 1 ? 'it' : 'them'} to evaluate.`);
      this.abort = abort;
      this.begin('querying');
      const reports = await this.onActiveWorkers(a, async () => {
        const out: EvaluationReport[] = [];
        for (const kind of list) {
          const label = kindLabel(kind, a.settings.kindOptions);
          out.push(
            await evaluateQueries({
              source: retrievalSource(a),
              corpus: a.corpus,
              kind,
              label,
              options: retrieveOptionsOf(kind, a.settings.kindOptions),
              depth: Math.min(a.chunks.length, a.settings.chunking.mode === 'document' ? 100 : 500),
              signal: abort.signal,
              onProgress: (done, total, startedAt) => this.setProgress({ phase: 'check', label: `Evaluating the corpus queries on ${label}${list.length > 1 ? ` (${list.indexOf(kind) + 1} of ${list.length})` : ''}`, done, total, unit: 'queries', startedAt }),
            }),
          );
        }
        return out;
      });
      this.lastEvaluations = reports;
      this.lastEvaluation = reports[0]!;
      return this.finished('ragtab-evaluated', reports[0]!);
    } catch (err) {
      this.settle();
      if (abort.signal.aborted) {
        this.warn('Evaluation cancelled.');
        return null;
      }
      this.fail(err);
      return null;
    } finally {
      if (this.abort === abort) this.abort = null;
    }
  }

  /** Runs a question through the retrieval stages, then (with an LLM loaded) through generation. */
  async query(question: string, opts: { k?: number; kind?: IndexKind; generate?: boolean } = {}): Promise<QueryResult | null> {
    const a = this.active;
    try {
      if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet: ingest a corpus first.');
      if (this.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
      const text = question.trim();
      if (!text) throw new RagtabError('EmptyQuery', 'The question is empty: type a question or pick one of the corpus queries.');
      this.begin('querying');
      const k = Math.max(1, Math.min(opts.k ?? a.settings.k, a.chunks.length));
      const kind = opts.kind ?? (a.settings.indexKinds[0] as IndexKind);
      const { r, t0, totalMs, cmp } = await this.onActiveWorkers(a, async () => {
        const t0 = performance.now();
        const r = await retrieve(retrievalSource(a), { text, k, kind, options: retrieveOptionsOf(kind, a.settings.kindOptions) });
        const totalMs = performance.now() - t0;
        return { r, t0, totalMs, cmp: await this.compareKinds(a, text, r.vector, k, kind, r.searchHits) };
      });
      if (r.vector?.every((x) => x === 0)) {
        this.warnings = [`No token of "${text.slice(0, 60)}" is known to the model: its vector is zero, so every score is 0.`];
      }
      const stages: StageTiming[] = [...r.stages];
      const result: QueryResult = { question: text, k, kind, stages, hits: r.hits, compare: cmp.compare, recallAgainstExact: cmp.recall, context: r.context!, generation: null, generationError: null, totalMs };
      this.lastQuery = result;
      if (opts.generate !== false && this.generator.ready) await this.generate(result, t0);
      return this.finished('ragtab-query-done', result);
    } catch (err) {
      this.settle();
      this.fail(err);
      return null;
    }
  }

  /**
   * The other asked kinds' answers to the same query (outside the query's timed stages), each with
   * its recall@k against the exact scan where it is a vector kind, and the answering kind's recall.
   */
  private async compareKinds(a: Active, text: string, vector: Float32Array | null, k: number, kind: IndexKind, hits: ReadonlyArray<{ index: number }>): Promise<{ compare: QueryResult['compare']; recall: number | null }> {
    const others = a.settings.indexKinds.filter((x) => x !== kind);
    const approximate = (x: IndexKind) => x !== 'exact' && x !== 'hybrid' && needsVector(x);
    if (others.length === 0 && !approximate(kind)) return { compare: [], recall: null };
    const index = a.index.pinned(a.indexGen);
    let exact: Set<number> | null = null;
    if (vector && (approximate(kind) || others.some(approximate))) {
      const e = await index.call('search exact', (api) => api.retrieve({ kind: 'exact', k, vector }));
      exact = new Set(e.value.hits.map((h) => h.index));
    }
    const recallOf = (x: IndexKind, list: ReadonlyArray<{ index: number }>) => (exact && approximate(x) ? list.filter((h) => exact!.has(h.index)).length / Math.max(1, exact.size) : null);
    const compare: QueryResult['compare'] = [];
    for (const other of others) {
      if (needsVector(other) && !vector) continue;
      const t0 = performance.now();
      const o = await index.call(`search ${other}`, (api) =>
        api.retrieve({ kind: other, k, text, ...(vector && needsVector(other) ? { vector } : {}), options: retrieveOptionsOf(other, a.settings.kindOptions) }),
      );
      compare.push({ kind: other, ids: o.value.hits.map((h) => h.id), ms: performance.now() - t0, recallAgainstExact: recallOf(other, o.value.hits) });
    }
    return { compare, recall: recallOf(kind, hits) };
  }

  /** Streams the LLM's answer to a retrieved query and adds the generation stages to it. */
  private async generate(result: QueryResult, t0: number): Promise<void> {
    this.status = 'generating';
    this.streaming = { text: '', tokens: 0 };
    this.changed();
    try {
      const g = await this.generator.answer(result.question, result.hits.map((h) => ({ id: h.id, text: h.text, title: h.title })), (tok, soFar) => {
        this.streaming = { text: soFar, tokens: tok.index + 1 };
        this.changed();
      });
      result.stages.push(...generationStages(g));
      result.generation = g;
      result.totalMs = performance.now() - t0;
    } catch (ge) {
      result.generationError = errorInfo(ge);
      this.fail(ge);
    } finally {
      this.streaming = null;
    }
  }
}

declare global {
  interface Window {
    /** The running session, for the end-to-end tests and the headless CLI. */
    ragtab?: RagSession;
  }
}
