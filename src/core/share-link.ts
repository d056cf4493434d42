/**
 * Share links: a benchmark configuration, with (optionally) a summary of its results and the
 * environment, or the whole RunRecord when it fits, in a URL fragment (`#share=…`, so nothing of it
 * reaches a server). JSON → deflate-raw (CompressionStream) → base64url; versioned.
 *
 * A link is untrusted input. `decodeShareData` caps the encoded size before decoding and the
 * decompressed size while decompressing (a decompression bomb stops at the cap), refuses JSON
 * nested deeper than a few dozen levels, drops `__proto__` / `constructor` / `prototype` keys,
 * rejects non-finite and huge numbers and over-long strings, refuses future versions, migrates
 * older ones, and validates everything with valibot (the configuration with `parseBenchConfig`,
 * so its numeric bounds hold). It returns `{ok: true, payload}` or `{ok: false, error}` with a
 * named RagtabError (`InvalidShareLink`, `ShareLinkTooLarge`, `UnsupportedShareVersion`) and
 * never throws.
 *
 * Pure: no DOM (CompressionStream, TextEncoder and atob/btoa exist in Node 20 and browsers).
 * One cohesive thing at ~400 lines: the codec and its guards, which are read together.
 *
 * One file (~410 lines) because it is one format and its defences: encoding, caps, migration, validation.
 */
import * as v from 'valibot';
import { deepFreeze, formatPath, parseBenchConfig, type BenchConfig } from './bench-config';
import { RagtabError, errorInfo, type ErrorCode } from './errors';
import { parseRunRecord, type RunRecord } from './run-record';
import { fetchTargets } from './share-config';
import { configFromSettings } from './settings';
import { settingsFromParams } from './config-url';
import { PayloadShape, SHARE_VERSION, type SharePayload, type SharePayloadV0, type SharePins, type ShareSummary } from './share-schema';

export * from './share-schema';

/** The fragment key: `#share=<data>`. */
export const SHARE_KEY = 'share';
/** What a link we make may take (characters of data after `#share=`): a few KB. */
export const LINK_BUDGET = 8192;
/** Links longer than this are refused before any decoding. */
export const MAX_ENCODED_CHARS = 65_536;
/** Decompression stops (and the link is refused) past this many bytes. */
export const MAX_DECODED_BYTES = 1 << 20;
/** JSON nested deeper than this is refused before parsing. */
export const MAX_JSON_DEPTH = 40;
const MAX_STRING = 100_000;
const MAX_NODES = 200_000;
const MAX_ABS_NUMBER = 1e15;

export type ShareErrorCode = 'InvalidShareLink' | 'ShareLinkTooLarge' | 'UnsupportedShareVersion' | 'CorpusMismatch';
export const SHARE_ERROR_CODES: readonly ShareErrorCode[] = ['InvalidShareLink', 'ShareLinkTooLarge', 'UnsupportedShareVersion', 'CorpusMismatch'];

/** A named error of the share link (the codes belong in src/core/errors.ts's ErrorCode). */
export function shareError(code: ShareErrorCode, message: string): RagtabError {
  return new RagtabError(code as ErrorCode, message);
}

export type DecodeResult =
  | { ok: true; payload: SharePayload; migratedFrom: number | null; encodedChars: number }
  | { ok: false; error: RagtabError };

// ─────────────────────────────── bytes ───────────────────────────────

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s) || s.length % 4 === 1) return null;
  let bin: string;
  try {
    bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Pushes bytes through a (de)compression stream and collects the output, stopping as soon as it
 * passes `cap` bytes (the rest is never produced). 'too-large' then; a corrupt stream rejects.
 */
async function pump(bytes: Uint8Array, stream: GenericTransformStream, cap: number): Promise<Uint8Array | 'too-large'> {
  const writer = (stream.writable as WritableStream<Uint8Array>).getWriter();
  const reader = (stream.readable as ReadableStream<Uint8Array>).getReader();
  writer.write(bytes).catch(() => undefined);
  writer.close().catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    total += r.value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => undefined);
      await writer.abort().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(r.value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

// ─────────────────────────────── JSON checks ───────────────────────────────

/** Deepest nesting of `[`/`{` outside strings; stops counting once past `limit`. */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse reviver: keys that could reach an object's prototype are dropped; -0 reads as 0. */
export function safeReviver(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) return undefined;
  return Object.is(value, -0) ? 0 : value;
}

/** Every number finite and within ±1e15, every string within 100,000 characters, at most 200,000 values. */
function checkBounds(root: unknown): string | null {
  let nodes = 0;
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (++nodes > MAX_NODES) return `more than ${MAX_NODES} values`;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `${path || 'value'}: a number that is not finite`;
      if (Math.abs(value) > MAX_ABS_NUMBER) return `${path || 'value'}: the number ${value} is out of range`;
    } else if (typeof value === 'string') {
      if (value.length > MAX_STRING) return `${path || 'value'}: a string of ${value.length} characters (at most ${MAX_STRING})`;
    } else if (Array.isArray(value)) {
      value.forEach((x, i) => stack.push({ value: x, path: `${path}[${i}]` }));
    } else if (value && typeof value === 'object') {
      for (const [k, x] of Object.entries(value)) stack.push({ value: x, path: path ? `${path}.${k}` : k });
    }
  }
  return null;
}

