/**
 * The corpus model shared by every source (demo, the user's files, BEIR): documents, queries,
 * graded relevance judgments, and the hashes that identify a corpus.
 */
import { sha256 as sha256Js } from '@noble/hashes/sha2.js';
import { slicer } from './yield';

export interface Doc {
  id: string;
  title: string;
  text: string;
}

export interface Query {
  id: string;
  text: string;
}

/** query id → document id → graded relevance (0 = judged not relevant). */
export type Qrels = Map<string, Map<string, number>>;

export interface SourceFile {
  name: string;
  bytes: number;
  sha256: string;
}

export type CorpusSource =
  | { kind: 'demo' }
  | { kind: 'files'; files: SourceFile[] }
  | { kind: 'beir'; url: string; name?: string };

/** What the loader left out or could not use, in words, for the ingest report. */
export interface CorpusNotes {
  /** What was left out, and why (duplicate ids, judgments for unknown documents, ...). */
  warnings: string[];
  /** Why no judged query can be evaluated although the source came with judgments; null otherwise. */
  noEvaluation: string | null;
}

export interface Corpus {
  name: string;
  source: CorpusSource;
  docs: Doc[];
  queries: Query[];
  qrels: Qrels;
  /** Set by loaders that leave things out (BEIR). */
  notes?: CorpusNotes;
}

/**
 * The text that is chunked and embedded for a document: the title, a space, then the text.
 * This exact rule produced the reference figures; chunk offsets index into this string.
 */
export function embeddingText(doc: Pick<Doc, 'title' | 'text'>): string {
  return doc.title ? doc.title + ' ' + doc.text : doc.text;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('crypto.subtle is not available (it needs a secure context in browsers)');
  return s;
}

function toHex(buf: ArrayBuffer): string {
  const b = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < b.length; i++) out += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return out;
}

/** SHA-256 of bytes (or of a string's UTF-8 encoding) as 64 lowercase hex digits. */
export async function sha256Hex(data: ArrayBuffer | ArrayBufferView | string): Promise<string> {
  let bytes: Uint8Array<ArrayBuffer>;
  if (typeof data === 'string') bytes = new TextEncoder().encode(data);
  else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (data instanceof Uint8Array && data.buffer instanceof ArrayBuffer) bytes = data as Uint8Array<ArrayBuffer>;
  // A copy: the view may sit on a SharedArrayBuffer, which digest() refuses.
  else bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return toHex(await subtle().digest('SHA-256', bytes));
}

/** Version tag of the canonical serialisation below: change it if the serialisation changes. */
export const CORPUS_HASH_VERSION = 'ragtab-corpus-v1';

/** Text longer than this (UTF-16 code units) is encoded and escaped piece by piece. */
const PIECE_CHARS = 1 << 20;

/** Cut points of `s` every ~PIECE_CHARS, never inside a surrogate pair. */
function* pieces(s: string): Generator<string> {
  for (let i = 0; i < s.length; ) {
    let j = Math.min(s.length, i + PIECE_CHARS);
    const c = s.charCodeAt(j - 1);
    if (j < s.length && c >= 0xd800 && c <= 0xdbff) j--;
    yield s.slice(i, j);
    i = j;
  }
}

/** `JSON.stringify(s)` in pieces: escaping is per character (a surrogate pair kept whole), so the pieces join to the same text. */
function* jsonStringPieces(s: string): Generator<string> {
  yield '"';
  for (const p of pieces(s)) yield JSON.stringify(p).slice(1, -1);
  yield '"';
}

/**
 * SHA-256 (hex) identifying a corpus's content and order: the UTF-8 bytes of
 * `ragtab-corpus-v1\n` followed by `JSON.stringify([id, title, text])\n` for each document in
 * order. JSON escaping makes the record boundaries unambiguous. Built as one byte array (not one
 * giant string) so large corpora stay within string-length limits; a long text is escaped and
 * encoded piece by piece, with turns for the event loop between pieces.
 */
export async function corpusHash(docs: readonly Pick<Doc, 'id' | 'title' | 'text'>[]): Promise<string> {
  function* all(): Generator<string> {
    yield CORPUS_HASH_VERSION + '\n';
    for (const d of docs) {
      if (d.text.length <= PIECE_CHARS) yield JSON.stringify([d.id, d.title, d.text]) + '\n';
      else {
        yield `[${JSON.stringify(d.id)},${JSON.stringify(d.title)},`;
        yield* jsonStringPieces(d.text);
        yield ']\n';
      }
    }
  }
  return sha256OfPieces(all());
}

/**
 * SHA-256 (hex) of `line + "\n"` for each line, UTF-8, hashed as one byte array (not one giant
 * string) so large inputs stay within string-length limits.
 */
export async function sha256OfLines(lines: Iterable<string>): Promise<string> {
  function* all(): Generator<string> {
    for (const line of lines) {
      yield line;
      yield '\n';
    }
  }
  return sha256OfPieces(all());
}

/** SHA-256 (hex) of the UTF-8 bytes of the pieces, in order; a piece longer than PIECE_CHARS is encoded in parts. */
async function sha256OfPieces(input: Iterable<string>): Promise<string> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  // 50k chunks are ~150 ms of encoding: give the page's event loop a turn every few ms.
  const breathe = slicer();
  for (const piece of input) {
    for (const part of piece.length > PIECE_CHARS ? pieces(piece) : [piece]) {
      const p = enc.encode(part);
      parts.push(p);
      total += p.length;
      const pause = breathe();
      if (pause) await pause;
    }
  }
  return sha256OfChunks(parts, total);
}

/**
 * Bytes above which hashing runs in slices (an incremental SHA-256 in JavaScript, @noble/hashes)
 * instead of one `crypto.subtle.digest`, whose synchronous copy of the input would hold the page
 * for hundreds of ms at hundreds of MB.
 */
export const SLICED_HASH_BYTES = 16 * 1024 * 1024;

/** SHA-256 (hex) of the chunks in order (`total` = their byte count). */
export async function sha256OfChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, total?: number): Promise<string> {
  const breathe = slicer();
  if (total !== undefined && total <= SLICED_HASH_BYTES && Symbol.iterator in chunks) {
    const all = new Uint8Array(total);
    let off = 0;
    for (const p of chunks) {
      all.set(p, off);
      off += p.length;
    }
    return sha256Hex(all);
  }
  const h = sha256Js.create();
  for await (const c of chunks) {
    for (let i = 0; i < c.length; i += 1 << 20) {
      h.update(c.subarray(i, i + (1 << 20)));
      const pause = breathe();
      if (pause) await pause;
    }
  }
  return toHex(h.digest().slice().buffer);
}

/** SHA-256 (hex) of a byte stream (a picked file), in slices: never the whole file in one call. */
export async function sha256OfStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  return sha256OfChunks(chunks());
}

/** Number of judgments in qrels (all grades, zeros included). */
export function qrelsSize(qrels: Qrels): number {
  let n = 0;
  for (const m of qrels.values()) n += m.size;
  return n;
}
