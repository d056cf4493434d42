/**
 * The RAG prompt (pure): a system instruction, the retrieved chunks numbered for citation, the
 * question; trimmed to the model's context with the model's own token counter.
 *
 * - Budget = context − maxNewTokens − margin. Chunks are dropped whole, lowest-ranked first (a chunk
 *   is never cut, so never cut mid-token); when even the question alone does not fit: PromptTooLong.
 * - The chat template is applied through a callback (the engine's); a model without one (the tiny
 *   test model) gets a plain layout, and the result says which layout was used and why.
 * - Counting is async (it may cross to a worker, and with wllama it runs a one-token completion):
 *   the full prompt is tried first, then a binary search over how many chunks fit, so a prompt of
 *   n chunks costs at most 2 + ⌈log2 n⌉ counts.
 * - With `upperBound` (a proven bound of the tokenizer, src/core/token-bound.ts), a text whose bound
 *   is within the budget fits without being counted; the prompt's exact count then comes from the
 *   engine when it runs the prompt (`tokens` is null here).
 */
import type { RetrievedChunk } from './context';
import { RagtabError, errorInfo, hasCode } from './errors';

/** What the prompt takes of a retrieved chunk. */
export type PromptChunk = Pick<RetrievedChunk, 'id' | 'text'> & { title?: string };

export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type PromptLayout = 'chat-template' | 'plain';

export interface BuildPromptInput {
  /** Default DEFAULT_SYSTEM_PROMPT. */
  system?: string;
  question: string;
  /** Best first. */
  chunks: readonly PromptChunk[];
  contextSize: number;
  maxNewTokens: number;
  /** Tokens kept free besides the answer (template tokens the counter may not see, rounding). Default 8. */
  margin?: number;
  /** Tokens of a complete prompt text as the engine will feed it (BOS included). */
  countTokens: (text: string) => Promise<number>;
  /** The model's chat template applied to messages (with the generation prompt), or null when it has none. */
  applyTemplate?: ((messages: PromptMessage[]) => Promise<string | null>) | null;
  /** The most tokens a text can be (a proven bound), or null: a text within the budget by this bound is not counted. */
  upperBound?: ((text: string) => number) | null;
}

export interface BuiltPrompt {
  /** The text to send as a raw prompt. */
  text: string;
  /** The same content as chat messages. */
  messages: PromptMessage[];
  layout: PromptLayout;
  layoutReason: string;
  /** Tokens of `text` as counted; null when it fitted by `bound` and was not counted. */
  tokens: number | null;
  /** The upper bound of `text`'s tokens when `upperBound` was given, else null. */
  bound: number | null;
  budget: number;
  /** Chunks kept, in rank order; `n` is the citation number shown to the model ([n]). */
  included: Array<{ id: string; n: number }>;
  /** Chunks dropped to fit, in rank order. */
  dropped: Array<{ id: string; rank: number }>;
  /** Calls made to the token counter. */
  counts: number;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You answer questions using only the numbered context passages below. ' +
  'Cite the passages you use as [1], [2] and so on. ' +
  'If the passages do not contain the answer, say that you do not know.';

/** One chunk as the model sees it: `[n] title\ntext`. */
export function formatChunk(chunk: PromptChunk, n: number): string {
  const title = chunk.title?.trim();
  return `[${n}] ${title ? `${title}\n` : ''}${chunk.text.trim()}`;
}

/** The user message: the numbered context, then the question. */
export function userContent(question: string, chunks: readonly PromptChunk[]): string {
  const context = chunks.length ? chunks.map((c, i) => formatChunk(c, i + 1)).join('\n\n') : '(no passages)';
  return `Context:\n${context}\n\nQuestion: ${question.trim()}`;
}

export function messagesFor(system: string, question: string, chunks: readonly PromptChunk[]): PromptMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: userContent(question, chunks) },
  ];
}

/** The layout for models without a chat template. */
export function plainLayout(messages: readonly PromptMessage[]): string {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const rest = messages.filter((m) => m.role !== 'system').map((m) => m.content);
  return [...system, ...rest].join('\n\n') + '\nAnswer:';
}

