import { defineSurface, type CountTokensRequest, type SurfaceDefinition, type SurfaceRequest } from '@sluice/core';
import { decodeRequest } from '../wire/decode-request.js';
import type { Wire } from '../wire/extras.js';
import { countTokensRequestSchema, messagesRequestSchema } from './request-schema.js';
import { anthropicSurface } from './surface.js';

function decodeCountTokens(body: Wire, headers: SurfaceRequest['headers']): CountTokensRequest {
  const { operation: _op, stream: _stream, includeUsage: _usage, maxTokens: _max, ...rest } = decodeRequest({ ...body, stream: false }, headers);
  return { ...rest, operation: 'count_tokens', stream: false, includeUsage: false };
}

/** POST /v1/messages and /v1/messages/count_tokens, for clients of @anthropic-ai/sdk, routed to any provider. */
export const anthropicSurfaceDefinition: SurfaceDefinition = defineSurface({
  surface: anthropicSurface,
  routes: [
    { method: 'POST', path: '/v1/messages', schema: messagesRequestSchema, decode: (body, request) => decodeRequest(body as Wire, request.headers) },
    { method: 'POST', path: '/v1/messages/count_tokens', schema: countTokensRequestSchema, decode: (body, request) => decodeCountTokens(body as Wire, request.headers) },
  ],
  pathPrefixes: ['/v1/messages'],
});
