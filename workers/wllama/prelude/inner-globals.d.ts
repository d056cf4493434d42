/**
 * The top-level names of wllama 3.8.1's inner worker (`src/workers-code/llama-cpp.js` in the
 * package) that inner-prelude.js uses: declared for the prelude's own type check only (this folder
 * is excluded from workers/tsconfig.json, so no other worker code sees these globals).
 */
/** Runs `fn` under the inner worker's one-call-at-a-time lock (JSPI/asyncify cannot re-enter the wasm). */
declare const runWasmCall: (callbackId: string, fn: () => Promise<void>) => Promise<void>;
/** A Uint8Array over llama.cpp's WebAssembly memory (a new view after every growth). */
declare const getHeapU8: () => Uint8Array;
/** size_t for the build: a BigInt in the memory64 build, a number in the compat build. */
declare const toSizeT: (n: number) => number | bigint;
/** wllama_malloc(size, 0) → pointer. */
declare let wllamaMalloc: (size: number | bigint, zero: number) => Promise<number | bigint>;
/** wllama_action(name, request pointer) → response pointer; the response length is written at the request pointer. */
declare let wllamaAction: (name: string, req: number | bigint) => Promise<number | bigint>;
/** The Emscripten module (null until it is initialised). */
declare let Module: { wasmMemory?: WebAssembly.Memory } | null;

declare var __ragtabInner: boolean | undefined;
