/**
 * The app's state and its workers: one object owns the embedder and index workers, runs ingestion
 * and queries with every stage timed, and announces changes with a 'change' event. The Lit UI and
 * the tests read it; nothing here touches the DOM beyond events on `window`.
 *
 * Ingestion builds into fresh workers state and swaps it in only when it completes, so a cancel or
 * an error (bad file, missing model, ...) leaves the previous corpus and index usable.
 */
import type {
  BatchTiming,
  BuildResult,
  EmbedderApi,
  EmbedderInfo,
  EmbedderLoadOptions,
  IndexApi,
  IndexKind,
  LoadedFile,
  LoadProgress,
  SearchHit,
} from '../../workers/api';
import * as Comlink from 'comlink';
import { WorkerBridge, createEmbedderWorker } from './bridge';
import type { Chunk } from '../core/chunking';
import { formatContext } from '../core/context';
import type { Corpus } from '../core/documents';
import { RagtabError, errorInfo, type ErrorInfo } from '../core/errors';
import { embeddingModelInfo } from '../core/models';
import { sameEmbedder, type Settings } from '../core/settings';
import { mark, runIngest } from './ingest';
import { openStore, type RagtabStore } from '../storage/store';
import { describeRunRecord } from '../storage/run-store';
import { Generator, type GenerationReport, type LlmLoadReport } from './generation';
import type { LlmSettings } from '../core/settings';
import { evaluateRun, rankDocuments, type RunQuality } from '../core/metrics';
import { summarize, type Summary } from '../core/stats';
import type { CapabilityRecord } from '../core/browser-capabilities';
import { browserCapabilities, noteIndexedDbBlobs } from './environment';

export interface StageTiming {
  name: string;
  /** Main-thread wall time of the stage (for worker calls: the round trip). */
  ms: number;
  /** Time measured inside the worker, when the stage ran in one. */
  workerMs?: number;
  extra?: Record<string, number | string>;
}

export interface Progress {
  phase: 'model' | 'read' | 'chunk' | 'embed' | 'index' | 'check' | 'reload' | 'llm' | 'load';
  label: string;
  done: number;
  total: number;
  unit: string;
  startedAt: number;
  /** Estimated ms left, from the rate so far (null until there is a rate). */
  etaMs: number | null;
  files?: Record<string, { loaded: number; total: number; source: string }>;
}

export interface IngestReport {
  corpusName: string;
  corpusHash: string;
  docs: number;
  chunks: number;
  emptyDocs: number;
  tokens: number;
  truncatedChunks: number;
  embedder: EmbedderInfo;
  modelLoad: { ms: number; workerMs: number; files: LoadedFile[]; reused: boolean };
  stages: StageTiming[];
  batches: BatchTiming[];
  builds: BuildResult[];
  /** voy's recall@k against the exact scan over the corpus's queries (or sampled chunks). */
  voyRecall: { k: number; queries: number; mean: number; min: number } | null;
  /** Where the vectors came from and went: IndexedDB key, loaded from storage, resumed. */
  storage: {
    key: string;
    persisted: boolean;
    fromStorage: boolean;
    resumedFrom: number;
    reason: string | null;
    /** In which form the vector blocks are stored (Blob, or ArrayBuffer where IndexedDB refuses Blobs), and why; null without storage. */
    vectorsAs: 'Blob' | 'ArrayBuffer' | null;
    vectorsAsReason: string | null;
  };
  totalMs: number;
}

export interface RetrievedChunk {
  rank: number;
  id: string;
  docId: string;
  title: string;
  text: string;
  start: number;
  end: number;
  score: number;
}

export interface QueryResult {
  question: string;
  k: number;
  kind: IndexKind;
  stages: StageTiming[];
  hits: RetrievedChunk[];
  /** The other index kind's result, when both are built (voy beside exact). */
  compare: { kind: IndexKind; ids: string[]; recallAgainstExact: number } | null;
  context: { text: string; used: number; dropped: number; truncated: boolean };
  /** The LLM's answer and its figures; null when no LLM is loaded or generation was not asked for. */
  generation: GenerationReport | null;
  /** Set when generation failed (the retrieval result above still stands). */
  generationError: ErrorInfo | null;
  totalMs: number;
}

/** Every judged corpus query run through the retrieval stages: quality and latency together. */
export interface EvaluationReport {
  queries: number;
  /** Chunks retrieved per query (documents are ranked by their best chunk). */
  depth: number;
  kind: IndexKind;
  quality: RunQuality;
  /** Per stage: summary of the round-trip times (ms) over the queries, after one warm-up query. */
  latency: Array<{ stage: string; roundTrip: Summary; inWorker: Summary | null }>;
  warmups: number;
  totalMs: number;
}

