/**
 * Streaming input: UTF-8 lines from a byte stream with a size cap, and transparent gzip.
 * Pure web-platform code (ReadableStream, TextDecoder, DecompressionStream): runs in Node 20,
 * in pages and in workers.
 */
import { slicer } from './yield';
import { RagtabError } from './errors';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** A byte count for people: `812 B`, `3.4 KiB`, `612 MiB`, `1.5 GiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  const s = Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v).toString();
  return `${s.endsWith('.0') ? s.slice(0, -2) : s} ${units[u]}`;
}

/** The FileTooLarge error, worded the same way everywhere. `size` is the full size when known. */
export function fileTooLarge(fileName: string, maxBytes: number, size?: number): RagtabError {
  const what =
    size === undefined
      ? `${fileName} is larger than ${formatBytes(maxBytes)} (after decompression)`
      : `${fileName} is ${formatBytes(size)}`;
  return new RagtabError('FileTooLarge', `${what}, over the ${formatBytes(maxBytes)} limit for one file`);
}

/**
 * Records (documents, queries, judgments) one file may hold. Past it, a file is FileTooLarge before
 * a structure overflows (a Map holds at most 2^24 entries: 16.7 M tiny JSONL records fit in 256 MiB).
 */
export const MAX_RECORDS_PER_FILE = 4_000_000;

/** FileTooLarge for a file with more than `max` records. */
export function tooManyRecords(fileName: string, what: string, max = MAX_RECORDS_PER_FILE): RagtabError {
  return new RagtabError('FileTooLarge', `${fileName} has more than ${max.toLocaleString('en-US')} ${what}, over the limit for one file (${max.toLocaleString('en-US')}): more would not fit in one browser tab`);
}

/** The text encodings a byte-order mark selects (none: UTF-8). */
export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

/** The encoding a file's first bytes announce with a byte-order mark, else UTF-8 (its BOM, if any, is dropped too). */
export function bomEncoding(head: Uint8Array): TextEncodingName {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/**
 * Decodes a byte stream piece by piece, choosing UTF-16LE/BE when it starts with their byte-order
 * mark and UTF-8 otherwise; the mark itself is not part of the text. Invalid input becomes U+FFFD.
 */
export class BomDecoder {
  private decoder: TextDecoder | null = null;
  private pending: Uint8Array | null = null;
  encoding: TextEncodingName = 'utf-8';

  decode(bytes: Uint8Array | undefined, stream: boolean): string {
    let b = bytes ?? new Uint8Array(0);
    if (!this.decoder) {
      if (this.pending) {
        const joined = new Uint8Array(this.pending.length + b.length);
        joined.set(this.pending);
        joined.set(b, this.pending.length);
        b = joined;
        this.pending = null;
      }
      if (b.length < 2 && stream) {
        this.pending = b;
        return '';
      }
      this.encoding = bomEncoding(b);
      this.decoder = new TextDecoder(this.encoding);
    }
    return stream ? this.decoder.decode(b, { stream: true }) : this.decoder.decode(b);
  }
}

export interface ReadOptions {
  /** Named in every error message. */
  fileName: string;
  /** Bytes of (decompressed) input allowed; one byte more throws FileTooLarge. */
  maxBytes: number;
  /** Aborting stops the read with a Cancelled error. */
  signal?: AbortSignal;
}

export interface Line {
  /** The line without its `\n` or `\r\n`. */
  line: string;
  /** 1-based. Blank lines are yielded too, so numbers match the file. */
  lineNo: number;
  /** Bytes read from the stream so far (for progress). */
  bytes: number;
}

function checkAbort(opts: ReadOptions): void {
  if (opts.signal?.aborted) throw new RagtabError('Cancelled', `${opts.fileName}: reading was cancelled`);
}

/**
 * Reads a byte stream as UTF-8 lines, decoding incrementally (a character split across chunks is
 * decoded once whole). Invalid UTF-8 becomes U+FFFD. Handles `\n` and `\r\n` and a last line
 * without a newline. Throws FileTooLarge as soon as more than `maxBytes` have been read, and
 * cancels the stream whenever the loop ends early (break, error, cancel).
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  opts: ReadOptions,
): AsyncGenerator<Line, void, undefined> {
  const reader = stream.getReader();
  const decoder = new BomDecoder();
  // A big chunk (a cached file can arrive whole) is many lines of parsing for the caller: give the
  // page's event loop a turn every few ms so the page keeps rendering.
  const breathe = slicer();
  let bytes = 0;
  let lineNo = 0;
  let finished = false;
  // Pieces of the current unfinished line: appending to an array keeps a very long line linear.
  let parts: string[] = [];
  try {
    for (;;) {
      checkAbort(opts);
      const r = await reader.read();
      let text: string;
      if (r.done) {
        finished = true;
        text = decoder.decode(undefined, false);
      } else {
        bytes += r.value.byteLength;
        if (bytes > opts.maxBytes) throw fileTooLarge(opts.fileName, opts.maxBytes);
        text = decoder.decode(r.value, true);
      }
      let from = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        let line = parts.length > 0 ? parts.join('') + text.slice(from, nl) : text.slice(from, nl);
        parts = [];
        if (line.endsWith('\r')) line = line.slice(0, -1);
        from = nl + 1;
        yield { line, lineNo: ++lineNo, bytes };
        const pause = breathe();
        if (pause) await pause;
      }
      if (from < text.length) parts.push(text.slice(from));
      if (r.done) break;
    }
    if (parts.length > 0) {
      let line = parts.join('');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      yield { line, lineNo: ++lineNo, bytes };
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {});
    else reader.releaseLock();
  }
}

export interface ReadTextOptions extends ReadOptions {
  /** Turn `\r\n` and lone `\r` into `\n` as the text is read. */
  lf?: boolean;
  /** Each decoded piece (after `lf`), as it is read: for counting, without scanning the whole text again. */
  onText?: (piece: string) => void;
  /** Bytes read so far, after each read. */
  onBytes?: (bytes: number) => void;
}

/**
 * Reads a whole (decompressed) stream into one string, with the same cap and decoding as
 * readLines (a UTF-16 byte-order mark selects UTF-16). The work per read is one piece, with a turn
 * for the event loop every few ms, so a file of hundreds of MB never holds the page; only the final
 * join touches the whole text at once.
 */
export async function readText(stream: ReadableStream<Uint8Array>, opts: ReadTextOptions): Promise<string> {
  const reader = stream.getReader();
  const decoder = new BomDecoder();
  const breathe = slicer();
  const parts: string[] = [];
  let bytes = 0;
  let finished = false;
  let cr = false; // the last piece ended with \r (its \n may start the next)
  const add = (piece: string, last: boolean): void => {
    if (piece === '') return;
    let t = piece;
    if (opts.lf) {
      if (cr && t.startsWith('\n')) t = t.slice(1);
      cr = !last && t.endsWith('\r');
      if (cr) t = t.slice(0, -1) + '\n';
      if (t.includes('\r')) t = t.replace(/\r\n?/g, '\n');
    }
    if (t === '') return;
    opts.onText?.(t);
    parts.push(t);
  };
  try {
    for (;;) {
      checkAbort(opts);
      const r = await reader.read();
      if (r.done) {
        finished = true;
        add(decoder.decode(undefined, false), true);
        break;
      }
      bytes += r.value.byteLength;
      if (bytes > opts.maxBytes) throw fileTooLarge(opts.fileName, opts.maxBytes);
      add(decoder.decode(r.value, true), false);
      opts.onBytes?.(bytes);
      const pause = breathe();
      if (pause) await pause;
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {});
    else reader.releaseLock();
  }
  return parts.join('');
}

/** A stream that replays `head` and then the rest of `reader`. */
function replay(
  head: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
  done: boolean,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const h of head) controller.enqueue(h);
      if (done) controller.close();
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** Renames the errors of a decompressing stream so they name the file. */
function renameErrors(stream: ReadableStream<Uint8Array>, fileName: string): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        if (e instanceof RagtabError) throw e;
        const why = e instanceof Error ? e.message : String(e);
        throw new RagtabError('CorruptGzip', `${fileName}: not a valid gzip stream (${why || 'decompression failed'})`, {
          cause: e,
        });
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Looks at the first two bytes: gzip (1f 8b) is decompressed with DecompressionStream, anything
 * else is returned as it is (the bytes already read are replayed). Size caps applied downstream
 * (readLines, readText) count decompressed bytes, so a gzip bomb stops at the cap.
 */
export async function maybeGunzip(
  stream: ReadableStream<Uint8Array>,
  fileName = 'input',
): Promise<ReadableStream<Uint8Array>> {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let n = 0;
  let done = false;
  try {
    while (n < 2) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        break;
      }
      if (r.value.byteLength > 0) {
        head.push(r.value);
        n += r.value.byteLength;
      }
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    throw e;
  }
  const first = new Uint8Array(2);
  let k = 0;
  for (const h of head) for (let i = 0; i < h.length && k < 2; i++) first[k++] = h[i]!;
  const raw = replay(head, reader, done);
  if (k < 2 || !isGzip(first)) return raw;
  const gunzipped = raw.pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  const out = renameErrors(gunzipped, fileName);
  gunzippedStreams.add(out);
  return out;
}

const gunzippedStreams = new WeakSet<ReadableStream<Uint8Array>>();

/** True for a stream maybeGunzip decompresses (its errors then may be the gzip data's). */
export function isGunzipped(stream: ReadableStream<Uint8Array>): boolean {
  return gunzippedStreams.has(stream);
}

/**
 * After a parse error in a gzip file: reads the rest of it, without parsing, to see whether the
 * gzip data itself is corrupt (deflate turns damaged bytes into garbage lines before it notices;
 * the CRC at the end says so for sure). Resolves the CorruptGzip error naming the first bad line,
 * or null when the gzip data is sound (the parse error stands).
 */
export async function gzipDamage(rest: AsyncIterator<Line>, fileName: string, firstBadLine: number): Promise<RagtabError | null> {
  try {
    for (;;) {
      const r = await rest.next();
      if (r.done) return null;
    }
  } catch (e) {
    if (e instanceof RagtabError && e.code === 'CorruptGzip') {
      return new RagtabError('CorruptGzip', `${fileName}: the gzip data is corrupt (${e.message.replace(/^.*?\(/, '').replace(/\)$/, '')}); the damage first showed as unreadable text on line ${firstBadLine}. Download the file again.`, { cause: e });
    }
    return null;
  }
}
