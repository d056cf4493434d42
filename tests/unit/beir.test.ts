import { createReadStream, existsSync, openAsBlob, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beirHttpSource, beirNotes, fetchStream, joinUrl, loadBeir, type BeirProgress, type BeirSource } from '../../src/core/beir';
import { corpusHash } from '../../src/core/documents';
import { RagtabError } from '../../src/core/errors';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = process.env['RAGTAB_SHARED'] ?? resolve(REPO, '../shared');
const DATASETS = join(SHARED, 'datasets');

/**
 * A BEIR folder on disk, as the browser would read a File: a Blob's stream. (Not Readable.toWeb: in
 * Node 20 its adapter enqueues after a cancel and throws uncaught, nodejs/node#54205.)
 */
function folderSource(dir: string): BeirSource {
  return {
    describe: dir,
    async open(path) {
      const p = join(dir, path);
      if (!existsSync(p)) return null;
      return (await openAsBlob(p)).stream() as ReadableStream<Uint8Array>;
    },
  };
}

/** An in-memory BEIR source; records which files were cancelled. */
function memorySource(files: Record<string, string | Uint8Array>, chunk = 64): BeirSource & { cancelled: string[] } {
  const cancelled: string[] = [];
  return {
    describe: 'memory://test',
    cancelled,
    async open(path) {
      const f = files[path];
      if (f === undefined) return null;
      const bytes = typeof f === 'string' ? new TextEncoder().encode(f) : f;
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (at >= bytes.length) return c.close();
          c.enqueue(bytes.slice(at, at + chunk));
          at += chunk;
        },
        cancel() {
          cancelled.push(path);
        },
      });
    },
  };
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const small = {
  'corpus.jsonl': jsonl([
    { _id: 'd1', title: 'One', text: 'first doc', metadata: {} },
    { _id: 'd2', title: '', text: 'second doc' },
    { _id: 3, text: 'third, numeric id, no title' },
    { _id: 'd1', title: 'dup', text: 'duplicate id' },
  ]),
  'queries.jsonl': jsonl([
    { _id: 'q1', text: 'query one' },
    { _id: 'q2', text: 'query two' },
    { _id: 'q3', text: 'no judgments' },
    { _id: 'q4', text: 'judged only on a missing doc' },
  ]),
  'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\t3\t1\nq4\tnope\t1\nqX\td1\t1\n',
};

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RagtabError);
    return { code: (e as RagtabError).code, message: (e as Error).message };
  }
  throw new Error('expected a failure');
}

