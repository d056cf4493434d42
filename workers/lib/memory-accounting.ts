/**
 * A worker's own memory, counted where it is allocated (issue 6: "each worker's WASM memory" and
 * "WebGPU buffer bytes allocated and freed").
 *
 * The engines (ONNX Runtime Web, voy, llama.cpp, TVM) keep their WebAssembly.Memory and GPUBuffers
 * private, so this module wraps the allocation points of the worker's global scope before any
 * engine is imported:
 *
 * - WebAssembly: the `WebAssembly.Memory` constructor (memories created in JavaScript, which is how
 *   threaded Emscripten builds make their shared memory) and `WebAssembly.instantiate` /
 *   `instantiateStreaming` (memories a module exports). Each memory is held through a WeakRef and
 *   read as `buffer.byteLength` when asked: the figure is the current size of every live memory the
 *   worker's code made.
 * - WebGPU: `GPUDevice.prototype.createBuffer` adds the buffer's size, `GPUBuffer.prototype.destroy`
 *   and `GPUDevice.prototype.destroy` subtract it. A buffer dropped without destroy() stays counted
 *   until its device is destroyed, so the figure is an upper bound of the live bytes; textures are
 *   not counted.
 *
 * Call `installMemoryAccounting()` first thing in the worker (importing this module does it).
 */
import type { WorkerMemory } from '../api';

interface GpuState {
  live: number;
  peak: number;
  created: number;
  installed: boolean;
  reason: string | null;
}

const memories: Array<WeakRef<WebAssembly.Memory>> = [];
const gpu: GpuState = { live: 0, peak: 0, created: 0, installed: false, reason: null };
let installed = false;

function track(mem: unknown): void {
  if (!(mem instanceof WebAssembly.Memory)) return;
  for (const r of memories) if (r.deref() === mem) return;
  memories.push(new WeakRef(mem));
}

function trackExports(result: unknown): void {
  // instantiate(bytes) resolves {module, instance}; instantiate(module) resolves an Instance.
  const instance = result instanceof WebAssembly.Instance ? result : (result as { instance?: unknown } | null)?.instance;
  if (!(instance instanceof WebAssembly.Instance)) return;
  for (const value of Object.values(instance.exports)) track(value);
}

function installWasm(): void {
  const W = WebAssembly as unknown as Record<string, unknown>;
  const OriginalMemory = WebAssembly.Memory;
  const Wrapped = function (this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    const mem = new OriginalMemory(descriptor);
    track(mem);
    return mem;
  } as unknown as typeof WebAssembly.Memory;
  Wrapped.prototype = OriginalMemory.prototype;
  W['Memory'] = Wrapped;

  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
  W['instantiate'] = (...args: unknown[]) =>
    instantiate(...args).then((r) => {
      trackExports(r);
      return r;
    });
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    const streaming = WebAssembly.instantiateStreaming.bind(WebAssembly) as (...a: unknown[]) => Promise<unknown>;
    W['instantiateStreaming'] = (...args: unknown[]) =>
      streaming(...args).then((r) => {
        trackExports(r);
        return r;
      });
  }
  const OriginalInstance = WebAssembly.Instance;
  const WrappedInstance = function (this: unknown, module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    const inst = new OriginalInstance(module, imports);
    trackExports(inst);
    return inst;
  } as unknown as typeof WebAssembly.Instance;
  WrappedInstance.prototype = OriginalInstance.prototype;
  W['Instance'] = WrappedInstance;
}

interface GpuProtos {
  GPUDevice?: { prototype: { createBuffer(d: { size: number }): object; destroy(): void } };
  GPUBuffer?: { prototype: { destroy(): void } };
}

function installGpu(): void {
  const g = globalThis as unknown as GpuProtos;
  if (!g.GPUDevice || !g.GPUBuffer) {
    gpu.reason = 'WebGPU is not available in this worker';
    return;
  }
  const sizes = new WeakMap<object, { size: number; device: object }>();
  const perDevice = new WeakMap<object, number>();
  const destroyed = new WeakSet<object>();
  const devProto = g.GPUDevice.prototype;
  const bufProto = g.GPUBuffer.prototype;
  const createBuffer = devProto.createBuffer;
  const destroyBuffer = bufProto.destroy;
  const destroyDevice = devProto.destroy;
  devProto.createBuffer = function (this: object, d: { size: number }) {
    const buf = createBuffer.call(this, d);
    const size = Number(d.size) || 0;
    sizes.set(buf, { size, device: this });
    perDevice.set(this, (perDevice.get(this) ?? 0) + size);
    gpu.live += size;
    gpu.created += size;
    if (gpu.live > gpu.peak) gpu.peak = gpu.live;
    return buf;
  };
  bufProto.destroy = function (this: object) {
    const s = sizes.get(this);
    if (s && !destroyed.has(this) && !destroyed.has(s.device)) {
      destroyed.add(this);
      gpu.live -= s.size;
      perDevice.set(s.device, (perDevice.get(s.device) ?? 0) - s.size);
    }
    return destroyBuffer.call(this);
  };
  devProto.destroy = function (this: object) {
    if (!destroyed.has(this)) {
      destroyed.add(this);
      gpu.live -= perDevice.get(this) ?? 0;
      perDevice.set(this, 0);
    }
    return destroyDevice.call(this);
  };
  gpu.installed = true;
}

export function installMemoryAccounting(): void {
  if (installed) return;
  installed = true;
  installWasm();
  installGpu();
}

/**
 * Current figures. `noWasmReason` is used when no memory was seen. `engineElsewhere`: the engine
 * runs in a worker it starts itself (wllama's llama.cpp), whose allocations this worker cannot see:
 * the GPU figure is then unavailable with that reason rather than a count of 0 that would read as
 * "no buffers" (and so is the WASM figure when this worker made no memory of its own).
 */
export function workerMemory(noWasmReason = 'no WebAssembly memory has been created in this worker yet', opts: { engineElsewhere?: string } = {}): WorkerMemory {
  let wasm = 0;
  let seen = 0;
  for (const r of memories) {
    const m = r.deref();
    if (!m) continue;
    seen++;
    wasm += m.buffer.byteLength;
  }
  const counts = gpu.installed && !opts.engineElsewhere;
  return {
    wasmBytes: seen > 0 ? wasm : null,
    wasmMemories: seen,
    wasmReason: seen > 0 ? null : noWasmReason,
    gpuBufferBytes: counts ? gpu.live : null,
    gpuBufferPeakBytes: counts ? gpu.peak : null,
    gpuBufferCreatedBytes: counts ? gpu.created : null,
    gpuReason: counts ? null : (opts.engineElsewhere ?? gpu.reason ?? 'WebGPU accounting is not installed'),
  };
}

installMemoryAccounting();
