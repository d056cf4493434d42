/**
 * The `quick` benchmark preset in WebKit, with the local model set through the same `--set`
 * mechanism the CLI uses (`?benchSet=` in the page): the run record it writes is of the same
 * schema as Chromium's (it validates against the one schema), with this browser's capability
 * record in its environment.
 */
import { expect, test } from 'vitest';
import { parseRunRecord, RUN_RECORD_SCHEMA, RUN_RECORD_VERSION } from '../../src/core/run-record';
import { withApp } from './lib/session';

const SETS = ['embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'embedder.threads=1', 'llm.engine=none'];

test('the quick preset writes a record of the same schema', async () => {
  await withApp(async (app) => {
    await app.open(`./?${['bench=quick', ...SETS.map((s) => `benchSet=${encodeURIComponent(s)}`)].join('&')}`);
    const done = await app.act(['bench-done', 'bench-error'], `while (!window.ragtabBench) await new Promise((r) => setTimeout(r, 20)); ${app.click('ragtab-bench', '#run-bench')}`);
    expect(done.name, JSON.stringify(done.detail)).toBe('bench-done');
    const json = await app.run<string>(`return await window.ragtabBench.export(args[0], 'json');`, done.detail);
    const r = parseRunRecord(JSON.parse(json));
    expect(r.schema).toBe(RUN_RECORD_SCHEMA);
    expect(r.version).toBe(RUN_RECORD_VERSION);
    expect(r.status).toBe('complete');
    expect(r.config.embedder.model).toBe('lsa-wordpiece-256');
    expect(r.corpus?.name).toBe('ragtab docs (demo)');
    expect(r.quality?.evaluated).toBe(40);
    expect(r.samples.length).toBeGreaterThan(0);
    expect(r.environment.capabilities?.engine).toBe('webkit');
    expect(r.embedder?.threads).toBe(1);
  });
});
