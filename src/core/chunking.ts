/**
 * Chunking: whole documents, or pieces of at most `size` model tokens with `overlap` tokens of
 * context carried over, cut at paragraph boundaries where possible, then sentences, then words,
 * then (for one huge word) characters. A segment is split only when it alone exceeds `size`;
 * the resulting pieces are then packed greedily in order (so a chunk can hold the end of one
 * paragraph and the start of the next too-long one). Deterministic; offsets are UTF-16 offsets
 * into `embeddingText(doc)` and `chunk.text === embeddingText(doc).slice(chunk.start, chunk.end)`.
 * Chunks are trimmed of surrounding whitespace; documents with blank text give no chunk.
 *
 * Token counts come from the caller (the embedder's tokenizer, one worker round trip per call),
 * so segments are counted in batches: one call per batch of documents, plus one more call for
 * each finer level actually needed (sentences over `size` tokens → words → characters).
 * A chunk's `tokens` is the sum of its segments' counts: give a counter that excludes special
 * tokens ([CLS], [SEP]) and pass `maxTokens` = the model's limit minus those.
 */
import { embeddingText, type Doc } from './documents';
import { RagtabError } from './errors';

export type ChunkParams = { mode: 'document' } | { mode: 'tokens'; size: number; overlap: number };

export interface Chunk {
  /** `${docId}#${index}`: stable for the same document, parameters and tokenizer. */
  id: string;
  docId: string;
  /** 0-based position of the chunk in its document. */
  index: number;
  text: string;
  /** UTF-16 offsets into embeddingText(doc). */
  start: number;
  end: number;
  tokens: number;
  /** Document mode: the text has more tokens than the model takes (it is cut when embedded). */
  truncated?: boolean;
}

/** Counts the tokens of each text (same order, same length). */
export type TokenCounter = (texts: string[]) => Promise<ArrayLike<number>>;

export interface ChunkOptions {
  /** The model's input limit in tokens (as counted by the counter). */
  maxTokens: number;
  /** Documents per counter call (default 64). */
  batchDocs?: number;
  signal?: AbortSignal;
  onProgress?: (p: { docs: number; totalDocs: number; chunks: number }) => void;
}

export const MIN_CHUNK_TOKENS = 8;
export const DEFAULT_CHUNK_BATCH_DOCS = 64;

/** Whitespace-separated words as tokens: a deterministic stand-in for a tokenizer, for tests. */
export const whitespaceTokenCounter: TokenCounter = async (texts) =>
  Int32Array.from(texts, (t) => {
    let n = 0;
    for (const m of t.matchAll(/\S+/g)) if (m) n++;
    return n;
  });

function invalid(message: string): RagtabError {
  return new RagtabError('InvalidArgument', message);
}

/** Throws InvalidArgument unless the parameters can be used with a model of `maxTokens`. */
export function validateChunkParams(params: ChunkParams, maxTokens: number): void {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw invalid(`the model's token limit must be a positive integer, got ${maxTokens}`);
  }
  if (params.mode === 'document') return;
  if (params.mode !== 'tokens') {
    throw invalid(`chunking mode must be "document" or "tokens", got "${(params as { mode: unknown }).mode}"`);
  }
  const { size, overlap } = params;
  if (!Number.isInteger(size) || size < MIN_CHUNK_TOKENS) {
    throw invalid(`chunk size must be an integer of at least ${MIN_CHUNK_TOKENS} tokens, got ${size}`);
  }
  if (size > maxTokens) {
    throw invalid(`chunk size ${size} is over the model's limit of ${maxTokens} tokens`);
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw invalid(`chunk overlap must be an integer from 0 to ${size - 1} (less than the size), got ${overlap}`);
  }
}

/** A piece of the text, [start, end), with its trailing whitespace; `kids` partition it. */
interface Seg {
  start: number;
  end: number;
  tokens: number;
  kids?: Seg[];
}

type Splitter = (text: string, start: number, end: number) => number[];

/** Cut points (strictly between start and end) after each separator match, the separator staying
 *  with the piece before it. A match at the very start of a piece is not a cut, so leading
 *  whitespace never forms a piece of its own. */
function cutsAfter(re: RegExp, text: string, start: number, end: number): number[] {
  const cuts: number[] = [];
  let prev = start;
  re.lastIndex = start;
  for (let m = re.exec(text); m && m.index < end; m = re.exec(text)) {
    const cut = Math.min(m.index + m[0].length, end);
    if (m.index > prev && cut > prev && cut < end) {
      cuts.push(cut);
      prev = cut;
    }
  }
  return cuts;
}

