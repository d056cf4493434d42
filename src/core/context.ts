/**
 * The "format context" stage: retrieved chunks as numbered sources for citation, within a
 * character budget (the token-budgeted prompt comes with the generation stage).
 */
import type { Chunk } from './chunking';
import { RagtabError } from './errors';

/** A chunk a search returned: its rank, cosine score, text and source document. */
export interface RetrievedChunk {
  rank: number;
  id: string;
  docId: string;
  title: string;
  text: string;
  start: number;
  end: number;
  score: number;
}

/** The hits as the format-context stage reads them. */
export function contextHits(hits: readonly RetrievedChunk[]): ContextHit[] {
  return hits.map((h) => ({ rank: h.rank, chunk: { id: h.id, docId: h.docId, text: h.text }, title: h.title, score: h.score }));
}

export interface ContextHit {
  rank: number;
  chunk: Pick<Chunk, 'id' | 'docId' | 'text'>;
  title?: string;
  score: number;
}

export interface FormattedContext {
  text: string;
  /** Chunks included (numbered 1..used). */
  used: number;
  /** Chunks left out for the budget. */
  dropped: number;
  /** The only chunk included was cut to fit. */
  truncated: boolean;
  /** What each number cites, in order. */
  citations: Array<{ n: number; chunkId: string; docId: string }>;
}

export const CONTEXT_SEPARATOR = '\n\n';
const ELLIPSIS = '…';

/** `[n] title (doc id)` or `[n] doc id` when there is no title. */
export function sourceHeader(n: number, docId: string, title?: string): string {
  const t = title?.trim();
  return t ? `[${n}] ${t} (${docId})` : `[${n}] ${docId}`;
}

/** Cuts `s` to at most `max` UTF-16 units, at the last whitespace if there is one, never
 *  inside a surrogate pair. */
export function cutAtWord(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let cut = s.slice(0, max);
  const ws = Math.max(cut.lastIndexOf(' '), cut.lastIndexOf('\n'), cut.lastIndexOf('\t'));
  // The character after the cut starts a word: cutting right there is a word boundary too.
  if (/\s/.test(s[max]!)) return cut.trimEnd();
  if (ws > 0) return cut.slice(0, ws).trimEnd();
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * Numbers the hits `[1]`, `[2]`... in rank order, each as `[n] title (doc id)\ntext`, separated
 * by blank lines, keeping the result within `budgetChars` UTF-16 units: lowest-ranked chunks
 * are dropped whole first; when even the first does not fit, it is cut at a word boundary and
 * ends with "…" (`truncated`).
 */
export function formatContext(hits: readonly ContextHit[], budgetChars: number): FormattedContext {
  if (!(budgetChars >= 0) || !Number.isFinite(budgetChars)) {
    throw new RagtabError('InvalidArgument', `context budget must be a non-negative number of characters, got ${budgetChars}`);
  }
  const budget = Math.floor(budgetChars);
  const ordered = [...hits].sort((a, b) => a.rank - b.rank);
  const blocks: string[] = [];
  const citations: FormattedContext['citations'] = [];
  let length = 0;
  for (const hit of ordered) {
    const n = blocks.length + 1;
    const block = `${sourceHeader(n, hit.chunk.docId, hit.title)}\n${hit.chunk.text}`;
    const extra = (blocks.length > 0 ? CONTEXT_SEPARATOR.length : 0) + block.length;
    if (length + extra > budget) break;
    blocks.push(block);
    citations.push({ n, chunkId: hit.chunk.id, docId: hit.chunk.docId });
    length += extra;
  }
  if (blocks.length > 0 || ordered.length === 0) {
    return {
      text: blocks.join(CONTEXT_SEPARATOR),
      used: blocks.length,
      dropped: ordered.length - blocks.length,
      truncated: false,
      citations,
    };
  }
  // Not even the best chunk fits: cut it.
  const best = ordered[0]!;
  const header = sourceHeader(1, best.chunk.docId, best.title);
  const room = budget - header.length - 1 - ELLIPSIS.length;
  if (room <= 0) {
    return { text: '', used: 0, dropped: ordered.length, truncated: false, citations: [] };
  }
  const body = cutAtWord(best.chunk.text, room);
  return {
    text: `${header}\n${body}${ELLIPSIS}`,
    used: 1,
    dropped: ordered.length - 1,
    truncated: true,
    citations: [{ n: 1, chunkId: best.chunk.id, docId: best.chunk.docId }],
  };
}
