/**
 * What this browser can run, decided before anything loads (pure: the probe is done elsewhere and
 * handed in). Every decision carries a readable reason, for the UI and the run record.
 *
 * - web-llm needs WebGPU; its `q4f16_1` variants need the adapter feature `shader-f16`, else the
 *   `q4f32_1` variant is chosen.
 * - llama.cpp in WebAssembly (wllama) runs everywhere; threads only on a cross-origin-isolated page.
 * - A web-llm model that cannot fit (a feature missing, a buffer over the adapter's limit, more
 *   VRAM than the device has memory) is flagged before it is downloaded.
 */

export type WebGpuProbeResult =
  | {
      available: true;
      vendor: string;
      architecture: string;
      description: string;
      features: string[];
      limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
    }
  | { available: false; reason: string };

export interface CapabilityProbe {
  webgpu: WebGpuProbeResult;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** navigator.deviceMemory in GiB (rounded, capped at 8 by browsers); null when not exposed. */
  deviceMemory: number | null;
}

/** The fields of a web-llm model record used here (structurally web-llm's ModelRecord). */
export interface CatalogModel {
  model_id: string;
  vram_required_MB?: number;
  low_resource_required?: boolean;
  buffer_size_required_bytes?: number;
  required_features?: readonly string[];
  overrides?: { context_window_size?: number };
}

export type WebLlmVariant = 'q4f16_1' | 'q4f32_1';

export interface Decision {
  /** What was decided: 'engine:webllm', 'variant', 'threads', ... */
  topic: string;
  choice: string;
  reason: string;
}

export interface ModelFit {
  modelId: string;
  variant: string | null;
  vramRequiredMB: number | null;
  /** 'ok': should fit; 'risky': may not (shown with a warning); 'no': refused before download. */
  fit: 'ok' | 'risky' | 'no';
  reason: string;
}

export interface LlmCapabilities {
  engines: Array<{ engine: 'webllm' | 'wllama'; offered: boolean; reason: string }>;
  /** The web-llm variant to use (null when web-llm is not offered). */
  webllmVariant: WebLlmVariant | null;
  /** Threads for wllama. */
  wllamaThreads: number;
  /** Whether wllama may offload layers to WebGPU. */
  wllamaWebGpu: boolean;
  defaults: { webllm: string | null; wllama: string };
  /** The offered web-llm models of the chosen variant, each with its fit. */
  webllmModels: ModelFit[];
  decisions: Decision[];
}

/** Small instruct models offered first, smallest first (web-llm ids without the variant suffix). */
export const WEBLLM_FAMILIES: readonly string[] = [
  'SmolLM2-360M-Instruct',
  'Qwen2.5-0.5B-Instruct',
  'Qwen3-0.6B',
  'Llama-3.2-1B-Instruct',
  'SmolLM2-1.7B-Instruct',
];

export const DEFAULT_WEBLLM_FAMILY = 'SmolLM2-360M-Instruct';

/**
 * The default GGUF for wllama: SmolLM2-360M-Instruct, Q8_0, from the model's authors on the
 * Hugging Face hub (real users only; tests and benchmarks use ../shared/models).
 */
export const DEFAULT_WLLAMA_MODEL =
  'https://huggingface.co/HuggingFaceTB/SmolLM2-360M-Instruct-GGUF/resolve/main/smollm2-360m-instruct-q8_0.gguf';

/** The variant (quantisation) in a web-llm model id: `q4f16_1`, `q4f32_1`, `q0f16` ... */
export function variantOf(modelId: string): string | null {
  return /-(q\d+f\d+(?:_\d+)?)-/.exec(modelId + '-')?.[1] ?? null;
}

/** Whether a model needs `shader-f16`: listed in its record, or an f16 variant. */
export function needsShaderF16(m: CatalogModel): boolean {
  return (m.required_features ?? []).includes('shader-f16') || /f16/.test(variantOf(m.model_id) ?? '');
}

const MiB = 1024 * 1024;

/** Whether a web-llm model can run on the probed adapter, said before downloading it. */
export function modelFit(m: CatalogModel, probe: CapabilityProbe): ModelFit {
  const base = { modelId: m.model_id, variant: variantOf(m.model_id), vramRequiredMB: m.vram_required_MB ?? null };
  const gpu = probe.webgpu;
  if (!gpu.available) return { ...base, fit: 'no', reason: `WebGPU is unavailable: ${gpu.reason}` };
  if (needsShaderF16(m) && !gpu.features.includes('shader-f16')) {
    return { ...base, fit: 'no', reason: 'needs the WebGPU feature shader-f16, which this adapter lacks' };
  }
  if (m.buffer_size_required_bytes && m.buffer_size_required_bytes > gpu.limits.maxBufferSize) {
    return {
      ...base,
      fit: 'no',
      reason: `needs ${fmtMiB(m.buffer_size_required_bytes)} buffers; this adapter allows ${fmtMiB(gpu.limits.maxBufferSize)}`,
    };
  }
  const vram = m.vram_required_MB;
  if (vram !== undefined && probe.deviceMemory !== null) {
    const deviceMiB = probe.deviceMemory * 1024;
    if (probe.deviceMemory < 8 && vram > deviceMiB) {
      return { ...base, fit: 'no', reason: `needs about ${Math.round(vram)} MB of GPU memory; this device reports ${probe.deviceMemory} GB in all` };
    }
    if (vram > deviceMiB / 2) {
      return {
        ...base,
        fit: 'risky',
        reason: `needs about ${Math.round(vram)} MB of GPU memory, over half of the ${probe.deviceMemory}${probe.deviceMemory >= 8 ? '+' : ''} GB this device reports`,
      };
    }
  }
  return {
    ...base,
    fit: 'ok',
    reason: vram !== undefined ? `needs about ${Math.round(vram)} MB of GPU memory` : 'no VRAM figure in the model list',
  };
}

