// Gemini GenerateContentResponse → canonical chat response (the adapter's direction).
import { randomBytes } from 'node:crypto';
import type { ChatChoice, ChatMessage, ChatResponse, FinishReason, Usage } from '@sluice/core';
import { collectExtra } from './extras.js';
import { readModelParts, SYNTHETIC_ID_PREFIX } from './parts.js';
import { decodeUsage } from './usage.js';
import { GEMINI_FORMAT, isRecord, type GeminiCandidate, type GeminiPart, type GeminiResponse } from './types.js';

const FINISH: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  TOO_MANY_TOOL_CALLS: 'error',
};

/** Gemini says STOP after function calls too; OpenAI-style clients wait for tool_calls. Unknown reasons → stop. */
export function decodeFinish(reason: unknown, hasCalls: boolean): FinishReason | null {
  if (typeof reason !== 'string' || reason === '') return null;
  const finish = FINISH[reason] ?? 'stop';
  return finish === 'stop' && hasCalls ? 'tool_calls' : finish;
}

/** Why Gemini produced nothing for safety reasons (the prompt or every candidate blocked), if it did. */
export function blockedReason(wire: GeminiResponse): string | undefined {
  const candidates = Array.isArray(wire.candidates) ? wire.candidates : [];
  const blockReason = wire.promptFeedback?.blockReason;
  if (candidates.length === 0) return typeof blockReason === 'string' ? `the prompt was blocked by Gemini (${blockReason})` : undefined;
  const empty = (c: GeminiCandidate): boolean => !Array.isArray(c.content?.parts) || c.content.parts.length === 0;
  const filtered = candidates.every((c) => empty(c) && decodeFinish(c.finishReason, false) === 'content_filter');
  return filtered ? `the response was blocked by Gemini (${String(candidates[0]?.finishReason)})` : undefined;
}

/** Ids for calls Gemini sent without one: stable for one response (derived from its responseId). */
export function callIdBase(responseId: unknown): string {
  const id = typeof responseId === 'string' && /^[\w-]{1,64}$/.test(responseId) ? responseId : randomBytes(6).toString('hex');
  return `${SYNTHETIC_ID_PREFIX}${id}_`;
}

export interface DecodeHooks {
  /** Parts canonical messages cannot hold: kept for a Gemini client, reported as dropped for any other. */
  keepOther: boolean;
  drop(field: string, reason: string): void;
}

const CANDIDATE_KNOWN = new Set(['content', 'index']);
const RESPONSE_KNOWN = new Set(['candidates', 'usageMetadata', 'modelVersion', 'responseId']);

function decodeCandidate(candidate: GeminiCandidate, position: number, idBase: string, hooks: DecodeHooks): ChatChoice {
  const index = typeof candidate.index === 'number' ? candidate.index : position;
  const parts = Array.isArray(candidate.content?.parts) ? candidate.content.parts : [];
  const turn = readModelParts(parts, (_call, k) => `${idBase}${index}_${k}`);
  const message: ChatMessage = { role: 'assistant', content: turn.text };
  if (turn.toolCalls.length > 0) message.tool_calls = turn.toolCalls;
  if (turn.reasoning.length > 0) message.reasoning = turn.reasoning;
  if (turn.other.length > 0) keepOrDrop(turn.other, message, `choices[${position}].message`, hooks);
  // The original finishReason rides along (as extra), so a Gemini client sees RECITATION rather than SAFETY.
  const choice: ChatChoice = { index, message, finishReason: decodeFinish(candidate.finishReason, turn.toolCalls.length > 0) };
  const extra = collectExtra(candidate, CANDIDATE_KNOWN);
  if (extra) choice.extra = extra;
  return choice;
}

function keepOrDrop(other: GeminiPart[], message: ChatMessage, path: string, hooks: DecodeHooks): void {
  if (hooks.keepOther) message.extra = { format: GEMINI_FORMAT, fields: { parts: other } };
  else for (const part of other) hooks.drop(`${path}.${Object.keys(part).find((k) => k !== 'thoughtSignature') ?? 'part'}`, 'no equivalent outside Gemini');
}

export function decodeChatResponse(wire: GeminiResponse, fallbackModel: string, hooks: DecodeHooks): { response: ChatResponse; usage: Usage } {
  const idBase = callIdBase(wire.responseId);
  const candidates = Array.isArray(wire.candidates) ? wire.candidates.filter(isRecord) : [];
  const response: ChatResponse = {
    operation: 'chat',
    id: typeof wire.responseId === 'string' ? wire.responseId : `gemini-${randomBytes(8).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof wire.modelVersion === 'string' ? wire.modelVersion : fallbackModel,
    choices: candidates.map((c, i) => decodeCandidate(c, i, idBase, hooks)),
  };
  const extra = collectExtra(wire, RESPONSE_KNOWN);
  if (extra) response.extra = extra;
  return { response, usage: decodeUsage(wire.usageMetadata) };
}
