/**
 * GGUF header reader (pure): enough of the format to refuse a file that is not GGUF, is cut short,
 * or lies about its size, and to read what the app needs before handing the bytes to llama.cpp:
 * architecture, trained context length, vocabulary size, chat template, special tokens, file type.
 *
 * Format (little-endian): magic "GGUF", u32 version (2 or 3), u64 tensor count, u64 KV count,
 * KV pairs, tensor infos, padding to `general.alignment` (default 32), tensor data.
 * Why check it ourselves: wllama 3.8.1 resolves loadModel() on a corrupt or truncated file and the
 * next call fails with an unrelated message (see issue 5).
 *
 * One file (~520 lines) because it is one format: the value types, the header walk and its checks.
 */
import { RagtabError } from './errors';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** An array kept only as its element type and length (see `fullArrays`). */
export interface GgufArraySummary {
  kind: 'array-summary';
  itemType: GgufValueType;
  length: number;
}

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufScalar[] | GgufValue[] | GgufArraySummary;

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  /** Offset of the data relative to the start of the data section. */
  offset: number;
  /** Bytes of the data (null when the ggml type is unknown to this reader). */
  bytes: number | null;
}

export interface GgufHeader {
  version: number;
  tensorCount: number;
  kvCount: number;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Bytes of magic + counts + KV pairs + tensor infos (before padding). */
  headerBytes: number;
  /** File offset of the tensor data section. */
  dataOffset: number;
  /** End of the last tensor's data (file offset); null when a tensor type is unknown. */
  expectedFileBytes: number | null;
  /** Convenience fields read from the metadata (null when absent). */
  architecture: string | null;
  name: string | null;
  contextLength: number | null;
  vocabSize: number | null;
  chatTemplate: string | null;
  fileType: number | null;
  fileTypeName: string | null;
  tokenizerModel: string | null;
  bosTokenId: number | null;
  eosTokenId: number | null;
  addBosToken: boolean | null;
  /** Number of parts when the model is split with gguf-split (1 for a single file). */
  splitCount: number;
}

export interface ParseGgufOptions {
  /** Array keys kept in full; other arrays longer than `arrayLimit` are summarised. */
  fullArrays?: readonly string[];
  /** Arrays up to this many items are kept in full. Default 64. */
  arrayLimit?: number;
}

/** Raised internally when the bytes end before the header does. */
class OutOfBytes extends Error {}

/** InvalidGguf because the bytes given end inside the header: read more bytes, or the file is truncated. */
export class GgufHeaderTruncated extends RagtabError {
  constructor(readonly bytesGiven: number) {
    super('InvalidGguf', `Not a valid GGUF file: the header ends after byte ${bytesGiven} (the file is truncated or not GGUF).`);
  }
}

/** [bytes per block, elements per block] of each ggml type (from ggml; checked against node-llama-cpp). */
export const GGML_TYPE_SIZE: Readonly<Record<number, readonly [number, number]>> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  9: [36, 32], // Q8_1
  10: [84, 256], // Q2_K
  11: [110, 256], // Q3_K
  12: [144, 256], // Q4_K
  13: [176, 256], // Q5_K
  14: [210, 256], // Q6_K
  15: [292, 256], // Q8_K
  16: [66, 256], // IQ2_XXS
  17: [74, 256], // IQ2_XS
  18: [98, 256], // IQ3_XXS
  19: [50, 256], // IQ1_S
  20: [18, 32], // IQ4_NL
  21: [110, 256], // IQ3_S
  22: [82, 256], // IQ2_S
  23: [136, 256], // IQ4_XS
  24: [1, 1], // I8
  25: [2, 1], // I16
  26: [4, 1], // I32
  27: [8, 1], // I64
  28: [8, 1], // F64
  29: [56, 256], // IQ1_M
  30: [2, 1], // BF16
  34: [54, 256], // TQ1_0
  35: [66, 256], // TQ2_0
  39: [17, 32], // MXFP4
  40: [36, 64], // NVFP4
  41: [18, 128], // Q1_0
};

