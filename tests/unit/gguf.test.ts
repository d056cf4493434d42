import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  GGML_TYPE_SIZE,
  GgufHeaderTruncated,
  checkGgufMagic,
  checkGgufSize,
  dominantTensorType,
  ggmlTensorBytes,
  parseGguf,
  validateGguf,
} from '../../src/core/gguf';
import { hasCode } from '../../src/core/errors';

const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const storiesPath = resolve(shared, 'models/stories260K/stories260K.gguf');
const haveStories = existsSync(storiesPath);

/** A tiny GGUF writer for synthetic files. */
class Writer {
  private parts: number[] = [];
  u8(v: number) { this.parts.push(v & 0xff); return this; }
  u32(v: number) { for (let i = 0; i < 4; i++) this.parts.push((v >>> (8 * i)) & 0xff); return this; }
  u64(v: number | bigint) { let b = BigInt(v); for (let i = 0; i < 8; i++) { this.parts.push(Number(b & 0xffn)); b >>= 8n; } return this; }
  f32(v: number) { const d = new DataView(new ArrayBuffer(4)); d.setFloat32(0, v, true); for (let i = 0; i < 4; i++) this.parts.push(d.getUint8(i)); return this; }
  str(s: string) { const b = new TextEncoder().encode(s); this.u64(b.length); for (const x of b) this.parts.push(x); return this; }
  raw(bytes: number[]) { this.parts.push(...bytes); return this; }
  pad(to: number) { while (this.parts.length % to) this.parts.push(0); return this; }
  get length() { return this.parts.length; }
  bytes() { return new Uint8Array(this.parts); }
}

interface Kv { key: string; write: (w: Writer) => void }
const kvString = (key: string, v: string): Kv => ({ key, write: (w) => w.u32(8).str(v) });
const kvU32 = (key: string, v: number): Kv => ({ key, write: (w) => w.u32(4).u32(v) });
const kvBool = (key: string, v: boolean): Kv => ({ key, write: (w) => w.u32(7).u8(v ? 1 : 0) });
const kvStrings = (key: string, v: string[]): Kv => ({ key, write: (w) => { w.u32(9).u32(8).u64(v.length); for (const s of v) w.str(s); } });

/** A GGUF v3 with the given KVs and one F32 tensor of `elems` elements (data included unless cut). */
function makeGguf(kvs: Kv[], opts: { elems?: number; alignment?: number; version?: number } = {}): Uint8Array {
  const elems = opts.elems ?? 8;
  const w = new Writer().raw([0x47, 0x47, 0x55, 0x46]).u32(opts.version ?? 3).u64(1).u64(kvs.length);
  for (const kv of kvs) { w.str(kv.key); kv.write(w); }
  w.str('token_embd.weight').u32(1).u64(elems).u32(0).u64(0);
  w.pad(opts.alignment ?? 32);
  for (let i = 0; i < elems; i++) w.f32(i);
  return w.bytes();
}

