/**
 * One generation on the loaded wllama engine, and the engine's state shared with the API
 * (../llm-wllama.worker.ts): greedy decoding with a fixed seed, no prompt cache reuse between
 * requests (every request pays its full prefill, so TTFT figures are honest), tokens streamed to
 * the page one by one or batched, or the whole completion looped inside wllama's own worker
 * (`delivery: 'engine-loop'`, ./inner-worker.ts); interrupt through wllama's AbortSignal (the
 * request's slot is released, the engine stays usable).
 */
import { WllamaAbortError, type Wllama, type RawCompletionChunk } from '@wllama/wllama/esm/index.js';
import type { EngineLoopTimes, LlmGenerateResult, LlmInfo, LlmTokenBatchEvent, LlmTokenEvent, TokenCandidate, WllamaTimings } from '../api';
import { RagtabError, errorInfo } from '../../src/core/errors';
import type { ChatTemplate } from '../../src/core/chat-template';
import type { SpmTokenizer } from '../../src/core/spm-tokenizer';
import type { GgufHeader } from '../../src/core/gguf';
import { runEngineLoop } from './inner-worker';

export interface Loaded {
  wllama: Wllama;
  info: LlmInfo;
  header: GgufHeader;
  seed: number;
  template: ChatTemplate | null;
  /** llama.cpp's SentencePiece tokenizer in TypeScript, from the GGUF (null for other tokenizer kinds). */
  tokenizer: SpmTokenizer | null;
}

/** The worker's engine: what is loaded, whether it broke, the running request, and counts. */
export const engine = {
  loaded: null as Loaded | null,
  broken: null as string | null,
  current: null as AbortController | null,
  generations: 0,
  generatedTokensTotal: 0,
};

export interface RunOptions {
  /** Text only: wllama 3.8.1's glue rejects token-id prompts (and breaks the instance). */
  prompt: string;
  maxNewTokens: number;
  seed: number;
  ignoreEos: boolean;
  tokenIds: boolean;
  /** > 0: each token's most probable candidates too (n_probs). */
  topCandidates?: number;
  /** 'stream': wllama's createCompletion (one message to its worker per token); 'engine-loop': see ./inner-worker.ts. */
  delivery: 'stream' | 'engine-loop';
  /** > 0: token events to the page at most every this many ms, as batches (the first token goes at once). */
  tokenBatchMs: number;
  onToken?: (e: LlmTokenEvent | LlmTokenBatchEvent) => void;
}

/** Sends token events to the page one by one, batched every `batchMs` (the first at once), or (Infinity) all at the end. */
class TokenSender {
  private pending: LlmTokenEvent[] = [];
  private lastFlush = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  messages = 0;
  constructor(
    private readonly onToken: ((e: LlmTokenEvent | LlmTokenBatchEvent) => void) | undefined,
    private readonly batchMs: number,
  ) {}
  push(ev: LlmTokenEvent): void {
    if (!this.onToken) return;
    if (this.batchMs <= 0) {
      this.messages++;
      this.onToken(ev);
      return;
    }
    this.pending.push(ev);
    if (!Number.isFinite(this.batchMs)) return; // the engine loop: one message at the end
    if (performance.now() - this.lastFlush >= this.batchMs) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.batchMs);
  }
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (!this.onToken || this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.lastFlush = performance.now();
    this.messages++;
    if (events.length === 1) this.onToken(events[0] as LlmTokenEvent);
    else this.onToken({ kind: 'tokens', events });
  }
}

