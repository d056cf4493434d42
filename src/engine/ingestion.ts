/**
 * One ingestion's state (`Ingestion`), shared by the stages of src/engine/ingest.ts and its two
 * helpers (ingest-store.ts: the stored index; ingest-check.ts: the kinds' check and reports), and
 * what the session gives an ingestion and gets back.
 */
import type { BatchTiming, BuildResult, EmbedderApi, EmbedderInfo, IndexApi } from '../../workers/api';
import { type Chunk } from '../core/chunking';
import { RagtabError } from '../core/errors';
import { type IndexKey } from '../core/index-key';
import type { Settings } from '../core/settings';
import { type Progress, type StageTiming } from '../core/stages';
import { builtKinds, isStoredKind, kindVariant, needsText, type StoredKind } from '../core/index-kinds';
import type { IndexKind } from '../core/vocabulary';
import type { Corpus } from '../core/documents';
import type { RagtabStore } from '../storage/store';
import { WorkerBridge } from './bridge';
import { type LoadedCorpus } from './corpus-loader';
import type { IngestReport, KindCheck, ModelLoadReport } from './reports';

/** What the session gives an ingestion. */
export interface IngestHooks {
  setProgress(p: Omit<Progress, 'etaMs' | 'startedAt'> & { startedAt?: number }): void;
  warn(message: string): void;
  embedderFor(settings: Settings, signal: AbortSignal): Promise<{ bridge: WorkerBridge<EmbedderApi>; info: EmbedderInfo; load: ModelLoadReport }>;
}

export interface IngestOutcome {
  report: IngestReport;
  corpus: Corpus;
  chunks: Chunk[];
  embedder: WorkerBridge<EmbedderApi>;
  index: WorkerBridge<IndexApi>;
}

/** One ingestion's state, shared by its stages. */
export interface Ingestion {
  readonly settings: Settings;
  readonly files: File[];
  readonly signal: AbortSignal;
  readonly store: RagtabStore | null;
  readonly hooks: IngestHooks;
  readonly index: WorkerBridge<IndexApi>;
  loaded: LoadedCorpus | null;
  emb: { bridge: WorkerBridge<EmbedderApi>; info: EmbedderInfo; load: ModelLoadReport } | null;
  key: IndexKey | null;
  storedComplete: boolean;
  /**
   * The stored index read while the model loads (started by the model load stage when the index
   * is stored whole; awaited by the load and load kinds stages, which record its own timings).
   */
  storedRead: Promise<StoredRead> | null;
  chunks: Chunk[];
  batches: BatchTiming[];
  tokens: number;
  storage: IngestReport['storage'];
  /** The hash of the user's files' corpus when this ingestion stored it first (removed again if the ingestion fails). */
  storedCorpus: string | null;
  builds: BuildResult[];
  /** Kinds read from storage and imported (the load kinds stage), with the build time they saved. */
  loadedKinds: Map<IndexKind, { build: BuildResult; storedBuildMs: number; diskBytes: number }>;
  /** Stored kinds' bytes on disk (what was stored or found stored). */
  kindDisk: Map<IndexKind, number>;
  checks: Map<IndexKind, KindCheck>;
  voyRecall: IngestReport['voyRecall'];
}

/** What the read of a stored index during the model load gave: the chunks (null: damaged, set aside) and its stages' timings. */
export interface StoredRead {
  chunks: Chunk[] | null;
  load: StageTiming | null;
  kinds: StageTiming | null;
}

/** The kinds this ingestion builds (asked for, the exact scan, a hybrid's parts). */
export const kindsToBuild = (g: Ingestion): IndexKind[] => builtKinds(g.settings.indexKinds, g.settings.kindOptions);
/** Whether any built kind reads the chunk texts (bm25, hybrid): then they go to the index worker. */
export const wantsTexts = (g: Ingestion): boolean => kindsToBuild(g).some(needsText);
/** The stored kinds this ingestion wants, with their variants. */
export function storedWanted(g: Ingestion): Array<{ kind: StoredKind; variant: string }> {
  return kindsToBuild(g)
    .filter(isStoredKind)
    .map((kind) => ({ kind, variant: kindVariant(kind, g.settings.kindOptions) }));
}

export const need = <T>(x: T | null): T => {
  if (x === null) throw new RagtabError('Unknown', 'An ingestion stage ran before the stage it depends on.');
  return x;
};
export const fromStorage = (g: Ingestion) => g.storage.fromStorage;
