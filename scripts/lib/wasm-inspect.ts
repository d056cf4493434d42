/**
 * What wllama's WebAssembly build holds, read from the file itself (Node): whether its memory is
 * 64-bit (memory64: every load and store bounds-checked), and, per ggml kernel, how much WebAssembly
 * SIMD its code uses. Function names come from the name table wllama ships for its stack traces
 * (`src/wasm/source-map.ts`: gzip, u32 firstId, u32 count, names, u16 index per function).
 *
 * SIMD is counted without decoding every instruction: within a function body, every 0xFD byte read
 * as the SIMD prefix and the LEB opcode after it. A byte of an immediate can match by chance, so
 * counts are upper bounds (named opcodes only are listed); a kernel with none has no SIMD.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Names of the SIMD opcodes (after the 0xFD prefix) that ggml's wasm kernels compile to. */
const SIMD_NAMES: Record<number, string> = {
  0x00: 'v128.load', 0x01: 'v128.load8x8_s', 0x02: 'v128.load8x8_u', 0x07: 'v128.load8_splat', 0x0b: 'v128.store', 0x0c: 'v128.const',
  0x0d: 'i8x16.shuffle', 0x0e: 'i8x16.swizzle', 0x0f: 'i8x16.splat', 0x11: 'i32x4.splat', 0x13: 'f32x4.splat',
  0x1b: 'i32x4.extract_lane', 0x1f: 'f32x4.extract_lane', 0x4e: 'v128.and', 0x50: 'v128.or', 0x51: 'v128.xor', 0x52: 'v128.bitselect',
  0x6b: 'i8x16.shl', 0x6d: 'i8x16.shr_u', 0x6e: 'i8x16.add', 0x71: 'i8x16.sub', 0x7c: 'i16x8.extadd_pairwise_i8x16_s', 0x7e: 'i32x4.extadd_pairwise_i16x8_s',
  0x87: 'i16x8.extend_low_i8x16_s', 0x88: 'i16x8.extend_high_i8x16_s', 0x89: 'i16x8.extend_low_i8x16_u', 0x8a: 'i16x8.extend_high_i8x16_u',
  0x8e: 'i16x8.add', 0x95: 'i16x8.mul', 0x9c: 'i16x8.extmul_low_i8x16_s', 0x9d: 'i16x8.extmul_high_i8x16_s',
  0xa7: 'i32x4.extend_low_i16x8_s', 0xa8: 'i32x4.extend_high_i16x8_s', 0xab: 'i32x4.shl', 0xac: 'i32x4.shr_s', 0xad: 'i32x4.shr_u',
  0xae: 'i32x4.add', 0xb1: 'i32x4.sub', 0xb5: 'i32x4.mul', 0xba: 'i32x4.dot_i16x8_s', 0xbc: 'i32x4.extmul_low_i16x8_s', 0xbd: 'i32x4.extmul_high_i16x8_s',
  0xe4: 'f32x4.add', 0xe5: 'f32x4.sub', 0xe6: 'f32x4.mul', 0xe7: 'f32x4.div', 0xfa: 'f32x4.convert_i32x4_s',
};

export interface KernelSimd {
  name: string;
  functionIndex: number;
  bodyBytes: number;
  /** 0xFD-prefixed sequences in the body (an upper bound of its SIMD instructions). */
  simdOps: number;
  /** The most frequent of them by name (relaxed SIMD: opcodes 0x100–0x113). */
  simd: Record<string, number>;
}

export interface WasmReport {
  file: string;
  bytes: number;
  memory64: boolean | null;
  functions: number;
  /** Functions whose body holds the bytes of at least one f32x4/i32x4 arithmetic instruction. */
  functionsWithSimdArithmetic: number;
  kernels: KernelSimd[];
  /** Kernels the build has no function for (e.g. tinyBLAS's llamafile_sgemm has no wasm path). */
  absent: string[];
}

/** SIMD opcodes in a body: every 0xFD byte read as a prefix with a minimal LEB opcode after it. */
function simdHistogram(body: Uint8Array): Map<number, number> {
  const h = new Map<number, number>();
  for (let i = 0; i + 1 < body.length; i++) {
    if (body[i] !== 0xfd) continue;
    let r = 0;
    let sh = 0;
    let k = i + 1;
    let x: number;
    do {
      x = body[k++] as number;
      r += (x & 0x7f) * 2 ** sh;
      sh += 7;
    } while (x & 0x80 && k < i + 4);
    h.set(r, (h.get(r) ?? 0) + 1);
  }
  return h;
}

