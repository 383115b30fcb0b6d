import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import {
  estimateInputTokens,
  estimateTextTokens,
  type CanonicalChunk,
  type CanonicalRequest,
  type CanonicalResponse,
  type ChatMessage,
  type ContentPart,
} from '@sluice/core';
import { firstMatch } from './globs.js';

export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'approx';
type Count = (text: string) => number;

const COUNTERS: Record<TokenizerName, Count> = { o200k_base: o200k, cl100k_base: cl100k, approx: estimateTextTokens };

/** OpenAI's own families; everything else gets core's documented approximation (≈ 4 characters per token). */
export function defaultTokenizer(model: string): TokenizerName {
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt-|gpt-oss|codex-)/.test(model)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5|text-embedding-|davinci|babbage)/.test(model)) return 'cl100k_base';
  return 'approx';
}

// OpenAI's documented chat framing: 3 tokens per message, 1 per name, 3 to prime the reply.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
const PER_IMAGE = 85;

export class TokenCounter {
  readonly #override: (model: string) => TokenizerName | undefined;

  constructor(overrides: Readonly<Record<string, TokenizerName>>) {
    this.#override = firstMatch(overrides);
  }

  tokenizer(model: string): TokenizerName {
    return this.#override(model) ?? defaultTokenizer(model);
  }

  text(model: string, text: string): number {
    if (text.length === 0) return 0;
    return COUNTERS[this.tokenizer(model)](text);
  }

  /** Prompt tokens of a request, before the call. */
  input(request: CanonicalRequest): number {
    const model = request.model;
    switch (request.operation) {
      case 'chat':
      case 'count_tokens': {
        if (this.tokenizer(model) === 'approx') return estimateInputTokens(request);
        let n = REPLY_PRIMING;
        for (const message of request.messages) n += this.#message(model, message);
        for (const tool of request.tools ?? []) n += this.text(model, JSON.stringify(tool.function));
        return n;
      }
      case 'completions':
        return (Array.isArray(request.prompt) ? request.prompt : [request.prompt]).reduce((n, p) => n + this.text(model, p), 0);
      case 'embeddings': {
        const input = request.input;
        if (typeof input === 'string') return this.text(model, input);
        let n = 0;
        // Arrays of numbers are already token ids.
        for (const item of input) n += typeof item === 'string' ? this.text(model, item) : Array.isArray(item) ? item.length : 1;
        return n;
      }
      default:
        return 0;
    }
  }

  #message(model: string, message: ChatMessage): number {
    let n = PER_MESSAGE + (message.name ? 1 + this.text(model, message.name) : 0);
    if (typeof message.content === 'string') n += this.text(model, message.content);
    else for (const part of message.content ?? []) n += this.#part(model, part);
    for (const call of message.tool_calls ?? []) n += this.text(model, call.function.name) + this.text(model, call.function.arguments);
    for (const block of message.reasoning ?? []) n += this.text(model, block.text ?? '');
    return n;
  }

  #part(model: string, part: ContentPart): number {
    if (part.type === 'text' && typeof part['text'] === 'string') return this.text(model, part['text']);
    if (part.type === 'image_url') return PER_IMAGE;
    return this.text(model, JSON.stringify(part));
  }
}

/** Collects the generated text of a response or stream, so output can be counted when the upstream reports none. */
export class OutputText {
  #parts: string[] = [];

  chunk(chunk: CanonicalChunk): void {
    for (const choice of chunk.choices) {
      if ('text' in choice) {
        if (choice.text) this.#parts.push(choice.text);
        continue;
      }
      const d = choice.delta;
      if (d.content) this.#parts.push(d.content);
      if (d.reasoning) this.#parts.push(d.reasoning);
      for (const call of d.toolCalls ?? []) this.#parts.push((call.function?.name ?? '') + (call.function?.arguments ?? ''));
    }
  }

  response(response: CanonicalResponse): void {
    if (response.operation === 'completions') for (const c of response.choices) this.#parts.push(c.text);
    if (response.operation !== 'chat') return;
    for (const choice of response.choices) {
      const m = choice.message;
      if (typeof m.content === 'string') this.#parts.push(m.content);
      else for (const part of m.content ?? []) if (part.type === 'text' && typeof part['text'] === 'string') this.#parts.push(part['text']);
      for (const call of m.tool_calls ?? []) this.#parts.push(call.function.name + call.function.arguments);
      for (const block of m.reasoning ?? []) if (block.text) this.#parts.push(block.text);
    }
  }

  get empty(): boolean {
    return this.#parts.length === 0;
  }

  text(): string {
    return this.#parts.join('');
  }
}
