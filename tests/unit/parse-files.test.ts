import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RagtabError, type ErrorCode } from '../../src/core/errors';
import { MiB } from '../../src/core/lines';
import {
  baseName,
  DEFAULT_MAX_FILE_BYTES,
  fileKind,
  markdownTitle,
  parseUserFile,
  type UserFile,
} from '../../src/core/parse-files';

const fileOf = (name: string, content: string | Uint8Array<ArrayBuffer>): UserFile => new File([content], name);

async function failure(p: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RagtabError);
    return { code: (e as RagtabError).code, message: (e as Error).message };
  }
  throw new Error('expected a failure');
}

async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

describe('file types', () => {
  it('maps extensions, looking through .gz', () => {
    expect(['a.txt', 'B.MD', 'c.markdown', 'd.HTM', 'e.html', 'f.json', 'g.jsonl', 'h.ndjson', 'i.jsonl.gz'].map(fileKind)).toEqual(
      ['text', 'markdown', 'markdown', 'html', 'html', 'json', 'jsonl', 'jsonl', 'jsonl'],
    );
    expect(fileKind('x.pdf')).toBeNull();
    expect(fileKind('.bashrc')).toBeNull();
    expect(baseName('notes.v2.md')).toBe('notes.v2');
    expect(baseName('dir/corpus.jsonl.gz')).toBe('corpus');
  });
  it('exports the default cap', () => {
    expect(DEFAULT_MAX_FILE_BYTES).toBe(256 * MiB);
  });
});

describe('plain text and markdown', () => {
  it('reads a .txt as one document', async () => {
    const docs = await parseUserFile(fileOf('notes.txt', '\uFEFF  Hello\r\nworld é😀\r\n\r\nSecond para.\n'));
    expect(docs).toEqual([{ id: 'notes.txt', title: 'notes', text: 'Hello\nworld é😀\n\nSecond para.' }]);
  });

  it('titles markdown by its first heading outside code fences', async () => {
    const md = '```sh\n# not a heading\n```\nIntro line\n\n## Real *title* ##\n\ntext\n# Later\n';
    const docs = await parseUserFile(fileOf('guide.md', md));
    expect(docs[0]!.title).toBe('Real *title*');
    expect(docs[0]!.text).toBe(md.trim());
    expect(markdownTitle('Setext title\n=====\n\nbody')).toBe('Setext title');
    expect(markdownTitle('---\ntitle: "From front matter"\n---\n# Heading')).toBe('From front matter');
    expect(markdownTitle('---\nauthor: x\n---\n# After front matter')).toBe('After front matter');
    expect(markdownTitle('#hashtag is not a heading\nplain')).toBe('');
    const none = await parseUserFile(fileOf('plain.markdown', 'no heading here'));
    expect(none[0]!.title).toBe('plain');
  });
});

describe('html', () => {
  it('extracts text and title', async () => {
    const docs = await parseUserFile(
      fileOf('page.html', '<html><head><title>Doc &amp; Co</title><script>x()</script></head><body><p>Hi <b>there</b></p></body></html>'),
    );
    expect(docs).toEqual([{ id: 'page.html', title: 'Doc & Co', text: 'Hi there' }]);
    const untitled = await parseUserFile(fileOf('bare.htm', '<p>only text</p>'));
    expect(untitled[0]!.title).toBe('bare');
  });
  it('a page with no text is empty', async () => {
    const e = await failure(parseUserFile(fileOf('blank.html', '<html><script>x()</script><style>p{}</style></html>')));
    expect(e.code).toBe('EmptyFile');
    expect(e.message).toMatch(/^blank\.html: /);
  });
});

