import {
  defineAdapter,
  kindForStatus,
  upstreamError,
  type CanonicalChunk,
  type RelayRequest,
  type ChatMessage,
  type SchemaObject,
  type Usage,
} from '@sluice/core';
import { mockTransport } from './transport.js';
import type { MockOptions, MockStreamEvent, MockWireRequest, MockWireResponse } from './wire.js';

const schema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reply: { type: 'string', description: 'Fixed reply text (default: an echo of the prompt).' },
    firstTokenDelayMs: { type: 'integer', minimum: 0, default: 0, description: 'Delay before the first streamed token.' },
    tokenDelayMs: { type: 'integer', minimum: 0, default: 0, description: 'Delay between streamed tokens.' },
    dimensions: { type: 'integer', minimum: 1, maximum: 4096, default: 64, description: 'Embedding size.' },
    failStatus: { type: 'integer', minimum: 400, maximum: 599, description: 'Answer every call with this status.' },
  },
};

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  if (!message.content) return '';
  return message.content.map((part) => (part.type === 'text' && typeof part['text'] === 'string' ? part['text'] : '')).join(' ');
}

function toWire(request: Readonly<RelayRequest>, model: string, options: MockOptions): MockWireRequest {
  const base = { model, stream: request.stream, options, tools: [] as string[], inputs: [] as string[], prompt: '' };
  switch (request.operation) {
    case 'chat': {
      const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
      const wire: MockWireRequest = {
        ...base,
        op: 'chat',
        prompt: lastUser ? textOf(lastUser) : '',
        inputs: request.messages.map(textOf),
        tools: (request.tools ?? []).map((t) => t.function.name),
      };
      if (request.maxTokens !== undefined) wire.maxTokens = request.maxTokens;
      return wire;
    }
    case 'completions': {
      const prompt = Array.isArray(request.prompt) ? request.prompt.join('\n') : request.prompt;
      const wire: MockWireRequest = { ...base, op: 'completions', prompt, inputs: [prompt] };
      if (request.maxTokens !== undefined) wire.maxTokens = request.maxTokens;
      return wire;
    }
    case 'embeddings': {
      const inputs = (Array.isArray(request.input) ? request.input : [request.input]).map((i) => (Array.isArray(i) ? i.join(' ') : String(i)));
      return { ...base, op: 'embeddings', inputs };
    }
  }
}

const toUsage = (u: MockWireResponse['usage']): Usage => ({ input: u.in, output: u.out });

/** A deterministic in-process model: no network, configurable delays and failures. For the demo and tests. */
export const mockAdapter = defineAdapter<MockOptions>({
  id: 'mock',
  schema,
  operations: ['chat', 'completions', 'embeddings'],
  requiresKey: false,
  transport: mockTransport,
  toUpstream(request, ctx) {
    const path = request.operation === 'embeddings' ? '/embed' : '/generate';
    return { method: 'POST', path, headers: {}, body: toWire(request, ctx.upstreamModel, ctx.options), stream: request.stream };
  },
  fromUpstream(body, request) {
    const wire = body as MockWireResponse;
    const created = Math.floor(Date.now() / 1000);
    const usage = toUsage(wire.usage);
    switch (request.operation) {
      case 'embeddings':
        return { response: { operation: 'embeddings', model: request.model, vectors: wire.vectors ?? [] }, usage };
      case 'completions':
        return { response: { operation: 'completions', id: wire.id, created, model: request.model, choices: [{ index: 0, text: wire.text, finishReason: wire.finish }] }, usage };
      case 'chat': {
        const message: ChatMessage = { role: 'assistant', content: wire.toolCall ? null : wire.text };
        if (wire.toolCall) message.tool_calls = [{ id: `call_${wire.id}`, type: 'function', function: wire.toolCall }];
        return { response: { operation: 'chat', id: wire.id, created, model: request.model, choices: [{ index: 0, message, finishReason: wire.finish }] }, usage };
      }
    }
  },
  createStream(request) {
    let usage: Usage = {};
    const id = `mock-stream-${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    let first = true;
    const chunk = (delta: { content?: string; tool?: { name: string; arguments: string } }, finish: MockWireResponse['finish'] | null): CanonicalChunk => {
      if (request.operation === 'completions') {
        return { operation: 'completions', id, created, model: request.model, choices: [{ index: 0, text: delta.content ?? '', finishReason: finish }] };
      }
      const d: CanonicalChunk & { operation: 'chat' } = { operation: 'chat', id, created, model: request.model, choices: [{ index: 0, delta: {}, finishReason: finish }] };
      const choice = d.choices[0]!;
      if (first) choice.delta.role = 'assistant';
      first = false;
      if (delta.content !== undefined) choice.delta.content = delta.content;
      if (delta.tool) choice.delta.toolCalls = [{ index: 0, id: `call_${id}`, type: 'function', function: delta.tool }];
      return d;
    };
    return {
      push(event) {
        const parsed = { event: event.event, data: JSON.parse(event.data) } as MockStreamEvent;
        switch (parsed.event) {
          case 'token':
            return [chunk({ content: parsed.data.text }, null)];
          case 'tool':
            return [chunk({ tool: parsed.data }, null)];
          case 'done':
            usage = toUsage(parsed.data.usage);
            return [chunk({}, parsed.data.finish)];
          default:
            return []; // unknown events are ignored, as every adapter must
        }
      },
      end: () => [],
      usage: () => usage,
    };
  },
  mapError(status, body, headers) {
    const message = typeof (body as { error?: unknown })?.error === 'string' ? (body as { error: string }).error : `mock answered ${status}`;
    return upstreamError(status, kindForStatus(status), message, headers);
  },
});

export default mockAdapter;
export { embed, countTokens } from './model.js';
