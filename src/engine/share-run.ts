/**
 * Share links on the page: what the app's last run shares (configuration, pins, summary), and
 * "Run on this device" for a shared configuration, through the app's own session.
 *
 * Running a shared configuration replays what produced the shared figures:
 * - a summary from a benchmark record (and a corpus this page can load itself): the benchmark
 *   runner runs the same configuration (warm-ups, iterations) and the new record is summarised;
 * - otherwise (the app's own run, or the user's files): ingest, evaluate when the sharer did and
 *   the corpus has judgments, load the LLM when the configuration has one, ask the same questions.
 * The corpus is checked against the shared hashes (files before anything runs, the corpus content
 * after loading it); a GGUF pinned by SHA-256 is checked once loaded.
 */
import { GGUF_CACHE } from '../core/cache-names';
import type { BenchConfig } from '../core/bench-config';
import { RagtabError, errorInfo } from '../core/errors';
import { sha256Hex } from '../core/documents';
import type { RunRecord } from '../core/run-record';
import { configFromSettings, toSettings, type Settings } from '../core/settings';
import { shareError, type SharePayload, type SharePins, type ShareSummary, type SharedFile } from '../core/share-link';
import { checkFiles, makePins, summaryFromRecord, summaryFromSession, type FileCheck } from '../core/share-summary';
import { collectEnvironment } from './environment';
import { Runner } from './runner';
import { RETRIEVAL_SUITE } from './retrieval-suite';
import type { QueryResult, RagSession } from './session';

/** Where the wllama worker keeps GGUF files (keyed by absolute URL). */
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

/** The app's last run (ingest, evaluation, last query, loaded LLM) as a configuration, pins and summary. */
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
  const summary = summaryFromSession({
    startedAt: new Date().toISOString(),
    environment: await collectEnvironment(),
    ingest: ing,
    evaluation: session.lastEvaluation,
    queries: q ? [q] : [],
    llm: llmOn ? session.llmLoad : null,
  });
  return { config, pins, summary };
}

// ─────────────────────────────── running a shared configuration ───────────────────────────────

export interface ShareRunOptions {
  session: RagSession;
  payload: SharePayload;
  /** The user's files (a corpus of files or a BEIR folder). */
  files?: readonly File[];
  onStatus?: (message: string) => void;
}

export interface ShareRunResult {
  summary: ShareSummary;
  record: RunRecord | null;
  warnings: string[];
}

function failure(session: RagSession, what: string): Error {
  const e = session.error;
  return e ? Object.assign(new Error(e.message), { name: e.name }) : new RagtabError('Cancelled', `${what} was cancelled.`);
}

/** Runs the shared configuration on this device; rejects with a named error. */
export async function runShared(o: ShareRunOptions): Promise<ShareRunResult> {
  const { session, payload } = o;
  const status = o.onStatus ?? (() => undefined);
  if (session.busy) throw new RagtabError('InvalidArgument', 'Busy: wait for the current work to finish.');
  const config = payload.config;
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

  if (payload.summary?.source === 'record' && (pins.corpus.kind === 'demo' || pins.corpus.kind === 'beir' || pins.corpus.kind === 'hub')) {
    status(`Running the shared benchmark configuration "${config.name}" (${config.warmups} warm-up, ${config.iterations} iterations)…`);
    const runner = new Runner({ session, suite: RETRIEVAL_SUITE, client: { didFinishStage: (e) => status(`${e.step} · ${e.phase}${e.warmup ? ' (warm-up)' : ''} · ${e.done}/${e.total} steps`) } });
    const [record] = await runner.run(config);
    if (!record) throw new RagtabError('Unknown', 'The benchmark produced no record.');
    if (record.status !== 'complete') {
      const last = record.errors[record.errors.length - 1];
      throw Object.assign(new Error(last?.message ?? `The run ended ${record.status}.`), { name: last?.name ?? 'Unknown' });
    }
    return { summary: summaryFromRecord(record), record, warnings: [...record.warnings] };
  }

  const settings = toSettings(config, navigator.hardwareConcurrency);
  if (pins.corpus.kind === 'files') settings.corpus = { kind: 'files' };
  if (pins.corpus.kind === 'folder') settings.corpus = { kind: 'beir-folder', maxDocs: null };
  const startedAt = new Date().toISOString();
  status('Ingesting the corpus…');
  const ingest = await session.ingest(settings, files);
  if (!ingest) throw failure(session, 'Ingestion');
  const expected = pins.corpus.hash ?? config.corpus.hash;
  if (expected && ingest.corpusHash !== expected) {
    const msg = `The corpus loaded here hashes to ${ingest.corpusHash.slice(0, 12)}…, the shared one to ${expected.slice(0, 12)}…: it is not the same content`;
    if (pins.corpus.kind === 'files' || pins.corpus.kind === 'folder') throw shareError('CorpusMismatch', `${msg}.`);
    warnings.push(`${msg}, so the figures compare different corpora.`);
  }
  const a = session.active;
  let evaluation = null;
  if ((payload.summary?.quality || config.quality) && a && a.corpus.qrels.size > 0) {
    status('Evaluating the judged queries…');
    evaluation = await session.evaluate();
    if (!evaluation) throw failure(session, 'Evaluation');
  }
  const wantsLlm = config.llm.engine !== 'none' && config.llm.model !== null;
  let llm = null;
  if (wantsLlm) {
    status(`Loading ${config.llm.model}…`);
    llm = await session.loadLlm(settings.llm);
    if (!llm) throw failure(session, 'Loading the LLM');
    if (pins.llm?.sha256) {
      const sha = await cachedGgufSha256(settings.llm.model);
      if (sha === null) warnings.push('The GGUF file could not be hashed here, so it is not checked against the shared SHA-256.');
      else if (sha !== pins.llm.sha256) warnings.push(`The GGUF file differs from the shared one (SHA-256 ${sha.slice(0, 12)}…, shared ${pins.llm.sha256.slice(0, 12)}…).`);
    }
  }
  const questions =
    config.queries.from === 'list'
      ? config.queries.list.slice(0, 5)
      : (payload.summary?.questions.length ? payload.summary.questions : (a?.corpus.queries ?? []).slice(0, 1).map((q) => q.text)).slice(0, 5);
  const results: QueryResult[] = [];
  for (const [i, question] of questions.entries()) {
    status(`Asking ${i + 1}/${questions.length}: ${question.slice(0, 80)}`);
    const r = await session.query(question, { generate: wantsLlm });
    if (!r) throw failure(session, 'The query');
    if (r.generationError) throw Object.assign(new Error(r.generationError.message), { name: r.generationError.name });
    results.push(r);
  }
  let environment;
  try {
    environment = await collectEnvironment();
  } catch (e) {
    throw new RagtabError('Unknown', `Could not describe this device: ${errorInfo(e).message}`);
  }
  const summary = summaryFromSession({ startedAt, environment, ingest, evaluation, queries: results, llm });
  return { summary, record: null, warnings };
}
