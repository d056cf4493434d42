/**
 * Share links on the page: what the app's last run shares (configuration, pins, summary), and
 * "Run on this device" for a shared configuration, through the app's own session.
 *
 * Sharing the app's run shares its record (src/engine/session-record.ts). Running a shared
 * configuration goes through the benchmark runner, like any run, and its record is summarised:
 * - a benchmark record's configuration runs as it is (warm-ups, iterations);
 * - the app's own run (or the user's files) is replayed as it ran: ingest, evaluate when the sharer
 *   did, load the LLM when the configuration has one, ask the same questions (at most 5).
 * The corpus is checked against the shared hashes (files before anything runs, the corpus content
 * after loading it); a GGUF pinned by SHA-256 is checked once loaded.
 */
import { GGUF_CACHE } from '../core/cache-names';
import { applySets, type BenchConfig } from '../core/bench-config';
import { linkRunConcerns, runCost, stepStatus, type RunCost } from '../core/run-cost';
import { RagtabError } from '../core/errors';
import { sha256Hex } from '../core/documents';
import type { RunRecord } from '../core/run-record';
import { configFromSettings, type Settings } from '../core/settings';
import { shareError, type SharePayload, type SharePins, type ShareSummary, type SharedFile } from '../core/share-link';
import { checkFiles, makePins, summaryFromRecord, type FileCheck } from '../core/share-summary';
import { collectEnvironment } from './environment';
import { Runner } from './runner';
import { RETRIEVAL_SUITE } from './retrieval-suite';
import type { RagSession } from './session';
import { recordFromSession } from './session-record';
import { CALIBRATION_WORKLOAD, measureCalibration } from './roofs';

/** Files larger than this are not hashed on the page (the digest needs the whole file in memory). */
const MAX_HASHED_BYTES = 1 << 30;

/** SHA-256 of a GGUF file in the browser's cache, or null when it is not cached (or too large to hash here). */
export async function cachedGgufSha256(url: string): Promise<string | null> {
  try {
    if (typeof caches === 'undefined') return null;
    const abs = new URL(url, document.baseURI).href;
    const hit = await (await caches.open(GGUF_CACHE)).match(abs);
    if (!hit) return null;
    const size = Number(hit.headers.get('x-ragtab-bytes') ?? hit.headers.get('content-length') ?? NaN);
    if (Number.isFinite(size) && size > MAX_HASHED_BYTES) return null;
    return await sha256Hex(await hit.arrayBuffer());
  } catch {
    return null;
  }
}

/** Name, size and SHA-256 of picked files. */
export async function describeFiles(files: readonly File[]): Promise<SharedFile[]> {
  const out: SharedFile[] = [];
  for (const f of files) out.push({ name: f.name, bytes: f.size, sha256: await sha256Hex(await f.arrayBuffer()) });
  return out;
}

export async function checkPickedFiles(expected: readonly SharedFile[], files: readonly File[]): Promise<FileCheck> {
  return checkFiles(expected, await describeFiles(files));
}

// ─────────────────────────────── sharing the app's run ───────────────────────────────

export interface SessionShare {
  config: BenchConfig;
  pins: SharePins;
  summary: ShareSummary;
}

function corpusKind(s: Settings, source: { kind: string }): SharePins['corpus']['kind'] {
  if (source.kind === 'files') return 'files';
  switch (s.corpus.kind) {
    case 'beir-url':
      return 'beir';
    case 'beir-catalog':
      return 'hub';
    case 'beir-folder':
      return 'folder';
    default:
      return 'demo';
  }
}

