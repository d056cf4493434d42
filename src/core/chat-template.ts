/**
 * A GGUF's chat template (`tokenizer.chat_template`, Jinja) applied in JavaScript with
 * @huggingface/jinja (pure: used by the wllama worker, tested in Node).
 *
 * wllama 3.8.1 has no call that returns the templated prompt, so the worker renders it here, counts
 * it and sends it as a raw prompt: the tokens counted are the tokens sent. Templates usually start
 * with `{{ bos_token }}` while llama.cpp adds BOS itself when the model asks for it: that leading
 * BOS text is removed so the prompt does not carry two.
 */
import { Template } from '@huggingface/jinja';
import { RagtabError, errorInfo } from './errors';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface TemplateTokens {
  /** Text of the BOS / EOS tokens (from the GGUF vocabulary), '' when unknown. */
  bosText: string;
  eosText: string;
  /** Whether the engine adds BOS itself before every prompt. */
  addsBos: boolean;
}

export class ChatTemplate {
  private readonly template: Template;
  constructor(
    readonly source: string,
    private readonly tokens: TemplateTokens,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new RagtabError('InvalidArgument', `The chat template cannot be parsed: ${errorInfo(e).message}`);
    }
  }

  /** The prompt for `messages`, ending with the assistant's turn opened (add_generation_prompt). */
  render(messages: readonly ChatMessage[]): string {
    let text: string;
    try {
      text = this.template.render({
        messages,
        add_generation_prompt: true,
        bos_token: this.tokens.bosText,
        eos_token: this.tokens.eosText,
      });
    } catch (e) {
      throw new RagtabError('InvalidArgument', `The chat template failed: ${errorInfo(e).message}`);
    }
    if (this.tokens.addsBos && this.tokens.bosText && text.startsWith(this.tokens.bosText)) text = text.slice(this.tokens.bosText.length);
    return text;
  }
}
