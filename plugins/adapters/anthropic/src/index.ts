import { defineAdapter, GatewayError, type AdapterContext, type RelayRequest, type UpstreamRequest } from '@sluice/core';
import { anthropicOptionsSchema, DEFAULT_MAX_TOKENS, DEFAULT_VERSION, type AnthropicOptions } from './options.js';
import { createAnthropicStream } from './stream/translator.js';
import { ANTHROPIC_SURFACE } from './surface/surface.js';
import { anthropicSurfaceDefinition } from './surface/routes.js';
import { mapError } from './wire/errors.js';
import type { EncodeContext } from './wire/conversation.js';
import { encodeRequest } from './wire/request.js';
import { decodeResponse } from './wire/response.js';
import { anthropicFields, type Wire } from './wire/extras.js';
import { BETA_EXTRA } from './wire/decode-request.js';

function headersFor(request: Readonly<RelayRequest>, ctx: AdapterContext<AnthropicOptions>): Record<string, string> {
  const headers: Record<string, string> = {
    'x-api-key': ctx.apiKey,
    'anthropic-version': ctx.options.anthropicVersion ?? DEFAULT_VERSION,
    accept: 'application/json',
  };
  // The channel's betas, plus an Anthropic client's own (its body may rely on them).
  const fromClient = anthropicFields(request.extra)[BETA_EXTRA];
  const beta = new Set([...(ctx.options.anthropicBeta ?? []), ...(typeof fromClient === 'string' ? fromClient.split(',') : [])].map((b) => b.trim()).filter(Boolean));
  if (beta.size > 0) headers['anthropic-beta'] = [...beta].join(',');
  return headers;
}

/** Same-format relays (an Anthropic client) keep what the canonical types do not model. */
const encodeContext = (ctx: AdapterContext<AnthropicOptions>): EncodeContext => ({
  sameFormat: ctx.surface === ANTHROPIC_SURFACE,
  drop: (field, reason) => ctx.drop(field, reason),
});

/** The Anthropic Messages API (POST /messages): chat, streaming, tools, thinking, prompt caching, usage, errors. */
export const anthropicAdapter = defineAdapter<AnthropicOptions>({
  id: 'anthropic',
  format: ANTHROPIC_SURFACE,
  // wire/openai-fields.ts translates OpenAI's fields (thinking, response_format, ...) and reports the rest.
  handlesForeignExtra: ['openai'],
  schema: anthropicOptionsSchema,
  operations: ['chat'],
  toUpstream(request, ctx): UpstreamRequest {
    // Dispatch only sends operations listed above; this guards direct callers.
    if (request.operation !== 'chat') throw new GatewayError('SLUICE_ERR_UNSUPPORTED_OPERATION', `Anthropic does not support ${request.operation}`);
    const body = encodeRequest(request, ctx.upstreamModel, {
      ...encodeContext(ctx),
      defaultMaxTokens: ctx.options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
      thinking: ctx.options.thinking ?? 'budget',
    });
    return { method: 'POST', path: '/messages', headers: headersFor(request, ctx), body, stream: request.stream };
  },
  fromUpstream(body, _request, ctx) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('upstream sent a message that is not a JSON object');
    return decodeResponse(body as Wire, encodeContext(ctx));
  },
  createStream: (_request, ctx) => createAnthropicStream(encodeContext(ctx)),
  mapError,
});

export default anthropicAdapter;
/** Client-facing surfaces of this package; core serves them when the package is listed under `adapters:`. */
export const surfaces = [anthropicSurfaceDefinition];
export { anthropicOptionsSchema, type AnthropicOptions };
export { anthropicSurface } from './surface/surface.js';
export { anthropicSurfaceDefinition };
export { encodeRequest } from './wire/request.js';
export { decodeRequest } from './wire/decode-request.js';
export { decodeResponse, encodeResponse } from './wire/response.js';
export { decodeUsage, encodeUsage } from './wire/usage.js';
export { mapError, renderError, encodeError } from './wire/errors.js';
export { createAnthropicStream } from './stream/translator.js';
export { createStreamEncoder } from './stream/encoder.js';
export { EFFORT_BUDGETS } from './wire/openai-fields.js';
