/**
 * Checks a downloaded model file before anything caches it: a `200` that is an HTML page (a captive
 * portal, a login wall, an error page), a body shorter or longer than its `Content-Length`, an ONNX
 * file that stops inside a protobuf field, a JSON file that does not parse, a GGUF or WebAssembly
 * file without its magic number. Streaming: `push` each chunk as it arrives (it throws as soon as
 * the bytes show the problem), then `finish` (it throws when the file is incomplete).
 *
 * ONNX is a protobuf `ModelProto`: the check walks its top-level fields (tag, then a varint, a
 * fixed 32/64-bit value or a length-delimited payload, which is skipped, never decoded) and needs
 * the walk to end exactly at the end of the file, with `ir_version` (field 1) and `graph` (field 7)
 * seen. A truncated file ends inside the graph's payload, so the walk cannot end cleanly. The
 * payloads are not parsed: a file corrupted *inside* the graph passes here and fails in ONNX
 * Runtime (the embedder then evicts it from the cache and downloads it again).
 *
 * Errors: ModelFileCorrupt (an HTML page, cut short, a wrong length, unparsable JSON, a missing
 * magic number), ModelNotOnnx (an `.onnx` file whose bytes are not a ModelProto).
 *
 * Pure: no DOM, no fetch. The embedder worker runs it on transformers.js's downloads and the
 * service worker on what it keeps for offline use.
 */
import { RagtabError } from './errors';
import { formatBytes } from './lines';

/** How a file is checked, from its name. */
export type ModelFileFormat = 'onnx' | 'json' | 'gguf' | 'wasm' | 'data' | 'any';

/** The response's headers that the check reads (null when absent). */
export interface ResponseMeta {
  contentType: string | null;
  contentLength: number | null;
  contentEncoding: string | null;
}

/** Largest JSON file the check holds in memory to parse (a big tokenizer.json is ~20 MB). */
export const MAX_CHECKED_JSON_BYTES = 256 * 1024 * 1024;

