/**
 * BEIR-format datasets: `corpus.jsonl` (or `.jsonl.gz`), `queries.jsonl` (or `.gz`) and
 * `qrels/<split>.tsv`, read from any source that can open a path as a byte stream: a folder
 * over HTTP (`beirHttpSource`), per-file URLs (`beirCatalogSource`), or, in tests, a local folder.
 *
 * One file (~440 lines) because it is one format: its three files, their readers and their limits.
 */
import type { CorpusNotes, Doc, Qrels, Query } from './documents';
import { RagtabError } from './errors';
import { gzipDamage, isGunzipped, MAX_RECORDS_PER_FILE, MiB, maybeGunzip, readLines, tooManyRecords } from './lines';
import { networkFailure } from './network-errors';

/** Where a dataset's files come from. `open` resolves null when the file does not exist. */
export interface BeirSource {
  /** Names the source in messages: a URL, a folder, "scifact on the Hugging Face hub". */
  describe: string;
  open(path: string): Promise<ReadableStream<Uint8Array> | null>;
}

/** Largest decompressed size of one BEIR file. */
export const DEFAULT_BEIR_MAX_BYTES = 512 * MiB;

export interface BeirProgress {
  file: string;
  /** Decompressed bytes read from `file` so far. */
  bytes: number;
  /** Records (documents, queries or judgments) read from `file` so far. */
  docs: number;
}

export interface BeirOptions {
  /** The dataset's name, used in messages. */
  name: string;
  /** Keep only the first N documents of the corpus (and stop reading there). */
  maxDocs?: number;
  maxBytes?: number;
  /** Qrels split: reads `qrels/<split>.tsv`. Default `test`. */
  split?: string;
  onProgress?: (p: BeirProgress) => void;
  signal?: AbortSignal;
}

/** What was left out, and why; all counts. */
export interface BeirSkipped {
  /** Corpus records whose id was already used (the first is kept). */
  duplicateDocs: number;
  /** Queries in queries.jsonl with no judgment in the split (BEIR evaluates only judged queries). */
  queriesWithoutQrels: number;
  /** Judgments whose query is not in queries.jsonl. */
  judgmentsForUnknownQueries: number;
  /** Judgments whose document is not in the (possibly cut) corpus. */
  judgmentsForMissingDocs: number;
  /** Queries dropped because all their judgments pointed at missing documents. */
  queriesWithoutDocs: number;
}

export interface BeirDataset {
  docs: Doc[];
  queries: Query[];
  qrels: Qrels;
  /** Judgments kept. */
  judgments: number;
  /** Whether the qrels file had a header line. */
  qrelsHeader: boolean;
  /** The corpus path actually read (`corpus.jsonl` or `corpus.jsonl.gz`). */
  corpusFile: string;
  /** True when reading stopped at `maxDocs` with more documents in the file. */
  corpusTruncated: boolean;
  /** The queries and qrels paths read. */
  queriesFile: string;
  qrelsFile: string;
  /** Records read from the files (before anything was left out). */
  read: { queries: number; judgments: number };
  skipped: BeirSkipped;
}

async function openFirst(
  src: BeirSource,
  paths: string[],
): Promise<{ path: string; stream: ReadableStream<Uint8Array> } | null> {
  for (const path of paths) {
    const stream = await src.open(path);
    if (stream) return { path, stream };
  }
  return null;
}

function missing(paths: string[], src: BeirSource, name: string): RagtabError {
  const what = paths.length > 1 ? `${paths[0]} (or ${paths.slice(1).join(', ')})` : paths[0];
  return new RagtabError('BeirMissingFile', `BEIR dataset "${name}": ${what} is missing from ${src.describe}`);
}

