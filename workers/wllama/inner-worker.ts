/**
 * Talking to wllama's own worker (the one running llama.cpp), beyond wllama's API: the prelude
 * (./prelude/inner-prelude.js) is put in front of wllama's Emscripten code, and its two messages
 * are sent and answered here — `memory` (llama.cpp's WebAssembly memory) and `loop` (a whole
 * completion looped inside that worker, for the benchmark's engine-loop delivery).
 *
 * Why: each token of a wllama 3.8.1 completion is one round trip from our worker to wllama's (it
 * posts `get_result`, the inner worker runs ONE iteration of the server loop — `run_loop()`: one
 * llama_decode of one token, sampling, the result as JSON — and posts the bytes back), and the
 * server's own clock runs all the while, so llama.cpp's `predicted_per_second` includes that round
 * trip. wllama has no tokenizer or decode call (`// Low level API // TODO: add back` in wllama.ts),
 * and `_getDebugInfo()` returns null.
 */
import type { Wllama, RawCompletionChunk } from '@wllama/wllama/esm/index.js';
// The Emscripten glue wllama 3.8.1 embeds as WLLAMA_EMSCRIPTEN_CODE (byte-identical: checked), read
// here so that the prelude can run inside wllama's own worker.
import wllamaEmscriptenCode from '@wllama/wllama/src/wasm/wllama.js?raw';
import innerPrelude from './prelude/inner-prelude.js?raw';
import type { EngineLoopTimes } from '../api';
import { RagtabError } from '../../src/core/errors';

/** The inner worker's replies to the prelude's messages. */
export type InnerReply =
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

/** Gives wllama the Emscripten code with our prelude in front (unless it uses its Safari/Firefox compat build). */
export function injectPrelude(wllama: Wllama): void {
  const base = wllama.getWorkerResources.bind(wllama);
  wllama.getWorkerResources = () => {
    const r = base();
    if (r.compat || r.jsPath) return r;
    return { ...r, jsPath: { code: innerPrelude + wllamaEmscriptenCode } };
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
export function askInner<K extends InnerReply['ragtab']>(
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

/**
 * Runs the completion in a loop inside wllama's worker and replays its chunks here with the inner
 * worker's times moved onto this worker's clock.
 */
export async function runEngineLoop(
  wllama: Wllama,
  body: Record<string, unknown>,
  onChunk: (c: RawCompletionChunk, t: number) => void,
): Promise<EngineLoopTimes> {
  const tSend = performance.now();
  const r: LoopReply | null = await askInner(wllama, 'loop', JSON.stringify(body), 10 * 60_000);
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
