/**
 * What the session's work reports: an ingestion, a query, an evaluation. The UI shows them, the
 * end-to-end tests read them from `window.ragtab`, the benchmark runner turns their stages into
 * samples of a RunRecord, and a share link summarises them.
 */
import type { BatchTiming, BuildResult, EmbedderInfo, LoadedFile } from '../../workers/api';
import type { RetrievedChunk } from '../core/context';
import type { ErrorInfo } from '../core/errors';
import type { RunQuality } from '../core/metrics';
import type { StageTiming } from '../core/stages';
import type { Summary } from '../core/stats';
import type { IndexKind } from '../core/vocabulary';
import type { GenerationReport } from './generation';

export type { Progress, StageTiming } from '../core/stages';
export type { RetrievedChunk } from '../core/context';

export interface ModelLoadReport {
  ms: number;
  workerMs: number;
  files: LoadedFile[];
  /** An equivalent model was loaded already (its worker is reused). */
  reused: boolean;
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
  modelLoad: ModelLoadReport;
  stages: StageTiming[];
  batches: BatchTiming[];
  builds: BuildResult[];
  /** voy's recall@k against the exact scan over the corpus's queries (or sampled chunks): its kind check. */
  voyRecall: { k: number; queries: number; mean: number; min: number } | null;
  /** Every kind the ingestion built or loaded: how, its size in memory and on disk, and its check. */
  kinds: KindReport[];
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

/** What a kind's check measured: search latency over probe queries and, for vector kinds, recall@k against the exact scan. */
export interface KindCheck {
  /** Probe queries timed (after one warm-up): the corpus's queries, or sampled chunks. */
  queries: number;
  k: number;
  /** The search stage's round trip and the worker's own time, per probe (ms). */
  searchMs: Summary;
  workerMs: Summary;
  /** Recall@k against the exact scan (null for bm25 and hybrid, whose lists are not approximations of it). */
  recall: { mean: number; min: number } | null;
}

export interface KindReport {
  kind: IndexKind;
  /** The kind and its settings in a few words (`hnsw M 16 efC 100 ef 64`). */
  label: string;
  /** answer: the kind queries use; compare: asked for beside it; ground truth / fused: built because another kind needs it. */
  role: 'answer' | 'compare' | 'ground truth' | 'fused';
  /** Its build (or, loaded from storage, its import: `loaded`). */
  build: BuildResult | null;
  loaded: boolean;
  /** What its build took when it was stored (a loaded kind's saved time), null otherwise. */
  storedBuildMs: number | null;
  /** Bytes of it in IndexedDB (exact: the vector blocks; int8, binary, bm25: their record); null when it is not stored (rebuilt at each load). */
  diskBytes: number | null;
  /** Bytes per vector of its codes (exact, voy: f32; int8, binary: their codes), null for the others. */
  bytesPerVector: number | null;
  check: KindCheck | null;
}

export interface QueryResult {
  question: string;
  k: number;
  kind: IndexKind;
  stages: StageTiming[];
  hits: RetrievedChunk[];
  /** The other asked kinds' answers to the same query (their ids, time, recall@k against the exact scan). */
  compare: Array<{ kind: IndexKind; ids: string[]; ms: number; recallAgainstExact: number | null }>;
  /** The answering kind's recall@k against the exact scan (vector kinds other than exact; else null). */
  recallAgainstExact: number | null;
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
  /** The kind and its settings in a few words. */
  label: string;
  quality: RunQuality;
  /** Per stage: summary of the round-trip times (ms) over the queries, after one warm-up query. */
  latency: Array<{ stage: string; roundTrip: Summary; inWorker: Summary | null }>;
  warmups: number;
  /** Each evaluated query's retrieval stages, as timed (warm-ups left out). */
  queryStages: StageTiming[][];
  totalMs: number;
}
