/**
 * The honest capability record of a browser, and the decisions the app takes from it, each with
 * its reason (pure: the probe is done in src/engine/environment.ts and handed in). This extends
 * capabilities.ts (which decides the LLM engines from the WebGPU probe) to everything else the app
 * depends on: threads, WebAssembly features, cross-origin isolation, storage, scheduling, memory.
 *
 * Why each decision (facts checked in ../shared/docs/ENVIRONMENT.md):
 * - threads: WebAssembly threads need SharedArrayBuffer, which needs cross-origin isolation; an
 *   isolated page may still lack it (WebKit's automation sessions), so the count comes from both.
 * - wllama: its default build needs JSPI and Memory64 (wllama's own rule); without either it runs
 *   its compat build (slower, no WebGPU).
 * - SIMD: ragtab's WebAssembly (ONNX Runtime's simd build, the exact-scan kernel) uses plain
 *   128-bit SIMD only, never relaxed SIMD: Safari rejects a whole module that contains one relaxed
 *   instruction.
 * - COEP: `require-corp`, not `credentialless`, which Safari does not support.
 * - storage: vector blocks as Blobs where IndexedDB stores them, else ArrayBuffers.
 */
import type { Decision } from './capabilities';

export type WebGpuCapability =
  | { available: true; vendor: string; architecture: string; shaderF16: boolean; limits: Record<string, number> }
  | { available: false; reason: string };

/** What the page found, feature by feature (null: could not be probed here). */
export interface BrowserProbe {
  userAgent: string;
  hardwareConcurrency: number | null;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  webgpu: WebGpuCapability;
  /** WebAssembly JavaScript Promise Integration (`WebAssembly.Suspending`). */
  jspi: boolean;
  simd: boolean;
  relaxedSimd: boolean;
  memory64: boolean;
  /** COEP `credentialless` support, judged from `HTMLIFrameElement.prototype.credentialless` (shipped together). */
  coepCredentialless: boolean | null;
  opfs: boolean;
  storageEstimate: boolean;
  storagePersist: boolean;
  schedulerYield: boolean;
  /** `performance.measureUserAgentSpecificMemory` exists (it also needs isolation to work). */
  measureUserAgentSpecificMemory: boolean;
  webLocks: boolean;
  compressionStream: boolean;
  serviceWorker: boolean;
  /** IndexedDB stores Blob values (null until the storage layer has probed it). */
  indexedDbBlobs: boolean | null;
}

export type BrowserEngine = 'webkit' | 'chromium' | 'gecko' | 'unknown';

export interface CapabilityRecord {
  probe: BrowserProbe;
  engine: BrowserEngine;
  /** Safari (or another WebKit browser): its storage rules apply. */
  safari: boolean;
  /** WebAssembly threads the engines can really use, and why. */
  threads: { usable: number; reason: string };
  decisions: Decision[];
}