/** The file name of a URL or path, without query or fragment. */
export function fileNameOf(urlOrPath: string): string {
  const path = urlOrPath.split(/[?#]/)[0] ?? '';
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The format of a file, by name. `data`: binary or text files that are never an HTML page
 * (external ONNX weights, datasets); `any`: no check beyond the length.
 */
export function modelFileFormat(urlOrPath: string): ModelFileFormat {
  const name = fileNameOf(urlOrPath).toLowerCase();
  if (name.endsWith('.onnx')) return 'onnx';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.gguf')) return 'gguf';
  if (name.endsWith('.wasm')) return 'wasm';
  if (/\.(onnx_data|onnx\.data|bin|safetensors|jsonl|ndjson|tsv|gz|model|txt)$/.test(name)) return 'data';
  return 'any';
}

/** The headers the check reads, from a `Headers` object (or anything with `get`). */
export function responseMeta(headers: { get(name: string): string | null }): ResponseMeta {
  const len = headers.get('content-length');
  const n = len !== null && /^\d+$/.test(len.trim()) ? Number(len.trim()) : null;
  return { contentType: headers.get('content-type'), contentLength: n, contentEncoding: headers.get('content-encoding') };
}

// ONNX ModelProto fields (onnx.proto3) and their wire types: 0 varint, 2 length-delimited.
const MODEL_PROTO_WIRE: ReadonlyMap<number, number> = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
  [26, 2], // configuration
]);

type Phase = 'tag' | 'varint' | 'len' | 'skip';

/** A streaming walk over a protobuf message's top-level fields. */
class ProtoWalker {
  private phase: Phase = 'tag';
  private acc = 0;
  private mul = 1;
  private varintBytes = 0;
  private remaining = 0;
  private field = 0;
  private fieldStart = 0;
  pos = 0;
  readonly seen = new Set<number>();
  irVersion: number | null = null;

  constructor(private readonly name: string) {}

  private bad(why: string): RagtabError {
    return corrupt(this.name, `it is not an ONNX model: ${why}`, 'ModelNotOnnx');
  }

  push(b: Uint8Array): void {
    let i = 0;
    while (i < b.length) {
      if (this.phase === 'skip') {
        const take = Math.min(this.remaining, b.length - i);
        this.remaining -= take;
        i += take;
        this.pos += take;
        if (this.remaining === 0) this.phase = 'tag';
        continue;
      }
      const byte = b[i++]!;
      this.pos++;
      if (this.phase === 'tag' && this.varintBytes === 0) this.fieldStart = this.pos - 1;
      this.acc += (byte & 0x7f) * this.mul;
      this.mul *= 128;
      if (++this.varintBytes > 10) throw this.bad(`a varint longer than 10 bytes at byte ${this.pos - 10}`);
      if (byte & 0x80) continue;
      const value = this.acc;
      this.acc = 0;
      this.mul = 1;
      this.varintBytes = 0;
      this.onVarint(value);
    }
  }

  private onVarint(value: number): void {
    if (this.phase === 'tag') {
      const field = Math.floor(value / 8);
      const wire = value % 8;
      const expected = MODEL_PROTO_WIRE.get(field);
      if (field === 0 || (expected !== undefined && expected !== wire) || (expected === undefined && wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5)) {
        throw this.bad(`byte ${this.fieldStart} is not a ModelProto field (field ${field}, wire type ${wire})`);
      }
      if (this.fieldStart === 0 && expected === undefined) throw this.bad(`it starts with field ${field}, which ModelProto does not have`);
      this.field = field;
      this.seen.add(field);
      if (wire === 0) this.phase = 'varint';
      else if (wire === 2) this.phase = 'len';
      else {
        this.remaining = wire === 1 ? 8 : 4;
        this.phase = 'skip';
      }
    } else if (this.phase === 'varint') {
      if (this.field === 1) this.irVersion = value;
      this.phase = 'tag';
    } else if (this.phase === 'len') {
      if (value > 2 ** 42) throw this.bad(`field ${this.field} claims ${value} bytes`);
      this.remaining = value;
      this.phase = value === 0 ? 'tag' : 'skip';
    }
  }

  /** At the start of a length-delimited or fixed payload (the header is read). */
  atPayload(): boolean {
    return this.phase === 'skip';
  }

  /** Right after a whole field with no payload (a varint value, an empty payload). */
  atFieldEnd(): boolean {
    return this.phase === 'tag' && this.varintBytes === 0 && this.pos > 0;
  }

  lastField(): number {
    return this.field;
  }

  payloadLeft(): number {
    return this.phase === 'skip' ? this.remaining : 0;
  }

  /** Why the walk did not end cleanly at a field boundary, or null. */
  incomplete(): string | null {
    if (this.pos === 0) return 'it is empty';
    if (this.phase === 'skip') {
      const what = this.field === 7 ? 'its graph' : `field ${this.field}`;
      return `it ends inside ${what}, ${formatBytes(this.remaining)} short: the download is truncated`;
    }
    if (this.phase !== 'tag' || this.varintBytes > 0) return 'it ends inside a field header: the download is truncated';
    if (!this.seen.has(7)) return 'it has no graph (ModelProto field 7)';
    if (this.irVersion === null || this.irVersion < 1 || this.irVersion > 1000) return `its ir_version is ${this.irVersion ?? 'missing'}`;
    return null;
  }
}

/**
 * ModelFileCorrupt: the download is broken (an HTML page, cut short, a wrong length);
 * ModelNotOnnx: the bytes are something other than ONNX.
 */
function corrupt(name: string, why: string, code: 'ModelFileCorrupt' | 'ModelNotOnnx' = 'ModelFileCorrupt'): RagtabError {
  return new RagtabError(code, `${name}: ${why}. It was not cached; check the network (a captive portal or a proxy can answer for the server) and load it again.`);
}

const HTML_START = /^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--|<[a-z])/i;

/** True when the first bytes read like an HTML (or XML) page. */
export function looksLikeHtml(head: Uint8Array): boolean {
  let s = '';
  for (let i = 0; i < Math.min(head.length, 64); i++) s += String.fromCharCode(head[i]!);
  return HTML_START.test(s);
}

