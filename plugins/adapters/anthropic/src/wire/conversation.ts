import type { ChatMessage, ContentPart, ReasoningBlock } from '@sluice/core';
import { encodePart } from './content.js';
import { anthropicFields, ANTHROPIC_FORMAT, isRecord, type Wire } from './extras.js';

/** What encoding needs from the adapter: whether the client speaks Anthropic, and where to report losses. */
export interface EncodeContext {
  readonly sameFormat: boolean;
  drop(field: string, reason: string): void;
}

/**
 * Canonical messages → Anthropic `system` + `messages`. System and developer messages become the top-level system
 * prompt; consecutive tool results (and a user message right after them) become one user turn of tool_result
 * blocks; assistant reasoning becomes thinking / redacted_thinking blocks ahead of the text and tool_use blocks.
 */
export function encodeConversation(messages: readonly ChatMessage[], ctx: EncodeContext): { system?: string | Wire[]; messages: Wire[] } {
  const system: Wire[] = [];
  const turns: Wire[] = [];
  // The user turn that tool results are being gathered into; closed by anything but another tool result.
  let toolTurn: Wire[] | undefined;
  messages.forEach((message, i) => {
    const at = `messages[${i}]`;
    reportForeignExtra(message, at, ctx);
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...withMessageCache(message, textBlocks(message, at, ctx)));
        return;
      case 'tool': {
        const block = toolResult(message, at, ctx);
        if (!block) return;
        if (toolTurn) toolTurn.push(block);
        else turns.push({ role: 'user', content: (toolTurn = [block]) });
        return;
      }
      case 'user': {
        const content = userContent(message, at, ctx);
        if (content === undefined) return;
        if (toolTurn) toolTurn.push(...(typeof content === 'string' ? [{ type: 'text', text: content }] : content));
        else turns.push(turn('user', content, message));
        toolTurn = undefined;
        return;
      }
      case 'assistant': {
        toolTurn = undefined;
        const blocks = withMessageCache(message, assistantBlocks(message, at, ctx));
        // Nothing to say (no text, no calls, no reasoning): Anthropic refuses empty turns, and nothing is lost.
        if (blocks.length > 0) turns.push(turn('assistant', blocks, message));
        return;
      }
      default:
        ctx.drop(`${at}.role`, `role '${String(message.role)}' has no Anthropic equivalent`);
    }
  });
  if (system.length === 0) return { messages: turns };
  const only = system.length === 1 ? system[0] : undefined;
  const plain = only && Object.keys(only).length === 2 && typeof only['text'] === 'string';
  return { system: plain ? (only['text'] as string) : system, messages: turns };
}

// Message-level fields this codec reads from Anthropic extras itself (the rest are copied onto the turn).
const MESSAGE_EXTRA_USED = new Set(['cache_control', 'is_error']);

function turn(role: 'user' | 'assistant', content: string | Wire[], message: ChatMessage): Wire {
  const wire: Wire = { role, content };
  const fields = anthropicFields(message.extra);
  for (const key in fields) if (!MESSAGE_EXTRA_USED.has(key) && !(key in wire)) wire[key] = fields[key];
  return wire;
}

/** A cache mark the surface kept at message level (it sat on a block the canonical types cannot mark). */
function withMessageCache(message: ChatMessage, blocks: Wire[]): Wire[] {
  const mark = anthropicFields(message.extra)['cache_control'];
  const last = blocks.at(-1);
  if (isRecord(mark) && last && !('cache_control' in last)) blocks[blocks.length - 1] = { ...last, cache_control: mark };
  return blocks;
}

/** Fields another wire format put on a message (OpenAI's refusal, audio, ...): carried nowhere, so reported. */
function reportForeignExtra(message: ChatMessage, at: string, ctx: EncodeContext): void {
  if (!message.extra || message.extra.format === ANTHROPIC_FORMAT) return;
  for (const [key, value] of Object.entries(message.extra.fields)) {
    const empty = value === null || value === undefined || (Array.isArray(value) && value.length === 0);
    if (!empty) ctx.drop(`${at}.${key}`, 'no Anthropic equivalent');
  }
}

