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
 *
 * Large inputs (issue 12): nothing here holds the page longer than a slice.
 * - Document mode counts a prefix of a long text (cut before a whitespace, `maxTokens` × 8
 *   characters, grown ×4 while it has too few tokens), never the whole text: a document longer
 *   than the model takes becomes one chunk of that prefix, marked truncated, with `tokens` the
 *   prefix's count (more than `maxTokens`). The model keeps only its first `maxTokens` tokens, and
 *   a prefix cut at whitespace tokenises into a prefix of the whole text's tokens (WordPiece,
 *   byte-level BPE and SentencePiece all start a piece at whitespace), so the vector is the same.
 * - Token mode splits a document of more than LARGE_DOC_CHARS characters region by region
 *   (REGION_CHARS each, cut at a paragraph break), counts each region's pieces, packs them into
 *   chunks as they come and gives the event loop a turn between regions. The chunks are the same
 *   as in one pass, except where a paragraph is longer than a region: such a paragraph (or
 *   sentence, or word) is taken apart at the next level down without first counting it whole (it
 *   has far more than `size` tokens unless it is nearly all whitespace), and a word longer than a
 *   region is cut into pieces of `size` code points before the characters are counted.
 *
 * One file (~560 lines) because it is one algorithm: its levels share the packing and the offsets.
 */
import { embeddingText, type Doc } from './documents';
import { RagtabError } from './errors';
import { slicer } from './yield';

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
  /**
   * After each batch of documents, and within a large document after each region (then with the
   * characters of it done so far).
   */
  onProgress?: (p: { docs: number; totalDocs: number; chunks: number; chars?: number; totalChars?: number }) => void;
  /** Token mode: documents longer than this are chunked region by region (default LARGE_DOC_CHARS; for tests). */
  largeDocChars?: number;
  /** Characters per region of a large document (default REGION_CHARS; for tests). */
  regionChars?: number;
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

/**
 * Greedy packing of atoms into chunks of ≤ size tokens, carrying ≤ overlap tokens over; atoms are
 * pushed in order, and only the units of the chunk being filled are kept.
 */
class Packer {
  readonly chunks: Chunk[] = [];
  private units: Seg[] = [];
  /** Current chunk = units[a..]. */
  private a = 0;
  private tokens = 0;
  /** Holds at least one unit not carried from the previous chunk. */
  private fresh = false;

  constructor(
    private readonly docId: string,
    private readonly text: string,
    private readonly size: number,
    private readonly overlap: number,
  ) {}

  private emit(a: number, b: number): void {
    const { units, text } = this;
    let start = units[a]!.start;
    let end = units[b]!.end;
    while (start < end && isSpace(text[start]!)) start++;
    while (end > start && isSpace(text[end - 1]!)) end--;
    if (start === end) return;
    let tokens = 0;
    for (let k = a; k <= b; k++) tokens += units[k]!.tokens;
    const index = this.chunks.length;
    this.chunks.push({ id: `${this.docId}#${index}`, docId: this.docId, index, text: text.slice(start, end), start, end, tokens });
  }

  push(unit: Seg): void {
    const { units, size, overlap } = this;
    const t = unit.tokens;
    const i = units.length;
    if (this.fresh && this.tokens + t > size) {
      this.emit(this.a, i - 1);
      // Carry the trailing units that fit in the overlap, then make room for unit i.
      let c = i;
      let ct = 0;
      while (c > this.a && ct + units[c - 1]!.tokens <= overlap) ct += units[--c]!.tokens;
      while (c < i && ct + t > size) ct -= units[c++]!.tokens;
      this.a = c;
      this.tokens = ct;
    }
    units.push(unit);
    this.tokens += t;
    this.fresh = true;
    if (this.a > 4096) {
      this.units = units.slice(this.a);
      this.a = 0;
    }
  }

  finish(): Chunk[] {
    if (this.fresh) this.emit(this.a, this.units.length - 1);
    this.fresh = false;
    return this.chunks;
  }
}

/** A range of a text to segment, starting at a level: 0 paragraphs, 1 sentences, 2 words, 3 fixed pieces. */
interface Range {
  text: string;
  start: number;
  end: number;
  level: 0 | 1 | 2 | 3;
  /** Level 3: code points per piece. */
  piece?: number;
}

/** `n` code points at a time (never inside a surrogate pair). */
function splitPieces(t: string, s: number, e: number, n: number): number[] {
  const cuts: number[] = [];
  let k = 0;
  for (let i = s; i < e; ) {
    i += t.codePointAt(i)! > 0xffff ? 2 : 1;
    if (++k === n && i < e) {
      cuts.push(i);
      k = 0;
    }
  }
  return cuts;
}

/**
 * Splits ranges down to the levels needed and counts every piece: the top segments of each range
 * (paragraphs, with their sentences as kids; or sentences, words or pieces), each split further
 * (words, then characters) where it has more than `size` tokens.
 */