describe('json', () => {
  it('reads an array of records with id, title and text fields', async () => {
    const json = JSON.stringify([
      { _id: 'a', title: 'A', text: 'alpha' },
      { id: 7, name: 'Seven', content: 'seven' },
      { body: 'no id' },
    ]);
    expect(await parseUserFile(fileOf('docs.json', json))).toEqual([
      { id: 'a', title: 'A', text: 'alpha' },
      { id: '7', title: 'Seven', text: 'seven' },
      { id: 'docs.json:3', title: '', text: 'no id' },
    ]);
  });
  it('reads an object with a documents, docs or data array', async () => {
    for (const key of ['documents', 'docs', 'data']) {
      const docs = await parseUserFile(fileOf('x.json', JSON.stringify({ meta: 1, [key]: [{ text: 't' }] })));
      expect(docs).toEqual([{ id: 'x.json:1', title: '', text: 't' }]);
    }
  });
  it('names the line of a syntax error', async () => {
    const e = await failure(parseUserFile(fileOf('bad.json', '[\n  {"text": "a"},\n  {"text": }\n]')));
    expect(e.code).toBe('MalformedJson');
    expect(e.message).toMatch(/^bad\.json line 3, column 12: not valid JSON \(/);
  });
  it('explains a wrong shape, a record without text and duplicate ids', async () => {
    const shape = await failure(parseUserFile(fileOf('s.json', '{"items": [], "n": 3}')));
    expect(shape).toEqual({
      code: 'MalformedJson',
      message: 's.json: expected an array of documents or an object with a "documents", "docs" or "data" array, got an object with keys "items", "n"',
    });
    const noText = await failure(parseUserFile(fileOf('t.json', '[{"text":"ok"},{"title":"x","summary":"y"}]')));
    expect(noText).toEqual({
      code: 'MalformedJson',
      message: 't.json item 2: the record has no text field (expected "text", "content" or "body"; found "title", "summary")',
    });
    const notObj = await failure(parseUserFile(fileOf('n.json', '["just a string"]')));
    expect(notObj.message).toBe('n.json item 1: expected a JSON object with a text field, got a string');
    const wrongType = await failure(parseUserFile(fileOf('w.json', '[{"text": 42}]')));
    expect(wrongType.message).toBe('w.json item 1: field "text" is a number, expected a string');
    const dup = await failure(parseUserFile(fileOf('d.json', '[{"id":"x","text":"1"},{"id":"x","text":"2"}]')));
    expect(dup.message).toBe('d.json item 2: duplicate id "x" (first used by item 1)');
  });
});

describe('jsonl', () => {
  const lines = ['{"_id":"1","title":"One","text":"first"}', '', '   ', '{"text":"no id"}', '{"id":"3","body":"third"}'];

  it('reads one record a line, skipping blank lines; ids fall back to the line number', async () => {
    const docs = await parseUserFile(fileOf('c.jsonl', lines.join('\r\n')));
    expect(docs).toEqual([
      { id: '1', title: 'One', text: 'first' },
      { id: 'c.jsonl:4', title: '', text: 'no id' },
      { id: '3', title: '', text: 'third' },
    ]);
  });

  it('reads gzip-compressed JSONL (made with CompressionStream)', async () => {
    const gz = await gzip(lines.join('\n') + '\n');
    const docs = await parseUserFile(fileOf('c.jsonl.gz', gz));
    expect(docs.map((d) => d.id)).toEqual(['1', 'c.jsonl.gz:4', '3']);
    // gzip content is recognised by its bytes, whatever the name
    expect((await parseUserFile(fileOf('renamed.ndjson', gz))).length).toBe(3);
  });

  it('names the file and line of malformed JSON', async () => {
    const text = ['{"text":"ok"}', '{"text":"ok2"}', '', '{"text": "broken",}', '{"text":"never read"}'].join('\n');
    const e = await failure(parseUserFile(fileOf('corpus.jsonl', text)));
    expect(e.code).toBe('MalformedJsonl');
    expect(e.message).toMatch(/^corpus\.jsonl line 4: not valid JSON \(.+\)$/);
  });

  it('names the line and the missing field of a record without text', async () => {
    const e = await failure(parseUserFile(fileOf('c.jsonl', '{"text":"a"}\n{"_id":"b","title":"B"}\n')));
    expect(e).toEqual({
      code: 'MalformedJsonl',
      message: 'c.jsonl line 2: the record has no text field (expected "text", "content" or "body"; found "_id", "title")',
    });
    const arr = await failure(parseUserFile(fileOf('c.jsonl', '[1,2]\n')));
    expect(arr.message).toBe('c.jsonl line 1: expected a JSON object with a text field, got an array');
    const dup = await failure(parseUserFile(fileOf('c.jsonl', '{"_id":"a","text":"1"}\n\n{"_id":"a","text":"2"}')));
    expect(dup.message).toBe('c.jsonl line 3: duplicate id "a" (first used on line 1)');
  });
});

describe('bad input', () => {
  it('EmptyFile: zero bytes, only whitespace, only blank lines', async () => {
    expect(await failure(parseUserFile(fileOf('e.txt', '')))).toEqual({
      code: 'EmptyFile',
      message: 'e.txt: the file is empty (0 bytes)',
    });
    expect(await failure(parseUserFile(fileOf('w.md', ' \n\t\r\n ')))).toEqual({
      code: 'EmptyFile',
      message: 'w.md: the file contains only whitespace',
    });
    expect((await failure(parseUserFile(fileOf('w.json', '\n  \n')))).code).toBe('EmptyFile');
    expect(await failure(parseUserFile(fileOf('b.jsonl', '\n \n\r\n')))).toEqual({
      code: 'EmptyFile',
      message: 'b.jsonl: the file contains only blank lines',
    });
  });

  it('BinaryFile: a NUL byte in the first 8 KiB', async () => {
    const bytes = new TextEncoder().encode('looks like text at first');
    const withNul = new Uint8Array([...bytes, 0, 1, 2, 3]);
    expect(await failure(parseUserFile(fileOf('image.txt', withNul)))).toEqual({
      code: 'BinaryFile',
      message: 'image.txt: looks like a binary file, not text (a NUL byte at offset 24)',
    });
    expect((await failure(parseUserFile(fileOf('data.jsonl', withNul)))).code).toBe('BinaryFile');
    // A NUL after the first 8 KiB is not sniffed (it is then just odd text).
    const late = new Uint8Array(9000).fill(0x61);
    late[8500] = 0;
    expect((await parseUserFile(fileOf('late.txt', late)))[0]!.text.length).toBe(9000);
  });

  it('BinaryFile: more than 1% undecodable bytes', async () => {
    const latin1 = new Uint8Array(200).fill(0x61);
    latin1[10] = 0xe9; // é in Latin-1: invalid UTF-8
    latin1[50] = 0xe9;
    latin1[90] = 0xe9; // 3 of 200 = 1.5%
    expect(await failure(parseUserFile(fileOf('latin1.txt', latin1)))).toEqual({
      code: 'BinaryFile',
      message: 'latin1.txt: looks like a binary file, not text (1.5% of its characters are not valid UTF-8)',
    });
    latin1[50] = 0x61;
    latin1[90] = 0x61; // 1 of 200 = 0.5%: accepted
    expect((await parseUserFile(fileOf('latin1.txt', latin1)))[0]!.text).toContain('\uFFFD');
    const jsonl = new Uint8Array([...new TextEncoder().encode('{"text":"'), 0xff, 0xfe, 0xfd, ...new TextEncoder().encode('"}\n')]);
    expect((await failure(parseUserFile(fileOf('bad.jsonl', jsonl)))).code).toBe('BinaryFile');
  });

  it('UnsupportedFileType names the extension and what is supported', async () => {
    expect(await failure(parseUserFile(fileOf('notes.pdf', '%PDF')))).toEqual({
      code: 'UnsupportedFileType',
      message:
        'notes.pdf: unsupported file type ".pdf" (supported: .txt, .md, .markdown, .html, .htm, .json, .jsonl, .ndjson, optionally gzip-compressed as .gz)',
    });
    expect((await failure(parseUserFile(fileOf('Makefile', 'all:')))).message).toMatch(
      /^Makefile: unsupported file type \(no extension\)/,
    );
  });

  it('FileTooLarge: by declared size, before reading', async () => {
    let opened = false;
    const huge: UserFile = {
      name: 'big.jsonl',
      size: 612 * MiB,
      stream() {
        opened = true;
        return new Blob(['']).stream();
      },
    };
    expect(await failure(parseUserFile(huge, { maxBytes: 512 * MiB }))).toEqual({
      code: 'FileTooLarge',
      message: 'big.jsonl is 612 MiB, over the 512 MiB limit for one file',
    });
    expect(await failure(parseUserFile({ ...huge, size: 300 * MiB }))).toEqual({
      code: 'FileTooLarge',
      message: 'big.jsonl is 300 MiB, over the 256 MiB limit for one file',
    });
    expect(opened).toBe(false);
  });

  it('FileTooLarge: a small gzip that expands past the cap', async () => {
    const line = JSON.stringify({ text: 'x'.repeat(1000) }) + '\n';
    const gz = new Uint8Array(gzipSync(line.repeat(3000))); // about 3 MB inflated
    expect(gz.length).toBeLessThan(64 * 1024);
    const e = await failure(parseUserFile(fileOf('many.jsonl.gz', gz), { maxBytes: 1 * MiB }));
    expect(e).toEqual({
      code: 'FileTooLarge',
      message: 'many.jsonl.gz is larger than 1 MiB (after decompression), over the 1 MiB limit for one file',
    });
  });

  it('CorruptGzip: gzip magic followed by garbage', async () => {
    const bad = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 9, 9, 9, 9, 9, 9, 9, 9]);
    const e = await failure(parseUserFile(fileOf('c.jsonl.gz', bad)));
    expect(e.code).toBe('CorruptGzip');
    expect(e.message).toMatch(/^c\.jsonl\.gz: not a valid gzip stream/);
  });

  it('Cancelled when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await failure(parseUserFile(fileOf('a.jsonl', '{"text":"x"}'), { signal: ac.signal }))).code).toBe('Cancelled');
  });
});

