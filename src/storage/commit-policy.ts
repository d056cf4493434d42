/**
 * When ingestion commits what it embedded: a `CommitPolicy`, ingestion's own
 * (INGEST_COMMIT_POLICY), and the `BatchCommitter` that groups embedded batches into commits.
 */
import type { ChunkRef } from './schema';
import type { IndexesRepo } from './indexes';

/** When ingestion commits what it embedded (see `BatchCommitter`). */
export interface CommitPolicy {
  /** Commit once at least this many vectors are waiting (1: every embedded batch). */
  maxVectors: number;
  /** ... or once the oldest waiting batch is this old (ms). */
  maxDelayMs: number;
}

/**
 * Ingestion's policy: one transaction per ~8,192 vectors or per 2 s of embedding, whichever comes
 * first. A closed page loses at most what was embedded since the last commit (< 8,192 vectors or
 * < 2 s of embedding plus the batch in hand), which the resume embeds again; with a real encoder
 * the 2 s bound comes first. Blocks of 8,192 are above the compaction target, so a fast ingestion
 * needs no compaction. 8,192 rather than 4,096: cold load of 50k 221-244 ms vs 269-287 ms in five
 * alternated runs each (fewer, larger blocks), writes 82k-125k vs 78k-103k vectors/s (noisy).
 */
export const INGEST_COMMIT_POLICY: CommitPolicy = { maxVectors: 8192, maxDelayMs: 2000 };

/**
 * Groups embedded batches into commits by a `CommitPolicy`: `add` buffers a batch (copying its
 * vectors, so the caller may transfer them) and commits the buffered batches as ONE block in one
 * transaction when the policy says so; `finish` commits the rest and waits for it. Commits run in
 * order with at most one in flight: `add` starts a commit without waiting for it (the caller
 * embeds the next batch meanwhile) and waits only for the one before it; a failed commit rejects
 * the next `add` or `finish`, and nothing after it is committed.
 */
export class BatchCommitter {
  private chunks: ChunkRef[] = [];
  private parts: Float32Array[] = [];
  private waiting = 0;
  private since = 0;
  /** Transactions committed so far. */
  commits = 0;
  /** Chunks committed by this committer. */
  committed = 0;

  constructor(
    private readonly repo: Pick<IndexesRepo, 'appendBlock'>,
    private readonly key: string,
    private blockNo: number,
    private readonly policy: CommitPolicy = INGEST_COMMIT_POLICY,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Chunks buffered, not yet committed. */
  get pending(): number {
    return this.waiting;
  }

  /** The block number the next commit will use. */
  get nextBlock(): number {
    return this.blockNo;
  }

  async add(chunks: ReadonlyArray<ChunkRef>, vectors: Float32Array): Promise<void> {
    if (chunks.length === 0) return;
    if (this.waiting === 0) this.since = this.now();
    for (const c of chunks) this.chunks.push(c);
    this.parts.push(vectors.slice());
    this.waiting += chunks.length;
    if (this.waiting >= this.policy.maxVectors || this.now() - this.since >= this.policy.maxDelayMs) await this.flush();
  }

  /** Starts committing what is buffered (after the commit in flight, if any, succeeded). */
  async flush(): Promise<void> {
    await this.inflight; // rethrows the previous commit's failure
    if (this.waiting === 0) return;
    const chunks = this.chunks;
    const parts = this.parts;
    this.chunks = [];
    this.parts = [];
    const n = this.waiting;
    this.waiting = 0;
    const blockNo = this.blockNo++;
    const p = this.repo.appendBlock(this.key, blockNo, chunks, parts).then(() => {
      this.commits++;
      this.committed += n;
    });
    p.catch(() => undefined); // reported by the next add/flush/finish
    this.inflight = p;
  }

  /** Waits for the commit in flight (the buffered batches stay uncommitted). */
  async settle(): Promise<void> {
    await this.inflight;
  }

  /** Commits what is buffered and waits until every commit is done. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inflight;
  }

  private inflight: Promise<void> = Promise.resolve();
}
