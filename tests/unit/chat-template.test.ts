import { describe, expect, it } from 'vitest';
import { ChatTemplate } from '../../src/core/chat-template';
import { buildPrompt } from '../../src/core/prompt';
import { hasCode } from '../../src/core/errors';

// SmolLM2-360M-Instruct's template (ChatML; tokenizer_config.json on the Hugging Face hub).
const SMOLLM2 =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}" +
  "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

// A Llama-3 style template that starts with the BOS token's text.
const LLAMA3 =
  "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

describe('ChatTemplate', () => {
  it('renders ChatML with the generation prompt', () => {
    const t = new ChatTemplate(SMOLLM2, { bosText: '<|im_start|>', eosText: '<|im_end|>', addsBos: false });
    expect(t.render([{ role: 'system', content: 'S' }, { role: 'user', content: 'Hi' }])).toBe(
      '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    // No system message: the template adds its own.
    expect(t.render([{ role: 'user', content: 'Hi' }])).toMatch(/^<\|im_start\|>system\nYou are a helpful AI assistant named SmolLM/);
  });

  it('drops the leading BOS text when the engine adds BOS itself, keeps it otherwise', () => {
    const messages = [{ role: 'user' as const, content: ' Hello ' }];
    const engineAdds = new ChatTemplate(LLAMA3, { bosText: '<|begin_of_text|>', eosText: '<|eot_id|>', addsBos: true });
    expect(engineAdds.render(messages)).toBe('<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
    const engineDoesNot = new ChatTemplate(LLAMA3, { bosText: '<|begin_of_text|>', eosText: '<|eot_id|>', addsBos: false });
    expect(engineDoesNot.render(messages).startsWith('<|begin_of_text|><|start_header_id|>user')).toBe(true);
  });

  it('a template that cannot be parsed or fails is a named error', () => {
    expect(() => new ChatTemplate('{% for m in messages %}', { bosText: '', eosText: '', addsBos: false })).toThrow(/cannot be parsed/);
    try {
      new ChatTemplate('{% for', { bosText: '', eosText: '', addsBos: false });
    } catch (e) {
      expect(hasCode(e, 'InvalidArgument')).toBe(true);
    }
    const t = new ChatTemplate("{{ raise_exception('no system role') }}", { bosText: '', eosText: '', addsBos: false });
    expect(() => t.render([])).toThrow(/chat template failed/);
  });

  it('drives buildPrompt: the templated prompt is what gets counted', async () => {
    const t = new ChatTemplate(SMOLLM2, { bosText: '<|im_start|>', eosText: '<|im_end|>', addsBos: false });
    const counted: string[] = [];
    const p = await buildPrompt({
      question: 'Who wrote it?',
      chunks: [{ id: 'd1', text: 'It was written by Ann.' }],
      contextSize: 2048,
      maxNewTokens: 128,
      countTokens: async (text) => {
        counted.push(text);
        return Math.ceil(text.length / 4);
      },
      applyTemplate: async (m) => t.render(m),
    });
    expect(p.layout).toBe('chat-template');
    expect(counted).toEqual([p.text]);
    expect(p.text).toContain('<|im_start|>user\nContext:\n[1] It was written by Ann.\n\nQuestion: Who wrote it?<|im_end|>\n<|im_start|>assistant\n');
  });
});
