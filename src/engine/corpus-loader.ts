/**
 * Turns the user's corpus choice into documents, queries and judgments, on the main thread,
 * streaming every file (the parsers in src/core never hold a line-based file whole).
 */
import type { Corpus, Doc } from '../core/documents';
import { corpusHash, sha256OfStream } from '../core/documents';
import { loadBeir, beirHttpSource, beirNotes, type BeirSource } from '../core/beir';
import { MAX_RECORDS_PER_FILE } from '../core/lines';
import { BEIR_CATALOG, beirCatalogSource } from '../core/beir-catalog';
import { parseUserFile } from '../core/parse-files';
import { RagtabError } from '../core/errors';
import type { CorpusChoice } from '../core/settings';

export interface LoadedCorpus {
  corpus: Corpus;
  hash: string;
  bytes: number;
}

export interface CorpusInputs {
  /** Files picked or dropped (for 'files' and 'beir-folder'). */
  files: File[];
  onProgress?: (p: { file: string; bytes: number; docs: number }) => void;
}

/** A BEIR folder picked with <input webkitdirectory>: paths relative to the folder. */
export function folderSource(files: File[]): BeirSource {
  const byPath = new Map<string, File>();
  for (const f of files) {
    const rel = (f.webkitRelativePath || f.name).split('/');
    byPath.set((rel.length > 1 ? rel.slice(1) : rel).join('/'), f);
  }
  const top = files[0]?.webkitRelativePath?.split('/')[0] ?? 'the picked folder';
  return {
    describe: `folder "${top}"`,
    async open(path: string) {
      const f = byPath.get(path);
      return f ? (f.stream() as ReadableStream<Uint8Array>) : null;
    },
  };
}

export function demoUrl(): string {
  return new URL('demo/', document.baseURI).href;
}

export async function loadCorpus(choice: CorpusChoice, inputs: CorpusInputs): Promise<LoadedCorpus> {
  let bytes = 0;
  const track = (p: { file: string; bytes: number; docs: number }): void => {
    bytes = Math.max(bytes, p.bytes);
    inputs.onProgress?.(p);
  };
  let corpus: Corpus;
  switch (choice.kind) {
    case 'demo': {
      const r = await loadBeir(beirHttpSource(demoUrl()), { name: 'ragtab docs (demo)', onProgress: track });
      corpus = { name: 'ragtab docs (demo)', source: { kind: 'demo' }, docs: r.docs, queries: r.queries, qrels: r.qrels };
      break;
    }
    case 'beir-url': {
      const url = new URL(choice.url.endsWith('/') ? choice.url : choice.url + '/', document.baseURI).href;
      const name = url.replace(/\/$/, '').split('/').pop() ?? url;
      const r = await loadBeir(beirHttpSource(url), { name, onProgress: track, ...(choice.maxDocs ? { maxDocs: choice.maxDocs } : {}) });
      corpus = { name: choice.maxDocs ? `${name} (first ${choice.maxDocs})` : name, source: { kind: 'beir', url }, docs: r.docs, queries: r.queries, qrels: r.qrels, notes: beirNotes(r, choice.maxDocs ?? undefined) };
      break;
    }
    case 'beir-catalog': {
      const entry = BEIR_CATALOG.find((e) => e.name === choice.name);
      if (!entry) throw new RagtabError('InvalidConfig', `Unknown BEIR dataset "${choice.name}" (known: ${BEIR_CATALOG.map((e) => e.name).join(', ')}).`);
      const r = await loadBeir(beirCatalogSource(entry), { name: entry.name, onProgress: track, ...(choice.maxDocs ? { maxDocs: choice.maxDocs } : {}) });
      corpus = { name: entry.name, source: { kind: 'beir', url: entry.corpusUrl, name: entry.name }, docs: r.docs, queries: r.queries, qrels: r.qrels, notes: beirNotes(r, choice.maxDocs ?? undefined) };
      break;
    }
    case 'beir-folder': {
      if (inputs.files.length === 0) throw new RagtabError('EmptyCorpus', 'No folder was picked.');
      const src = folderSource(inputs.files);
      const r = await loadBeir(src, { name: src.describe, onProgress: track, ...(choice.maxDocs ? { maxDocs: choice.maxDocs } : {}) });
      corpus = { name: src.describe, source: { kind: 'beir', url: src.describe }, docs: r.docs, queries: r.queries, qrels: r.qrels, notes: beirNotes(r, choice.maxDocs ?? undefined) };
      break;
    }
    case 'files': {
      if (inputs.files.length === 0) throw new RagtabError('EmptyCorpus', 'No files were picked.');
      const docs: Doc[] = [];
      const meta: { name: string; bytes: number; sha256: string }[] = [];
      for (const f of inputs.files) {
        const parsed = await parseUserFile(f, { onBytes: (b) => inputs.onProgress?.({ file: f.name, bytes: bytes + b, docs: docs.length }) });
        if (docs.length + parsed.length > MAX_RECORDS_PER_FILE) {
          throw new RagtabError('FileTooLarge', `The picked files hold more than ${MAX_RECORDS_PER_FILE.toLocaleString('en-US')} documents together, over the limit for one corpus.`);
        }
        for (const d of parsed) docs.push(d);
        bytes += f.size;
        meta.push({ name: f.name, bytes: f.size, sha256: await sha256OfStream(f.stream() as ReadableStream<Uint8Array>) });
        inputs.onProgress?.({ file: f.name, bytes, docs: docs.length });
      }
      const seen = new Set<string>();
      for (const d of docs) {
        if (seen.has(d.id)) throw new RagtabError('InvalidArgument', `Two documents share the id "${d.id}": ids must be unique across the picked files.`);
        seen.add(d.id);
      }
      corpus = { name: inputs.files.length === 1 ? (inputs.files[0] as File).name : `${inputs.files.length} files`, source: { kind: 'files', files: meta }, docs, queries: [], qrels: new Map() };
      break;
    }
  }
  if (corpus.docs.length === 0) throw new RagtabError('EmptyCorpus', `The corpus "${corpus.name}" has no documents.`);
  return { corpus, hash: await corpusHash(corpus.docs), bytes };
}
