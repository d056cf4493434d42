/**
 * BEIR datasets on the Hugging Face hub, offered by name to real users. The app fetches them at
 * run time from the user's browser; they are never bundled (their licences vary). Sizes are the
 * BEIR paper's (test split). The largest ones (msmarco, nq, hotpotqa, fever, climate-fever,
 * dbpedia-entity: millions of documents) are left out: too large for one tab.
 */
import { fetchStream, type BeirSource, type FetchFn } from './beir';

export interface BeirCatalogEntry {
  name: string;
  /** Approximate number of corpus documents. */
  docs: number;
  /** Approximate number of test queries with judgments. */
  queries: number;
  /** One line for people choosing a dataset. */
  description: string;
  corpusUrl: string;
  queriesUrl: string;
  /** The test split's qrels. */
  qrelsUrl: string;
}

export const HF_DATASETS_BASE = 'https://huggingface.co/datasets/BeIR';

function entry(name: string, docs: number, queries: number, description: string): BeirCatalogEntry {
  return Object.freeze({
    name,
    docs,
    queries,
    description,
    corpusUrl: `${HF_DATASETS_BASE}/${name}/resolve/main/corpus.jsonl.gz`,
    queriesUrl: `${HF_DATASETS_BASE}/${name}/resolve/main/queries.jsonl.gz`,
    qrelsUrl: qrelsUrl(name, 'test'),
  });
}

/** The qrels URL of a split (`test`, `dev`, `train`: which exist depends on the dataset). */
export function qrelsUrl(name: string, split: string): string {
  return `${HF_DATASETS_BASE}/${name}-qrels/resolve/main/${split}.tsv`;
}

export const BEIR_CATALOG: readonly BeirCatalogEntry[] = Object.freeze([
  entry('scifact', 5_183, 300, 'Scientific claims against paper abstracts'),
  entry('nfcorpus', 3_633, 323, 'Nutrition and medical questions against PubMed articles'),
  entry('arguana', 8_674, 1_406, 'Counter-argument retrieval for debate arguments'),
  entry('scidocs', 25_657, 1_000, 'Citation prediction between scientific papers'),
  entry('fiqa', 57_638, 648, 'Financial questions against forum answers'),
  entry('trec-covid', 171_332, 50, 'COVID-19 questions against CORD-19 abstracts'),
  entry('webis-touche2020', 382_545, 49, 'Controversial questions against args.me arguments'),
  entry('quora', 522_931, 10_000, 'Duplicate question retrieval'),
]);

export function findBeirDataset(name: string): BeirCatalogEntry | undefined {
  return BEIR_CATALOG.find((e) => e.name === name);
}

/**
 * A BeirSource over a catalog entry's per-file URLs: `corpus.jsonl.gz`, `queries.jsonl.gz` and
 * `qrels/<split>.tsv` map to the hub; any other path (for example the uncompressed
 * `corpus.jsonl` the loader tries first) does not exist here.
 */
export function beirCatalogSource(entry: BeirCatalogEntry, fetchFn?: FetchFn): BeirSource {
  const urls = new Map<string, string>([
    ['corpus.jsonl.gz', entry.corpusUrl],
    ['queries.jsonl.gz', entry.queriesUrl],
    ['qrels/test.tsv', entry.qrelsUrl],
  ]);
  return {
    describe: `BEIR "${entry.name}" on the Hugging Face hub (${HF_DATASETS_BASE}/${entry.name})`,
    async open(path) {
      let url = urls.get(path);
      const split = /^qrels\/([\w-]+)\.tsv$/.exec(path);
      if (!url && split) url = qrelsUrl(entry.name, split[1]!);
      if (!url) return null;
      return fetchStream(url, fetchFn);
    },
  };
}