export async function buildPrompt(input: BuildPromptInput): Promise<BuiltPrompt> {
  const system = input.system ?? DEFAULT_SYSTEM_PROMPT;
  if (!input.question.trim()) throw new RagtabError('EmptyQuery', 'The question is empty.');
  const margin = input.margin ?? 8;
  if (!(input.contextSize > 0) || !(input.maxNewTokens > 0) || margin < 0) {
    throw new RagtabError('InvalidArgument', `Context ${input.contextSize}, maxNewTokens ${input.maxNewTokens} and margin ${margin} must be positive.`);
  }
  const budget = input.contextSize - input.maxNewTokens - margin;
  if (budget <= 0) {
    throw new RagtabError(
      'PromptTooLong',
      `No room for a prompt: the context holds ${input.contextSize} tokens and the answer may take ${input.maxNewTokens} (+${margin} margin).`,
    );
  }

  interface Rendered {
    text: string;
    messages: PromptMessage[];
    layout: PromptLayout;
    layoutReason: string;
  }
  let templateError: string | null = null;
  const render = async (k: number): Promise<Rendered> => {
    const messages = messagesFor(system, input.question, input.chunks.slice(0, k));
    if (input.applyTemplate && templateError === null) {
      try {
        const t = await input.applyTemplate(messages);
        if (t !== null) return { text: t, messages, layout: 'chat-template', layoutReason: "the model's own chat template" };
      } catch (e) {
        templateError = errorInfo(e).message;
      }
    }
    const layoutReason =
      templateError !== null
        ? `the model's chat template failed (${templateError}): plain layout instead`
        : 'the model has no chat template: plain layout (system, context, question, "Answer:")';
    return { text: plainLayout(messages), messages, layout: 'plain', layoutReason };
  };

  let counts = 0;
  type Measured = Rendered & { tokens: number; counted: boolean; bound: number | null };
  const memo = new Map<number, Measured>();
  const measure = async (k: number): Promise<Measured> => {
    const hit = memo.get(k);
    if (hit) return hit;
    const r = await render(k);
    const bound = input.upperBound ? input.upperBound(r.text) : null;
    if (bound !== null && bound <= budget) {
      // fits for certain: `tokens` stands for "within the budget" in the search below
      const m = { ...r, tokens: bound, counted: false, bound };
      memo.set(k, m);
      return m;
    }
    counts++;
    let tokens: number;
    try {
      tokens = await input.countTokens(r.text);
    } catch (e) {
      // A counter that refuses texts longer than the context: that text does not fit.
      if (!hasCode(e, 'PromptTooLong')) throw e;
      tokens = Number.POSITIVE_INFINITY;
    }
    const m = { ...r, tokens, counted: true, bound };
    memo.set(k, m);
    return m;
  };

  const n = input.chunks.length;
  let best = n;
  const full = await measure(n);
  if (full.tokens > budget) {
    const none = await measure(0);
    if (none.tokens > budget) {
      throw new RagtabError(
        'PromptTooLong',
        `The question alone takes ${none.tokens} tokens with the instructions; the budget is ${budget} ` +
          `(context ${input.contextSize} − answer ${input.maxNewTokens} − margin ${margin}).`,
      );
    }
    // Largest k in [0, n) that fits: lo fits, hi does not.
    let lo = 0;
    let hi = n;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((await measure(mid)).tokens <= budget) lo = mid;
      else hi = mid;
    }
    best = lo;
  }
  const chosen = await measure(best);
  return {
    text: chosen.text,
    messages: chosen.messages,
    layout: chosen.layout,
    layoutReason: chosen.layoutReason,
    tokens: chosen.counted ? chosen.tokens : null,
    bound: chosen.bound,
    budget,
    included: input.chunks.slice(0, best).map((c, i) => ({ id: c.id, n: i + 1 })),
    dropped: input.chunks.slice(best).map((c, i) => ({ id: c.id, rank: best + i + 1 })),
    counts,
  };
}

/** Citation numbers ([n]) found in an answer, in order of first appearance, limited to 1..max. */
export function citedNumbers(answer: string, max: number): number[] {
  const seen = new Set<number>();
  for (const m of answer.matchAll(/\[(\d{1,3})\]/g)) {
    const n = Number(m[1]);
    if (n >= 1 && n <= max) seen.add(n);
  }
  return [...seen];
}
