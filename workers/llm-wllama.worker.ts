/// <reference lib="webworker" />
/**
 * LlmApi over llama.cpp in WebAssembly (@wllama/wllama 3.8.1). wllama runs llama.cpp in a worker
 * of its own (nested in this one); this worker adds what the benchmark needs around it:
 *
 * - the model is fetched here, not by wllama: bytes per file, network or cache (our own Cache
 *   Storage), a 404 as ModelNotFound, and the GGUF header and size checked before llama.cpp sees
 *   the bytes (wllama resolves loadModel() on a corrupt or truncated file: issue 5);
 * - a fresh Wllama instance per load (a failed load leaves an instance unusable until exit());
 * - threads explicit (n_threads); more than one only on a cross-origin-isolated page;
 * - greedy decoding with a fixed seed, no prompt cache reuse between requests (every request
 *   pays its full prefill, so TTFT figures are honest), tokens streamed with their ids;
 * - interrupt through wllama's AbortSignal: the request's slot is released, the engine stays usable.
 */
// First import: wraps WebAssembly and WebGPU allocation before any engine is evaluated.
import { workerMemory } from './lib/memory-accounting';
import * as Comlink from 'comlink';
import { CacheManager, Wllama, WllamaAbortError, LogLevel } from '@wllama/wllama/esm/index.js';
import type { RawCompletionChunk } from '@wllama/wllama/esm/index.js';
import wllamaWasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
// The Emscripten glue wllama 3.8.1 embeds as WLLAMA_EMSCRIPTEN_CODE (byte-identical: checked), read
// here so that our prelude can run inside wllama's own worker (INNER_PRELUDE below).
import wllamaEmscriptenCode from '@wllama/wllama/src/wasm/wllama.js?raw';
import type {
  LlmApi,
  LlmGenerateRequest,
  LlmGenerateResult,
  LlmInfo,
  LlmLoadProgress,
  LlmLoadResult,
  LlmLoadSpec,
  LlmMessage,
  LlmStats,
  LlmTokenBatchEvent,
  LlmTokenEvent,
  EngineLoopTimes,
  LoadedFile,
  TokenCount,
  WebLlmModelRecord,
  WllamaTimings,
} from './api';
import { RagtabError, errorInfo } from '../src/core/errors';
import { GGUF_CACHE } from '../src/core/cache-names';
import { ChatTemplate } from '../src/core/chat-template';
import { tokenBoundOf } from '../src/core/token-bound';
import { SPM_FULL_ARRAYS, SpmTokenizer } from '../src/core/spm-tokenizer';
import { GgufHeaderTruncated, checkGgufMagic, dominantTensorType, validateGguf, type GgufHeader } from '../src/core/gguf';

const WLLAMA_VERSION = '3.8.1';
const DEFAULT_SEED = 42;
const WARMUP_TOKENS = 4;

interface Loaded {
  wllama: Wllama;
  info: LlmInfo;
  header: GgufHeader;
  seed: number;
  template: ChatTemplate | null;
  /** llama.cpp's SentencePiece tokenizer in TypeScript, from the GGUF (null for other tokenizer kinds). */
  tokenizer: SpmTokenizer | null;
}

let loaded: Loaded | null = null;
let broken: string | null = null;
let current: AbortController | null = null;
let generations = 0;
let generatedTokensTotal = 0;
/** Native log lines of the current load (for what llama.cpp actually did: layers on the GPU ...). */
let logLines: string[] = [];