function fmtMiB(bytes: number): string {
  return `${Math.round(bytes / MiB)} MiB`;
}

function isSoftwareAdapter(gpu: Extract<WebGpuProbeResult, { available: true }>): boolean {
  return /swiftshader|llvmpipe|software|microsoft basic render/i.test(`${gpu.vendor} ${gpu.architecture} ${gpu.description}`);
}

/** Threads for llama.cpp in WebAssembly: half the logical cores (at most 8), 1 without isolation. */
export function chooseWllamaThreads(probe: Pick<CapabilityProbe, 'crossOriginIsolated' | 'hardwareConcurrency'>): { threads: number; reason: string } {
  if (!probe.crossOriginIsolated) {
    return { threads: 1, reason: 'the page is not cross-origin isolated (no SharedArrayBuffer), so llama.cpp runs single-threaded' };
  }
  const cores = Math.max(1, Math.floor(probe.hardwareConcurrency || 1));
  const threads = Math.max(1, Math.min(8, Math.floor(cores / 2)));
  return { threads, reason: `${threads} of ${cores} logical cores (half, at most 8: the rest stay for the page and the other workers)` };
}

/** Decides engines, variant, threads and default models from a probe and web-llm's model list. */
export function decideCapabilities(probe: CapabilityProbe, catalog: readonly CatalogModel[]): LlmCapabilities {
  const decisions: Decision[] = [];
  const gpu = probe.webgpu;
  let webllmVariant: WebLlmVariant | null = null;
  let webllmOffered = false;
  let webllmReason: string;
  if (!gpu.available) {
    webllmReason = `WebGPU is unavailable (${gpu.reason}), and web-llm runs only on WebGPU`;
  } else {
    webllmOffered = true;
    const f16 = gpu.features.includes('shader-f16');
    webllmVariant = f16 ? 'q4f16_1' : 'q4f32_1';
    decisions.push({
      topic: 'variant',
      choice: webllmVariant,
      reason: f16
        ? 'the adapter has shader-f16: 4-bit weights with 16-bit activations (smaller, faster)'
        : 'the adapter lacks shader-f16: 4-bit weights with 32-bit activations (the f16 variants cannot run)',
    });
    webllmReason = `WebGPU adapter ${gpu.vendor || '?'} / ${gpu.architecture || '?'}${gpu.description ? ` (${gpu.description})` : ''}`;
    if (isSoftwareAdapter(gpu)) webllmReason += '; it is a software (CPU) adapter: it works, slowly';
  }
  decisions.push({ topic: 'engine:webllm', choice: webllmOffered ? 'offered' : 'not offered', reason: webllmReason });

  const wllamaReason = gpu.available
    ? 'llama.cpp in WebAssembly runs any GGUF model on the CPU, in every browser'
    : 'llama.cpp in WebAssembly runs on the CPU: the engine offered because WebGPU is missing';
  decisions.push({ topic: 'engine:wllama', choice: 'offered', reason: wllamaReason });

  const th = chooseWllamaThreads(probe);
  decisions.push({ topic: 'threads', choice: String(th.threads), reason: th.reason });

  const wllamaWebGpu = gpu.available && !isSoftwareAdapter(gpu);
  decisions.push({
    topic: 'wllama-webgpu',
    choice: wllamaWebGpu ? 'offered' : 'CPU only',
    reason: !gpu.available
      ? 'no WebGPU'
      : wllamaWebGpu
        ? 'layers can be offloaded to the WebGPU adapter (the record says how many llama.cpp actually offloaded)'
        : 'the adapter is a software one; llama.cpp WebGPU offload did not engage on it when measured',
  });

  const webllmModels: ModelFit[] = [];
  if (webllmVariant) {
    for (const family of WEBLLM_FAMILIES) {
      const m = catalog.find((c) => c.model_id === `${family}-${webllmVariant}-MLC`);
      if (m) webllmModels.push(modelFit(m, probe));
    }
  }
  let webllmDefault: string | null = null;
  if (webllmVariant) {
    const preferred = webllmModels.find((m) => m.modelId.startsWith(DEFAULT_WEBLLM_FAMILY) && m.fit !== 'no');
    const firstOk = preferred ?? webllmModels.find((m) => m.fit === 'ok') ?? null;
    webllmDefault = firstOk?.modelId ?? null;
    decisions.push({
      topic: 'default:webllm',
      choice: webllmDefault ?? 'none',
      reason: webllmDefault
        ? `${firstOk?.fit === 'risky' ? 'may not fit: ' : ''}the smallest instruct model offered (${firstOk?.reason})`
        : 'no model of the list fits this adapter',
    });
  }
  decisions.push({ topic: 'default:wllama', choice: DEFAULT_WLLAMA_MODEL, reason: 'SmolLM2-360M-Instruct, Q8_0 GGUF (about 0.4 GB; not reachable offline): small, instruct-tuned, has a chat template' });

  return {
    engines: [
      { engine: 'webllm', offered: webllmOffered, reason: webllmReason },
      { engine: 'wllama', offered: true, reason: wllamaReason },
    ],
    webllmVariant,
    wllamaThreads: th.threads,
    wllamaWebGpu,
    defaults: { webllm: webllmDefault, wllama: DEFAULT_WLLAMA_MODEL },
    webllmModels,
    decisions,
  };
}
