/**
 * What the benchmark panel runs: a preset's method (counts and phases) on the user's set-up (what
 * is measured), unless the user asks for the preset's own corpus and models. Pure.
 *
 * A preset names a method (warm-ups, iterations, how many queries, reload, cold-cache clearing,
 * concurrency, quality, memory sampling, sweep axes) and, for the CLI, a default corpus and
 * models. In the app the user has already chosen a corpus and models in the set-up: "Run
 * benchmark" measures those, so a newcomer offline with the local model benchmarks the model that
 * works, and the figures are about the set-up they were looking at (issue 15).
 */
import { parseBenchConfig, preset, type BenchConfig } from './bench-config';

/** The fields that say what is measured: taken from the set-up. Every other field is the preset's method. */
export const SETUP_FIELDS = ['corpus', 'chunking', 'embedder', 'index', 'k', 'contextChars', 'llm'] as const;
export type SetupField = (typeof SETUP_FIELDS)[number];

/** The fields that say how it is measured: taken from the preset. */
export const METHOD_FIELDS = ['warmups', 'iterations', 'queries', 'reload', 'clearCache', 'concurrency', 'quality', 'memory', 'sweep'] as const;

export type BenchTarget =
  /** The preset's method on the user's set-up (the default). */
  | 'setup'
  /** The preset exactly as it is, its own corpus and models included. */
  | 'preset';

/**
 * The configuration "Run benchmark" runs: preset `name`'s method on `setup` (the app's settings as a
 * configuration), or the preset as it is. The preset's query set is kept when it lists questions;
 * otherwise the set-up's corpus supplies them. A sweep over a set-up field (e.g. corpus size) keeps
 * its axes: it varies the set-up.
 */
export function benchConfigFor(name: string, setup: BenchConfig, target: BenchTarget = 'setup'): BenchConfig {
  const p = preset(name);
  if (target === 'preset') return p;
  const out: Record<string, unknown> = { ...p };
  for (const f of SETUP_FIELDS) out[f] = setup[f];
  // A corpus of the demo holds at most its 58 documents: a preset's corpus-size sweep does not apply to it.
  if (setup.corpus.source === 'demo') out['sweep'] = p.sweep.filter((a) => a.path !== 'corpus.maxDocs');
  return parseBenchConfig(out);
}

/** What differs between the preset as it is and what will run, field by field (shown beside "Run benchmark"). */
export function setupSummary(c: BenchConfig): Array<[string, string]> {
  const corpus = c.corpus.source === 'demo' ? 'the demo corpus' : c.corpus.source === 'beir' ? `BEIR at ${c.corpus.url}` : `BEIR ${c.corpus.name} from the hub`;
  return [
    ['corpus', `${corpus}${c.corpus.maxDocs ? `, first ${c.corpus.maxDocs} documents` : ''}`],
    ['embedding model', `${c.embedder.model}${c.embedder.baseUrl ? ` (from ${c.embedder.baseUrl})` : ''} · ${c.embedder.device} · ${c.embedder.dtype}`],
    ['chunking', c.chunking.mode === 'document' ? 'whole documents' : `${c.chunking.size} tokens, overlap ${c.chunking.overlap}`],
    ['index', `${c.index} · k ${c.k}`],
    ['LLM', c.llm.engine === 'none' || c.llm.model === null ? 'none (retrieval only)' : `${c.llm.engine} ${c.llm.model}`],
    ['method', `${c.warmups} warm-up(s), ${c.iterations} iteration(s) × ${c.queries.count} queries${c.reload ? ', then a reload' : ''}${c.concurrency > 1 ? `, ${c.concurrency} at once` : ''}${c.quality ? ', quality scored' : ''}${c.clearCache ? ', cold caches' : ''}`],
  ];
}