function issues(prefix: string, list: ReadonlyArray<v.BaseIssue<unknown>>): string {
  const lines = list.slice(0, 3).map((i) => {
    const p = formatPath(i.path as ReadonlyArray<{ key: unknown }> | undefined);
    return `${prefix}${p ? (prefix ? '.' : '') + p : ''}: ${i.message}`;
  });
  if (list.length > 3) lines.push(`(and ${list.length - 3} more)`);
  return lines.join('; ');
}

// ─────────────────────────────── versions ───────────────────────────────

/** v0 → v1: the settings in the URL parameters become a configuration; there are no results. */
export function migrateV0(p: SharePayloadV0): unknown {
  const params = new URLSearchParams(p.params.replace(/^\?/, ''));
  const settings = settingsFromParams(params);
  const config = configFromSettings(settings, {
    name: 'shared settings (version 0 link)',
    threadsAuto: { embedder: !params.has('threads'), llm: !params.has('llmThreads') },
  });
  const llm = config.llm.engine === 'none' || config.llm.model === null ? null : { engine: config.llm.engine, model: config.llm.model, variant: null, sha256: null, library: null };
  const corpusKind = config.corpus.source;
  return {
    v: 1,
    config,
    pins: {
      corpus: { kind: corpusKind, name: config.corpus.name, hash: null, docs: null, files: [] },
      embedder: { model: config.embedder.model, revision: config.embedder.revision, library: null },
      llm,
    },
  };
}

function migrate(data: Record<string, unknown>, version: number): unknown {
  let d: Record<string, unknown> = data;
  let ver = version;
  if (ver === 0) {
    const params = d['params'];
    const keys = Object.keys(d);
    if (typeof params !== 'string' || params.length > 8192 || keys.some((k) => k !== 'v' && k !== 'params')) {
      throw shareError('InvalidShareLink', 'A version 0 link must hold {v: 0, params: "<URL parameters>"}.');
    }
    try {
      d = migrateV0({ v: 0, params }) as Record<string, unknown>;
    } catch (e) {
      throw shareError('InvalidShareLink', `The version 0 link's settings are invalid: ${errorInfo(e).message}`);
    }
    ver = 1;
  }
  // v1 → v2: rows gained optional sd / count; a v1 summary simply has none
  if (ver === 1) return { ...d, v: 2 };
  throw shareError('UnsupportedShareVersion', `Version ${version} links cannot be migrated.`);
}

// ─────────────────────────────── validation ───────────────────────────────

/** URLs the configuration would fetch must be http(s) or relative to the page. */
function checkUrls(config: BenchConfig, pins: SharePins): void {
  for (const t of fetchTargets(config, pins, 'https://ragtab.invalid/')) {
    if (t.verdict !== 'refused') continue;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(t.href)?.[1]?.toLowerCase();
    throw shareError('InvalidShareLink', `${t.field}: only http(s) or relative URLs can be fetched${scheme ? `, got a ${scheme}: URL` : ''}.`);
  }
}

function checkPins(config: BenchConfig, pins: SharePins): void {
  const c = config.corpus;
  const kindToSource: Record<SharePins['corpus']['kind'], string> = { demo: 'demo', beir: 'beir', hub: 'hub', files: 'demo', folder: 'demo' };
  const bad = (field: string, what: string) => shareError('InvalidShareLink', `pins.${field}: ${what}`);
  if (kindToSource[pins.corpus.kind] !== c.source) throw bad('corpus.kind', `${pins.corpus.kind} does not match config.corpus.source (${c.source})`);
  if (pins.corpus.kind === 'files' && pins.corpus.files.length === 0) throw bad('corpus.files', 'a corpus of files needs at least one file');
  if (pins.corpus.kind !== 'files' && pins.corpus.files.length > 0) throw bad('corpus.files', `only a corpus of files lists files (this one is ${pins.corpus.kind})`);
  if ((pins.corpus.kind === 'files' || pins.corpus.kind === 'folder') && pins.corpus.hash === null) throw bad('corpus.hash', `a ${pins.corpus.kind} corpus must be pinned by its content hash`);
  if (pins.corpus.hash !== null && c.hash !== null && pins.corpus.hash !== c.hash) throw bad('corpus.hash', 'differs from config.corpus.hash');
  if (pins.embedder.model !== config.embedder.model) throw bad('embedder.model', 'differs from config.embedder.model');
  if (pins.embedder.revision !== config.embedder.revision) throw bad('embedder.revision', 'differs from config.embedder.revision');
  const l = config.llm;
  if (l.engine === 'none' || l.model === null) {
    if (pins.llm !== null) throw bad('llm', 'the configuration has no LLM');
  } else if (pins.llm === null || pins.llm.engine !== l.engine || pins.llm.model !== l.model) {
    throw bad('llm', `does not match config.llm (${l.engine} ${l.model})`);
  }
  if (pins.llm?.engine === 'webllm' && pins.llm.sha256 !== null) throw bad('llm.sha256', 'web-llm models are pinned by id and library version, not by a file hash');
}

