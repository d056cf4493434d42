/**
 * What this browser offers the LLM engines, probed once on the page: the WebGPU adapter (through
 * the same probe the workers use), cross-origin isolation, cores and memory, and web-llm's model
 * list when WebGPU is there. The UI reads the result; the decisions are pure (src/core/capabilities.ts).
 */
import { decideCapabilities, type CapabilityProbe, type LlmCapabilities } from '../core/capabilities';
import type { WebLlmModelRecord } from '../core/vocabulary';
import { probeWebGpu } from '../../workers/lib/webgpu-probe';
import { LlmClient } from './llm-client';

/** Probes this browser: WebGPU adapter, features, limits, isolation, cores, memory. */
export async function probeBrowser(): Promise<CapabilityProbe> {
  const g = await probeWebGpu();
  return {
    webgpu: g.ok
      ? {
          available: true,
          vendor: g.vendor ?? '',
          architecture: g.architecture ?? '',
          description: g.description ?? '',
          features: g.features ?? [],
          limits: { maxBufferSize: g.maxBufferSize ?? 0, maxStorageBufferBindingSize: g.maxStorageBufferBindingSize ?? 0 },
        }
      : { available: false, reason: g.reason },
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency ?? 1,
    deviceMemory: (navigator as unknown as { deviceMemory?: number }).deviceMemory ?? null,
  };
}

/**
 * The LLM capabilities of this browser: decided from the probe first (`onProbe`, so the UI can show
 * them at once), then again with web-llm's model list (read in a short-lived web-llm worker) when
 * WebGPU is available. The list is optional: without it the model id can be typed.
 */
export async function probeLlmCapabilities(onProbe?: (caps: LlmCapabilities) => void): Promise<{ caps: LlmCapabilities; catalog: WebLlmModelRecord[] }> {
  const p = await probeBrowser();
  let caps = decideCapabilities(p, []);
  onProbe?.(caps);
  let catalog: WebLlmModelRecord[] = [];
  if (p.webgpu.available) {
    const c = new LlmClient('webllm');
    try {
      catalog = await c.catalog();
      caps = decideCapabilities(p, catalog);
    } catch {
      /* the list is optional: the id can be typed */
    } finally {
      c.terminate();
    }
  }
  return { caps, catalog };
}
