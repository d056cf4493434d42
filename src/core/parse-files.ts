/**
 * The user's own files (picked or dropped) into documents: .txt, .md, .html, .json, .jsonl,
 * each optionally gzip-compressed. Line-based files are streamed; every error names the file
 * (and the line for JSONL).
 */
import type { Doc } from './documents';
import { RagtabError } from './errors';
import { htmlToText } from './html-text';
import { locateJsonError } from './json-locate';
import { bomEncoding, fileTooLarge, gzipDamage, isGunzipped, MAX_RECORDS_PER_FILE, maybeGunzip, MiB, readLines, readText, tooManyRecords } from './lines';

/** Largest (decompressed) size of one user file. */
export const DEFAULT_MAX_FILE_BYTES = 256 * MiB;

/** Bytes inspected for a NUL byte, the sign of a binary file. */
export const BINARY_SNIFF_BYTES = 8192;

/** Share of U+FFFD (undecodable) characters above which a file is called binary. */
export const MAX_REPLACEMENT_RATIO = 0.01;

export type FileKind = 'text' | 'markdown' | 'html' | 'json' | 'jsonl';

const KINDS: Record<string, FileKind> = {
  '.txt': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(KINDS);

/** What parseUserFile needs; a browser `File` satisfies it. */
export interface UserFile {
  name: string;
  size: number;
  stream(): ReadableStream<Uint8Array>;
}

export interface ParseOptions {
  maxBytes?: number;
  signal?: AbortSignal;
  /** Decompressed bytes read so far (for progress). */
  onBytes?: (bytes: number) => void;
}

/** A Markdown title (front matter or first heading) is looked for in this many first characters. */
export const TITLE_SEARCH_CHARS = 64 * 1024;

/** The extension that decides the parser (`.gz` is looked through), lower-cased, or '' if none. */
export function fileExtension(name: string): string {
  const lower = name.toLowerCase().replace(/\.gz$/, '');
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

/** The parser for a file name, or null when the type is not supported. */
export function fileKind(name: string): FileKind | null {
  return KINDS[fileExtension(name)] ?? null;
}

/** `notes.md` → `notes`, `a.b.txt.gz` → `a.b`. */
export function baseName(name: string): string {
  let b = name.slice(name.lastIndexOf('/') + 1).replace(/\.gz$/i, '');
  const dot = b.lastIndexOf('.');
  if (dot > 0) b = b.slice(0, dot);
  return b;
}

function unsupported(name: string): RagtabError {
  const ext = fileExtension(name);
  const what = ext ? `"${ext}"` : '(no extension)';
  return new RagtabError(
    'UnsupportedFileType',
    `${name}: unsupported file type ${what} (supported: ${SUPPORTED_EXTENSIONS.join(', ')}, optionally gzip-compressed as .gz)`,
  );
}

function binary(name: string, why: string): RagtabError {
  return new RagtabError('BinaryFile', `${name}: looks like a binary file, not text (${why})`);
}

function empty(name: string, why: string): RagtabError {
  return new RagtabError('EmptyFile', `${name}: ${why}`);
}

/**
 * Passes bytes through, failing with BinaryFile on a NUL character in the first 8 KiB: a NUL byte
 * in UTF-8 text; a NUL code unit (two zero bytes, aligned) in UTF-16 text with a byte-order mark.
 */
function guardNul(stream: ReadableStream<Uint8Array>, name: string): ReadableStream<Uint8Array> {
  let seen = 0;
  let utf16: boolean | null = null;
  let odd = -1; // UTF-16: the first byte of a code unit split across chunks
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (seen < BINARY_SNIFF_BYTES && chunk.byteLength > 0) {
          if (utf16 === null) utf16 = seen === 0 && bomEncoding(chunk) !== 'utf-8';
          const look = chunk.subarray(0, BINARY_SNIFF_BYTES - seen);
          if (!utf16) {
            const at = look.indexOf(0);
            if (at !== -1) throw binary(name, `a NUL byte at offset ${seen + at}${utf16Hint(look, seen)}`);
          } else {
            let i = 0;
            if (odd !== -1 && look.length > 0) {
              if (odd === 0 && look[0] === 0) throw binary(name, `a NUL character at offset ${seen - 1}`);
              i = 1;
              odd = -1;
            } else if ((seen & 1) === 1) i = 1;
            for (; i + 1 < look.length; i += 2) if (look[i] === 0 && look[i + 1] === 0) throw binary(name, `a NUL character at offset ${seen + i}`);
            if (i < look.length) odd = look[i]!;
          }
          seen += chunk.byteLength;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** ", and it looks like UTF-16 without a byte-order mark: …" when every other byte is NUL. */
function utf16Hint(look: Uint8Array, offset: number): string {
  if (offset !== 0 || look.length < 16) return '';
  let even = 0;
  let oddZ = 0;
  for (let i = 0; i + 1 < Math.min(look.length, 512); i += 2) {
    if (look[i] === 0) even++;
    if (look[i + 1] === 0) oddZ++;
  }
  const pairs = Math.floor(Math.min(look.length, 512) / 2);
  if (Math.max(even, oddZ) < pairs * 0.6 || Math.min(even, oddZ) > pairs * 0.1) return '';
  return '; it looks like UTF-16 text without a byte-order mark: save it as UTF-8, or as UTF-16 with a byte-order mark';
}

function countReplacements(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\uFFFD'); i !== -1; i = s.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

function tooManyReplacements(bad: number, chars: number): boolean {
  return chars > 0 && bad > chars * MAX_REPLACEMENT_RATIO;
}

function checkDecoded(name: string, bad: number, chars: number): void {
  if (tooManyReplacements(bad, chars)) {
    const pct = ((100 * bad) / chars).toFixed(1);
    throw binary(name, `${pct}% of its characters are not valid UTF-8`);
  }
}

/**
 * Parses one user file into documents, by extension:
 * - `.txt`: one document (id = file name, title = name without extension);
 * - `.md`/`.markdown`: one document, title = front-matter `title:` or the first heading;
 * - `.html`/`.htm`: one document of extracted text, title = `<title>` or the first `<h1>`;
 * - `.json`: an array of records, or an object with a `documents`/`docs`/`data` array;
 * - `.jsonl`/`.ndjson`: one record a line (blank lines skipped), streamed.
 * Records: id `_id`/`id` (else `name:n`, n = line for JSONL, 1-based item for JSON), title
 * `title`/`name`, text `text`/`content`/`body` (required). Ids must be unique within the file.
 * Errors: UnsupportedFileType, EmptyFile, BinaryFile, FileTooLarge, MalformedJson(l), CorruptGzip,
 * Cancelled.
 */
export async function parseUserFile(file: UserFile, opts: ParseOptions = {}): Promise<Doc[]> {
  const name = file.name;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const kind = fileKind(name);
  if (!kind) throw unsupported(name);
  if (file.size === 0) throw empty(name, 'the file is empty (0 bytes)');
  if (file.size > maxBytes) throw fileTooLarge(name, maxBytes, file.size);
  const unzipped = await maybeGunzip(file.stream(), name);
  const stream = guardNul(unzipped, name);
  const read = { fileName: name, maxBytes, signal: opts.signal };
  if (kind === 'jsonl') return parseJsonl(stream, read, isGunzipped(unzipped));

  // Line ends normalised and bad characters counted piece by piece as the file is read: a text of
  // hundreds of MB is never scanned whole on the page's thread.
  let bad = 0;
  let chars = 0;
  const content = await readText(stream, {
    ...read,
    lf: true,
    onText: (t) => {
      bad += countReplacements(t);
      chars += t.length;
    },
    ...(opts.onBytes ? { onBytes: opts.onBytes } : {}),
  });
  checkDecoded(name, bad, chars);
  if (content.trim() === '') throw empty(name, 'the file contains only whitespace');
  switch (kind) {
    case 'text':
      return [{ id: name, title: baseName(name), text: content.trim() }];
    case 'markdown':
      return [{ id: name, title: markdownTitle(content.slice(0, TITLE_SEARCH_CHARS)) || baseName(name), text: content.trim() }];
    case 'html': {
      const { title, text } = htmlToText(content);
      if (text === '') throw empty(name, 'the page has no text once markup, scripts and styles are removed');
      return [{ id: name, title: title || baseName(name), text }];
    }
    case 'json':
      return parseJson(content, name);
  }
}

/** The front-matter `title:`, else the first ATX (`# T`) or setext heading outside code fences. */
export function markdownTitle(md: string): string {
  const lines = md.split('\n');
  let i = 0;
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((l, k) => k > 0 && (l.trim() === '---' || l.trim() === '...'));
    if (close > 0) {
      for (const l of lines.slice(1, close)) {
        const m = /^title:\s*(.+?)\s*$/.exec(l);
        if (m) return m[1]!.replace(/^(["'])(.*)\1$/, '$2').trim();
      }
      i = close + 1;
    }
  }
  let fence = '';
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (!fence) fence = f[1]![0]!;
      else if (f[1]![0] === fence) fence = '';
      continue;
    }
    if (fence) continue;
    const atx = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx && atx[1]!.trim()) return atx[1]!.trim();
    const next = lines[i + 1];
    if (next !== undefined && line.trim() && !/^ {4}/.test(line) && /^ {0,3}(=+|-+)[ \t]*$/.test(next)) {
      return line.trim();
    }
  }
  return '';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  const t = typeof v;
  return t === 'object' ? 'an object' : `a ${t}`;
}

function jsonMessage(e: unknown): string {
  return `not valid JSON (${e instanceof Error ? e.message : String(e)})`;
}

/**
 * One record into a Doc. `where` names the record in errors ("a.jsonl line 4", "a.json item 2").
 * Throws with `code` when the record is not an object or has no string text field.
 */
export function recordToDoc(
  rec: unknown,
  where: string,
  fallbackId: string,
  code: 'MalformedJson' | 'MalformedJsonl',
): Doc {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
    throw new RagtabError(code, `${where}: expected a JSON object with a text field, got ${typeName(rec)}`);
  }
  const o = rec as Record<string, unknown>;
  const textKey = ['text', 'content', 'body'].find((k) => k in o);
  if (textKey === undefined) {
    const keys = Object.keys(o);
    throw new RagtabError(
      code,
      `${where}: the record has no text field (expected "text", "content" or "body"; found ${
        keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no fields'
      })`,
    );
  }
  const text = o[textKey];
  if (typeof text !== 'string') {
    throw new RagtabError(code, `${where}: field "${textKey}" is ${typeName(text)}, expected a string`);
  }
  const rawId = o['_id'] ?? o['id'];
  const id =
    typeof rawId === 'string' && rawId !== ''
      ? rawId
      : typeof rawId === 'number' && Number.isFinite(rawId)
        ? String(rawId)
        : fallbackId;
  const rawTitle = typeof o['title'] === 'string' ? o['title'] : o['name'];
  const title = typeof rawTitle === 'string' ? rawTitle : '';
  return { id, title, text };
}

function parseJson(content: string, name: string): Doc[] {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (e) {
    const at = locateJsonError(content);
    const where = at ? ` line ${at.line}, column ${at.column}` : '';
    throw new RagtabError('MalformedJson', `${name}${where}: ${jsonMessage(e)}`);
  }
  let records: unknown[] | undefined;
  if (Array.isArray(value)) records = value;
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const key = ['documents', 'docs', 'data'].find((k) => Array.isArray(o[k]));
    if (key) records = o[key] as unknown[];
  }
  if (!records) {
    const keys = value && typeof value === 'object' ? Object.keys(value).slice(0, 8) : [];
    throw new RagtabError(
      'MalformedJson',
      `${name}: expected an array of documents or an object with a "documents", "docs" or "data" array, got ${typeName(
        value,
      )}${keys.length ? ` with keys ${keys.map((k) => `"${k}"`).join(', ')}` : ''}`,
    );
  }
  if (records.length > MAX_RECORDS_PER_FILE) throw tooManyRecords(name, 'records');
  const docs: Doc[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, k) => {
    const where = `${name} item ${k + 1}`;
    const doc = recordToDoc(rec, where, `${name}:${k + 1}`, 'MalformedJson');
    const first = seen.get(doc.id);
    if (first !== undefined) {
      throw new RagtabError('MalformedJson', `${where}: duplicate id "${doc.id}" (first used by item ${first})`);
    }
    seen.set(doc.id, k + 1);
    docs.push(doc);
  });
  return docs;
}

async function parseJsonl(
  stream: ReadableStream<Uint8Array>,
  read: { fileName: string; maxBytes: number; signal: AbortSignal | undefined },
  gzip: boolean,
): Promise<Doc[]> {
  const name = read.fileName;
  const docs: Doc[] = [];
  const seen = new Map<string, number>();
  let chars = 0;
  let bad = 0;
  const lines = readLines(stream, read);
  for await (const { line, lineNo } of lines) {
    chars += line.length + 1;
    bad += countReplacements(line);
    if (line.trim() === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      // Undecodable bytes explain the failure better than the JSON error does.
      checkDecoded(name, bad, chars);
      // In a gzip file, damaged compressed data shows as a garbled line before the gzip check fails.
      if (gzip) {
        const damage = await gzipDamage(lines, name, lineNo);
        if (damage) throw damage;
      }
      throw new RagtabError('MalformedJsonl', `${name} line ${lineNo}: ${jsonMessage(e)}`);
    }
    if (docs.length >= MAX_RECORDS_PER_FILE) throw tooManyRecords(name, 'records');
    const doc = recordToDoc(rec, `${name} line ${lineNo}`, `${name}:${lineNo}`, 'MalformedJsonl');
    const first = seen.get(doc.id);
    if (first !== undefined) {
      throw new RagtabError(
        'MalformedJsonl',
        `${name} line ${lineNo}: duplicate id "${doc.id}" (first used on line ${first})`,
      );
    }
    seen.set(doc.id, lineNo);
    docs.push(doc);
  }
  checkDecoded(name, bad, chars);
  if (docs.length === 0) throw empty(name, 'the file contains only blank lines');
  return docs;
}
