/** Whether WebGPU can really be used here: navigator.gpu, an adapter, and a device. */
export interface WebGpuProbe {
  ok: boolean;
  reason: string;
  vendor?: string;
  architecture?: string;
  description?: string;
  features?: string[];
  maxBufferSize?: number;
  maxStorageBufferBindingSize?: number;
}

interface GpuLike {
  requestAdapter(o?: unknown): Promise<{
    info?: { vendor?: string; architecture?: string; description?: string };
    features: Iterable<string>;
    limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
    requestDevice(d?: unknown): Promise<{ destroy(): void }>;
  } | null>;
}

export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (self.navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no navigator.gpu (WebGPU is not supported or is disabled, or the page is not a secure context)' };
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `requestAdapter() failed: ${(e as Error).message}` };
  }
  if (!adapter) return { ok: false, reason: 'navigator.gpu.requestAdapter() returned no adapter (no usable GPU, or it is blocklisted)' };
  const base = {
    vendor: adapter.info?.vendor ?? '',
    architecture: adapter.info?.architecture ?? '',
    description: adapter.info?.description ?? '',
    features: [...adapter.features].sort(),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
  try {
    const device = await adapter.requestDevice();
    device.destroy();
  } catch (e) {
    return { ok: false, reason: `requestDevice() failed: ${(e as Error).message}`, ...base };
  }
  return { ok: true, reason: 'adapter and device available', ...base };
}
