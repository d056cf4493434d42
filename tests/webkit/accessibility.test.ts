/**
 * axe-core (the engine, from npm: node_modules/axe-core/axe.min.js, injected into the page) in
 * WebKit on the main views: the page after ingesting, asking and evaluating, and after a small
 * benchmark run (its report and the history). The same rule set as the Chromium spec
 * (tests/e2e/accessibility.spec.ts, all of axe's default rules): no violation.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, test } from 'vitest';
import { withApp } from './lib/session';
import type { App } from './lib/page';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SETS = ['embedder.model=lsa-wordpiece-256', 'embedder.baseUrl=models/', 'embedder.threads=1', 'llm.engine=none', 'warmups=0', 'iterations=2', 'queries.count=2'];

async function violations(app: App): Promise<string[]> {
  return app.run<string[]>(
    `if (!window.axe) (0, eval)(args[0]);
     const r = await window.axe.run(document);
     return r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)).join(' ; '));`,
    AXE,
  );
}

test('no axe violation on the main views in WebKit', async () => {
  await withApp(async (app) => {
    await app.open({ model: 'lsa-wordpiece-256', modelBase: 'models/', llm: 'none', threads: 1 });
    expect(await violations(app)).toEqual([]);
    expect((await app.ingest()).name).toBe('ragtab-ingested');
    expect((await app.ask('how is time to first token measured')).name).toBe('ragtab-query-done');
    expect((await app.evaluate()).name).toBe('ragtab-evaluated');
    expect(await violations(app)).toEqual([]);
    const ids = await app.run<string[]>(`return await window.ragtabBench.run('quick', args[0]);`, SETS);
    expect(ids).toHaveLength(1);
    await app.run(`const b = $('ragtab-bench'); await settled(b); await settled(b.shadowRoot.querySelector('ragtab-report')); await settled(b.shadowRoot.querySelector('ragtab-history'));`);
    expect(await violations(app)).toEqual([]);
  });
});
