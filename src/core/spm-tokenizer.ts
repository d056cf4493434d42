/**
 * llama.cpp's SentencePiece-style tokenizer (`tokenizer.ggml.model` = "llama", LLAMA_VOCAB_TYPE_SPM)
 * in pure TypeScript, built from a GGUF's own vocabulary. Why: wllama 3.8.1 has no tokenize call,
 * so counting a prompt's tokens there costs a full prompt prefill.
 *
 * A port of llama.cpp's src/llama-vocab.cpp as bundled with node-llama-cpp 3.21.1 (its
 * llama/gitRelease.bundle): vocabulary loading (`llama_vocab::impl::load`: empty tokens renamed,
 * token types to attributes, default special ids, the text-based detection of EOG/FIM tokens that
 * forces the control attribute, the Phi-3 RSTRIP rule, the special-token cache sorted by length),
 * `tokenizer_st_partition` (special tokens found literally in the text), `impl::tokenize` for SPM
 * (a space prefix before every text fragment that starts the text or follows a special token,
 * spaces escaped to U+2581, BOS/EOS) and `llm_tokenizer_spm_session` (bigram merges by score from a
 * priority queue, ties to the leftmost; symbols not in the vocabulary fall back to `<0xXX>` bytes).
 *
 * Known corner cases where this may differ from llama.cpp (none occurs in a vocabulary with at most
 * one candidate per case):
 * - llama.cpp sorts its special-token cache with std::sort (not stable); among special tokens of the
 *   same byte length, this port keeps id order. Only overlapping occurrences of two such tokens can
 *   split differently.
 * - llama.cpp marks as control the first FIM-looking token text (e.g. "<PRE>" / "▁<PRE>") found in
 *   hash-map order when the GGUF has no FIM ids; this port marks every candidate.
 *
 * One file (~490 lines) because it is one port of one llama.cpp file, kept in its order for review against it.
 */
import { RagtabError } from './errors';
import type { GgufHeader, GgufValue } from './gguf';

/** The GGUF arrays this tokenizer needs in full: pass them to parseGguf/validateGguf's `fullArrays`. */
export const SPM_FULL_ARRAYS = ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type'] as const;

/** llama.h's llama_token_attr bits. */
export const TokenAttr = {
  UNDEFINED: 0,
  UNKNOWN: 1 << 0,
  UNUSED: 1 << 1,
  NORMAL: 1 << 2,
  CONTROL: 1 << 3,
  USER_DEFINED: 1 << 4,
  BYTE: 1 << 5,
  NORMALIZED: 1 << 6,
  LSTRIP: 1 << 7,
  RSTRIP: 1 << 8,
  SINGLE_WORD: 1 << 9,
} as const;

/** GGUF `tokenizer.ggml.token_type` (llama_token_type) to attribute, as llama.cpp maps it. */
function attrOfType(t: number): number {
  switch (t) {
    case 1:
      return TokenAttr.NORMAL;
    case 2:
      return TokenAttr.UNKNOWN;
    case 3:
      return TokenAttr.CONTROL;
    case 4:
      return TokenAttr.USER_DEFINED;
    case 5:
      return TokenAttr.UNUSED;
    case 6:
      return TokenAttr.BYTE;
    default:
      return TokenAttr.UNDEFINED;
  }
}

/** The GGUF is not one this tokenizer can reproduce (not SPM, or its vocabulary arrays are missing). */
export class UnsupportedTokenizer extends RagtabError {
  constructor(readonly reason: string) {
    super('InvalidArgument', `No exact tokenizer for this model: ${reason}.`);
  }
}

export interface EncodeOptions {
  /** Add BOS/EOS as the model asks (`add_bos_token`, `add_eos_token`). Default true, as llama.cpp's server does for a prompt. */
  addSpecial?: boolean;
  /** Turn special-token texts (control, user-defined, unknown) found in the text into their ids. Default true. */
  parseSpecial?: boolean;
}