/** The engine, from the user agent (brands are not available in every browser). */
export function browserEngine(userAgent: string): BrowserEngine {
  if (/Firefox\/\d/.test(userAgent)) return 'gecko';
  if (/Chrome\/|Chromium\/|CriOS\/|Edg\//.test(userAgent)) return 'chromium';
  if (/AppleWebKit\//.test(userAgent)) return 'webkit';
  return 'unknown';
}

/** Threads the WebAssembly engines can use: the logical cores where SharedArrayBuffer exists, else 1. */
export function usableThreads(p: Pick<BrowserProbe, 'crossOriginIsolated' | 'sharedArrayBuffer' | 'hardwareConcurrency'>): { usable: number; reason: string } {
  const cores = Math.max(1, Math.floor(p.hardwareConcurrency ?? 1));
  if (!p.crossOriginIsolated) return { usable: 1, reason: 'the page is not cross-origin isolated, so there is no SharedArrayBuffer: WebAssembly runs one thread' };
  if (!p.sharedArrayBuffer) {
    return { usable: 1, reason: 'SharedArrayBuffer is undefined although the page is cross-origin isolated (as in WebKit automation sessions): WebAssembly runs one thread' };
  }
  return { usable: cores, reason: `cross-origin isolated with SharedArrayBuffer: up to ${cores} threads (the logical cores the browser reports)` };
}

function yes(b: boolean | null): string {
  return b === null ? 'unknown' : b ? 'yes' : 'no';
}

/** The decisions the app takes from a probe, each with its reason. */
export function decideBrowser(p: BrowserProbe): CapabilityRecord {
  const engine = browserEngine(p.userAgent);
  const threads = usableThreads(p);
  const decisions: Decision[] = [];
  decisions.push({ topic: 'threads', choice: String(threads.usable), reason: threads.reason });

  const missing = [...(p.jspi ? [] : ['JSPI']), ...(p.memory64 ? [] : ['Memory64'])];
  decisions.push({
    topic: 'wllama-build',
    choice: missing.length ? 'compat' : 'default',
    reason: missing.length
      ? `llama.cpp (wllama) runs its compat build: this browser lacks ${missing.join(' and ')}, which the default build needs (slower; no WebGPU offload)`
      : 'llama.cpp (wllama) runs its default build: JSPI and Memory64 are present',
  });

  decisions.push({
    topic: 'wasm-simd',
    choice: p.simd ? 'SIMD128 (no relaxed SIMD)' : 'no SIMD (JavaScript scan)',
    reason: p.simd
      ? `ragtab's WebAssembly uses plain 128-bit SIMD only${p.relaxedSimd ? '' : ' (this browser has no relaxed SIMD: a module with one relaxed instruction would be rejected whole, as Safari does)'}`
      : 'WebAssembly SIMD does not validate here: the exact scan runs in plain JavaScript',
  });

  decisions.push({
    topic: 'coep',
    choice: 'require-corp',
    reason:
      p.coepCredentialless === false
        ? 'Cross-Origin-Embedder-Policy: require-corp, because this browser does not support credentialless (Safari)'
        : 'Cross-Origin-Embedder-Policy: require-corp, which every browser supports (credentialless is not supported by Safari)',
  });

  decisions.push({
    topic: 'embedder-device',
    choice: p.webgpu.available ? 'webgpu offered' : 'wasm',
    reason: p.webgpu.available
      ? `WebGPU adapter ${p.webgpu.vendor || '?'} / ${p.webgpu.architecture || '?'}${p.webgpu.shaderF16 ? ' with shader-f16' : ', no shader-f16 (fp32 variants only)'}`
      : `no WebGPU (${p.webgpu.reason}): embedding runs in WebAssembly`,
  });

  if (p.indexedDbBlobs !== null) {
    decisions.push({
      topic: 'vector-blocks',
      choice: p.indexedDbBlobs ? 'Blob' : 'ArrayBuffer',
      reason: p.indexedDbBlobs ? 'IndexedDB stores Blob values here' : 'IndexedDB refuses Blob values here (as WebKit does in Private Browsing and automation sessions): the same bytes are stored as ArrayBuffers',
    });
  }

  decisions.push({
    topic: 'memory',
    choice: p.measureUserAgentSpecificMemory && p.crossOriginIsolated ? 'page + workers' : 'JS heap and workers\' own counts',
    reason:
      p.measureUserAgentSpecificMemory && p.crossOriginIsolated
        ? 'performance.measureUserAgentSpecificMemory() is available (isolated page)'
        : `performance.measureUserAgentSpecificMemory() is ${p.measureUserAgentSpecificMemory ? 'present but needs cross-origin isolation' : 'missing'}: memory is the JS heap (where exposed) and each worker's own count`,
  });

  decisions.push({
    topic: 'storage-quota',
    choice: p.storageEstimate ? 'estimate' : 'unknown',
    reason: p.storageEstimate ? 'navigator.storage.estimate() reports usage and a quota' : 'navigator.storage.estimate() is missing: usage and quota cannot be shown',
  });

  decisions.push({
    topic: 'yield',
    choice: p.schedulerYield ? 'scheduler.yield' : 'setTimeout',
    reason: p.schedulerYield ? 'long work gives the page a turn with scheduler.yield()' : 'scheduler.yield() is missing: long work gives the page a turn with setTimeout(0)',
  });

  return { probe: p, engine, safari: engine === 'webkit', threads, decisions };
}

/** The capability list as rows for the UI: feature, value. */
export function capabilityRows(p: BrowserProbe): Array<[string, string]> {
  return [
    ['crossOriginIsolated', yes(p.crossOriginIsolated)],
    ['SharedArrayBuffer', yes(p.sharedArrayBuffer)],
    ['logical cores (reported)', p.hardwareConcurrency === null ? 'unknown' : String(p.hardwareConcurrency)],
    [
      'WebGPU',
      p.webgpu.available
        ? `${p.webgpu.vendor || '?'} / ${p.webgpu.architecture || '?'}; shader-f16 ${yes(p.webgpu.shaderF16)}; maxBufferSize ${p.webgpu.limits['maxBufferSize'] ?? '?'}; maxStorageBufferBindingSize ${p.webgpu.limits['maxStorageBufferBindingSize'] ?? '?'}`
        : `no (${p.webgpu.reason})`,
    ],
    ['JSPI', yes(p.jspi)],
    ['WebAssembly SIMD', yes(p.simd)],
    ['relaxed SIMD', yes(p.relaxedSimd)],
    ['Memory64', yes(p.memory64)],
    ['COEP credentialless', yes(p.coepCredentialless)],
    ['OPFS', yes(p.opfs)],
    ['storage.estimate', yes(p.storageEstimate)],
    ['storage.persist', yes(p.storagePersist)],
    ['scheduler.yield', yes(p.schedulerYield)],
    ['measureUserAgentSpecificMemory', yes(p.measureUserAgentSpecificMemory)],
    ['Web Locks', yes(p.webLocks)],
    ['CompressionStream', yes(p.compressionStream)],
    ['service workers', yes(p.serviceWorker)],
    ['IndexedDB Blob values', yes(p.indexedDbBlobs)],
  ];
}

/**
 * What Safari does with a site's storage, said to the user in the storage panel (null elsewhere):
 * WebKit deletes script-written storage (IndexedDB, Cache Storage, service workers) of a site not
 * added to the Dock / Home Screen after 7 days of browser use without a visit, and Private
 * Browsing keeps storage only for the window's lifetime.
 */
export function safariStorageNotes(record: Pick<CapabilityRecord, 'safari' | 'probe'>): string[] | null {
  if (!record.safari) return null;
  const notes = [
    'Safari deletes this site\'s IndexedDB, caches and service worker after 7 days of Safari use without a visit, unless the site is added to the Dock (macOS) or the Home Screen (iOS, iPadOS).',
    'In a Private Browsing window, storage lasts only as long as the window and holds little: stored vectors, runs and cached models are gone when it closes.',
    'To keep stored indexes and models: install ragtab (File › Add to Dock on a Mac; Share › Add to Home Screen on an iPhone or iPad).',
  ];
  if (record.probe.indexedDbBlobs === false) notes.push('This session refuses Blob values in IndexedDB (a private or automated session): vector blocks are stored as ArrayBuffers.');
  return notes;
}
