import type { CanonicalResponse, Usage } from '../../contracts/canonical.js';
import type { RelayContext } from '../../contracts/context.js';
import type { GatewayError } from '../../errors.js';
import { encodeChatChunk, encodeCompletionChunk, encodeUsageChunk } from '../../wire/openai/chunk.js';
import { encodeError } from '../../wire/openai/error.js';
import {
  encodeChatResponse,
  encodeCompletionResponse,
  encodeEmbeddingResponse,
  encodeModels,
} from '../../wire/openai/response.js';
import { retryAfterHeaders, type StreamEncoder, type Surface } from '../../contracts/surface.js';

const event = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;

function encodeResponse(response: CanonicalResponse, usage: Usage, ctx: RelayContext): unknown {
  switch (response.operation) {
    case 'chat':
      return encodeChatResponse(response, usage);
    case 'completions':
      return encodeCompletionResponse(response, usage);
    case 'embeddings':
      return encodeEmbeddingResponse(response, usage, ctx.request.extra?.fields['encoding_format'] === 'base64');
    case 'models':
      return encodeModels(response);
  }
}

function createStreamEncoder(ctx: RelayContext): StreamEncoder {
  const withUsage = ctx.request.includeUsage;
  const chat = ctx.operation === 'chat';
  let template = {
    id: `${chat ? 'chatcmpl' : 'cmpl'}-${ctx.id}`,
    created: Math.floor(ctx.startedAt / 1000),
    model: ctx.request.model,
    object: chat ? 'chat.completion.chunk' : 'text_completion',
  };
  let seen = false;
  return {
    chunk(chunk) {
      if (!seen) {
        seen = true;
        template = { ...template, id: chunk.id || template.id, created: chunk.created || template.created, model: chunk.model || template.model };
      }
      return event(chunk.operation === 'chat' ? encodeChatChunk(chunk, withUsage) : encodeCompletionChunk(chunk, withUsage));
    },
    end(usage) {
      return (withUsage ? event(encodeUsageChunk(template, usage)) : '') + 'data: [DONE]\n\n';
    },
    error(error: GatewayError) {
      return event(encodeError(error));
    },
  };
}

export const openaiSurface: Surface = {
  id: 'openai',
  keepAlive: ': keep-alive\n\n',
  renderError(error) {
    return { status: error.status, body: encodeError(error), headers: retryAfterHeaders(error) };
  },
  encodeResponse,
  createStreamEncoder,
};