const PARAGRAPH_BREAK = /\n[^\S\n]*\n\s*/g;
// A sentence ends at . ! ? … (then closing quotes/brackets) before whitespace, at CJK 。！？, or
// at a single line break.
const SENTENCE_END = /[.!?…]+["'”’)\]»]*\s+|[。！？]+[」』）】”’"']*\s*|\n\s*/g;
const WORD_GAP = /\s+/g;

const splitParagraphs: Splitter = (t, s, e) => cutsAfter(PARAGRAPH_BREAK, t, s, e);
const splitSentences: Splitter = (t, s, e) => cutsAfter(SENTENCE_END, t, s, e);
const splitWords: Splitter = (t, s, e) => cutsAfter(WORD_GAP, t, s, e);

let graphemes: Intl.Segmenter | null | undefined;

/** Grapheme boundaries (code points where Intl.Segmenter is missing): never inside a surrogate
 *  pair. Trailing whitespace stays with the last grapheme. */
const splitChars: Splitter = (t, s, e) => {
  if (graphemes === undefined) {
    graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter('en', { granularity: 'grapheme' }) : null;
  }
  let ce = e;
  while (ce > s && /\s/.test(t[ce - 1]!)) ce--;
  const cuts: number[] = [];
  if (graphemes) {
    for (const g of graphemes.segment(t.slice(s, ce))) if (g.index > 0) cuts.push(s + g.index);
  } else {
    for (let i = s; i < ce; ) {
      i += t.codePointAt(i)! > 0xffff ? 2 : 1;
      if (i < ce) cuts.push(i);
    }
  }
  return cuts;
};

function toSegs(cuts: number[], start: number, end: number): Seg[] {
  const segs: Seg[] = [];
  let prev = start;
  for (const c of cuts) {
    segs.push({ start: prev, end: c, tokens: 0 });
    prev = c;
  }
  segs.push({ start: prev, end, tokens: 0 });
  return segs;
}

async function countInto(segs: Seg[], texts: string[], countTokens: TokenCounter): Promise<void> {
  if (segs.length === 0) return;
  const counts = await countTokens(texts);
  if (!counts || counts.length !== segs.length) {
    throw invalid(`the token counter returned ${counts?.length ?? 'no'} counts for ${segs.length} texts`);
  }
  for (let i = 0; i < segs.length; i++) {
    const n = counts[i]!;
    if (!Number.isFinite(n) || n < 0) throw invalid(`the token counter returned ${n} for a text`);
    segs[i]!.tokens = n;
  }
}

/** The smallest pieces packing will use: segments that fit, else their parts. */
function atoms(seg: Seg, size: number, out: Seg[]): void {
  if (seg.tokens <= size || !seg.kids) out.push(seg);
  else for (const k of seg.kids) atoms(k, size, out);
}

function isSpace(c: string): boolean {
  return /\s/.test(c);
}

/** Greedy packing of atoms into chunks of ≤ size tokens, carrying ≤ overlap tokens over. */
function pack(docId: string, text: string, units: Seg[], size: number, overlap: number): Chunk[] {
  const chunks: Chunk[] = [];
  const emit = (a: number, b: number) => {
    let start = units[a]!.start;
    let end = units[b]!.end;
    while (start < end && isSpace(text[start]!)) start++;
    while (end > start && isSpace(text[end - 1]!)) end--;
    if (start === end) return;
    let tokens = 0;
    for (let k = a; k <= b; k++) tokens += units[k]!.tokens;
    const index = chunks.length;
    chunks.push({ id: `${docId}#${index}`, docId, index, text: text.slice(start, end), start, end, tokens });
  };
  let a = 0; // current chunk = units[a..i-1]
  let tokens = 0;
  let fresh = false; // holds at least one unit not carried from the previous chunk
  for (let i = 0; i < units.length; i++) {
    const t = units[i]!.tokens;
    if (fresh && tokens + t > size) {
      emit(a, i - 1);
      // Carry the trailing units that fit in the overlap, then make room for unit i.
      let c = i;
      let ct = 0;
      while (c > a && ct + units[c - 1]!.tokens <= overlap) ct += units[--c]!.tokens;
      while (c < i && ct + t > size) ct -= units[c++]!.tokens;
      a = c;
      tokens = ct;
    }
    tokens += t;
    fresh = true;
  }
  if (fresh) emit(a, units.length - 1);
  return chunks;
}

/** Splits a batch of documents' texts down to the levels needed and counts every piece. */
async function segmentBatch(texts: string[], size: number, countTokens: TokenCounter): Promise<Seg[][]> {
  type Piece = { seg: Seg; text: string };
  // Level 1 (counted): sentences, grouped in paragraphs (level 0: the sums of their sentences).
  const paragraphs: Seg[][] = [];
  let level: Piece[] = [];
  for (const text of texts) {
    const paras = toSegs(splitParagraphs(text, 0, text.length), 0, text.length);
    for (const p of paras) {
      p.kids = toSegs(splitSentences(text, p.start, p.end), p.start, p.end);
      for (const seg of p.kids) level.push({ seg, text });
    }
    paragraphs.push(paras);
  }
  const slices = (ps: Piece[]) => ps.map(({ seg, text }) => text.slice(seg.start, seg.end));
  await countInto(level.map((x) => x.seg), slices(level), countTokens);
  for (const paras of paragraphs) for (const p of paras) p.tokens = p.kids!.reduce((n, k) => n + k.tokens, 0);

  // Finer levels, only for pieces still over the size: words, then characters.
  for (const split of [splitWords, splitChars]) {
    const big = level.filter((x) => x.seg.tokens > size);
    if (big.length === 0) break;
    level = [];
    const counted: Piece[] = [];
    for (const x of big) {
      const kids = toSegs(split(x.text, x.seg.start, x.seg.end), x.seg.start, x.seg.end);
      if (kids.length === 1) {
        level.push(x); // no cut at this level (one huge word): try the next level
        continue;
      }
      x.seg.kids = kids;
      for (const seg of kids) {
        level.push({ seg, text: x.text });
        counted.push({ seg, text: x.text });
      }
    }
    await countInto(counted.map((x) => x.seg), slices(counted), countTokens);
  }
  return paragraphs;
}

/**
 * Splits documents into chunks. Documents whose embedding text is blank produce no chunk
 * (summarizeChunks counts them). Throws InvalidArgument for bad parameters, duplicate document
 * ids or a counter that answers the wrong number of counts; Cancelled when `signal` aborts.
 */
export async function chunkDocuments(
  docs: readonly Doc[],
  params: ChunkParams,
  countTokens: TokenCounter,
  opts: ChunkOptions,
): Promise<Chunk[]> {
  validateChunkParams(params, opts.maxTokens);
  const batchDocs = opts.batchDocs ?? DEFAULT_CHUNK_BATCH_DOCS;
  if (!Number.isInteger(batchDocs) || batchDocs < 1) throw invalid(`batchDocs must be a positive integer, got ${batchDocs}`);
  const ids = new Set<string>();
  for (const d of docs) {
    if (ids.has(d.id)) throw invalid(`duplicate document id "${d.id}": chunk ids would not be unique`);
    ids.add(d.id);
  }

  const out: Chunk[] = [];
  for (let b = 0; b < docs.length; b += batchDocs) {
    if (opts.signal?.aborted) throw new RagtabError('Cancelled', 'chunking was cancelled');
    const batch = docs.slice(b, b + batchDocs).filter((d) => embeddingText(d).trim() !== '');
    const texts = batch.map(embeddingText);
    if (params.mode === 'document') {
      const counts: Seg[] = texts.map((t) => ({ start: 0, end: t.length, tokens: 0 }));
      await countInto(counts, texts, countTokens);
      batch.forEach((d, i) => {
        const tokens = counts[i]!.tokens;
        const text = texts[i]!;
        out.push({ id: `${d.id}#0`, docId: d.id, index: 0, text, start: 0, end: text.length, tokens, truncated: tokens > opts.maxTokens });
      });
    } else if (batch.length > 0) {
      const segmented = await segmentBatch(texts, params.size, countTokens);
      batch.forEach((d, i) => {
        const units: Seg[] = [];
        for (const p of segmented[i]!) atoms(p, params.size, units);
        for (const c of pack(d.id, texts[i]!, units, params.size, params.overlap)) {
          c.truncated = c.tokens > opts.maxTokens;
          out.push(c);
        }
      });
    }
    opts.onProgress?.({ docs: Math.min(b + batchDocs, docs.length), totalDocs: docs.length, chunks: out.length });
  }
  return out;
}

export interface ChunkSummary {
  docs: number;
  /** Documents with no chunk (blank text). */
  emptyDocs: number;
  chunks: number;
  tokens: number;
  /** Chunks longer than the model takes (document mode). */
  truncated: number;
}

export function summarizeChunks(docs: readonly Pick<Doc, 'id'>[], chunks: readonly Chunk[]): ChunkSummary {
  const withChunks = new Set<string>();
  let tokens = 0;
  let truncated = 0;
  for (const c of chunks) {
    withChunks.add(c.docId);
    tokens += c.tokens;
    if (c.truncated) truncated++;
  }
  let emptyDocs = 0;
  for (const d of docs) if (!withChunks.has(d.id)) emptyDocs++;
  return { docs: docs.length, emptyDocs, chunks: chunks.length, tokens, truncated };
}
