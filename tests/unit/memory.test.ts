import { describe, expect, it } from 'vitest';
import { MemorySampler, REASONS, attribute } from '../../src/engine/memory';
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
    await m.between({ stage: 'embed', phase: 'cold' }, async () => null);
    const s = await m.stop(10);
    const reasons = Object.fromEntries(s.map((x) => [x.figure, x.available ? null : x.reason]));
    expect(reasons).toEqual({
      'webgpu-buffers': REASONS.webgpu,
      'js-heap-used': REASONS.jsHeap,
      'ua-memory': REASONS.notIsolated,
      'storage-usage': REASONS.storage,
      'embedder-wasm': REASONS.embedderWasm,
    });
    expect(s.some((x) => x.available && x.bytes === 0)).toBe(false);
  });

  it('takes the full measurement between stages, attributed per page and worker', async () => {
    const m = new MemorySampler({ intervalMs: 100, full: true }, fakeMemorySources({ crossOriginIsolated: true, measureUserAgentSpecificMemory: async () => ua })(0));
    m.start();
    await m.between({ stage: 'ingest', phase: 'cold' }, null);
    const s = await m.stop(1000);
    const full = s.find((x) => x.figure === 'ua-memory')!;
    expect(full).toMatchObject({ available: true, bytes: 300, stage: 'ingest', phase: 'cold' });
    expect(full.available && full.detail).toEqual({ page: 100, 'DedicatedWorkerGlobalScope embedder.worker.js': 150, shared: 50 });
    expect(s.find((x) => x.figure === 'storage-usage')).toMatchObject({ available: true, bytes: 4096 });
  });

  it('says why when a thread pool blocks the full measurement, or when it never resolves', async () => {
    const blocked = new MemorySampler({ intervalMs: 100, full: true, blocked: () => REASONS.threadPool('the embedder') }, fakeMemorySources({ crossOriginIsolated: true, measureUserAgentSpecificMemory: async () => ua })(0));
    await blocked.between({ stage: 'ingest', phase: 'cold' }, null);
    const b = (await blocked.stop(10)).find((x) => x.figure === 'ua-memory')!;
    expect(b.available === false && b.reason).toContain('Atomics.wait');
    const hung = new MemorySampler({ intervalMs: 100, full: true }, fakeMemorySources({ crossOriginIsolated: true, measureUserAgentSpecificMemory: () => new Promise(() => undefined) })(0));
    await hung.between({ stage: 'ingest', phase: 'cold' }, null);
    await hung.settle(5);
    const h = (await hung.stop(20)).filter((x) => x.figure === 'ua-memory');
    expect(h).toHaveLength(1);
    expect(h[0]!.available === false && h[0]!.reason).toContain('no result within 0 s');
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
