import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import {
  DEFAULT_WLLAMA_MODEL,
  chooseWllamaThreads,
  decideCapabilities,
  modelFit,
  needsShaderF16,
  variantOf,
  type CapabilityProbe,
  type CatalogModel,
} from '../../src/core/capabilities';

const catalog: CatalogModel[] = prebuiltAppConfig.model_list;

/** What Chromium reports here: WebGPU through SwiftShader (ENVIRONMENT.md). */
const swiftshader: CapabilityProbe = {
  webgpu: {
    available: true,
    vendor: 'google',
    architecture: 'swiftshader',
    description: 'SwiftShader Device (Subzero)',
    features: ['float32-filterable', 'timestamp-query'],
    limits: { maxBufferSize: 1073741824, maxStorageBufferBindingSize: 1073741824 },
  },
  crossOriginIsolated: true,
  hardwareConcurrency: 2,
  deviceMemory: 8,
};

const appleM2: CapabilityProbe = {
  webgpu: {
    available: true,
    vendor: 'apple',
    architecture: 'metal-3',
    description: '',
    features: ['shader-f16', 'float32-filterable'],
    limits: { maxBufferSize: 4294967296, maxStorageBufferBindingSize: 4294967292 },
  },
  crossOriginIsolated: true,
  hardwareConcurrency: 8,
  deviceMemory: 8,
};

const noGpu: CapabilityProbe = {
  webgpu: { available: false, reason: 'this browser has no navigator.gpu' },
  crossOriginIsolated: false,
  hardwareConcurrency: 4,
  deviceMemory: 4,
};

describe('variant and engine choice', () => {
  it('no shader-f16 (SwiftShader): q4f32_1, SmolLM2-360M by default, both engines, said why', () => {
    const c = decideCapabilities(swiftshader, catalog);
    expect(c.webllmVariant).toBe('q4f32_1');
    expect(c.defaults.webllm).toBe('SmolLM2-360M-Instruct-q4f32_1-MLC');
    expect(c.engines.map((e) => [e.engine, e.offered])).toEqual([
      ['webllm', true],
      ['wllama', true],
    ]);
    const variant = c.decisions.find((d) => d.topic === 'variant');
    expect(variant?.reason).toMatch(/lacks shader-f16/);
    expect(c.engines[0]?.reason).toMatch(/software \(CPU\) adapter/);
    expect(c.wllamaWebGpu).toBe(false);
    expect(c.wllamaThreads).toBe(1); // 2 cores: half
    // Every offered model is a q4f32_1 one, with its VRAM figure from web-llm's list.
    expect(c.webllmModels.length).toBeGreaterThanOrEqual(4);
    for (const m of c.webllmModels) {
      expect(m.variant).toBe('q4f32_1');
      expect(m.vramRequiredMB).toBeGreaterThan(0);
    }
    expect(c.webllmModels.find((m) => m.modelId === 'SmolLM2-360M-Instruct-q4f32_1-MLC')?.vramRequiredMB).toBeCloseTo(579.61, 2);
  });

  it('shader-f16: q4f16_1', () => {
    const c = decideCapabilities(appleM2, catalog);
    expect(c.webllmVariant).toBe('q4f16_1');
    expect(c.defaults.webllm).toBe('SmolLM2-360M-Instruct-q4f16_1-MLC');
    expect(c.decisions.find((d) => d.topic === 'variant')?.reason).toMatch(/has shader-f16/);
    expect(c.wllamaWebGpu).toBe(true);
    expect(c.wllamaThreads).toBe(4);
  });

  it('no WebGPU: only wllama, and the reason is given', () => {
    const c = decideCapabilities(noGpu, catalog);
    expect(c.webllmVariant).toBeNull();
    expect(c.defaults.webllm).toBeNull();
    expect(c.defaults.wllama).toBe(DEFAULT_WLLAMA_MODEL);
    expect(c.engines[0]).toMatchObject({ engine: 'webllm', offered: false });
    expect(c.engines[0]?.reason).toMatch(/no navigator.gpu/);
    expect(c.engines[1]?.reason).toMatch(/because WebGPU is missing/);
    expect(c.wllamaThreads).toBe(1);
    expect(c.decisions.find((d) => d.topic === 'threads')?.reason).toMatch(/not cross-origin isolated/);
  });
});

describe('threads', () => {
  it('half the cores, at most 8, 1 without isolation', () => {
    expect(chooseWllamaThreads({ crossOriginIsolated: true, hardwareConcurrency: 2 }).threads).toBe(1);
    expect(chooseWllamaThreads({ crossOriginIsolated: true, hardwareConcurrency: 8 }).threads).toBe(4);
    expect(chooseWllamaThreads({ crossOriginIsolated: true, hardwareConcurrency: 32 }).threads).toBe(8);
    expect(chooseWllamaThreads({ crossOriginIsolated: false, hardwareConcurrency: 32 }).threads).toBe(1);
  });
});

describe('model fit, before download', () => {
  it('an f16 model on an adapter without shader-f16 is refused', () => {
    const m = catalog.find((c) => c.model_id === 'SmolLM2-360M-Instruct-q4f16_1-MLC')!;
    expect(needsShaderF16(m)).toBe(true);
    expect(modelFit(m, swiftshader)).toMatchObject({ fit: 'no', reason: expect.stringMatching(/shader-f16/) });
    // Qwen3-0.6B-q4f16_1 lists no required_features in web-llm 0.2.86: its variant name still says f16.
    const q = catalog.find((c) => c.model_id === 'Qwen3-0.6B-q4f16_1-MLC')!;
    expect(q.required_features ?? []).not.toContain('shader-f16');
    expect(needsShaderF16(q)).toBe(true);
  });

  it('a buffer over the adapter limit is refused, with both sizes', () => {
    const m: CatalogModel = { model_id: 'gemma-2b-it-q4f32_1-MLC', vram_required_MB: 1476.52, buffer_size_required_bytes: 262144000 };
    const small = { ...swiftshader, webgpu: { ...swiftshader.webgpu, limits: { maxBufferSize: 134217728, maxStorageBufferBindingSize: 134217728 } } } as CapabilityProbe;
    expect(modelFit(m, small)).toMatchObject({ fit: 'no', reason: 'needs 250 MiB buffers; this adapter allows 128 MiB' });
    expect(modelFit(m, swiftshader).fit).toBe('ok');
  });

  it('VRAM over the device memory is refused; over half of it is risky', () => {
    const m = catalog.find((c) => c.model_id === 'Llama-3.2-1B-Instruct-q4f32_1-MLC')!;
    expect(modelFit(m, { ...swiftshader, deviceMemory: 1 })).toMatchObject({ fit: 'no' });
    expect(modelFit(m, { ...swiftshader, deviceMemory: 2 })).toMatchObject({ fit: 'risky' });
    expect(modelFit(m, { ...swiftshader, deviceMemory: 8 })).toMatchObject({ fit: 'ok' });
    expect(modelFit(m, { ...swiftshader, deviceMemory: null })).toMatchObject({ fit: 'ok' });
  });

  it('variant names', () => {
    expect(variantOf('SmolLM2-360M-Instruct-q4f16_1-MLC')).toBe('q4f16_1');
    expect(variantOf('Qwen2.5-0.5B-Instruct-q0f32-MLC')).toBe('q0f32');
    expect(variantOf('gemma-2-2b-it-q4f16_1-MLC-1k')).toBe('q4f16_1');
    expect(variantOf('custom-model')).toBeNull();
  });
});
