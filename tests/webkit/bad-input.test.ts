/**
 * Each bad input of the foundation's bad-input spec (tests/e2e/bad-input.spec.ts) gets its named
 * error in WebKit too, and the demo ingested first stays usable. The broken model is a real folder
 * (real tokenizer and config, junk ONNX) served at /bad-models/ by the suite's set-up.
 */
import { expect, test } from 'vitest';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const LOCAL = { model: 'lsa-wordpiece-256', modelBase: 'models/', device: 'wasm', chunking: 'tokens', index: 'both' };
const b64 = (b: Buffer) => b.toString('base64');

async function expectNamed(app: App, name: string, message?: RegExp): Promise<void> {
  const fired = await app.ingest();
  expect(fired.name, JSON.stringify(fired.detail)).toBe('ragtab-error');
  expect(await app.shownError()).toBe(name);
  if (message) expect(await app.run<string>(`return $('ragtab-error', '[role=alert] .msg').textContent;`)).toMatch(message);
  await app.dismissError();
}

async function pick(app: App, files: Array<{ name: string; buffer: Buffer }>): Promise<void> {
  await app.set(['ragtab-setup', 'select[name=corpusKind]'], 'files');
  await app.pickFiles(['ragtab-setup', 'input[name=files]'], files.map((f) => ({ name: f.name, base64: b64(f.buffer) })));
}

async function demoStillAnswers(app: App): Promise<void> {
  const fired = await app.ask('How do I run the tests?');
  expect(fired.name).toBe('ragtab-query-done');
  const r = await app.run<{ n: number; corpus: string }>(`return { n: window.ragtab.lastQuery.hits.length, corpus: window.ragtab.active.corpus.name };`);
  expect(r.n).toBeGreaterThan(0);
  expect(r.corpus).toContain('demo');
}

test('every bad input gives its named error and the ingested demo stays usable', async () => {
  await withApp(async (app) => {
    await app.open(LOCAL);
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    await demoStillAnswers(app);

    const empty = await app.ask('   ');
    expect(empty.name).toBe('ragtab-error');
    expect(await app.shownError()).toBe('EmptyQuery');
    await app.dismissError();

    await pick(app, [{ name: 'empty.txt', buffer: Buffer.alloc(0) }]);
    await expectNamed(app, 'EmptyFile', /empty\.txt/);
    const bin = Buffer.alloc(4096);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) % 256;
    await pick(app, [{ name: 'data.txt', buffer: bin }]);
    await expectNamed(app, 'BinaryFile', /data\.txt/);
    await pick(app, [{ name: 'paper.pdf', buffer: Buffer.from('%PDF-1.4 ...') }]);
    await expectNamed(app, 'UnsupportedFileType', /paper\.pdf/);
    await pick(app, [{ name: 'docs.jsonl', buffer: Buffer.from('{"id":"a","text":"fine"}\n{"id":"b","text": oops}\n') }]);
    await expectNamed(app, 'MalformedJsonl', /docs\.jsonl.*line 2/);

    await app.set(['ragtab-setup', 'select[name=corpusKind]'], 'beir-url');
    await app.set(['ragtab-setup', 'input[name=datasetUrl]'], 'datasets/no-such-dataset/');
    await expectNamed(app, 'BeirMissingFile', /corpus\.jsonl/);

    await app.set(['ragtab-setup', 'select[name=corpusKind]'], 'demo');
    await app.set(['ragtab-setup', 'select[name=model]'], 'Xenova/all-MiniLM-L6-v2');
    await app.set(['ragtab-setup', 'input[name=modelBase]'], 'models/');
    await expectNamed(app, 'ModelNotFound', /all-MiniLM-L6-v2/);

    await app.open({ ...LOCAL, model: 'not-onnx', modelBase: 'bad-models/' });
    await expectNamed(app, 'ModelNotOnnx', /not-onnx/);
    await app.open(LOCAL);
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    await demoStillAnswers(app);
  });
});
