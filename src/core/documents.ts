/**
 * The corpus model shared by every source (demo, the user's files, BEIR): documents, queries,
 * graded relevance judgments, and the hashes that identify a corpus.
 */
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

export interface Corpus {
  name: string;
  source: CorpusSource;
  docs: Doc[];
  queries: Query[];
  qrels: Qrels;
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

/**
 * SHA-256 (hex) identifying a corpus's content and order: the UTF-8 bytes of
 * `ragtab-corpus-v1\n` followed by `JSON.stringify([id, title, text])\n` for each document in
 * order. JSON escaping makes the record boundaries unambiguous. Built as one byte array (not one
 * giant string) so large corpora stay within string-length limits.
 */
export async function corpusHash(docs: readonly Pick<Doc, 'id' | 'title' | 'text'>[]): Promise<string> {
  return sha256OfLines([CORPUS_HASH_VERSION, ...docs.map((d) => JSON.stringify([d.id, d.title, d.text]))]);
}

/**
 * SHA-256 (hex) of `line + "\n"` for each line, UTF-8, hashed as one byte array (not one giant
 * string) so large inputs stay within string-length limits.
 */
export async function sha256OfLines(lines: Iterable<string>): Promise<string> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  // 50k chunks are ~150 ms of encoding: give the page's event loop a turn every few ms.
  const breathe = slicer();
  for (const line of lines) {
    const p = enc.encode(line + '\n');
    parts.push(p);
    total += p.length;
    const pause = breathe();
    if (pause) await pause;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return sha256Hex(all);
}

/** Number of judgments in qrels (all grades, zeros included). */
export function qrelsSize(qrels: Qrels): number {
  let n = 0;
  for (const m of qrels.values()) n += m.size;
  return n;
}