interface Active {
  settings: Settings;
  corpus: Corpus;
  chunks: Chunk[];
  titles: Map<string, string>;
  embedder: WorkerBridge<EmbedderApi>;
  embedderGen: number;
  index: WorkerBridge<IndexApi>;
  report: IngestReport;
}

export type SessionStatus = 'idle' | 'ingesting' | 'ready' | 'querying' | 'loading-llm' | 'generating';

/** The embedder's load options for these settings (pooling and normalisation from the model card). */
function loadOptions(settings: Settings): EmbedderLoadOptions {
  const info = embeddingModelInfo(settings.model.id);
  return {
    device: settings.device,
    dtype: settings.dtype,
    threads: settings.threads,
    batchSize: settings.batchSize,
    pooling: info?.pooling ?? 'mean',
    normalize: info?.normalize ?? true,
  };
}

/** Model base URLs are relative to the page; the worker resolves URLs against its own script. */
function resolveModel(spec: Settings['model']): Settings['model'] {
  if (!spec.baseUrl) return spec;
  const base = spec.baseUrl.endsWith('/') ? spec.baseUrl : spec.baseUrl + '/';
  return { ...spec, baseUrl: new URL(base, document.baseURI).href };
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
  error: ErrorInfo | null = null;
  warnings: string[] = [];
  /** The LLM (none until loaded). */
  readonly generator = new Generator();
  llmLoad: LlmLoadReport | null = null;
  /** The answer being streamed: text so far and tokens received. */
  streaming: { text: string; tokens: number } | null = null;
  private abort: AbortController | null = null;
  private spareEmbedder: { bridge: WorkerBridge<EmbedderApi>; settings: Settings } | null = null;
  /** This browser's capability record and the decisions taken from it (set by `init`). */
  capabilities: CapabilityRecord | null = null;
  /** The IndexedDB storage layer (null until the first ingestion opens it, or when unavailable). */
  store: RagtabStore | null = null;
  private storeFailed = false;

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }

  private fail(e: unknown): ErrorInfo {
    this.error = errorInfo(e);
    this.changed();
    window.dispatchEvent(new CustomEvent('ragtab-error', { detail: this.error }));
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

  /** Loads (or switches to) an LLM; on failure the app and the index keep working, and the previous model stays loaded if it can. */
  async loadLlm(settings: LlmSettings): Promise<LlmLoadReport | null> {
    try {
      if (this.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
      this.status = 'loading-llm';
      this.error = null;
      const startedAt = performance.now();
      const files: Progress['files'] = {};
      this.setProgress({ phase: 'llm', label: `Loading ${settings.model}`, done: 0, total: 0, unit: 'bytes', files, startedAt });
      const report = await this.generator.loadModel(settings, (p) => {
        if (p.kind === 'file') files[p.file] = { loaded: p.loaded, total: p.total, source: p.source };
        const all = Object.values(files);
        const label = p.kind === 'phase' ? `LLM ${p.phase}${p.state === 'end' ? ' done' : '…'}` : p.kind === 'status' ? p.message : `Downloading ${p.file} (${p.source})`;
        this.setProgress({ phase: 'llm', label, done: all.reduce((s, f) => s + f.loaded, 0), total: all.reduce((s, f) => s + f.total, 0), unit: 'bytes', files });
      });
      mark('llm-load', startedAt);
      this.llmLoad = report;
      this.settle();
      this.changed();
      window.dispatchEvent(new CustomEvent('ragtab-llm-loaded', { detail: report }));
      return report;
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

  /** Loads the embedding model into a bridge, reusing an equivalent loaded one. */
  private async embedderFor(
    settings: Settings,
    signal: AbortSignal,
  ): Promise<{ bridge: WorkerBridge<EmbedderApi>; info: EmbedderInfo; load: IngestReport['modelLoad'] }> {
    const candidates = [this.active && { bridge: this.active.embedder, settings: this.active.settings, gen: this.active.embedderGen }, this.spareEmbedder && { ...this.spareEmbedder, gen: this.spareEmbedder.bridge.generation }];
    for (const c of candidates) {
      if (c && sameEmbedder(c.settings, settings) && c.bridge.running && c.bridge.generation === c.gen) {
        const info = (await c.bridge.call('info', (api) => api.info(), signal)).value;
        if (info) return { bridge: c.bridge, info, load: { ms: 0, workerMs: 0, files: [], reused: true } };
      }
    }
    const bridge = new WorkerBridge<EmbedderApi>('embedder', createEmbedderWorker);
    const files: Progress['files'] = {};
    this.setProgress({ phase: 'model', label: `Loading ${settings.model.id}`, done: 0, total: 0, unit: 'bytes', files, startedAt: performance.now() });
    const onProgress = (p: LoadProgress): void => {
      if (p.kind === 'file') files[p.file] = { loaded: p.loaded, total: p.total, source: p.source };
      const all = Object.values(files);
      this.setProgress({
        phase: 'model',
        label: p.kind === 'status' ? p.message : `Loading ${settings.model.id}: ${p.file} (${p.source})`,
        done: all.reduce((s, f) => s + f.loaded, 0),
        total: all.reduce((s, f) => s + f.total, 0),
        unit: 'bytes',
        files,
      });
    };
    try {
      const t = await bridge.call(
        'load model',
        (api) =>
          api.load(resolveModel(settings.model), loadOptions(settings), Comlink.proxy(onProgress)),
        signal,
      );
      mark('model-load', t.start);
      return { bridge, info: t.value.info, load: { ms: t.roundTripMs, workerMs: t.value.workerMs, files: t.value.files, reused: false } };
    } catch (e) {
      bridge.terminate();
      throw e;
    }
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

  /** Ingests a corpus with the given settings; on success it replaces the active index. */
  async ingest(settings: Settings, files: File[] = []): Promise<IngestReport | null> {
    if (this.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish or cancel it.');
    const abort = new AbortController();
    this.abort = abort;
    const { signal } = abort;
    this.status = 'ingesting';
    this.error = null;
    this.warnings = [];
    this.changed();
    let created: WorkerBridge<EmbedderApi> | null = null;
    try {
      const store = await this.openStorage();
      const out = await runIngest(
        {
          signal,
          store,
          setProgress: (p) => this.setProgress(p),
          warn: (m) => this.warn(m),
          embedderFor: async (s, sig) => {
            const r = await this.embedderFor(s, sig);
            if (!r.load.reused) created = r.bridge;
            return r;
          },
          queryText: (t, s) => this.queryText(t, s),
        },
        settings,
        files,
      );
      const { report, corpus, chunks, embedder, index } = out;
      // swap in
      const old = this.active;
      const titles = new Map(corpus.docs.map((d) => [d.id, d.title] as const));
      this.active = { settings: structuredClone(settings), corpus, chunks, titles, embedder, embedderGen: embedder.generation, index, report };
      if (old) {
        old.index.terminate();
        if (old.embedder !== embedder) {
          if (this.spareEmbedder && this.spareEmbedder.bridge !== old.embedder) this.spareEmbedder.bridge.terminate();
          this.spareEmbedder = { bridge: old.embedder, settings: old.settings };
        }
      }
      if (this.spareEmbedder?.bridge === embedder) this.spareEmbedder = null;
      this.lastIngest = report;
      this.lastQuery = null;
      this.lastEvaluation = null;
      this.status = 'ready';
      this.progress = null;
      this.changed();
      window.dispatchEvent(new CustomEvent('ragtab-ingested', { detail: report }));
      return report;
    } catch (e) {
      const c = created as WorkerBridge<EmbedderApi> | null;
      if (c && c !== this.active?.embedder && c !== this.spareEmbedder?.bridge) c.terminate();
      this.settle();
      if (signal.aborted) {
        this.warn('Ingestion cancelled: the previous index (if any) is still in use; vectors committed so far are kept, and the next ingestion of this configuration resumes from them.');
        this.changed();
        window.dispatchEvent(new CustomEvent('ragtab-cancelled'));
        return null;
      }
      this.fail(e);
      return null;
    } finally {
      this.abort = null;
    }
  }

  private queryText(text: string, settings: Settings): string {
    return (embeddingModelInfo(settings.model.id)?.queryPrefix ?? '') + text;
  }

  /** Reloads the active embedder if its worker was terminated (by a cancel) since ingestion. */
  private async ensureActiveEmbedder(): Promise<void> {
    const a = this.active;
    if (!a || (a.embedder.running && a.embedder.generation === a.embedderGen)) return;
    this.setProgress({ phase: 'reload', label: `Reloading ${a.settings.model.id}`, done: 0, total: 0, unit: '', startedAt: performance.now() });
    await a.embedder.call('reload model', (api) => api.load(resolveModel(a.settings.model), loadOptions(a.settings)));
    a.embedderGen = a.embedder.generation;
    this.progress = null;
  }

  /** Embeds texts with the active embedder (as documents: no query prefix). For tests and the CLI. */
  async embedTexts(texts: string[]): Promise<{ vectors: Float32Array; dims: number; device: string }> {
    const a = this.active;
    if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet: no embedder is loaded.');
    await this.ensureActiveEmbedder();
    const r = await a.embedder.call('embed texts', (api) => api.embed(texts));
    return { vectors: r.value.vectors, dims: r.value.dims, device: a.report.embedder.device };
  }

  /**
   * Runs every corpus query that has judgments through embed query → search (one warm-up query
   * first, excluded from the figures), ranks documents by their best chunk, and computes nDCG@10,
   * recall@10/100 and MRR@10 beside the stage latencies.
   */
  async evaluate(): Promise<EvaluationReport | null> {
    const a = this.active;
    const abort = new AbortController();
    try {
      if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet: ingest a corpus first.');
      if (this.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
      const judged = a.corpus.queries.filter((q) => a.corpus.qrels.has(q.id));
      if (judged.length === 0) throw new RagtabError('InvalidArgument', `The corpus "${a.corpus.name}" has no judged queries, so its retrieval quality cannot be measured.`);
      this.abort = abort;
      this.status = 'querying';
      this.error = null;
      this.changed();
      await this.ensureActiveEmbedder();
      const kind = a.settings.indexKinds[0] as IndexKind;
      const depth = Math.min(a.chunks.length, a.settings.chunking.mode === 'document' ? 100 : 500);
      const t0 = performance.now();
      const run = new Map<string, string[]>();
      const embedRt: number[] = [];
      const embedW: number[] = [];
      const searchRt: number[] = [];
      const searchW: number[] = [];
      const warmups = 1;
      const startedAt = performance.now();
      for (let i = -warmups; i < judged.length; i++) {
        // Cancel is checked between queries: terminating the index worker would lose the index.
        if (abort.signal.aborted) throw new RagtabError('Cancelled', 'Evaluation cancelled.');
        const q = judged[Math.max(0, i)]!;
        const e = await a.embedder.call('embed query', (api) => api.embed([this.queryText(q.text, a.settings)]));
        const s = await a.index.call('search', (api) => api.search(e.value.vectors, depth, kind));
        if (i < 0) continue;
        embedRt.push(e.roundTripMs);
        embedW.push(e.value.workerMs);
        searchRt.push(s.roundTripMs);
        searchW.push(s.value.workerMs);
        const byIndex = s.value.hits.map((h) => ({ docId: a.chunks[h.index]!.docId, score: h.score }));
        run.set(q.id, rankDocuments(byIndex));
        this.setProgress({ phase: 'check', label: 'Evaluating the corpus queries', done: i + 1, total: judged.length, unit: 'queries', startedAt });
      }
      const report: EvaluationReport = {
        queries: judged.length,
        depth,
        kind,
        quality: evaluateRun(run, a.corpus.qrels),
        latency: [
          { stage: 'embed query', roundTrip: summarize(embedRt), inWorker: summarize(embedW) },
          { stage: 'search', roundTrip: summarize(searchRt), inWorker: summarize(searchW) },
        ],
        warmups,
        totalMs: performance.now() - t0,
      };
      this.lastEvaluation = report;
      this.status = 'ready';
      this.progress = null;
      this.changed();
      window.dispatchEvent(new CustomEvent('ragtab-evaluated', { detail: report }));
      return report;
    } catch (err) {
      this.status = this.active ? 'ready' : 'idle';
      this.progress = null;
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

  /** Runs a question through the retrieval stages: embed query → search → format context. */
  async query(question: string, opts: { k?: number; kind?: IndexKind; generate?: boolean } = {}): Promise<QueryResult | null> {
    const a = this.active;
    try {
      if (!a) throw new RagtabError('IndexEmpty', 'Nothing is ingested yet: ingest a corpus first.');
      if (this.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
      const text = question.trim();
      if (!text) throw new RagtabError('EmptyQuery', 'The question is empty: type a question or pick one of the corpus queries.');
      this.status = 'querying';
      this.error = null;
      this.changed();
      await this.ensureActiveEmbedder();
      const k = Math.max(1, Math.min(opts.k ?? a.settings.k, a.chunks.length));
      const kind = opts.kind ?? (a.settings.indexKinds[0] as IndexKind);
      const stages: StageTiming[] = [];
      const t0 = performance.now();

      const e = await a.embedder.call('embed query', (api) => api.embed([this.queryText(text, a.settings)]));
      mark('embed-query', e.start);
      stages.push({ name: 'embed query', ms: e.roundTripMs, workerMs: e.value.workerMs, extra: { tokens: e.value.tokens } });
      const qv = e.value.vectors;
      if (qv.every((x) => x === 0)) {
        this.warnings = [`No token of "${text.slice(0, 60)}" is known to the model: its vector is zero, so every score is 0.`];
      }

      const s = await a.index.call('search', (api) => api.search(qv.slice(), k, kind));
      mark('search', s.start);
      stages.push({ name: 'search', ms: s.roundTripMs, workerMs: s.value.workerMs, extra: { kind, k, vectors: a.chunks.length } });

      const f0 = performance.now();
      const byId = new Map(a.chunks.map((c) => [c.id, c] as const));
      const hits: RetrievedChunk[] = s.value.hits.map((h: SearchHit, r: number) => {
        const c = byId.get(h.id) as Chunk;
        return { rank: r + 1, id: c.id, docId: c.docId, title: a.titles.get(c.docId) ?? '', text: c.text, start: c.start, end: c.end, score: h.score };
      });
      const context = formatContext(
        hits.map((h) => ({ rank: h.rank, chunk: { id: h.id, docId: h.docId, text: h.text }, title: h.title, score: h.score })),
        a.settings.contextChars,
      );
      const f1 = performance.now();
      mark('format-context', f0, f1);
      stages.push({ name: 'format context', ms: f1 - f0, extra: { chars: context.text.length, chunks: context.used } });
      const totalMs = performance.now() - t0;

      let compare: QueryResult['compare'] = null;
      const other = a.settings.indexKinds.find((x) => x !== kind);
      if (other) {
        const o = await a.index.call('search other', (api) => api.search(qv, k, other));
        const exactIds = new Set((kind === 'exact' ? s.value.hits : o.value.hits).map((h) => h.id));
        const approx = kind === 'exact' ? o.value.hits : s.value.hits;
        compare = { kind: other, ids: o.value.hits.map((h) => h.id), recallAgainstExact: approx.filter((h) => exactIds.has(h.id)).length / Math.max(1, exactIds.size) };
      }
      const result: QueryResult = { question: text, k, kind, stages, hits, compare, context, generation: null, generationError: null, totalMs };
      this.lastQuery = result;
      if (opts.generate !== false && this.generator.ready) {
        this.status = 'generating';
        this.streaming = { text: '', tokens: 0 };
        this.changed();
        try {
          const g = await this.generator.answer(
            text,
            hits.map((h) => ({ id: h.id, text: h.text, title: h.title })),
            (a, soFar) => {
              this.streaming = { text: soFar, tokens: a.index + 1 };
              this.changed();
            },
          );
          const f = g.figures;
          stages.push({ name: 'build prompt', ms: g.promptMs, extra: { promptTokens: g.prompt.tokens, countedBy: g.prompt.countedBy, counts: g.prompt.counts, chunks: g.prompt.included.length, dropped: g.prompt.dropped.length, layout: g.prompt.layout } });
          mark('build-prompt', g.tRequest - g.promptMs, g.tRequest);
          if (f.ttftMs !== null) {
            stages.push({ name: 'time to first token', ms: f.ttftMs, ...(g.engine?.ttftMs != null ? { workerMs: g.engine.ttftMs } : {}), extra: { promptTokens: g.promptTokens, ...(f.prefillTokensPerS !== null ? { prefillTokensPerSecond: f.prefillTokensPerS } : {}) } });
            mark('ttft', g.tRequest, g.tRequest + f.ttftMs);
          }
          if (g.arrivals.length > 1) {
            const first = g.arrivals[0]!;
            const last = g.arrivals[g.arrivals.length - 1]!;
            stages.push({ name: 'decode', ms: last - first, extra: { tokens: g.arrivals.length, ...(f.decodeTokensPerS !== null ? { tokensPerSecond: f.decodeTokensPerS } : {}), ...(g.engine?.decodeTokensPerS != null ? { engineTokensPerSecond: g.engine.decodeTokensPerS } : {}) } });
            mark('decode', first, last);
          }
          result.generation = g;
          result.totalMs = performance.now() - t0;
        } catch (ge) {
          result.generationError = errorInfo(ge);
          this.fail(ge);
        } finally {
          this.streaming = null;
        }
      }
      this.status = 'ready';
      this.changed();
      window.dispatchEvent(new CustomEvent('ragtab-query-done', { detail: result }));
      return result;
    } catch (err) {
      this.status = this.active ? 'ready' : 'idle';
      this.progress = null;
      this.fail(err);
      return null;
    }
  }
}

declare global {
  interface Window {
    /** The running session, for the end-to-end tests and the headless CLI. */
    ragtab?: RagSession;
  }
}
