import { describe, expect, it } from 'vitest';
import type { StageEvent } from '../../src/engine/runner';
import { summarizeRecord, type RunRecord } from '../../src/core/run-record';
import { NO_MEMORY, SMALL, runFake } from './bench-fixtures';
import { REASONS } from '../../src/engine/memory';
import { concurrencyText } from '../../src/core/report-data';
import type { WorkerMemory } from '../../workers/api';

describe('Runner over the retrieval suite', () => {
  it('records every sample: ingest cold and reload, warm-ups apart, every query stage', async () => {
    const events: StageEvent[] = [];
    let finished: RunRecord | null = null;
    const { records, session } = await runFake(SMALL, {}, { didFinishStage: (e) => events.push(e), didFinish: (r) => (finished = r) });
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(finished).toBe(r);
    expect(r.status).toBe('complete');
    expect(r.errors).toEqual([]);
    expect(session.ingests).toBe(2);
    // cold: a fresh worker (nothing to terminate yet); reload: the first ingest's embedder is terminated
    expect(session.terminated).toBe(1);
    const count = (stage: string, phase: string, warmup = false) => r.samples.filter((s) => s.stage === stage && s.phase === phase && s.warmup === warmup).length;
    for (const phase of ['cold', 'reload']) {
      for (const stage of ['ingest', 'read+parse', 'model load', 'chunk', 'embed', 'index build']) expect(count(stage, phase)).toBe(1);
      expect(count('embed batch', phase)).toBe(2);
    }
    expect(r.samples.find((s) => s.stage === 'model load' && s.phase === 'cold')!.extra['source']).toBe('network');
    expect(r.samples.find((s) => s.stage === 'model load' && s.phase === 'reload')!.extra['source']).toBe('cache');
    // 1 warm-up and 4 iterations of 3 queries
    for (const stage of ['query', 'embed query', 'search', 'format context']) {
      expect(count(stage, 'warm', true)).toBe(3);
      expect(count(stage, 'warm')).toBe(12);
    }
    expect(count('query set', 'warm', true)).toBe(1);
    expect(count('query set', 'warm')).toBe(4);
    expect(count('evaluate', 'warm')).toBe(1);
    expect(r.samples.filter((s) => s.stage === 'query set' && !s.warmup).map((s) => s.iteration)).toEqual([0, 1, 2, 3]);
    expect(r.stages.map((s) => s.name)).toEqual(['read+parse', 'model load', 'chunk', 'embed', 'index build', 'embed batch', 'ingest', 'query', 'embed query', 'search', 'format context', 'query set', 'evaluate']);
    // no generation stages without an LLM
    expect(r.samples.some((s) => s.stage === 'decode')).toBe(false);
    expect(r.llm).toBeNull();
    // every duration is a finite number ≥ 0
    for (const s of r.samples) {
      expect(Number.isFinite(s.duration) && s.duration >= 0).toBe(true);
      expect(Number.isFinite(s.start)).toBe(true);
    }
    // the corpus's tokens are the cold ingest's count, not the reload's (it loaded from storage, embedding none)
    expect(r.corpus).toMatchObject({ name: 'fake corpus', docs: 2, chunks: 4, tokens: 40 });
    expect(r.embedder).toMatchObject({ model: 'lsa-wordpiece-256', threads: 1, device: 'wasm' });
    expect(r.quality?.mean?.ndcg10).toBe(0.75);
    expect(r.quality?.perQuery).toHaveLength(2);
    // hooks: one event per step execution
    expect(events.length).toBe(2 + 5 + 1);
    expect(events[events.length - 1]!.done).toBe(events[events.length - 1]!.total);
  });

  it('marks memory figures the browser cannot give as unavailable, with the reason', async () => {
    const r = (await runFake()).records[0]!;
    const gpu = r.memory.find((m) => m.figure === 'webgpu-buffers')!;
    expect(gpu).toMatchObject({ available: false, reason: 'embedder: fixture; index: fixture' });
    const ua = r.memory.find((m) => m.figure === 'ua-memory')!;
    expect(ua).toMatchObject({ available: false });
    expect(ua.available === false && ua.reason).toContain('not cross-origin isolated');
    const wasm = r.memory.filter((m) => m.figure === 'embedder-wasm');
    expect(wasm.length).toBeGreaterThan(0);
    expect(wasm.every((m) => !m.available && m.reason.length > 0)).toBe(true);
    const heap = r.memory.filter((m) => m.figure === 'js-heap-used');
    expect(heap.every((m) => m.available && m.bytes > 0)).toBe(true);
    expect(r.memory.every((m) => (m.available ? m.bytes >= 0 : m.reason.length > 0))).toBe(true);
    // ingestion sub-stages are tagged from the session's progress
    expect(new Set(heap.map((m) => m.stage))).toContain('embed');
    const peaks = summarizeRecord(r).memory;
    expect(peaks.find((p) => p.figure === 'webgpu-buffers')?.peakBytes).toBeNull();
    expect(peaks.find((p) => p.stage === 'query set' && p.figure === 'js-heap-used')?.peakBytes).toBeGreaterThan(0);
    // no LLM: no LLM figures
    expect(r.memory.some((m) => m.figure.startsWith('llm-'))).toBe(false);
  });

  it("records each running worker's own memory between stages: embedder, index and a loaded LLM", async () => {
    const embedder: WorkerMemory = { ...NO_MEMORY, wasmBytes: 50e6, wasmMemories: 1, wasmReason: null, gpuBufferBytes: 0, gpuBufferPeakBytes: 0, gpuBufferCreatedBytes: 0, gpuReason: null };
    const index: WorkerMemory = { ...NO_MEMORY, wasmBytes: 3e6, wasmMemories: 1, wasmReason: null };
    const llmSets = [...SMALL.filter((s) => !s.startsWith('llm.')), 'llm.engine=wllama', 'llm.model=models/stories260K/stories260K.gguf'];
    const r = (await runFake(llmSets, { generation: true, memory: { embedder, index } })).records[0]!;
    const peak = (figure: string, stage: string) => summarizeRecord(r).memory.find((p) => p.figure === figure && p.stage === stage);
    expect(peak('embedder-wasm', 'ingest')?.peakBytes).toBe(50e6);
    expect(peak('index-wasm', 'query set')?.peakBytes).toBe(3e6);
    expect(peak('index-webgpu-buffers', 'query set')).toMatchObject({ peakBytes: null, reason: 'fixture' });
    expect(peak('webgpu-buffers', 'evaluate')?.peakBytes).toBe(0);
    expect(r.memory.find((m) => m.figure === 'webgpu-buffers' && m.available)).toMatchObject({ detail: { embedder: 0 } });
    // the LLM's figures appear once it is loaded
    expect(r.memory.filter((m) => m.figure === 'llm-wasm').map((m) => m.stage)[0]).toBe('llm load');
    const without = (await runFake(llmSets, { generation: true, llmWithoutMemory: true })).records[0]!;
    expect(without.memory.find((m) => m.figure === 'llm-wasm')).toMatchObject({ available: false, reason: REASONS.llmNoMemory });
  });

  it('skips the full measurement while ONNX Runtime runs a thread pool, on WebGPU too (where the record says 0 threads)', async () => {
    const sources = { crossOriginIsolated: true, measureUserAgentSpecificMemory: async () => ({ bytes: 100, breakdown: [] }) };
    const ua = async (sets: string[]) => (await runFake([...SMALL.filter((s) => !s.startsWith('embedder.threads')), ...sets], {}, undefined, sources)).records[0]!.memory.filter((m) => m.figure === 'ua-memory');
    const gpu = await ua(['embedder.device=webgpu', 'embedder.threads=2']);
    expect(gpu.length).toBeGreaterThan(0);
    for (const m of gpu) expect(m.available === false && m.reason).toContain('the embedder (ONNX Runtime, 2 threads, beside webgpu)');
    const wasm = await ua(['embedder.threads=2']);
    for (const m of wasm) expect(m.available === false && m.reason).toContain('the embedder (ONNX Runtime, 2 threads)');
    // one thread: measured
    expect((await ua(['embedder.threads=1'])).some((m) => m.available && m.bytes === 100)).toBe(true);
  });

  it('with both index kinds, times each query on each kind under its own name', async () => {
    const r = (await runFake([...SMALL, 'index=both', 'reload=false'], { voyExtraMs: 5 })).records[0]!;
    const names = new Set(r.samples.map((s) => s.stage));
    for (const n of ['search (exact)', 'search (voy)', 'query (exact)', 'query (voy)']) expect(names).toContain(n);
    expect(names).not.toContain('search');
    expect(r.samples.filter((s) => s.stage === 'search (voy)' && !s.warmup)).toHaveLength(12);
    expect(r.samples.some((s) => s.phase === 'reload')).toBe(false);
    expect(r.quality?.voyRecall).toEqual({ k: 4, queries: 2, mean: 1, min: 1 });
  });

  it('adds generation stages when an LLM is configured, and an LLM load', async () => {
    const r = (await runFake([...SMALL.filter((s) => !s.startsWith('llm.')), 'llm.engine=wllama', 'llm.model=models/stories260K/stories260K.gguf'], { generation: true })).records[0]!;
    const names = new Set(r.samples.map((s) => s.stage));
    for (const n of ['llm load', 'build prompt', 'time to first token', 'decode']) expect(names).toContain(n);
    expect(r.llm).toMatchObject({ engine: 'wllama', detail: { backend: 'wasm-single-thread', source: 'network' } });
    // the LLM load is measured cold and again as a reload (fresh worker each time), never averaged together
    const loads = r.samples.filter((x) => x.stage === 'llm load');
    expect(loads.map((x) => x.phase)).toEqual(['cold', 'reload']);
    const s = summarizeRecord(r);
    expect(s.throughputs.map((t) => t.name)).toContain('decode: tokens/s');
  });

  it('runs N queries at once in the concurrency mode: retrieval only without an LLM, and says so', async () => {
    const r = (await runFake([...SMALL, 'concurrency=4'])).records[0]!;
    const queries = r.samples.filter((s) => s.stage === 'concurrent query' && !s.warmup);
    expect(queries).toHaveLength(16);
    expect(queries.every((q) => q.extra['pipeline'] === 'retrieval' && typeof q.extra['retrievalMs'] === 'number' && !('llmWaitMs' in q.extra))).toBe(true);
    expect(r.samples.filter((s) => s.stage === 'concurrent batch' && s.warmup)).toHaveLength(1);
    const c = summarizeRecord(r).concurrency!;
    expect(c).toMatchObject({ concurrency: 4, batches: 4, pipeline: 'retrieval', llmWait: null, firstToken: null });
    expect(c.latency.count).toBe(16);
    expect(c.retrieval?.count).toBe(16);
    expect(c.queriesPerSecond.mean).toBeGreaterThan(0);
    expect(r.warnings.some((w) => w.includes('retrieval only') && w.includes('no LLM'))).toBe(true);
    expect(concurrencyText(c)).toContain('retrieval only');
  });

  it('with an LLM, the concurrent queries go through generation too, queueing for the LLM', async () => {
    const { records, session } = await runFake([...SMALL.filter((s) => !s.startsWith('llm.')), 'llm.engine=wllama', 'llm.model=x.gguf', 'concurrency=3'], { generation: true });
    const r = records[0]!;
    // 1 warm-up + 4 iterations of 3 concurrent queries, each generated
    expect(session.generator.answers).toBe(15);
    const queries = r.samples.filter((s) => s.stage === 'concurrent query' && !s.warmup);
    expect(queries).toHaveLength(12);
    for (const q of queries) {
      expect(q.extra).toMatchObject({ pipeline: 'retrieval+generation', tokens: 2, promptTokens: 50 });
      for (const k of ['retrievalMs', 'llmWaitMs', 'firstTokenMs']) expect(typeof q.extra[k], k).toBe('number');
    }
    const c = summarizeRecord(r).concurrency!;
    expect(c.pipeline).toBe('retrieval+generation');
    expect(c.llmWait?.count).toBe(12);
    expect(c.firstToken?.count).toBe(12);
    expect(r.warnings.some((w) => w.includes('one answer at a time'))).toBe(true);
    expect(concurrencyText(c)).toContain('queue for it');
  });

  it('a cancel between two cells stops the sweep: no further cell starts', async () => {
    const started: number[] = [];
    const { records } = await runFake([...SMALL, 'reload=false', 'iterations=1', 'sweep=[{"path":"k","values":[1,5,10]}]'], {}, (runner) => ({
      willStart: (e) => started.push(e.cell),
      didFinish: () => runner.cancel(), // after the first cell's record, before the second starts
    }));
    expect(started).toEqual([0]);
    expect(records.map((r) => r.status)).toEqual(['complete']);
  });

  it('a cancel during a step: the record says cancelled and the sweep stops', async () => {
    const { records } = await runFake([...SMALL, 'reload=false', 'iterations=3', 'sweep=[{"path":"k","values":[1,5]}]'], {}, (runner) => ({
      didFinishStage: (e) => {
        if (e.step === 'query set' && !e.warmup) runner.cancel();
      },
    }));
    expect(records.map((r) => r.status)).toEqual(['cancelled']);
    expect(records[0]!.errors.at(-1)?.name).toBe('Cancelled');
  });

  it("waits for the tab's start-up before the limits and the first step; what it could not wait for is a warning", async () => {
    const order: string[] = [];
    const { records } = await runFake(SMALL, { order, startup: async () => ['the service worker was still installing after 120 s'] });
    expect(order).toEqual(['startup', 'limits']);
    expect(records[0]!.warnings.some((w) => w.startsWith('Started before the tab was quiet: the service worker was still installing'))).toBe(true);
    const quiet = await runFake(SMALL, { order: [] });
    expect(quiet.records[0]!.warnings.filter((w) => w.startsWith('Started before'))).toEqual([]);
  });

  it('runs a sweep: one record per cell, with its coordinates', async () => {
    const { records } = await runFake([...SMALL, 'reload=false', 'iterations=1', 'sweep=[{"path":"k","values":[1,5]},{"path":"embedder.batch","values":[8,16]}]']);
    expect(records).toHaveLength(4);
    expect(records.map((r) => r.sweep?.values)).toEqual([
      { k: 1, 'embedder.batch': 8 },
      { k: 1, 'embedder.batch': 16 },
      { k: 5, 'embedder.batch': 8 },
      { k: 5, 'embedder.batch': 16 },
    ]);
    expect(new Set(records.map((r) => r.sweep?.id)).size).toBe(1);
    expect(records.map((r) => r.config.k)).toEqual([1, 1, 5, 5]);
    expect(records.every((r) => r.config.sweep.length === 0 && r.status === 'complete')).toBe(true);
  });

  it('a failing query fails the run with the error named, keeping the samples so far', async () => {
    let failed: string | null = null;
    const { records } = await runFake(SMALL, { failQueryAt: 5 }, { didFail: (e) => (failed = e.name) });
    const r = records[0]!;
    expect(r.status).toBe('failed');
    expect(failed).toBe('WorkerCrashed');
    expect(r.errors).toEqual([expect.objectContaining({ name: 'WorkerCrashed', stage: 'query set' })]);
    expect(r.samples.filter((s) => s.stage === 'query')).toHaveLength(4);
    expect(r.finishedAt).not.toBeNull();
  });
});