/** ggml type names (as llama.cpp prints them). */
export const GGML_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 6: 'Q5_0', 7: 'Q5_1', 8: 'Q8_0', 9: 'Q8_1', 10: 'Q2_K', 11: 'Q3_K',
  12: 'Q4_K', 13: 'Q5_K', 14: 'Q6_K', 15: 'Q8_K', 16: 'IQ2_XXS', 17: 'IQ2_XS', 18: 'IQ3_XXS', 19: 'IQ1_S',
  20: 'IQ4_NL', 21: 'IQ3_S', 22: 'IQ2_S', 23: 'IQ4_XS', 24: 'I8', 25: 'I16', 26: 'I32', 27: 'I64', 28: 'F64',
  29: 'IQ1_M', 30: 'BF16', 34: 'TQ1_0', 35: 'TQ2_0', 39: 'MXFP4', 40: 'NVFP4', 41: 'Q1_0',
};

/** llama.cpp's LLAMA_FTYPE names for `general.file_type`. */
const FILE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  19: 'IQ2_XXS',
  20: 'IQ2_XS',
  21: 'Q2_K_S',
  22: 'IQ3_XS',
  23: 'IQ3_XXS',
  24: 'IQ1_S',
  25: 'IQ4_NL',
  26: 'IQ3_S',
  27: 'IQ3_M',
  28: 'IQ2_S',
  29: 'IQ2_M',
  30: 'IQ4_XS',
  31: 'IQ1_M',
  32: 'BF16',
  36: 'TQ1_0',
  37: 'TQ2_0',
  38: 'MXFP4_MOE',
};