const logger = {
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

// ───────────────────────── inside wllama's own worker ─────────────────────────
//
// wllama 3.8.1 runs llama.cpp (its server loop) in a worker it creates from a string of code
// (`LLAMA_CPP_WORKER_CODE` + the Emscripten glue). Each token of a completion is one round trip
// from this worker to that one: wllama posts `get_result`, the inner worker runs ONE iteration of
// the server loop (`run_loop()`: one llama_decode of one token, sampling, the result as JSON) and
// posts the bytes back; the server's own clock runs all the while, so llama.cpp's
// `predicted_per_second` includes that round trip. There is no tokenizer or decode call in its
// API (`// Low level API // TODO: add back` in wllama.ts) and `_getDebugInfo()` returns null.
//
// wllama takes the Emscripten code from `getWorkerResources().jsPath` when given one, and runs it
// inside the inner worker's module (where `wllamaAction`, `runWasmCall`, `Module` live). We give it
// the same code with this prelude in front, which adds two messages (tagged `ragtab.`; the inner
// worker's own handler ignores verbs it does not know, and wllama's proxy ignores replies without a
// callbackId):
// - `ragtab.memory`: the byte length of the WebAssembly memory llama.cpp runs in;
// - `ragtab.loop`: a whole completion run in a loop inside the inner worker (the same
//   `completion` + `get_result` actions wllama sends, in the same order, serialised under the same
//   lock), answered once at the end with every chunk and the inner worker's time of each: the
//   engine's speed without one message per token.
// In a pthread worker (multi-threaded build) the prelude finds none of those names and does nothing.
const INNER_PRELUDE = String.raw`;(() => {
  if (typeof runWasmCall !== 'function' || typeof getHeapU8 !== 'function' || globalThis.__ragtabInner) return;
  globalThis.__ragtabInner = true;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const header = (name) => { const b = [71, 76, 85, 69, 1, 0, 0, 0]; for (const c of enc.encode(name)) b.push(c); return b; };
  const u32 = (out, v) => { out.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255); };
  const cmplReq = (json) => { const out = header('cmpl_req'); u32(out, 1); u32(out, 0); const s = enc.encode(json); u32(out, 4); u32(out, s.length); for (const c of s) out.push(c); u32(out, 10); u32(out, 0); return new Uint8Array(out); };
  const gresReq = (id) => { const out = header('gres_req'); u32(out, 2); u32(out, id); return new Uint8Array(out); };
  const fields = (buf, n) => {
    const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let o = 16; const r = [];
    for (let i = 0; i < n; i++) {
      const type = v.getUint32(o, true); o += 4;
      if (type === 0) r.push(null);
      else if (type === 1) { r.push(v.getUint32(o, true) !== 0); o += 4; }
      else if (type === 2) { r.push(v.getInt32(o, true)); o += 4; }
      else if (type === 4) { const len = v.getUint32(o, true); o += 4; r.push(dec.decode(buf.subarray(o, o + len))); o += len; }
      else throw new Error('unexpected glue type ' + type);
    }
    return r;
  };
  const call = async (name, bytes) => {
    const inPtr = await wllamaMalloc(toSizeT(bytes.byteLength), 0);
    new Uint8Array(getHeapU8().buffer, Number(inPtr), bytes.byteLength).set(bytes);
    const outPtr = await wllamaAction(name, inPtr);
    if (!outPtr) throw new Error('wllama_action(' + name + ') failed (see the log)');
    const len = new Uint32Array(getHeapU8().buffer, Number(inPtr), 1)[0];
    return new Uint8Array(getHeapU8().buffer, Number(outPtr), len).slice();
  };
  const loop = async (id, json) => {
    const tStart = performance.now();
    const chunks = []; const times = []; let calls = 0;
    try {
      const [ok, reqId] = fields(await call('completion', cmplReq(json)), 2);
      if (!ok) throw new Error('Model failed to start inference');
      const tRequest = performance.now();
      const gres = gresReq(reqId);
      for (;;) {
        calls++;
        const [, hasMore, isError, data] = fields(await call('get_result', gres), 4);
        const t = performance.now();
        if (data && data !== 'null') { chunks.push(data); times.push(t); }
        if (isError) throw new Error(data || 'inference error');
        if (!hasMore) break;
      }
      postMessage({ ragtab: 'loop', id, ok: true, tStart, tRequest, tEnd: performance.now(), calls, chunks, times, timeOrigin: performance.timeOrigin });
    } catch (e) {
      postMessage({ ragtab: 'loop', id, ok: false, error: String((e && e.message) || e), tStart, chunks, times, timeOrigin: performance.timeOrigin });
    }
  };
  addEventListener('message', (e) => {
    const d = e.data;
    if (!d || typeof d.verb !== 'string' || !d.verb.startsWith('ragtab.')) return;
    const [id, arg] = d.args || [];
    if (d.verb === 'ragtab.memory') {
      const mem = Module && Module.wasmMemory;
      const buf = mem ? mem.buffer : null;
      postMessage({ ragtab: 'memory', id, bytes: buf ? buf.byteLength : null, shared: typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer });
    } else if (d.verb === 'ragtab.loop') {
      runWasmCall(d.callbackId, () => loop(id, arg));
    }
  });
})();
`;

/** The inner worker's replies to the prelude's messages. */
type InnerReply =
  | { ragtab: 'memory'; id: number; bytes: number | null; shared: boolean }
  | {
      ragtab: 'loop';
      id: number;
      ok: boolean;
      error?: string;
      tStart: number;
      tRequest?: number;
      tEnd?: number;
      calls?: number;
      chunks: string[];
      times: number[];
      timeOrigin: number;
    };
type LoopReply = Extract<InnerReply, { ragtab: 'loop' }>;

/**
 * wllama's own model cache (OPFS). ragtab fetches and caches the file itself and hands wllama a
 * Blob, so wllama's cache is never read; but `new Wllama()` builds one and throws "No supported
 * storage backend found" where there is no OPFS (WebKit's automation or private sessions). There,
 * load without it and say so; any other failure is named.
 */
function wllamaCache(why: string[]): CacheManager {
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
function compatMissing(): string[] {
  const missing: string[] = [];
  if (!(WebAssembly as unknown as { Suspending?: unknown }).Suspending) missing.push('JSPI (WebAssembly.Suspending)');
  // a memory with the memory64 flag (0x04): valid only where Memory64 is supported
  if (!WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 4, 1]))) missing.push('Memory64');
  return missing;
}
function wllamaNeedsCompat(): boolean {
  return compatMissing().length > 0;
}

