import { describe, expect, it } from 'vitest';
import { DEFAULT_SYSTEM_PROMPT, buildPrompt, citedNumbers, formatChunk, plainLayout, type PromptMessage, type PromptChunk } from '../../src/core/prompt';
import { hasCode } from '../../src/core/errors';

/** A stand-in tokenizer: one token per whitespace-separated word, plus BOS. */
const wordCounter = async (text: string): Promise<number> => 1 + text.split(/\s+/).filter(Boolean).length;

function chunk(i: number, words: number): PromptChunk {
  return { id: `c${i}`, title: `Doc ${i}`, text: Array.from({ length: words }, (_, w) => `w${i}_${w}`).join(' ') };
}

describe('buildPrompt', () => {
  it('everything fits: all chunks, numbered in rank order, plain layout without a template', async () => {
    const chunks = [chunk(1, 5), chunk(2, 5)];
    const p = await buildPrompt({ question: 'What is w1_0?', chunks, contextSize: 2048, maxNewTokens: 64, countTokens: wordCounter });
    expect(p.layout).toBe('plain');
    expect(p.layoutReason).toMatch(/no chat template/);
    expect(p.included).toEqual([{ id: 'c1', n: 1 }, { id: 'c2', n: 2 }]);
    expect(p.dropped).toEqual([]);
    expect(p.text.startsWith(DEFAULT_SYSTEM_PROMPT)).toBe(true);
    expect(p.text).toContain('[1] Doc 1\nw1_0 w1_1');
    expect(p.text).toContain('[2] Doc 2\n');
    expect(p.text.endsWith('Question: What is w1_0?\nAnswer:')).toBe(true);
    expect(p.tokens).toBe(await wordCounter(p.text));
    expect(p.budget).toBe(2048 - 64 - 8);
    expect(p.counts).toBe(1);
  });

  it('drops the lowest-ranked chunks first, whole, until the prompt fits', async () => {
    const chunks = Array.from({ length: 10 }, (_, i) => chunk(i + 1, 50));
    const p = await buildPrompt({ question: 'q?', chunks, contextSize: 400, maxNewTokens: 100, margin: 10, countTokens: wordCounter });
    // Each chunk costs 53 words ("[n]", "Doc", "n" + 50), the frame 40 (BOS, the instructions,
    // "Context:", "Question:", "q?", "Answer:"): 40 + 4 × 53 = 252 ≤ 290 (400 − 100 − 10) < 305.
    expect(p.budget).toBe(290);
    expect(p.tokens).toBe(252);
    expect(p.included.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(p.dropped).toEqual([5, 6, 7, 8, 9, 10].map((i) => ({ id: `c${i}`, rank: i })));
    // The largest prefix that fits: adding the next chunk would not.
    const withNext = await buildPrompt({ question: 'q?', chunks: chunks.slice(0, 5), contextSize: 100000, maxNewTokens: 100, countTokens: wordCounter });
    expect(withNext.tokens).toBe(305);
    // Included chunks are whole; dropped ones absent entirely.
    for (const c of chunks.slice(0, 4)) expect(p.text).toContain(c.text);
    for (const c of chunks.slice(4)) expect(p.text).not.toContain(`w${c.id.slice(1)}_0 `);
    // Full try + question alone + binary search: at most 2 + ceil(log2 10) = 6 counts.
    expect(p.counts).toBeLessThanOrEqual(6);
  });

  it('with a proven upper bound: a prompt within the budget by its bound is not counted; the search counts only where the bound cannot decide', async () => {
    const chunks = Array.from({ length: 10 }, (_, i) => chunk(i + 1, 50));
    // bound = characters (every word-token above has at least one character): far above the word count
    const upperBound = (t: string) => t.length;
    let calls = 0;
    const counting = async (t: string) => {
      calls++;
      return wordCounter(t);
    };
    const roomy = await buildPrompt({ question: 'q?', chunks, contextSize: 100000, maxNewTokens: 100, countTokens: counting, upperBound });
    expect(roomy.included).toHaveLength(10);
    expect(roomy.tokens).toBeNull();
    expect(roomy.bound).toBe(roomy.text.length);
    expect(roomy.counts).toBe(0);
    expect(calls).toBe(0);
    // Tight: the same chunks kept as with exact counting (the bound only skips counts), and the chosen prompt counted.
    const tight = await buildPrompt({ question: 'q?', chunks, contextSize: 400, maxNewTokens: 100, margin: 10, countTokens: counting, upperBound });
    expect(tight.included.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(tight.tokens).toBe(252);
    // The question-only prompt (under 290 characters) was decided by the bound: one count fewer than counting all.
    const exact = await buildPrompt({ question: 'q?', chunks, contextSize: 400, maxNewTokens: 100, margin: 10, countTokens: counting });
    expect(exact.included).toEqual(tight.included);
    expect(tight.counts).toBe(exact.counts - 1);
  });

  it('the question alone too long: PromptTooLong', async () => {
    const question = Array.from({ length: 300 }, () => 'why').join(' ');
    const err = await buildPrompt({ question, chunks: [chunk(1, 5)], contextSize: 256, maxNewTokens: 32, countTokens: wordCounter }).catch((e) => e);
    expect(hasCode(err, 'PromptTooLong')).toBe(true);
    expect(String(err.message)).toMatch(/question alone takes \d+ tokens/);
  });

  it('no room at all: PromptTooLong before counting', async () => {
    let calls = 0;
    const err = await buildPrompt({
      question: 'q',
      chunks: [],
      contextSize: 64,
      maxNewTokens: 64,
      countTokens: async (t) => { calls++; return wordCounter(t); },
    }).catch((e) => e);
    expect(hasCode(err, 'PromptTooLong')).toBe(true);
    expect(calls).toBe(0);
  });

  it('applies the chat template through the callback and says so', async () => {
    const seen: PromptMessage[][] = [];
    const template = async (m: PromptMessage[]) => {
      seen.push(m);
      return m.map((x) => `<|${x.role}|>\n${x.content}<|end|>\n`).join('') + '<|assistant|>\n';
    };
    const p = await buildPrompt({ question: 'q?', chunks: [chunk(1, 3)], contextSize: 512, maxNewTokens: 32, countTokens: wordCounter, applyTemplate: template });
    expect(p.layout).toBe('chat-template');
    expect(p.text.startsWith('<|system|>\n' + DEFAULT_SYSTEM_PROMPT)).toBe(true);
    expect(p.text.endsWith('<|assistant|>\n')).toBe(true);
    expect(seen[0]?.map((m) => m.role)).toEqual(['system', 'user']);
    expect(p.messages[1]?.content).toBe('Context:\n[1] Doc 1\nw1_0 w1_1 w1_2\n\nQuestion: q?');
  });

  it('a template that returns null or throws: plain layout, with the reason', async () => {
    const none = await buildPrompt({ question: 'q?', chunks: [], contextSize: 512, maxNewTokens: 32, countTokens: wordCounter, applyTemplate: async () => null });
    expect(none.layout).toBe('plain');
    expect(none.text).toContain('Context:\n(no passages)');
    const broken = await buildPrompt({
      question: 'q?',
      chunks: [chunk(1, 3)],
      contextSize: 512,
      maxNewTokens: 32,
      countTokens: wordCounter,
      applyTemplate: async () => {
        throw new Error('unknown filter "tojson"');
      },
    });
    expect(broken.layout).toBe('plain');
    expect(broken.layoutReason).toMatch(/chat template failed \(unknown filter "tojson"\)/);
  });

  it('a counter that refuses texts over the context (PromptTooLong) means "does not fit"', async () => {
    const chunks = Array.from({ length: 6 }, (_, i) => chunk(i + 1, 40));
    const strict = async (text: string) => {
      const n = await wordCounter(text);
      if (n > 200) throw Object.assign(new Error(`request (${n} tokens) exceeds the available context size`), { name: 'PromptTooLong' });
      return n;
    };
    const p = await buildPrompt({ question: 'q?', chunks, contextSize: 256, maxNewTokens: 32, countTokens: strict });
    expect(p.included.map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    expect(p.tokens).toBeLessThanOrEqual(p.budget);
    const err = await buildPrompt({ question: 'q?', chunks, contextSize: 256, maxNewTokens: 32, countTokens: async () => { throw new Error('boom'); } }).catch((e) => e);
    expect(err.message).toBe('boom');
  });

  it('an empty question is refused', async () => {
    const err = await buildPrompt({ question: '  ', chunks: [], contextSize: 512, maxNewTokens: 32, countTokens: wordCounter }).catch((e) => e);
    expect(hasCode(err, 'EmptyQuery')).toBe(true);
  });
});

describe('helpers', () => {
  it('formatChunk, plainLayout, citedNumbers', () => {
    expect(formatChunk({ id: 'x', text: ' body ' }, 3)).toBe('[3] body');
    expect(plainLayout([{ role: 'user', content: 'U' }, { role: 'system', content: 'S' }])).toBe('S\n\nU\nAnswer:');
    expect(citedNumbers('As [2] and [1] say, and [2] again; not [9] or [0].', 3)).toEqual([2, 1]);
  });
});
