import type { CanonicalChunk, ChatChunk, ChatDelta, FinishReason, SseEvent, StreamTranslator, VendorExtra } from '@sluice/core';
import type { EncodeContext } from '../wire/conversation.js';
import { ANTHROPIC_FORMAT, isRecord, type Wire } from '../wire/extras.js';
import { errorOf } from '../wire/errors.js';
import { reasoningOf } from '../wire/response.js';
import { decodeStopReason } from '../wire/stop.js';
import { countsToUsage, mergeCounts, type AnthropicCounts } from '../wire/usage.js';

/**
 * Per-request translator of an Anthropic Messages stream (events already framed by core) into canonical chunks.
 * Content blocks are numbered across kinds (thinking 0, text 1, tool_use 2, tool_use 3); canonical tool calls are
 * numbered among tool calls only, so each tool_use block index is mapped to a stable tool-call index on its start.
 */
export function createAnthropicStream(ctx: EncodeContext): StreamTranslator {
  let id = '';
  let model = '';
  const created = Math.floor(Date.now() / 1000);
  const counts: AnthropicCounts = {};
  const toolIndexOf = new Map<number, number>();
  const reported = new Set<string>();
  let finished = false;

  const chunk = (delta: ChatDelta, finishReason: FinishReason | null = null, extra?: VendorExtra): ChatChunk => {
    const c: ChatChunk = { operation: 'chat', id, created, model, choices: [{ index: 0, delta, finishReason }] };
    if (extra) c.extra = extra;
    return c;
  };
  // Reported once per kind, not once per event.
  const drop = (field: string, reason: string): void => {
    if (reported.has(field)) return;
    reported.add(field);
    ctx.drop(field, reason);
  };

  function blockStart(index: number, block: Wire): ChatDelta | undefined {
    const type = block['type'];
    if (type === 'text') return typeof block['text'] === 'string' && block['text'] !== '' ? { content: block['text'] } : undefined;
    const thought = reasoningOf(block);
    if (thought) {
      const delta: ChatDelta = {};
      if (thought.redacted !== undefined) delta.reasoningRedacted = thought.redacted;
      if (thought.text) delta.reasoning = thought.text;
      if (thought.signature !== undefined) delta.reasoningSignature = thought.signature;
      return Object.keys(delta).length > 0 ? delta : undefined;
    }
    if (type === 'tool_use') {
      const toolIndex = toolIndexOf.size;
      toolIndexOf.set(index, toolIndex);
      // Input normally streams as input_json_delta after an empty {}; a non-empty start input is the whole input.
      const input = isRecord(block['input']) && Object.keys(block['input']).length > 0 ? JSON.stringify(block['input']) : '';
      return { toolCalls: [{ index: toolIndex, id: String(block['id'] ?? ''), type: 'function', function: { name: String(block['name'] ?? ''), arguments: input } }] };
    }
    drop(`content.${String(type)}`, `'${String(type)}' blocks have no equivalent in the client format`);
    return undefined;
  }

  function blockDelta(index: number, delta: Wire): ChatDelta | undefined {
    switch (delta['type']) {
      case 'text_delta':
        return typeof delta['text'] === 'string' && delta['text'] !== '' ? { content: delta['text'] } : undefined;
      case 'thinking_delta':
        return typeof delta['thinking'] === 'string' && delta['thinking'] !== '' ? { reasoning: delta['thinking'] } : undefined;
      case 'signature_delta':
        return typeof delta['signature'] === 'string' ? { reasoningSignature: delta['signature'] } : undefined;
      case 'input_json_delta': {
        const toolIndex = toolIndexOf.get(index);
        const partial = delta['partial_json'];
        if (toolIndex === undefined || typeof partial !== 'string' || partial === '') return undefined;
        return { toolCalls: [{ index: toolIndex, function: { arguments: partial } }] };
      }
      case 'citations_delta':
        drop('content.citations', 'citations have no equivalent in the client format');
        return undefined;
      default:
        return undefined; // unknown delta kinds are ignored, as every translator must
    }
  }

  return {
    push(event: SseEvent): CanonicalChunk[] {
      if (event.event === 'ping') return [];
      const data: unknown = JSON.parse(event.data);
      if (!isRecord(data)) throw new Error('event data is not a JSON object');
      const type = typeof data['type'] === 'string' ? data['type'] : event.event;
      const index = typeof data['index'] === 'number' ? data['index'] : -1;
      switch (type) {
        case 'message_start': {
          const message = isRecord(data['message']) ? data['message'] : {};
          id = String(message['id'] ?? '');
          model = String(message['model'] ?? '');
          mergeCounts(counts, message['usage']);
          const { content: _content, ...fields } = message;
          return [chunk({ role: 'assistant' }, null, { format: ANTHROPIC_FORMAT, fields })];
        }
        case 'content_block_start': {
          const delta = isRecord(data['content_block']) ? blockStart(index, data['content_block']) : undefined;
          return delta ? [chunk(delta)] : [];
        }
        case 'content_block_delta': {
          const delta = isRecord(data['delta']) ? blockDelta(index, data['delta']) : undefined;
          return delta ? [chunk(delta)] : [];
        }
        case 'message_delta': {
          finished = true;
          mergeCounts(counts, data['usage']);
          const delta = isRecord(data['delta']) ? data['delta'] : {};
          const exact: Wire = {};
          for (const key of ['stop_reason', 'stop_sequence']) if (typeof delta[key] === 'string') exact[key] = delta[key];
          // The whole delta and usage too, so an Anthropic client gets fields this codec does not know.
          exact['delta'] = delta;
          if (isRecord(data['usage'])) exact['usage'] = data['usage'];
          const finish = decodeStopReason(delta['stop_reason']);
          return finish ? [chunk({}, finish, { format: ANTHROPIC_FORMAT, fields: exact })] : [];
        }
        case 'message_stop':
          finished = true;
          return [];
        case 'error': {
          const { type: kind, message } = errorOf(data);
          throw new Error(`${kind ?? 'error'}: ${message ?? 'the upstream reported an error'}`);
        }
        default:
          return []; // ping, content_block_stop, and event kinds added after this was written
      }
    },
    end(): CanonicalChunk[] {
      // A clean close before the message finished is a truncated answer, not a complete one.
      if (!finished) throw new Error('the upstream stream ended before the message was complete');
      return [];
    },
    usage: () => countsToUsage(counts),
  };
}
