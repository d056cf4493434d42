import { describe, expect, it } from 'vitest';
import { recordFromSession } from '../../src/engine/session-record';
import { parseRunRecord } from '../../src/core/run-record';
import { summaryFromRecord } from '../../src/core/share-summary';
import { APP_CONFIG } from '../../src/core/settings';
import { ENV, FakeSession } from './bench-fixtures';
import { defaultSettings } from '../../src/core/settings';

describe("the app's own run as a RunRecord", () => {
  it('ingest stages cold, evaluation and query stages warm (the evaluation measures embed query and search), read back by the record schema', async () => {
    const s = new FakeSession();
    const ingest = (await s.ingest(defaultSettings(2)))!;
    const query = (await s.query('what is ragtab'))!;
    const evaluation = { ...(await s.evaluate())!, queryStages: [0, 1].map(() => query.stages.slice(0, 2).map((x) => ({ ...x }))) };
    const r = recordFromSession({ config: APP_CONFIG, environment: ENV, startedAt: '2026-11-25T00:00:00.000Z', ingest, evaluation, query, llm: null });
    expect(parseRunRecord(JSON.parse(JSON.stringify(r)))).toEqual(JSON.parse(JSON.stringify(r)));
    expect(r).toMatchObject({ suite: 'app', status: 'complete', corpus: { name: 'fake corpus' }, quality: { mean: { ndcg10: 0.75 } } });
    const n = (stage: string, phase: string) => r.samples.filter((x) => x.stage === stage && x.phase === phase).length;
    for (const stage of ['read+parse', 'model load', 'chunk', 'embed', 'index build']) expect(n(stage, 'cold')).toBe(1);
    expect(n('embed batch', 'cold')).toBe(2);
    // two evaluated queries; the single query's embed query and search are not mixed in
    expect(n('embed query', 'warm')).toBe(2);
    expect(n('search', 'warm')).toBe(2);
    expect(n('format context', 'warm')).toBe(1);
    const summary = summaryFromRecord(r);
    expect(summary.source).toBe('session');
    expect(summary.stages.map((x) => `${x.phase} ${x.stage}`)).toEqual(expect.arrayContaining(['cold embed', 'warm embed query', 'warm format context']));
    expect(summary.throughputs.map((x) => x.name)).toContain('embed: chunks/s');
  });
});
