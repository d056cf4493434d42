/**
 * The model file for the wllama worker: fetched here, not by wllama — bytes per file, network or
 * cache (our own Cache Storage), a 404 as ModelNotFound — and the GGUF header and size checked
 * before llama.cpp sees the bytes (wllama resolves loadModel() on a corrupt or truncated file:
 * issue 5).
 */
import type { LlmLoadProgress, LoadedFile } from '../api';
import { RagtabError, errorInfo } from '../../src/core/errors';
import { GGUF_CACHE } from '../../src/core/cache-names';
import { SPM_FULL_ARRAYS } from '../../src/core/spm-tokenizer';
import { GgufHeaderTruncated, checkGgufMagic, validateGguf, type GgufHeader } from '../../src/core/gguf';

export interface Fetched {
  blob: Blob;
  file: LoadedFile;
  announced: number | null;
}

export async function fetchModel(url: string, useCache: boolean, onProgress?: (p: LlmLoadProgress) => void): Promise<Fetched> {
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
export async function checkModel(url: string, f: Fetched): Promise<GgufHeader> {
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

export async function storeInCache(url: string, f: Fetched): Promise<void> {
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
