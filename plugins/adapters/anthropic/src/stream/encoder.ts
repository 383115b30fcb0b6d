import type { CanonicalChunk, FinishReason, GatewayError, RelayContext, StreamEncoder, Usage } from '@sluice/core';
import { encodeError } from '../wire/errors.js';
import { anthropicFields, isRecord, type Wire } from '../wire/extras.js';
import { messageId } from '../wire/response.js';
import { encodeStopReason } from '../wire/stop.js';
import { encodeUsage } from '../wire/usage.js';

/** One SSE event as Anthropic writes it: a named event, compact JSON data. */
export const sseEvent = (type: string, payload: unknown): string => `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;

interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool';
  index: number;
  /** A thinking block whose signature was sent: the next reasoning starts a new block. */
  signed?: boolean;
}

const MESSAGE_SET = new Set(['id', 'type', 'role', 'model', 'content', 'stop_reason', 'stop_sequence', 'usage']);

/**
 * Canonical chunks (OpenAI-like deltas) → Anthropic's block-structured stream: message_start, then one content
 * block per run of the same kind (thinking, text, one per tool call), each opened, filled and stopped in order with
 * consecutive indexes, then message_delta (stop reason, usage) and message_stop.
 */
export function createStreamEncoder(ctx: RelayContext): StreamEncoder {
  let started = false;
  let open: OpenBlock | undefined;
  let nextIndex = 0;
  const toolBlocks = new Map<number, number>();
  let finish: FinishReason | null = null;
  let exact: Readonly<Wire> = {};

  function start(chunk: CanonicalChunk | undefined): string {
    started = true;
    const fields = anthropicFields(chunk?.extra);
    const message: Wire = {
      id: messageId(chunk?.id || ctx.id),
      type: 'message',
      role: 'assistant',
      model: chunk?.model || ctx.request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // The upstream's own start usage when it spoke Anthropic; otherwise counts arrive with message_delta.
      usage: isRecord(fields['usage']) ? fields['usage'] : encodeUsage({}),
    };
    for (const key in fields) if (!MESSAGE_SET.has(key)) message[key] = fields[key];
    return sseEvent('message_start', { type: 'message_start', message });
  }

  function close(): string {
    if (!open) return '';
    const text = sseEvent('content_block_stop', { type: 'content_block_stop', index: open.index });
    open = undefined;
    return text;
  }

  function openBlock(kind: OpenBlock['kind'], contentBlock: Wire): string {
    const text = close();
    open = { kind, index: nextIndex++ };
    return text + sseEvent('content_block_start', { type: 'content_block_start', index: open.index, content_block: contentBlock });
  }

  const delta = (index: number, payload: Wire): string => sseEvent('content_block_delta', { type: 'content_block_delta', index, delta: payload });

  function thinkingBlock(): string {
    return open?.kind === 'thinking' && !open.signed ? '' : openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
  }

  return {
    chunk(chunk) {
      let out = started ? '' : start(chunk);
      const choice = chunk.operation === 'chat' ? chunk.choices.find((c) => c.index === 0) : undefined;
      if (!choice) return out;
      const d = choice.delta;
      if (d.reasoningRedacted !== undefined) {
        out += openBlock('thinking', { type: 'redacted_thinking', data: d.reasoningRedacted }) + close();
      }
      if (d.reasoning) {
        out += thinkingBlock();
        out += delta(open!.index, { type: 'thinking_delta', thinking: d.reasoning });
      }
      if (d.reasoningSignature !== undefined) {
        out += thinkingBlock();
        out += delta(open!.index, { type: 'signature_delta', signature: d.reasoningSignature });
        open!.signed = true;
      }
      if (d.content) {
        if (open?.kind !== 'text') out += openBlock('text', { type: 'text', text: '' });
        out += delta(open!.index, { type: 'text_delta', text: d.content });
      }
      for (const call of d.toolCalls ?? []) {
        let index = toolBlocks.get(call.index);
        if (index === undefined) {
          const id = call.id ?? `toolu_${ctx.id.replace(/-/g, '')}_${call.index}`;
          out += openBlock('tool', { type: 'tool_use', id, name: call.function?.name ?? '', input: {} });
          index = open!.index;
          toolBlocks.set(call.index, index);
        }
        // A producer that interleaves calls' arguments still lands each piece on its own block's index.
        const args = call.function?.arguments;
        if (args) out += delta(index, { type: 'input_json_delta', partial_json: args });
      }
      if (choice.finishReason) {
        finish = choice.finishReason;
        exact = anthropicFields(choice.extra ?? chunk.extra);
        out += close();
      }
      return out;
    },
    end(usage: Usage) {
      let out = started ? '' : start(undefined);
      out += close();
      const reason = finish ?? (toolBlocks.size > 0 ? 'tool_calls' : 'stop');
      const stopReason = typeof exact['stop_reason'] === 'string' ? exact['stop_reason'] : encodeStopReason(reason, exact['stop_sequence']);
      const stopSequence = typeof exact['stop_sequence'] === 'string' ? exact['stop_sequence'] : null;
      const original = isRecord(exact['usage']) ? exact['usage'] : {};
      const originalDelta = isRecord(exact['delta']) ? exact['delta'] : {};
      const messageDelta = { ...originalDelta, stop_reason: stopReason, stop_sequence: stopSequence };
      out += sseEvent('message_delta', { type: 'message_delta', delta: messageDelta, usage: { ...original, ...encodeUsage(usage) } });
      return out + sseEvent('message_stop', { type: 'message_stop' });
    },
    error(error: GatewayError) {
      return sseEvent('error', encodeError(error));
    },
  };
}