class Reader {
  pos = 0;
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new OutOfBytes();
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A u64 that must fit a JS number and stay below `max` (a sanity bound against junk). */
  count(what: string, max: number): number {
    const v = this.u64();
    if (v > BigInt(max)) throw new RagtabError('InvalidGguf', `Not a valid GGUF file: ${what} is ${v}, which is implausible.`);
    return Number(v);
  }
  string(): string {
    const len = this.count('a string length', 1 << 30);
    this.need(len);
    const slice = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    try {
      return this.decoder.decode(slice);
    } catch {
      throw new RagtabError('InvalidGguf', `Not a valid GGUF file: a string at byte ${this.pos - len} is not UTF-8.`);
    }
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

const FIXED_SIZE: Partial<Record<GgufValueType, number>> = {
  [GgufValueType.UINT8]: 1,
  [GgufValueType.INT8]: 1,
  [GgufValueType.BOOL]: 1,
  [GgufValueType.UINT16]: 2,
  [GgufValueType.INT16]: 2,
  [GgufValueType.UINT32]: 4,
  [GgufValueType.INT32]: 4,
  [GgufValueType.FLOAT32]: 4,
  [GgufValueType.UINT64]: 8,
  [GgufValueType.INT64]: 8,
  [GgufValueType.FLOAT64]: 8,
};

function readScalar(r: Reader, type: GgufValueType, key: string): GgufScalar {
  switch (type) {
    case GgufValueType.UINT8:
      return r.u8();
    case GgufValueType.INT8:
      return r.i8();
    case GgufValueType.UINT16:
      return r.u16();
    case GgufValueType.INT16:
      return r.i16();
    case GgufValueType.UINT32:
      return r.u32();
    case GgufValueType.INT32:
      return r.i32();
    case GgufValueType.FLOAT32:
      return r.f32();
    case GgufValueType.BOOL: {
      const b = r.u8();
      if (b > 1) throw new RagtabError('InvalidGguf', `Not a valid GGUF file: boolean ${key} holds ${b}.`);
      return b === 1;
    }
    case GgufValueType.STRING:
      return r.string();
    case GgufValueType.UINT64:
      return toNumberIfSafe(r.u64());
    case GgufValueType.INT64:
      return toNumberIfSafe(r.i64());
    case GgufValueType.FLOAT64:
      return r.f64();
    default:
      throw new RagtabError('InvalidGguf', `Not a valid GGUF file: unknown value type ${String(type)} for key "${key}".`);
  }
}

function toNumberIfSafe(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

function readValue(r: Reader, type: GgufValueType, key: string, keepFull: boolean, limit: number, depth = 0): GgufValue {
  if (type !== GgufValueType.ARRAY) return readScalar(r, type, key);
  if (depth > 4) throw new RagtabError('InvalidGguf', `Not a valid GGUF file: arrays nested too deep in "${key}".`);
  const itemType = r.u32() as GgufValueType;
  if (itemType > GgufValueType.FLOAT64) {
    throw new RagtabError('InvalidGguf', `Not a valid GGUF file: unknown array item type ${itemType} for key "${key}".`);
  }
  const length = r.count(`the length of array "${key}"`, 1 << 28);
  if (!keepFull && length > limit) {
    const fixed = FIXED_SIZE[itemType];
    if (fixed !== undefined) r.skip(fixed * length);
    else for (let i = 0; i < length; i++) readValue(r, itemType, key, false, 0, depth + 1);
    return { kind: 'array-summary', itemType, length };
  }
  const out: GgufValue[] = [];
  for (let i = 0; i < length; i++) out.push(readValue(r, itemType, key, true, limit, depth + 1));
  return out as GgufValue;
}

/** Bytes of a tensor of the given ggml type and shape, or null when the type is unknown. */
export function ggmlTensorBytes(type: number, dims: readonly number[]): number | null {
  const size = GGML_TYPE_SIZE[type];
  if (!size) return null;
  const [blockBytes, blockElems] = size;
  const elems = dims.reduce((a, b) => a * b, 1);
  const rowElems = dims[0] ?? 1;
  if (rowElems % blockElems !== 0) return null;
  return (elems / blockElems) * blockBytes;
}

/**
 * The ggml type holding most tensor bytes, e.g. 'F32' or 'Q4_K' (for files without
 * `general.file_type`); null when there are no tensors.
 */
export function dominantTensorType(header: Pick<GgufHeader, 'tensors'>): string | null {
  const bytes = new Map<number, number>();
  for (const t of header.tensors) bytes.set(t.type, (bytes.get(t.type) ?? 0) + (t.bytes ?? 0));
  let best: number | null = null;
  for (const [type, b] of bytes) if (best === null || b > (bytes.get(best) ?? 0)) best = type;
  return best === null ? null : (GGML_TYPE_NAMES[best] ?? `type ${best}`);
}

/** Quick check of the first bytes (magic and version), usable on the first chunk of a download. */
export function checkGgufMagic(bytes: Uint8Array): { ok: true; version: number } | { ok: false; reason: string } {
  if (bytes.byteLength < 8) return { ok: false, reason: `the file has only ${bytes.byteLength} bytes` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== GGUF_MAGIC) {
    const shown = Array.from(bytes.subarray(0, 4), (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    return { ok: false, reason: `it does not start with "GGUF" (found "${shown}")` };
  }
  const version = view.getUint32(4, true);
  if (version === 1) return { ok: false, reason: 'GGUF version 1 is no longer supported by llama.cpp' };
  if (version !== 2 && version !== 3) {
    const swapped = view.getUint32(4, false);
    if (swapped === 2 || swapped === 3) return { ok: false, reason: 'it is a big-endian GGUF, which llama.cpp in WebAssembly cannot read' };
    return { ok: false, reason: `unknown GGUF version ${version}` };
  }
  return { ok: true, version };
}

function str(md: Record<string, GgufValue>, key: string): string | null {
  const v = md[key];
  return typeof v === 'string' ? v : null;
}
function num(md: Record<string, GgufValue>, key: string): number | null {
  const v = md[key];
  return typeof v === 'number' ? v : null;
}
function arrLength(v: GgufValue | undefined): number | null {
  if (Array.isArray(v)) return v.length;
  if (v && typeof v === 'object' && 'kind' in v) return v.length;
  return null;
}

/**
 * Parses the header, metadata and tensor infos from the start of a GGUF file. `bytes` may be the
 * whole file or just its beginning; throws InvalidGguf for anything that is not a GGUF file and
 * for a header that ends after the bytes given ("truncated").
 */
export function parseGguf(bytes: Uint8Array, options: ParseGgufOptions = {}): GgufHeader {
  const magic = checkGgufMagic(bytes);
  if (!magic.ok) throw new RagtabError('InvalidGguf', `Not a valid GGUF file: ${magic.reason}.`);
  const limit = options.arrayLimit ?? 64;
  const full = new Set(options.fullArrays ?? []);
  const r = new Reader(bytes);
  try {
    r.skip(8);
    const tensorCount = r.count('the tensor count', 1 << 24);
    const kvCount = r.count('the metadata count', 1 << 24);
    const metadata: Record<string, GgufValue> = {};
    for (let i = 0; i < kvCount; i++) {
      const key = r.string();
      const type = r.u32() as GgufValueType;
      metadata[key] = readValue(r, type, key, full.has(key), limit);
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = r.string();
      const nDims = r.u32();
      if (nDims < 1 || nDims > 8) throw new RagtabError('InvalidGguf', `Not a valid GGUF file: tensor "${name}" has ${nDims} dimensions.`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(r.count(`a dimension of tensor "${name}"`, Number.MAX_SAFE_INTEGER));
      const type = r.u32();
      const offset = r.count(`the offset of tensor "${name}"`, Number.MAX_SAFE_INTEGER);
      tensors.push({ name, dims, type, offset, bytes: ggmlTensorBytes(type, dims) });
    }
    const headerBytes = r.pos;
    const alignmentRaw = metadata['general.alignment'];
    const alignment = typeof alignmentRaw === 'number' && alignmentRaw > 0 ? alignmentRaw : 32;
    const dataOffset = Math.ceil(headerBytes / alignment) * alignment;
    let dataEnd: number | null = 0;
    for (const t of tensors) {
      if (t.offset % alignment !== 0) {
        throw new RagtabError('InvalidGguf', `Not a valid GGUF file: tensor "${t.name}" is at offset ${t.offset}, not a multiple of ${alignment}.`);
      }
      if (t.bytes === null) {
        dataEnd = null;
        break;
      }
      dataEnd = Math.max(dataEnd, t.offset + t.bytes);
    }
    const md = metadata;
    const arch = str(md, 'general.architecture');
    const fileType = num(md, 'general.file_type');
    const addBos = md['tokenizer.ggml.add_bos_token'];
    const split = num(md, 'split.count');
    return {
      version: magic.version,
      tensorCount,
      kvCount,
      metadata,
      tensors,
      alignment,
      headerBytes,
      dataOffset,
      expectedFileBytes: dataEnd === null ? null : dataOffset + dataEnd,
      architecture: arch,
      name: str(md, 'general.name'),
      contextLength: arch ? num(md, `${arch}.context_length`) : null,
      vocabSize: (arch ? num(md, `${arch}.vocab_size`) : null) ?? arrLength(md['tokenizer.ggml.tokens']),
      chatTemplate: str(md, 'tokenizer.chat_template'),
      fileType,
      fileTypeName: fileType === null ? null : (FILE_TYPE_NAMES[fileType] ?? `type ${fileType}`),
      tokenizerModel: str(md, 'tokenizer.ggml.model'),
      bosTokenId: num(md, 'tokenizer.ggml.bos_token_id'),
      eosTokenId: num(md, 'tokenizer.ggml.eos_token_id'),
      addBosToken: typeof addBos === 'boolean' ? addBos : null,
      splitCount: split ?? 1,
    };
  } catch (e) {
    if (e instanceof OutOfBytes) throw new GgufHeaderTruncated(bytes.byteLength);
    throw e;
  }
}

export interface GgufSizeCheck {
  ok: boolean;
  reason: string;
}

/**
 * Compares the bytes received with what the server announced and with what the header says the
 * tensor data needs. A split model part (gguf-split) is checked the same way: each part holds its
 * own tensors.
 */
export function checkGgufSize(header: GgufHeader, receivedBytes: number, announcedBytes: number | null): GgufSizeCheck {
  if (header.tensorCount === 0) return { ok: false, reason: 'the file holds no tensors' };
  if (announcedBytes !== null && announcedBytes !== receivedBytes) {
    return {
      ok: false,
      reason: `the server announced ${announcedBytes} bytes but ${receivedBytes} arrived (the download was cut short)`,
    };
  }
  if (header.expectedFileBytes !== null && receivedBytes < header.expectedFileBytes) {
    return {
      ok: false,
      reason: `the header describes ${header.expectedFileBytes} bytes of tensors but the file has ${receivedBytes} (truncated)`,
    };
  }
  return { ok: true, reason: header.expectedFileBytes === null ? 'size not fully checkable (a tensor type unknown to this reader)' : 'size matches the header' };
}

/**
 * Parses the header from `head` (the file's first bytes, or all of it) and checks the file's size;
 * throws InvalidGguf with a readable reason.
 */
export function validateGguf(
  head: Uint8Array,
  fileBytes: number,
  announcedBytes: number | null,
  options: ParseGgufOptions = {},
): GgufHeader {
  const header = parseGguf(head, options);
  const size = checkGgufSize(header, fileBytes, announcedBytes);
  if (!size.ok) throw new RagtabError('InvalidGguf', `Not a valid GGUF file: ${size.reason}.`);
  return header;
}