function partsOf(content: ChatMessage['content']): ContentPart[] {
  if (content === null) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

function encodeParts(parts: readonly ContentPart[], at: string, ctx: EncodeContext, only?: (part: ContentPart) => boolean): Wire[] {
  const blocks: Wire[] = [];
  parts.forEach((part, j) => {
    if (only && !only(part)) return ctx.drop(`${at}.content[${j}]`, `'${part.type}' content cannot be sent here`);
    // Anthropic refuses empty text blocks, and an empty text carries nothing.
    if (part.type === 'text' && (part as { text?: unknown }).text === '') return;
    const result = encodePart(part, ctx.sameFormat);
    if ('block' in result) blocks.push(result.block);
    else ctx.drop(`${at}.content[${j}]`, result.unsupported);
    const detail = (part as { image_url?: { detail?: unknown } }).image_url?.detail;
    if ('block' in result && (detail === 'low' || detail === 'high')) ctx.drop(`${at}.content[${j}].image_url.detail`, 'Anthropic has no image detail level');
  });
  return blocks;
}

function textBlocks(message: ChatMessage, at: string, ctx: EncodeContext): Wire[] {
  return encodeParts(partsOf(message.content), at, ctx, (part) => part.type === 'text');
}

function userContent(message: ChatMessage, at: string, ctx: EncodeContext): string | Wire[] | undefined {
  if (message.name !== undefined) ctx.drop(`${at}.name`, 'Anthropic messages have no author name');
  const mark = anthropicFields(message.extra)['cache_control'];
  if (typeof message.content === 'string' && !isRecord(mark)) return message.content;
  const blocks = withMessageCache(message, encodeParts(partsOf(message.content), at, ctx));
  return blocks.length > 0 ? blocks : undefined;
}

function toolResult(message: ChatMessage, at: string, ctx: EncodeContext): Wire | undefined {
  if (message.tool_call_id === undefined) {
    ctx.drop(at, 'a tool result without tool_call_id cannot be tied to an Anthropic tool_use');
    return undefined;
  }
  const block: Wire = { type: 'tool_result', tool_use_id: message.tool_call_id };
  if (typeof message.content === 'string') block['content'] = message.content;
  else if (message.content !== null) block['content'] = encodeParts(message.content, at, ctx);
  const fields = anthropicFields(message.extra);
  if (fields['is_error'] === true) block['is_error'] = true;
  if (isRecord(fields['cache_control'])) block['cache_control'] = fields['cache_control'];
  return block;
}

function reasoningBlock(block: ReasoningBlock, at: string, ctx: EncodeContext): Wire | undefined {
  if (block.redacted !== undefined) return { type: 'redacted_thinking', data: block.redacted };
  if (block.signature) return { type: 'thinking', thinking: block.text ?? '', signature: block.signature };
  ctx.drop(at, 'reasoning without an Anthropic signature cannot be sent back to Anthropic');
  return undefined;
}

function assistantBlocks(message: ChatMessage, at: string, ctx: EncodeContext): Wire[] {
  if (message.name !== undefined) ctx.drop(`${at}.name`, 'Anthropic messages have no author name');
  const blocks: Wire[] = [];
  message.reasoning?.forEach((r, k) => {
    const block = reasoningBlock(r, `${at}.reasoning[${k}]`, ctx);
    if (block) blocks.push(block);
  });
  blocks.push(...encodeParts(partsOf(message.content), at, ctx));
  message.tool_calls?.forEach((call, k) => {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments, `${at}.tool_calls[${k}].function.arguments`, ctx) });
  });
  return blocks;
}

/** Tool-call arguments (a JSON string) → the object Anthropic wants; anything else is reported and sent as {}. */
function toolInput(args: string, at: string, ctx: EncodeContext): Wire {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    if (isRecord(value)) return value;
  } catch {
    // reported below
  }
  ctx.drop(at, 'tool-call arguments are not a JSON object; sent as {}');
  return {};
}
