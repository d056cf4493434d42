/**
 * Stored corpora: the corpus record (name, source, counts, queries, judgments) and its documents,
 * in order, so a corpus of the user's own files (which cannot be re-read after a reload) comes
 * back whole. Documents are written in batched transactions; the record is marked complete in the
 * last one, so a page closed mid-write leaves an incomplete corpus that `get` ignores and `put`
 * rewrites.
 *
 * A document longer than PART_CHARS is stored as several records (its first part at its position
 * `seq`, the rest at `seq + k / 1024`), so no single write clones hundreds of MB on the page's
 * thread; `get` joins them again.
 */
import { corpusHash, type Corpus, type Doc, type Qrels } from '../core/documents';
import { RagtabError } from '../core/errors';
import type { CorpusRecord, DocumentRecord, RagtabDb } from './schema';
import { documentBytes, utf8Length } from './sizes';
import { slicer } from '../core/yield';

/** Characters of a document's text per stored record. */
export const PART_CHARS = 1 << 22;
/** Continuation records sit at `seq + k / PART_SLOTS` (k ≥ 1). */
const PART_SLOTS = 1024;

/** A text in parts of at most PART_CHARS, never splitting a surrogate pair. */
function textParts(text: string): string[] {
  if (text.length <= PART_CHARS) return [text];
  const parts: string[] = [];
  for (let i = 0; i < text.length; ) {
    let j = Math.min(text.length, i + PART_CHARS);
    const c = text.charCodeAt(j - 1);
    if (j < text.length && c >= 0xd800 && c <= 0xdbff) j--;
    parts.push(text.slice(i, j));
    i = j;
  }
  return parts;
}

/** documentBytes, part by part for a long text, with turns for the event loop. */
async function sizesOf(docs: readonly Doc[]): Promise<number[]> {
  const breathe = slicer();
  const out: number[] = [];
  for (const d of docs) {
    if (d.text.length <= PART_CHARS) out.push(documentBytes(d));
    else {
      let n = utf8Length(d.id) + utf8Length(d.title);
      for (const p of textParts(d.text)) {
        n += utf8Length(p);
        const pause = breathe();
        if (pause) await pause;
      }
      out.push(n);
    }
    const pause = breathe();
    if (pause) await pause;
  }
  return out;
}
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
    const sizes = await sizesOf(corpus.docs);
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
      // One record per document, or per part of a long one; a transaction per ~batchBytes.
      const records = function* (): Generator<{ rec: DocumentRecord; bytes: number; done: number }> {
        for (let i = 0; i < total; i++) {
          const d = corpus.docs[i]!;
          const parts = textParts(d.text);
          if (parts.length > PART_SLOTS) throw new RagtabError('FileTooLarge', `The document "${d.id}" is too long to store (${d.text.length} characters).`);
          for (let k = 0; k < parts.length; k++) {
            const rec: DocumentRecord = { corpusHash: hash, seq: i + k / PART_SLOTS, id: d.id, title: k === 0 ? d.title : '', text: parts[k]! };
            yield { rec, bytes: parts.length === 1 ? sizes[i]! : parts[k]!.length, done: k === parts.length - 1 ? i + 1 : i };
          }
        }
      };
      const it = records();
      let next = it.next();
      while (!next.done) {
        if (opts.signal?.aborted) throw new RagtabError('Cancelled', 'Storing the corpus was cancelled.');
        const tx = db.transaction('documents', 'readwrite');
        const w = watch(tx);
        const store = tx.objectStore('documents');
        let b = 0;
        let n = 0;
        let done = 0;
        while (!next.done && n < batchDocs && (b < batchBytes || n === 0)) {
          w.req(store.put(next.value.rec));
          b += next.value.bytes;
          done = next.value.done;
          n++;
          next = it.next();
        }
        await w.done();
        opts.onProgress?.({ docs: done, total });
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
      // Rows in key order: a document's continuation parts (fractional seq) follow its first part.
      const docs: Doc[] = [];
      let parts: string[] = [];
      const flush = () => {
        if (parts.length > 1) docs[docs.length - 1]!.text = parts.join('');
        parts = [];
      };
      for (const r of rows) {
        if (Number.isInteger(r.seq)) {
          flush();
          docs.push({ id: r.id, title: r.title, text: r.text });
        } else if (docs.length === 0) {
          throw new RagtabError('StorageError', `The stored corpus "${rec.name}" is damaged: a document part has no document. Delete it and ingest it again.`);
        }
        parts.push(r.text);
      }
      flush();
      if (docs.length !== rec.docCount) {
        throw new RagtabError('StorageError', `The stored corpus "${rec.name}" is damaged: ${docs.length} of its ${rec.docCount} documents are stored. Delete it and ingest it again.`);
      }
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
