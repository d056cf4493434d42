/**
 * bench:llm's native side: the same GGUF, prompt tokens and threads through node-llama-cpp 3.21.1
 * (llama.cpp on the CPU, in this process), in llama-bench's terms, and a prompt of exactly N tokens.
 */
import type { LlamaModel, Token } from 'node-llama-cpp';

const STORY =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. ' +
  'One day, she saw a big red ball under a tree. She wanted to play with it, so she ran to get it. ' +
  'Her mom said, "Be careful, Lily!" Lily was happy and they played all day until the sun went down. ';
/** The prompt generation runs start from. */
export const TG_PROMPT = 'Once upon a time';

/** A text whose tokens, with BOS, number exactly `n` for this model. */
export function promptOfTokens(model: LlamaModel, n: number): { text: string; tokens: Token[] } {
  const bos = model.tokens.bos;
  const withBos = model.tokens.shouldPrependBosToken && bos !== null;
  const want = withBos ? n - 1 : n;
  let long = STORY;
  while (model.tokenize(long).length < want + 16) long += STORY;
  const all = model.tokenize(long);
  // Cutting between tokens can merge differently when re-tokenized: try cut points around `want`.
  for (let cut = want; cut < all.length; cut++) {
    const text = model.detokenize(all.slice(0, cut));
    const again = model.tokenize(text);
    if (again.length === want) return { text, tokens: withBos ? [bos as Token, ...again] : again };
  }
  throw new Error(`could not make a prompt of exactly ${n} tokens`);
}

export interface NativeRun {
  /** tg: greedy generation (decode + sampling per token); tg-decode: M single-token decodes, no sampling (llama-bench's tg). */
  test: 'pp' | 'tg' | 'tg-decode';
  rep: number;
  warmup: boolean;
  tokensPerS: number;
  ms: number;
}

export interface NativeOptions {
  pp: number;
  tg: number;
  warmups: number;
  reps: number;
  batch: number | null;
  flashAttn: boolean | null;
}

/** Warm-ups and repetitions of pp, tg (greedy) and tg-decode (llama-bench's tg) with `threads` threads. */
export async function runNative(model: LlamaModel, threads: number, o: NativeOptions, ppTokens: Token[], tgTokens: Token[]): Promise<NativeRun[]> {
  const context = await model.createContext({
    contextSize: Math.max(1024, o.pp + o.tg + 64),
    threads,
    batchSize: o.batch ?? Math.max(512, o.pp),
    ...(o.flashAttn !== null ? { flashAttention: o.flashAttn } : {}),
  });
  const runs: NativeRun[] = [];
  try {
    for (const test of ['pp', 'tg', 'tg-decode'] as const) {
      for (let i = 0; i < o.warmups + o.reps; i++) {
        const warmup = i < o.warmups;
        const rep = warmup ? i : i - o.warmups;
        const seq = context.getSequence();
        try {
          if (test === 'tg-decode') {
            // llama-bench's tg: o.tg decodes of one token each (the token does not matter), no sampling.
            const t0 = performance.now();
            for (let k = 0; k < o.tg; k++) await seq.evaluateWithoutGeneratingNewTokens([ppTokens[k % ppTokens.length] as Token]);
            const ms = performance.now() - t0;
            runs.push({ test, rep, warmup, ms, tokensPerS: (o.tg * 1000) / ms });
          } else if (test === 'pp') {
            const t0 = performance.now();
            await seq.evaluateWithoutGeneratingNewTokens(ppTokens);
            const ms = performance.now() - t0;
            runs.push({ test, rep, warmup, ms, tokensPerS: (ppTokens.length * 1000) / ms });
          } else {
            const times: number[] = [];
            for await (const _t of seq.evaluate(tgTokens, { temperature: 0 })) {
              times.push(performance.now());
              if (times.length >= o.tg) break;
            }
            const span = (times[times.length - 1] as number) - (times[0] as number);
            runs.push({ test, rep, warmup, ms: span, tokensPerS: ((times.length - 1) * 1000) / span });
          }
        } finally {
          seq.dispose();
        }
      }
    }
  } finally {
    await context.dispose();
  }
  return runs;
}