/** The app's last run (ingest, evaluation, last query, loaded LLM) as a configuration, pins and summary of its record. */
export async function shareFromSession(session: RagSession): Promise<SessionShare> {
  const a = session.active;
  const ing = session.lastIngest;
  if (!a || !ing) throw new RagtabError('IndexEmpty', 'Nothing to share yet: ingest a corpus first.');
  const llmOn = session.llmLoad !== null && session.generator.settings !== null;
  const settings: Settings = { ...a.settings, llm: llmOn ? { ...session.generator.settings! } : { ...a.settings.llm, engine: 'none' } };
  const q = session.lastQuery;
  const config = configFromSettings(settings, { name: 'shared from the app', corpusHash: ing.corpusHash, questions: q ? [q.question] : [], quality: session.lastEvaluation !== null });
  const src = a.corpus.source;
  const kind = corpusKind(a.settings, src);
  const sha = llmOn && settings.llm.engine === 'wllama' ? await cachedGgufSha256(settings.llm.model) : null;
  const pins = makePins(config, {
    corpusKind: kind,
    corpusName: ing.corpusName,
    corpusHash: ing.corpusHash,
    docs: ing.docs,
    files: src.kind === 'files' ? src.files : [],
    llmSha256: sha,
    llmVariant: session.llmLoad?.info.variant ?? null,
    deps: { ...__RAGTAB_DEPS__ },
  });
  const limits = session.deviceLimits;
  const record = recordFromSession({
    config,
    startedAt: new Date().toISOString(),
    environment: await collectEnvironment(),
    ingest: ing,
    evaluation: session.lastEvaluation,
    evaluations: session.lastEvaluations,
    query: q,
    llm: llmOn ? session.llmLoad : null,
    ...(limits
      ? {
          roofs: limits.roofs,
          calibration: { workload: CALIBRATION_WORKLOAD, between: "at the session's first ingestion and when this record was made", beforeMs: limits.calibrationBeforeMs, afterMs: await measureCalibration() },
        }
      : {}),
  });
  return { config, pins, summary: summaryFromRecord(record) };
}

// ─────────────────────────────── running a shared configuration ───────────────────────────────

export interface ShareRunOptions {
  session: RagSession;
  payload: SharePayload;
  /** The user's files (a corpus of files or a BEIR folder). */
  files?: readonly File[];
  onStatus?: (message: string) => void;
  /** Aborting it cancels the run at the next step (and an ingestion in progress); runShared then rejects with `Cancelled`. */
  signal?: AbortSignal;
}

export interface ShareRunResult {
  summary: ShareSummary;
  record: RunRecord | null;
  warnings: string[];
}

/**
 * The configuration a share link runs here. A benchmark record's configuration runs as it is (the
 * runner checks the corpus hash). The app's own run is replayed as it ran: the same questions (at
 * most 5), the evaluation when the sharer ran one; the corpus is checked after ingesting (a corpus
 * of files or a folder must match).
 */
export function sharedRunConfig(payload: SharePayload): { config: BenchConfig; fromBenchmark: boolean } {
  const pins = payload.pins;
  const fromBenchmark = payload.summary?.source === 'record' && (pins.corpus.kind === 'demo' || pins.corpus.kind === 'beir' || pins.corpus.kind === 'hub');
  let config = payload.config;
  if (!fromBenchmark) {
    config = applySets(config, [
      'corpus.hash=null',
      `queries.count=${Math.min(config.queries.count, 5)}`,
      ...(payload.summary?.quality ? ['quality=true'] : []),
      ...(config.queries.from === 'corpus' && !payload.summary?.questions.length ? ['queries.count=1'] : []),
      ...(config.queries.from === 'corpus' && payload.summary?.questions.length ? [`queries.from=list`, `queries.list=${JSON.stringify(payload.summary.questions.slice(0, 5))}`, `queries.count=${Math.min(5, payload.summary.questions.length)}`] : []),
    ]);
  }
  return { config, fromBenchmark };
}

/** What running a share link here will cost (cells, steps, queries, deletions), before it starts. */
export function sharedRunCost(payload: SharePayload): RunCost & { concerns: string[] } {
  const { config } = sharedRunConfig(payload);
  const cost = runCost(config, RETRIEVAL_SUITE);
  // the sharer's own wall time, as their record says (a claim of the link, not measured here)
  const r = payload.record;
  const theirs = r?.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : NaN;
  return { ...cost, ...(Number.isFinite(theirs) && theirs >= 0 ? { theirMs: theirs } : {}), concerns: linkRunConcerns(config, cost) };
}

