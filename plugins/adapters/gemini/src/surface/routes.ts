// The Gemini API as a client-facing surface: @google/genai (or any Gemini REST client) talks to the gateway as it
// would to generativelanguage.googleapis.com, and the request is routed to whichever provider serves the model.
import {
  defineSurface,
  GatewayError,
  retryAfterHeaders,
  type CanonicalResponse,
  type CountTokensRequest,
  type RelayContext,
  type SchemaObject,
  type Surface,
  type SurfaceDefinition,
  type SurfaceRequest,
  type Usage,
} from '@sluice/core';
import { decodeBatchEmbed, decodeEmbedContent, encodeEmbeddingResponse } from '../wire/embed.js';
import { encodeError } from '../wire/error.js';
import { decodeGenerateContent } from '../wire/request-decode.js';
import { encodeGenerateContentResponse } from '../wire/response-encode.js';
import { GEMINI_FORMAT, type Wire } from '../wire/types.js';
import { createGeminiStreamEncoder } from './stream.js';

const parts = { type: 'array', items: { type: 'object' } };
const content = { type: 'object', required: ['parts'], properties: { role: { type: 'string' }, parts } };

const generateContentSchema: SchemaObject = {
  type: 'object',
  required: ['contents'],
  properties: {
    contents: { type: 'array', items: content },
    systemInstruction: { type: 'object', properties: { parts } },
    generationConfig: {
      type: 'object',
      properties: {
        maxOutputTokens: { type: 'integer', minimum: 1 },
        temperature: { type: 'number' },
        topP: { type: 'number' },
        topK: { type: 'number' },
        candidateCount: { type: 'integer', minimum: 1 },
        stopSequences: { type: 'array', items: { type: 'string' } },
      },
    },
    tools: { type: 'array', items: { type: 'object' } },
    toolConfig: { type: 'object' },
  },
};

const countTokensSchema: SchemaObject = {
  type: 'object',
  properties: { contents: { type: 'array', items: content }, generateContentRequest: generateContentSchema },
};
const embedContentSchema: SchemaObject = { type: 'object', required: ['content'], properties: { content, outputDimensionality: { type: 'integer' } } };
const batchEmbedSchema: SchemaObject = {
  type: 'object',
  required: ['requests'],
  properties: { requests: { type: 'array', minItems: 1, items: { type: 'object', required: ['content'], properties: { content } } } },
};

const modelOf = (request: SurfaceRequest): string => request.params['model'] ?? '';

function decodeStream(body: unknown, request: SurfaceRequest): ReturnType<typeof decodeGenerateContent> {
  // Without alt=sse Gemini streams one JSON array; the gateway speaks only the SSE form (what the SDKs use).
  if (request.query['alt'] !== 'sse') {
    throw new GatewayError('SLUICE_ERR_INVALID_REQUEST', 'streamGenerateContent is served as server-sent events only: add ?alt=sse to the URL.', { param: 'alt' });
  }
  return decodeGenerateContent(body as Wire, modelOf(request), true);
}

function decodeCountTokens(body: unknown, request: SurfaceRequest): CountTokensRequest {
  const wire = body as Wire;
  const inner = typeof wire['generateContentRequest'] === 'object' && wire['generateContentRequest'] !== null ? (wire['generateContentRequest'] as Wire) : wire;
  const { operation: _operation, stream: _stream, includeUsage: _includeUsage, ...chat } = decodeGenerateContent({ contents: [], ...inner }, modelOf(request), false);
  return { ...chat, operation: 'count_tokens', stream: false, includeUsage: false };
}

function encodeResponse(response: CanonicalResponse, usage: Usage, ctx: RelayContext): unknown {
  switch (response.operation) {
    case 'chat':
      return encodeGenerateContentResponse(response, usage);
    case 'embeddings':
      // batchEmbedContents decodes to a list of inputs, embedContent to one.
      return encodeEmbeddingResponse(response, ctx.request.operation === 'embeddings' && Array.isArray(ctx.request.input));
    case 'count_tokens':
      return { totalTokens: response.inputTokens };
    default:
      throw new GatewayError('SLUICE_ERR_INTERNAL', `internal error (request id ${ctx.id})`);
  }
}

export const geminiSurface: Surface = {
  id: GEMINI_FORMAT,
  keepAlive: ': keep-alive\r\n\r\n',
  renderError(error) {
    return { status: error.status, body: encodeError(error), headers: retryAfterHeaders(error) };
  },
  encodeResponse,
  createStreamEncoder: createGeminiStreamEncoder,
};

/** POST /v1beta/models/{model}:generateContent | :streamGenerateContent | :countTokens | :embedContent | :batchEmbedContents */
export const geminiSurfaceDefinition: SurfaceDefinition = defineSurface({
  surface: geminiSurface,
  routes: [
    { method: 'POST', path: '/v1beta/models/{model}:generateContent', schema: generateContentSchema, decode: (body, request) => decodeGenerateContent(body as Wire, modelOf(request), false) },
    { method: 'POST', path: '/v1beta/models/{model}:streamGenerateContent', schema: generateContentSchema, decode: decodeStream },
    { method: 'POST', path: '/v1beta/models/{model}:countTokens', schema: countTokensSchema, decode: decodeCountTokens },
    { method: 'POST', path: '/v1beta/models/{model}:embedContent', schema: embedContentSchema, decode: (body, request) => decodeEmbedContent(body as Wire, modelOf(request)) },
    { method: 'POST', path: '/v1beta/models/{model}:batchEmbedContents', schema: batchEmbedSchema, decode: (body, request) => decodeBatchEmbed(body as Wire, modelOf(request)) },
  ],
  pathPrefixes: ['/v1beta/'],
});