async function segmentRanges(ranges: Range[], size: number, countTokens: TokenCounter): Promise<Seg[][]> {
  type Piece = { seg: Seg; text: string };
  const tops: Seg[][] = [];
  let level: Piece[] = [];
  for (const r of ranges) {
    const { text, start, end } = r;
    if (r.level === 0) {
      // Level 1 (counted): sentences, grouped in paragraphs (level 0: the sums of their sentences).
      const paras = toSegs(splitParagraphs(text, start, end), start, end);
      for (const p of paras) {
        p.kids = toSegs(splitSentences(text, p.start, p.end), p.start, p.end);
        for (const seg of p.kids) level.push({ seg, text });
      }
      tops.push(paras);
    } else {
      const cuts = r.level === 1 ? splitSentences(text, start, end) : r.level === 2 ? splitWords(text, start, end) : splitPieces(text, start, end, r.piece ?? 1);
      const segs = toSegs(cuts, start, end);
      for (const seg of segs) level.push({ seg, text });
      tops.push(segs);
    }
  }
  const slices = (ps: Piece[]) => ps.map(({ seg, text }) => text.slice(seg.start, seg.end));
  await countInto(level.map((x) => x.seg), slices(level), countTokens);
  ranges.forEach((r, i) => {
    if (r.level === 0) for (const p of tops[i]!) p.tokens = p.kids!.reduce((n, k) => n + k.tokens, 0);
  });

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
  return tops;
}

/** Splits a batch of documents' whole texts (see segmentRanges): their paragraphs. */
function segmentBatch(texts: string[], size: number, countTokens: TokenCounter): Promise<Seg[][]> {
  return segmentRanges(texts.map((text) => ({ text, start: 0, end: text.length, level: 0 })), size, countTokens);
}

/** Documents longer than this (UTF-16 code units) are chunked region by region. */
export const LARGE_DOC_CHARS = 1 << 20;
/** Characters of a large document segmented and counted at a time. */
export const REGION_CHARS = 1 << 16;
/** How far past a region's end a separator is looked for (a longer whitespace run may be cut differently). */
const REGION_MARGIN = 4096;

const LEVEL_SPLIT: ReadonlyArray<Splitter> = [splitParagraphs, splitSentences, splitWords];

/**
 * The ranges of `text[start, end)` at `level`, each at most `region` characters of whole units
 * (paragraphs, sentences, words), in order; a unit longer than `region` is taken apart at the next
 * level (a word into pieces). Gives the event loop a turn between ranges.
 */
async function* regionsOf(text: string, start: number, end: number, level: 0 | 1 | 2, region: number, size: number, opts: Pick<ChunkOptions, 'signal'>, breathe: () => Promise<void> | null): AsyncGenerator<Range> {
  const split = LEVEL_SPLIT[level]!;
  let p = start;
  while (p < end) {
    if (opts.signal?.aborted) throw new RagtabError('Cancelled', 'chunking was cancelled');
    const pause = breathe();
    if (pause) await pause;
    const lim = Math.min(end, p + region);
    if (lim === end) {
      yield { text, start: p, end, level };
      return;
    }
    const cuts = split(text, p, Math.min(end, lim + REGION_MARGIN)).filter((c) => c <= lim);
    if (cuts.length > 0) {
      const c = cuts[cuts.length - 1]!;
      yield { text, start: p, end: c, level };
      p = c;
      continue;
    }
    // One unit longer than a region: find where it ends, then take it apart one level down.
    let q = end;
    for (let from = lim; from < end; ) {
      const pause2 = breathe();
      if (pause2) await pause2;
      const to = Math.min(end, from + region + REGION_MARGIN);
      const next = split(text, Math.max(p, from - REGION_MARGIN), to).find((c) => c > from - REGION_MARGIN && c > p);
      if (next !== undefined) {
        q = next;
        break;
      }
      from = to;
    }
    if (level < 2) yield* regionsOf(text, p, q, (level + 1) as 1 | 2, region, size, opts, breathe);
    else {
      // A word longer than a region: pieces of `size` code points, a region's worth at a time.
      for (let a = p; a < q; ) {
        const pause3 = breathe();
        if (pause3) await pause3;
        let b = Math.min(q, a + region);
        if (b < q && /[\uDC00-\uDFFF]/.test(text[b]!)) b++;
        yield { text, start: a, end: b, level: 3, piece: size };
        a = b;
      }
    }
    p = q;
  }
}

/** Token-mode chunks of one large document, region by region (see the file's comment). */
async function chunkLargeDoc(docId: string, text: string, params: { size: number; overlap: number }, countTokens: TokenCounter, opts: ChunkOptions & { regionChars?: number }, onChars: (done: number) => void): Promise<Chunk[]> {
  const { size } = params;
  const packer = new Packer(docId, text, size, params.overlap);
  const breathe = slicer();
  for await (const range of regionsOf(text, 0, text.length, 0, opts.regionChars ?? REGION_CHARS, size, opts, breathe)) {
    const [tops] = await segmentRanges([range], size, countTokens);
    const units: Seg[] = [];
    for (const seg of tops!) atoms(seg, size, units);
    for (const u of units) packer.push(u);
    onChars(range.end);
  }
  return packer.finish();
}

