/**
 * llama.cpp's log lines from wllama, kept per load: what llama.cpp actually did (layers offloaded
 * to the GPU, the WebGPU device in use) is read from them after loadModel().
 */

/** Native log lines of the current load. */
let logLines: string[] = [];

/** Starts a new load's log. */
export function clearLog(): void {
  logLines = [];
}

/** The current load's lines. */
export function logOfLoad(): readonly string[] {
  return logLines;
}

/** wllama's logger: every line kept (up to 2,000), errors also to the console. */
export const logger = {
  debug: (...a: unknown[]) => record(a),
  log: (...a: unknown[]) => record(a),
  warn: (...a: unknown[]) => record(a),
  error: (...a: unknown[]) => {
    record(a);
    console.error('[wllama]', ...a);
  },
};

function record(a: unknown[]): void {
  const line = a.map((x) => (typeof x === 'string' ? x : safeJson(x))).join(' ');
  if (logLines.length < 2000) logLines.push(line);
}

function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x);
  } catch {
    return String(x);
  }
}

/** "offloaded N/M layers to GPU", the last one logged. */
export function parseOffload(lines: readonly string[]): { offloaded: number; total: number } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /offloaded (\d+)\/(\d+) layers to GPU/.exec(lines[i] ?? '');
    if (m) return { offloaded: Number(m[1]), total: Number(m[2]) };
  }
  return null;
}

export function webGpuInUse(lines: readonly string[]): boolean {
  return lines.some((l) => /using device WebGPU|ggml_webgpu: adapter|WebGPU.*model buffer size/i.test(l));
}

/**
 * The lines in which llama.cpp says how it computes: its system_info (the CPU features the build
 * was compiled with: WASM_SIMD ...) and the context's batch sizes and flash-attention setting.
 */
export function engineNotes(lines: readonly string[]): string[] {
  const want = /system_info|n_batch|n_ubatch|flash_attn|Flash Attention|CPU : |n_threads|REPACK/i;
  const notes = lines.filter((l) => want.test(l) && !l.trimStart().startsWith('{')).map((l) => l.replace(/\s+/g, ' ').trim().slice(0, 240));
  return [...new Set(notes)].slice(0, 12);
}