describe('loadBeir on small in-memory datasets', () => {
  it('reads docs, keeps judged queries, restricts qrels and counts what it skipped', async () => {
    const r = await loadBeir(memorySource(small), { name: 'small' });
    expect(r.docs).toEqual([
      { id: 'd1', title: 'One', text: 'first doc' },
      { id: 'd2', title: '', text: 'second doc' },
      { id: '3', title: '', text: 'third, numeric id, no title' },
    ]);
    expect(r.queries).toEqual([
      { id: 'q1', text: 'query one' },
      { id: 'q2', text: 'query two' },
    ]);
    expect([...r.qrels].map(([q, m]) => [q, [...m]])).toEqual([
      ['q1', [['d1', 2], ['d2', 0]]],
      ['q2', [['3', 1]]],
    ]);
    expect(r.judgments).toBe(3);
    expect(r.qrelsHeader).toBe(true);
    expect(r.corpusFile).toBe('corpus.jsonl');
    expect(r.corpusTruncated).toBe(false);
    expect(r.skipped).toEqual({
      duplicateDocs: 1,
      queriesWithoutQrels: 1,
      judgmentsForUnknownQueries: 1,
      judgmentsForMissingDocs: 1,
      queriesWithoutDocs: 1,
    });
  });

  it('keeps the first maxDocs documents, stops reading there and drops their judgments', async () => {
    const src = memorySource(small, 8);
    const r = await loadBeir(src, { name: 'small', maxDocs: 1 });
    expect(r.docs.map((d) => d.id)).toEqual(['d1']);
    expect(r.corpusTruncated).toBe(true);
    expect(r.queries.map((q) => q.id)).toEqual(['q1']);
    expect([...r.qrels.get('q1')!]).toEqual([['d1', 2]]);
    expect(r.skipped.judgmentsForMissingDocs).toBe(3);
    expect(src.cancelled).toContain('corpus.jsonl');
    await expect(loadBeir(src, { name: 'small', maxDocs: 0 })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('reads a gzip corpus and gzip queries (made with CompressionStream)', async () => {
    const gz = async (s: string) =>
      new Uint8Array(
        await new Response(new Blob([s]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
      );
    const src = memorySource({
      'corpus.jsonl.gz': await gz(small['corpus.jsonl']),
      'queries.jsonl.gz': await gz(small['queries.jsonl']),
      'qrels/test.tsv': small['qrels/test.tsv'],
    });
    const r = await loadBeir(src, { name: 'gz' });
    expect(r.corpusFile).toBe('corpus.jsonl.gz');
    expect(r.docs).toHaveLength(3);
    expect(r.queries).toHaveLength(2);
  });

  it('reads another split, a qrels file without header, and reports progress', async () => {
    const progress: BeirProgress[] = [];
    const r = await loadBeir(memorySource({ ...small, 'qrels/dev.tsv': 'q3\td2\t1\n' }), {
      name: 'small',
      split: 'dev',
      onProgress: (p) => progress.push(p),
    });
    expect(r.qrelsHeader).toBe(false);
    expect(r.queries).toEqual([{ id: 'q3', text: 'no judgments' }]);
    expect(progress.at(-1)).toEqual({ file: 'corpus.jsonl', bytes: small['corpus.jsonl'].length, docs: 4 });
    expect(progress.some((p) => p.file === 'queries.jsonl' && p.docs === 4)).toBe(true);
  });

  it('names a missing file and the source', async () => {
    const { 'corpus.jsonl': _c, ...noCorpus } = small;
    expect(await failure(loadBeir(memorySource(noCorpus), { name: 'small' }))).toEqual({
      code: 'BeirMissingFile',
      message: 'BEIR dataset "small": corpus.jsonl (or corpus.jsonl.gz) is missing from memory://test',
    });
    const { 'queries.jsonl': _q, ...noQueries } = small;
    const src = memorySource(noQueries);
    expect((await failure(loadBeir(src, { name: 'small' }))).message).toBe(
      'BEIR dataset "small": queries.jsonl (or queries.jsonl.gz) is missing from memory://test',
    );
    expect(src.cancelled).toEqual(['corpus.jsonl']);
    expect((await failure(loadBeir(memorySource(small), { name: 'small', split: 'train' }))).message).toBe(
      'BEIR dataset "small": qrels/train.tsv is missing from memory://test',
    );
  });

  it('names the file and line of malformed records', async () => {
    const badCorpus = small['corpus.jsonl'].replace('"second doc"}', '"second doc"');
    expect(await failure(loadBeir(memorySource({ ...small, 'corpus.jsonl': badCorpus }), { name: 's' }))).toMatchObject({
      code: 'MalformedJsonl',
      message: expect.stringMatching(/^corpus\.jsonl line 2: not valid JSON \(/),
    });
    const noText = small['corpus.jsonl'].replace('"text":"second doc"', '"body":"second doc"');
    expect((await failure(loadBeir(memorySource({ ...small, 'corpus.jsonl': noText }), { name: 's' }))).message).toBe(
      'corpus.jsonl line 2: field "text" must be a string (it is missing)',
    );
    const noId = jsonl([{ text: 'q' }]);
    expect((await failure(loadBeir(memorySource({ ...small, 'queries.jsonl': noId }), { name: 's' }))).message).toBe(
      'queries.jsonl line 1: field "_id" is missing or empty',
    );
    const badTsv = 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\n';
    expect(await failure(loadBeir(memorySource({ ...small, 'qrels/test.tsv': badTsv }), { name: 's' }))).toEqual({
      code: 'MalformedTsv',
      message: 'qrels/test.tsv line 3: expected 3 tab-separated fields (query-id, corpus-id, score), got 2',
    });
    const badScore = 'q1\td1\t1\nq1\td2\thigh\n';
    expect((await failure(loadBeir(memorySource({ ...small, 'qrels/test.tsv': badScore }), { name: 's' }))).message).toBe(
      'qrels/test.tsv line 2: score "high" is not a number',
    );
  });

  it('an empty corpus is EmptyCorpus', async () => {
    expect(await failure(loadBeir(memorySource({ ...small, 'corpus.jsonl': '\n\n' }), { name: 'e' }))).toEqual({
      code: 'EmptyCorpus',
      message: 'BEIR dataset "e": corpus.jsonl from memory://test has no documents',
    });
  });

  it('enforces the size cap per file', async () => {
    const sizes = [small['qrels/test.tsv'].length, small['queries.jsonl'].length, small['corpus.jsonl'].length];
    expect(sizes).toEqual([66, 150, 200]);
    // Read in this order: qrels, queries, corpus.
    const e = await failure(loadBeir(memorySource(small), { name: 's', maxBytes: 100 }));
    expect(e.code).toBe('FileTooLarge');
    expect(e.message).toBe('queries.jsonl is larger than 100 B (after decompression), over the 100 B limit for one file');
    const e2 = await failure(loadBeir(memorySource(small), { name: 's', maxBytes: 199 }));
    expect(e2.message).toBe('corpus.jsonl is larger than 199 B (after decompression), over the 199 B limit for one file');
    expect((await loadBeir(memorySource(small), { name: 's', maxBytes: 200 })).docs).toHaveLength(3);
  });
});

/** The files read independently, to check the loader against. */
function expected(name: string) {
  const dir = join(DATASETS, name);
  const corpus = readFileSync(join(dir, 'corpus.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const queries = readFileSync(join(dir, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const rows = readFileSync(join(dir, 'qrels/test.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  return { corpus, queries, rows };
}

describe('loadBeir on the shared datasets (folder source)', () => {
  it('msmarco-5k: 5,000 docs, 43 of 50 queries judged, 4,102 judgments, no header line', async () => {
    const r = await loadBeir(folderSource(join(DATASETS, 'msmarco-5k')), { name: 'msmarco-5k' });
    const x = expected('msmarco-5k');
    expect(r.docs).toHaveLength(5000);
    expect(r.docs.map((d) => d.id)).toEqual(x.corpus.map((c) => c._id));
    expect(r.docs[0]).toEqual({ id: '4380635', title: '', text: x.corpus[0].text });
    expect(r.docs.every((d) => d.title === '')).toBe(true);
    expect(await corpusHash(r.docs)).toBe(
      await corpusHash(x.corpus.map((c) => ({ id: c._id, title: c.title, text: c.text }))),
    );
    expect(r.qrelsHeader).toBe(false);
    expect(x.rows[0]).toEqual(['19335', '1720389', '1']); // the first line is a judgment, not a header
    expect(r.queries).toHaveLength(43);
    expect(r.judgments).toBe(4102);
    expect(r.skipped).toEqual({
      duplicateDocs: 0,
      queriesWithoutQrels: 7,
      judgmentsForUnknownQueries: 0,
      judgmentsForMissingDocs: 0,
      queriesWithoutDocs: 0,
    });
    const grades = new Set([...r.qrels.values()].flatMap((m) => [...m.values()]));
    expect([...grades].sort()).toEqual([1, 2, 3]);
    expect(r.qrels.get('19335')!.get('1729')).toBe(2);
  });

  it('dbpedia-5k: 5,000 docs with titles, 40 of 50 queries judged, 3,709 judgments (880 positive)', async () => {
    const r = await loadBeir(folderSource(join(DATASETS, 'dbpedia-5k')), { name: 'dbpedia-5k' });
    const x = expected('dbpedia-5k');
    expect(r.docs).toHaveLength(5000);
    expect(r.docs.every((d) => d.title !== '')).toBe(true);
    expect(r.docs[10]).toEqual({ id: x.corpus[10]._id, title: x.corpus[10].title, text: x.corpus[10].text });
    expect(r.qrelsHeader).toBe(true);
    expect(r.queries).toHaveLength(40);
    expect(r.skipped.queriesWithoutQrels).toBe(10);
    expect(r.judgments).toBe(3709);
    const positive = [...r.qrels.values()].reduce((n, m) => n + [...m.values()].filter((s) => s > 0).length, 0);
    expect(positive).toBe(880);
    expect(r.qrels.get('INEX_LD-2010019')!.get('<dbpedia:Ancient_Roman_architecture>')).toBe(0);
  });

  it('maxDocs on msmarco-5k drops exactly the judgments of the documents left out', async () => {
    const r = await loadBeir(folderSource(join(DATASETS, 'msmarco-5k')), { name: 'msmarco-5k', maxDocs: 1000 });
    const x = expected('msmarco-5k');
    const kept = new Set(x.corpus.slice(0, 1000).map((c) => c._id));
    const keptRows = x.rows.filter((row) => kept.has(row[1]!));
    expect(r.docs).toHaveLength(1000);
    expect(r.corpusTruncated).toBe(true);
    expect(r.judgments).toBe(keptRows.length);
    expect(r.skipped.judgmentsForMissingDocs).toBe(4102 - keptRows.length);
    expect(r.queries).toHaveLength(new Set(keptRows.map((row) => row[0])).size);
  });
});

describe('beirHttpSource (a local HTTP server)', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
      if (url.startsWith('/fail/')) {
        res.writeHead(500, 'Internal Server Error').end('boom');
        return;
      }
      // /gz/<dataset>/corpus.jsonl.gz: the corpus gzipped on the fly; no plain corpus.jsonl there
      const gz = /^\/gz\/([\w-]+)\/(.+)$/.exec(url);
      if (gz) {
        const [, ds, file] = gz;
        if (file === 'corpus.jsonl') return void res.writeHead(404).end();
        if (file === 'corpus.jsonl.gz') {
          res.writeHead(200, { 'content-type': 'application/gzip' });
          res.end(gzipSync(readFileSync(join(DATASETS, ds!, 'corpus.jsonl'))));
          return;
        }
        res.writeHead(302, { location: `/datasets/${ds}/${file}` }).end();
        return;
      }
      const p = resolve(DATASETS, '.' + url.replace(/^\/datasets/, ''));
      if (!p.startsWith(DATASETS + sep) || !existsSync(p)) return void res.writeHead(404).end('not found');
      res.writeHead(200);
      createReadStream(p).pipe(res);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('loads dbpedia-5k over HTTP with the same result as from the folder', async () => {
    const http = await loadBeir(beirHttpSource(`${base}/datasets/dbpedia-5k/`), { name: 'dbpedia-5k' });
    const folder = await loadBeir(folderSource(join(DATASETS, 'dbpedia-5k')), { name: 'dbpedia-5k' });
    expect(http.docs).toHaveLength(5000);
    expect(await corpusHash(http.docs)).toBe(await corpusHash(folder.docs));
    expect(http.queries).toEqual(folder.queries);
    expect(http.qrels).toEqual(folder.qrels);
  });

  it('falls back to corpus.jsonl.gz (following redirects for the other files)', async () => {
    const r = await loadBeir(beirHttpSource(`${base}/gz/msmarco-5k`), { name: 'msmarco-5k' });
    expect(r.corpusFile).toBe('corpus.jsonl.gz');
    expect(r.docs).toHaveLength(5000);
    expect(r.queries).toHaveLength(43);
  });

  it('a folder that is not there is a missing file; a 500 and a dead server are FetchFailed', async () => {
    expect(await failure(loadBeir(beirHttpSource(`${base}/datasets/nope`), { name: 'nope' }))).toEqual({
      code: 'BeirMissingFile',
      message: `BEIR dataset "nope": corpus.jsonl (or corpus.jsonl.gz) is missing from ${base}/datasets/nope`,
    });
    expect(await failure(loadBeir(beirHttpSource(`${base}/fail`), { name: 'x' }))).toEqual({
      code: 'FetchFailed',
      message: `HTTP 500 Internal Server Error for ${base}/fail/corpus.jsonl`,
    });
    const dead = createServer();
    await new Promise<void>((ok) => dead.listen(0, '127.0.0.1', ok));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((ok) => dead.close(() => ok()));
    const e = await failure(beirHttpSource(`http://127.0.0.1:${port}/d`).open('corpus.jsonl'));
    expect(e.code).toBe('FetchFailed');
    expect(e.message).toMatch(new RegExp(`^Could not fetch http://127\\.0\\.0\\.1:${port}/d/corpus\\.jsonl: likely .*\\(The browser said only "`));
  });

  it('a body opened first and read later survives a garbage collection (the gzip corpus once read empty under load)', async () => {
    // loadBeir opens corpus, queries and qrels first and reads the corpus last. Node's fetch cancels
    // the body of a Response that was garbage collected before its body was read: the corpus then
    // read as empty, with no error, when a collection happened in between (more often under load).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const stream = await fetchStream(`${base}/gz/msmarco-5k/corpus.jsonl.gz`);
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    let bytes = 0;
    const reader = stream!.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      bytes += r.value.byteLength;
    }
    expect(bytes).toBe(gzipSync(readFileSync(join(DATASETS, 'msmarco-5k', 'corpus.jsonl'))).byteLength);
  });

  it('joins URLs with or without slashes', () => {
    expect(joinUrl('http://h/a/', '/qrels/test.tsv')).toBe('http://h/a/qrels/test.tsv');
    expect(joinUrl('/datasets/x', 'corpus.jsonl')).toBe('/datasets/x/corpus.jsonl');
  });
});

describe('beirNotes: what was left out, in words (issue 12)', () => {
  it('names duplicate ids, judgments for unknown documents and queries, and dropped queries', async () => {
    const r = await loadBeir(memorySource(small), { name: 'small' });
    const n = beirNotes(r);
    expect(n.warnings).toEqual([
      'corpus.jsonl: 1 document reused an id already used earlier in the file and was skipped (the first document with each id was kept).',
      'qrels/test.tsv: 1 judgment for documents not in corpus.jsonl was left out.',
      'qrels/test.tsv: 1 judgment for queries not in queries.jsonl was left out.',
      '1 judged query was dropped: none of its judged documents is in the corpus.',
    ]);
    expect(n.noEvaluation).toBeNull();
  });

  it('says why nothing can be evaluated when every judgment points at unknown documents', async () => {
    const files = { ...small, 'qrels/test.tsv': 'q1\tzz1\t1\nq2\tzz2\t1\nq9\td1\t1\n' };
    const r = await loadBeir(memorySource(files), { name: 'x' });
    expect(r.queries).toHaveLength(0);
    const n = beirNotes(r);
    expect(n.noEvaluation).toBe(
      'No query can be evaluated: qrels/test.tsv has 3 judgments, but 2 are for documents not in corpus.jsonl, and 1 is for queries not in queries.jsonl (4 queries there).',
    );
    expect(beirNotes(await loadBeir(memorySource({ ...small, 'qrels/test.tsv': 'query-id\tcorpus-id\tscore\n' }), { name: 'x' })).noEvaluation).toMatch(/has no judgments/);
  });

  it('blames the cut, not the corpus, for judgments beyond maxDocs', async () => {
    const r = await loadBeir(memorySource(small), { name: 'small', maxDocs: 1 });
    expect(beirNotes(r, 1).warnings.join(' ')).toMatch(/for documents beyond the first 1 documents loaded/);
  });

  it('600 lines with 300 ids: 300 documents and a warning that says so', async () => {
    const rows = Array.from({ length: 600 }, (_, i) => ({ _id: `d${i % 300}`, text: `t${i}` }));
    const r = await loadBeir(memorySource({ ...small, 'corpus.jsonl': jsonl(rows) }), { name: 'dups' });
    expect(r.docs).toHaveLength(300);
    expect(beirNotes(r).warnings[0]).toMatch(/^corpus\.jsonl: 300 documents reused an id/);
  });

  it('a corrupted corpus.jsonl.gz is CorruptGzip naming the first garbled line', async () => {
    const rows = jsonl(Array.from({ length: 3000 }, (_, i) => ({ _id: `d${i}`, title: '', text: `passage number ${i} about nothing in particular` })));
    const gz = new Uint8Array(gzipSync(Buffer.from(rows)));
    for (let i = Math.floor(gz.length / 2); i < Math.floor(gz.length / 2) + 40; i++) gz[i] = gz[i]! ^ 0xa5;
    const { 'corpus.jsonl': _drop, ...rest } = small;
    const f = await failure(loadBeir(memorySource({ ...rest, 'corpus.jsonl.gz': gz }), { name: 'gz' }));
    expect(f.code).toBe('CorruptGzip');
    expect(f.message).toMatch(/^corpus\.jsonl\.gz: the gzip data is corrupt/);
  });
});
