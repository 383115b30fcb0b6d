import {
  defineAdapter,
  kindForStatus,
  openaiWire,
  upstreamError,
  type AdapterContext,
  type RelayRequest,
  type UpstreamRequest,
} from '@sluice/core';
import { createOpenAIStream } from './stream.js';
import { openaiOptionsSchema, type OpenAIOptions } from './schema.js';

type Wire = Record<string, unknown>;

const PATHS = { chat: '/chat/completions', completions: '/completions', embeddings: '/embeddings' } as const;

function headersFor(ctx: AdapterContext<OpenAIOptions>): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${ctx.apiKey}`, accept: 'application/json' };
  if (ctx.options.organization) headers['openai-organization'] = ctx.options.organization;
  if (ctx.options.project) headers['openai-project'] = ctx.options.project;
  return headers;
}

function bodyFor(request: Readonly<RelayRequest>, model: string): Wire {
  switch (request.operation) {
    case 'chat':
      return openaiWire.encodeChat(request, model);
    case 'completions':
      return openaiWire.encodeCompletion(request, model);
    case 'embeddings':
      return openaiWire.encodeEmbedding(request, model);
  }
}

/** OpenAI and any server speaking its wire format (chat, completions, embeddings, streaming, usage, errors). */
export const openaiAdapter = defineAdapter<OpenAIOptions>({
  id: 'openai',
  schema: openaiOptionsSchema,
  operations: ['chat', 'completions', 'embeddings'],
  toUpstream(request, ctx): UpstreamRequest {
    return {
      method: 'POST',
      path: PATHS[request.operation],
      headers: headersFor(ctx),
      body: bodyFor(request, ctx.upstreamModel),
      stream: request.stream,
    };
  },
  fromUpstream(body, request) {
    const wire = body as Wire;
    switch (request.operation) {
      case 'chat':
        return openaiWire.decodeChatResponse(wire);
      case 'completions':
        return openaiWire.decodeCompletionResponse(wire);
      case 'embeddings':
        return openaiWire.decodeEmbeddingResponse(wire);
    }
  },
  createStream: (request) => createOpenAIStream(request.operation),
  mapError(status, body, headers) {
    const error = (body as { error?: { message?: unknown; code?: unknown; type?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : '';
    const message = typeof error?.message === 'string' ? error.message : typeof body === 'string' ? body.slice(0, 500) : `upstream answered ${status}`;
    let kind = kindForStatus(status);
    if (code === 'context_length_exceeded' || code === 'string_above_max_length') kind = 'context_length';
    else if (code === 'content_filter' || code === 'content_policy_violation') kind = 'content_filter';
    return upstreamError(status, kind, message, headers);
  },
});

export default openaiAdapter;
export { openaiOptionsSchema, type OpenAIOptions };
