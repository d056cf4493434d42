/**
 * What a comparison must say before any verdict: what differs between the two runs' configurations
 * and environments (models, corpus, chunking, index, device, threads, browser ...), whether a run
 * can serve as a baseline at all (a failed or empty run cannot, without a warning), and how a run
 * reads in a picker (date, configuration, model, corpus, status, n). Pure.
 */
import type { BenchConfig } from './bench-config';
import type { RunHeader, RunRecord } from './run-record';

export interface Difference {
  /** What differs, in words: "embedding model", "chunking", "browser". */
  what: string;
  baseline: string;
  current: string;
  /** A difference of what was measured (corpus, models, chunking, index, k): the figures measure different things. */
  changesWhatIsMeasured: boolean;
}

const corpusOf = (c: BenchConfig['corpus']) =>
  `${c.source === 'demo' ? 'demo' : c.source === 'beir' ? `BEIR ${c.url}` : `BEIR ${c.name} (hub)`}${c.maxDocs ? `, first ${c.maxDocs}` : ''}`;
const chunkingOf = (c: BenchConfig['chunking']) => (c.mode === 'document' ? 'whole documents' : `${c.size} tokens, overlap ${c.overlap}`);
const llmOf = (l: BenchConfig['llm']) => (l.engine === 'none' || l.model === null ? 'none' : `${l.engine} ${l.model}`);
const methodOf = (c: BenchConfig) => `${c.warmups} warm-up(s), ${c.iterations} iteration(s) × ${c.queries.count} queries${c.concurrency > 1 ? `, concurrency ${c.concurrency}` : ''}`;

/** Field by field, what differs between two configurations (in the order people check them). */
export function configDifferences(a: BenchConfig, b: BenchConfig): Difference[] {
  const out: Difference[] = [];
  const diff = (what: string, x: string, y: string, measured: boolean) => {
    if (x !== y) out.push({ what, baseline: x, current: y, changesWhatIsMeasured: measured });
  };
  diff('corpus', corpusOf(a.corpus), corpusOf(b.corpus), true);
  diff('embedding model', `${a.embedder.model}${a.embedder.revision ? `@${a.embedder.revision}` : ''}`, `${b.embedder.model}${b.embedder.revision ? `@${b.embedder.revision}` : ''}`, true);
  diff('embedding dtype', a.embedder.dtype, b.embedder.dtype, true);
  diff('chunking', chunkingOf(a.chunking), chunkingOf(b.chunking), true);
  diff('index', a.index, b.index, true);
  diff('k', String(a.k), String(b.k), true);
  diff('LLM', llmOf(a.llm), llmOf(b.llm), true);
  if (a.llm.engine !== 'none' && b.llm.engine !== 'none') diff('LLM new tokens', String(a.llm.maxNewTokens), String(b.llm.maxNewTokens), true);
  diff('requested device', a.embedder.device, b.embedder.device, false);
  diff('embedding threads (asked)', String(a.embedder.threads), String(b.embedder.threads), false);
  diff('embedding batch', String(a.embedder.batch), String(b.embedder.batch), false);
  if (a.llm.engine !== 'none' && b.llm.engine !== 'none') diff('LLM threads (asked)', String(a.llm.threads), String(b.llm.threads), false);
  diff('method', methodOf(a), methodOf(b), false);
  return out;
}

/** Configuration differences, then what ran (the device and threads really used, the corpus's content) and where (browser, cores, isolation, ragtab). */
export function recordDifferences(a: RunRecord, b: RunRecord): Difference[] {
  const out = configDifferences(a.config, b.config);
  const diff = (what: string, x: unknown, y: unknown, measured = false) => {
    const sx = x === null || x === undefined ? '—' : String(x);
    const sy = y === null || y === undefined ? '—' : String(y);
    if (sx !== sy && !out.some((d) => d.what === what)) out.push({ what, baseline: sx, current: sy, changesWhatIsMeasured: measured });
  };
  if (a.corpus && b.corpus) diff('corpus content (SHA-256)', `${a.corpus.hash.slice(0, 12)}…`, `${b.corpus.hash.slice(0, 12)}…`, true);
  if (a.embedder && b.embedder) {
    diff('device used', a.embedder.device, b.embedder.device);
    diff('embedding threads used', a.embedder.threads, b.embedder.threads);
  }
  const ea = a.environment;
  const eb = b.environment;
  diff('browser', ea.userAgent, eb.userAgent);
  diff('logical cores', ea.hardwareConcurrency, eb.hardwareConcurrency);
  diff('cross-origin isolated', ea.crossOriginIsolated, eb.crossOriginIsolated);
  diff('ragtab', `${ea.app.version} (${ea.app.commit})`, `${eb.app.version} (${eb.app.commit})`);
  return out;
}

/** Why a run cannot serve as a baseline as it is (null: it can). */
export function baselineProblem(r: Pick<RunHeader, 'status' | 'samples'> & { id?: string }): string | null {
  if (r.status === 'failed') return 'it failed: its figures stop where the error happened, so a comparison with it says nothing about a change';
  if (r.status === 'cancelled') return 'it was cancelled: its figures are partial';
  if (r.status === 'running') return 'it never finished (the page was closed during the run)';
  if (r.samples === 0) return 'it has no samples: nothing was measured';
  return null;
}

/** A run as a picker shows it: date, configuration name, model, corpus, status, samples. */
export function runLabel(h: RunHeader, locale = 'en-US'): string {
  const d = new Date(h.startedAt);
  const when = Number.isNaN(d.getTime()) ? h.startedAt : d.toLocaleString(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return `${when} · ${h.name} · ${h.model} · ${h.corpus} · ${h.status} · n ${h.samples.toLocaleString(locale)}`;
}
