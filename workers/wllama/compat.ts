/**
 * What wllama needs from the browser and what to do where it is missing (WebKit/Safari):
 * - its model cache (OPFS): absent in WebKit's automation and private sessions, where
 *   `new Wllama()` would throw "No supported storage backend found";
 * - its default build (JSPI and Memory64): where either is missing, its compat build, served by
 *   the app (vite.config.ts), never from wllama's default CDN.
 */
import { CacheManager, type Wllama } from '@wllama/wllama/esm/index.js';
import { RagtabError, errorInfo } from '../../src/core/errors';

/**
 * ragtab fetches and caches the GGUF itself and hands wllama a Blob, so wllama's cache is never
 * read; where it has no storage backend, load without it and say so; any other failure is named.
 */
export function wllamaCache(why: string[]): CacheManager {
  try {
    return new CacheManager();
  } catch (e) {
    if (!/no supported storage backend/i.test(errorInfo(e).message)) {
      throw new RagtabError('LlmLoadFailed', `wllama could not create its model cache: ${errorInfo(e).message}`);
    }
    why.push(
      `No model cache for wllama: this browser context has no storage backend wllama can use (no OPFS: navigator.storage.getDirectory is missing). The model loads without it${'caches' in self ? '' : '; Cache Storage is missing too, so the file is downloaded again on every load'}.`,
    );
    const none = { isSupported: () => true, read: async () => null, write: async () => undefined, getSize: async () => -1, list: async () => [], delete: async () => undefined };
    return new CacheManager([none]);
  }
}

/** What wllama's default build needs and this browser lacks (its own rule: JSPI and Memory64). */
export function compatMissing(): string[] {
  const missing: string[] = [];
  if (!(WebAssembly as unknown as { Suspending?: unknown }).Suspending) missing.push('JSPI (WebAssembly.Suspending)');
  // a memory with the memory64 flag (0x04): valid only where Memory64 is supported
  if (!WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 4, 1]))) missing.push('Memory64');
  return missing;
}

/** Switches wllama to its compat build where the default one cannot run; says why. */
export function useCompatWhereNeeded(wllama: Wllama, why: string[]): void {
  const missing = compatMissing();
  if (missing.length === 0) return;
  wllama.setCompat({ worker: new URL('../wllama-compat/wllama.js', self.location.href).href, wasm: new URL('../wllama-compat/wllama.wasm', self.location.href).href });
  why.push(`wllama's compat build (no Memory64, no JSPI; slower): this browser lacks ${missing.join(' and ')}, which its default build needs.`);
}