describe('GGUF header of the real test model (stories260K)', () => {
  it.skipIf(!haveStories)('reads architecture, context, vocabulary, special tokens and sizes', () => {
    const bytes = new Uint8Array(readFileSync(storiesPath));
    const h = validateGguf(bytes, bytes.byteLength, bytes.byteLength, { fullArrays: ['tokenizer.ggml.tokens'] });
    expect(h.version).toBe(3);
    expect(h.architecture).toBe('llama');
    expect(h.contextLength).toBe(2048);
    expect(h.vocabSize).toBe(512);
    expect(h.bosTokenId).toBe(1);
    expect(h.eosTokenId).toBe(2);
    expect(h.chatTemplate).toBeNull();
    expect(h.tokenizerModel).toBe('llama');
    expect(h.tensorCount).toBe(48);
    // node-llama-cpp's readGgufFileInfo: first tensor token_embd.weight [64, 512] F32 at data offset 0,
    // file offset 14176; output.weight at data offset 131328.
    expect(h.tensors[0]).toMatchObject({ name: 'token_embd.weight', dims: [64, 512], type: 0, offset: 0, bytes: 64 * 512 * 4 });
    expect(h.tensors[2]).toMatchObject({ name: 'output.weight', offset: 131328 });
    expect(h.dataOffset).toBe(14176);
    expect(h.expectedFileBytes).toBe(1185376); // the file's size (README: 1185376 bytes)
    expect(dominantTensorType(h)).toBe('F32');
    const tokens = h.metadata['tokenizer.ggml.tokens'];
    expect(Array.isArray(tokens) && tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
  });

  it.skipIf(!haveStories)('summarises long arrays unless asked for them', () => {
    const bytes = new Uint8Array(readFileSync(storiesPath));
    const h = parseGguf(bytes);
    expect(h.metadata['tokenizer.ggml.scores']).toEqual({ kind: 'array-summary', itemType: 6, length: 512 });
    expect(h.vocabSize).toBe(512);
  });

  it.skipIf(!haveStories)('a truncated copy is refused: cut in the tensor data, cut in the header', () => {
    const bytes = new Uint8Array(readFileSync(storiesPath));
    const cut = bytes.subarray(0, bytes.byteLength - 1000);
    expect(() => validateGguf(cut, cut.byteLength, null)).toThrow(/truncated/);
    try {
      validateGguf(cut, cut.byteLength, null);
    } catch (e) {
      expect(hasCode(e, 'InvalidGguf')).toBe(true);
    }
    // The server announced the full size but fewer bytes arrived.
    const h = parseGguf(bytes);
    expect(checkGgufSize(h, bytes.byteLength - 1, bytes.byteLength).ok).toBe(false);
    expect(checkGgufSize(h, bytes.byteLength, bytes.byteLength)).toEqual({ ok: true, reason: 'size matches the header' });
    // Cut inside the metadata: a GgufHeaderTruncated (InvalidGguf) that says how much it had.
    const head = bytes.subarray(0, 5000);
    expect(() => parseGguf(head)).toThrow(GgufHeaderTruncated);
  });
});

describe('GGUF checks on synthetic and junk files', () => {
  it('random bytes and text are not GGUF', () => {
    const junk = new Uint8Array(4096);
    let x = 12345;
    for (let i = 0; i < junk.length; i++) { x = (x * 1103515245 + 12345) >>> 0; junk[i] = x >>> 24; }
    junk[0] = 0x13;
    expect(checkGgufMagic(junk).ok).toBe(false);
    expect(() => parseGguf(junk)).toThrow(/does not start with "GGUF"/);
    const html = new TextEncoder().encode('<!doctype html><title>Not found</title>');
    expect(() => parseGguf(html)).toThrow(/found "<!do"/);
    expect(() => parseGguf(new Uint8Array(3))).toThrow(/only 3 bytes/);
  });

  it('version 1 and big-endian files are refused with their reason', () => {
    expect(checkGgufMagic(makeGguf([], { version: 1 }))).toEqual({ ok: false, reason: 'GGUF version 1 is no longer supported by llama.cpp' });
    const be = makeGguf([]);
    be.set([0, 0, 0, 3], 4);
    expect(checkGgufMagic(be).ok).toBe(false);
    expect((checkGgufMagic(be) as { reason: string }).reason).toMatch(/big-endian/);
  });

  it('reads a chat template, booleans, string arrays and a custom alignment', () => {
    const tmpl = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}<|assistant|>";
    const f = makeGguf(
      [
        kvString('general.architecture', 'qwen2'),
        kvString('general.name', 'tiny'),
        kvU32('qwen2.context_length', 32768),
        kvU32('general.alignment', 64),
        kvU32('general.file_type', 15),
        kvString('tokenizer.chat_template', tmpl),
        kvBool('tokenizer.ggml.add_bos_token', false),
        kvStrings('tokenizer.ggml.tokens', ['a', 'b', 'c']),
      ],
      { alignment: 64 },
    );
    const h = validateGguf(f, f.byteLength, f.byteLength);
    expect(h.architecture).toBe('qwen2');
    expect(h.contextLength).toBe(32768);
    expect(h.chatTemplate).toBe(tmpl);
    expect(h.addBosToken).toBe(false);
    expect(h.vocabSize).toBe(3);
    expect(h.alignment).toBe(64);
    expect(h.dataOffset % 64).toBe(0);
    expect(h.fileTypeName).toBe('Q4_K_M');
    expect(h.expectedFileBytes).toBe(f.byteLength);
  });

  it('implausible counts and unknown value types are InvalidGguf, not a crash', () => {
    const w = new Writer().raw([0x47, 0x47, 0x55, 0x46]).u32(3).u64(1n << 40n).u64(0);
    expect(() => parseGguf(w.bytes())).toThrow(/implausible/);
    const bad = new Writer().raw([0x47, 0x47, 0x55, 0x46]).u32(3).u64(0).u64(1).str('k').u32(99).u32(0);
    expect(() => parseGguf(bad.bytes())).toThrow(/unknown value type 99/);
  });

  it('a file without tensors is refused', () => {
    const w = new Writer().raw([0x47, 0x47, 0x55, 0x46]).u32(3).u64(0).u64(0);
    expect(() => validateGguf(w.bytes(), w.length, null)).toThrow(/no tensors/);
  });

  it('tensor byte sizes follow ggml blocks', () => {
    expect(ggmlTensorBytes(0, [64, 512])).toBe(131072); // F32
    expect(ggmlTensorBytes(8, [4096, 32])).toBe((4096 * 32 / 32) * 34); // Q8_0
    expect(ggmlTensorBytes(12, [4096, 4096])).toBe((4096 * 4096 / 256) * 144); // Q4_K
    expect(ggmlTensorBytes(12, [100])).toBeNull(); // a row not a multiple of the block
    expect(ggmlTensorBytes(4, [32])).toBeNull(); // removed type
  });
});

describe('ggml type sizes against llama.cpp (node-llama-cpp 3.21.1 bindings)', () => {
  it('every type in the table has llama.cpp\'s block bytes and block size', async () => {
    const { getLlama } = await import('node-llama-cpp');
    const llama = (await getLlama({ gpu: false, build: 'never' })) as unknown as {
      _bindings: { getTypeSizeForGgmlType(t: number): number | undefined; getBlockSizeForGgmlType(t: number): number | undefined };
    };
    for (const [type, [bytes, elems]] of Object.entries(GGML_TYPE_SIZE)) {
      expect([Number(type), llama._bindings.getTypeSizeForGgmlType(Number(type)), llama._bindings.getBlockSizeForGgmlType(Number(type))]).toEqual([
        Number(type),
        bytes,
        elems,
      ]);
    }
  }, 60_000);
});
