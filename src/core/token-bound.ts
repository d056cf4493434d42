/**
 * A proven upper bound of the number of tokens llama.cpp can make of a text, from the GGUF's
 * tokenizer kind and vocabulary alone, so a prompt that certainly fits the context needs no exact
 * count (with wllama an exact count costs a whole prompt pass: it has no tokenizer call).
 *
 * Why the bounds hold (llama.cpp's tokenizers, llama-vocab.cpp):
 * - "gpt2" (byte-level BPE): the text's UTF-8 bytes map one to one to 256 base symbols; merges only
 *   join symbols; a symbol missing from the vocabulary is emitted byte by byte. So every token
 *   covers at least one byte of the text — provided all 256 base symbols are in the vocabulary
 *   (checked here). A special token written in the text becomes one token for several bytes.
 * - "llama" (SentencePiece-style): spaces become U+2581 (▁) and a space may be put in front;
 *   symbols are characters, merges join them, a character missing from the vocabulary falls back
 *   to one token per UTF-8 byte (or one unknown token). So every token covers at least one byte,
 *   except that a space costs up to 3 tokens when ▁ itself is not in the vocabulary (its three
 *   bytes), and the added prefix space is one more.
 * - BOS and EOS may be added by the engine: 2 more.
 * Other kinds (WordPiece, Unigram, RWKV) normalise the text first (NFKC/NFD can lengthen it): no
 * bound, the prompt is counted exactly.
 */

export interface TokenBound {
  /** Tokens at most = utf8Bytes(text) + perSpace' × spaces + extra, with perSpace' = perSpace − 1. */
  perSpace: 1 | 3;
  extra: number;
  /** Which rule, in words (recorded with the prompt). */
  rule: string;
}

/** GPT-2's bytes_to_unicode: the printable character that stands for each byte in byte-level BPE vocabularies. */
export function byteLevelChars(): string[] {
  const printable = new Set<number>();
  for (let b = 0x21; b <= 0x7e; b++) printable.add(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.add(b);
  for (let b = 0xae; b <= 0xff; b++) printable.add(b);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable.has(b) ? b : 256 + n++));
  return out;
}

/**
 * The bound for a GGUF's tokenizer, or null when none is proven. `tokens` is the full
 * `tokenizer.ggml.tokens` array (null when the header did not keep it).
 */
export function tokenBoundOf(tokenizerModel: string | null, tokens: readonly string[] | null): TokenBound | null {
  if (!tokens || tokens.length === 0) return null;
  const vocab = new Set(tokens);
  if (tokenizerModel === 'gpt2') {
    const missing = byteLevelChars().filter((c) => !vocab.has(c)).length;
    if (missing > 0) return null;
    return { perSpace: 1, extra: 2, rule: 'byte-level BPE: at most one token per UTF-8 byte, + BOS/EOS' };
  }
  if (tokenizerModel === 'llama') {
    const space = vocab.has('\u2581');
    return {
      perSpace: space ? 1 : 3,
      extra: space ? 3 : 5,
      rule: space
        ? 'SentencePiece with ▁ in the vocabulary: at most one token per UTF-8 byte, + prefix space, BOS/EOS'
        : 'SentencePiece without ▁ in the vocabulary: at most one token per UTF-8 byte and 3 per space, + prefix space, BOS/EOS',
    };
  }
  return null;
}

function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** The most tokens `text` can become under `bound`. */
export function tokenUpperBound(bound: TokenBound, text: string): number {
  let spaces = 0;
  if (bound.perSpace > 1) for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x20) spaces++;
  return utf8Bytes(text) + (bound.perSpace - 1) * spaces + bound.extra;
}