/** Gives wllama the Emscripten code with our prelude in front (unless it uses its Safari/Firefox compat build). */
function injectPrelude(wllama: Wllama): void {
  const base = wllama.getWorkerResources.bind(wllama);
  wllama.getWorkerResources = () => {
    const r = base();
    if (r.compat || r.jsPath) return r;
    return { ...r, jsPath: { code: INNER_PRELUDE + wllamaEmscriptenCode } };
  };
}

/** wllama's inner worker (a private field of its proxy in 3.8.1; null if that changes). */
function innerWorker(wllama: Wllama): Worker | null {
  const proxy = (wllama as unknown as { proxy?: { worker?: unknown } }).proxy;
  const w = proxy?.worker;
  return typeof Worker !== 'undefined' && w instanceof Worker ? w : null;
}

let innerSeq = 0;
/** Sends one prelude message to the inner worker and waits for its reply (null on timeout). */
function askInner<K extends InnerReply['ragtab']>(
  wllama: Wllama,
  verb: K,
  arg: string | null,
  timeoutMs: number,
): Promise<Extract<InnerReply, { ragtab: K }> | null> {
  const w = innerWorker(wllama);
  if (!w) return Promise.resolve(null);
  const id = ++innerSeq;
  return new Promise((resolve) => {
    const done = (v: Extract<InnerReply, { ragtab: K }> | null): void => {
      clearTimeout(timer);
      w.removeEventListener('message', onMessage);
      resolve(v);
    };
    const onMessage = (e: MessageEvent<unknown>): void => {
      const d = e.data as Partial<InnerReply> | null;
      if (d && d.ragtab === verb && d.id === id) done(d as Extract<InnerReply, { ragtab: K }>);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    w.addEventListener('message', onMessage);
    w.postMessage({ verb: `ragtab.${verb}`, callbackId: `ragtab-${id}`, args: [id, arg] });
  });
}

// ───────────────────────── download and check ─────────────────────────

interface Fetched {
  blob: Blob;
  file: LoadedFile;
  announced: number | null;
}

async function fetchModel(url: string, useCache: boolean, onProgress?: (p: LlmLoadProgress) => void): Promise<Fetched> {
  const name = url.split('/').pop()?.split('?')[0] || url;
  const cache = useCache && 'caches' in self ? await caches.open(GGUF_CACHE).catch(() => null) : null;
  if (cache) {
    const hit = await cache.match(url).catch(() => undefined);
    if (hit) {
      const blob = await hit.blob();
      const announced = Number(hit.headers.get('x-ragtab-bytes') ?? NaN);
      onProgress?.({ kind: 'file', file: name, loaded: blob.size, total: blob.size, source: 'cache' });
      return { blob, file: { file: name, bytes: blob.size, source: 'cache' }, announced: Number.isFinite(announced) ? announced : null };
    }
  }
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store' });
  } catch (e) {
    throw new RagtabError('FetchFailed', `Could not download the model ${url}: ${errorInfo(e).message}`);
  }
  if (res.status === 404) throw new RagtabError('ModelNotFound', `The model file was not found (HTTP 404): ${url}`);
  if (!res.ok) throw new RagtabError('FetchFailed', `Downloading the model ${url} failed: HTTP ${res.status} ${res.statusText}`);
  const lengthHeader = res.headers.get('content-length');
  const encoded = (res.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const announced = lengthHeader !== null && !encoded ? Number(lengthHeader) : null;
  const total = announced ?? 0;
  const chunks: Uint8Array[] = [];
  let got = 0;
  let lastReport = 0;
  let checkedMagic = false;
  const reader = res.body?.getReader();
  if (!reader) throw new RagtabError('FetchFailed', `The response for ${url} has no body.`);
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (e) {
      throw new RagtabError('FetchFailed', `The download of ${url} broke off after ${got} bytes: ${errorInfo(e).message}`);
    }
    if (step.done) break;
    chunks.push(step.value);
    got += step.value.byteLength;
    if (!checkedMagic && got >= 8) {
      checkedMagic = true;
      const first = concatFirst(chunks, 8);
      const magic = checkGgufMagic(first);
      if (!magic.ok) {
        await reader.cancel().catch(() => undefined);
        throw new RagtabError('InvalidGguf', `${url} is not a valid GGUF file: ${magic.reason}.`);
      }
    }
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      onProgress?.({ kind: 'file', file: name, loaded: got, total, source: 'network' });
    }
  }
  onProgress?.({ kind: 'file', file: name, loaded: got, total: total || got, source: 'network' });
  if (!checkedMagic) throw new RagtabError('InvalidGguf', `${url} is not a valid GGUF file: it has only ${got} bytes.`);
  const blob = new Blob(chunks as BlobPart[], { type: 'application/octet-stream' });
  return { blob, file: { file: name, bytes: got, source: 'network' }, announced };
}