export async function run(l: Loaded, o: RunOptions): Promise<LlmGenerateResult> {
  const ac = new AbortController();
  engine.current = ac;
  const tStart = performance.now();
  let text = '';
  const ids: number[] = [];
  const tops: TokenCandidate[][] = [];
  let streamed = 0;
  let tFirst: number | null = null;
  let tLast: number | null = null;
  let timings: WllamaTimings | null = null;
  let promptTokens = 0;
  let completionTokens = 0;
  let finish: LlmGenerateResult['finishReason'] = 'stop';
  let engineLoop: EngineLoopTimes | null = null;
  const sender = new TokenSender(o.onToken, o.delivery === 'engine-loop' ? Infinity : o.tokenBatchMs);
  /** One streamed chunk that reached this worker (or, in the engine loop, the inner worker) at `t`. */
  const onChunk = (chunk: RawCompletionChunk, t: number): void => {
    const c = chunk as RawCompletionChunk & { timings?: WllamaTimings };
    if (c.timings) timings = c.timings;
    if (c.usage) {
      promptTokens = c.usage.prompt_tokens;
      completionTokens = c.usage.completion_tokens;
    }
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.finish_reason) finish = choice.finish_reason === 'length' ? 'length' : 'stop';
    const id = tokenIdOf(choice);
    // A token is one chunk with text or a token id; the final chunk carries neither.
    if (choice.finish_reason && !choice.text && id === null) return;
    if (id === null && !choice.text) return;
    if (id !== null) ids.push(id);
    if (o.topCandidates) tops.push(topOf(choice));
    text += choice.text ?? '';
    if (tFirst === null) tFirst = t;
    tLast = t;
    const ev: LlmTokenEvent = { kind: 'token', index: streamed, id, text: choice.text ?? '', t };
    streamed++;
    sender.push(ev);
  };
  const body = {
    prompt: o.prompt,
    max_tokens: o.maxNewTokens,
    temperature: 0,
    seed: o.seed,
    n_probs: Math.max(o.topCandidates ?? 0, o.tokenIds ? 1 : 0),
    ignore_eos: o.ignoreEos,
    cache_prompt: false,
    stream: true,
  };
  try {
    if (o.delivery === 'engine-loop') {
      engineLoop = await runEngineLoop(l.wllama, body, onChunk);
    } else {
      await l.wllama.createCompletion({
        ...body,
        abortSignal: ac.signal,
        onData: (chunk: RawCompletionChunk) => onChunk(chunk, performance.now()),
      } as Parameters<Wllama['createCompletion']>[0] & { cache_prompt: boolean; stream: true; onData: (c: RawCompletionChunk) => void });
    }
  } catch (e) {
    if (e instanceof WllamaAbortError || ac.signal.aborted) {
      finish = 'interrupted';
    } else {
      const info = errorInfo(e);
      if (/kv.?cache|context/i.test(info.message)) {
        throw new RagtabError('PromptTooLong', `The prompt and answer do not fit the context of ${l.info.contextSize} tokens: ${info.message}`);
      }
      engine.broken = info.message;
      throw new RagtabError('GenerationFailed', `Generation failed: ${info.message}`);
    }
  } finally {
    if (engine.current === ac) engine.current = null;
    sender.flush();
  }
  const tm = timings as WllamaTimings | null;
  if (tm) {
    promptTokens = promptTokens || tm.prompt_n + tm.cache_n;
    completionTokens = completionTokens || tm.predicted_n;
  }
  engine.generations++;
  engine.generatedTokensTotal += completionTokens || streamed;
  return {
    text,
    tokenIds: o.tokenIds ? ids : null,
    tokenTop: o.topCandidates ? tops : null,
    promptTokens,
    generatedTokens: completionTokens || (finish === 'interrupted' ? streamed : 0),
    streamedTokens: streamed,
    tokenMessages: sender.messages,
    finishReason: finish,
    engineReport: tm && finish !== 'interrupted' ? { engine: 'wllama', timings: tm } : null,
    delivery: o.delivery,
    engineLoop,
    tStart,
    tFirstToken: tFirst,
    tLastToken: tLast,
    timeOrigin: performance.timeOrigin,
    workerMs: performance.now() - tStart,
  };
}

/** The token id of a streamed choice, from its single probability entry (n_probs: 1). */
function tokenIdOf(choice: RawCompletionChunk['choices'][number]): number | null {
  const lp = (choice as { logprobs?: unknown }).logprobs as { content?: Array<{ id?: number }> } | null | undefined;
  const id = lp?.content?.[0]?.id;
  return typeof id === 'number' ? id : null;
}

/** The candidates llama.cpp reported for a streamed token (n_probs > 1: `top_logprobs`, best first). */
function topOf(choice: RawCompletionChunk['choices'][number]): TokenCandidate[] {
  const lp = (choice as { logprobs?: unknown }).logprobs as { content?: Array<{ top_logprobs?: Array<{ id?: number; logprob?: number }> }> } | null | undefined;
  return (lp?.content?.[0]?.top_logprobs ?? [])
    .filter((c) => typeof c.id === 'number' && typeof c.logprob === 'number')
    .map((c) => ({ id: c.id as number, logprob: c.logprob as number }));
}
