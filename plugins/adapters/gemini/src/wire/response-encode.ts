// Canonical chat response → Gemini GenerateContentResponse (the surface's direction).
import type { ChatChoice, ChatMessage, ChatResponse, FinishReason, Usage, VendorExtra } from '@sluice/core';
import { applyExtra, geminiFields } from './extras.js';
import { argsObject, writeModelParts } from './parts.js';
import { encodeUsage } from './usage.js';
import type { GeminiPart, Wire } from './types.js';

const FINISH: Record<FinishReason, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP',
  content_filter: 'SAFETY',
  error: 'OTHER',
};

/** Gemini's own reason when a Gemini upstream gave one (RECITATION stays RECITATION), else the mapped one. */
export function encodeFinish(finish: FinishReason | null, extra: VendorExtra | undefined): string | undefined {
  const original = geminiFields(extra)['finishReason'];
  if (typeof original === 'string' && finish !== null) return original;
  return finish === null ? undefined : FINISH[finish];
}

export function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => (part.type === 'text' && typeof part['text'] === 'string' ? part['text'] : '')).join('');
}

/** Arguments that are not a JSON object (a model's malformed output) are kept as a string under "arguments". */
export const callArgs = (text: string): Wire => argsObject(text) ?? { arguments: text };

/** Parts of kinds canonical messages cannot hold, relayed from a Gemini upstream (code execution, images, ...). */
export function relayedParts(extra: VendorExtra | undefined): GeminiPart[] {
  const parts = geminiFields(extra)['parts'];
  return Array.isArray(parts) ? (parts as GeminiPart[]) : [];
}

function encodeCandidate(choice: ChatChoice): Wire {
  const message = choice.message;
  const parts = writeModelParts({
    reasoning: message.reasoning,
    text: textOf(message.content),
    calls: (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, args: callArgs(call.function.arguments) })),
  });
  parts.push(...relayedParts(message.extra));
  const candidate: Wire = { content: { parts: parts.length > 0 ? parts : [{ text: '' }], role: 'model' } };
  const finishReason = encodeFinish(choice.finishReason, choice.extra);
  if (finishReason !== undefined) candidate['finishReason'] = finishReason;
  candidate['index'] = choice.index;
  applyExtra(candidate, geminiFields(choice.extra));
  return candidate;
}

export function encodeGenerateContentResponse(response: ChatResponse, usage: Usage): Wire {
  const wire: Wire = {
    candidates: response.choices.map(encodeCandidate),
    usageMetadata: encodeUsage(usage),
    modelVersion: response.model,
    responseId: response.id,
  };
  applyExtra(wire, geminiFields(response.extra));
  return wire;
}