function concatFirst(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, n - o);
    out.set(c.subarray(0, take), o);
    o += take;
    if (o >= n) break;
  }
  return out;
}

/** Reads and checks the header, reading more of the blob while the header runs past what was read. */
async function checkModel(url: string, f: Fetched): Promise<GgufHeader> {
  let n = Math.min(f.blob.size, 4 << 20);
  for (;;) {
    const head = new Uint8Array(await f.blob.slice(0, n).arrayBuffer());
    try {
      return validateGguf(head, f.blob.size, f.announced, { fullArrays: SPM_FULL_ARRAYS });
    } catch (e) {
      if (e instanceof GgufHeaderTruncated && n < f.blob.size) {
        n = Math.min(f.blob.size, n * 4);
        continue;
      }
      const info = errorInfo(e);
      throw new RagtabError('InvalidGguf', `${url}: ${info.message}`);
    }
  }
}

async function storeInCache(url: string, f: Fetched): Promise<void> {
  if (f.file.source !== 'network' || !('caches' in self)) return;
  try {
    const cache = await caches.open(GGUF_CACHE);
    await cache.put(
      url,
      new Response(f.blob, { headers: { 'content-type': 'application/octet-stream', 'x-ragtab-bytes': String(f.blob.size) } }),
    );
  } catch (e) {
    console.warn('[llm-wllama] could not cache the model:', errorInfo(e).message);
  }
}

// ───────────────────────── engine ─────────────────────────

async function dropEngine(): Promise<void> {
  const old = loaded;
  loaded = null;
  if (old) await old.wllama.exit().catch(() => undefined);
}

function tokenText(header: GgufHeader, id: number | null): string | null {
  if (id === null) return null;
  const tokens = header.metadata['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens)) return null;
  const t = tokens[id];
  return typeof t === 'string' ? t : null;
}

function parseOffload(lines: string[]): { offloaded: number; total: number } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /offloaded (\d+)\/(\d+) layers to GPU/.exec(lines[i] ?? '');
    if (m) return { offloaded: Number(m[1]), total: Number(m[2]) };
  }
  return null;
}

function webGpuInUse(lines: string[]): boolean {
  return lines.some((l) => /using device WebGPU|ggml_webgpu: adapter|WebGPU.*model buffer size/i.test(l));
}

function requireLoaded(): Loaded {
  if (broken) throw new RagtabError('LlmNotLoaded', `The engine failed earlier (${broken}); load the model again.`);
  if (!loaded) throw new RagtabError('LlmNotLoaded', 'No model is loaded: call load() first.');
  return loaded;
}

function renderTemplate(l: Loaded, messages: LlmMessage[]): string | null {
  return l.template ? l.template.render(messages) : null;
}

interface RunOptions {
  /** Text only: wllama 3.8.1's glue rejects token-id prompts (and breaks the instance). */
  prompt: string;
  maxNewTokens: number;
  seed: number;
  ignoreEos: boolean;
  tokenIds: boolean;
  /** 'stream': wllama's createCompletion (one message to its worker per token); 'engine-loop': see INNER_PRELUDE. */
  delivery: 'stream' | 'engine-loop';
  /** > 0: token events to the page at most every this many ms, as batches (the first token goes at once). */
  tokenBatchMs: number;
  onToken?: (e: LlmTokenEvent | LlmTokenBatchEvent) => void;
}

/** Sends token events to the page one by one, batched every `batchMs` (the first at once), or (Infinity) all at the end. */
class TokenSender {
  private pending: LlmTokenEvent[] = [];
  private lastFlush = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  messages = 0;
  constructor(
    private readonly onToken: ((e: LlmTokenEvent | LlmTokenBatchEvent) => void) | undefined,
    private readonly batchMs: number,
  ) {}
  push(ev: LlmTokenEvent): void {
    if (!this.onToken) return;
    if (this.batchMs <= 0) {
      this.messages++;
      this.onToken(ev);
      return;
    }
    this.pending.push(ev);
    if (!Number.isFinite(this.batchMs)) return; // the engine loop: one message at the end
    if (performance.now() - this.lastFlush >= this.batchMs) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.batchMs);
  }
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.onToken || this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.lastFlush = performance.now();
    this.messages++;
    if (events.length === 1) this.onToken(events[0] as LlmTokenEvent);
    else this.onToken({ kind: 'tokens', events });
  }
}

