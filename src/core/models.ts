/**
 * Embedding models ragtab offers. Hub models are fetched by id for real users; local models are
 * read from a base URL (tests, offline use, the CLI). Pooling and prefixes follow each model card.
 */
import type { Pooling } from './vocabulary';

export interface EmbeddingModelInfo {
  id: string;
  label: string;
  dims: number;
  pooling: Pooling;
  normalize: boolean;
  /** Prepended to queries (not documents), as the model card asks. */
  queryPrefix: string;
  /** Approximate download of the fp32 ONNX file, bytes. */
  approxBytes: number;
  /** Where it comes from when no base URL is given. */
  hub: boolean;
  note: string;
}

export const EMBEDDING_MODELS: readonly EmbeddingModelInfo[] = Object.freeze([
  {
    id: 'Xenova/all-MiniLM-L6-v2',
    label: 'all-MiniLM-L6-v2 (default)',
    dims: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    approxBytes: 90_400_000,
    hub: true,
    note: 'Sentence-transformers baseline: 6 layers, 384 dims.',
  },
  {
    id: 'Xenova/bge-small-en-v1.5',
    label: 'bge-small-en-v1.5',
    dims: 384,
    pooling: 'cls',
    normalize: true,
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    approxBytes: 133_000_000,
    hub: true,
    note: 'BAAI BGE small: CLS pooling, query instruction prefix.',
  },
  {
    id: 'Xenova/gte-small',
    label: 'gte-small',
    dims: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    approxBytes: 133_000_000,
    hub: true,
    note: 'Alibaba GTE small: mean pooling.',
  },
  {
    id: 'lsa-wordpiece-256',
    label: 'lsa-wordpiece-256 (local test model)',
    dims: 256,
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    approxBytes: 31_254_963,
    hub: false,
    note: 'Static LSA embeddings: meaningful retrieval, tiny compute. For tests and offline demos.',
  },
  {
    id: 'minilm-shape-random',
    label: 'minilm-shape-random (local, random weights)',
    dims: 384,
    pooling: 'mean',
    normalize: true,
    queryPrefix: '',
    approxBytes: 90_278_327,
    hub: false,
    note: "all-MiniLM-L6-v2's exact shape with random weights: real compute cost, meaningless vectors.",
  },
]);

export const DEFAULT_EMBEDDING_MODEL = 'Xenova/all-MiniLM-L6-v2';

export function embeddingModelInfo(id: string): EmbeddingModelInfo | undefined {
  return EMBEDDING_MODELS.find((m) => m.id === id);
}
