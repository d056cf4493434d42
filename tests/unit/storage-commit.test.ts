/**
 * The ingestion commit policy (BatchCommitter, src/storage/indexes.ts), against a fake repository:
 * which batches go into which commit, in order, with their vectors copied at `add` time.
 */
import { describe, expect, it } from 'vitest';
import { BatchCommitter, INGEST_COMMIT_POLICY, type CommitPolicy } from '../../src/storage/commit-policy';
import { COMPACT_TARGET_BYTES } from '../../src/storage/block-io';
import type { ChunkRef } from '../../src/storage/schema';

interface Commit {
  blockNo: number;
  ids: string[];
  floats: number[];
}

function fakeRepo() {
  const commits: Commit[] = [];
  return {
    commits,
    appendBlock: async (_key: string, blockNo: number, chunks: ReadonlyArray<ChunkRef>, vectors: Float32Array | ReadonlyArray<Float32Array>) => {
      const parts = vectors instanceof Float32Array ? [vectors] : vectors;
      commits.push({ blockNo, ids: chunks.map((c) => c.id), floats: parts.flatMap((p) => Array.from(p)) });
      return null as never;
    },
  };
}

const batch = (from: number, n: number): [ChunkRef[], Float32Array] => [
  Array.from({ length: n }, (_, i) => ({ id: `c${from + i}`, docId: 'd', index: from + i, start: 0, end: 1, tokens: 1 })),
  Float32Array.from({ length: n * 2 }, (_, i) => from * 2 + i),
];

describe('BatchCommitter', () => {
  it('commits every batch when maxVectors is 1', async () => {
    const repo = fakeRepo();
    const c = new BatchCommitter(repo, 'k', 3, { maxVectors: 1, maxDelayMs: 1e9 });
    await c.add(...batch(0, 2));
    await c.add(...batch(2, 2));
    await c.finish();
    expect(repo.commits.map((x) => [x.blockNo, x.ids])).toEqual([
      [3, ['c0', 'c1']],
      [4, ['c2', 'c3']],
    ]);
    expect(c.commits).toBe(2);
    expect(c.nextBlock).toBe(5);
  });

  it('groups batches up to maxVectors into one commit, the rest at finish, vectors in order', async () => {
    const repo = fakeRepo();
    const c = new BatchCommitter(repo, 'k', 0, { maxVectors: 4, maxDelayMs: 1e9 });
    for (let i = 0; i < 10; i += 2) await c.add(...batch(i, 2));
    await Promise.resolve();
    expect(repo.commits).toHaveLength(2);
    expect(c.pending).toBe(2);
    await c.finish();
    await c.finish(); // nothing left: no empty commit
    expect(repo.commits.map((x) => x.ids.length)).toEqual([4, 4, 2]);
    expect(repo.commits.flatMap((x) => x.ids)).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(repo.commits.flatMap((x) => x.floats)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(c.committed).toBe(10);
  });

  it('commits once the oldest waiting batch is maxDelayMs old', async () => {
    const repo = fakeRepo();
    let t = 0;
    const policy: CommitPolicy = { maxVectors: 1_000, maxDelayMs: 100 };
    const c = new BatchCommitter(repo, 'k', 0, policy, () => t);
    await c.add(...batch(0, 1));
    t = 50;
    await c.add(...batch(1, 1));
    expect(repo.commits).toHaveLength(0);
    t = 100;
    await c.add(...batch(2, 1));
    await Promise.resolve();
    expect(repo.commits.map((x) => x.ids)).toEqual([['c0', 'c1', 'c2']]);
    t = 150; // the clock restarts with the next batch
    await c.add(...batch(3, 1));
    expect(repo.commits).toHaveLength(1);
  });

  it('copies the vectors at add: the caller may reuse or transfer its buffer', async () => {
    const repo = fakeRepo();
    const c = new BatchCommitter(repo, 'k', 0, { maxVectors: 10, maxDelayMs: 1e9 });
    const [chunks, vecs] = batch(0, 1);
    await c.add(chunks, vecs);
    vecs.fill(-1);
    await c.finish();
    expect(repo.commits[0]!.floats).toEqual([0, 1]);
  });

  it('keeps one commit in flight, in order; a failed commit rejects the next call and stops the rest', async () => {
    const started: number[] = [];
    const release: Array<(ok: boolean) => void> = [];
    const repo = {
      appendBlock: (_k: string, blockNo: number) => {
        started.push(blockNo);
        return new Promise<never>((res, rej) => release.push((ok) => (ok ? res(null as never) : rej(new Error(`block ${blockNo} failed`)))));
      },
    };
    const c = new BatchCommitter(repo, 'k', 0, { maxVectors: 1, maxDelayMs: 1e9 });
    await c.add(...batch(0, 1)); // commit 0 starts; add does not wait for it
    expect(started).toEqual([0]);
    const second = c.add(...batch(1, 1)); // waits for commit 0 before starting commit 1
    await Promise.resolve();
    expect(started).toEqual([0]);
    release[0]!(true);
    await second;
    expect(started).toEqual([0, 1]);
    expect(c.commits).toBe(1);
    release[1]!(false);
    await expect(c.add(...batch(2, 1))).rejects.toThrow('block 1 failed');
    expect(started).toEqual([0, 1]);
    expect(c.committed).toBe(1);
  });

  it('ingestion commits at least the compaction target at a time (384-dim vectors), so a fast ingestion leaves nothing to compact', () => {
    expect(INGEST_COMMIT_POLICY.maxVectors * 384 * 4).toBeGreaterThanOrEqual(COMPACT_TARGET_BYTES);
    expect(INGEST_COMMIT_POLICY.maxDelayMs).toBeLessThanOrEqual(2000);
  });
});