/** Characters of a long text first given to the counter in document mode, per token of the model's limit. */
export const DOC_PREFIX_CHARS_PER_TOKEN = 8;

/** A document's embedding text, read without building it: `title + ' ' + text` can be hundreds of MB. */
interface DocText {
  length: number;
  at(i: number): string;
  slice(end: number): string;
}

function docText(d: Pick<Doc, 'title' | 'text'>): DocText {
  const head = d.title ? d.title + ' ' : '';
  return {
    length: head.length + d.text.length,
    at: (i) => (i < head.length ? head[i]! : d.text[i - head.length]!),
    slice: (end) => (end <= head.length ? head.slice(0, end) : head + d.text.slice(0, end - head.length)),
  };
}

/** The end of a prefix of about `n` characters, cut before a whitespace (or at `n`, never inside a surrogate pair). */
function prefixEnd(t: DocText, n: number): number {
  if (n >= t.length) return t.length;
  for (let i = n; i > n / 2; i--) if (isSpace(t.at(i))) return i;
  return /[\uDC00-\uDFFF]/.test(t.at(n)) ? n + 1 : n;
}

/**
 * Document mode: each text's token count, or the count of a prefix with more than `maxTokens`
 * tokens (then `end` < its length). Only prefixes are built and counted.
 */
async function documentCounts(docs: ReadonlyArray<Pick<Doc, 'title' | 'text'>>, maxTokens: number, countTokens: TokenCounter): Promise<Array<{ end: number; tokens: number; text: string }>> {
  const texts = docs.map(docText);
  const out = texts.map((t) => {
    const end = prefixEnd(t, maxTokens * DOC_PREFIX_CHARS_PER_TOKEN);
    return { end, tokens: 0, text: t.slice(end) };
  });
  let todo = out.map((_, i) => i);
  while (todo.length > 0) {
    const segs: Seg[] = todo.map((i) => ({ start: 0, end: out[i]!.end, tokens: 0 }));
    await countInto(segs, todo.map((i) => out[i]!.text), countTokens);
    todo.forEach((i, k) => (out[i]!.tokens = segs[k]!.tokens));
    // A prefix with too few tokens (long words, much whitespace) grows until it has enough or is whole.
    todo = todo.filter((i) => out[i]!.end < texts[i]!.length && out[i]!.tokens <= maxTokens);
    for (const i of todo) {
      out[i]!.end = prefixEnd(texts[i]!, out[i]!.end * 4);
      out[i]!.text = texts[i]!.slice(out[i]!.end);
    }
  }
  return out;
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
  const large = opts.largeDocChars ?? LARGE_DOC_CHARS;
  for (let b = 0; b < docs.length; b += batchDocs) {
    if (opts.signal?.aborted) throw new RagtabError('Cancelled', 'chunking was cancelled');
    // Blank documents give no chunk (tested without building title + ' ' + text).
    const batch = docs.slice(b, b + batchDocs).filter((d) => /\S/.test(d.title) || /\S/.test(d.text));
    const done = Math.min(b + batchDocs, docs.length);
    if (params.mode === 'document') {
      const counts = await documentCounts(batch, opts.maxTokens, countTokens);
      batch.forEach((d, i) => {
        const { end, tokens, text } = counts[i]!;
        out.push({ id: `${d.id}#0`, docId: d.id, index: 0, text, start: 0, end, tokens, truncated: tokens > opts.maxTokens });
      });
    } else if (batch.length > 0) {
      const texts = batch.map(embeddingText);
      // Ordinary documents in one pass; a large one region by region, in its place.
      const small = batch.map((_, i) => i).filter((i) => texts[i]!.length <= large);
      const segmented = await segmentBatch(small.map((i) => texts[i]!), params.size, countTokens);
      const bySmall = new Map(small.map((i, k) => [i, segmented[k]!] as const));
      for (let i = 0; i < batch.length; i++) {
        const d = batch[i]!;
        const paras = bySmall.get(i);
        let chunks: Chunk[];
        if (paras) {
          const packer = new Packer(d.id, texts[i]!, params.size, params.overlap);
          const units: Seg[] = [];
          for (const p of paras) atoms(p, params.size, units);
          for (const u of units) packer.push(u);
          chunks = packer.finish();
        } else {
          const total = texts[i]!.length;
          chunks = await chunkLargeDoc(d.id, texts[i]!, params, countTokens, opts, (chars) =>
            opts.onProgress?.({ docs: b + i, totalDocs: docs.length, chunks: out.length, chars, totalChars: total }),
          );
        }
        for (const c of chunks) {
          c.truncated = c.tokens > opts.maxTokens;
          out.push(c);
        }
      }
    }
    opts.onProgress?.({ docs: done, totalDocs: docs.length, chunks: out.length });
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
