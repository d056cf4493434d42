import { describe, expect, it } from 'vitest';
import { networkFailure } from '../../src/core/network-errors';

describe('networkFailure', () => {
  const failed = new TypeError('Failed to fetch');
  it('names the URL and CORS for another origin', () => {
    const e = networkFailure('http://127.0.0.1:9/data/corpus.jsonl', failed, { pageUrl: 'http://localhost:4173/', online: true });
    expect(e.code).toBe('FetchFailed');
    expect(e.message).toBe(
      'Could not fetch http://127.0.0.1:9/data/corpus.jsonl: likely CORS or the network: the server at http://127.0.0.1:9 did not answer, or it does not allow this page (http://localhost:4173) to read its files — it must send Access-Control-Allow-Origin. (The browser said only "Failed to fetch".)',
    );
  });
  it('says network for the same origin, offline when the browser is, and resolves relative URLs', () => {
    expect(networkFailure('datasets/x/corpus.jsonl', failed, { pageUrl: 'http://localhost:4173/app/', online: true }).message).toMatch(
      /^Could not fetch http:\/\/localhost:4173\/app\/datasets\/x\/corpus\.jsonl: likely the network/,
    );
    expect(networkFailure('https://a.example/x', failed, { pageUrl: 'http://localhost/', online: false }).message).toMatch(/the browser is offline/);
  });
});
