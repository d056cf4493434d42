/// <reference path="../env.d.ts" />
/**
 * What the run ran on, as the browser tells it: user agent and client hints, cores, device memory,
 * the WebGPU adapter (info, features, key limits), cross-origin isolation, the app's version,
 * commit and library versions, and the date. A figure the browser does not give is recorded as
 * unavailable with the reason. Also the capability record (`probeBrowser` → decideBrowser in
 * src/core/browser-capabilities.ts): what this browser really offers, feature by feature, and
 * the decisions the app takes from it.
 */
import type { EnvironmentRecord } from '../core/run-record';
import { decideBrowser, type BrowserProbe, type CapabilityRecord, type WebGpuCapability } from '../core/browser-capabilities';

interface UaDataLike {
  brands?: Array<{ brand: string; version: string }>;
  mobile?: boolean;
  platform?: string;
  getHighEntropyValues?(hints: string[]): Promise<Record<string, unknown>>;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  features: Iterable<string>;
  limits: Record<string, unknown>;
}

interface NavigatorLike {
  userAgent: string;
  hardwareConcurrency?: number;
  deviceMemory?: number;
  language?: string;
  userAgentData?: UaDataLike;
  gpu?: { requestAdapter(o?: unknown): Promise<GpuAdapterLike | null> };
}

/** The adapter limits worth keeping (what decides which models fit). */
export const KEY_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
] as const;

const str = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);

async function clientHints(nav: NavigatorLike): Promise<EnvironmentRecord['clientHints']> {
  const d = nav.userAgentData;
  if (!d) return { available: false, reason: 'navigator.userAgentData is not available in this browser' };
  let high: Record<string, unknown> = {};
  try {
    high = (await d.getHighEntropyValues?.(['platformVersion', 'architecture', 'bitness', 'model', 'fullVersionList'])) ?? {};
  } catch {
    high = {};
  }
  const full = Array.isArray(high['fullVersionList']) ? (high['fullVersionList'] as Array<{ brand: string; version: string }>) : [];
  return {
    available: true,
    brands: (d.brands ?? []).map((b) => `${b.brand} ${b.version}`),
    mobile: d.mobile ?? false,
    platform: d.platform ?? '',
    platformVersion: str(high['platformVersion']),
    architecture: str(high['architecture']),
    bitness: str(high['bitness']),
    model: str(high['model']),
    fullVersionList: full.map((b) => `${b.brand} ${b.version}`),
  };
}

async function webgpu(nav: NavigatorLike): Promise<EnvironmentRecord['webgpu']> {
  if (!nav.gpu) return { available: false, reason: 'navigator.gpu is missing (WebGPU unsupported or disabled, or not a secure context)' };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { available: false, reason: `requestAdapter() failed: ${(e as Error).message}` };
  }
  if (!adapter) return { available: false, reason: 'requestAdapter() returned no adapter (no usable GPU, or it is blocklisted)' };
  const limits: Record<string, number> = {};
  for (const k of KEY_LIMITS) {
    const x = adapter.limits[k];
    if (typeof x === 'number') limits[k] = x;
  }
  return {
    available: true,
    vendor: adapter.info?.vendor ?? '',
    architecture: adapter.info?.architecture ?? '',
    device: adapter.info?.device ?? '',
    description: adapter.info?.description ?? '',
    features: [...adapter.features].sort(),
    limits,
  };
}

export interface EnvironmentSources {
  navigator: NavigatorLike;
  crossOriginIsolated: boolean;
  app: EnvironmentRecord['app'];
  now: () => Date;
  /** The capability record (default: probed in this page). */
  capabilities?: () => Promise<CapabilityRecord>;
}

function defaultSources(): EnvironmentSources {
  return {
    navigator: navigator as unknown as NavigatorLike,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    app: { version: __RAGTAB_VERSION__, commit: __RAGTAB_COMMIT__, deps: { ...__RAGTAB_DEPS__ } },
    now: () => new Date(),
  };
}

