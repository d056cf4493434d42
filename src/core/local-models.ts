/**
 * The models a server offers beside the app (the `models/` folder `npm start` serves from
 * ../shared/models): read from its listing (`models/index.json`, which the app's server writes for
 * a served folder that has none), or, where a static host lists nothing, from the known local
 * models found there. Pure: the fetching is src/engine/local-models.ts.
 */
import { EMBEDDING_MODELS } from './models';

/** One entry of a served folder's listing: a file, or a folder with its files (paths relative to it). */
export interface ListingEntry {
  name: string;
  kind: 'file' | 'folder';
  bytes: number;
  files?: Array<{ path: string; bytes: number }>;
}

export interface LocalModel {
  /** The model id (its folder name): the configuration's `embedder.model`. */
  id: string;
  /** The base URL it is read from (`embedder.baseUrl`), relative to the page. */
  baseUrl: string;
  label: string;
  /** Size of its ONNX weights, when the listing says. */
  bytes: number | null;
  note: string;
}

export interface LocalGguf {
  /** The GGUF's URL relative to the page (`llm.model`). */
  url: string;
  bytes: number;
}

/** What makes a folder an embedding model transformers.js can load: a config, a tokenizer, an ONNX file. */
function isEmbeddingModel(files: ReadonlyArray<{ path: string }>): boolean {
  const has = (p: RegExp) => files.some((f) => p.test(f.path));
  return has(/^config\.json$/) && has(/^tokenizer\.json$/) && has(/^onnx\/model[\w.-]*\.onnx$/);
}

/** The embedding models and GGUF files in a listing (`entries` of models/index.json). Unknown shapes are ignored. */
export function modelsFromListing(json: unknown, baseUrl = 'models/'): { embedding: LocalModel[]; gguf: LocalGguf[] } {
  const entries = json && typeof json === 'object' && Array.isArray((json as { entries?: unknown }).entries) ? ((json as { entries: unknown[] }).entries as unknown[]) : [];
  const embedding: LocalModel[] = [];
  const gguf: LocalGguf[] = [];
  for (const e of entries) {
    if (!e || typeof e !== 'object') continue;
    const x = e as Partial<ListingEntry>;
    if (typeof x.name !== 'string' || !/^[\w.-]+$/.test(x.name)) continue;
    const files = Array.isArray(x.files) ? x.files.filter((f) => f && typeof f.path === 'string' && typeof f.bytes === 'number') : [];
    if (x.kind === 'folder' && isEmbeddingModel(files)) {
      const known = EMBEDDING_MODELS.find((m) => m.id === x.name);
      const onnx = files.find((f) => f.path === 'onnx/model.onnx') ?? files.find((f) => f.path.startsWith('onnx/'));
      embedding.push({ id: x.name, baseUrl, label: known?.label ?? x.name, bytes: onnx?.bytes ?? null, note: known?.note ?? 'an embedding model folder on this server' });
    }
    if (x.kind === 'folder') for (const f of files) if (/^[\w.-]+\.gguf$/i.test(f.path)) gguf.push({ url: `${baseUrl}${x.name}/${f.path}`, bytes: f.bytes });
    if (x.kind === 'file' && /\.gguf$/i.test(x.name) && typeof x.bytes === 'number') gguf.push({ url: `${baseUrl}${x.name}`, bytes: x.bytes });
  }
  // the known meaningful model first (lsa-wordpiece-256 gives real retrieval; minilm-shape-random only speed)
  const rank = (m: LocalModel) => (m.id === 'lsa-wordpiece-256' ? 0 : EMBEDDING_MODELS.some((k) => k.id === m.id) ? 1 : 2);
  embedding.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
  return { embedding, gguf };
}

/** The known local models, to be probed one by one where the server lists nothing. */
export function knownLocalModels(baseUrl = 'models/'): LocalModel[] {
  return EMBEDDING_MODELS.filter((m) => !m.hub).map((m) => ({ id: m.id, baseUrl, label: m.label, bytes: m.approxBytes, note: m.note }));
}