async function run(l: Loaded, o: RunOptions): Promise<LlmGenerateResult> {
  const ac = new AbortController();
  current = ac;
  const tStart = performance.now();
  let text = '';
  const ids: number[] = [];
  let streamed = 0;
  let tFirst: number | null = null;
  let tLast: number | null = null;
  let timings: WllamaTimings | null = null;
  let promptTokens = 0;
  let completionTokens = 0;
  let finish: LlmGenerateResult['finishReason'] = 'stop';
  let engineLoop: EngineLoopTimes | null = null;
  const sender = new TokenSender(o.onToken, o.delivery === 'engine-loop' ? Infinity : o.tokenBatchMs);
  /** One streamed chunk that reached this worker (or, in the engine loop, the inner worker) at `t`. */
  const onChunk = (chunk: RawCompletionChunk, t: number): void => {
    const c = chunk as RawCompletionChunk & { timings?: WllamaTimings };
    if (c.timings) timings = c.timings;
    if (c.usage) {
      promptTokens = c.usage.prompt_tokens;
      completionTokens = c.usage.completion_tokens;
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.finish_reason) finish = choice.finish_reason === 'length' ? 'length' : 'stop';
    const id = tokenIdOf(choice);
    // A token is one chunk with text or a token id; the final chunk carries neither.
    if (choice.finish_reason && !choice.text && id === null) return;
    if (id === null && !choice.text) return;
    if (id !== null) ids.push(id);
    text += choice.text ?? '';
    if (tFirst === null) tFirst = t;
    tLast = t;
    const ev: LlmTokenEvent = { kind: 'token', index: streamed, id, text: choice.text ?? '', t };
    streamed++;
    sender.push(ev);
  };
  const body = {
    prompt: o.prompt,
    max_tokens: o.maxNewTokens,
    temperature: 0,
    seed: o.seed,
    n_probs: o.tokenIds ? 1 : 0,
    ignore_eos: o.ignoreEos,
    cache_prompt: false,
    stream: true,
  };
  try {
    if (o.delivery === 'engine-loop') {
      engineLoop = await runEngineLoop(l, body, onChunk);
    } else {
      await l.wllama.createCompletion({
        ...body,
        abortSignal: ac.signal,
        onData: (chunk: RawCompletionChunk) => onChunk(chunk, performance.now()),
      } as Parameters<Wllama['createCompletion']>[0] & { cache_prompt: boolean; stream: true; onData: (c: RawCompletionChunk) => void });
    }
  } catch (e) {
    if (e instanceof WllamaAbortError || ac.signal.aborted) {
      finish = 'interrupted';
    } else {
      const info = errorInfo(e);
      if (/kv.?cache|context/i.test(info.message)) {
        throw new RagtabError('PromptTooLong', `The prompt and answer do not fit the context of ${l.info.contextSize} tokens: ${info.message}`);
      }
      broken = info.message;
      throw new RagtabError('GenerationFailed', `Generation failed: ${info.message}`);
    }
  } finally {
    if (current === ac) current = null;
    sender.flush();
  }
  const tm = timings as WllamaTimings | null;
  if (tm) {
    promptTokens = promptTokens || tm.prompt_n + tm.cache_n;
    completionTokens = completionTokens || tm.predicted_n;
  }
  generations++;
  generatedTokensTotal += completionTokens || streamed;
  return {
    text,
    tokenIds: o.tokenIds ? ids : null,
    promptTokens,
    generatedTokens: completionTokens || (finish === 'interrupted' ? streamed : 0),
    streamedTokens: streamed,
    tokenMessages: sender.messages,
    finishReason: finish,
    engineReport: tm && finish !== 'interrupted' ? { engine: 'wllama', timings: tm } : null,
    delivery: o.delivery,
    engineLoop,
    tStart,
    tFirstToken: tFirst,
    tLastToken: tLast,
    timeOrigin: performance.timeOrigin,
    workerMs: performance.now() - tStart,
  };
}

/**
 * Runs the completion in a loop inside wllama's worker (INNER_PRELUDE) and replays its chunks
 * here with the inner worker's times moved onto this worker's clock.
 */
async function runEngineLoop(l: Loaded, body: Record<string, unknown>, onChunk: (c: RawCompletionChunk, t: number) => void): Promise<EngineLoopTimes> {
  const tSend = performance.now();
  const r: LoopReply | null = await askInner(l.wllama, 'loop', JSON.stringify(body), 10 * 60_000);
  const tBack = performance.now();
  if (!r) throw new RagtabError('GenerationFailed', "wllama's worker did not answer the engine-loop request (its code could not be extended).");
  if (!r.ok) throw new Error(r.error ?? 'inference error');
  const shift = r.timeOrigin - performance.timeOrigin; // inner t + shift = this worker's t
  r.chunks.forEach((json, i) => {
    const parsed = JSON.parse(json) as RawCompletionChunk | RawCompletionChunk[];
    for (const c of Array.isArray(parsed) ? parsed : [parsed]) onChunk(c, (r.times[i] as number) + shift);
  });
  return {
    requestMs: r.tStart + shift - tSend,
    completionActionMs: (r.tRequest ?? r.tStart) - r.tStart,
    replyMs: tBack - ((r.tEnd ?? r.tStart) + shift),
    getResultCalls: r.calls ?? r.times.length,
  };
}

