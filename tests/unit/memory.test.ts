import { describe, expect, it } from 'vitest';
import { MemorySampler, REASONS, attribute, unreadableMemory } from '../../src/engine/memory';
import type { WorkerMemory } from '../../workers/api';
import { fakeMemorySources } from './bench-fixtures';

const ua = { bytes: 300, breakdown: [
  { bytes: 100, attribution: [{ url: 'http://x/index.html', scope: 'Window' }] },
  { bytes: 150, attribution: [{ url: 'http://x/assets/embedder.worker-AbCd1234.js', scope: 'DedicatedWorkerGlobalScope' }] },
  { bytes: 50, attribution: [] },
] };

describe('MemorySampler', () => {
  it('marks what the browser cannot give as unavailable, never 0', async () => {
    const m = new MemorySampler({ intervalMs: 100, full: true }, fakeMemorySources({ jsHeap: () => null, storageEstimate: null })(0));
    m.start();
    m.setStage('embed', 'cold');
    await m.between({ stage: 'embed', phase: 'cold' }, [{ worker: 'embedder', read: async () => unreadableMemory('not loaded (test)') }]);
    const s = await m.stop(10);
    const reasons = Object.fromEntries(s.map((x) => [x.figure, x.available ? null : x.reason]));
    expect(reasons).toEqual({
      'js-heap-used': REASONS.jsHeap,
      'ua-memory': REASONS.notIsolated,
      'storage-usage': REASONS.storage,
      'embedder-wasm': 'not loaded (test)',
      'embedder-webgpu-buffers': 'not loaded (test)',
      'webgpu-buffers': 'embedder: not loaded (test)',
    });
    expect(s.some((x) => x.available && x.bytes === 0)).toBe(false);
  });

  it("records each worker's WASM and GPU buffer bytes, and the GPU total over the workers that count", async () => {
    const m = new MemorySampler({ intervalMs: 100, full: false }, fakeMemorySources()(0));
    m.start();
    const embedder: WorkerMemory = { wasmBytes: 40e6, wasmMemories: 1, wasmReason: null, gpuBufferBytes: 30e6, gpuBufferPeakBytes: 35e6, gpuBufferCreatedBytes: 70e6, gpuReason: null };
    const index: WorkerMemory = { wasmBytes: 2e6, wasmMemories: 2, wasmReason: null, gpuBufferBytes: 0, gpuBufferPeakBytes: 0, gpuBufferCreatedBytes: 0, gpuReason: null };
    await m.between({ stage: 'ingest', phase: 'cold' }, [
      { worker: 'embedder', read: async () => embedder },
      { worker: 'index', read: async () => index },
      { worker: 'llm', read: async () => ({ ...unreadableMemory('x'), wasmReason: 'llama.cpp runs in a worker of its own', gpuReason: 'WebGPU is not available in this worker' }) },
    ]);
    await m.between({ stage: 'query set', phase: 'warm' }, [{ worker: 'index', read: () => Promise.reject(new Error('worker gone')) }]);
    const s = (await m.stop(10)).filter((x) => x.figure !== 'js-heap-used' && x.figure !== 'js-heap-total' && x.figure !== 'storage-usage');
    const at = (stage: string) => Object.fromEntries(s.filter((x) => x.stage === stage).map((x) => [x.figure, x.available ? { bytes: x.bytes, detail: x.detail } : x.reason]));
    expect(at('ingest')).toEqual({
      'embedder-wasm': { bytes: 40e6, detail: { memories: 1 } },
      'embedder-webgpu-buffers': { bytes: 30e6, detail: { peakSinceWorkerStart: 35e6, createdSinceWorkerStart: 70e6 } },
      'index-wasm': { bytes: 2e6, detail: { memories: 2 } },
      // a measured 0: the index worker counts and created no buffer
      'index-webgpu-buffers': { bytes: 0, detail: { peakSinceWorkerStart: 0, createdSinceWorkerStart: 0 } },
      'llm-wasm': 'llama.cpp runs in a worker of its own',
      'llm-webgpu-buffers': 'WebGPU is not available in this worker',
      'webgpu-buffers': { bytes: 30e6, detail: { embedder: 30e6, index: 0 } },
    });
    expect(at('query set')).toEqual({
      'index-wasm': REASONS.unreadable('index', 'worker gone'),
      'index-webgpu-buffers': REASONS.unreadable('index', 'worker gone'),
      'webgpu-buffers': `index: ${REASONS.unreadable('index', 'worker gone')}`,
    });
  });

  it('takes the full measurement between stages, attributed per page and worker', async () => {
    const m = new MemorySampler({ intervalMs: 100, full: true }, fakeMemorySources({ crossOriginIsolated: true, measureUserAgentSpecificMemory: async () => ua })(0));
    m.start();
    await m.between({ stage: 'ingest', phase: 'cold' });
    const s = await m.stop(1000);
    const full = s.find((x) => x.figure === 'ua-memory')!;
    expect(full).toMatchObject({ available: true, bytes: 300, stage: 'ingest', phase: 'cold' });
    expect(full.available && full.detail).toEqual({ page: 100, 'DedicatedWorkerGlobalScope embedder.worker.js': 150, shared: 50 });
    expect(s.find((x) => x.figure === 'storage-usage')).toMatchObject({ available: true, bytes: 4096 });
  });

  it('says why when a thread pool blocks the full measurement, or when it never resolves', async () => {
    const blocked = new MemorySampler({ intervalMs: 100, full: true, blocked: () => REASONS.threadPool('the embedder') }, fakeMemorySources({ crossOriginIsolated: true, measureUserAgentSpecificMemory: async () => ua })(0));
    await blocked.between({ stage: 'ingest', phase: 'cold' });
    const b = (await blocked.stop(10)).find((x) => x.figure === 'ua-memory')!;
    expect(b.available === false && b.reason).toContain('Atomics.wait');
    const hung = new MemorySampler({ intervalMs: 100, full: true }, fakeMemorySources({ crossOriginIsolated: true, measureUserAgentSpecificMemory: () => new Promise(() => undefined) })(0));
    await hung.between({ stage: 'ingest', phase: 'cold' });
    await hung.settle(5);
    const h = (await hung.stop(20)).filter((x) => x.figure === 'ua-memory');
    expect(h).toHaveLength(1);
    expect(h[0]!.available === false && h[0]!.reason).toContain('no result within 0 s');
  });

  it('clears the deadline of a full measurement that came in time', async () => {
    const live = new Set<unknown>();
    let next = 0;
    const src = fakeMemorySources({
      crossOriginIsolated: true,
      measureUserAgentSpecificMemory: async () => ua,
      setTimeout: () => {
        const h = ++next;
        live.add(h);
        return h;
      },
      clearTimeout: (h) => live.delete(h),
    })(0);
    const m = new MemorySampler({ intervalMs: 100, full: true }, src);
    await m.between({ stage: 'ingest', phase: 'cold' });
    await m.settle(60_000);
    await m.between({ stage: 'query', phase: 'warm' });
    await m.stop(60_000);
    expect(next).toBeGreaterThan(0);
    expect(live.size).toBe(0);
  });

  it('tags cheap samples with the stage running', () => {
    const m = new MemorySampler({ intervalMs: 100, full: false }, fakeMemorySources()(0));
    m.start();
    m.setStage('search', 'warm');
    m.sampleCheap();
    m.setStage(null, null);
    m.sampleCheap();
    const heap = m.samples.filter((x) => x.figure === 'js-heap-used');
    expect(heap.map((x) => x.stage)).toEqual([null, 'search', 'search', null]);
    expect(attribute({ bytes: 1 })).toEqual({});
  });
});
