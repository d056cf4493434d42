// @ts-check
/**
 * Runs INSIDE wllama's own worker, in front of the Emscripten glue (see ../inner-worker.ts, which
 * imports this file as text and hands it to wllama as `getWorkerResources().jsPath`).
 *
 * wllama 3.8.1 runs llama.cpp (its server loop) in a worker it creates from a string of code
 * (`LLAMA_CPP_WORKER_CODE` + the Emscripten glue), and that code's top-level names (`runWasmCall`,
 * `wllamaAction`, `Module` ...: see inner-globals.d.ts) are in scope here. This prelude adds two
 * messages, tagged `ragtab.` (the inner worker's own handler ignores verbs it does not know, and
 * wllama's proxy ignores replies without a callbackId):
 * - `ragtab.memory`: the byte length of the WebAssembly memory llama.cpp runs in;
 * - `ragtab.loop`: a whole completion run in a loop inside the inner worker (the same `completion`
 *   + `get_result` actions wllama sends, in the same order, serialised under the same lock),
 *   answered once at the end with every chunk and the inner worker's time of each: the engine's
 *   speed without one message per token.
 * In a pthread worker (multi-threaded build) it finds none of those names and does nothing.
 * Type-checked on its own by ./tsconfig.json (npm run typecheck); it must stay plain script JS.
 */
;(() => {
  if (typeof runWasmCall !== 'function' || typeof getHeapU8 !== 'function' || globalThis.__ragtabInner) return;
  globalThis.__ragtabInner = true;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  /** @param {string} name */
  const header = (name) => { const b = [71, 76, 85, 69, 1, 0, 0, 0]; for (const c of enc.encode(name)) b.push(c); return b; };
  /** @param {number[]} out @param {number} v */
  const u32 = (out, v) => { out.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255); };
  /** @param {string} json */
  const cmplReq = (json) => { const out = header('cmpl_req'); u32(out, 1); u32(out, 0); const s = enc.encode(json); u32(out, 4); u32(out, s.length); for (const c of s) out.push(c); u32(out, 10); u32(out, 0); return new Uint8Array(out); };
  /** @param {number} id */
  const gresReq = (id) => { const out = header('gres_req'); u32(out, 2); u32(out, id); return new Uint8Array(out); };
  /** @param {Uint8Array} buf @param {number} n @returns {any[]} */
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
  /** @param {string} name @param {Uint8Array} bytes */
  const call = async (name, bytes) => {
    const inPtr = await wllamaMalloc(toSizeT(bytes.byteLength), 0);
    new Uint8Array(getHeapU8().buffer, Number(inPtr), bytes.byteLength).set(bytes);
    const outPtr = await wllamaAction(name, inPtr);
    if (!outPtr) throw new Error('wllama_action(' + name + ') failed (see the log)');
    const len = new Uint32Array(getHeapU8().buffer, Number(inPtr), 1)[0];
    return new Uint8Array(getHeapU8().buffer, Number(outPtr), len).slice();
  };
  /** @param {number} id @param {string} json */
  const loop = async (id, json) => {
    const tStart = performance.now();
    /** @type {string[]} */ const chunks = [];
    /** @type {number[]} */ const times = [];
    let calls = 0;
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
      postMessage({ ragtab: 'loop', id, ok: false, error: String((e && /** @type {{message?: string}} */ (e).message) || e), tStart, chunks, times, timeOrigin: performance.timeOrigin });
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