function validate(data: unknown): SharePayload {
  const shape = v.safeParse(PayloadShape, data);
  if (!shape.success) throw shareError('InvalidShareLink', `Not a ragtab share link: ${issues('', shape.issues)}`);
  const p = shape.output;
  let config: BenchConfig;
  try {
    config = parseBenchConfig(p.config);
  } catch (e) {
    throw shareError('InvalidShareLink', `The shared configuration is invalid: ${errorInfo(e).message}`);
  }
  checkPins(config, p.pins);
  checkUrls(config, p.pins);
  let record: RunRecord | undefined;
  if (p.record !== undefined) {
    try {
      record = parseRunRecord(p.record);
      parseBenchConfig(record.config);
    } catch (e) {
      throw shareError('InvalidShareLink', `The shared record is invalid: ${errorInfo(e).message}`);
    }
    if (JSON.stringify(record.config) !== JSON.stringify(config)) throw shareError('InvalidShareLink', "The shared record's configuration differs from the link's configuration.");
  }
  const payload: SharePayload = { v: SHARE_VERSION, config, pins: p.pins, ...(p.summary ? { summary: p.summary } : {}), ...(record ? { record } : {}) };
  return deepFreeze(payload);
}

// ─────────────────────────────── decode ───────────────────────────────

function fail(e: unknown): { ok: false; error: RagtabError } {
  if (e instanceof RagtabError && (SHARE_ERROR_CODES as readonly string[]).includes(e.code)) return { ok: false, error: e };
  return { ok: false, error: shareError('InvalidShareLink', `The share link could not be read: ${errorInfo(e).message}`) };
}

/** The data of a `#share=` fragment in a URL or a hash (`#share=…`), or null when there is none. */
export function shareDataFromUrl(urlOrHash: string): string | null {
  const hash = urlOrHash.indexOf('#');
  if (hash < 0) return null;
  for (const part of urlOrHash.slice(hash + 1).split('&')) {
    if (part.startsWith(`${SHARE_KEY}=`)) return part.slice(SHARE_KEY.length + 1);
  }
  return null;
}