export async function collectEnvironment(sources: EnvironmentSources = defaultSources()): Promise<EnvironmentRecord> {
  const nav = sources.navigator;
  const [hints, gpu] = await Promise.all([clientHints(nav), webgpu(nav)]);
  let timeZone: string | null = null;
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? null;
  } catch {
    timeZone = null;
  }
  return {
    userAgent: nav.userAgent,
    clientHints: hints,
    hardwareConcurrency: typeof nav.hardwareConcurrency === 'number' ? nav.hardwareConcurrency : null,
    deviceMemoryGiB: typeof nav.deviceMemory === 'number' ? nav.deviceMemory : null,
    crossOriginIsolated: sources.crossOriginIsolated,
    webgpu: gpu,
    app: sources.app,
    date: sources.now().toISOString(),
    timeZone,
    language: nav.language ?? null,
    launcher: null,
    capabilities: await (sources.capabilities ?? browserCapabilities)(),
  };
}

// ─────────────────────────────── capability probe ───────────────────────────────

const wasm = (bytes: number[]): boolean => {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, ...bytes]));
  } catch {
    return false;
  }
};
/** A function returning one v128 constant: validates where WebAssembly SIMD is supported. */
const SIMD_MODULE = [1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11];
/** The same with one relaxed-SIMD instruction (i32x4.relaxed_trunc_f32x4_s, 0xfd 0x101): Safari rejects it. */
const RELAXED_SIMD_MODULE = [1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 25, 1, 23, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 129, 2, 11];
/** A memory with the memory64 flag. */
const MEMORY64_MODULE = [5, 3, 1, 4, 1];

let blobsKnown: boolean | null = null;
/** The storage layer tells what its probe found (IndexedDB Blob values), for the next capability records. */
export function noteIndexedDbBlobs(supported: boolean): void {
  blobsKnown = supported;
}

async function gpuCapability(nav: NavigatorLike): Promise<WebGpuCapability> {
  const g = await webgpu(nav);
  if (!g.available) return { available: false, reason: g.reason };
  return { available: true, vendor: g.vendor, architecture: g.architecture, shaderF16: g.features.includes('shader-f16'), limits: g.limits };
}

/** Probes this page's browser, feature by feature (no feature is assumed from the user agent). */
export async function probeBrowser(): Promise<BrowserProbe> {
  const nav = navigator as unknown as NavigatorLike & {
    storage?: { estimate?: unknown; persist?: unknown; getDirectory?: unknown };
    locks?: unknown;
    serviceWorker?: unknown;
  };
  const g = globalThis as unknown as {
    scheduler?: { yield?: unknown };
    CompressionStream?: unknown;
    HTMLIFrameElement?: { prototype: object };
    SharedArrayBuffer?: unknown;
  };
  const perf = performance as unknown as { measureUserAgentSpecificMemory?: unknown };
  return {
    userAgent: nav.userAgent,
    hardwareConcurrency: typeof nav.hardwareConcurrency === 'number' ? nav.hardwareConcurrency : null,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof g.SharedArrayBuffer === 'function',
    webgpu: await gpuCapability(nav),
    jspi: typeof (WebAssembly as unknown as { Suspending?: unknown }).Suspending === 'function',
    simd: wasm(SIMD_MODULE),
    relaxedSimd: wasm(RELAXED_SIMD_MODULE),
    memory64: wasm(MEMORY64_MODULE),
    coepCredentialless: g.HTMLIFrameElement ? 'credentialless' in g.HTMLIFrameElement.prototype : null,
    opfs: typeof nav.storage?.getDirectory === 'function',
    storageEstimate: typeof nav.storage?.estimate === 'function',
    storagePersist: typeof nav.storage?.persist === 'function',
    schedulerYield: typeof g.scheduler?.yield === 'function',
    measureUserAgentSpecificMemory: typeof perf.measureUserAgentSpecificMemory === 'function',
    webLocks: !!nav.locks,
    compressionStream: typeof g.CompressionStream === 'function',
    serviceWorker: !!nav.serviceWorker,
    indexedDbBlobs: blobsKnown,
  };
}

/** The capability record of this page's browser, with the decisions taken from it. */
export async function browserCapabilities(): Promise<CapabilityRecord> {
  return decideBrowser(await probeBrowser());
}
