import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ModelFileVerifier, checkStoredModelFile, modelFileFormat, responseMeta, verifiedStream, verifyModelFile, type ResponseMeta } from '../../src/core/model-files';
import { errorInfo } from '../../src/core/errors';

const shared = resolve(process.env['RAGTAB_SHARED'] ?? '../shared');
const lsa = resolve(shared, 'models/lsa-wordpiece-256');
const onnx = new Uint8Array(readFileSync(resolve(lsa, 'onnx/model.onnx')));
const tokenizer = new Uint8Array(readFileSync(resolve(lsa, 'tokenizer.json')));
const gguf = new Uint8Array(readFileSync(resolve(shared, 'models/stories260K/stories260K.gguf')));
const HTML = new TextEncoder().encode('<!DOCTYPE html>\n<html><head><title>Sign in to the Wi-Fi</title></head><body>Accept the terms</body></html>');

const meta = (contentLength: number | null, contentType: string | null = 'application/octet-stream', contentEncoding: string | null = null): ResponseMeta => ({ contentType, contentLength, contentEncoding });

function failure(name: string, m: ResponseMeta, bytes: Uint8Array): { name: string; message: string } | null {
  try {
    verifyModelFile(name, m, bytes);
    return null;
  } catch (e) {
    return errorInfo(e);
  }
}

describe('modelFileFormat', () => {
  it('picks the check from the file name, ignoring the query string', () => {
    expect(modelFileFormat('https://h/x/onnx/model.onnx?download=1')).toBe('onnx');
    expect(modelFileFormat('tokenizer.json')).toBe('json');
    expect(modelFileFormat('/models/stories260K.gguf')).toBe('gguf');
    expect(modelFileFormat('ort/ort-wasm-simd-threaded.asyncify.wasm')).toBe('wasm');
    expect(modelFileFormat('onnx/model.onnx_data')).toBe('data');
    expect(modelFileFormat('vocab.txt')).toBe('data');
    expect(modelFileFormat('ort-wasm-simd-threaded.asyncify.mjs')).toBe('any');
  });

  it('reads the headers it needs', () => {
    const h = new Map([['content-length', '42'], ['content-type', 'application/json']]);
    expect(responseMeta({ get: (k) => h.get(k) ?? null })).toEqual({ contentType: 'application/json', contentLength: 42, contentEncoding: null });
    expect(responseMeta({ get: (k) => (k === 'content-length' ? 'x' : null) }).contentLength).toBeNull();
  });
});

describe('ONNX files', () => {
  it('accepts the real model, whole or in chunks of any size', () => {
    expect(failure('model.onnx', meta(onnx.byteLength), onnx)).toBeNull();
    const v = new ModelFileVerifier('model.onnx', meta(onnx.byteLength));
    let seed = 7;
    for (let i = 0; i < onnx.byteLength; ) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (seed % 70_000);
      v.push(onnx.subarray(i, i + n));
      i += n;
    }
    expect(() => v.finish()).not.toThrow();
  });

  it('refuses a truncated file whose Content-Length matches the truncated body (a proxy cut it)', () => {
    const cut = onnx.subarray(0, 10 << 20);
    const f = failure('model.onnx', meta(cut.byteLength), cut);
    expect(f?.name).toBe('ModelFileCorrupt');
    expect(f?.message).toMatch(/model\.onnx: it is not a complete ONNX model: it ends inside its graph, .* short: the download is truncated/);
    expect(f?.message).toMatch(/not cached/);
  });

  it('refuses a body shorter than its Content-Length, and one longer', () => {
    const cut = onnx.subarray(0, 1 << 20);
    expect(failure('model.onnx', meta(onnx.byteLength), cut)?.message).toMatch(new RegExp(`truncated: ${cut.byteLength} of the ${onnx.byteLength} bytes`));
    expect(failure('model.onnx', meta(100), onnx)?.message).toMatch(/longer than its Content-Length \(100 bytes\)/);
  });

  it('refuses an HTML page, by its Content-Type or by its first bytes', () => {
    expect(() => new ModelFileVerifier('model.onnx', meta(HTML.byteLength, 'text/html; charset=utf-8'))).toThrow(/HTML page \(Content-Type text\/html/);
    const f = failure('model.onnx', meta(HTML.byteLength), HTML);
    expect(f?.name).toBe('ModelFileCorrupt');
    expect(f?.message).toMatch(/model\.onnx: the server answered with an HTML page/);
  });

  it('refuses junk and an empty body, and fails early on junk', () => {
    const junk = new TextEncoder().encode('this is not an onnx model'.repeat(40));
    expect(failure('model.onnx', meta(null), junk)?.message).toMatch(/not an ONNX model/);
    expect(failure('model.onnx', meta(0), new Uint8Array(0))?.message).toMatch(/it is empty/);
    const v = new ModelFileVerifier('model.onnx', meta(null));
    expect(() => v.push(new Uint8Array([0xff, 0xff, 0x03]))).toThrow(/not a ModelProto field|not an ONNX model/);
    expect(failure('model.onnx', meta(null), junk)?.name).toBe('ModelNotOnnx');
  });

  it('accepts a minimal hand-made ModelProto and refuses it without a graph', () => {
    // ir_version = 8 (08 08), graph = 2 bytes (3a 02 0a 00)
    expect(failure('m.onnx', meta(null), new Uint8Array([0x08, 0x08, 0x3a, 0x02, 0x0a, 0x00]))).toBeNull();
    expect(failure('m.onnx', meta(null), new Uint8Array([0x08, 0x08]))?.message).toMatch(/has no graph/);
  });

  it('skips the length check for a compressed transfer', () => {
    expect(failure('model.onnx', meta(1000, 'application/octet-stream', 'gzip'), onnx)).toBeNull();
  });
});

