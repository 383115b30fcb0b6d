// @sluice/adapter-gemini: the Gemini API as an upstream (adapter id `gemini`) and as a client-facing surface
// (POST /v1beta/models/{model}:generateContent, ... for @google/genai clients, routed to any provider).
import { defineAdapter, UpstreamFailure, type AdapterContext, type UpstreamRequest } from '@sluice/core';
import { createGeminiStream } from './stream.js';
import { geminiOptionsSchema, type GeminiOptions } from './schema.js';
import { decodeEmbeddingResponse, encodeEmbedding } from './wire/embed.js';
import { decodeError } from './wire/error.js';
import { encodeChatRequest } from './wire/request-encode.js';
import { blockedReason, decodeChatResponse, type DecodeHooks } from './wire/response-decode.js';
import { isRecord, type GeminiResponse, type Wire } from './wire/types.js';
import { geminiSurfaceDefinition } from './surface/routes.js';

/** "models/x" and "tunedModels/x" name resources as Gemini does; anything else is a model id. */
function modelPath(model: string): string {
  const resource = /^(models|tunedModels)\/([^/]+)$/.exec(model);
  return resource ? `/${resource[1]}/${encodeURIComponent(resource[2]!)}` : `/models/${encodeURIComponent(model)}`;
}

// The key goes in a header, never in the URL query (?key=), so it cannot end up in access logs.
const headersFor = (ctx: AdapterContext<GeminiOptions>): Record<string, string> => ({ 'x-goog-api-key': ctx.apiKey, accept: 'application/json' });

const hooksFor = (ctx: AdapterContext<GeminiOptions>): DecodeHooks => ({ keepOther: ctx.surface === 'gemini', drop: (field, reason) => ctx.drop(field, reason) });

/** Google's Gemini API (generativelanguage v1beta): chat (streaming and not) and embeddings. */
export const geminiAdapter = defineAdapter<GeminiOptions>({
  id: 'gemini',
  format: 'gemini',
  // foreign-extras.ts translates OpenAI's seed, response_format, penalties, reasoning_effort and reports the rest.
  handlesForeignExtra: true,
  schema: geminiOptionsSchema,
  operations: ['chat', 'embeddings'],
  toUpstream(request, ctx): UpstreamRequest {
    const path = modelPath(ctx.upstreamModel);
    const drop = (field: string, reason: string): void => ctx.drop(field, reason);
    if (request.operation === 'embeddings') {
      const resource = ctx.upstreamModel.includes('/') ? ctx.upstreamModel : `models/${ctx.upstreamModel}`;
      const { action, body } = encodeEmbedding(request, resource, drop);
      return { method: 'POST', path: `${path}:${action}`, headers: headersFor(ctx), body, stream: false };
    }
    if (request.operation !== 'chat') throw new Error(`gemini adapter: unsupported operation ${request.operation}`);
    const body = encodeChatRequest(request, { imageUrls: ctx.options.imageUrls ?? 'fileData' }, drop);
    return request.stream
      ? { method: 'POST', path: `${path}:streamGenerateContent`, query: { alt: 'sse' }, headers: headersFor(ctx), body, stream: true }
      : { method: 'POST', path: `${path}:generateContent`, headers: headersFor(ctx), body, stream: false };
  },
  fromUpstream(body, request, ctx) {
    const wire = (isRecord(body) ? body : {}) as Wire;
    if (request.operation === 'embeddings') return decodeEmbeddingResponse(wire, ctx.upstreamModel);
    // A safety block answers 200 with no content: surfaced as a content-filter error, not an empty reply.
    const blocked = blockedReason(wire as GeminiResponse);
    if (blocked) throw new UpstreamFailure({ kind: 'content_filter', status: 400, retryable: false, message: blocked }, ctx.channel, blocked);
    return decodeChatResponse(wire as GeminiResponse, ctx.upstreamModel, hooksFor(ctx));
  },
  createStream: (request, ctx) => createGeminiStream(request, hooksFor(ctx)),
  mapError: (status, body, headers) => decodeError(status, body, headers),
});

export default geminiAdapter;
export const surfaces = [geminiSurfaceDefinition];
export { geminiOptionsSchema, type GeminiOptions };
export { geminiSurface, geminiSurfaceDefinition } from './surface/routes.js';