/** Wraps errors that are not ours (a dropped connection mid-file) so they name the file. */
function readFailure(e: unknown, path: string, src: BeirSource): unknown {
  if (e instanceof RagtabError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new RagtabError('FetchFailed', `${path} from ${src.describe}: reading failed (${why})`, { cause: e });
}

function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

type Rec = Record<string, unknown>;

/** Reads a JSONL file, calling `each` per record; stops early when `each` returns false. */
async function eachRecord(
  stream: ReadableStream<Uint8Array>,
  path: string,
  opts: BeirOptions,
  each: (rec: Rec, where: string) => boolean,
): Promise<void> {
  const maxBytes = opts.maxBytes ?? DEFAULT_BEIR_MAX_BYTES;
  let count = 0;
  let lastReport = 0;
  let lastBytes = 0;
  const unzipped = await maybeGunzip(stream, path);
  const lines = readLines(unzipped, { fileName: path, maxBytes, signal: opts.signal });
  for await (const { line, lineNo, bytes } of lines) {
    lastBytes = bytes;
    if (line.trim() === '') continue;
    const where = `${path} line ${lineNo}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      // In a gzip file, damaged compressed data shows as a garbled line before the gzip check fails.
      if (isGunzipped(unzipped)) {
        const damage = await gzipDamage(lines, path, lineNo);
        if (damage) throw damage;
      }
      throw new RagtabError(
        'MalformedJsonl',
        `${where}: not valid JSON (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      throw new RagtabError('MalformedJsonl', `${where}: expected a JSON object, got ${JSON.stringify(rec).slice(0, 40)}`);
    }
    if (++count > MAX_RECORDS_PER_FILE) throw tooManyRecords(path, 'records');
    if (opts.onProgress && bytes - lastReport >= 256 * 1024) {
      lastReport = bytes;
      opts.onProgress({ file: path, bytes, docs: count });
    }
    if (each(rec as Rec, where) === false) {
      opts.onProgress?.({ file: path, bytes, docs: count });
      return;
    }
  }
  opts.onProgress?.({ file: path, bytes: lastBytes, docs: count });
}

function requireString(rec: Rec, key: string, where: string): string {
  const v = rec[key];
  if (typeof v !== 'string') {
    const got = v === undefined ? 'it is missing' : `got ${v === null ? 'null' : typeof v}`;
    throw new RagtabError('MalformedJsonl', `${where}: field "${key}" must be a string (${got})`);
  }
  return v;
}

function requireId(rec: Rec, where: string): string {
  const id = idOf(rec['_id']);
  if (id === null) throw new RagtabError('MalformedJsonl', `${where}: field "_id" is missing or empty`);
  return id;
}

/** Parses a qrels TSV (`query-id corpus-id score`, header optional) into judgments. */
async function readQrels(
  stream: ReadableStream<Uint8Array>,
  path: string,
  opts: BeirOptions,
): Promise<{ qrels: Qrels; header: boolean; judgments: number }> {
  const qrels: Qrels = new Map();
  let header = false;
  let judgments = 0;
  let first = true;
  for await (const { line, lineNo, bytes } of readLines(await maybeGunzip(stream, path), {
    fileName: path,
    maxBytes: opts.maxBytes ?? DEFAULT_BEIR_MAX_BYTES,
    signal: opts.signal,
  })) {
    if (line.trim() === '') continue;
    let f = line.split('\t');
    if (f.length < 3) f = line.trim().split(/\s+/);
    const isFirst = first;
    first = false;
    if (f.length !== 3) {
      throw new RagtabError(
        'MalformedTsv',
        `${path} line ${lineNo}: expected 3 tab-separated fields (query-id, corpus-id, score), got ${f.length}`,
      );
    }
    const [q, d, s] = f.map((x) => x.trim()) as [string, string, string];
    const score = s === '' ? NaN : Number(s);
    if (!Number.isFinite(score)) {
      // A header is allowed on the first line only (msmarco-5k's qrels have none).
      if (isFirst) {
        header = true;
        continue;
      }
      throw new RagtabError('MalformedTsv', `${path} line ${lineNo}: score "${s}" is not a number`);
    }
    if (q === '' || d === '') {
      throw new RagtabError('MalformedTsv', `${path} line ${lineNo}: empty ${q === '' ? 'query-id' : 'corpus-id'}`);
    }
    let m = qrels.get(q);
    if (!m) qrels.set(q, (m = new Map()));
    if (!m.has(d) && ++judgments > MAX_RECORDS_PER_FILE) throw tooManyRecords(path, 'judgments');
    m.set(d, score);
    if (opts.onProgress && judgments % 10000 === 0) opts.onProgress({ file: path, bytes, docs: judgments });
  }
  return { qrels, header, judgments };
}

/**
 * Loads a BEIR dataset: the corpus (first `maxDocs` documents), the queries that have judgments
 * in `qrels/<split>.tsv`, and those judgments restricted to documents in the loaded corpus.
 * A missing file → BeirMissingFile naming the file and the source; malformed lines →
 * MalformedJsonl / MalformedTsv with file and line; an empty corpus → EmptyCorpus; more than
 * `maxBytes` in one file → FileTooLarge; a read that fails midway → FetchFailed.
 */
export async function loadBeir(src: BeirSource, opts: BeirOptions): Promise<BeirDataset> {
  const split = opts.split ?? 'test';
  const maxDocs = opts.maxDocs ?? Infinity;
  if (!(maxDocs >= 1)) {
    throw new RagtabError('InvalidArgument', `BEIR dataset "${opts.name}": maxDocs must be at least 1, got ${maxDocs}`);
  }
  const skipped: BeirSkipped = {
    duplicateDocs: 0,
    queriesWithoutQrels: 0,
    judgmentsForUnknownQueries: 0,
    judgmentsForMissingDocs: 0,
    queriesWithoutDocs: 0,
  };

  // Open all three first, so a missing file is reported before minutes of reading.
  const corpusPaths = ['corpus.jsonl', 'corpus.jsonl.gz'];
  const queryPaths = ['queries.jsonl', 'queries.jsonl.gz'];
  const qrelsPaths = [`qrels/${split}.tsv`];
  const corpus = await openFirst(src, corpusPaths);
  if (!corpus) throw missing(corpusPaths, src, opts.name);
  const queriesFile = await openFirst(src, queryPaths);
  if (!queriesFile) {
    corpus.stream.cancel().catch(() => {});
    throw missing(queryPaths, src, opts.name);
  }
  const qrelsFile = await openFirst(src, qrelsPaths);
  if (!qrelsFile) {
    corpus.stream.cancel().catch(() => {});
    queriesFile.stream.cancel().catch(() => {});
    throw missing(qrelsPaths, src, opts.name);
  }

  // Qrels first (small), then queries, then the corpus.
  let qrelsRead: Awaited<ReturnType<typeof readQrels>>;
  const allQueries: Query[] = [];
  const docs: Doc[] = [];
  const docIds = new Set<string>();
  let corpusTruncated = false;
  try {
    try {
      qrelsRead = await readQrels(qrelsFile.stream, qrelsFile.path, opts);
    } catch (e) {
      throw readFailure(e, qrelsFile.path, src);
    }
    try {
      const seen = new Set<string>();
      await eachRecord(queriesFile.stream, queriesFile.path, opts, (rec, where) => {
        const id = requireId(rec, where);
        if (seen.has(id)) return true;
        seen.add(id);
        allQueries.push({ id, text: requireString(rec, 'text', where) });
        return true;
      });
    } catch (e) {
      throw readFailure(e, queriesFile.path, src);
    }
    try {
      await eachRecord(corpus.stream, corpus.path, opts, (rec, where) => {
        if (docs.length >= maxDocs) {
          corpusTruncated = true; // one more record exists: stop reading here
          return false;
        }
        const id = requireId(rec, where);
        if (docIds.has(id)) {
          skipped.duplicateDocs++;
          return true;
        }
        const title = rec['title'] === undefined || rec['title'] === null ? '' : requireString(rec, 'title', where);
        docIds.add(id);
        docs.push({ id, title, text: requireString(rec, 'text', where) });
        return true;
      });
    } catch (e) {
      throw readFailure(e, corpus.path, src);
    }
  } finally {
    // Any stream not read to its end (an error above) is released.
    for (const f of [qrelsFile, queriesFile, corpus]) f.stream.cancel().catch(() => {});
  }

  if (docs.length === 0) {
    throw new RagtabError('EmptyCorpus', `BEIR dataset "${opts.name}": ${corpus.path} from ${src.describe} has no documents`);
  }

  // Restrict judgments to known queries and loaded documents; keep only judged queries.
  const queryIds = new Set(allQueries.map((q) => q.id));
  const qrels: Qrels = new Map();
  let judgments = 0;
  for (const [q, m] of qrelsRead.qrels) {
    if (!queryIds.has(q)) {
      skipped.judgmentsForUnknownQueries += m.size;
      continue;
    }
    const kept = new Map<string, number>();
    for (const [d, s] of m) {
      if (docIds.has(d)) kept.set(d, s);
      else skipped.judgmentsForMissingDocs++;
    }
    if (kept.size === 0) {
      skipped.queriesWithoutDocs++;
      continue;
    }
    qrels.set(q, kept);
    judgments += kept.size;
  }
  const queries = allQueries.filter((q) => qrels.has(q.id));
  skipped.queriesWithoutQrels = allQueries.filter((q) => !qrelsRead.qrels.has(q.id)).length;

  return {
    docs,
    queries,
    qrels,
    judgments,
    qrelsHeader: qrelsRead.header,
    corpusFile: corpus.path,
    corpusTruncated,
    queriesFile: queriesFile.path,
    qrelsFile: qrelsFile.path,
    read: { queries: allQueries.length, judgments: qrelsRead.judgments },
    skipped,
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * What the loader left out of a dataset and why, in words (shown with the ingest), and why its
 * judged queries cannot be evaluated when none is left. Queries without judgments in the split are
 * normal in BEIR (queries.jsonl holds every split) and are not reported.
 */
export function beirNotes(ds: Pick<BeirDataset, 'corpusFile' | 'queriesFile' | 'qrelsFile' | 'corpusTruncated' | 'read' | 'skipped' | 'qrels' | 'docs'>, maxDocs?: number): CorpusNotes {
  const k = ds.skipped;
  const warnings: string[] = [];
  const was = (n: number) => (n === 1 ? 'was' : 'were');
  if (k.duplicateDocs > 0) {
    warnings.push(`${ds.corpusFile}: ${plural(k.duplicateDocs, 'document')} reused an id already used earlier in the file and ${was(k.duplicateDocs)} skipped (the first document with each id was kept).`);
  }
  const missing = ds.corpusTruncated && maxDocs !== undefined ? `beyond the first ${maxDocs.toLocaleString('en-US')} documents loaded` : `not in ${ds.corpusFile}`;
  if (k.judgmentsForMissingDocs > 0) warnings.push(`${ds.qrelsFile}: ${plural(k.judgmentsForMissingDocs, 'judgment')} for documents ${missing} ${was(k.judgmentsForMissingDocs)} left out.`);
  if (k.judgmentsForUnknownQueries > 0) warnings.push(`${ds.qrelsFile}: ${plural(k.judgmentsForUnknownQueries, 'judgment')} for queries not in ${ds.queriesFile} ${was(k.judgmentsForUnknownQueries)} left out.`);
  if (k.queriesWithoutDocs > 0) warnings.push(`${plural(k.queriesWithoutDocs, 'judged query', 'judged queries')} ${was(k.queriesWithoutDocs)} dropped: none of ${k.queriesWithoutDocs === 1 ? 'its' : 'their'} judged documents is in the corpus.`);
  let noEvaluation: string | null = null;
  if (ds.qrels.size === 0) {
    if (ds.read.judgments === 0) noEvaluation = `${ds.qrelsFile} has no judgments, so no query can be evaluated.`;
    else {
      const why: string[] = [];
      const is = (n: number) => (n === 1 ? 'is' : 'are');
      if (k.judgmentsForMissingDocs > 0) why.push(`${k.judgmentsForMissingDocs.toLocaleString('en-US')} ${is(k.judgmentsForMissingDocs)} for documents ${missing}`);
      if (k.judgmentsForUnknownQueries > 0) why.push(`${k.judgmentsForUnknownQueries.toLocaleString('en-US')} ${is(k.judgmentsForUnknownQueries)} for queries not in ${ds.queriesFile} (${plural(ds.read.queries, 'query', 'queries')} there)`);
      noEvaluation = `No query can be evaluated: ${ds.qrelsFile} has ${plural(ds.read.judgments, 'judgment')}, but ${why.join(', and ') || 'none matches a loaded query and document'}.`;
    }
  }
  return { warnings, noEvaluation };
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

const defaultFetch: FetchFn = (input, init) => globalThis.fetch(input, init);

/** GETs a URL as a byte stream: 404/410 → null, other HTTP errors and network errors → FetchFailed. */
export async function fetchStream(
  url: string,
  fetchFn: FetchFn = defaultFetch,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array> | null> {
  let res: Response;
  try {
    res = await fetchFn(url, signal ? { signal } : undefined);
  } catch (e) {
    if (signal?.aborted) throw new RagtabError('Cancelled', `fetching ${url} was cancelled`);
    throw networkFailure(url, e);
  }
  if (res.status === 404 || res.status === 410) {
    res.body?.cancel().catch(() => {});
    return null;
  }
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw new RagtabError('FetchFailed', `HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''} for ${url}`);
  }
  if (!res.body) throw new RagtabError('FetchFailed', `empty response body for ${url}`);
  return heldBody(res);
}

/**
 * The response's body, locked at once and read through a stream that keeps the Response
 * referenced. Node's fetch (undici) cancels the unread body of a Response that was garbage
 * collected, and the body then reads as empty with no error: loadBeir opens every file first and
 * reads the corpus last, so a collection in between (likelier under load) emptied the corpus.
 */
function heldBody(res: Response): ReadableStream<Uint8Array> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await reader.read();
      if (r.done) {
        controller.close();
        void res; // the Response stays reachable until its body is read
      } else controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Joins a base URL (absolute or page-relative, with or without a trailing slash) and a path. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** A BEIR folder served over HTTP: `<baseUrl>/corpus.jsonl`, `<baseUrl>/qrels/test.tsv`, ... */
export function beirHttpSource(baseUrl: string, fetchFn: FetchFn = defaultFetch): BeirSource {
  return {
    describe: baseUrl,
    open: (path) => fetchStream(joinUrl(baseUrl, path), fetchFn),
  };
}
