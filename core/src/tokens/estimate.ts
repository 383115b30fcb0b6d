import type { ChatMessage, ContentPart, CountTokensRequest } from '../contracts/canonical.js';

/**
 * A documented approximation for when no tokenizer is configured: about 4 characters per token for text (the
 * usual figure for English with BPE tokenizers), a flat 85 tokens per image (OpenAI's low-detail cost), and 4
 * tokens of framing per message. Quota (issue #6) replaces this with real tokenizers where it can.
 */
const CHARS_PER_TOKEN = 4;
const PER_MESSAGE = 4;
const PER_IMAGE = 85;

export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function partTokens(part: ContentPart): number {
  if (part.type === 'text' && typeof part['text'] === 'string') return estimateTextTokens(part['text']);
  if (part.type === 'image_url') return PER_IMAGE;
  return estimateTextTokens(JSON.stringify(part));
}

export function estimateMessageTokens(message: ChatMessage): number {
  let tokens = PER_MESSAGE;
  if (typeof message.content === 'string') tokens += estimateTextTokens(message.content);
  else if (message.content) for (const part of message.content) tokens += partTokens(part);
  for (const call of message.tool_calls ?? []) tokens += estimateTextTokens(call.function.name + call.function.arguments);
  return tokens;
}

export function estimateInputTokens(request: Pick<CountTokensRequest, 'messages' | 'tools'>): number {
  let tokens = 0;
  for (const message of request.messages) tokens += estimateMessageTokens(message);
  for (const tool of request.tools ?? []) tokens += estimateTextTokens(JSON.stringify(tool.function));
  return tokens;
}
