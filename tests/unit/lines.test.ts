import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RagtabError } from '../../src/core/errors';
import { fileTooLarge, formatBytes, maybeGunzip, MiB, readLines, readText, type Line } from '../../src/core/lines';

const enc = new TextEncoder();

/** A stream that yields the given chunks, recording whether it was cancelled. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> & { cancelled: () => boolean } {
  let i = 0;
  let cancelled = false;
  const s = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(chunks[i++]!);
      else c.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return Object.assign(s, { cancelled: () => cancelled });
}

function split(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const a of [...at, bytes.length]) {
    out.push(bytes.slice(prev, a));
    prev = a;
  }
  return out;
}

async function collect(stream: ReadableStream<Uint8Array>, maxBytes = 1e9, fileName = 'f.txt'): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of readLines(stream, { fileName, maxBytes })) out.push(l);
  return out;
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const s = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

describe('formatBytes', () => {
  it('is readable', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(256 * MiB)).toBe('256 MiB');
    expect(formatBytes(612 * MiB + 1000)).toBe('612 MiB');
    expect(formatBytes(3 * 1024 * MiB)).toBe('3 GiB');
  });
  it('fileTooLarge names the file, the size and the limit', () => {
    const e = fileTooLarge('big.jsonl', 512 * MiB, 612 * MiB);
    expect(e.code).toBe('FileTooLarge');
    expect(e.message).toBe('big.jsonl is 612 MiB, over the 512 MiB limit for one file');
  });
});

describe('readLines', () => {
  const text = 'first line\r\nsecond: é😀中\n\n  spaced  \r\nlast without newline';
  const expected = ['first line', 'second: é😀中', '', '  spaced  ', 'last without newline'];

  it('yields lines with numbers, handling CRLF and a final line without newline', async () => {
    const lines = await collect(streamOf([enc.encode(text)]));
    expect(lines.map((l) => l.line)).toEqual(expected);
    expect(lines.map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5]);
    expect(lines.at(-1)!.bytes).toBe(enc.encode(text).length);
  });

  it('decodes correctly wherever the chunks are cut (inside characters and CRLF)', async () => {
    const bytes = enc.encode(text);
    for (let a = 1; a < bytes.length; a++) {
      const lines = await collect(streamOf(split(bytes, [a])));
      expect(lines.map((l) => l.line)).toEqual(expected);
    }
    const oneByOne = await collect(streamOf(split(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))));
    expect(oneByOne.map((l) => l.line)).toEqual(expected);
  });

  it('gives no extra line after a final newline, and none for an empty stream', async () => {
    expect((await collect(streamOf([enc.encode('a\nb\n')]))).map((l) => l.line)).toEqual(['a', 'b']);
    expect(await collect(streamOf([]))).toEqual([]);
  });

  it('replaces invalid UTF-8 with U+FFFD', async () => {
    const lines = await collect(streamOf([new Uint8Array([0x61, 0xff, 0x62, 0x0a])]));
    expect(lines[0]!.line).toBe('a\uFFFDb');
  });

  it('throws FileTooLarge once more than maxBytes are read, and cancels the stream', async () => {
    const bytes = enc.encode('0123456789\n'.repeat(10)); // 110 bytes
    expect(await collect(streamOf(split(bytes, [50])), 110)).toHaveLength(10);
    const s = streamOf(split(bytes, [50, 100]));
    const err = await collect(s, 109, 'big.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RagtabError);
    expect((err as RagtabError).code).toBe('FileTooLarge');
    expect((err as Error).message).toBe('big.txt is larger than 109 B (after decompression), over the 109 B limit for one file');
    // Stopping before the end of the stream cancels it.
    const s2 = streamOf(split(bytes, [50, 100]));
    await expect(collect(s2, 60)).rejects.toMatchObject({ code: 'FileTooLarge' });
    expect(s2.cancelled()).toBe(true);
  });

  it('cancels the stream when the consumer stops early', async () => {
    const s = streamOf([enc.encode('a\nb\n'), enc.encode('c\n'), enc.encode('d\n')]);
    for await (const l of readLines(s, { fileName: 'x', maxBytes: 100 })) if (l.lineNo === 1) break;
    expect(s.cancelled()).toBe(true);
  });

  it('stops with Cancelled when the signal aborts', async () => {
    const ac = new AbortController();
    const s = streamOf([enc.encode('a\n'), enc.encode('b\n'), enc.encode('c\n')]);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const l of readLines(s, { fileName: 'x.jsonl', maxBytes: 100, signal: ac.signal })) {
        seen.push(l.line);
        ac.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a']);
    expect((err as RagtabError).code).toBe('Cancelled');
    expect((err as Error).message).toMatch(/^x\.jsonl: /);
  });

  it('keeps a very long line intact', async () => {
    const long = 'x'.repeat(200_000);
    const chunks = split(enc.encode(long + '\nend'), Array.from({ length: 199 }, (_, i) => (i + 1) * 1000));
    const lines = await collect(streamOf(chunks));
    expect(lines.map((l) => l.line.length)).toEqual([200_000, 3]);
  });
});

describe('readText', () => {
  it('reads everything, split anywhere, within the cap', async () => {
    const bytes = enc.encode('héllo 😀 wörld');
    for (let a = 1; a < bytes.length; a++) {
      expect(await readText(streamOf(split(bytes, [a])), { fileName: 'a', maxBytes: 100 })).toBe('héllo 😀 wörld');
    }
    await expect(readText(streamOf([bytes]), { fileName: 'a.md', maxBytes: 5 })).rejects.toMatchObject({
      code: 'FileTooLarge',
    });
  });
});

describe('maybeGunzip', () => {
  const plain = enc.encode('{"a":1}\n{"b":2}\n');

  it('decompresses gzip made by CompressionStream and by zlib', async () => {
    for (const gz of [await gzip(plain), new Uint8Array(gzipSync(plain))]) {
      expect(gz[0]).toBe(0x1f);
      // magic split across two chunks
      const s = await maybeGunzip(streamOf(split(gz, [1, 5])), 'c.jsonl.gz');
      expect((await collect(s)).map((l) => l.line)).toEqual(['{"a":1}', '{"b":2}']);
    }
  });

  it('passes other streams through unchanged, however short', async () => {
    expect(await readText(await maybeGunzip(streamOf(split(plain, [1, 2]))), { fileName: 'p', maxBytes: 100 })).toBe(
      '{"a":1}\n{"b":2}\n',
    );
    expect(await readText(await maybeGunzip(streamOf([enc.encode('x')])), { fileName: 'p', maxBytes: 9 })).toBe('x');
    expect(await readText(await maybeGunzip(streamOf([])), { fileName: 'p', maxBytes: 9 })).toBe('');
    const oneMagicByte = new Uint8Array([0x1f, 0x41]);
    expect(await readText(await maybeGunzip(streamOf([oneMagicByte])), { fileName: 'p', maxBytes: 9 })).toBe('\u001fA');
  });

  it('reports a corrupt gzip stream as CorruptGzip naming the file', async () => {
    const bad = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const err = await collect(await maybeGunzip(streamOf([bad]), 'corpus.jsonl.gz')).catch((e: unknown) => e);
    expect((err as RagtabError).code).toBe('CorruptGzip');
    expect((err as Error).message).toMatch(/^corpus\.jsonl\.gz: not a valid gzip stream \(/);
    const gz = await gzip(plain);
    const truncated = gz.slice(0, gz.length - 12);
    const err2 = await collect(await maybeGunzip(streamOf([truncated]), 't.gz')).catch((e: unknown) => e);
    expect((err2 as RagtabError).code).toBe('CorruptGzip');
  });

  it('applies the cap to decompressed bytes (a gzip bomb stops early)', async () => {
    const zeros = new Uint8Array(16 * MiB).fill(0x61);
    const gz = new Uint8Array(gzipSync(zeros));
    expect(gz.length).toBeLessThan(100_000);
    const err = await collect(await maybeGunzip(streamOf([gz]), 'bomb.jsonl.gz'), 1 * MiB, 'bomb.jsonl.gz').catch(
      (e: unknown) => e,
    );
    expect((err as RagtabError).code).toBe('FileTooLarge');
    expect((err as Error).message).toBe(
      'bomb.jsonl.gz is larger than 1 MiB (after decompression), over the 1 MiB limit for one file',
    );
  });
});
