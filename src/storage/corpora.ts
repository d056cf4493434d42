/**
 * Stored corpora: the corpus record (name, source, counts, queries, judgments) and its documents,
 * in order, so a corpus of the user's own files (which cannot be re-read after a reload) comes
 * back whole. Documents are written in batched transactions; the record is marked complete in the
 * last one, so a page closed mid-write leaves an incomplete corpus that `get` ignores and `put`
 * rewrites.
 */
import { corpusHash, type Corpus, type Doc, type Qrels } from '../core/documents';
import { RagtabError } from '../core/errors';
import type { CorpusRecord, DocumentRecord, RagtabDb } from './schema';
import { documentBytes } from './sizes';
import { formatBytes, guarded, mapStorageError, quiet, watch } from './errors';

export interface PutCorpusOptions {
  /** `corpusHash(corpus.docs)` when the caller has it already (it is computed otherwise). */
  hash?: string;
  /** A transaction is committed after this many bytes of documents (default 4 MiB)… */
  batchBytes?: number;
  /** …or this many documents (default 2,000), whichever comes first. */
  batchDocs?: number;
  onProgress?: (p: { docs: number; total: number }) => void;
  signal?: AbortSignal;
}

function docRange(hash: string): IDBKeyRange {
  return IDBKeyRange.bound([hash, -Infinity], [hash, Infinity]);
}

function qrelsToRows(q: Qrels): Array<[string, string, number]> {
  const rows: Array<[string, string, number]> = [];
  for (const [qid, m] of q) for (const [did, g] of m) rows.push([qid, did, g]);
  return rows;
}

function rowsToQrels(rows: ReadonlyArray<[string, string, number]>): Qrels {
  const q: Qrels = new Map();
  for (const [qid, did, g] of rows) {
    let m = q.get(qid);
    if (!m) q.set(qid, (m = new Map()));
    m.set(did, g);
  }
  return q;
}

export class CorporaRepo {
  constructor(private readonly db: RagtabDb) {}

  /**
   * Stores a corpus with its documents (a no-op for the documents when the same content is stored
   * complete already: name, source, queries and judgments are refreshed). Rejects with
   * QuotaExceeded (the partial documents are removed again) or StorageError.
   */
  async put(corpus: Corpus, opts: PutCorpusOptions = {}): Promise<CorpusRecord> {
    const db = this.db;
    const hash = opts.hash ?? (await corpusHash(corpus.docs));
    const batchBytes = opts.batchBytes ?? 4 * 2 ** 20;
    const batchDocs = opts.batchDocs ?? 2000;
    const now = Date.now();
    const sizes = corpus.docs.map(documentBytes);
    const bytes = sizes.reduce((s, x) => s + x, 0);
    const total = corpus.docs.length;
    const what = `store the corpus "${corpus.name}" (${total} documents, ${formatBytes(bytes)})`;
    const head = {
      hash,
      name: corpus.name,
      source: structuredClone(corpus.source),
      docCount: total,
      bytes,
      queries: corpus.queries.map((q) => ({ id: q.id, text: q.text })),
      qrels: qrelsToRows(corpus.qrels),
    };

    const existing = await guarded(db, 'read the stored corpora', () => db.get('corpora', hash));
    if (existing && existing.complete && existing.docCount === total) {
      const rec: CorpusRecord = { ...head, complete: true, createdAt: existing.createdAt, updatedAt: now };
      await guarded(db, what, () => db.put('corpora', rec), 0);
      opts.onProgress?.({ docs: total, total });
      return rec;
    }

    const record: CorpusRecord = { ...head, complete: false, createdAt: existing?.createdAt ?? now, updatedAt: now };
    try {
      {
        const tx = db.transaction(['corpora', 'documents'], 'readwrite');
        const w = watch(tx);
        w.req(tx.objectStore('documents').delete(docRange(hash)));
        w.req(tx.objectStore('corpora').put(record));
        await w.done();
      }
      for (let i = 0; i < total; ) {
        if (opts.signal?.aborted) throw new RagtabError('Cancelled', 'Storing the corpus was cancelled.');
        const tx = db.transaction('documents', 'readwrite');
        const w = watch(tx);
        const store = tx.objectStore('documents');
        let b = 0;
        const start = i;
        while (i < total && i - start < batchDocs && (b < batchBytes || i === start)) {
          const d = corpus.docs[i]!;
          const rec: DocumentRecord = { corpusHash: hash, seq: i, id: d.id, title: d.title, text: d.text };
          w.req(store.put(rec));
          b += sizes[i]!;
          i++;
        }
        await w.done();
        opts.onProgress?.({ docs: i, total });
      }
      const done: CorpusRecord = { ...record, complete: true, updatedAt: Date.now() };
      await db.put('corpora', done);
      return done;
    } catch (e) {
      const err = await mapStorageError(db, what, e, bytes);
      // a partial corpus is of no use: give its space back (best effort)
      try {
        const tx = db.transaction(['corpora', 'documents'], 'readwrite');
        quiet(tx.objectStore('documents').delete(docRange(hash)));
        quiet(tx.objectStore('corpora').delete(hash));
        await tx.done;
      } catch {
        /* the connection may be gone; `get` ignores incomplete corpora anyway */
      }
      throw err;
    }
  }

  /** The stored record (complete or not), or null. */
  async record(hash: string): Promise<CorpusRecord | null> {
    return (await guarded(this.db, 'read the stored corpora', () => this.db.get('corpora', hash))) ?? null;
  }

  /** Every corpus record (documents not included), newest first. */
  async list(): Promise<CorpusRecord[]> {
    const all = await guarded(this.db, 'list the stored corpora', () => this.db.getAll('corpora'));
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** The stored corpus with its documents in order, or null when it is absent or incomplete. */
  async get(hash: string): Promise<Corpus | null> {
    const db = this.db;
    return guarded(db, 'read the stored corpus', async () => {
      const tx = db.transaction(['corpora', 'documents'], 'readonly');
      const [rec, rows] = await Promise.all([tx.objectStore('corpora').get(hash), tx.objectStore('documents').getAll(docRange(hash))]);
      await tx.done;
      if (!rec || !rec.complete) return null;
      if (rows.length !== rec.docCount) {
        throw new RagtabError('StorageError', `The stored corpus "${rec.name}" is damaged: ${rows.length} of its ${rec.docCount} documents are stored. Delete it and ingest it again.`);
      }
      const docs: Doc[] = rows.map((r) => ({ id: r.id, title: r.title, text: r.text }));
      return { name: rec.name, source: structuredClone(rec.source), docs, queries: rec.queries.map((q) => ({ ...q })), qrels: rowsToQrels(rec.qrels) };
    });
  }

  /** Deletes a corpus and its documents (its indexes stay: see StorageRepo). */
  async delete(hash: string): Promise<void> {
    const db = this.db;
    await guarded(db, 'delete the stored corpus', async () => {
      const tx = db.transaction(['corpora', 'documents'], 'readwrite');
      quiet(tx.objectStore('documents').delete(docRange(hash)));
      quiet(tx.objectStore('corpora').delete(hash));
      await tx.done;
    });
  }
}
