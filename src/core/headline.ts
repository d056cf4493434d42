/**
 * The headline of the current session: the few figures a llama-bench or Speedometer user looks for
 * first (embedding throughput, retrieval p50, nDCG@10, time to first token, decode speed), each
 * with where it came from (which phase, over how many samples), or, when it is not measured yet,
 * what would measure it. Pure: the page hands in plain figures.
 */
import { quantity } from './figure-format';
import { percentile } from './stats';

export interface HeadlineInput {
  /** The last ingestion: its embed stage, or the load from storage when nothing was embedded. */
  ingest: { chunks: number; embedMs: number | null; fromStorage: boolean; loadMs: number | null } | null;
  /** The last evaluation: each judged query's retrieval stage times (ms), and its mean nDCG@10. */
  evaluation: { kind: string; queryStages: ReadonlyArray<ReadonlyArray<{ ms: number }>>; ndcg10: number | null } | null;
  /** The last answer's own figures (main-thread clock). */
  answer: { ttftMs: number | null; decodeTokensPerS: number | null; generatedTokens: number; promptTokens: number } | null;
}

export interface HeadlineTile {
  key: 'embed' | 'retrieval-p50' | 'ndcg10' | 'ttft' | 'decode';
  label: string;
  /** The figure with its unit, or null when not measured yet. */
  value: string | null;
  /** Where it came from, or (value null) what measures it. */
  note: string;
}

export function headline(i: HeadlineInput): HeadlineTile[] {
  const tiles: HeadlineTile[] = [];
  const g = i.ingest;
  if (g && !g.fromStorage && g.embedMs !== null && g.embedMs > 0) {
    tiles.push({ key: 'embed', label: 'embedding', value: quantity((g.chunks / g.embedMs) * 1000, 'chunks/s'), note: `the last ingestion: ${g.chunks.toLocaleString('en-US')} chunks, one run (cold or warm as it happened)` });
  } else if (g && g.fromStorage) {
    tiles.push({ key: 'embed', label: 'embedding', value: null, note: `not measured: the last ingestion loaded ${g.chunks.toLocaleString('en-US')} stored vectors${g.loadMs !== null ? ` in ${quantity(g.loadMs, 'ms')}` : ''} (another chunking or model embeds again)` });
  } else tiles.push({ key: 'embed', label: 'embedding', value: null, note: 'Ingest a corpus to measure it' });

  const e = i.evaluation;
  const totals = (e?.queryStages ?? []).map((stages) => stages.reduce((s, x) => s + x.ms, 0));
  tiles.push(
    e && totals.length > 0
      ? { key: 'retrieval-p50', label: 'retrieval p50', value: quantity(percentile(totals, 0.5), 'ms'), note: `embed query + search (${e.kind}), ${totals.length} judged queries after 1 warm-up` }
      : { key: 'retrieval-p50', label: 'retrieval p50', value: null, note: 'Evaluate the judged queries to measure it (one question is one sample, not a p50)' },
  );
  tiles.push(
    e && e.ndcg10 !== null
      ? { key: 'ndcg10', label: 'nDCG@10', value: e.ndcg10.toFixed(3), note: `${totals.length} judged queries, ${e.kind}` }
      : { key: 'ndcg10', label: 'nDCG@10', value: null, note: 'Evaluate a corpus with judgments (the demo or a BEIR dataset) to measure it' },
  );
  const a = i.answer;
  tiles.push(
    a && a.ttftMs !== null
      ? { key: 'ttft', label: 'time to first token', value: quantity(a.ttftMs, 'ms'), note: `the last answer: ${a.promptTokens.toLocaleString('en-US')} prompt tokens, one sample` }
      : { key: 'ttft', label: 'time to first token', value: null, note: 'Load an LLM and ask a question to measure it' },
  );
  tiles.push(
    a && a.decodeTokensPerS !== null
      ? { key: 'decode', label: 'decode', value: quantity(a.decodeTokensPerS, 'tok/s'), note: `the last answer: ${a.generatedTokens} tokens, one sample` }
      : { key: 'decode', label: 'decode', value: null, note: 'Load an LLM and ask a question (2 tokens or more) to measure it' },
  );
  return tiles;
}
