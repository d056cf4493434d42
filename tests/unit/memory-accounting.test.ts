/**
 * The worker-side memory accounting, in Node: Node's own WebAssembly, and stand-ins for the
 * browser's GPUDevice / GPUBuffer prototypes (installed before the module wraps them). The e2e
 * benchmark test checks the same counts in Chromium with ONNX Runtime on WASM and on WebGPU.
 */
import { beforeAll, describe, expect, it } from 'vitest';

class GPUBuffer {
  destroyed = false;
  destroy(): void {
    this.destroyed = true;
  }
}
class GPUDevice {
  createBuffer(_d: { size: number }): GPUBuffer {
    return new GPUBuffer();
  }
  destroy(): void {}
}

let mod: typeof import('../../workers/lib/memory-accounting');

beforeAll(async () => {
  Object.assign(globalThis, { GPUDevice, GPUBuffer });
  mod = await import('../../workers/lib/memory-accounting');
});

/** A module that defines and exports a memory of `pages` 64 KiB pages: (module (memory (export "m") pages)). */
function moduleWithMemory(pages: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, pages, 7, 5, 1, 1, 109, 2, 0]);
}

describe('memory accounting', () => {
  it('reports no WebAssembly memory with the reason until one is made, then the live byte lengths', async () => {
    expect(mod.workerMemory('nothing yet (test)')).toMatchObject({ wasmBytes: null, wasmMemories: 0, wasmReason: 'nothing yet (test)' });
    const mem = new WebAssembly.Memory({ initial: 2 });
    expect(mem).toBeInstanceOf(WebAssembly.Memory);
    expect(mod.workerMemory()).toMatchObject({ wasmBytes: 2 * 65536, wasmMemories: 1, wasmReason: null });
    mem.grow(1);
    expect(mod.workerMemory().wasmBytes).toBe(3 * 65536);
    // memories a module exports, through instantiate(bytes), instantiate(module) and new Instance
    const a: WebAssembly.WebAssemblyInstantiatedSource = await WebAssembly.instantiate(moduleWithMemory(4));
    const b = await WebAssembly.instantiate(new WebAssembly.Module(moduleWithMemory(1)));
    const c = new WebAssembly.Instance(new WebAssembly.Module(moduleWithMemory(5)));
    expect([a.instance, b, c].every((i) => i instanceof WebAssembly.Instance)).toBe(true);
    expect(mod.workerMemory()).toMatchObject({ wasmBytes: (3 + 4 + 1 + 5) * 65536, wasmMemories: 4 });
  });

  it('counts GPUBuffer bytes created and destroyed, per device, with the peak and the total created', () => {
    const device = new GPUDevice();
    const before = mod.workerMemory();
    expect(before).toMatchObject({ gpuBufferBytes: 0, gpuBufferPeakBytes: 0, gpuBufferCreatedBytes: 0, gpuReason: null });
    const a = device.createBuffer({ size: 1000 });
    const b = device.createBuffer({ size: 500 });
    a.destroy();
    a.destroy(); // twice: counted once
    expect(a.destroyed).toBe(true);
    expect(mod.workerMemory()).toMatchObject({ gpuBufferBytes: 500, gpuBufferPeakBytes: 1500, gpuBufferCreatedBytes: 1500 });
    const other = new GPUDevice();
    other.createBuffer({ size: 200 });
    device.destroy(); // frees b (never destroyed itself)
    b.destroy(); // after its device: not subtracted again
    expect(mod.workerMemory()).toMatchObject({ gpuBufferBytes: 200, gpuBufferPeakBytes: 1500, gpuBufferCreatedBytes: 1700 });
  });

  it('says so when the engine allocates in a worker of its own, instead of a count of 0', () => {
    const m = mod.workerMemory('llama.cpp runs elsewhere (test)', { engineElsewhere: 'llama.cpp runs elsewhere (test)' });
    expect(m).toMatchObject({ gpuBufferBytes: null, gpuReason: 'llama.cpp runs elsewhere (test)' });
    // this worker's own WebAssembly memories are still counted
    expect(m.wasmBytes).toBeGreaterThan(0);
  });
});