const ARITH = [0xae, 0xb5, 0xba, 0xbc, 0xbd, 0x95, 0x9c, 0x9d, 0xe4, 0xe6, 0x8e];

function names(sourceMapTs: string): { firstId: number; names: (string | null)[] } {
  const m = /"default":\s*"([^"]+)"/.exec(sourceMapTs);
  if (!m) throw new Error('no "default" name table in the source map');
  const buf = gunzipSync(Buffer.from(m[1] as string, 'base64'));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const firstId = dv.getUint32(0, true);
  const funcCount = dv.getUint32(4, true);
  const numNames = dv.getUint32(8, true);
  const table: string[] = [];
  let pos = 12;
  for (let i = 0; i < numNames; i++) {
    const len = buf[pos++] as number;
    table.push(buf.subarray(pos, pos + len).toString('utf8'));
    pos += len;
  }
  const out: (string | null)[] = [];
  for (let i = 0; i < funcCount; i++, pos += 2) {
    const idx = dv.getUint16(pos, true);
    out.push(idx === 0xffff ? null : (table[idx] ?? null));
  }
  return { firstId, names: out };
}

export function inspectWllamaWasm(wasmPath: string, sourceMapPath: string, kernels: readonly string[]): WasmReport {
  const b = new Uint8Array(readFileSync(wasmPath));
  let o = 8;
  const leb = (): number => {
    let r = 0;
    let s = 0;
    let x: number;
    do {
      x = b[o++] as number;
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  };
  let importedFuncs = 0;
  let memory64: boolean | null = null;
  const bodies: Uint8Array[] = [];
  while (o < b.length) {
    const id = b[o++] as number;
    const size = leb();
    const end = o + size;
    if (id === 2) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 2; k++) {
          const len = leb(); // module name, field name
          o += len;
        }
        const kind = b[o++] as number;
        if (kind === 0) {
          importedFuncs++;
          leb();
        } else if (kind === 1) {
          o++;
          const flags = b[o++] as number;
          leb();
          if (flags & 1) leb();
        } else if (kind === 2) {
          const flags = b[o++] as number;
          memory64 = (flags & 4) !== 0;
          leb();
          if (flags & 1) leb();
        } else if (kind === 3) {
          o++;
          o++;
        } else if (kind === 4) {
          o++;
          leb(); // tag: attribute, type index
        } else throw new Error(`import kind ${kind}`);
      }
    } else if (id === 10) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const len = leb();
        bodies.push(b.subarray(o, o + len));
        o += len;
      }
    }
    o = end;
  }
  const map = names(readFileSync(sourceMapPath, 'utf8'));
  const nameOf = (codeIndex: number): string | null => map.names[importedFuncs + codeIndex - map.firstId] ?? null;
  let withSimd = 0;
  const found: KernelSimd[] = [];
  bodies.forEach((body, i) => {
    const h = simdHistogram(body);
    if (ARITH.some((op) => (h.get(op) ?? 0) > 0)) withSimd++;
    const name = nameOf(i);
    if (name && kernels.includes(name)) {
      const simd: Record<string, number> = {};
      let total = 0;
      for (const [op, n] of [...h.entries()].sort((x, y) => y[1] - x[1])) {
        total += n;
        const label = op >= 0x100 && op <= 0x113 ? `relaxed 0x${op.toString(16)}` : SIMD_NAMES[op];
        if (label) simd[label] = (simd[label] ?? 0) + n;
      }
      found.push({ name, functionIndex: importedFuncs + i, bodyBytes: body.byteLength, simdOps: total, simd });
    }
  });
  return {
    file: wasmPath,
    bytes: b.byteLength,
    memory64,
    functions: bodies.length,
    functionsWithSimdArithmetic: withSimd,
    kernels: found.sort((x, y) => kernels.indexOf(x.name) - kernels.indexOf(y.name)),
    absent: kernels.filter((k) => !found.some((f) => f.name === k)),
  };
}

/** ggml's CPU kernels that matter for Q8_0 / Q4_0 / Q4_K models, and tinyBLAS's matrix–matrix entry. */
export const GGML_KERNELS = [
  'ggml_vec_dot_q8_0_q8_0',
  'ggml_vec_dot_q4_0_q8_0',
  'ggml_vec_dot_q4_K_q8_K',
  'quantize_row_q8_0',
  'quantize_row_q8_K',
  'ggml_vec_dot_f16',
  'ggml_vec_dot_f32',
  'ggml_compute_forward_mul_mat',
  'llamafile_sgemm',
  'ggml_gemm_q4_0_4x4_q8_0',
  'ggml_compute_forward_flash_attn_ext_f16',
];