/** Decodes the data of a link (what follows `#share=`). Never throws. */
export async function decodeShareData(data: string): Promise<DecodeResult> {
  try {
    if (typeof data !== 'string') throw shareError('InvalidShareLink', 'The share link holds no data.');
    if (data.length > MAX_ENCODED_CHARS) {
      throw shareError('ShareLinkTooLarge', `The share link is ${data.length} characters long; links of up to ${MAX_ENCODED_CHARS} are read.`);
    }
    if (data.length === 0) throw shareError('InvalidShareLink', 'The share link holds no data.');
    const bytes = fromBase64Url(data);
    if (!bytes) throw shareError('InvalidShareLink', 'The share link is not base64url text (it may have been cut or changed).');
    let inflated: Uint8Array | 'too-large';
    try {
      inflated = await pump(bytes, new DecompressionStream('deflate-raw'), MAX_DECODED_BYTES);
    } catch (e) {
      throw shareError('InvalidShareLink', `The share link's data is not a valid compressed stream (it may have been cut or changed): ${errorInfo(e).message}`);
    }
    if (inflated === 'too-large') {
      throw shareError('ShareLinkTooLarge', `The share link unpacks to more than ${MAX_DECODED_BYTES / 1024} KB; decompression was stopped.`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
    } catch {
      throw shareError('InvalidShareLink', "The share link's data is not UTF-8 text.");
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH) throw shareError('InvalidShareLink', `The share link's JSON is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    let json: unknown;
    try {
      json = JSON.parse(text, safeReviver);
    } catch (e) {
      throw shareError('InvalidShareLink', `The share link's data is not JSON: ${errorInfo(e).message}`);
    }
    const bounds = checkBounds(json);
    if (bounds) throw shareError('InvalidShareLink', `The share link's data is out of bounds: ${bounds}.`);
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw shareError('InvalidShareLink', 'The share link does not hold an object.');
    const obj = json as Record<string, unknown>;
    const ver = obj['v'];
    if (typeof ver !== 'number' || !Number.isInteger(ver) || ver < 0) {
      throw shareError('InvalidShareLink', `The share link has no valid version (v): got ${typeof ver === 'number' ? ver : typeof ver}.`);
    }
    if (ver > SHARE_VERSION) {
      throw shareError('UnsupportedShareVersion', `This link was made by a newer ragtab (share link version ${ver}); this one reads versions up to ${SHARE_VERSION}. Open it in a newer ragtab.`);
    }
    const migratedFrom = ver < SHARE_VERSION ? ver : null;
    const payload = validate(migratedFrom === null ? obj : migrate(obj, ver));
    return { ok: true, payload, migratedFrom, encodedChars: data.length };
  } catch (e) {
    return fail(e);
  }
}

/** Decodes the `#share=` fragment of a URL (or a bare hash). Never throws. */
export async function decodeShareLink(urlOrHash: string): Promise<DecodeResult> {
  const data = shareDataFromUrl(String(urlOrHash));
  if (data === null) return { ok: false, error: shareError('InvalidShareLink', 'The URL has no #share= fragment.') };
  return decodeShareData(data);
}

// ─────────────────────────────── encode ───────────────────────────────

/** Any JSON value → deflate-raw → base64url (no size check: see buildShareLink). */
export async function encodeShareData(payload: unknown): Promise<string> {
  return encodeShareText(JSON.stringify(payload));
}

/** JSON text as it is → deflate-raw → base64url (tests use it to write links no encoder would). */
export async function encodeShareText(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const out = await pump(bytes, new CompressionStream('deflate-raw'), Number.MAX_SAFE_INTEGER);
  if (out === 'too-large') throw new Error('unreachable');
  return toBase64Url(out);
}

/** The page URL with its fragment replaced by `#share=<data>`. */
export function shareUrl(pageUrl: string, data: string): string {
  const hash = pageUrl.indexOf('#');
  return `${hash < 0 ? pageUrl : pageUrl.slice(0, hash)}#${SHARE_KEY}=${data}`;
}

export interface ShareParts {
  config: BenchConfig;
  pins: SharePins;
  summary?: ShareSummary;
  record?: RunRecord;
}

export interface BuiltLink {
  url: string;
  /** Characters of data after `#share=`. */
  chars: number;
  budget: number;
  includesRecord: boolean;
  /** A record was given but did not fit: offer it as a file. */
  recordOmitted: boolean;
  /** The summary was cut (throughputs, then stages beyond the first 40) to fit. */
  summaryTrimmed: boolean;
  payload: SharePayload;
}

/**
 * Makes a link within `budget` characters: with the full record when it fits, else with the
 * summary only (then with a trimmed summary). The payload is validated the way a reader will
 * validate it. Throws ShareLinkTooLarge when even the configuration alone does not fit.
 */
export async function buildShareLink(pageUrl: string, parts: ShareParts, budget = LINK_BUDGET): Promise<BuiltLink> {
  const base = { v: SHARE_VERSION, config: parts.config, pins: parts.pins };
  const s = parts.summary;
  const attempts: Array<{ payload: Record<string, unknown>; record: boolean; trimmed: boolean }> = [];
  if (parts.record) attempts.push({ payload: { ...base, ...(s ? { summary: s } : {}), record: parts.record }, record: true, trimmed: false });
  attempts.push({ payload: { ...base, ...(s ? { summary: s } : {}) }, record: false, trimmed: false });
  if (s) {
    attempts.push({ payload: { ...base, summary: { ...s, throughputs: [] } }, record: false, trimmed: true });
    attempts.push({ payload: { ...base, summary: { ...s, throughputs: [], stages: s.stages.slice(0, 40), questions: s.questions.slice(0, 1) } }, record: false, trimmed: true });
  }
  let smallest = Infinity;
  for (const a of attempts) {
    const payload = validate(JSON.parse(JSON.stringify(a.payload)));
    const data = await encodeShareData(a.payload);
    smallest = Math.min(smallest, data.length);
    if (data.length > budget) continue;
    return { url: shareUrl(pageUrl, data), chars: data.length, budget, includesRecord: a.record, recordOmitted: !!parts.record && !a.record, summaryTrimmed: a.trimmed, payload };
  }
  throw shareError('ShareLinkTooLarge', `Even the configuration alone takes ${smallest} characters, more than a link's ${budget}: share the record as a file instead.`);
}
