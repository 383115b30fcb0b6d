import type { ChatMessage, ChatResponse, ContentPart, ReasoningBlock, ToolCall, Usage } from '@sluice/core';
import { decodeBlock, encodePart } from './content.js';
import { anthropicFields, collectExtra, isRecord, withAnthropicFields, type Wire } from './extras.js';
import { decodeStopReason, encodeStopReason } from './stop.js';
import { decodeUsage, encodeUsage } from './usage.js';
import type { EncodeContext } from './conversation.js';

// ---- Anthropic message → canonical (the adapter) ----

const MESSAGE_KNOWN = new Set(['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage']);

/** Thinking blocks as canonical reasoning (signatures kept, so the next turn can send them back). */
export function reasoningOf(block: Wire): ReasoningBlock | undefined {
  if (block['type'] === 'thinking') {
    const r: ReasoningBlock = { text: String(block['thinking'] ?? '') };
    if (typeof block['signature'] === 'string' && block['signature'] !== '') r.signature = block['signature'];
    return r;
  }
  if (block['type'] === 'redacted_thinking') return { redacted: String(block['data'] ?? '') };
  return undefined;
}

/**
 * Anthropic Message → canonical response + usage. Blocks the canonical message cannot hold (server tool results,
 * citations) are kept as content parts when the client speaks Anthropic too, and reported as dropped otherwise.
 */
export function decodeResponse(wire: Wire, ctx: EncodeContext): { response: ChatResponse; usage: Usage } {
  const reasoning: ReasoningBlock[] = [];
  const calls: ToolCall[] = [];
  const parts: ContentPart[] = [];
  const texts: string[] = [];
  let rich = false;
  const blocks = Array.isArray(wire['content']) ? wire['content'].filter(isRecord) : [];
  blocks.forEach((block, i) => {
    const thought = reasoningOf(block);
    if (thought) return void reasoning.push(thought);
    if (block['type'] === 'tool_use') {
      calls.push({ id: String(block['id'] ?? ''), type: 'function', function: { name: String(block['name'] ?? ''), arguments: JSON.stringify(block['input'] ?? {}) } });
      return;
    }
    if (block['type'] === 'text') {
      texts.push(String(block['text'] ?? ''));
      parts.push(decodeBlock(block));
      if (Array.isArray(block['citations']) && block['citations'].length > 0) {
        rich = true;
        if (!ctx.sameFormat) ctx.drop(`content[${i}].citations`, 'citations have no equivalent in the client format');
      }
      return;
    }
    rich = true;
    if (ctx.sameFormat) parts.push(decodeBlock(block));
    else ctx.drop(`content[${i}]`, `'${String(block['type'])}' blocks have no equivalent in the client format`);
  });
  const message: ChatMessage = { role: 'assistant', content: rich && ctx.sameFormat ? parts : texts.length > 0 ? texts.join('') : null };
  if (reasoning.length > 0) message.reasoning = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  const response: ChatResponse = {
    operation: 'chat',
    id: String(wire['id'] ?? ''),
    created: Math.floor(Date.now() / 1000),
    model: String(wire['model'] ?? ''),
    choices: [{ index: 0, message, finishReason: decodeStopReason(wire['stop_reason']) }],
  };
  const extra = collectExtra(wire, MESSAGE_KNOWN);
  if (extra) response.extra = extra;
  // The exact stop reason and sequence, and usage details, for an Anthropic client.
  const exact: Wire = {};
  if (typeof wire['stop_reason'] === 'string') exact['stop_reason'] = wire['stop_reason'];
  if (typeof wire['stop_sequence'] === 'string') exact['stop_sequence'] = wire['stop_sequence'];
  if (isRecord(wire['usage'])) exact['usage'] = wire['usage'];
  withAnthropicFields(response, exact);
  return { response, usage: decodeUsage(wire['usage']) };
}

// ---- canonical → Anthropic message (the surface) ----

export function encodeReasoning(block: ReasoningBlock): Wire {
  if (block.redacted !== undefined) return { type: 'redacted_thinking', data: block.redacted };
  return { type: 'thinking', thinking: block.text ?? '', signature: block.signature ?? '' };
}

/** Tool-call arguments as the input object Anthropic clients expect; undefined when they are not a JSON object. */
export function parseInput(args: string): Wire | undefined {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function encodeContent(message: ChatMessage, report: (field: string, reason: string) => void): Wire[] {
  const blocks: Wire[] = (message.reasoning ?? []).map(encodeReasoning);
  if (typeof message.content === 'string') {
    if (message.content !== '') blocks.push({ type: 'text', text: message.content });
  } else if (message.content) {
    message.content.forEach((part, j) => {
      const result = encodePart(part, true);
      if ('block' in result) blocks.push(result.block);
      else report(`content[${j}]`, result.unsupported);
    });
  }
  message.tool_calls?.forEach((call, k) => {
    const input = parseInput(call.function.arguments);
    if (!input) report(`tool_calls[${k}].function.arguments`, 'not a JSON object; sent as {}');
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: input ?? {} });
  });
  return blocks;
}

export const messageId = (id: string): string => (id.startsWith('msg_') ? id : `msg_${id}`);

export function encodeResponse(
  response: ChatResponse,
  usage: Usage,
  fallback: { id: string; model: string },
  report: (field: string, reason: string) => void,
): Wire {
  const choice = response.choices[0];
  const exact = anthropicFields(response.extra);
  const originalUsage = isRecord(exact['usage']) ? exact['usage'] : {};
  const wire: Wire = {
    id: messageId(response.id || fallback.id),
    type: 'message',
    role: 'assistant',
    model: response.model || fallback.model,
    content: choice ? encodeContent(choice.message, report) : [],
    stop_reason: typeof exact['stop_reason'] === 'string' ? exact['stop_reason'] : encodeStopReason(choice?.finishReason ?? null, exact['stop_sequence']),
    stop_sequence: typeof exact['stop_sequence'] === 'string' ? exact['stop_sequence'] : null,
    usage: { ...originalUsage, ...encodeUsage(usage) },
  };
  for (const key in exact) if (!(key in wire)) wire[key] = exact[key];
  return wire;
}