describe('JSON, GGUF and WebAssembly files', () => {
  it('accepts a real tokenizer.json and refuses a cut one or an HTML page', () => {
    expect(failure('tokenizer.json', meta(tokenizer.byteLength, 'application/json'), tokenizer)).toBeNull();
    const cut = tokenizer.subarray(0, 5000);
    expect(failure('tokenizer.json', meta(cut.byteLength, 'application/json'), cut)?.message).toMatch(/tokenizer\.json: it is not valid JSON/);
    expect(failure('config.json', meta(HTML.byteLength, 'text/plain'), HTML)?.message).toMatch(/HTML page/);
    expect(failure('config.json', meta(4), new TextEncoder().encode('"hi"'))?.message).toMatch(/not an object/);
  });

  it('checks the GGUF and WebAssembly magic numbers', () => {
    expect(failure('s.gguf', meta(gguf.byteLength), gguf)).toBeNull();
    expect(failure('s.gguf', meta(HTML.byteLength), HTML)?.message).toMatch(/HTML page/);
    expect(failure('s.gguf', meta(8), new Uint8Array(8))?.message).toMatch(/GGUF magic/);
    expect(failure('a.wasm', meta(8), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]))).toBeNull();
    expect(failure('a.wasm', meta(8), new Uint8Array(8))?.message).toMatch(/WebAssembly magic/);
  });

  it('checks only the length of other files', () => {
    expect(failure('x.mjs', meta(HTML.byteLength, 'text/html'), HTML)).toBeNull();
    expect(failure('x.mjs', meta(HTML.byteLength + 1), HTML)?.message).toMatch(/truncated/);
  });
});

describe('verifiedStream', () => {
  const streamOf = (parts: Uint8Array[], failAfter = false): ReadableStream<Uint8Array> => {
    const queue = [...parts];
    return new ReadableStream({
      pull(c) {
        const next = queue.shift();
        if (next) c.enqueue(next);
        else if (failAfter) c.error(new TypeError('network error'));
        else c.close();
      },
    });
  };
  const drain = async (s: ReadableStream<Uint8Array>): Promise<number> => {
    let n = 0;
    for await (const c of s as unknown as AsyncIterable<Uint8Array>) n += c.byteLength;
    return n;
  };

  it('passes a good file through unchanged', async () => {
    const v = new ModelFileVerifier('model.onnx', meta(onnx.byteLength));
    expect(await drain(verifiedStream(streamOf([onnx.subarray(0, 1000), onnx.subarray(1000)]), v))).toBe(onnx.byteLength);
  });

  it('errors at the end of a truncated file, and names a dropped connection', async () => {
    const cut = onnx.subarray(0, 4096);
    await expect(drain(verifiedStream(streamOf([cut]), new ModelFileVerifier('model.onnx', meta(cut.byteLength))))).rejects.toMatchObject({ name: 'ModelFileCorrupt' });
    await expect(drain(verifiedStream(streamOf([cut], true), new ModelFileVerifier('model.onnx', meta(onnx.byteLength))))).rejects.toMatchObject({
      name: 'FetchFailed',
      message: expect.stringMatching(/model\.onnx: the download broke off after 4096 bytes of 31254963 \(network error\)/),
    });
  });
});

describe('checkStoredModelFile (a cached copy, read in slices)', () => {
  const reader = (bytes: Uint8Array) => {
    const reads: number[] = [];
    const read = async (off: number, len: number) => {
      reads.push(len);
      return bytes.subarray(off, off + len);
    };
    return { read, reads };
  };
  const check = async (name: string, bytes: Uint8Array) => {
    const r = reader(bytes);
    try {
      await checkStoredModelFile(name, bytes.byteLength, r.read);
      return { error: null, bytesRead: r.reads.reduce((a, b) => a + b, 0) };
    } catch (e) {
      return { error: errorInfo(e), bytesRead: r.reads.reduce((a, b) => a + b, 0) };
    }
  };

  it('accepts the real model reading only its field headers', async () => {
    const r = await check('onnx/model.onnx', onnx);
    expect(r.error).toBeNull();
    expect(r.bytesRead).toBeLessThan(1000);
  });

  it('finds a cut copy, an HTML page and junk', async () => {
    expect((await check('onnx/model.onnx', onnx.subarray(0, 10 << 20))).error?.message).toMatch(/ends inside its graph, .* short: the download is truncated/);
    expect((await check('onnx/model.onnx', HTML)).error?.message).toMatch(/HTML page/);
    expect((await check('onnx/model.onnx', new TextEncoder().encode('junk junk junk junk'))).error?.name).toBe('ModelNotOnnx');
    expect((await check('tokenizer.json', tokenizer.subarray(0, 100))).error?.name).toBe('ModelFileCorrupt');
    expect((await check('tokenizer.json', tokenizer)).error).toBeNull();
    expect((await check('s.gguf', HTML)).error?.message).toMatch(/HTML page/);
    expect((await check('s.gguf', gguf)).error).toBeNull();
  });
});
