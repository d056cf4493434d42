/// <reference path="../env.d.ts" />
/**
 * What the run ran on, as the browser tells it: user agent and client hints, cores, device memory,
 * the WebGPU adapter (info, features, key limits), cross-origin isolation, the app's version,
 * commit and library versions, and the date. A figure the browser does not give is recorded as
 * unavailable with the reason.
 */
import type { EnvironmentRecord } from '../core/run-record';

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
  };
}
