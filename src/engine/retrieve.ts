/**
 * Retrieval, once: embed query → search → format context, as a list of stages. The app's query,
 * the evaluation of judged queries, the benchmark's concurrency mode and ingestion's kind check all
 * call `retrieve()`. It takes the query's text and, when the caller has one already (the kind check
 * embeds its probes in one batch), its vector. The search gets what its kind reads: the vector
 * (exact, voy, int8, binary, hnsw), the text (bm25), or both (hybrid); a kind that reads no vector
 * (bm25) embeds no query.
 */
import type { EmbedderApi, IndexApi, SearchHit } from '../../workers/api';
import { contextHits, formatContext, type FormattedContext, type RetrievedChunk } from '../core/context';
import { STAGE, type StageTiming } from '../core/stages';
import { embeddingModelInfo } from '../core/models';
import type { Settings } from '../core/settings';
import type { IndexKind } from '../core/vocabulary';
import { needsText, needsVector, type RetrieveOptions } from '../core/index-kinds';
import type { WorkerBridge } from './bridge';
import { runStages, type Stage } from './stages';

export type { RetrievedChunk } from '../core/context';

/** The chunk fields retrieval reads. */
export interface ChunkLike {
  readonly id: string;
  readonly docId: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** An ingested corpus as retrieval sees it: its workers, its chunks in index order, its titles. */
export interface RetrievalSource {
  readonly embedder: Pick<WorkerBridge<EmbedderApi>, 'call'>;
  readonly index: Pick<WorkerBridge<IndexApi>, 'call'>;
  /** Chunk i is vector i of the index. */
  readonly chunks: ReadonlyArray<ChunkLike>;
  readonly titles: ReadonlyMap<string, string>;
  /** Prepended to query texts, as the model card asks (not to documents). */
  readonly queryPrefix: string;
  /** Character budget of the formatted context. */
  readonly contextChars: number;
}

/**
 * An ingestion's workers, chunks and titles as a retrieval source (the query prefix from the model
 * card). Given the generations of the workers that hold the ingestion's model and index (the
 * session's `embedderGen`, `indexGen`), its calls are pinned to those workers: a worker lost after
 * the caller checked it fails the call with WorkerCrashed, rather than a fresh worker answering
 * without the model or with an empty index.
 */
export function retrievalSource(a: {
  embedder: RetrievalSource['embedder'] & Partial<Pick<WorkerBridge<EmbedderApi>, 'pinned'>>;
  index: RetrievalSource['index'] & Partial<Pick<WorkerBridge<IndexApi>, 'pinned'>>;
  embedderGen?: number;
  indexGen?: number;
  chunks: RetrievalSource['chunks'];
  titles: RetrievalSource['titles'];
  settings: Pick<Settings, 'model' | 'contextChars'>;
}): RetrievalSource {
  return {
    embedder: a.embedder.pinned && a.embedderGen !== undefined ? a.embedder.pinned(a.embedderGen) : a.embedder,
    index: a.index.pinned && a.indexGen !== undefined ? a.index.pinned(a.indexGen) : a.index,
    chunks: a.chunks,
    titles: a.titles,
    queryPrefix: embeddingModelInfo(a.settings.model.id)?.queryPrefix ?? '',
    contextChars: a.settings.contextChars,
  };
}

export interface RetrieveRequest {
  text: string;
  /** The query's vector, when it is embedded already: the embed query stage is then skipped. */
  vector?: Float32Array;
  k: number;
  kind: IndexKind;
  /** The kind's search options (rescoring depth, ef, fused depth...): `retrieveOptionsOf`. */
  options?: RetrieveOptions;
  /** Run the format context stage (default true). */
  context?: boolean;
  signal?: AbortSignal;
}

export interface Retrieval {
  text: string;
  kind: IndexKind;
  k: number;
  /** The query's vector; null when the kind reads none (bm25) and none was given. */
  vector: Float32Array | null;
  /** The index's own hits (positions and scores). */
  searchHits: SearchHit[];
  hits: RetrievedChunk[];
  context: FormattedContext | null;
  /** The stages that ran, timed. */
  stages: StageTiming[];
}

interface Run {
  source: RetrievalSource;
  req: RetrieveRequest;
  vector: Float32Array | null;
  searchHits: SearchHit[];
  hits: RetrievedChunk[];
  context: FormattedContext | null;
}

const byIdCache = new WeakMap<object, Map<string, ChunkLike>>();

/** The chunk a hit names: by its position in the index, checked by id (else looked up by id). */
function chunkOf(source: RetrievalSource, h: SearchHit): ChunkLike | undefined {
  const c = source.chunks[h.index];
  if (c?.id === h.id) return c;
  let byId = byIdCache.get(source.chunks);
  if (!byId) byIdCache.set(source.chunks, (byId = new Map(source.chunks.map((x) => [x.id, x] as const))));
  return byId.get(h.id);
}

export const RETRIEVAL_STAGES: readonly Stage<Run>[] = Object.freeze([
  {
    name: STAGE.embedQuery,
    unit: 'ms',
    enabled: (r: Run) => r.vector === null && needsVector(r.req.kind),
    run: async (r: Run) => {
      const e = await r.source.embedder.call('embed query', (api) => api.embed([r.source.queryPrefix + r.req.text]), r.req.signal);
      r.vector = e.value.vectors;
      return { workerMs: e.value.workerMs, extra: { tokens: e.value.tokens } };
    },
  },
  {
    name: STAGE.search,
    unit: 'ms',
    run: async (r: Run) => {
      const { k, kind } = r.req;
      const request = {
        kind,
        k,
        ...(needsVector(kind) && r.vector ? { vector: r.vector } : {}),
        ...(needsText(kind) ? { text: r.req.text } : {}),
        ...(r.req.options ? { options: r.req.options } : {}),
      };
      const s = await r.source.index.call('search', (api) => api.retrieve(request), r.req.signal);
      r.searchHits = s.value.hits;
      r.hits = s.value.hits.flatMap((h, i) => {
        const c = chunkOf(r.source, h);
        return c ? [{ rank: i + 1, id: c.id, docId: c.docId, title: r.source.titles.get(c.docId) ?? '', text: c.text, start: c.start, end: c.end, score: h.score }] : [];
      });
      const v = s.value;
      return {
        workerMs: v.workerMs,
        extra: {
          kind,
          k,
          vectors: r.source.chunks.length,
          ...(v.rescored !== undefined ? { rescored: v.rescored } : {}),
          ...(v.ef !== undefined ? { ef: v.ef } : {}),
          ...(v.fusedDepth !== undefined ? { fusedDepth: v.fusedDepth } : {}),
        },
      };
    },
  },
  {
    name: STAGE.formatContext,
    unit: 'ms',
    enabled: (r: Run) => r.req.context !== false,
    run: async (r: Run) => {
      r.context = formatContext(contextHits(r.hits), r.source.contextChars);
      return { extra: { chars: r.context.text.length, chunks: r.context.used } };
    },
  },
]);

/** Runs a query through the retrieval stages. */
export async function retrieve(source: RetrievalSource, req: RetrieveRequest): Promise<Retrieval> {
  const run: Run = { source, req, vector: req.vector ?? null, searchHits: [], hits: [], context: null };
  const stages = await runStages(RETRIEVAL_STAGES, run, req.signal ? { signal: req.signal } : {});
  return { text: req.text, kind: req.kind, k: req.k, vector: run.vector, searchHits: run.searchHits, hits: run.hits, context: run.context, stages };
}