/** The token id of a streamed choice, from its single probability entry (n_probs: 1). */
function tokenIdOf(choice: RawCompletionChunk['choices'][number]): number | null {
  const lp = (choice as { logprobs?: unknown }).logprobs as { content?: Array<{ id?: number }> } | null | undefined;
  const id = lp?.content?.[0]?.id;
  return typeof id === 'number' ? id : null;
}

// ───────────────────────── the API ─────────────────────────

/** Closes the port of a Comlink-proxied callback once a call is over (no-op for plain functions). */
function release(cb: unknown): void {
  const r = (cb as { [Comlink.releaseProxy]?: () => void } | undefined)?.[Comlink.releaseProxy];
  if (typeof r === 'function') r.call(cb);
}

const api: LlmApi = {
  async load(spec: LlmLoadSpec, onProgress?: (p: LlmLoadProgress) => void): Promise<LlmLoadResult> {
    const t0 = performance.now();
    if (spec.engine !== 'wllama') throw new RagtabError('InvalidArgument', `This worker runs wllama, not ${spec.engine}.`);
    const url = new URL(spec.model, self.location.href).href;
    const why: string[] = [];

    onProgress?.({ kind: 'phase', phase: 'download', state: 'start' });
    const fetched = await fetchModel(url, spec.useCache ?? true, onProgress);
    const downloadMs = performance.now() - t0;
    onProgress?.({ kind: 'phase', phase: 'download', state: 'end', ms: downloadMs });

    const tv = performance.now();
    onProgress?.({ kind: 'phase', phase: 'verify', state: 'start' });
    const header = await checkModel(url, fetched);
    if (header.splitCount > 1) {
      throw new RagtabError('InvalidArgument', `${url} is part 1 of a model split in ${header.splitCount} files; split models are not supported yet.`);
    }
    await storeInCache(url, fetched);
    const verifyMs = performance.now() - tv;
    onProgress?.({ kind: 'phase', phase: 'verify', state: 'end', ms: verifyMs });

    // threads need SharedArrayBuffer, which an isolated page may still lack (WebKit automation)
    const isolated = self.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
    const requestedThreads = Math.max(1, Math.floor(spec.threads ?? 1));
    let threads = requestedThreads;
    if (requestedThreads > 1 && !isolated) {
      threads = 1;
      why.push(`1 thread instead of ${requestedThreads}: ${self.crossOriginIsolated ? 'SharedArrayBuffer is undefined here although the page is cross-origin isolated' : 'the page is not cross-origin isolated'}, so WebAssembly threads are unavailable.`);
    } else {
      why.push(`${threads} thread${threads > 1 ? 's' : ''} as requested (${isolated ? 'cross-origin isolated page' : 'page not cross-origin isolated'}; ${navigator.hardwareConcurrency} logical cores).`);
    }
    const trained = header.contextLength;
    const contextSize = spec.contextSize ?? Math.min(trained ?? 4096, 4096);
    why.push(`Context ${contextSize} tokens${trained ? ` (trained ${trained})` : ''}${spec.contextSize ? ', as requested' : ', the default min(trained, 4096)'}.`);
    const gpuLayersReq = spec.gpuLayers ?? 0;
    const hasGpu = 'gpu' in navigator;
    if (gpuLayersReq !== 0 && !hasGpu) why.push('WebGPU layers requested, but this worker has no navigator.gpu: CPU only.');
    const nGpuLayers = gpuLayersReq === 'all' ? 99999 : gpuLayersReq;

    // The file is good: only now replace the loaded engine (a failed download leaves it usable).
    if (current) current.abort();
    await dropEngine();
    broken = null;
    const ti = performance.now();
    onProgress?.({ kind: 'phase', phase: 'init', state: 'start' });
    logLines = [];
    const wllama = new Wllama({ default: wllamaWasmUrl }, { logger, allowOffline: true, cacheManager: wllamaCache(why) });
    injectPrelude(wllama);
    if (wllamaNeedsCompat()) {
      // Served by the app (vite.config.ts), never from wllama's default CDN.
      wllama.setCompat({ worker: new URL('../wllama-compat/wllama.js', self.location.href).href, wasm: new URL('../wllama-compat/wllama.wasm', self.location.href).href });
      why.push(`wllama's compat build (no Memory64, no JSPI; slower): this browser lacks ${compatMissing().join(' and ')}, which its default build needs.`);
    }
    try {
      await wllama.loadModel([fetched.blob], {
        n_ctx: contextSize,
        n_threads: threads,
        n_batch: spec.batchSize ?? 512,
        seed: spec.seed ?? DEFAULT_SEED,
        n_gpu_layers: hasGpu ? nGpuLayers : 0,
        n_parallel: 1,
        log_level: LogLevel.INFO,
      });
    } catch (e) {
      await wllama.exit().catch(() => undefined);
      throw new RagtabError('LlmLoadFailed', `llama.cpp could not load ${url}: ${errorInfo(e).message}`);
    }
    const ctx = wllama.getLoadedContextInfo();
    if (!(ctx.n_vocab > 0) || !(ctx.n_ctx > 0)) {
      await wllama.exit().catch(() => undefined);
      throw new RagtabError('LlmLoadFailed', `llama.cpp loaded ${url} without a usable vocabulary or context (n_vocab ${ctx.n_vocab}, n_ctx ${ctx.n_ctx}).`);
    }
    if (header.vocabSize !== null && ctx.n_vocab !== header.vocabSize) {
      why.push(`Note: the GGUF header lists ${header.vocabSize} tokens, llama.cpp reports ${ctx.n_vocab}.`);
    }
    const initMs = performance.now() - ti;
    onProgress?.({ kind: 'phase', phase: 'init', state: 'end', ms: initMs });

    const multi = wllama.isMultithread();
    const actualThreads = wllama.getNumThreads();
    const offload = parseOffload(logLines);
    const onGpu = (offload?.offloaded ?? 0) > 0 || (nGpuLayers > 0 && hasGpu && webGpuInUse(logLines) && offload === null);
    const backend = onGpu ? 'webgpu' : multi ? 'wasm-multi-thread' : 'wasm-single-thread';
    if (nGpuLayers > 0 && hasGpu) {
      why.push(
        onGpu
          ? `WebGPU: llama.cpp offloaded ${offload ? `${offload.offloaded}/${offload.total}` : 'its'} layers.`
          : `WebGPU requested, but llama.cpp offloaded no layers${offload ? ` (${offload.offloaded}/${offload.total})` : ''}: running on the CPU.`,
      );
    } else {
      why.push('CPU (WebAssembly SIMD): no layers offloaded to WebGPU (gpuLayers 0).');
    }
    const bosText = tokenText(header, ctx.token_bos >= 0 ? ctx.token_bos : header.bosTokenId);
    const eosText = tokenText(header, ctx.token_eos >= 0 ? ctx.token_eos : header.eosTokenId);
    let template: ChatTemplate | null = null;
    if (header.chatTemplate) {
      try {
        template = new ChatTemplate(header.chatTemplate, { bosText: bosText ?? '', eosText: eosText ?? '', addsBos: ctx.add_bos_token });
        why.push("Chat template: the model's own (tokenizer.chat_template), applied with @huggingface/jinja.");
      } catch (e) {
        why.push(`The model's chat template could not be parsed (${errorInfo(e).message}): plain prompts only.`);
      }
    } else {
      why.push('No chat template in the model: prompts use a plain layout.');
    }
    const tokenizer = SpmTokenizer.tryFromGguf(header);
    why.push(
      tokenizer
        ? "Token counts: llama.cpp's SentencePiece tokenizer ported to TypeScript (src/core/spm-tokenizer.ts), built from the GGUF's vocabulary: no prompt pass needed."
        : `Token counts: wllama has no tokenizer call and the "${header.tokenizerModel ?? 'unknown'}" tokenizer is not ported, so an exact count runs a prompt pass.`,
    );
    const vocab = header.metadata['tokenizer.ggml.tokens'];
    const tokenBound = tokenBoundOf(header.tokenizerModel, Array.isArray(vocab) && vocab.every((t) => typeof t === 'string') ? (vocab as string[]) : null);
    why.push(
      tokenBound
        ? `Prompt trimming: a prompt within the budget by its UTF-8 length is not counted (${tokenBound.rule}); wllama has no tokenizer call, so an exact count costs a prompt pass.`
        : `Prompt trimming: every candidate prompt is counted with a prompt pass (wllama has no tokenizer call; no proven bound for the "${header.tokenizerModel ?? 'unknown'}" tokenizer).`,
    );
    const info: LlmInfo = {
      engine: 'wllama',
      model: spec.model,
      modelName: header.name,
      backend,
      threads: actualThreads,
      requestedThreads,
      variant: header.fileTypeName ?? dominantTensorType(header),
      why,
      contextSize: ctx.n_ctx,
      trainedContextSize: ctx.n_ctx_train || trained,
      vocabSize: ctx.n_vocab,
      architecture: header.architecture,
      hasChatTemplate: template !== null,
      addsBos: ctx.add_bos_token,
      tokenBound,
      crossOriginIsolated: isolated,
      gpuLayers: offload,
      vramRequiredMB: null,
      engineVersion: `@wllama/wllama ${WLLAMA_VERSION} (llama.cpp ${safeVersion()})`,
    };
    loaded = { wllama, info, header, seed: spec.seed ?? DEFAULT_SEED, template, tokenizer };

    let warmupMs: number | null = null;
    if (spec.warmup ?? true) {
      const tw = performance.now();
      onProgress?.({ kind: 'phase', phase: 'warmup', state: 'start' });
      await run(loaded, { prompt: 'Hello', maxNewTokens: WARMUP_TOKENS, seed: loaded.seed, ignoreEos: true, tokenIds: false, delivery: 'stream', tokenBatchMs: 0 });
      generations--;
      warmupMs = performance.now() - tw;
      onProgress?.({ kind: 'phase', phase: 'warmup', state: 'end', ms: warmupMs });
    }
    const totalMs = performance.now() - t0;
    return {
      info,
      files: [fetched.file],
      timings: { downloadMs, verifyMs, initMs, warmupMs, totalMs },
      workerMs: totalMs,
    };
  },

  async generate(request: LlmGenerateRequest, onToken?: (e: LlmTokenEvent | LlmTokenBatchEvent) => void): Promise<LlmGenerateResult> {
    const l = requireLoaded();
    if (current) throw new RagtabError('InvalidArgument', 'A generation is already running: one request at a time.');
    if (request.temperature !== undefined && request.temperature !== 0) {
      throw new RagtabError('InvalidArgument', 'Only greedy decoding (temperature 0) is supported.');
    }
    if (!(request.maxNewTokens >= 1)) throw new RagtabError('InvalidArgument', `maxNewTokens must be at least 1, got ${request.maxNewTokens}.`);
    let prompt: string;
    if (request.prompt !== undefined) prompt = request.prompt;
    else if (request.messages) {
      const rendered = renderTemplate(l, request.messages);
      if (rendered === null) throw new RagtabError('InvalidArgument', 'This model has no chat template: send a plain prompt instead of messages.');
      prompt = rendered;
    } else throw new RagtabError('InvalidArgument', 'Give a prompt or messages.');
    return run(l, {
      prompt,
      maxNewTokens: request.maxNewTokens,
      seed: request.seed ?? l.seed,
      ignoreEos: request.ignoreEos ?? false,
      tokenIds: request.tokenIds ?? true,
      delivery: request.delivery ?? 'stream',
      tokenBatchMs: Math.max(0, request.tokenBatchMs ?? 0),
      ...(onToken ? { onToken } : {}),
    });
  },

  async countTokens(text: string): Promise<TokenCount> {
    const l = requireLoaded();
    if (current) throw new RagtabError('InvalidArgument', 'A generation is running: count tokens before or after it.');
    const t0 = performance.now();
    if (l.tokenizer) return { tokens: l.tokenizer.count(text), workerMs: performance.now() - t0, method: 'tokenizer' };
    // wllama 3.x has no tokenizer call: run a one-token completion and read the prompt count.
    try {
      const r = await run(l, { prompt: text, maxNewTokens: 1, seed: l.seed, ignoreEos: true, tokenIds: false, delivery: 'stream', tokenBatchMs: 0 });
      generations--;
      generatedTokensTotal -= r.generatedTokens;
      return { tokens: r.promptTokens, workerMs: performance.now() - t0, method: 'prompt-pass' };
    } catch (e) {
      // Longer than the context: llama.cpp refuses it but says how many tokens it has.
      const m = /request \((\d+) tokens\) exceeds/.exec(errorInfo(e).message);
      if (m) return { tokens: Number(m[1]), workerMs: performance.now() - t0, method: 'prompt-pass' };
      throw e;
    }
  },

  async applyTemplate(messages: LlmMessage[]): Promise<string | null> {
    return renderTemplate(requireLoaded(), messages);
  },

  async stats(): Promise<LlmStats> {
    return { loaded: loaded !== null, info: loaded?.info ?? null, generations, generatedTokens: generatedTokensTotal, broken };
  },

  async interrupt(): Promise<void> {
    current?.abort();
  },

  async unload(): Promise<void> {
    current?.abort();
    await dropEngine();
    broken = null;
  },

  async catalog(): Promise<WebLlmModelRecord[]> {
    return [];
  },

  async memory() {
    // llama.cpp's heap lives in wllama's own worker: ask it (INNER_PRELUDE) and add it to this worker's figures.
    const own = workerMemory("no WebAssembly memory in this worker; none loaded in wllama's worker either", {
      engineElsewhere: "llama.cpp creates its WebGPU buffers in wllama's own worker, which this count does not reach",
    });
    const w = loaded?.wllama;
    if (!w) return own;
    const inner = await askInner(w, 'memory', null, 2000);
    if (!inner || inner.bytes === null) {
      return {
        ...own,
        wasmReason: inner
          ? "wllama's worker has no WebAssembly memory yet"
          : "wllama's worker did not answer within 2 s (busy in a long call, or its code could not be extended)",
      };
    }
    return { ...own, wasmBytes: (own.wasmBytes ?? 0) + inner.bytes, wasmMemories: own.wasmMemories + 1, wasmReason: null };
  },
};

function safeVersion(): string {
  try {
    return Wllama.getLibllamaVersion();
  } catch {
    return 'unknown';
  }
}

const exposed: LlmApi = {
  ...api,
  load: (spec, onProgress) => api.load(spec, onProgress).finally(() => release(onProgress)),
  generate: (request, onToken) => api.generate(request, onToken).finally(() => release(onToken)),
};
Comlink.expose(exposed);