/** Checks one file as its bytes arrive. */
export class ModelFileVerifier {
  readonly format: ModelFileFormat;
  private bytes = 0;
  private head = new Uint8Array(0);
  private readonly walker: ProtoWalker | null;
  private readonly json: Uint8Array[] | null;
  private readonly expected: number | null;

  constructor(
    readonly name: string,
    readonly meta: ResponseMeta,
    format: ModelFileFormat = modelFileFormat(name),
  ) {
    this.format = format;
    this.walker = format === 'onnx' ? new ProtoWalker(name) : null;
    this.json = format === 'json' ? [] : null;
    const enc = (meta.contentEncoding ?? '').trim().toLowerCase();
    this.expected = enc === '' || enc === 'identity' ? meta.contentLength : null;
    const type = (meta.contentType ?? '').toLowerCase();
    if (format !== 'any' && /^\s*text\/html\b|^\s*application\/xhtml/.test(type)) {
      throw corrupt(name, `the server answered with an HTML page (Content-Type ${meta.contentType}), not the file`);
    }
  }

  /** Bytes seen so far. */
  get received(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.bytes += chunk.byteLength;
    if (this.expected !== null && this.bytes > this.expected) {
      throw corrupt(this.name, `the body is longer than its Content-Length (${this.expected} bytes)`);
    }
    if (this.head.length < 64) {
      const n = Math.min(64 - this.head.length, chunk.byteLength);
      const h = new Uint8Array(this.head.length + n);
      h.set(this.head);
      h.set(chunk.subarray(0, n), this.head.length);
      this.head = h;
      this.checkHead(false);
    }
    if (this.walker) {
      try {
        this.walker.push(chunk);
      } catch (e) {
        if (looksLikeHtml(this.head)) throw corrupt(this.name, 'the server answered with an HTML page, not the file');
        throw e;
      }
    }
    if (this.json) {
      if (this.bytes > MAX_CHECKED_JSON_BYTES) throw corrupt(this.name, `a JSON file over ${formatBytes(MAX_CHECKED_JSON_BYTES)}`);
      this.json.push(chunk.slice());
    }
  }

  private checkHead(final: boolean): void {
    const h = this.head;
    const need = this.format === 'gguf' || this.format === 'wasm' ? 4 : 16;
    if (!final && h.length < need) return;
    if (this.format !== 'json' && this.format !== 'any' && looksLikeHtml(h)) {
      throw corrupt(this.name, 'the server answered with an HTML page, not the file');
    }
    if (this.format === 'gguf' && !(h[0] === 0x47 && h[1] === 0x47 && h[2] === 0x55 && h[3] === 0x46)) {
      throw corrupt(this.name, 'it does not start with the GGUF magic number');
    }
    if (this.format === 'wasm' && !(h[0] === 0x00 && h[1] === 0x61 && h[2] === 0x73 && h[3] === 0x6d)) {
      throw corrupt(this.name, 'it does not start with the WebAssembly magic number');
    }
  }

  /** Throws unless the file is complete and well-formed. */
  finish(): void {
    this.checkHead(true);
    if (this.expected !== null && this.bytes !== this.expected) {
      throw corrupt(this.name, `it is truncated: ${this.bytes} of the ${this.expected} bytes its Content-Length announced`);
    }
    if (this.walker) {
      const why = this.walker.incomplete();
      if (why) throw corrupt(this.name, looksLikeHtml(this.head) ? 'the server answered with an HTML page, not the file' : `it is not a complete ONNX model: ${why}`);
    }
    if (this.json) {
      const all = new Uint8Array(this.bytes);
      let o = 0;
      for (const c of this.json) {
        all.set(c, o);
        o += c.byteLength;
      }
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(all));
      } catch (e) {
        const what = looksLikeHtml(this.head) ? 'the server answered with an HTML page, not the file' : `it is not valid JSON (${e instanceof Error ? e.message : String(e)})`;
        throw corrupt(this.name, what);
      }
      if (value === null || typeof value !== 'object') throw corrupt(this.name, 'it is JSON but not an object');
    }
  }
}

