import type { ChatChunk, ChatDelta, CompletionChunk, ToolCallDelta, Usage } from '../../contracts/canonical.js';
import { applyExtra, collectExtra } from '../extras.js';
import { OPENAI_FORMAT } from './request.js';
import { decodeFinish } from './response.js';
import { encodeUsage } from './usage.js';
import { decodeReasoningDelta, encodeReasoningDelta } from './reasoning.js';

type Wire = Record<string, unknown>;

const CHUNK_KNOWN = new Set(['id', 'object', 'created', 'model', 'choices', 'usage']);
const CHOICE_KNOWN = new Set(['index', 'delta', 'finish_reason', 'text']);
const DELTA_KNOWN = new Set(['role', 'content', 'reasoning_content', 'reasoning_details', 'tool_calls']);

// ---- wire → canonical (adapters) ----

function decodeDelta(wire: Wire): ChatDelta {
  const delta: ChatDelta = {};
  if (wire['role'] === 'assistant') delta.role = 'assistant';
  if (typeof wire['content'] === 'string') delta.content = wire['content'];
  decodeReasoningDelta(wire, delta);
  if (Array.isArray(wire['tool_calls'])) delta.toolCalls = wire['tool_calls'] as ToolCallDelta[];
  const extra = collectExtra(wire, DELTA_KNOWN, OPENAI_FORMAT);
  if (extra) delta.extra = extra;
  return delta;
}

/** One `chat.completion.chunk` → canonical; a usage-only chunk (choices: []) yields no chunk but its usage. */
export function decodeChatChunk(wire: Wire): { chunk?: ChatChunk; usage?: unknown } {
  const choices = (wire['choices'] ?? []) as Wire[];
  const result: { chunk?: ChatChunk; usage?: unknown } = {};
  if (wire['usage']) result.usage = wire['usage'];
  if (choices.length === 0) return result;
  const chunk: ChatChunk = {
    operation: 'chat',
    id: String(wire['id'] ?? ''),
    created: Number(wire['created'] ?? 0),
    model: String(wire['model'] ?? ''),
    choices: choices.map((c, i) => {
      const choice: ChatChunk['choices'][number] = {
        index: typeof c['index'] === 'number' ? c['index'] : i,
        delta: decodeDelta((c['delta'] ?? {}) as Wire),
        finishReason: decodeFinish(c['finish_reason']),
      };
      const extra = collectExtra(c, CHOICE_KNOWN, OPENAI_FORMAT);
      if (extra) choice.extra = extra;
      return choice;
    }),
  };
  const extra = collectExtra(wire, CHUNK_KNOWN, OPENAI_FORMAT);
  if (extra) chunk.extra = extra;
  result.chunk = chunk;
  return result;
}

export function decodeCompletionChunk(wire: Wire): { chunk?: CompletionChunk; usage?: unknown } {
  const choices = (wire['choices'] ?? []) as Wire[];
  const result: { chunk?: CompletionChunk; usage?: unknown } = {};
  if (wire['usage']) result.usage = wire['usage'];
  if (choices.length === 0) return result;
  const chunk: CompletionChunk = {
    operation: 'completions',
    id: String(wire['id'] ?? ''),
    created: Number(wire['created'] ?? 0),
    model: String(wire['model'] ?? ''),
    choices: choices.map((c, i) => ({ index: typeof c['index'] === 'number' ? c['index'] : i, text: String(c['text'] ?? ''), finishReason: decodeFinish(c['finish_reason']) })),
  };
  const extra = collectExtra(wire, CHUNK_KNOWN, OPENAI_FORMAT);
  if (extra) chunk.extra = extra;
  result.chunk = chunk;
  return result;
}

// ---- canonical → wire (the OpenAI surface) ----

function encodeDelta(delta: ChatDelta): Wire {
  const wire: Wire = {};
  if (delta.role) wire['role'] = delta.role;
  if (delta.content !== undefined) wire['content'] = delta.content;
  encodeReasoningDelta(wire, delta);
  if (delta.toolCalls) wire['tool_calls'] = delta.toolCalls;
  applyExtra(wire, delta.extra, OPENAI_FORMAT);
  return wire;
}

/** `withUsageField`: the client asked for include_usage, so every chunk carries `usage: null` as OpenAI does. */
export function encodeChatChunk(chunk: ChatChunk, withUsageField: boolean): Wire {
  const wire: Wire = {
    id: chunk.id,
    object: 'chat.completion.chunk',
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((c) => {
      const choice: Wire = { index: c.index, delta: encodeDelta(c.delta), finish_reason: c.finishReason };
      applyExtra(choice, c.extra, OPENAI_FORMAT);
      return choice;
    }),
  };
  if (withUsageField) wire['usage'] = null;
  applyExtra(wire, chunk.extra, OPENAI_FORMAT);
  return wire;
}

export function encodeCompletionChunk(chunk: CompletionChunk, withUsageField: boolean): Wire {
  const wire: Wire = {
    id: chunk.id,
    object: 'text_completion',
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((c) => ({ index: c.index, text: c.text, logprobs: null, finish_reason: c.finishReason })),
  };
  if (withUsageField) wire['usage'] = null;
  applyExtra(wire, chunk.extra, OPENAI_FORMAT);
  return wire;
}

/** The final usage chunk OpenAI sends when stream_options.include_usage is set. */
export function encodeUsageChunk(template: { id: string; created: number; model: string; object: string }, usage: Usage): Wire {
  return { id: template.id, object: template.object, created: template.created, model: template.model, choices: [], usage: encodeUsage(usage) };
}
