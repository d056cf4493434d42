import { describe, expect, it } from 'vitest';
import { headline } from '../../src/core/headline';

describe('the headline', () => {
  it('says what would measure each figure before anything ran', () => {
    const t = headline({ ingest: null, evaluation: null, answer: null });
    expect(t.map((x) => x.key)).toEqual(['embed', 'retrieval-p50', 'ndcg10', 'ttft', 'decode']);
    expect(t.every((x) => x.value === null && x.note.length > 0)).toBe(true);
  });

  it('each figure with where it came from; a p50 only over an evaluation, never one question', () => {
    const t = headline({
      ingest: { chunks: 188, embedMs: 211, fromStorage: false, loadMs: null },
      evaluation: { kind: 'exact', queryStages: [[{ ms: 1 }, { ms: 2 }], [{ ms: 2 }, { ms: 2 }], [{ ms: 5 }, { ms: 5 }]], ndcg10: 0.65194 },
      answer: { ttftMs: 120.4, decodeTokensPerS: 24.87, generatedTokens: 64, promptTokens: 900 },
    });
    const by = Object.fromEntries(t.map((x) => [x.key, x]));
    expect(by['embed']!.value).toBe('891 chunks/s');
    expect(by['retrieval-p50']!.value).toBe('4.00 ms');
    expect(by['retrieval-p50']!.note).toContain('3 judged queries');
    expect(by['ndcg10']!.value).toBe('0.652');
    expect(by['ttft']!.value).toBe('120 ms');
    expect(by['decode']!.value).toBe('24.9 tok/s');
  });

  it('a load from storage measured no embedding: no throughput is shown for it', () => {
    const [embed] = headline({ ingest: { chunks: 188, embedMs: null, fromStorage: true, loadMs: 12.3 }, evaluation: null, answer: null });
    expect(embed!.value).toBeNull();
    expect(embed!.note).toContain('loaded 188 stored vectors in 12.3 ms');
  });
});