/** Reads `length` bytes at `offset` of a stored file (fewer at its end). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Checks a stored copy (a Cache Storage entry) without reading it whole: the first bytes (an HTML
 * page, the magic numbers), JSON by parsing it (small files), and ONNX by walking its top-level
 * fields through their headers only, skipping each payload by its length: a copy cut short ends
 * inside one. Throws like the streaming check.
 */
export async function checkStoredModelFile(name: string, size: number, read: ReadAt, format: ModelFileFormat = modelFileFormat(name)): Promise<void> {
  const head = await read(0, Math.min(size, 64));
  const v = new ModelFileVerifier(name, { contentType: null, contentLength: size, contentEncoding: null }, format);
  if (format === 'json') {
    v.push(await read(0, size));
    v.finish();
    return;
  }
  if (format !== 'onnx') {
    v.push(head);
    if (size <= head.byteLength) v.finish();
    return;
  }
  if (looksLikeHtml(head)) throw corrupt(name, 'the server answered with an HTML page, not the file');
  let pos = 0;
  let fields = 0;
  const walker = new ProtoWalker(name);
  while (pos < size) {
    if (++fields > 100_000) throw corrupt(name, 'it has more top-level fields than any ONNX model', 'ModelNotOnnx');
    // A field header is at most 20 bytes: a tag and a varint (a value or a payload length).
    const h = await read(pos, Math.min(20, size - pos));
    const step = new ProtoWalker(name);
    let used = 0;
    while (used < h.byteLength && !step.atPayload() && !step.atFieldEnd()) step.push(h.subarray(used, ++used));
    if (!step.atPayload() && !step.atFieldEnd()) throw corrupt(name, 'it is not a complete ONNX model: it ends inside a field header: the download is truncated');
    walker.seen.add(step.lastField());
    if (step.lastField() === 1) walker.irVersion = step.irVersion;
    pos += used + step.payloadLeft();
    if (pos > size) {
      const what = step.lastField() === 7 ? 'its graph' : `field ${step.lastField()}`;
      throw corrupt(name, `it is not a complete ONNX model: it ends inside ${what}, ${formatBytes(pos - size)} short: the download is truncated`);
    }
  }
  walker.pos = size;
  const why = walker.seen.has(7) ? (walker.irVersion === null || walker.irVersion < 1 || walker.irVersion > 1000 ? `its ir_version is ${walker.irVersion ?? 'missing'}` : null) : 'it has no graph (ModelProto field 7)';
  if (why) throw corrupt(name, `it is not a complete ONNX model: ${why}`);
}

/** Checks a whole file at once (a cached copy, a test). Throws ModelFileCorrupt. */
export function verifyModelFile(name: string, meta: ResponseMeta, bytes: Uint8Array, format?: ModelFileFormat): void {
  const v = new ModelFileVerifier(name, meta, format);
  for (let i = 0; i < bytes.byteLength; i += 1 << 20) v.push(bytes.subarray(i, i + (1 << 20)));
  v.finish();
}

/**
 * The same bytes, checked as they pass: the stream errors with the verifier's ModelFileCorrupt as
 * soon as a chunk shows the problem, or at its end when the file is incomplete, so whatever reads
 * it to the end (transformers.js, a Cache `put`) fails instead of keeping a broken file. A read
 * that fails underneath (the connection dropped) becomes FetchFailed naming the file and how many
 * bytes had arrived.
 */
export function verifiedStream(body: ReadableStream<Uint8Array>, verifier: ModelFileVerifier): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new RagtabError('FetchFailed', `${verifier.name}: the download broke off after ${verifier.received} bytes${verifier.meta.contentLength !== null ? ` of ${verifier.meta.contentLength}` : ''} (${why}). Nothing was cached; load it again.`, { cause: e });
      }
      if (r.done) {
        verifier.finish();
        controller.close();
        return;
      }
      verifier.push(r.value);
      controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