describe('issue 12: encodings, corrupt gzip, counts', () => {
  const utf16 = (text: string, be = false): Uint8Array<ArrayBuffer> => {
    const out = new Uint8Array(2 + text.length * 2);
    out.set(be ? [0xfe, 0xff] : [0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      out[2 + 2 * i + (be ? 1 : 0)] = c & 0xff;
      out[2 + 2 * i + (be ? 0 : 1)] = c >> 8;
    }
    return out;
  };

  it('decodes UTF-16LE and UTF-16BE with a byte-order mark, and drops a UTF-8 one', async () => {
    const text = 'Héllo wörld — ünïcode 😀\r\nsecond line';
    for (const be of [false, true]) {
      const [d] = await parseUserFile(fileOf('notes.txt', utf16(text, be)));
      expect(d!.text).toBe('Héllo wörld — ünïcode 😀\nsecond line');
    }
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('plain')]);
    expect((await parseUserFile(fileOf('a.md', bom)))[0]!.text).toBe('plain');
    const lines = utf16('{"id":"a","text":"x"}\n{"id":"b","text":"y"}\n');
    expect((await parseUserFile(fileOf('a.jsonl', lines))).map((d) => d.id)).toEqual(['a', 'b']);
  });

  it('still refuses binary data in UTF-16, and hints at UTF-16 without a byte-order mark', async () => {
    const withNul = utf16('abc\u0000def');
    expect((await failure(parseUserFile(fileOf('x.txt', withNul)))).code).toBe('BinaryFile');
    const noBom = utf16('some English text that is long enough').subarray(2);
    const f = await failure(parseUserFile(fileOf('x.txt', noBom.slice())));
    expect(f.code).toBe('BinaryFile');
    expect(f.message).toMatch(/UTF-16 text without a byte-order mark/);
  });

  it('normalises CR and CRLF line ends split across reads', async () => {
    const parts = ['a\r', '\nb\r', 'c\r\n', '\r\nd'];
    const file: UserFile = { name: 'x.txt', size: 12, stream: () => new Blob(parts).stream() };
    expect((await parseUserFile(file))[0]!.text).toBe('a\nb\nc\n\nd');
  });

  it('a corrupt gzip is CorruptGzip naming the first garbled line, not MalformedJsonl', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `document number ${i} with some words` })).join('\n');
    const gz = gzipSync(Buffer.from(rows));
    const bad = new Uint8Array(gz);
    for (let i = Math.floor(bad.length / 2); i < Math.floor(bad.length / 2) + 40; i++) bad[i] = bad[i]! ^ 0x5a;
    const f = await failure(parseUserFile(fileOf('docs.jsonl.gz', bad)));
    expect(f.code).toBe('CorruptGzip');
    expect(f.message).toMatch(/docs\.jsonl\.gz: the gzip data is corrupt .*line \d+/);
  });

  it('a gzip file whose data is sound keeps its MalformedJsonl', async () => {
    const gz = gzipSync(Buffer.from('{"id":"a","text":"x"}\n{"id":"b", oops}\n{"id":"c","text":"z"}\n'));
    const f = await failure(parseUserFile(fileOf('docs.jsonl.gz', new Uint8Array(gz))));
    expect(f.code).toBe('MalformedJsonl');
    expect(f.message).toMatch(/line 2/);
  });
});