/** Token texts that llama.cpp (llama-vocab.cpp, `load`) forces to control when its id is not in the metadata. */
const EOT_TEXTS = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '[EOT]', '<｜end▁of▁sentence｜>', '<end_of_utterance>'];
const FIM_TEXTS: ReadonlyArray<readonly [keys: readonly string[], texts: readonly string[]]> = [
  [['tokenizer.ggml.eom_token_id'], ['<|eom_id|>']],
  [['tokenizer.ggml.fim_pre_token_id', 'tokenizer.ggml.prefix_token_id'], ['<|fim_prefix|>', '<fim-prefix>', '<fim_prefix>', '<｜fim▁begin｜>', '<PRE>', '▁<PRE>', '<|code_prefix|>', '<|prefix|>']],
  [['tokenizer.ggml.fim_suf_token_id', 'tokenizer.ggml.suffix_token_id'], ['<|fim_suffix|>', '<fim-suffix>', '<fim_suffix>', '<｜fim▁hole｜>', '<SUF>', '▁<SUF>', '<|code_suffix|>', '<|suffix|>']],
  [['tokenizer.ggml.fim_mid_token_id', 'tokenizer.ggml.middle_token_id'], ['<|fim_middle|>', '<fim-middle>', '<fim_middle>', '<｜fim▁end｜>', '<MID>', '▁<MID>', '<|code_middle|>', '<|middle|>']],
  [['tokenizer.ggml.fim_pad_token_id'], ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]']],
  [['tokenizer.ggml.fim_rep_token_id'], ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>']],
  [['tokenizer.ggml.fim_sep_token_id'], ['<|file_sep|>']],
];
const EOG_TEXTS = new Set([
  '<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>', '<|endoftext|>', '</s>',
  '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>', '<eos>', '<turn|>', '<|tool_response>',
  '<｜end▁of▁sentence｜>', '[e~[',
]);

const ESCAPED_SPACE = '\u2581';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** C's isspace() in the "C" locale, on one UTF-16 unit (bytes >= 0x80 are never space there). */
function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

type Fragment = string | number; // raw text, or a special token id

/** A max-heap of candidate merges: higher score first, then the leftmost. */
class BigramQueue {
  private score = new Float64Array(64);
  private left = new Int32Array(64);
  private right = new Int32Array(64);
  private size = new Int32Array(64);
  length = 0;

  clear(): void {
    this.length = 0;
  }
  private before(i: number, j: number): boolean {
    const si = this.score[i]!;
    const sj = this.score[j]!;
    return si > sj || (si === sj && this.left[i]! < this.left[j]!);
  }
  private swap(i: number, j: number): void {
    const s = this.score[i]!;
    this.score[i] = this.score[j]!;
    this.score[j] = s;
    const l = this.left[i]!;
    this.left[i] = this.left[j]!;
    this.left[j] = l;
    const r = this.right[i]!;
    this.right[i] = this.right[j]!;
    this.right[j] = r;
    const z = this.size[i]!;
    this.size[i] = this.size[j]!;
    this.size[j] = z;
  }
  push(score: number, left: number, right: number, size: number): void {
    if (this.length === this.score.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.score = grow(this.score, (n) => new Float64Array(n));
      this.left = grow(this.left, (n) => new Int32Array(n));
      this.right = grow(this.right, (n) => new Int32Array(n));
      this.size = grow(this.size, (n) => new Int32Array(n));
    }
    let i = this.length++;
    this.score[i] = score;
    this.left[i] = left;
    this.right[i] = right;
    this.size[i] = size;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  /** Removes the top; its fields are left at index `length` (read them right after). */
  pop(): number {
    const last = --this.length;
    this.swap(0, last);
    let i = 0;
    const n = last;
    for (;;) {
      const a = 2 * i + 1;
      const b = a + 1;
      let best = i;
      if (a < n && this.before(a, best)) best = a;
      if (b < n && this.before(b, best)) best = b;
      if (best === i) break;
      this.swap(i, best);
      i = best;
    }
    return last;
  }
  topLeft(k: number): number {
    return this.left[k]!;
  }
  topRight(k: number): number {
    return this.right[k]!;
  }
  topSize(k: number): number {
    return this.size[k]!;
  }
}

export class SpmTokenizer {
  /** Token text to id (later duplicates win, as in llama.cpp's token_to_id). */
  private readonly vocab = new Map<string, number>();
  private readonly scores: Float64Array;
  private readonly attrs: Int32Array;
  /** Special tokens searched in the text, longest first. */
  private readonly specials: ReadonlyArray<{ id: number; text: string; attr: number }>;
  /** `<0xXX>` token of each byte (-1 when absent). */
  private readonly byteTokens = new Int32Array(256).fill(-1);
  private readonly queue = new BigramQueue();
  private readonly utf8 = new TextEncoder();

  readonly tokens: readonly string[];
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly unknownId: number | null;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly addSpacePrefix: boolean;

  private constructor(md: Record<string, GgufValue>) {
    const model = md['tokenizer.ggml.model'];
    if (model !== 'llama') throw new UnsupportedTokenizer(`its tokenizer model is ${typeof model === 'string' ? `"${model}"` : 'missing'}, not "llama" (SentencePiece)`);
    const tokens = fullArray(md, 'tokenizer.ggml.tokens');
    if (!tokens || !tokens.every((t) => typeof t === 'string')) throw new UnsupportedTokenizer('the GGUF has no token list');
    const scores = fullArray(md, 'tokenizer.ggml.scores');
    if (!scores || !scores.every((s) => typeof s === 'number')) throw new UnsupportedTokenizer('the GGUF has no token scores');
    if (scores.length < tokens.length) throw new UnsupportedTokenizer(`the GGUF has ${scores.length} scores for ${tokens.length} tokens`);
    const types = fullArray(md, 'tokenizer.ggml.token_type');
    if (types && (!types.every((t) => typeof t === 'number') || types.length < tokens.length)) {
      throw new UnsupportedTokenizer('the GGUF token types do not match its token list');
    }
    const n = tokens.length;
    const texts: string[] = new Array<string>(n);
    this.scores = new Float64Array(n);
    this.attrs = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let word = tokens[i] as string;
      if (word === '') word = `[EMPTY_${i}]`;
      texts[i] = word;
      this.vocab.set(word, i);
      this.scores[i] = scores[i] as number;
      this.attrs[i] = types ? attrOfType(types[i] as number) : TokenAttr.NORMAL;
    }
    this.tokens = texts;

    // Special ids: SPM defaults, overridden by in-range metadata.
    const specialId = (key: string, def: number | null): number | null => {
      let id = def !== null && def >= n ? null : def;
      const v = md[key];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n) id = v;
      return id;
    };
    this.bosId = specialId('tokenizer.ggml.bos_token_id', 1);
    this.eosId = specialId('tokenizer.ggml.eos_token_id', 2);
    this.unknownId = specialId('tokenizer.ggml.unknown_token_id', 0);
    const bool = (key: string, def: boolean): boolean => {
      const v = md[key];
      return typeof v === 'boolean' ? v : def;
    };
    this.addBos = bool('tokenizer.ggml.add_bos_token', true);
    this.addEos = bool('tokenizer.ggml.add_eos_token', false);
    this.addSpacePrefix = bool('tokenizer.ggml.add_space_prefix', true);

    // Text-based detection of EOT/EOM/FIM/EOG tokens: llama.cpp forces them to control.
    const hasKey = (keys: readonly string[]): boolean => keys.some((k) => specialId(k, null) !== null);
    const forceControl = (text: string): void => {
      const id = this.vocab.get(text);
      if (id !== undefined) this.attrs[id]! |= TokenAttr.CONTROL;
    };
    if (!hasKey(['tokenizer.ggml.eot_token_id'])) for (const t of EOT_TEXTS) forceControl(t);
    for (const [keys, list] of FIM_TEXTS) if (!hasKey(keys)) for (const t of list) forceControl(t);
    // Control tokens whose text says "unused" become unused too (no effect on tokenizing).
    for (const [text, id] of this.vocab) {
      if ((this.attrs[id]! & TokenAttr.CONTROL) !== 0 && text.includes('unused')) this.attrs[id]! |= TokenAttr.UNUSED;
    }
    for (const t of EOG_TEXTS) forceControl(t);
    for (const t of ['<|channel|>', '<|message|>', '<|start|>', '<|constrain|>']) {
      const id = this.vocab.get(t);
      if (id !== undefined) this.attrs[id] = TokenAttr.USER_DEFINED;
    }
    // gpt-oss / solar-open: "<|end|>" stops being EOG and becomes user-defined.
    const has = (t: string): boolean => this.vocab.has(t);
    if (has('<|end|>') && ((has('<|return|>') && has('<|call|>')) || (has('<|calls|>') && has('<|flush|>')))) {
      this.attrs[this.vocab.get('<|end|>')!] = TokenAttr.USER_DEFINED;
    }
    if (has('<|tool_response>') && has('</s>')) this.attrs[this.vocab.get('</s>')!] = TokenAttr.NORMAL;

    // The special-token cache: control, user-defined and unknown tokens, longest (in bytes) first.
    const cache: { id: number; text: string; attr: number; bytes: number }[] = [];
    for (let id = 0; id < n; id++) {
      if ((this.attrs[id]! & (TokenAttr.CONTROL | TokenAttr.USER_DEFINED | TokenAttr.UNKNOWN)) !== 0) {
        cache.push({ id, text: texts[id]!, attr: 0, bytes: this.utf8.encode(texts[id]!).length });
      }
    }
    cache.sort((a, b) => b.bytes - a.bytes || a.id - b.id);
    // Attributes by model name (llama.cpp's load(), after building the cache): "<mask>" strips the
    // spaces before it for jina-v2 / nomic-bert-moe; else Phi-3's special tokens strip the spaces
    // after them, except <unk>, <s> and <|endoftext|>.
    const lower = (key: string): string => {
      const v = md[key];
      return typeof v === 'string' ? v.replace(/[A-Z]/g, (c) => c.toLowerCase()) : '';
    };
    const pre = md['tokenizer.ggml.pre'];
    const arch = md['general.architecture'];
    const containsAny = (v: GgufValue | undefined, subs: readonly string[]): boolean => typeof v === 'string' && subs.some((x) => v.includes(x));
    const setAttr = (t: string, bit: number, on: boolean): void => {
      const id = this.vocab.get(t);
      if (id === undefined) throw new UnsupportedTokenizer(`llama.cpp needs "${t}" in this vocabulary`);
      this.attrs[id] = on ? this.attrs[id]! | bit : this.attrs[id]! & ~bit;
    };
    if (containsAny(pre, ['jina-v2-de', 'jina-v2-es', 'jina-v2-code']) || containsAny(arch, ['nomic-bert-moe', 'jina-bert-v3'])) {
      if (this.vocab.has('<mask>')) setAttr('<mask>', TokenAttr.LSTRIP, true);
    } else if (lower('general.name').includes('phi-3') || lower('general.name').includes('phi3')) {
      for (const c of cache) this.attrs[c.id]! |= TokenAttr.RSTRIP;
      setAttr('</s>', TokenAttr.RSTRIP, true);
      for (const t of ['<unk>', '<s>', '<|endoftext|>']) setAttr(t, TokenAttr.RSTRIP, false);
    }
    for (const c of cache) c.attr = this.attrs[c.id]!;
    this.specials = cache.map(({ id, text, attr }) => ({ id, text, attr }));

    for (let b = 0; b < 256; b++) {
      const hex = b.toString(16).toUpperCase().padStart(2, '0');
      const id = this.vocab.get(`<0x${hex}>`) ?? (b < 0x80 ? this.vocab.get(String.fromCharCode(b)) : undefined);
      if (id !== undefined) this.byteTokens[b] = id;
    }
  }

  /**
   * The tokenizer of a GGUF whose `tokenizer.ggml.model` is "llama". Takes a parsed header (or its
   * metadata) read with `fullArrays: SPM_FULL_ARRAYS`; throws UnsupportedTokenizer (code
   * InvalidArgument) for another tokenizer model or a missing/summarised token list or scores.
   */
  static fromGguf(source: GgufHeader | Record<string, GgufValue>): SpmTokenizer {
    return new SpmTokenizer(metadataOf(source));
  }

  /** As fromGguf, but null when the GGUF is not one this tokenizer reproduces. */
  static tryFromGguf(source: GgufHeader | Record<string, GgufValue>): SpmTokenizer | null {
    try {
      return SpmTokenizer.fromGguf(source);
    } catch (e) {
      if (e instanceof UnsupportedTokenizer) return null;
      throw e;
    }
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  /** The attribute bits (TokenAttr) llama.cpp gives a token. */
  tokenAttr(id: number): number {
    return this.attrs[id] ?? TokenAttr.UNDEFINED;
  }

  /** llama.cpp's token ids for `text` (llama_tokenize with add_special and parse_special, by default). */
  encode(text: string, options: EncodeOptions = {}): Int32Array {
    return Int32Array.from(this.encodeToArray(text, options));
  }

  /** The number of tokens `encode(text, options)` gives. */
  count(text: string, options: EncodeOptions = {}): number {
    return this.encodeToArray(text, options).length;
  }

  private encodeToArray(text: string, options: EncodeOptions): number[] {
    const addSpecial = options.addSpecial ?? true;
    const parseSpecial = options.parseSpecial ?? true;
    // What llama.cpp receives is UTF-8: a lone surrogate arrives as U+FFFD.
    const raw = text.replace(LONE_SURROGATE, '\uFFFD');
    const out: number[] = [];
    const fragments: Fragment[] = raw === '' ? [] : this.partition(raw, parseSpecial);
    let prevSpecial = true; // the first fragment gets the space prefix
    if (addSpecial && this.addBos) {
      if (this.bosId === null) throw new UnsupportedTokenizer('the model asks for a BOS token but has none');
      out.push(this.bosId);
    }
    for (const f of fragments) {
      if (typeof f === 'string') {
        const t = (this.addSpacePrefix && prevSpecial ? ' ' : '') + f;
        this.session(t.replaceAll(' ', ESCAPED_SPACE), out);
        prevSpecial = false;
      } else {
        out.push(f);
        prevSpecial = true;
      }
    }
    if (addSpecial && this.addEos) {
      if (this.eosId === null) throw new UnsupportedTokenizer('the model asks for an EOS token but has none');
      out.push(this.eosId);
    }
    return out;
  }

  /** tokenizer_st_partition: split raw text on every special token's text, longest tokens first. */
  private partition(text: string, parseSpecial: boolean): Fragment[] {
    let buffer: Fragment[] = [text];
    for (const sp of this.specials) {
      if (!parseSpecial && (sp.attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) !== 0) continue;
      let next: Fragment[] | null = null;
      for (let k = 0; k < buffer.length; k++) {
        const frag = buffer[k]!;
        let match = typeof frag === 'string' ? frag.indexOf(sp.text) : -1;
        if (match < 0) {
          next?.push(frag);
          continue;
        }
        next ??= buffer.slice(0, k);
        const s = frag as string;
        let from = 0;
        while (match >= 0) {
          let leftEnd = match;
          if (sp.attr & TokenAttr.LSTRIP) while (leftEnd > from && isCSpace(s.charCodeAt(leftEnd - 1))) leftEnd--;
          if (leftEnd > from) next.push(s.slice(from, leftEnd));
          next.push(sp.id);
          from = match + sp.text.length;
          if (sp.attr & TokenAttr.RSTRIP) while (from < s.length && isCSpace(s.charCodeAt(from))) from++;
          match = s.indexOf(sp.text, from);
        }
        if (from < s.length) next.push(s.slice(from));
      }
      if (next) buffer = next;
    }
    return buffer;
  }

  /** llm_tokenizer_spm_session::tokenize on an escaped text fragment. */
  private session(text: string, out: number[]): void {
    // Symbols: one per code point (UTF-16 offsets and lengths).
    const len = text.length;
    const start = new Int32Array(len);
    const n = new Int32Array(len);
    let count = 0;
    for (let i = 0; i < len; ) {
      const c = text.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < len ? 2 : 1;
      start[count] = i;
      n[count] = w;
      count++;
      i += w;
    }
    if (count === 0) return;
    const prev = new Int32Array(count);
    const next = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 === count ? -1 : i + 1;
    }
    const q = this.queue;
    q.clear();
    const tryAdd = (left: number, right: number): void => {
      if (left === -1 || right === -1) return;
      const size = n[left]! + n[right]!;
      const id = this.vocab.get(text.substr(start[left]!, size));
      if (id === undefined) return;
      q.push(this.scores[id]!, left, right, size);
    };
    for (let i = 1; i < count; i++) tryAdd(i - 1, i);
    while (q.length > 0) {
      const k = q.pop();
      const left = q.topLeft(k);
      const right = q.topRight(k);
      const size = q.topSize(k);
      if (n[left] === 0 || n[right] === 0 || n[left]! + n[right]! !== size) continue;
      n[left] = size;
      n[right] = 0;
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryAdd(prev[left]!, left);
      tryAdd(left, next[left]!);
    }
    for (let i = 0; i !== -1; i = next[i]!) {
      const piece = text.substr(start[i]!, n[i]!);
      const id = this.vocab.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const b of this.utf8.encode(piece)) {
        const bt = this.byteTokens[b]!;
        if (bt < 0) throw new UnsupportedTokenizer(`the vocabulary has no token for byte 0x${b.toString(16).padStart(2, '0')}`);
        out.push(bt);
      }
    }
  }
}

function metadataOf(source: GgufHeader | Record<string, GgufValue>): Record<string, GgufValue> {
  const maybe = source as Partial<GgufHeader>;
  return maybe.metadata && typeof maybe.version === 'number' ? maybe.metadata : (source as Record<string, GgufValue>);
}

/** A metadata array read in full; null when absent; throws when it was only summarised. */
function fullArray(md: Record<string, GgufValue>, key: string): GgufValue[] | null {
  const v = md[key];
  if (v === undefined) return null;
  if (Array.isArray(v)) return v as GgufValue[];
  if (typeof v === 'object' && 'kind' in v) {
    throw new UnsupportedTokenizer(`"${key}" was not read in full (parse the GGUF with fullArrays: SPM_FULL_ARRAYS)`);
  }
  throw new UnsupportedTokenizer(`"${key}" is not an array`);
}