/**
 * Runs the shared configuration on this device through the benchmark runner (one record, like any
 * run), then summarises that record; rejects with a named error.
 */
export async function runShared(o: ShareRunOptions): Promise<ShareRunResult> {
  const { session, payload } = o;
  const status = o.onStatus ?? (() => undefined);
  if (session.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
  const pins = payload.pins;
  const warnings: string[] = [];
  let files = [...(o.files ?? [])];
  if (pins.corpus.kind === 'files') {
    status('Checking your files against the shared hashes…');
    const check = await checkPickedFiles(pins.corpus.files, files);
    if (!check.ok) throw shareError('CorpusMismatch', check.message ?? 'The files do not match the shared corpus.');
    files = check.order.map((i) => files[i]!);
  }
  if (pins.corpus.kind === 'folder' && files.length === 0) throw new RagtabError('EmptyCorpus', 'Pick the BEIR folder this run used.');

  const { config, fromBenchmark } = sharedRunConfig(payload);
  const expected = pins.corpus.hash ?? payload.config.corpus.hash;
  const corpus = pins.corpus.kind === 'files' ? { choice: { kind: 'files' as const }, files } : pins.corpus.kind === 'folder' ? { choice: { kind: 'beir-folder' as const, maxDocs: null }, files } : undefined;
  status(`Running the shared configuration "${config.name}" (${config.warmups} warm-up, ${config.iterations} iteration${config.iterations === 1 ? '' : 's'})…`);
  const cancelled = () => new RagtabError('Cancelled', 'You cancelled the run; its partial record was discarded.');
  if (o.signal?.aborted) throw cancelled();
  let cell = { index: 0, of: 1 };
  let started = performance.now();
  const runner = new Runner({
    session,
    suite: RETRIEVAL_SUITE,
    ...(corpus ? { corpus } : {}),
    client: {
      willStart: (e) => {
        cell = { index: e.cell, of: e.cells };
        started = performance.now();
        status(`Starting${e.cells > 1 ? ` cell ${e.cell + 1} of ${e.cells}` : ''}…`);
      },
      didFinishStage: (e) => status(stepStatus(e, cell, performance.now() - started)),
    },
  });
  const onAbort = () => runner.cancel();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const [record] = await runner.run(config).finally(() => o.signal?.removeEventListener('abort', onAbort));
  if (!record) throw new RagtabError('Unknown', 'The benchmark produced no record.');
  if (record.status === 'cancelled' && o.signal?.aborted) throw cancelled();
  if (record.status !== 'complete') {
    const last = record.errors[record.errors.length - 1];
    throw Object.assign(new Error(last?.message ?? `The run ended ${record.status}.`), { name: last?.name ?? 'Unknown' });
  }
  warnings.push(...record.warnings);
  const here = record.corpus?.hash;
  if (!fromBenchmark && expected && here && here !== expected) {
    const msg = `The corpus loaded here hashes to ${here.slice(0, 12)}…, the shared one to ${expected.slice(0, 12)}…: it is not the same content`;
    if (pins.corpus.kind === 'files' || pins.corpus.kind === 'folder') throw shareError('CorpusMismatch', `${msg}.`);
    warnings.push(`${msg}, so the figures compare different corpora.`);
  }
  if (pins.llm?.sha256 && record.llm?.engine === 'wllama') {
    const sha = await cachedGgufSha256(record.llm.model);
    if (sha === null) warnings.push('The GGUF file could not be hashed here, so it is not checked against the shared SHA-256.');
    else if (sha !== pins.llm.sha256) warnings.push(`The GGUF file differs from the shared one (SHA-256 ${sha.slice(0, 12)}…, shared ${pins.llm.sha256.slice(0, 12)}…).`);
  }
  return { summary: summaryFromRecord(record), record, warnings };
}

